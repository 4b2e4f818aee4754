"""File helpers shared by every writer: atomic writes, leftovers of killed writers, locks, content hashes."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success rename it over ``target``, else remove it.

    Readers never see a half-written file: the rename is atomic on one file system.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    # A fresh name, not a file made by mkstemp: the writer creates it, so it gets the usual permissions.
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.part")
    try:
        yield tmp
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        tmp.replace(target)
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise DiskFullError(target) from exc
        raise
    finally:
        tmp.unlink(missing_ok=True)


class DiskFullError(OSError):
    """The disk filled up while writing; the target was left as it was."""

    def __init__(self, target: Path) -> None:
        super().__init__(
            errno.ENOSPC,
            f"the disk is full while writing {target.name} (in {target.parent}); "
            "free some space and run again: nothing else was changed",
        )


def sweep_partials(folder: Path) -> list[Path]:
    """Remove temporary files a killed writer left behind (``.name.xxxx.part``), recursively."""
    removed = []
    if folder.is_dir():
        for part in folder.rglob(".*.part"):
            part.unlink(missing_ok=True)
            removed.append(part)
    return removed


@contextlib.contextmanager
def exclusive(lock_file: Path, waiting: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_file``; if another process holds it, call ``waiting`` and wait."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting is not None:
                waiting()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_bytes_atomic(target: Path, data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically and return ``target``."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return target


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's content."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()
