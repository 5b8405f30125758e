"""Scale-out on this machine, each figure measured in one run:

1. Sharded judging: the same given pairs (the shipped human set's calibration part) judged by
   the default model (RL-CAI, both orders) as one job on one worker, then as 2 shards on 2
   workers; pairs/s from launch to the run's end, and the ratio.
   Then the same 2 shards on a local Ray cluster of 2 CPUs, submitted by one worker of the
   `ray` queue (what Ray adds: a job submission, a driver process and the log stream).
2. Data-parallel training: the same DPO run as 1 process, then as 2 gloo processes under
   `accelerate launch` (what a run with processes=2 does); samples/s as the trainer reports it
   (train_samples_per_second, all ranks together), and the ratio.

On a 2-core CPU each worker or rank gets one core (OMP_NUM_THREADS=1), so 2x is the ceiling.
Run: .venv/bin/python bench/scale.py [--steps 8]
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

from _harness import ROOT, setup_django, start_worker, table


def judging(shards: int, ray: str = "") -> tuple[int, float]:
    from django.contrib.auth import get_user_model

    from webapp.accounts.services import create_user
    from webapp.constitutions.models import Constitution
    from webapp.feedback.services import launch_feedback
    from webapp.jobs.models import Job

    operator = get_user_model().objects.filter(username="bench-scale").first() or create_user(
        "bench-scale", "operator", "pw-for-bench-123")[0]
    version = Constitution.objects.get(name="Helpful, honest, harmless (SALMON)").head
    given = Job.objects.get(kind="import", config__name="pyrit human scores (calibration)")
    logs = ROOT / "var" / "bench-scale"
    if ray:  # one worker of the ray queue submits both shards (its two threads) to the cluster
        workers = [start_worker(logs / "worker-ray.log", queues="ray", env={"CHARTER_RAY_ADDRESS": ray})]
    else:
        workers = [start_worker(logs / f"worker-{shards}-{n}.log") for n in range(shards)]
    try:
        start = time.perf_counter()
        run = launch_feedback(operator, None, version, {"method": "rl_cai", "batch_size": 8}, pairs_from=given,
                              shards=shards, queue="ray" if ray else "default")
        while True:
            run.refresh_from_db()
            if run.status in ("succeeded", "failed", "cancelled"):
                break
            time.sleep(0.2)
        seconds = time.perf_counter() - start
        if run.status != "succeeded":
            raise RuntimeError(run.error)
        pairs = run.result["pairs"] + run.result["ties"]
    finally:
        for w in workers:
            w.terminate()
            w.wait()
    return pairs, seconds


def training(processes: int, steps: int, folder: Path) -> float:
    import yaml

    from alignment.training.config import TrainConfig
    from alignment.training.launch import launcher

    data = folder / "pref.jsonl"
    data.write_text("".join(json.dumps({"prompt": f"Name a colour ({i}).", "chosen": "Blue, like the sky.",
                                        "rejected": "No."}) + "\n" for i in range(256)))
    config = TrainConfig(method="dpo", dataset=str(data), output=str(folder / f"run-{processes}"), device="cpu",
                         max_steps=steps, batch_size=4, max_length=64, save_steps=10_000, processes=processes)
    path = folder / f"train-{processes}.yaml"
    path.write_text(yaml.safe_dump(vars(config)))
    command = [sys.executable, "-m", "alignment", "train", "--events", "--config", str(path)]
    if processes > 1:
        command = launcher(config, folder) + command[1:]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return next(e["values"]["train_samples_per_second"] for e in events
                if e["event"] == "metric" and "train_samples_per_second" in e["values"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=8, help="DPO steps per training run (batch 4 per process)")
    args = parser.parse_args()
    setup_django("scale")
    from django.core.management import call_command

    call_command("load_constitutions", verbosity=0)
    from webapp.pairs.importing import load_shipped_human_sets

    load_shipped_human_sets()
    rows = []
    from workers.ray_jobs import local_cluster

    one = judging(1)
    two = judging(2)
    with local_cluster(cpus=2) as address:
        on_ray = judging(2, ray=address)
    for label, (pairs, seconds) in (("1 worker, 1 job", one), ("2 workers, 2 shards", two),
                                    ("Ray cluster (2 CPUs), 2 shards", on_ray)):
        rows.append(["sharded judging (RL-CAI, both orders)", label, pairs, f"{seconds:.1f}", f"{pairs / seconds:.3f}"])
    rate = {name: p / s for name, (p, s) in (("one", one), ("two", two), ("ray", on_ray))}
    rows.append(["", "ratio 2 workers / 1", "", "", f"{rate['two'] / rate['one']:.2f}x"])
    rows.append(["", "ratio Ray / 2 workers", "", "", f"{rate['ray'] / rate['two']:.2f}x"])
    with tempfile.TemporaryDirectory() as tmp:
        single = training(1, args.steps, Path(tmp))
        double = training(2, args.steps, Path(tmp))
    rows.append(["DPO training (batch 4 per process)", "1 process", args.steps * 4, "", f"{single:.3f}"])
    rows.append(["", "2 processes (DDP, gloo)", args.steps * 8, "", f"{double:.3f}"])
    rows.append(["", "ratio 2 / 1", "", "", f"{double / single:.2f}x"])
    print(f"\nScale-out on {os.cpu_count()} CPU cores, one torch thread per worker or rank "
          f"(`bench/scale.py --steps {args.steps}`):\n")
    print(table(["what", "setting", "items", "seconds", "items/s"], rows))


if __name__ == "__main__":
    main()
