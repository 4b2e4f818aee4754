"""The versioned submission store: every file a unit sends is kept, keyed by its content hash, and the newest
valid version per unit and quarter is published as the current file that reports read.

    <province>/inbox/                                  drop folder: staff (or a mail gateway) put files here
    <province>/inbox/rejected/<stamp>-<name>           a rejected file, with <...>.loi.txt beside it
    <province>/store/index.jsonl                       one line per stored version (append-only)
    <province>/store/<quarter>/<unit>/<stamp>-<sha12>.<ext>
    <province>/submissions/<quarter>/<unit>.<ext>      the current version (a copy of a stored one)

Nothing is overwritten: a current file that the store does not know yet (placed by hand) is stored before a
newer version replaces it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from baocao.catalogue import Catalogue, Province
from baocao.errors import Location
from baocao.files import exclusive, file_sha256, sweep_partials, write_bytes_atomic
from baocao.intake import Finding, Submission, read_file_safely
from baocao.intake.layout import CSV_COLUMNS, STATUS_ACTUAL, STATUS_ESTIMATE
from baocao.intake.read import SUFFIXES, expected_from_path, iter_submission_files
from baocao.quality import Rule

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
INDEX = "index.jsonl"
REJECTED = "rejected.jsonl"


@dataclass(frozen=True)
class StoredVersion:
    """One stored version of a unit's submission for a quarter."""

    sha256: str
    unit: str
    quarter: str
    path: str
    received_at: str
    original_name: str
    estimates: int = 0
    warnings: int = 0

    @property
    def received(self) -> datetime:
        """When the version arrived (timezone-aware)."""
        return datetime.fromisoformat(self.received_at)


@dataclass
class InboxResult:
    """What one pass over the inbox did."""

    accepted: list[StoredVersion] = field(default_factory=list)
    rejected: list[tuple[Path, Path]] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)


def store_root(inputs: Path) -> Path:
    """The store folder of a province folder."""
    return inputs / "store"


def read_index(inputs: Path) -> list[StoredVersion]:
    """Every stored version, oldest first (lines that cannot be read are skipped, never fatal)."""
    index = store_root(inputs) / INDEX
    if not index.is_file():
        return []
    versions = []
    for line in index.read_text(encoding="utf-8").splitlines():
        try:
            versions.append(StoredVersion(**json.loads(line)))
        except (ValueError, TypeError):
            continue
    return versions


@dataclass(frozen=True)
class Rejection:
    """A file set aside by the inbox, with the unit and quarter it named where they could be read."""

    file: str
    received_at: str
    unit: str | None
    quarter: str | None
    errors: tuple[str, ...]


def read_rejections(inputs: Path) -> list[Rejection]:
    """Every file the inbox set aside, oldest first."""
    log = store_root(inputs) / REJECTED
    if not log.is_file():
        return []
    out = []
    for line in log.read_text(encoding="utf-8").splitlines():
        try:
            data = json.loads(line)
            out.append(
                Rejection(
                    data["file"],
                    data["received_at"],
                    data.get("unit"),
                    data.get("quarter"),
                    tuple(data.get("errors", ())),
                )
            )
        except (ValueError, KeyError, TypeError):
            continue
    return out


def rejected_submissions(inputs: Path) -> list[Submission]:
    """The inbox's rejected files as submissions with their errors, so that status and reports name them."""
    subs = []
    for rejection in read_rejections(inputs):
        sub = Submission(
            path=inputs / "inbox" / rejection.file,
            unit=rejection.unit,
            period=rejection.quarter,
            received_at=datetime.fromisoformat(rejection.received_at),
        )
        sub.findings.extend(
            Finding("error", Location(Path(rejection.file).name), e) for e in rejection.errors
        )
        subs.append(sub)
    return subs


def received_times(inputs: Path) -> dict[str, datetime]:
    """Content hash -> when the store first received that content."""
    times: dict[str, datetime] = {}
    for version in read_index(inputs):
        times.setdefault(version.sha256, version.received)
    return times


def first_versions(inputs: Path) -> dict[tuple[str, str], datetime]:
    """(unit, quarter) -> when the store received the unit's first valid version for that quarter."""
    first: dict[tuple[str, str], datetime] = {}
    for version in read_index(inputs):
        key = (version.unit, version.quarter)
        first[key] = min(first.get(key, version.received), version.received)
    return first


def _append(inputs: Path, record: object, log: str = INDEX) -> None:
    with (store_root(inputs) / log).open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(asdict(record), ensure_ascii=False) + "\n")  # type: ignore[call-overload]
        handle.flush()
        os.fsync(handle.fileno())


def _stamp(moment: datetime) -> str:
    return moment.astimezone(TZ).strftime("%Y%m%dT%H%M%S")


def _store(
    inputs: Path, sub: Submission, data: bytes, suffix: str, received: datetime, name: str, known: set[str]
) -> StoredVersion | None:
    """Store one version (None if this content is stored already)."""
    digest = hashlib.sha256(data).hexdigest()
    if digest in known:
        return None
    relative = Path(sub.period or "") / (sub.unit or "") / f"{_stamp(received)}-{digest[:12]}{suffix}"
    write_bytes_atomic(store_root(inputs) / relative, data)
    version = StoredVersion(
        digest,
        sub.unit or "",
        sub.period or "",
        str(relative),
        received.isoformat(),
        name,
        len(sub.estimates),
        len(sub.warnings),
    )
    _append(inputs, version)
    known.add(digest)
    return version


def _adopt_current(inputs: Path, unit: str, quarter: str, known: set[str], before: datetime) -> None:
    """Store a current file the store does not know (placed by hand) before a newer version replaces it."""
    folder = inputs / "submissions" / quarter
    for current in (folder / f"{unit}{ext}" for ext in SUFFIXES):
        if current.is_file() and file_sha256(current) not in known:
            mtime = datetime.fromtimestamp(current.stat().st_mtime, TZ)
            adopted = Submission(path=current, unit=unit, period=quarter)
            earlier = min(mtime, before - timedelta(seconds=1))
            _store(inputs, adopted, current.read_bytes(), current.suffix, earlier, current.name, known)


def _publish(inputs: Path, version: StoredVersion) -> None:
    """Make a stored version the current file (other current files of the unit are in the store already)."""
    folder = inputs / "submissions" / version.quarter
    suffix = Path(version.path).suffix
    write_bytes_atomic(folder / f"{version.unit}{suffix}", (store_root(inputs) / version.path).read_bytes())
    for ext in SUFFIXES:
        other = folder / f"{version.unit}{ext}"
        if ext != suffix and other.is_file():
            other.unlink()


def _is_current(inputs: Path, version: StoredVersion) -> bool:
    """Whether the unit's published file is this stored version."""
    current = inputs / "submissions" / version.quarter / f"{version.unit}{Path(version.path).suffix}"
    return current.is_file() and file_sha256(current) == version.sha256


def csv_extract(sub: Submission) -> bytes:
    """One unit's rows of a multi-unit CSV, as a CSV of its own (how such a file is stored per unit)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*CSV_COLUMNS, "status"])
    for code, value in sub.values.items():
        status = STATUS_ESTIMATE if code in sub.estimates else STATUS_ACTUAL
        writer.writerow([sub.unit, sub.period, code, repr(value), status])
    return buffer.getvalue().encode("utf-8")


def feedback_text(path: Path, subs: list[Submission], received: datetime) -> str:
    """The Vietnamese feedback written beside a rejected file."""
    errors = [str(f) for s in subs for f in s.errors]
    warnings = [str(f) for s in subs for f in s.warnings]
    lines = [
        f"Tệp: {path.name}",
        f"Nhận lúc: {received.astimezone(TZ):%H:%M ngày %d/%m/%Y}",
        "Kết quả: KHÔNG HỢP LỆ – báo cáo chưa được tổng hợp. Đề nghị sửa các lỗi dưới đây và gửi lại.",
        "",
        "Lỗi cần sửa:",
        *(f"{n}. {e}" for n, e in enumerate(dict.fromkeys(errors), start=1)),
    ]
    if warnings:
        lines += ["", "Lưu ý (nên kiểm tra lại):", *(f"- {w}" for w in dict.fromkeys(warnings))]
    return "\n".join(lines) + "\n"


def process_inbox(
    inputs: Path,
    catalogue: Catalogue,
    province: Province,
    now: datetime | None = None,
    rules: Sequence[Rule] = (),
) -> InboxResult:
    """Check every file in the inbox; store and publish the valid ones, set the others aside with feedback."""
    inbox = inputs / "inbox"
    result = InboxResult()
    units = set(province.unit_codes)
    with exclusive(store_root(inputs) / ".lock"):
        for written in (store_root(inputs), inputs / "submissions", inbox / "rejected"):
            sweep_partials(written)  # what a killed pass left half-written
        index = read_index(inputs)
        known = {v.sha256 for v in index}
        latest = {(v.unit, v.quarter): v for v in index}  # append-only: the last entry is the newest
        files = sorted(iter_submission_files(inbox), key=lambda p: (p.stat().st_mtime, p.name))
        for path in files:
            received = now or datetime.now(TZ)
            # The file's name may be its unit's code (as `baocao template` names forms); its quarter comes
            # from its content.
            subs = read_file_safely(path, catalogue, units, expected_from_path(path, units), rules=rules)
            if any(s.errors for s in subs) or not subs:
                target = inbox / "rejected" / f"{_stamp(received)}-{path.name}"
                target.parent.mkdir(parents=True, exist_ok=True)
                path.replace(target)
                feedback = target.with_name(target.name + ".loi.txt")
                write_bytes_atomic(feedback, feedback_text(path, subs, received).encode("utf-8"))
                result.rejected.append((target, feedback))
                first = subs[0] if subs else None
                errors = tuple(dict.fromkeys(str(f) for sub in subs for f in sub.errors))
                _append(
                    inputs,
                    Rejection(
                        str(target.relative_to(inbox)),
                        received.isoformat(),
                        first.unit if first else None,
                        first.period if first else None,
                        errors,
                    ),
                    REJECTED,
                )
                continue
            single = len({s.unit for s in subs}) == 1
            stored_any = False
            for sub in subs:
                data = path.read_bytes() if single else csv_extract(sub)
                suffix = path.suffix.lower() if single else ".csv"
                digest = hashlib.sha256(data).hexdigest()
                if digest in known:
                    # A pass killed between storing and publishing left this file in the inbox: publish it.
                    newest = latest.get((sub.unit or "", sub.period or ""))
                    if newest is not None and newest.sha256 == digest and not _is_current(inputs, newest):
                        _publish(inputs, newest)
                    continue
                _adopt_current(inputs, sub.unit or "", sub.period or "", known, received)
                version = _store(inputs, sub, data, suffix, received, path.name, known)
                if version is None:
                    continue
                stored_any = True
                latest[(version.unit, version.quarter)] = version
                _publish(inputs, version)
                result.accepted.append(version)
            if not stored_any:
                result.duplicates.append(path.name)
            path.unlink()  # every unit it carries is in the store now
    return result
