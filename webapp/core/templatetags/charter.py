from django import template
from django.utils.safestring import mark_safe

from webapp.core.rendering import render_markdown

register = template.Library()


@register.filter
def markdown(text: str) -> str:
    """User Markdown as sanitized HTML: nh3 keeps a small allow-list of tags, no scripts,
    no event handlers, no javascript: links."""
    return mark_safe(render_markdown(text))  # noqa: S308 - sanitized by nh3 above
