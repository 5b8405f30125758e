"""Pairwise judging throughput: Charter's dual-order (A)/(B) scoring in batched forward
passes vs a naive judge that generates a verdict per pair and order and parses it; then the
same judge on given pairs (the shipped human set's calibration part), with the achieved
arithmetic throughput (2 x non-embedding parameters x tokens encoded, per second) as a share of
this CPU's matrix-multiply peak measured in the same run. Also prints the position bias.

Run: .venv/bin/python bench/judge.py --pairs 32 --given 8
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


def matmul_peak(n: int = 1024, repeats: int = 7) -> float:
    """FLOP/s of an n x n float32 matmul on this process's torch threads (median of repeats)."""
    import statistics

    import torch

    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
    return 2 * n**3 / statistics.median(times)


def encoded_tokens(backend, constitution, pairs) -> int:
    """The tokens a forward pass encodes to judge these pairs once per order (no shared prefix)."""
    principle = constitution.of_kind("comparison")[0]
    preamble = next(iter(constitution.of_kind("preamble")), None)
    total = 0
    for pair in pairs:
        for a, b in ((pair.first, pair.second), (pair.second, pair.first)):
            text = backend.chat_text(judge_prompts.pairwise_prompt(principle, pair.prompt, a, b, preamble),
                                     judge_prompts.ANSWER_PREFIX)
            total += len(backend.tokenizer.encode(text, add_special_tokens=False))
    return total


def given_pairs(count: int) -> list[pairwise.Pair]:
    from alignment import human_sets

    calibration, _ = human_sets.split(human_sets.pairs())
    return [pairwise.Pair(f"h{i}", p.prompt, p.chosen, p.rejected) for i, p in enumerate(calibration[:count])]


def given_section(backend, constitution, count: int, batch_size: int) -> None:
    import torch

    pairs = given_pairs(count)
    params = sum(p.numel() for n, p in backend.model.named_parameters() if "embed" not in n)
    tokens = encoded_tokens(backend, constitution, pairs)
    peak = matmul_peak()
    t_plain, _ = batched(backend, constitution, pairs, batch_size, share_prefix=False)
    t_shared, records = batched(backend, constitution, pairs, batch_size)
    flops = 2 * params * tokens
    rows = [["every token encoded", len(pairs), f"{t_plain:.1f}", f"{len(pairs) / t_plain:.3f}",
             f"{flops / t_plain / 1e9:.1f}", f"{flops / t_plain / peak:.2f}"],
            ["shared prefix encoded once (Charter)", len(pairs), f"{t_shared:.1f}", f"{len(pairs) / t_shared:.3f}",
             f"{flops / t_shared / 1e9:.1f} (effective)", f"{flops / t_shared / peak:.2f}"]]
    print(f"\nGiven pairs: the shipped human set (calibration part), {len(pairs)} pairs, {tokens} tokens per pass "
          f"over both orders, {params / 1e6:.0f}M non-embedding parameters, torch threads {torch.get_num_threads()}.")
    print(f"Matrix-multiply peak measured now (1024^3 float32): {peak / 1e9:.1f} GFLOP/s.\n")
    print(table(["judge", "pairs", "seconds", "pairs/s", "GFLOP/s", "of matmul peak"], rows))
    ties = sum(r["tie"] for r in records)
    agree = sum(not r["tie"] and r["p_first"] > 0.5 for r in records)
    print(f"\nOn these pairs the judge tied {ties} of {len(records)} and agreed with people on {agree} of the "
          f"{len(records) - ties} it decided.")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=32)
    parser.add_argument("--given", type=int, default=8, help="given pairs from the shipped human set (0: skip)")
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
    if args.given:
        given_section(backend, constitution, args.given, args.batch_size)


if __name__ == "__main__":
    main()
