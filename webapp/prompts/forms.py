from django import forms

from alignment.models import DEFAULT_MODEL
from webapp.prompts.models import PromptSet
from webapp.training.widgets import ModelNameInput


class SampleForm(forms.Form):
    prompt_set = forms.ModelChoiceField(queryset=PromptSet.objects.all())
    limit = forms.IntegerField(required=False, min_value=1, max_value=1_000_000,
                               help_text="use only the first N prompts (blank: all)")
    model = forms.CharField(initial=DEFAULT_MODEL, max_length=1024, widget=ModelNameInput,
                            help_text="the default model, a folder under the models directory, or an absolute path")
    n = forms.IntegerField(initial=4, min_value=1, max_value=64, label="Responses per prompt (N)")
    temperature = forms.FloatField(initial=0.7, min_value=0, max_value=5)
    top_p = forms.FloatField(initial=0.9, min_value=0.01, max_value=1, label="Top-p")
    max_new_tokens = forms.IntegerField(initial=128, min_value=1, max_value=8192)
    seed = forms.IntegerField(initial=0, min_value=0, max_value=2**32 - 1)
    batch_size = forms.IntegerField(initial=8, min_value=1, max_value=512)
    queue = forms.ChoiceField(choices=[("default", "default (CPU)"), ("gpu", "gpu")], initial="default")


class ImportPromptsForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    file = forms.FileField(help_text="JSONL with a 'prompt' field or chat 'messages', or CSV with a 'prompt' column; "
                                     "optional 'key' and 'category'; at most 20 MB")


class SynthesisForm(forms.Form):
    """Self-instruct prompt synthesis; defaults follow Self-Instruct (8 shots, 2 of them generated)."""

    source = forms.ModelChoiceField(queryset=PromptSet.objects.all(), label="Seed prompt set")
    name = forms.CharField(max_length=200, label="Name of the new prompt set")
    count = forms.IntegerField(initial=50, min_value=1, max_value=100_000, help_text="new prompts wanted")
    model = forms.CharField(initial=DEFAULT_MODEL, max_length=1024, widget=ModelNameInput,
                            help_text="the default model, a folder under the models directory, an absolute path, "
                                      "or a hub id already in the Hugging Face cache")
    shots = forms.IntegerField(initial=8, min_value=1, max_value=16, help_text="example tasks per prompt")
    generated_shots = forms.IntegerField(initial=2, min_value=0, max_value=16,
                                         help_text="of the shots, how many come from prompts already generated")
    similarity_threshold = forms.FloatField(initial=0.9, min_value=0.01, max_value=1,
                                            help_text="drop a prompt whose cosine similarity to any seen prompt "
                                                      "(all-MiniLM-L6-v2) is at least this")
    temperature = forms.FloatField(initial=0.7, min_value=0.01, max_value=2)
    top_p = forms.FloatField(initial=0.9, min_value=0.01, max_value=1, label="Top-p")
    max_new_tokens = forms.IntegerField(initial=96, min_value=8, max_value=1024)
    seed = forms.IntegerField(initial=0, min_value=0, max_value=2**32 - 1)
    batch_size = forms.IntegerField(initial=8, min_value=1, max_value=512)
    queue = forms.ChoiceField(choices=[("default", "default (CPU)"), ("gpu", "gpu")], initial="default")
