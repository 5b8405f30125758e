"""Self-Rewarding LLM-as-a-Judge: N responses per prompt, each judged k times with the
additive rubric; the best and the worst form a preference pair, ties dropped."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from alignment import judge_prompts
from alignment.constitution import Constitution
from alignment.errors import UserError
from alignment.feedback.labels import ParsedScore, best_and_worst, mean_score, parse_score
from alignment.generation import Backend, SamplingParams


@dataclass
class PointwiseConfig:
    judgments_per_response: int = field(default=3, metadata={"help": "k judgments averaged (paper: 3)"})
    judge_temperature: float = field(default=0.7, metadata={"help": "sampling temperature of the judge"})
    judge_top_p: float = field(default=0.9, metadata={"help": "nucleus mass of the judge"})
    judge_max_new_tokens: int = field(default=256, metadata={"help": "room for the rationale and the score"})
    batch_size: int = field(default=8, metadata={"help": "judge prompts per generate call"})
    seed: int = field(default=0, metadata={"help": "judge sampling seed"})
    score_mode: str = field(default="parse", metadata={
        "help": "parse (the paper: a judgment without 'Score: N' is a parse failure) or forced (then the judge's own "
                "expected score after 'Score: ', read from its next-token probabilities; status 'forced')"})

    def validate(self, constitution: Constitution):
        rubrics = constitution.of_kind("rubric")
        if not rubrics:
            raise UserError(f"{constitution.name!r} has no enabled rubric principle; pointwise judging needs one")
        return rubrics[0]


@dataclass(frozen=True)
class Candidates:
    key: str
    prompt: str
    responses: list[str]


def judge(backend: Backend, constitution: Constitution, items: list[Candidates], config: PointwiseConfig,
          with_prompts: bool = False) -> Iterator[list[dict]]:
    """Yield per batch of prompts one record each: every judgment (raw text, parsed score,
    parse status), the mean per response, and the best-vs-worst pair unless it is a tie; with
    `with_prompts`, also the exact request the judge saw for each response (EFT trains on it)."""
    rubric = config.validate(constitution)
    preamble = next(iter(constitution.of_kind("preamble")), None)  # sent ahead of the rubric
    max_points = len(rubric.fields["points"])
    params = SamplingParams(config.judge_temperature, config.judge_top_p, config.judge_max_new_tokens, config.seed)
    per_batch = max(1, config.batch_size // max(1, max(len(i.responses) for i in items) if items else 1))
    for start in range(0, len(items), per_batch):
        chunk = items[start : start + per_batch]
        prompts = [judge_prompts.rubric_prompt(rubric, item.prompt, r, preamble) for item in chunk for r in item.responses]
        began = time.perf_counter()
        outs = backend.generate(prompts, config.judgments_per_response, params)
        latency = (time.perf_counter() - began) * 1000 / max(1, len(prompts) * config.judgments_per_response)
        parsed_all = [[parse_score(s.text, max_points) for s in samples] for samples in outs]
        if config.score_mode == "forced":
            _force_scores(backend, prompts, outs, parsed_all, max_points)
        records, cursor = [], 0
        for item in chunk:
            judged = outs[cursor : cursor + len(item.responses)]
            parsed_rows = parsed_all[cursor : cursor + len(item.responses)]
            cursor += len(item.responses)
            responses, scores = [], []
            for index, (text, samples, parsed) in enumerate(zip(item.responses, judged, parsed_rows)):
                score = mean_score(parsed)
                scores.append(score)
                responses.append({
                    "index": index, "text": text, "score": score,
                    "judgments": [{"raw": s.text, "score": p.score, "parse_status": p.status, "latency_ms": latency}
                                  for s, p in zip(samples, parsed)],
                })
            pair = best_and_worst(scores)
            record = {"key": item.key, "prompt": item.prompt, "method": "self_rewarding", "rubric": rubric.key,
                      "responses": responses, "tie": pair is None}
            if with_prompts:
                record["judge_prompts"] = prompts[cursor - len(item.responses):cursor]
            if pair:
                record |= {"chosen": item.responses[pair.chosen], "rejected": item.responses[pair.rejected],
                           "chosen_score": scores[pair.chosen], "rejected_score": scores[pair.rejected],
                           "margin": pair.margin}
            records.append(record)
        yield records


def _force_scores(backend: Backend, prompts: list[str], outs, parsed_all, max_points: int) -> None:
    """For each judgment that wrote no score: append "Score: " to its rationale and take the
    judge's expected score over the digits 0..max_points from its next-token probabilities."""
    import math

    todo = [(i, j) for i, row in enumerate(parsed_all) for j, p in enumerate(row) if p.status != "ok"]
    if not todo:
        return
    digits = [str(d) for d in range(max_points + 1)]
    logprobs = backend.next_token_logprobs([prompts[i] for i, _ in todo],
                                           [f"{outs[i][j].text.rstrip()}\nScore: " for i, j in todo], digits)
    for (i, j), row in zip(todo, logprobs):
        weights = [math.exp(v) for v in row]
        expected = sum(d * w for d, w in enumerate(weights)) / sum(weights)
        parsed_all[i][j] = ParsedScore(round(expected, 4), "forced")
