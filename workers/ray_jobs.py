"""A job's child on a Ray cluster (the engine OpenRLHF and verl run on): a worker of the "ray"
queue submits `python -m alignment KIND --events ...` as a Ray job to the cluster whose dashboard
CHARTER_RAY_ADDRESS names, streams the job's log back line by line (the child's events are its
stdout lines, as for a local child), maps Cancel to stopping the Ray job, and reports a failure
with Ray's message and the log tail. The cluster's nodes run the same image as the worker (the
same interpreter path and checkout) and see the same CHARTER_ARTIFACTS_DIR, so the paths in the
config mean the same there.

What the Ray job asks the cluster for: a training run on GPUs one GPU per process, on CPU one CPU
per process; any other kind one CPU and CHARTER_RAY_JOB_GPUS GPUs (default 0)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

from alignment.config import Config
from alignment.errors import TransientError, UserError

# The worker's settings that the child reads (model roots, offline switches, threads); the rest
# of the worker's environment (its database, broker, secrets) stays on the worker.
PASSED = ("CHARTER_", "HF_", "TRANSFORMERS_", "TOKENIZERS_", "OMP_NUM_THREADS", "MLFLOW_")
KEPT_OUT = ("CHARTER_SECRET_KEY", "CHARTER_RAY_ADDRESS")


def resources(config: Config | None) -> tuple[float, float]:
    """(CPUs, GPUs) the Ray job's entrypoint asks the cluster for."""
    if config is not None and config.KIND == "train":  # a GPU per process on device gpu, else a core each
        processes = int(getattr(config, "processes", 1))
        return (1, processes) if getattr(config, "device", "") == "gpu" else (processes, 0)
    return 1, settings.RAY_JOB_GPUS


class RayChild:
    """What JobContext.run_child needs of a child (its output lines, its exit, a kill) for a
    Ray job. Earlier attempts of the same Charter job that still run on the cluster (their worker
    died) are stopped first, so a retried job never runs twice."""

    def __init__(self, job_id: int, attempt: int, argv: list[str], cwd: str, config: Config | None) -> None:
        if not settings.RAY_ADDRESS:
            raise UserError("this worker serves the ray queue but has no Ray cluster: set CHARTER_RAY_ADDRESS to "
                            "the cluster's dashboard address (http://HEAD:8265)")
        from ray.job_submission import JobSubmissionClient

        cpus, gpus = resources(config)
        env = {k: v for k, v in os.environ.items() if k.startswith(PASSED) and k not in KEPT_OUT}
        try:  # a cluster that cannot be reached or refuses now is a transient fault: retried with backoff
            self.client = JobSubmissionClient(settings.RAY_ADDRESS)
            self._stop_earlier(job_id)
            self.id = self.client.submit_job(
                entrypoint=f"cd {shlex.quote(cwd)} && exec {shlex.join(argv)}",
                submission_id=f"charter-job-{job_id}-attempt-{attempt}-{time.time_ns() % 10**6}",
                entrypoint_num_cpus=cpus, entrypoint_num_gpus=gpus,
                runtime_env={"env_vars": env | {"PYTHONUNBUFFERED": "1"}}, metadata={"charter_job": str(job_id)})
        except (ConnectionError, RuntimeError) as exc:
            raise TransientError(f"the Ray cluster at {settings.RAY_ADDRESS} did not take the job: {exc}") from exc
        self.message = ""

    def _stop_earlier(self, job_id: int, patience: float = 60) -> None:
        """Stop this job's Ray jobs that outlived their worker, and wait until they have ended (a
        retry then resumes from a checkpoint nobody is still writing)."""
        running = [d.submission_id for d in self.client.list_jobs() if d.submission_id
                   and (d.metadata or {}).get("charter_job") == str(job_id) and not d.status.is_terminal()]
        for earlier in running:
            self.client.stop_job(earlier)
        deadline = time.monotonic() + patience
        while running and time.monotonic() < deadline:
            running = [i for i in running if not self.client.get_job_status(i).is_terminal()]
            time.sleep(0.5)
        if running:
            raise TransientError(f"earlier attempts still run on the Ray cluster after a stop: {', '.join(running)}")

    def lines(self) -> Iterator[str]:
        """The Ray job's log (stdout and stderr together) as lines, while it runs. Ray streams it
        over a websocket (asyncio); a thread of its own runs that loop, so this works whether or
        not the calling thread already has an event loop."""
        chunks: queue.Queue[str | None] = queue.Queue()

        def pump() -> None:
            async def tail() -> None:
                async for chunk in self.client.tail_job_logs(self.id):
                    chunks.put(chunk)

            try:
                asyncio.run(tail())
            except Exception as exc:  # noqa: BLE001 - the stream broke; wait() still reads how the job ended
                chunks.put(f"\nthe log stream from Ray broke: {exc}\n")
            finally:
                chunks.put(None)

        threading.Thread(target=pump, daemon=True, name=f"ray-log-{self.id}").start()
        pending = ""
        while (chunk := chunks.get()) is not None:
            *complete, pending = (pending + chunk).split("\n")
            yield from (line + "\n" for line in complete)
        if pending:
            yield pending

    def wait(self) -> int:
        from ray.job_submission import JobStatus

        while not (info := self.client.get_job_info(self.id)).status.is_terminal():
            time.sleep(1)  # the log stream can end a moment before the job's status does
        self.message = (info.message or "").split("\n")[0]
        if info.status == JobStatus.SUCCEEDED:
            return 0
        if info.status == JobStatus.STOPPED:
            return -signal.SIGTERM
        return info.driver_exit_code or 1

    def how(self, code: int) -> str:
        return f"(Ray job {self.id}) ended: {self.message or f'exit code {code}'}"

    def kill(self) -> None:
        try:
            self.client.stop_job(self.id)
        except RuntimeError:  # it had already ended
            pass


@contextlib.contextmanager
def local_cluster(cpus: int = 2) -> Iterator[str]:
    """A single-node Ray cluster on loopback for tests and benchmarks: `ray start --head --block`
    with every port its own (so two can run side by side) in a fresh folder; yields the dashboard
    address CHARTER_RAY_ADDRESS takes; stopping its process group stops the cluster."""
    from ray.job_submission import JobSubmissionClient

    folder = Path(tempfile.mkdtemp(prefix="ray-"))
    names = ("port", "node-manager-port", "object-manager-port", "ray-client-server-port", "dashboard-port",
             "dashboard-agent-listen-port", "dashboard-agent-grpc-port", "metrics-export-port", "runtime-env-agent-port")
    ports = dict(zip(names, _free_ports(len(names)), strict=True))
    command = [str(Path(sys.executable).with_name("ray")), "start", "--head", "--block", "--node-ip-address", "127.0.0.1",
               "--dashboard-host", "127.0.0.1", "--num-cpus", str(cpus), "--num-gpus", "0", "--temp-dir", str(folder),
               "--disable-usage-stats", "--include-dashboard", "true"]
    command += [part for name, port in ports.items() for part in (f"--{name}", str(port))]
    address = f"http://127.0.0.1:{ports['dashboard-port']}"
    with open(folder / "start.log", "w") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 120
            while True:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the Ray cluster did not start:\n{(folder / 'start.log').read_text()[-3000:]}")
                try:
                    JobSubmissionClient(address).list_jobs()
                    break
                except (ConnectionError, RuntimeError):
                    time.sleep(0.5)
            yield address
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:  # `ray start --block` can wait on its stopped children
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            shutil.rmtree(folder, ignore_errors=True)


def _free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports
