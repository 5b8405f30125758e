from django import forms

from alignment.models import DEFAULT_MODEL
from webapp.constitutions.models import ConstitutionVersion
from webapp.feedback.models import METHODS
from webapp.prompts.models import PromptSet
from webapp.training.widgets import ModelNameInput


class VersionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} v{obj.number}"


class FeedbackForm(forms.Form):
    """A feedback run, with the papers' values as defaults."""

    prompt_set = forms.ModelChoiceField(queryset=PromptSet.objects.all())
    limit = forms.IntegerField(required=False, min_value=1, help_text="use only the first N prompts (blank: all)")
    constitution_version = VersionChoice(queryset=ConstitutionVersion.objects.none())
    method = forms.ChoiceField(choices=METHODS)
    policy_model = forms.CharField(initial=DEFAULT_MODEL, max_length=1024, widget=ModelNameInput)
    judge_model = forms.CharField(initial=DEFAULT_MODEL, max_length=1024, widget=ModelNameInput)
    n = forms.IntegerField(initial=0, min_value=0, max_value=16, label="Responses per prompt (0 = method default: 2, 2, 4, 1)")
    temperature = forms.FloatField(initial=0.7, min_value=0, max_value=5)
    top_p = forms.FloatField(initial=0.9, min_value=0.01, max_value=1)
    max_new_tokens = forms.IntegerField(initial=128, min_value=1, max_value=4096)
    seed = forms.IntegerField(initial=0, min_value=0, max_value=2**32 - 1)
    batch_size = forms.IntegerField(initial=8, min_value=1, max_value=512)
    principles_per_pair = forms.IntegerField(initial=1, min_value=1, max_value=100, help_text="pairwise: k principles per pair")
    negate_fraction = forms.FloatField(initial=0.0, min_value=0, max_value=1, help_text="SALMON: share of negated judgments")
    chain_of_thought = forms.BooleanField(required=False, help_text="pairwise: reason first; labels clamped to [0.4, 0.6]")
    cot_max_new_tokens = forms.IntegerField(initial=128, min_value=1, max_value=4096)
    judgments_per_response = forms.IntegerField(initial=3, min_value=1, max_value=16, help_text="Self-Rewarding: k")
    judge_max_new_tokens = forms.IntegerField(initial=256, min_value=1, max_value=4096)
    rounds = forms.IntegerField(initial=1, min_value=1, max_value=8, help_text="SL-CAI: critique/revision rounds")
    queue = forms.ChoiceField(choices=[("default", "default (CPU)"), ("gpu", "gpu")], initial="default")

    def __init__(self, *args, versions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["constitution_version"].queryset = versions if versions is not None else ConstitutionVersion.objects.none()
