"""What AI-feedback runs store. Every row has an idempotent key within its job, so a resumed
run never writes the same judgment, pair or revision twice."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from alignment import judge_prompts
from webapp.constitutions.models import ConstitutionVersion
from webapp.jobs.models import Job
from webapp.prompts.models import Prompt

METHODS = list(judge_prompts.METHODS.items())
IMPORTED = [("human", "Imported, human-labeled"), ("external", "Imported, external")]


class Judgment(models.Model):
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="judgments")
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="judgments")
    key = models.CharField(max_length=300, help_text="record, principle, order or response, sample")
    judge_model = models.CharField(max_length=300)
    constitution_version = models.ForeignKey(ConstitutionVersion, on_delete=models.PROTECT, related_name="judgments")
    principle_key = models.CharField(max_length=64)
    order = models.PositiveSmallIntegerField(null=True, help_text="pairwise: 1 = first shown as (A)")
    negated = models.BooleanField(default=False)
    response_index = models.PositiveSmallIntegerField(null=True, help_text="pointwise: which response")
    p_a = models.FloatField(null=True)
    p_first = models.FloatField(null=True)
    score = models.FloatField(null=True)
    parse_status = models.CharField(max_length=16, blank=True)
    raw = models.TextField(blank=True)
    rationale = models.TextField(blank=True)
    latency_ms = models.FloatField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "key"], name="judgment_once_per_job")]


class PreferencePair(models.Model):
    # No index of its own: the (job, key) unique constraint starts with job and serves it, and
    # one index fewer per row is measurable in bulk ingest.
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="pairs", db_index=False)
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="pairs")
    key = models.CharField(max_length=300)
    method = models.CharField(max_length=32, choices=METHODS + IMPORTED)
    constitution_version = models.ForeignKey(ConstitutionVersion, on_delete=models.PROTECT, related_name="pairs",
                                             null=True, blank=True, help_text="empty for imported pairs")
    chosen = models.TextField()
    rejected = models.TextField()
    soft_label = models.FloatField(help_text="P(chosen preferred); pointwise: 1")
    margin = models.FloatField()
    tie = models.BooleanField(default=False)
    principles = models.JSONField(default=list, help_text="the principle set it was judged under")
    negated = models.JSONField(default=list)
    chosen_score = models.FloatField(null=True)
    rejected_score = models.FloatField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Kept on the row so the pairs list filters and sorts without reading texts or judgments.
    length_diff = models.IntegerField(default=0, help_text="characters of chosen minus rejected")
    order_disagreement = models.BooleanField(default=False, help_text="some principle's two orders picked different winners")
    human_verdict = models.CharField(max_length=8, blank=True, default="",
                                     help_text="agree, flip, tie, flag, mixed (reviewers differ) or blank")
    review_count = models.PositiveIntegerField(default=0)
    review_version = models.PositiveIntegerField(default=0, help_text="bumped by every review: stale reviews conflict")
    source_pair = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="judged_as",
                                    db_index=False, help_text="the given pair this judgment labelled (a run that "
                                                              "judges an imported set, an earlier run or a dataset)")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["job", "key"], name="pair_once_per_job")]
        indexes = [models.Index(fields=["margin", "id"]), models.Index(fields=["length_diff", "id"]),
                   models.Index(fields=["review_count", "order_disagreement", "margin", "id"], name="pair_queue_idx")]


class Revision(models.Model):
    """An SL-CAI critique/revision chain, its SFT record and its pair."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="revisions")
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="revisions")
    key = models.CharField(max_length=300)
    constitution_version = models.ForeignKey(ConstitutionVersion, on_delete=models.PROTECT, related_name="revisions")
    original = models.TextField()
    revision = models.TextField()
    chain = models.JSONField(default=list)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["job", "key"], name="revision_once_per_job")]


class RecommendedJudge(models.Model):
    """The judge configuration a team trusts, marked from the judge leaderboard: the newest mark
    is the project's recommendation, and the feedback form pre-selects its judge."""

    run = models.ForeignKey(Job, null=True, on_delete=models.SET_NULL, related_name="+",
                            help_text="a run on given pairs whose judge configuration is recommended")
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    marked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
