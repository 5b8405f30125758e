"""DPO throughput: Charter's training configuration vs TRL's defaults, same data, same model.

Each variant runs in its own process (thread settings are per process) for the same number
of optimizer steps on the same preference records; tokens/s = the tokens the trainer counted
(`num_tokens`) / the wall time of `trainer.train()`.

Run: .venv/bin/python bench/train.py [--steps 6] [--batch 4]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import table  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def records(n: int) -> list[dict]:
    benign = ROOT / "data" / "prompt_sets" / "benign-instructions.jsonl"
    prompts = [json.loads(line)["prompt"] for line in benign.read_text().splitlines()[:n]]
    good = "Here is a careful answer: first, consider what you need; then go step by step, checking each part. " * 2
    return [{"prompt": [{"role": "user", "content": p}], "chosen": [{"role": "assistant", "content": good}],
             "rejected": [{"role": "assistant", "content": "I don't know."}]} for p in prompts]


def child(variant: str, data: str, out: str, steps: int, batch: int) -> None:
    """Runs inside the subprocess: one variant, prints one JSON line."""
    if variant == "charter":
        from alignment.training.config import TrainConfig
        from alignment.training.run import train

        last = {}

        def emit(event, **payload):
            if event == "metric" and "num_tokens" in payload["values"]:
                last.update(payload["values"])

        began = time.perf_counter()
        summary = train(TrainConfig(method="dpo", dataset=data, output=out, max_steps=steps, batch_size=batch,
                                    max_length=512, save_steps=10_000, device="cpu"), emit)
        seconds = time.perf_counter() - began
        print(json.dumps({"steps": summary["global_step"], "tokens": last["num_tokens"], "seconds": seconds}))
        return
    import datasets
    import torch
    import trl
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from alignment.model_folders import resolve_model

    folder = resolve_model("smollm2-135m-instruct")
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, use_safetensors=True)
    rows = [json.loads(line) for line in Path(data).read_text().splitlines()]
    # TRL's defaults, with only what CPU training cannot do without (use_cpu) and the run's size.
    args = trl.DPOConfig(output_dir=out, max_steps=steps, per_device_train_batch_size=batch, use_cpu=True,
                         report_to="none", save_strategy="no", logging_steps=1)
    trainer = trl.DPOTrainer(model=model, args=args, train_dataset=datasets.Dataset.from_list(rows),
                             processing_class=tokenizer)
    began = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - began
    tokens = max(h.get("num_tokens", 0) for h in trainer.state.log_history)
    print(json.dumps({"steps": trainer.state.global_step, "tokens": tokens, "seconds": seconds,
                      "threads": torch.get_num_threads(), "bf16": args.bf16,
                      "gradient_checkpointing": args.gradient_checkpointing}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--child", nargs=3, metavar=("VARIANT", "DATA", "OUT"))
    args = parser.parse_args()
    if args.child:
        child(*args.child, args.steps, args.batch)
        return
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "pairs.jsonl"
        data.write_text("".join(json.dumps(r) + "\n" for r in records(args.steps * args.batch)))
        results = {}
        variants = [("TRL defaults (bf16 autocast, gradient checkpointing, torch's thread count)", "trl", False),
                    ("Charter (fp32 on CPU, no checkpointing, one thread)", "charter", True)]
        for label, variant, one_thread in variants:
            env = dict(os.environ)
            env.setdefault("CHARTER_MODELS_DIR", str(ROOT / "var" / "models"))
            if one_thread:
                env["OMP_NUM_THREADS"] = "1"
            else:
                env.pop("OMP_NUM_THREADS", None)
            done = subprocess.run([sys.executable, __file__, "--steps", str(args.steps), "--batch", str(args.batch),
                                   "--child", variant, str(data), str(Path(tmp) / variant)],
                                  capture_output=True, text=True, env=env, cwd=ROOT)
            if done.returncode:
                sys.exit(f"{variant} failed:\n{done.stderr[-3000:]}")
            results[label] = json.loads(done.stdout.strip().splitlines()[-1])
        base = next(iter(results.values()))
        rows = []
        for label, r in results.items():
            rate = r["tokens"] / r["seconds"]
            rows.append([label, r["steps"], f"{r['tokens']:,.0f}", f"{r['seconds']:.1f}", f"{rate:,.0f}",
                         f"{rate / (base['tokens'] / base['seconds']):.1f}x"])
        print(f"DPO, SmolLM2-135M-Instruct, {args.steps} steps x batch {args.batch}, CPU")
        print(table(["configuration", "steps", "tokens", "seconds", "tokens/s", "vs TRL defaults"], rows))


if __name__ == "__main__":
    main()
