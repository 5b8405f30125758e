"""Evaluation: win rates judged under a constitution, reward-model accuracy, controllability."""

from alignment.evaluation.config import EVAL_KINDS, EvalConfig
from alignment.evaluation.reward import rm_accuracy
from alignment.evaluation.run import evaluate, summarize
from alignment.evaluation.stats import Score, mean_with_ci, outcome, win_rate

__all__ = ["EVAL_KINDS", "EvalConfig", "Score", "evaluate", "mean_with_ci", "outcome", "rm_accuracy", "summarize",
           "win_rate"]
