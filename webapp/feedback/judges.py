"""Judges measured against people: reports, the leaderboard, calibration.

A judge configuration is model + constitution version + method + its method's choices (chain of
thought and k principles for pairwise judges; k judgments and the score mode for pointwise
ones); the version carries the preamble. A run of it on given pairs (webapp/feedback/services.py)
is measured against the labels those pairs came with; the arithmetic is
alignment.evaluation.judge's.
"""

from __future__ import annotations

import hashlib
import json

from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import Length

from alignment.evaluation import judge as measure
from webapp.core.models import record
from webapp.feedback.ingest import is_given
from webapp.feedback.models import Judgment, PreferencePair, RecommendedJudge
from webapp.jobs.models import Job
from webapp.jobs.selectors import visible_jobs

PAIRWISE = ("rl_cai", "salmon")
CONFIG_KEYS = {"rl_cai": ("chain_of_thought", "principles_per_pair", "principles"),
               "salmon": ("chain_of_thought", "principles_per_pair", "principles"),
               "self_rewarding": ("judgments_per_response", "score_mode")}


def judge_config(run: Job) -> dict:
    cfg = run.config
    return {"judge_model": cfg.get("judge_model"), "constitution_version": cfg.get("constitution_version"),
            "constitution": cfg.get("constitution"), "method": cfg.get("method")} | {
        k: cfg.get(k) for k in CONFIG_KEYS.get(cfg.get("method", ""), ()) if cfg.get(k) not in (None, "")}


def config_key(run: Job) -> str:
    return hashlib.sha256(json.dumps(judge_config(run), sort_keys=True).encode()).hexdigest()[:12]


def config_label(config: dict) -> str:
    extra = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in config.items()
                      if k not in ("judge_model", "constitution_version", "constitution", "method"))
    return f"{config['judge_model']} · {config['method']} · {config['constitution']}" + (f" · {extra}" if extra else "")


def given_runs(user) -> QuerySet[Job]:
    """The finished runs on given pairs this user may see, newest first."""
    return visible_jobs(user).filter(kind="feedback", status=Job.Status.SUCCEEDED, parent__isnull=True) \
        .filter(Q(config__has_key="pairs_from") | Q(config__has_key="pairs_dataset")).order_by("-id")


# --- what a run's judge said, as verdicts ------------------------------------------------------

def verdicts(run: Job) -> tuple[list[measure.Verdict], measure.Judged, dict[int, int]]:
    """(the judge's verdict on each given pair, its single judgments read back, the new pair that
    labelled each given pair)."""
    rows = (PreferencePair.objects.filter(job=run, source_pair__isnull=False).order_by("id")
            .annotate(same=ExpressionWrapper(Q(chosen=F("source_pair__chosen")), output_field=BooleanField()),
                      chosen_len=Length("source_pair__chosen"), rejected_len=Length("source_pair__rejected"))
            .values_list("id", "source_pair_id", "soft_label", "tie", "same", "source_pair__tie", "chosen_len",
                         "rejected_len"))
    overall: list[measure.Verdict] = []
    given: dict[int, measure.Given] = {}
    new_pair: dict[int, int] = {}
    for pair_id, source, soft, tie, same, human_tie, lc, lr in rows.iterator(chunk_size=2000):
        # SALMON writes a pair per principle: overall, each is one verdict on the given pair.
        overall.append(measure.Verdict(source, soft if same else 1 - soft, tie, human_tie, lc, lr))
        given[source] = measure.Given(human_tie, lc, lr)
        new_pair.setdefault(source, pair_id)
    # A judgment's key starts with the given pair's id ("<id>:..."); one that does not is no verdict.
    judgments = ((int(head), *rest) for key, *rest in Judgment.objects.filter(job=run).values_list(
        "key", "principle_key", "order", "p_a", "p_first", "response_index", "score", "parse_status")
        .iterator(chunk_size=2000) if (head := key.split(":", 1)[0]).isdigit())
    return overall, measure.read_judgments(given, judgments), new_pair


def report(run: Job) -> dict:
    """The whole report of one run on given pairs: overall and per principle."""
    overall, judged, new_pair = verdicts(run)
    out = measure.report(overall, judged)
    for block in [out["overall"], *out["per_principle"]]:
        block["disagreements"] = [new_pair[s] for s in block["disagreements"] if s in new_pair]
    config = judge_config(run)
    return out | {"run": run.pk, "config": config, "key": config_key(run), "label": config_label(config),
                  "source": run.config.get("pairs_from_name", ""), "seconds_per_pair": seconds_per_pair(run, len(new_pair))}


def seconds_per_pair(run: Job, pairs: int) -> float | None:
    if not pairs or not run.started_at or not run.finished_at:
        return None
    return (run.finished_at - run.started_at).total_seconds() / pairs


def record_report(run: Job) -> dict:
    """The headline numbers, kept in the run's result for the leaderboard."""
    run.refresh_from_db()
    if not is_given(run):
        return {}
    full = report(run)
    o = full["overall"]
    return {"key": full["key"], "n": o["n"], "accuracy": o["accuracy"]["value"], "coverage": o["coverage"],
            "kappa": o["kappa"]["value"], "kappa_low": o["kappa"]["low"], "kappa_high": o["kappa"]["high"],
            "position": o["position"]["value"], "length_r": o["length_r"], "parse_failure": o["parse_failure"],
            "ece": o["ece"]}


# --- the leaderboard ---------------------------------------------------------------------------

def sets_judged(user) -> list[tuple[int, str]]:
    """(source run id, name) of every set some visible run judged, newest first."""
    seen: dict[int, str] = {}
    for config in given_runs(user).values_list("config", flat=True):
        if config.get("pairs_from"):
            seen.setdefault(int(config["pairs_from"]), config.get("pairs_from_name", ""))
    return list(seen.items())


def leaderboard(user, source: int) -> list[dict]:
    """The latest run of each judge configuration on one set, best kappa first (undefined last)."""
    best: dict[str, dict] = {}
    recommended = recommended_run()
    for run in given_runs(user).filter(config__pairs_from=source):
        key = config_key(run)
        if key in best:
            continue
        result = (run.result or {}).get("judge") or record_report(run)
        best[key] = {"run": run, "config": judge_config(run), "label": config_label(judge_config(run)), **result,
                     "seconds_per_pair": seconds_per_pair(run, result.get("n") or 0),
                     "recommended": recommended is not None and config_key(recommended) == key}
    return sorted(best.values(), key=lambda r: (r.get("kappa") is None, -(r.get("kappa") or 0), -r["run"].pk))


def recommend(user, run: Job) -> None:
    RecommendedJudge.objects.create(run=run, marked_by=user)
    record(user, "recommend_judge", run, judge=judge_config(run))


def recommended_run() -> Job | None:
    mark = RecommendedJudge.objects.select_related("run").order_by("-id").first()
    return mark.run if mark and mark.run else None


def recommended_initial(user) -> dict:
    """The feedback form's initial values for the project's recommended judge, if it may be seen."""
    run = recommended_run()
    if run is None or not visible_jobs(user).filter(pk=run.pk).exists():
        return {}
    return {k: v for k, v in judge_config(run).items() if k != "constitution" and v is not None}


# --- calibration -------------------------------------------------------------------------------

def siblings(user, run: Job) -> dict[str, Job | None]:
    """The latest runs of the same judge configuration on the calibration and test parts of the
    human set this run judged (the parts `load_human_sets` or a split import made)."""
    source = Job.objects.filter(pk=run.config.get("pairs_from")).first()
    human_set = (source.config or {}).get("human_set") if source else None
    out: dict[str, Job | None] = {"calibration": None, "test": None}
    if not human_set:
        return out
    parts = dict(Job.objects.filter(kind="import", config__human_set=human_set).values_list("config__part", "pk"))
    key = config_key(run)
    for part in out:
        for candidate in given_runs(user).filter(config__pairs_from=parts.get(part, -1)):
            if config_key(candidate) == key:
                out[part] = candidate
                break
    return out


def fitted_temperatures(run: Job) -> dict[str, float]:
    """Per-principle temperatures fitted on a run's pairs ("" over all principles)."""
    overall, judged, _ = verdicts(run)
    return measure.temperatures(overall + judged.per_principle)


def calibration(user, run: Job) -> dict:
    """Temperatures fitted on the calibration part (this run when it has no sibling) and their
    effect on the test part, if this judge configuration has judged it."""
    parts = siblings(user, run)
    fit_on = parts["calibration"] or run
    temps = fitted_temperatures(fit_on)
    test = parts["test"] if parts["test"] and parts["test"].pk != fit_on.pk else None
    effect = None
    if test is not None:
        overall, judged, _ = verdicts(test)
        effect = measure.calibration_effect(temps, overall + judged.per_principle)
    return {"fit_on": fit_on, "temperatures": temps, "test": test, "effect": effect, "in_sample": fit_on.pk == run.pk
            and parts["calibration"] is None}
