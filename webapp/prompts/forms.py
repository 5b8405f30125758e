from django import forms

from alignment.sampling import SampleConfig
from alignment.synthesis import SynthesisConfig
from webapp.core.forms import add_config_fields, queue_field
from webapp.prompts.models import PromptSet


class SampleForm(forms.Form):
    prompt_set = forms.ModelChoiceField(queryset=PromptSet.objects.all())
    limit = forms.IntegerField(required=False, min_value=1, max_value=1_000_000,
                               help_text="use only the first N prompts (blank: all)")

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
