"""Human reviews of preference pairs: one row per reviewer and pair."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from webapp.feedback.models import PreferencePair

VERDICTS = [("agree", "Agree with the judge"), ("flip", "Flip: the rejected one is better"),
            ("tie", "Tie: neither is better"), ("flag", "Flag: unusable pair")]
FLAG_REASONS = [("harmful", "harmful content"), ("both_bad", "both responses bad"), ("incoherent", "incoherent prompt"),
                ("duplicate", "duplicate responses"), ("other", "other")]


class Review(models.Model):
    pair = models.ForeignKey(PreferencePair, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews")
    verdict = models.CharField(max_length=8, choices=VERDICTS)
    reason = models.CharField(max_length=16, choices=FLAG_REASONS, blank=True)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["pair", "reviewer"], name="one_review_per_reviewer")]


class Dataset(models.Model):
    """An export of pairs under a filter: what training jobs pin. Its file is written once by
    its export job and identified by the SHA-256 of its content."""

    KINDS = [("preference", "preference pairs (TRL conversational: prompt, chosen, rejected)"),
             ("sft", "SFT records (TRL conversational: prompt, completion), from SL-CAI revisions")]
    name = models.CharField(max_length=200, unique=True)
    FORMATS = [("jsonl", "JSONL"), ("parquet", "Parquet"), ("hf", "Hugging Face datasets folder (tar)")]
    kind = models.CharField(max_length=16, choices=KINDS, default="preference")
    format = models.CharField(max_length=8, choices=FORMATS, default="jsonl")
    filter = models.JSONField(default=dict, help_text="the pairs list's filter, as query parameters")
    keep_ties = models.BooleanField(default=False)
    job = models.OneToOneField("jobs.Job", null=True, on_delete=models.SET_NULL, related_name="dataset")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    rows = models.PositiveIntegerField(null=True)
    counts = models.JSONField(default=dict, blank=True, help_text="rows written and rows left out, by reason")
    sha256 = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the records as canonical JSONL lines, "
                                                                    "whatever the file format")
    size_bytes = models.BigIntegerField(null=True)

    class Meta:
        ordering = ["-id"]

    @property
    def ready(self) -> bool:
        return bool(self.sha256)
