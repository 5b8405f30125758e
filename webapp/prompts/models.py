from __future__ import annotations

from django.db import models

from webapp.jobs.models import Job


class PromptSet(models.Model):
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    source = models.CharField(max_length=200, blank=True, help_text="where the prompts came from")
    shipped = models.BooleanField(default=False, help_text="loaded from Charter's own files")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Prompt(models.Model):
    prompt_set = models.ForeignKey(PromptSet, on_delete=models.CASCADE, related_name="prompts")
    key = models.CharField(max_length=200)
    text = models.TextField()
    category = models.CharField(max_length=100, blank=True)
    meta = models.JSONField(default=dict, blank=True, help_text="provenance, e.g. the model and nearest seed of a "
                                                                "synthesized prompt")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["prompt_set", "key"], name="prompt_key_unique_in_set")
        ]

    def __str__(self) -> str:
        return self.key


class Response(models.Model):
    """A sampled response. (job, prompt, sample_index) is its idempotent key: a resumed job
    never writes the same sample twice."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="responses")
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="responses")
    sample_index = models.PositiveIntegerField()
    text = models.TextField()
    model = models.CharField(max_length=300)
    temperature = models.FloatField()
    top_p = models.FloatField()
    max_new_tokens = models.PositiveIntegerField()
    seed = models.BigIntegerField()
    finish_reason = models.CharField(max_length=16)
    completion_tokens = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "prompt", "sample_index"], name="response_once_per_sample"
            )
        ]
