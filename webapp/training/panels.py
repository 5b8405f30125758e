"""What training, evaluation and Self-Rewarding jobs add to their job pages."""

from __future__ import annotations

from webapp.jobs.registry import Panel
from webapp.training.models import Evaluation, TrainedModel


def _run(request, job) -> dict:
    return {"trained_model": TrainedModel.objects.filter(job=job).first()}


def _evaluation(request, job) -> dict | None:
    evaluation = Evaluation.objects.filter(job=job).first()
    return {"evaluation": evaluation} if evaluation else None


RUN = Panel("run", "training/_run_panel.html", _run, top=True)
EVALUATION = Panel("evaluation", "training/_evaluation_panel.html", _evaluation)
