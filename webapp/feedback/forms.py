from django import forms

from alignment.feedback.pipeline import FeedbackConfig
from webapp.constitutions.models import ConstitutionVersion
from webapp.core.forms import VersionChoice, add_config_fields, queue_field
from webapp.jobs.models import Job
from webapp.prompts.models import PromptSet


class SourceChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        what = "imported set" if obj.kind == "import" else "feedback run"
        return f"{obj.config.get('name') or f'run {obj.pk}'} ({what} {obj.pk}, {obj.result.get('pairs', 0)} pairs)"


class FeedbackForm(forms.Form):
    """A feedback run, with the papers' values as defaults (from FeedbackConfig): on a prompt set,
    or on the given pairs of an imported set or an earlier run."""

    prompt_set = forms.ModelChoiceField(queryset=PromptSet.objects.all(), required=False,
                                        help_text="the policy answers these prompts and the judge labels its answers")
    pairs_from = SourceChoice(queryset=Job.objects.none(), required=False, label="Or judge the pairs of",
                              help_text="instead of a prompt set: the judge labels these pairs as they are (both "
                                        "orders), to measure it against the labels they came with")
    limit = forms.IntegerField(required=False, min_value=1, help_text="use only the first N prompts or pairs "
                                                                      "(blank: all)")
    constitution_version = VersionChoice(queryset=ConstitutionVersion.objects.none())

    def __init__(self, *args, versions=None, sources=None, **kwargs):
        super().__init__(*args, **kwargs)
        add_config_fields(self, FeedbackConfig)
        self.fields["queue"] = queue_field()
        self.fields["constitution_version"].queryset = versions if versions is not None else ConstitutionVersion.objects.none()
        self.fields["pairs_from"].queryset = sources if sources is not None else Job.objects.none()
