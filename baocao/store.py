"""The versioned submission store: every file a unit sends is kept, keyed by its content hash, and the newest
valid version per unit and quarter is published as the current file that reports read.

    <province>/inbox/                                  drop folder: staff (or a mail gateway) put files here
    <province>/inbox/rejected/<stamp>-<name>           a rejected file, with <...>.loi.txt beside it
    <province>/store/index.jsonl                       one line per stored version (append-only)
    <province>/store/<quarter>/<unit>/<stamp>-<sha12>.<ext>
    <province>/store/originals/<stamp>-<sha12>.csv     a multi-unit CSV as sent (each unit's version is its lines)
    <province>/store/held.jsonl, decisions.jsonl       versions held for staff confirmation (baocao.held)
    <province>/submissions/<quarter>/<unit>.<ext>      the current version (a copy of a stored one)

Nothing is overwritten and nothing a unit sent is rewritten: a current file that the store does not know yet
(placed by hand) is stored before a newer version replaces it, and a multi-unit CSV is kept whole while each
unit's version is the header line and that unit's own lines, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from baocao.catalogue import Catalogue
from baocao.errors import Location
from baocao.files import exclusive, file_sha256, sweep_partials, write_bytes_atomic
from baocao.intake import Finding, Submission, read_file_safely
from baocao.intake.cells import strip_bidi
from baocao.intake.csvfile import raw_lines
from baocao.intake.read import SUFFIXES, Expected, expected_from_path, iter_inbox_files
from baocao.intake.rules import Rule
from baocao.province import Province

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
    original: str = ""  # for one unit's lines of a multi-unit CSV: the whole file as sent, under the store

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
    held: list[StoredVersion] = field(default_factory=list)  # stored, awaiting staff confirmation


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
            findings=tuple(
                Finding("error", Location(Path(rejection.file).name), e) for e in rejection.errors
            ),
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
    inputs: Path,
    sub: Submission,
    data: bytes,
    suffix: str,
    received: datetime,
    name: str,
    known: set[str],
    original: str = "",
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
        original,
    )
    _append(inputs, version)
    known.add(digest)
    return version


def adopt_current(inputs: Path, unit: str, quarter: str, known: set[str], before: datetime) -> None:
    """Store a current file the store does not know (placed by hand) before a newer version replaces it."""
    folder = inputs / "submissions" / quarter
    for current in (folder / f"{unit}{ext}" for ext in SUFFIXES):
        if current.is_file() and file_sha256(current) not in known:
            mtime = datetime.fromtimestamp(current.stat().st_mtime, TZ)
            adopted = Submission(path=current, unit=unit, period=quarter)
            earlier = min(mtime, before - timedelta(seconds=1))
            _store(inputs, adopted, current.read_bytes(), current.suffix, earlier, current.name, known)


def publish(inputs: Path, version: StoredVersion) -> None:
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


def csv_extract(data: bytes, sub: Submission) -> bytes:
    """One unit's part of a multi-unit CSV: the header line and that unit's lines, byte for byte as sent.

    Never re-written from the parsed values: "3,485" written back as text once came back as 3485."""
    lines = raw_lines(data)
    return b"".join(lines[i] for i in sub.source_lines if i < len(lines))


def _store_original(inputs: Path, data: bytes, received: datetime) -> str:
    """Keep a multi-unit file whole, once per content; its path under the store."""
    digest = hashlib.sha256(data).hexdigest()
    folder = store_root(inputs) / "originals"
    existing = sorted(folder.glob(f"*-{digest[:12]}.csv")) if folder.is_dir() else []
    if existing:
        return str(existing[0].relative_to(store_root(inputs)))
    target = folder / f"{_stamp(received)}-{digest[:12]}.csv"
    write_bytes_atomic(target, data)
    return str(target.relative_to(store_root(inputs)))


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


@dataclass
class _Pass:
    """One pass over the inbox under the store's lock: what it knows of the store, and what it did."""

    inputs: Path
    catalogue: Catalogue
    province: Province
    now: datetime | None
    rules: Sequence[Rule]
    known: set[str]
    held_before: set[str]
    latest: dict[tuple[str, str], StoredVersion]
    result: InboxResult = field(default_factory=InboxResult)


def _begin(
    inputs: Path, catalogue: Catalogue, province: Province, now: datetime | None, rules: Sequence[Rule]
) -> _Pass:
    """Sweep what a killed pass left half-written and read the store (call under the store's lock)."""
    from baocao import held  # held builds on this module

    for written in (store_root(inputs), inputs / "submissions", inputs / "inbox" / "rejected"):
        sweep_partials(written)  # what a killed pass left half-written
    index = read_index(inputs)
    latest: dict[tuple[str, str], StoredVersion] = {}
    for v in index:  # the newest received (a file adopted on confirmation is appended late)
        if (v.unit, v.quarter) not in latest or v.received >= latest[(v.unit, v.quarter)].received:
            latest[(v.unit, v.quarter)] = v
    return _Pass(
        inputs,
        catalogue,
        province,
        now,
        rules,
        {v.sha256 for v in index},
        {h.sha256 for h in held.read_held(inputs)},
        latest,
    )


def process_inbox(
    inputs: Path,
    catalogue: Catalogue,
    province: Province,
    now: datetime | None = None,
    rules: Sequence[Rule] = (),
) -> InboxResult:
    """Check every file in the inbox; store and publish the valid ones (or hold them for confirmation: see
    baocao.held), set the others aside with feedback."""
    units = set(province.unit_codes)
    with exclusive(store_root(inputs) / ".lock"):
        state = _begin(inputs, catalogue, province, now, rules)
        files = sorted(iter_inbox_files(inputs / "inbox"), key=lambda p: (p.lstat().st_mtime, p.name))
        for path in files:
            # The file's name may be its unit's code (as `baocao template` names forms); its quarter comes
            # from its content.
            _take(state, path, expected_from_path(path, units))
    return state.result


def process_upload(
    inputs: Path,
    catalogue: Catalogue,
    province: Province,
    data: bytes,
    suffix: str,
    unit: str,
    now: datetime | None = None,
    rules: Sequence[Rule] = (),
) -> tuple[InboxResult, list[Submission]]:
    """One unit's file sent through the portal: put in the inbox as ``<unit><suffix>`` and taken exactly as
    `baocao collect` takes it (the same checks, store, feedback), its content required to name ``unit``.
    Returns what the pass did and the submissions read, with their findings."""
    inbox = inputs / "inbox"
    with exclusive(store_root(inputs) / ".lock"):
        state = _begin(inputs, catalogue, province, now, rules)
        # Under the lock, so no other pass takes it first; a pass killed now leaves it for the next collect.
        name = f"{unit}{suffix}"
        path = inbox / name
        if path.exists() or path.is_symlink():
            path = inbox / f"{unit}-{hashlib.sha256(data).hexdigest()[:8]}{suffix}"
        write_bytes_atomic(path, data)
        subs = _take(state, path, Expected(unit=unit))
    return state.result, subs


def _take(state: _Pass, path: Path, expected: Expected) -> list[Submission]:
    """Check one inbox file; store and publish it, hold it, or set it aside with feedback; what was read."""
    from baocao import held  # held builds on this module

    inputs, inbox, result, known = state.inputs, state.inputs / "inbox", state.result, state.known
    received = state.now or datetime.now(TZ)
    units = set(state.province.unit_codes)
    subs = read_file_safely(path, state.catalogue, units, expected, rules=state.rules)
    if any(s.errors for s in subs) or not subs:
        # Without bidirectional controls: the name reaches status tables and the report's annex.
        target = inbox / "rejected" / f"{_stamp(received)}-{strip_bidi(path.name)}"
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
        return subs
    whole = path.read_bytes()
    # One unit and quarter: the file as it is; several (a CSV): each unit's own lines, and the whole.
    single = len(subs) == 1
    original = "" if single else _store_original(inputs, whole, received)
    stored_any = False
    for sub in subs:
        data = whole if single else csv_extract(whole, sub)
        suffix = path.suffix.lower() if single else ".csv"
        digest = hashlib.sha256(data).hexdigest()
        if digest in known:
            # A pass killed between storing and publishing left this file in the inbox: publish it,
            # unless it was held for confirmation.
            newest = state.latest.get((sub.unit or "", sub.period or ""))
            if (
                newest is not None
                and newest.sha256 == digest
                and digest not in state.held_before
                and not _is_current(inputs, newest)
            ):
                publish(inputs, newest)
            continue
        hold = held.hold_for(inputs, sub, state.catalogue, state.province, received)
        if hold is None:
            adopt_current(inputs, sub.unit or "", sub.period or "", known, received)
        else:
            # Recorded before the version is stored, so that a pass killed in between never
            # publishes it on the next run.
            held.record_held(inputs, digest, sub, received, path.name, hold)
        version = _store(inputs, sub, data, suffix, received, path.name, known, original)
        if version is None:
            continue
        stored_any = True
        state.latest[(version.unit, version.quarter)] = version
        if hold is not None:
            state.held_before.add(digest)
            held.write_feedback(inputs, path.name, received, hold)
            result.held.append(version)
            continue
        publish(inputs, version)
        result.accepted.append(version)
    if not stored_any:
        result.duplicates.append(path.name)
    path.unlink()  # every unit it carries is in the store now
    return subs
