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
    correction = models.TextField(blank=True, help_text="a better response the reviewer wrote: exports make it the "
                                                        "chosen response, with its provenance")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["pair", "reviewer"], name="one_review_per_reviewer")]
