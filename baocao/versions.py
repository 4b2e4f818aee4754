"""Keeping every run's documents as a version: written whole, numbered, never overwritten (read by issued.py).

A run renders its set (DOCX, PDF, XLSX, manifest) into a staging folder inside the period folder, as before;
then the staging folder, with its ``version.json``, is renamed into ``versions/<n>/`` (one rename: the version
exists whole or not at all), and a copy of the set is swapped in as the period's latest set (files.staged_set:
the names users open do not change). Callers hold the period's lock. What a killed run leaves is put right at
the next start (``latest_follows``): an unrenamed staging folder is deleted by files.finish_staged, and a
version whose copy was not swapped in yet is swapped in then.

Every version is kept, published or not (a set is a few hundred kilobytes); the kept files are made read-only.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import json
import shutil
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from baocao.files import (
    STAGING_PREFIX,
    DiskFullError,
    file_sha256,
    fsync_path,
    staged_set,
    write_bytes_atomic,
)
from baocao.issued import RECORD, VERSIONS, read_record, version_numbers
from baocao.periods import vietnam_now
from baocao.provenance import read_manifest, write_manifest

MANIFEST_SUFFIX = ".manifest.json"


@dataclass(frozen=True)
class VersionNote:
    """What a version records about the run that made it, beside its files."""

    started_by: str
    report_date: date
    number: int | None
    inputs_sha256: str
    signed: tuple[str, ...] = ()  # the roles whose signatures the PDF holds ("signer", "agency")


@contextlib.contextmanager
def staging_folder(folder: Path) -> Iterator[Path]:
    """Yield a fresh staging folder inside the period folder ``folder``; removed on the way out unless it was
    kept as a version (renamed away) meanwhile."""
    folder.mkdir(parents=True, exist_ok=True)
    staging = folder / f"{STAGING_PREFIX}{uuid.uuid4().hex[:12]}"
    staging.mkdir()
    try:
        yield staging
    except OSError as exc:
        if exc.errno == errno.ENOSPC and not isinstance(exc, DiskFullError):
            raise DiskFullError(folder) from exc
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _set_names(folder: Path) -> list[str]:
    """The files of a set in ``folder`` (documents and manifest), without the version's record."""
    return sorted(
        p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith(".") and p.name != RECORD
    )


def version_record(staging: Path, province: str, period: str, note: VersionNote) -> dict[str, Any]:
    """The ``version.json`` of the set staged in ``staging`` (its manifest gives the figures' digest)."""
    names = _set_names(staging)
    manifest_name = next((n for n in names if n.endswith(MANIFEST_SUFFIX)), None)
    manifest = read_manifest(staging / manifest_name) if manifest_name else None
    return {
        "version": None,  # set once the number is known (keep_version)
        "province": province,
        "period": period,
        "report_number": note.number,
        "report_date": note.report_date.isoformat(),
        "made_at": vietnam_now().isoformat(timespec="seconds"),
        "started_by": note.started_by,
        "inputs_sha256": note.inputs_sha256,
        "figures_sha256": manifest.figures_sha256 if manifest else "",
        "documents": {
            n.rsplit(".", 1)[1]: n for n in names if n.rsplit(".", 1)[-1] in ("docx", "pdf", "xlsx")
        },
        "manifest": manifest_name,
        "signed": list(note.signed),
        "published": None,
        "mailed": None,
    }


def keep_version(staging: Path, folder: Path, note: VersionNote) -> int:
    """Keep the set staged in ``staging`` as the next version of the period folder ``folder``: its record
    written, everything made durable and read-only, the folder renamed to ``versions/<n>``. Returns ``n``."""
    versions = folder / VERSIONS
    versions.mkdir(exist_ok=True)
    number = max(version_numbers(versions), default=0) + 1
    record = {**version_record(staging, folder.parent.name, folder.name, note), "version": number}
    (staging / RECORD).write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    for name in [*_set_names(staging), RECORD]:
        fsync_path(staging / name)
        if name != RECORD:  # the record is rewritten (atomically) when the version is published or mailed
            (staging / name).chmod(0o444)
    fsync_path(staging)
    target = versions / str(number)
    if target.exists():  # a number is never reused, whatever is in the way
        raise FileExistsError(errno.EEXIST, "a version folder is in the way", str(target))
    staging.rename(target)
    fsync_path(versions)
    return number


def make_latest(folder: Path, number: int) -> None:
    """Swap a copy of version ``number``'s set in as the period's latest set (same names as ever)."""
    version = folder / VERSIONS / str(number)
    with staged_set(folder) as staging:
        for name in _set_names(version):
            shutil.copyfile(version / name, staging / name)


def _latest_matches(folder: Path, number: int) -> bool:
    """Whether the period's latest set is version ``number``'s (judged by its manifest, which lists the
    documents' hashes)."""
    record = read_record(folder / VERSIONS / str(number)) or {}
    name = record.get("manifest")
    if not isinstance(name, str) or not (folder / VERSIONS / str(number) / name).is_file():
        return True  # nothing to compare against: leave the latest set alone
    latest = folder / name
    return latest.is_file() and file_sha256(latest) == file_sha256(folder / VERSIONS / str(number) / name)


def latest_follows(folder: Path) -> None:
    """Make the period's latest set the newest version's if a killed run left it behind; a set made before
    versions were kept is kept first as version 1 (see adopt_latest)."""
    numbers = version_numbers(folder / VERSIONS)
    if not numbers:
        adopt_latest(folder)
    elif not _latest_matches(folder, numbers[-1]):
        make_latest(folder, numbers[-1])


def adopt_latest(folder: Path) -> int | None:
    """Keep the latest set of a period made before versions existed as version 1 (it may have been mailed):
    its date and time from its manifest, who made it unknown. None when there is no such set."""
    manifests = sorted(folder.glob(f"*{MANIFEST_SUFFIX}")) if folder.is_dir() else []
    earlier = read_manifest(manifests[-1]) if manifests else None
    if earlier is None or not earlier.documents:
        return None
    made = earlier.generated_at or vietnam_now().isoformat(timespec="seconds")
    with staging_folder(folder) as staging:
        for name in [*earlier.documents, manifests[-1].name]:
            if (folder / name).is_file():
                shutil.copyfile(folder / name, staging / name)
        note = VersionNote("", date.fromisoformat(made[:10]), None, earlier.inputs_sha256 or "")
        number = keep_version(staging, folder, note)
    _update_record(folder / VERSIONS / str(number), made_at=made, adopted=True)
    return number


def _update_record(version: Path, **changes: Any) -> None:
    record = read_record(version)
    if record is None:
        return
    record.update(changes)
    write_bytes_atomic(version / RECORD, json.dumps(record, ensure_ascii=False, indent=1).encode("utf-8"))


def published_copies(folder: Path, number: int, publish_to: Path) -> bool:
    """Whether the publish folder holds this version's DOCX and PDF, byte for byte."""
    record = read_record(folder / VERSIONS / str(number)) or {}
    names = [n for k, n in (record.get("documents") or {}).items() if k in ("docx", "pdf")]
    version = folder / VERSIONS / str(number)
    return bool(names) and all(
        (publish_to / n).is_file() and file_sha256(publish_to / n) == file_sha256(version / n) for n in names
    )


def mark_delivered(
    folder: Path, number: int, published_to: Path | None, mailed_to: Sequence[str] | None
) -> None:
    """Record on version ``number`` that it was published (to that folder) and/or mailed (to those)."""
    now = vietnam_now().isoformat(timespec="seconds")
    changes: dict[str, Any] = {}
    if published_to is not None:
        changes["published"] = {"at": now, "to": str(published_to)}
    if mailed_to is not None:
        changes["mailed"] = {"at": now, "to": list(mailed_to)}
    if changes:
        _update_record(folder / VERSIONS / str(number), **changes)


def kept_version_of(pdf: Path) -> tuple[Path, int] | None:
    """The period folder and the number of the kept version whose PDF ``pdf`` is: a file of
    ``versions/<n>/``, or the period's latest PDF when it is a version's copy, byte for byte (the newest such
    version); None for any other file."""
    pdf = pdf.absolute()
    if pdf.parent.parent.name == VERSIONS and pdf.parent.name.isdigit():
        return pdf.parent.parent.parent, int(pdf.parent.name)
    folder = pdf.parent
    digest = file_sha256(pdf) if pdf.is_file() else ""
    for number in reversed(version_numbers(folder / VERSIONS)):
        kept = folder / VERSIONS / str(number) / pdf.name
        if kept.is_file() and file_sha256(kept) == digest:
            return folder, number
    return None


def keep_signed(
    folder: Path, base: int, pdf_name: str, signed: bytes, started_by: str, changes: Mapping[str, Any]
) -> int:
    """Keep version ``base``'s set, its PDF replaced by ``signed``, as the period's next version: the
    manifest hashes the signed PDF, the record says which version it was signed from and ``changes``
    (``signed``: the roles; ``report_number``, ``report_date``: what the văn thư gave). Then swap it in as
    the latest set. Callers hold the period's lock. Returns the new version's number."""
    source = folder / VERSIONS / str(base)
    record = read_record(source) or {}
    with staging_folder(folder) as staging:
        for name in _set_names(source):
            shutil.copyfile(source / name, staging / name)
        write_bytes_atomic(staging / pdf_name, signed)
        manifest_name = record.get("manifest")
        manifest = read_manifest(staging / manifest_name) if isinstance(manifest_name, str) else None
        if manifest is not None:
            documents = {**manifest.documents, pdf_name: file_sha256(staging / pdf_name)}
            write_manifest(staging / str(manifest_name), dataclasses.replace(manifest, documents=documents))
        number = changes.get("report_number", record.get("report_number"))
        when = changes.get("report_date") or record.get("report_date") or vietnam_now().date().isoformat()
        note = VersionNote(started_by, date.fromisoformat(str(when)), number, record.get("inputs_sha256", ""))
        kept = keep_version(staging, folder, note)
    _update_record(folder / VERSIONS / str(kept), signed_from=base, **changes)
    make_latest(folder, kept)
    return kept
