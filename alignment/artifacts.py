"""Artifacts (model folders, dataset files, run inputs) are addressed by a location plus SHA-256,
so whoever loads one (a worker on another machine too) can check it is what was registered."""

from __future__ import annotations

import hashlib
from pathlib import Path

from alignment.errors import UserError

CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def folder_sha256(folder: Path, patterns: tuple[str, ...] = ("*",), recursive: bool = True) -> tuple[str, int]:
    """(digest, bytes) over the folder's files matching the patterns: each file's relative path
    and SHA-256, in path order, so the digest changes when any file is renamed, added or edited."""
    digest, size = hashlib.sha256(), 0
    find = folder.rglob if recursive else folder.glob
    files = sorted({p for pattern in patterns for p in find(pattern) if p.is_file()})
    for path in files:
        digest.update(f"{path.relative_to(folder).as_posix()}\0{file_sha256(path)}\n".encode())
        size += path.stat().st_size
    return digest.hexdigest(), size


def sha256_of(path: Path, patterns: tuple[str, ...] = ("*",), recursive: bool = True) -> tuple[str, int]:
    """(digest, bytes) of a file or a folder (its files matching the patterns)."""
    if path.is_dir():
        return folder_sha256(path, patterns, recursive)
    return file_sha256(path), path.stat().st_size


def verify(path: Path, expected: str) -> None:
    """Refuse an artifact whose content is not what was registered."""
    actual, _ = sha256_of(path)
    if actual != expected:
        raise UserError(f"{path} does not match its registered SHA-256 ({actual[:12]}… is not {expected[:12]}…): "
                        f"it was changed or only partly copied")
