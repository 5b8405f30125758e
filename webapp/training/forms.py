"""The training, evaluation and Self-Rewarding launch forms: their choices come from the config
dataclasses (alignment/), so a form, the API and the CLI never drift apart."""

from __future__ import annotations

from django import forms

from alignment.evaluation import EvalConfig
from alignment.selfreward import SelfRewardConfig
from alignment.training.config import TrainConfig
from webapp.constitutions.models import ConstitutionVersion
from webapp.core import presence
from webapp.core.forms import VersionChoice, add_config_fields, offer_gpu_device, queue_field
from webapp.datasets.models import Dataset
from webapp.datasets.selectors import visible_datasets
from webapp.feedback.forms import SourceChoice
from webapp.jobs.models import Job
from webapp.prompts.forms import PromptPick, shards_field
from webapp.prompts.models import PromptSet


class DatasetChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.kind}, {obj.rows} rows, sha256 {obj.sha256[:8]})"


def _versions(form: forms.Form, versions) -> None:
    field = form.fields["constitution_version"]
    assert isinstance(field, VersionChoice)
    field.queryset = versions if versions is not None else ConstitutionVersion.objects.none()


def _datasets(form: forms.Form, user, **only) -> None:
    field = form.fields["dataset"]
    assert isinstance(field, DatasetChoice)
    field.queryset = visible_datasets(user).exclude(sha256="").filter(**only) if user else Dataset.objects.none()


class TrainForm(forms.Form):
    name = forms.SlugField(max_length=100, help_text="the trained model's name (its folder under the models directory)")
    dataset = DatasetChoice(queryset=Dataset.objects.none())
    constitution_version = VersionChoice(queryset=ConstitutionVersion.objects.none(), required=False,
                                         help_text="instructable reward models and GRPO/RLOO principles read it")
    ray = forms.BooleanField(required=False, label="Run on the Ray cluster",
                             help_text="a worker of the ray queue submits the run to its Ray cluster (one GPU per "
                                       "process with device gpu, else one CPU per process)")

    def __init__(self, *args, versions=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        add_config_fields(self, TrainConfig)
        offer_gpu_device(self.fields["device"])
        if presence.serves("ray") is False:  # offered only while a worker serves the ray queue
            del self.fields["ray"]
        _versions(self, versions)
        _datasets(self, user)


class EvaluateForm(PromptPick):
    constitution_version = VersionChoice(queryset=ConstitutionVersion.objects.none(), required=False,
                                         help_text="win rate: the judge's comparison principles")
    prompt_set = forms.ModelChoiceField(queryset=PromptSet.objects.all(), required=False,
                                        help_text="win rate: held-out prompts; behaviour: the harmful (red-team) prompts")
    benign_set = forms.ModelChoiceField(queryset=PromptSet.objects.all(), required=False,
                                        help_text="behaviour: benign prompts, for the over-refusal rate")
    dataset = DatasetChoice(queryset=Dataset.objects.none(), required=False,
                            help_text="reward-model accuracy: labeled pairs (e.g. an imported human set)")
    shards = shards_field()

    def __init__(self, *args, versions=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        add_config_fields(self, EvalConfig)
        self.fields["queue"] = queue_field()
        self.fields["queue"].required = False  # blank: the default queue
        _datasets(self, user, kind="preference")
        self.order_fields(["kind", "model", "baseline", "judge", "constitution_version", "principles", "prompt_set",
                           "benign_set", "limit", "offset", "sample_seed", "dataset", "shards", "queue"])
        _versions(self, versions)


class SelfRewardForm(PromptPick):
    name = forms.SlugField(max_length=100, help_text="the loop's models are registered as NAME-m2, NAME-m3, ...")
    prompt_set = forms.ModelChoiceField(queryset=PromptSet.objects.all(), help_text="seed prompts")
    constitution_version = VersionChoice(queryset=ConstitutionVersion.objects.none(),
                                         help_text="a version with the additive rubric the model judges itself by")

    heldout_from = SourceChoice(queryset=Job.objects.none(), required=False, label="Held-out human set",
                                help_text="pairs with a human preference: each iteration's judge is scored on how "
                                          "often it prefers the labelled response (the paper's judge accuracy)")

    eft_from = SourceChoice(queryset=Job.objects.none(), required=False, label="EFT: human-ranked set",
                            help_text="start from M0: the model judges these pairs, the judgments that order them as "
                                      "people did become LLM-as-a-Judge training data, and SFT on them with the "
                                      "preferred answers as instruction data makes M1 (the paper's EFT + IFT); empty: "
                                      "the model is M1")
    harmful_set = forms.ModelChoiceField(queryset=PromptSet.objects.all(), required=False, label="Behaviour: harmful",
                                         help_text="each new model's refusal rate on these prompts, without a judge")
    benign_set = forms.ModelChoiceField(queryset=PromptSet.objects.all(), required=False, label="Behaviour: benign",
                                        help_text="each new model's over-refusal on these prompts")

    def __init__(self, *args, versions=None, sources=None, **kwargs):
        super().__init__(*args, **kwargs)
        add_config_fields(self, SelfRewardConfig)
        self.order_fields(["name", "prompt_set", "limit", "offset", "sample_seed", "constitution_version"])
        _versions(self, versions)
        for name in ("heldout_from", "eft_from"):
            self.fields[name].queryset = sources if sources is not None else Job.objects.none()
