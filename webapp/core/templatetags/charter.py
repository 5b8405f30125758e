from django import template
from django.utils.safestring import mark_safe

from webapp.core.rendering import render_markdown

register = template.Library()


@register.filter
def markdown(text: str) -> str:
    """User Markdown as sanitized HTML: nh3 keeps a small allow-list of tags, no scripts,
    no event handlers, no javascript: links."""
    return mark_safe(render_markdown(text))  # noqa: S308 - sanitized by nh3 above


@register.inclusion_tag("core/_model_datalist.html", takes_context=True)
def model_datalist(context):
    """The names a model box offers: the default model, then the registered models this user
    may see, newest first."""
    from alignment.model_folders import DEFAULT_MODEL
    from webapp.core.model_names import model_choices

    return {"default": DEFAULT_MODEL, "models": model_choices(context["request"].user)}
