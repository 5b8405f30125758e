"""Which queues live workers serve, and with how many GPUs: each worker announces itself in
Redis every few seconds under a key that expires (workers/presence.py), so a worker that dies
drops out on its own. Forms offer the gpu queue only when a worker serves it, and a queued job's
page says when none serves its queue."""

from __future__ import annotations

import json
import time

from django.conf import settings

PREFIX = "charter:worker:"
EVERY_SECONDS = 5
TTL_SECONDS = 20


def client():
    import redis

    url = settings.REDIS_URL
    if url.startswith("redis+socket://"):  # kombu's spelling of a unix socket
        url = "unix://" + url.removeprefix("redis+socket://")
    return redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)


def announce(name: str, queues: list[str], gpus: int) -> None:
    client().set(PREFIX + name, json.dumps({"name": name, "queues": sorted(queues), "gpus": gpus, "at": time.time()}),
                 ex=TTL_SECONDS)


def withdraw(name: str) -> None:
    client().delete(PREFIX + name)


def workers() -> list[dict] | None:
    """The live workers, or None when Redis cannot be asked (then nobody knows)."""
    import redis

    try:
        conn = client()
        keys = sorted(conn.scan_iter(PREFIX + "*", count=100))
        values = conn.mget(keys) if keys else []
    except redis.RedisError:
        return None
    return [json.loads(v) for v in values if v]


def serves(queue: str) -> bool | None:
    """Whether a live worker consumes `queue` (None: unknown, Redis did not answer)."""
    found = workers()
    return None if found is None else any(queue in w["queues"] for w in found)
