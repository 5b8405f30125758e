"""Pairwise judging throughput: Charter's dual-order (A)/(B) scoring in batched forward
passes vs a naive judge that generates a verdict per pair and order and parses it.
Also prints the default judge's position bias.

Run: .venv/bin/python bench/judge.py --pairs 32
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _harness import table  # noqa: E402

from alignment import judge_prompts  # noqa: E402
from alignment.constitution import from_yaml  # noqa: E402
from alignment.feedback import pairwise  # noqa: E402
from alignment.generation import SamplingParams, TransformersBackend  # noqa: E402
from alignment.model_folders import resolve_model  # noqa: E402

VERDICT = re.compile(r"\(?\b([AB])\b\)?")


def make_pairs(backend, count: int) -> list[pairwise.Pair]:
    lines = (ROOT / "data" / "prompt_sets" / "benign-instructions.jsonl").read_text().splitlines()[:count]
    prompts = [json.loads(line) for line in lines]
    outs = backend.generate([p["prompt"] for p in prompts], 2, SamplingParams(0.7, 0.9, 48, 1))
    return [pairwise.Pair(p["key"], p["prompt"], o[0].text, o[1].text) for p, o in zip(prompts, outs)]


def naive(backend, constitution, pairs) -> tuple[float, int]:
    """One generate call per pair and order: the judge writes its verdict, we parse it."""
    principle = constitution.of_kind("comparison")[0]
    preamble = next(iter(constitution.of_kind("preamble")), None)
    parsed = 0
    start = time.perf_counter()
    for pair in pairs:
        for a, b in ((pair.first, pair.second), (pair.second, pair.first)):
            text = judge_prompts.pairwise_prompt(principle, pair.prompt, a, b, preamble)
            out = backend.generate([text], 1, SamplingParams(0.0, 1.0, 16, 0))[0][0].text
            parsed += bool(VERDICT.search(out))
    return time.perf_counter() - start, parsed


def batched(backend, constitution, pairs, batch_size: int, share_prefix: bool = True):
    config = pairwise.PairwiseConfig(method="rl_cai", batch_size=batch_size, share_prefix=share_prefix)
    start = time.perf_counter()
    records = [r for batch in pairwise.judge(backend, constitution, pairs, config) for r in batch]
    return time.perf_counter() - start, records


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=16)
    args = parser.parse_args()
    backend = TransformersBackend(resolve_model("smollm2-135m-instruct"))
    constitution = from_yaml((ROOT / "principles" / "hhh-comparison.yaml").read_bytes())
    pairs = make_pairs(backend, args.pairs)
    batched(backend, constitution, pairs[:2], args.batch_size)  # warm-up
    t_naive, parsed = naive(backend, constitution, pairs)
    t_plain, _ = batched(backend, constitution, pairs, args.batch_size, share_prefix=False)
    t_batched, records = batched(backend, constitution, pairs, args.batch_size)
    rows = [
        ["naive: generate a verdict, parse it (per pair, per order)", len(pairs), f"{t_naive:.1f}", f"{len(pairs) / t_naive:.2f}",
         f"{parsed}/{2 * len(pairs)} verdicts parsed"],
        [f"(A)/(B) logprobs, both orders, batch {args.batch_size}", len(pairs), f"{t_plain:.1f}",
         f"{len(pairs) / t_plain:.2f}", f"{t_naive / t_plain:.1f}x naive"],
        ["Charter: the same, shared prefix encoded once", len(pairs), f"{t_batched:.1f}",
         f"{len(pairs) / t_batched:.2f}", f"{t_naive / t_batched:.1f}x naive"],
    ]
    print(f"\nPairwise judging, default model as judge, CPU one thread, {args.pairs} pairs, one principle:\n")
    print(table(["judge", "pairs", "seconds", "pairs/s", "vs naive"], rows))
    judgments = [j for r in records for j in r["judgments"]]
    shown_first_wins = sum(j["p_a"] > 0.5 for j in judgments) / len(judgments)
    ties = sum(r["tie"] for r in records) / len(records)
    print(f"\nPosition bias: the judge preferred whichever response was shown as (A) in "
          f"{100 * shown_first_wins:.0f}% of {len(judgments)} judgments (50% would be unbiased);")
    print(f"the tie rule (orders disagree) marked {100 * ties:.0f}% of pairs as ties, keeping them out of the data.")


if __name__ == "__main__":
    main()
