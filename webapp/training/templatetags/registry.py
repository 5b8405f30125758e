from django import template

from alignment.models import DEFAULT_MODEL

register = template.Library()


@register.inclusion_tag("training/_model_datalist.html")
def model_datalist():
    """The names a model box offers: the default model, then registered models, newest first."""
    from webapp.training.models import TrainedModel

    return {"default": DEFAULT_MODEL,
            "models": TrainedModel.objects.order_by("-id").values("name", "kind", "method")[:500]}
