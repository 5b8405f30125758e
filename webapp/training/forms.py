"""The training launch form, built from TrainConfig's fields so the two never drift apart."""

from __future__ import annotations

import dataclasses

from django import forms

from alignment.models import DEFAULT_MODEL
from alignment.training.config import METHODS, TrainConfig
from webapp.constitutions.models import ConstitutionVersion
from webapp.feedback.forms import VersionChoice
from webapp.prompts.models import PromptSet
from webapp.review.models import Dataset
from webapp.training.services import FORM_FIELDS
from webapp.training.widgets import ModelNameInput

MODEL_FIELDS = ("model", "reward_model", "reward_judge")
CHOICES = {"method": list(METHODS.items()), "device": [("auto", "auto (GPU if the worker has one)"),
                                                        ("cpu", "CPU"), ("gpu", "GPU (queue gpu)")]}


def _field(f: dataclasses.Field) -> forms.Field:
    common = {"initial": f.default, "help_text": f.metadata.get("help", ""), "label": f.name.replace("_", " ")}
    if f.name in CHOICES:
        return forms.ChoiceField(choices=CHOICES[f.name], **common)
    if isinstance(f.default, bool):
        return forms.BooleanField(required=False, **common)
    if isinstance(f.default, int):
        return forms.IntegerField(**common)
    if isinstance(f.default, float):
        return forms.FloatField(**common)
    if f.name in MODEL_FIELDS:
        return forms.CharField(required=False, max_length=1024, widget=ModelNameInput, **common)
    return forms.CharField(required=False, max_length=1024, **common)


class DatasetChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.kind}, {obj.rows} rows, sha256 {obj.sha256[:8]})"


class TrainForm(forms.Form):
    name = forms.SlugField(max_length=100, help_text="the trained model's name (its folder under the models directory)")
    dataset = DatasetChoice(queryset=Dataset.objects.exclude(sha256=""))
    constitution_version = VersionChoice(queryset=ConstitutionVersion.objects.none(), required=False,
                                         help_text="instructable reward models and GRPO/RLOO principles read it")

    def __init__(self, *args, versions=None, **kwargs):
        super().__init__(*args, **kwargs)
        for f in dataclasses.fields(TrainConfig):
            if f.name in FORM_FIELDS:
                self.fields[f.name] = _field(f)
        self.fields["constitution_version"].queryset = versions if versions is not None else ConstitutionVersion.objects.none()


class EvaluateForm(forms.Form):
    kind = forms.ChoiceField(choices=[("win_rate", "win rate vs a baseline, judged under a constitution"),
                                      ("rm_accuracy", "reward-model accuracy on a held-out labeled dataset")])
    model = forms.CharField(max_length=1024, help_text="the model under test", widget=ModelNameInput)
    baseline = forms.CharField(max_length=1024, required=False, initial=DEFAULT_MODEL, help_text="win rate",
                               widget=ModelNameInput)
    judge = forms.CharField(max_length=1024, required=False, initial=DEFAULT_MODEL, help_text="win rate",
                            widget=ModelNameInput)
    constitution_version = VersionChoice(queryset=ConstitutionVersion.objects.none(), required=False,
                                         help_text="win rate: the judge's comparison principles")
    principles = forms.CharField(max_length=1000, required=False,
                                 help_text="win rate: comma-separated principle keys (blank: every comparison principle); "
                                           "harmlessness on a red-team set measures harmlessness")
    prompt_set = forms.ModelChoiceField(queryset=PromptSet.objects.all(), required=False, help_text="win rate: held-out prompts")
    limit = forms.IntegerField(required=False, min_value=1, help_text="win rate: only the first N prompts")
    dataset = DatasetChoice(queryset=Dataset.objects.exclude(sha256="").filter(kind="preference"), required=False,
                            help_text="reward-model accuracy: labeled pairs (e.g. an imported human set)")
    max_new_tokens = forms.IntegerField(initial=128, min_value=1, max_value=4096)
    temperature = forms.FloatField(initial=0.0, min_value=0, max_value=2, help_text="0 = greedy answers")
    seed = forms.IntegerField(initial=0, min_value=0, max_value=2**32 - 1)
    batch_size = forms.IntegerField(initial=8, min_value=1, max_value=512)

    def __init__(self, *args, versions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["constitution_version"].queryset = versions if versions is not None else ConstitutionVersion.objects.none()


class SelfRewardForm(forms.Form):
    name = forms.SlugField(max_length=100, help_text="the loop's models are registered as NAME-m2, NAME-m3, ...")
    prompt_set = forms.ModelChoiceField(queryset=PromptSet.objects.all(), help_text="seed prompts")
    limit = forms.IntegerField(required=False, min_value=1, help_text="use only the first N seed prompts")
    constitution_version = VersionChoice(queryset=ConstitutionVersion.objects.none(),
                                         help_text="a version with the additive rubric the model judges itself by")

    def __init__(self, *args, versions=None, **kwargs):
        from alignment.selfreward import SelfRewardConfig

        super().__init__(*args, **kwargs)
        for f in dataclasses.fields(SelfRewardConfig):
            if f.name not in ("seeds", "rubric", "output", "heldout"):
                self.fields[f.name] = (forms.ChoiceField(choices=[("parse", "parse (the paper)"), ("forced", "forced")],
                                                         initial="parse", help_text=f.metadata["help"])
                                       if f.name == "score_mode" else _field(f))
        self.fields["constitution_version"].queryset = versions if versions is not None else ConstitutionVersion.objects.none()
