"""File helpers shared by every writer: atomic writes, sets of files swapped in together, leftovers of killed
writers, locks, content hashes."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
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


STAGING_PREFIX = ".staging-"
READY = "READY.json"


@contextlib.contextmanager
def staged_set(folder: Path) -> Iterator[Path]:
    """Yield a fresh staging folder inside ``folder``; once the block has written every file of the set there,
    swap them into ``folder`` together (see swap_in), else leave ``folder`` as it was.

    Callers hold the folder's lock; a staging folder a killed run left is finished or removed by
    finish_staged at the next start.
    """
    folder.mkdir(parents=True, exist_ok=True)
    staging = folder / f"{STAGING_PREFIX}{uuid.uuid4().hex[:12]}"
    staging.mkdir()
    try:
        yield staging
        names = sorted(p.name for p in staging.iterdir() if p.is_file() and not p.name.startswith("."))
        swap_in(staging, folder, names)
    except OSError as exc:
        if exc.errno == errno.ENOSPC and not isinstance(exc, DiskFullError):
            raise DiskFullError(folder) from exc
        raise
    finally:
        if not _half_swapped(staging):  # else the next run's finish_staged completes the swap
            shutil.rmtree(staging, ignore_errors=True)


def in_staging(paths: Sequence[Path], staging: Path) -> tuple[Path, ...]:
    """The same file names inside the staging folder."""
    return tuple(staging / p.name for p in paths)


def _half_swapped(staging: Path) -> bool:
    """Whether a swap started (READY written) and some staged files are still to be moved."""
    if not (staging / READY).is_file():
        return False
    return any(p.is_file() and not p.name.startswith(".") and p.name != READY for p in staging.iterdir())


def fsync_path(path: Path) -> None:
    """Flush a file or a folder (its entries) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _by_manifest_last(names: Sequence[str]) -> list[str]:
    # The manifest names the documents' hashes: renamed last, it is never newer than the documents it lists.
    return sorted(names, key=lambda n: (n.endswith(".manifest.json"), n))


def swap_in(staging: Path, folder: Path, names: Sequence[str]) -> None:
    """Move the staged files ``names`` over their namesakes in ``folder``, the manifest last.

    The files are made durable first and a READY marker records the set, so that the only window in which a
    reader can see old and new side by side is a few renames long, and a run killed inside it is completed
    (rolled forward) by the next one instead of leaving a mixed set.
    """
    for name in names:
        fsync_path(staging / name)
        refuse_protected(folder / name)
    order = _by_manifest_last(names)
    write_bytes_atomic(staging / READY, json.dumps(order).encode("utf-8"))
    fsync_path(staging)
    _move_staged(staging, folder, order)


FS_IOC_GETFLAGS = 0x80086601  # Linux: the inode flags chattr sets
PROTECTED_FLAGS = 0x10 | 0x20  # immutable, append-only


def protected_flags(path: Path) -> int:
    """The immutable or append-only flags (chattr +i, +a) of ``path``; 0 where they cannot be read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return 0
    try:
        raw = fcntl.ioctl(fd, FS_IOC_GETFLAGS, bytes(8))
    except OSError:  # a file system without inode flags
        return 0
    finally:
        os.close(fd)
    return int.from_bytes(raw[:4], sys.byteorder) & PROTECTED_FLAGS


def refuse_protected(target: Path) -> None:
    """Raise PermissionError if ``target`` exists and must not be replaced: read-only for this user, or
    immutable or append-only (which stop even root). Checked for every file of a set before any is swapped."""
    if not target.exists():
        return
    if protected_flags(target):
        raise PermissionError(errno.EPERM, "the file is immutable or append-only (chattr)", str(target))
    if not os.access(target, os.W_OK):
        raise PermissionError(errno.EACCES, "the file is read-only", str(target))


def check_writable(folder: Path, names: Sequence[str]) -> None:
    """Raise OSError now, before any work, if ``folder`` cannot take a new set of files ``names``: the folder
    cannot be made or written, or one of the files it replaces is protected (see refuse_protected)."""
    folder.mkdir(parents=True, exist_ok=True)
    probe = folder / f".probe.{uuid.uuid4().hex[:12]}.part"  # a partial's name: swept if a kill leaves it
    probe.touch()
    probe.unlink()
    for name in names:
        refuse_protected(folder / name)


def _move_staged(staging: Path, folder: Path, order: Sequence[str]) -> None:
    for name in order:
        if (staging / name).is_file():
            (staging / name).replace(folder / name)
    fsync_path(folder)


def finish_staged(folder: Path) -> list[Path]:
    """Complete or remove what killed runs left in ``folder``: a staging folder whose set was complete (READY)
    is swapped in, any other is deleted (the previous set stays as it was). Returns the folders handled."""
    handled = []
    for staging in sorted(folder.glob(f"{STAGING_PREFIX}*")) if folder.is_dir() else []:
        if not staging.is_dir():
            continue
        try:
            order = json.loads((staging / READY).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            order = None
        if isinstance(order, list) and all(
            isinstance(n, str) and "/" not in n and not n.startswith(".") for n in order
        ):
            _move_staged(staging, folder, order)
        shutil.rmtree(staging, ignore_errors=True)
        handled.append(staging)
    return handled


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
