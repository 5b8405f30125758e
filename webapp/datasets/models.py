"""Datasets: exports of pairs under a filter, pinned by training runs and evaluations."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Dataset(models.Model):
    """An export of pairs under a filter: what training jobs pin. Its file is written once by
    its export job and identified by the SHA-256 of its content."""

    KINDS = [("preference", "preference pairs (TRL conversational: prompt, chosen, rejected)"),
             ("sft", "SFT records (TRL conversational: prompt, completion), from SL-CAI revisions"),
             ("unpaired", "unpaired good / bad examples for KTO (prompt, completion, label)")]
    name = models.CharField(max_length=200, unique=True)
    FORMATS = [("jsonl", "JSONL"), ("parquet", "Parquet"), ("hf", "Hugging Face datasets folder (tar)")]
    kind = models.CharField(max_length=16, choices=KINDS, default="preference")
    format = models.CharField(max_length=8, choices=FORMATS, default="jsonl")
    filter = models.JSONField(default=dict, help_text="the pairs list's filter, as query parameters (the first source)")
    options = models.JSONField(default=dict, blank=True, help_text="every source's filter, the split it belongs to, "
                                                                   "the KTO score threshold")
    keep_ties = models.BooleanField(default=False)
    job = models.ForeignKey("jobs.Job", null=True, on_delete=models.SET_NULL, related_name="datasets",
                            help_text="the export job that writes it (one job writes a split's two parts)")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    rows = models.PositiveIntegerField(null=True)
    counts = models.JSONField(default=dict, blank=True, help_text="rows written and rows left out, by reason")
    sha256 = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the records as canonical JSONL lines, "
                                                                    "whatever the file format")
    size_bytes = models.BigIntegerField(null=True)

    class Meta:
        ordering = ["-id"]
        db_table = "review_dataset"  # created by the review (now pairs) app before datasets had an app

    @property
    def ready(self) -> bool:
        return bool(self.sha256)
