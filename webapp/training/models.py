"""The model registry: every model a training job produced, with its lineage."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from alignment.training.config import METHODS


class TrainedModel(models.Model):
    """A model folder under the models directory, named so that later runs (sampling,
    feedback, training, evaluation) can pick it as a policy, a judge or a reward model."""

    KINDS = [("policy", "policy (causal LM)"), ("reward", "reward model")]
    name = models.SlugField(max_length=100, unique=True, help_text="its folder under the models directory")
    kind = models.CharField(max_length=8, choices=KINDS)
    method = models.CharField(max_length=8, choices=list(METHODS.items()))
    base_model = models.CharField(max_length=1024)
    dataset = models.ForeignKey("review.Dataset", null=True, on_delete=models.PROTECT, related_name="trained_models")
    dataset_sha256 = models.CharField(max_length=64, blank=True, help_text="the pinned dataset's content hash")
    constitution_version = models.ForeignKey("constitutions.ConstitutionVersion", null=True, blank=True,
                                             on_delete=models.PROTECT, related_name="trained_models")
    config = models.JSONField(default=dict, help_text="the resolved training config")
    metrics = models.JSONField(default=dict, help_text="final step, train loss and the last value of each metric")
    path = models.CharField(max_length=1024)
    job = models.OneToOneField("jobs.Job", null=True, on_delete=models.SET_NULL, related_name="trained_model")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.name
