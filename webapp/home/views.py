from dataclasses import dataclass

from django.db.models import Count, Q
from django.shortcuts import render
from django.urls import reverse

from webapp.accounts.roles import has_role
from webapp.constitutions.visibility import visible_to
from webapp.datasets.selectors import visible_datasets
from webapp.feedback import judges
from webapp.feedback.selectors import visible_pairs
from webapp.jobs.models import Job
from webapp.jobs.selectors import recent_jobs, visible_jobs
from webapp.training.evaluations import visible_evaluations
from webapp.training.selectors import visible_models


@dataclass
class Step:
    title: str
    what: str
    count: int
    noun: str
    see: tuple[str, str]
    next: tuple[str, str] | None  # (label, url) of the next action, for those allowed to take it
    detail: str = ""


def _steps(user, operator: bool) -> list[Step]:
    runs = visible_jobs(user).filter(kind="feedback", parent__isnull=True)
    pairs = visible_pairs(user).aggregate(n=Count("id"), reviewed=Count("id", filter=Q(reviews__isnull=False),
                                                                         distinct=True))
    trained = visible_models(user)
    act = (lambda label, name: (label, reverse(name))) if operator else (lambda label, name: None)
    return [
        Step("Constitution", "Write and version the principles every later step is pinned to.",
             visible_to(user).count(), "constitutions", ("constitutions", reverse("constitutions")),
             act("New constitution", "constitution_new")),
        Step("Judge against people", "Measure a judge on a human-labelled set before trusting its labels: "
             "accuracy, coverage, kappa and position bias.", judges.given_runs(user).count(), "judge measurements",
             ("the judge leaderboard", reverse("judges")), act("Measure a judge", "feedback_new")),
        Step("Feedback run", "Sample responses and label them under a constitution (RL-CAI, SALMON, "
             "Self-Rewarding, SL-CAI).", runs.filter(status=Job.Status.SUCCEEDED).count(), "finished runs",
             ("jobs", reverse("jobs")), act("New feedback run", "feedback_new"),
             f"{runs.filter(status__in=Job.ACTIVE).count()} running or queued"),
        Step("Pairs and review", "Read the judge's rationales, agree, flip or flag, and see agreement.",
             pairs["n"], "pairs", ("pairs", reverse("pairs")), ("Review queue", reverse("review_queue")),
             f"{pairs['reviewed']} reviewed"),
        Step("Dataset", "Export exactly the pairs you chose, with their labels and provenance (JSONL, Parquet, "
             "datasets).", visible_datasets(user).count(), "datasets", ("datasets", reverse("datasets")),
             act("Export from the pairs list", "pairs")),
        Step("Training", "SFT, reward models, DPO, GRPO / RLOO and the Self-Rewarding loop on a worker.",
             trained.count(), "trained models", ("training runs", reverse("training")),
             act("New training run", "training_new")),
        Step("Evaluation", "Win rate, reward-model accuracy, controllability and judge-free behaviour.",
             visible_evaluations(user).count(), "evaluations", ("the leaderboard", reverse("leaderboard")),
             act("New evaluation", "evaluation_new")),
    ]


def home(request):
    """The workflow with what exists at each step (a user without a role never gets here: the
    role middleware says how to get one)."""
    steps = _steps(request.user, has_role(request.user, "operator"))
    first_empty = next((i for i, s in enumerate(steps) if not s.count), None)
    return render(request, "home.html", {"steps": steps, "first_empty": first_empty,
                                         "recent": recent_jobs(request.user, limit=8)})
