"""What training, evaluation and Self-Rewarding jobs add to their job pages."""

from __future__ import annotations

from webapp.jobs.registry import Panel
from webapp.training.models import Evaluation, TrainedModel


def _run(request, job) -> dict:
    return {"trained_model": TrainedModel.objects.filter(job=job).first()}


def _evaluation(request, job) -> dict | None:
    evaluation = Evaluation.objects.filter(job=job).first()
    return {"evaluation": evaluation} if evaluation else None


def _loop(request, job) -> dict:
    """A Self-Rewarding loop's iterations, from the models registered as they arrived."""
    models = sorted(TrainedModel.objects.filter(job=job), key=lambda m: m.metrics.get("iteration", 0))
    return {"iterations": models}


RUN = Panel("run", "training/_run_panel.html", _run, top=True)
LOOP = Panel("loop", "training/_loop_panel.html", _loop, partial="training/_loop_rows.html", top=True)
EVALUATION = Panel("evaluation", "training/_evaluation_panel.html", _evaluation)
