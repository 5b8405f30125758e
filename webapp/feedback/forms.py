from django import forms

from alignment.feedback.pipeline import FeedbackConfig
from webapp.constitutions.models import ConstitutionVersion
from webapp.core.forms import VersionChoice, add_config_fields, queue_field
from webapp.jobs.models import Job
from webapp.prompts.forms import PromptPick, shards_field
from webapp.prompts.models import PromptSet


class SourceChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        what = "imported set" if obj.kind == "import" else "feedback run"
        return f"{obj.config.get('name') or f'run {obj.pk}'} ({what} {obj.pk}, {obj.result.get('pairs', 0)} pairs)"


class FeedbackForm(PromptPick):
    """A feedback run, with the papers' values as defaults (from FeedbackConfig): on a prompt set,
    or on the given pairs of an imported set or an earlier run."""

    prompt_set = forms.ModelChoiceField(queryset=PromptSet.objects.all(), required=False,
                                        help_text="the policy answers these prompts and the judge labels its answers")
    pairs_from = SourceChoice(queryset=Job.objects.none(), required=False, label="Or judge the pairs of",
                              help_text="instead of a prompt set: the judge labels these pairs as they are (both "
                                        "orders), to measure it against the labels they came with")
    constitution_version = VersionChoice(queryset=ConstitutionVersion.objects.none())
    shards = shards_field()
    field_order = ["prompt_set", "pairs_from", "limit", "offset", "sample_seed", "constitution_version"]
    review_guidelines = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=20_000,
                                        label="Review guidelines (Markdown)",
                                        help_text="shown to reviewers beside each pair of this run, above the "
                                                  "constitution version's own (its preamble's review_guidelines)")

    def __init__(self, *args, versions=None, sources=None, **kwargs):
        super().__init__(*args, **kwargs)
        add_config_fields(self, FeedbackConfig)
        self.fields["queue"] = queue_field()
        self.fields["constitution_version"].queryset = versions if versions is not None else ConstitutionVersion.objects.none()
        self.fields["pairs_from"].queryset = sources if sources is not None else Job.objects.none()
