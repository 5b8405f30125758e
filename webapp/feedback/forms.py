from django import forms

from alignment.feedback.pipeline import FeedbackConfig
from webapp.constitutions.models import ConstitutionVersion
from webapp.core.forms import VersionChoice, add_config_fields, queue_field
from webapp.prompts.models import PromptSet


class FeedbackForm(forms.Form):
    """A feedback run, with the papers' values as defaults (from FeedbackConfig)."""

    prompt_set = forms.ModelChoiceField(queryset=PromptSet.objects.all())
    limit = forms.IntegerField(required=False, min_value=1, help_text="use only the first N prompts (blank: all)")
    constitution_version = VersionChoice(queryset=ConstitutionVersion.objects.none())

    def __init__(self, *args, versions=None, **kwargs):
        super().__init__(*args, **kwargs)
        add_config_fields(self, FeedbackConfig)
        self.fields["queue"] = queue_field()
        self.fields["constitution_version"].queryset = versions if versions is not None else ConstitutionVersion.objects.none()
