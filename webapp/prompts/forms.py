from django import forms

from alignment.sampling import SampleConfig
from alignment.synthesis import SynthesisConfig
from webapp.core.forms import add_config_fields, queue_field
from webapp.prompts.models import PromptSet


class PromptPick(forms.Form):
    """Which prompts of the chosen set a launch takes (webapp.prompts.services.pick)."""

    limit = forms.IntegerField(required=False, min_value=1, max_value=10_000_000,
                               help_text="take at most N prompts (blank: all)")
    offset = forms.IntegerField(required=False, min_value=0, max_value=10_000_000, initial=0,
                                help_text="skip the first N (of the set in order, or of the seeded sample)")
    sample_seed = forms.IntegerField(required=False, min_value=0, max_value=2**32 - 1, label="Random sample seed",
                                     help_text="blank: the set in order; a number: a random sample drawn with that "
                                               "seed (the same seed draws the same prompts). To keep evaluation "
                                               "prompts out of training, split the set on its page")


def shards_field() -> forms.IntegerField:
    return forms.IntegerField(required=False, min_value=1, max_value=64, initial=1, label="Shards",
                              help_text="split the run into N jobs that any workers pick up (each takes every N-th "
                                        "prompt or pair); the run sums their progress and results")


def picked(data: dict) -> dict:
    """A PromptPick form's choices as launch keyword arguments."""
    return {"limit": data.get("limit"), "offset": data.get("offset") or 0, "sample_seed": data.get("sample_seed")}


class SplitForm(forms.Form):
    heldout = forms.FloatField(min_value=0.01, max_value=0.99, initial=0.2, label="Held-out share")
    seed = forms.IntegerField(min_value=0, max_value=2**32 - 1, initial=0)


class SampleForm(PromptPick):
    prompt_set = forms.ModelChoiceField(queryset=PromptSet.objects.all())
    shards = shards_field()
    field_order = ["prompt_set", "limit", "offset", "sample_seed"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        add_config_fields(self, SampleConfig)
        self.fields["queue"] = queue_field()


class ImportPromptsForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    file = forms.FileField(help_text="JSONL with a 'prompt' field or chat 'messages', or CSV with a 'prompt' column; "
                                     "optional 'key' and 'category'; at most 20 MB")


class SynthesisForm(forms.Form):
    """Self-instruct prompt synthesis; defaults follow Self-Instruct (8 shots, 2 of them generated)."""

    source = forms.ModelChoiceField(queryset=PromptSet.objects.all(), label="Seed prompt set")
    name = forms.CharField(max_length=200, label="Name of the new prompt set")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        add_config_fields(self, SynthesisConfig, skip=("min_chars", "max_chars", "max_attempts"))
        self.fields["queue"] = queue_field()
