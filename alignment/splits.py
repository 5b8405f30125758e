"""One seeded draw for every split Charter makes (a human set's calibration / test parts, a
dataset's held-out part, a prompt set's train / held-out sets): the same seed and key always
land on the same side, whatever else is in the set."""

from __future__ import annotations

import hashlib


def draw(seed: int, key: object) -> float:
    """A number in [0, 1) fixed by the seed and the key."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{key}".encode()).digest()[:8], "big") / 2**64


def held_out(seed: int, key: object, share: float) -> bool:
    """Whether the key falls in the held-out share of a split drawn with this seed."""
    return draw(seed, key) < share
