"""The model registry: every model a training job produced, with its lineage."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from alignment.evaluation.config import EVAL_KINDS
from alignment.training.config import METHODS


class TrainedModel(models.Model):
    """A model folder under the models directory, named so that later runs (sampling,
    feedback, training, evaluation) can pick it as a policy, a judge or a reward model."""

    KINDS = [("policy", "policy (causal LM)"), ("reward", "reward model")]
    name = models.SlugField(max_length=100, unique=True, help_text="its folder under the models directory")
    kind = models.CharField(max_length=8, choices=KINDS)
    method = models.CharField(max_length=8, choices=list(METHODS.items()))
    base_model = models.CharField(max_length=1024)
    dataset = models.ForeignKey("datasets.Dataset", null=True, on_delete=models.PROTECT, related_name="trained_models")
    dataset_sha256 = models.CharField(max_length=64, blank=True, help_text="the pinned dataset's content hash")
    constitution_version = models.ForeignKey("constitutions.ConstitutionVersion", null=True, blank=True,
                                             on_delete=models.PROTECT, related_name="trained_models")
    config = models.JSONField(default=dict, help_text="the resolved training config")
    metrics = models.JSONField(default=dict, help_text="final step, train loss and the last value of each metric")
    path = models.CharField(max_length=1024)
    job = models.ForeignKey("jobs.Job", null=True, on_delete=models.SET_NULL, related_name="trained_models",
                            help_text="the run that made it (a Self-Rewarding loop makes one per iteration)")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.name


class Evaluation(models.Model):
    """One evaluation job's result: a head-to-head win rate under a judge and a constitution
    version, or a reward model's accuracy on a held-out labeled dataset."""

    KINDS = list(EVAL_KINDS.items())
    kind = models.CharField(max_length=16, choices=KINDS)
    model = models.CharField(max_length=1024)
    baseline = models.CharField(max_length=1024, blank=True)
    judge = models.CharField(max_length=1024, blank=True)
    constitution_version = models.ForeignKey("constitutions.ConstitutionVersion", null=True, blank=True,
                                             on_delete=models.PROTECT, related_name="evaluations")
    principles = models.CharField(max_length=1000, blank=True)
    prompt_set = models.ForeignKey("prompts.PromptSet", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="evaluations")
    dataset = models.ForeignKey("datasets.Dataset", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="evaluations")
    config = models.JSONField(default=dict)
    score = models.FloatField(null=True, help_text="win rate or accuracy")
    ci_low = models.FloatField(null=True)
    ci_high = models.FloatField(null=True)
    n = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True, help_text="wins/ties/losses or accuracy, with the interval")
    items = models.JSONField(default=list, blank=True, help_text="per prompt or pair: responses, judgments, outcome")
    job = models.OneToOneField("jobs.Job", null=True, on_delete=models.SET_NULL, related_name="evaluation")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
