"""Versions held for staff confirmation: stored (nothing lost) but not published until the Sở decides.

A new version of a unit's quarter is held, instead of replacing the published one, when

  (a) it turns an actual figure of the published version into an estimate ("ước" over "thực hiện"), or
  (b) it arrives more than ``hold_after_days`` (province.yaml, default 30) after the quarter's deadline and
      changes any figure of the published version (a value, its status, a figure added or left out).

A quarter with no published version is never held. Both cases once happened silently: an inbox file whose
period cell named an old quarter replaced that quarter's actuals with an estimate.

    <province>/store/held.jsonl        one line per held version (append-only)
    <province>/store/decisions.jsonl   one line per decision: confirmed or rejected, who, when, why
    <province>/inbox/held/<stamp>-<name>.cho-xac-nhan.txt    the feedback for the unit (Vietnamese)
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from baocao.catalogue import Catalogue
from baocao.errors import BaocaoError
from baocao.files import exclusive, file_sha256, write_bytes_atomic
from baocao.intake import Submission, read_file_safely
from baocao.intake.checks import shown_number
from baocao.intake.read import SUFFIXES, expected_from_path
from baocao.periods import Period
from baocao.province import Province
from baocao.store import TZ, StoredVersion, adopt_current, publish, read_index, store_root

HELD = "held.jsonl"
DECISIONS = "decisions.jsonl"
Decision = Literal["confirmed", "rejected"]


@dataclass(frozen=True)
class Hold:
    """Why a version waits for confirmation (Vietnamese) and what it would change."""

    reason: str
    changes: tuple[str, ...]


@dataclass(frozen=True)
class HeldVersion:
    """A stored version of a unit's quarter that is not published until staff confirm it."""

    unit: str
    quarter: str
    sha256: str
    received_at: str
    original_name: str
    reason: str
    changes: tuple[str, ...]


@dataclass(frozen=True)
class HeldDecision:
    """What staff decided about a held version."""

    sha256: str
    decision: Decision
    who: str
    why: str
    at: str


def _figure(sub: Submission, code: str) -> str:
    if code not in sub.values:
        return "(không có)"
    return f"{shown_number(sub.values[code])} ({'ước' if code in sub.estimates else 'thực hiện'})"


def hold_reason(
    new: Submission, current: Submission | None, deadline: date, received_on: date, hold_after_days: int
) -> Hold | None:
    """Whether ``new`` must wait for confirmation before it replaces ``current`` (the published version)."""
    if current is None:
        return None
    codes = sorted(set(new.values) | set(current.values))
    changed = [
        c
        for c in codes
        if new.values.get(c) != current.values.get(c) or (c in new.estimates) != (c in current.estimates)
    ]
    changes = tuple(f"{c}: {_figure(current, c)} → {_figure(new, c)}" for c in changed)
    over_actual = [
        c for c in changed if c in current.values and c not in current.estimates and c in new.estimates
    ]
    late_days = (received_on - deadline).days
    reasons = []
    if over_actual:
        reasons.append(f"thay số thực hiện đã báo cáo bằng số ước ({', '.join(over_actual)})")
    if changed and late_days > hold_after_days:
        reasons.append(f"sửa số liệu của quý đã quá hạn gửi {late_days} ngày (hạn {deadline:%d/%m/%Y})")
    if not reasons:
        return None
    return Hold("; ".join(reasons), changes)


def _published(
    inputs: Path, unit: str, quarter: str, catalogue: Catalogue, units: set[str]
) -> Submission | None:
    """The unit's published, valid version of the quarter as it reads now (None if there is none)."""
    for ext in sorted(SUFFIXES):
        path = inputs / "submissions" / quarter / f"{unit}{ext}"
        if path.is_file():
            subs = read_file_safely(path, catalogue, units, expected_from_path(path, units))
            found = [s for s in subs if s.accepted and s.unit == unit and s.period == quarter]
            return found[0] if found else None
    return None


def hold_for(
    inputs: Path, sub: Submission, catalogue: Catalogue, province: Province, received: datetime
) -> Hold | None:
    """Whether a new valid version must be held, against what is published for its unit and quarter."""
    if sub.unit is None or sub.period is None:
        return None
    current = _published(inputs, sub.unit, sub.period, catalogue, set(province.unit_codes))
    deadline = province.deadline(Period.parse(sub.period))
    return hold_reason(sub, current, deadline, received.astimezone(TZ).date(), province.hold_after_days)


def _append(inputs: Path, log: str, record: object) -> None:
    path = store_root(inputs) / log
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(asdict(record), ensure_ascii=False) + "\n")  # type: ignore[call-overload]
        handle.flush()
        os.fsync(handle.fileno())


def _records(inputs: Path, log: str) -> list[dict[str, object]]:
    path = store_root(inputs) / log
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            data = json.loads(line)
        except ValueError:
            continue  # a line cut by a crash: never fatal
        if isinstance(data, dict):
            out.append(data)
    return out


def record_held(
    inputs: Path, sha256: str, sub: Submission, received: datetime, name: str, hold: Hold
) -> HeldVersion:
    """Record that a version is held (before it is stored, so a crash in between never publishes it)."""
    version = HeldVersion(
        sub.unit or "", sub.period or "", sha256, received.isoformat(), name, hold.reason, hold.changes
    )
    _append(inputs, HELD, version)
    return version


def read_held(inputs: Path) -> list[HeldVersion]:
    """Every version ever held, decided or not, oldest first (one per content hash)."""
    out: dict[str, HeldVersion] = {}
    for data in _records(inputs, HELD):
        try:
            version = HeldVersion(
                str(data["unit"]),
                str(data["quarter"]),
                str(data["sha256"]),
                str(data["received_at"]),
                str(data["original_name"]),
                str(data["reason"]),
                tuple(str(c) for c in data.get("changes", ()) or ()),  # type: ignore[attr-defined]
            )
        except (KeyError, TypeError):
            continue
        out.setdefault(version.sha256, version)
    return list(out.values())


def decisions(inputs: Path) -> list[HeldDecision]:
    """Every decision on a held version, oldest first."""
    out = []
    for data in _records(inputs, DECISIONS):
        try:
            out.append(
                HeldDecision(
                    str(data["sha256"]),
                    "confirmed" if data["decision"] == "confirmed" else "rejected",
                    str(data["who"]),
                    str(data["why"]),
                    str(data["at"]),
                )
            )
        except KeyError:
            continue
    return out


def held_versions(inputs: Path) -> list[HeldVersion]:
    """The versions awaiting confirmation: held, stored, and not yet decided; oldest first."""
    decided = {d.sha256 for d in decisions(inputs)}
    stored = {v.sha256 for v in read_index(inputs)}
    return [h for h in read_held(inputs) if h.sha256 in stored and h.sha256 not in decided]


def _pending(inputs: Path, sha256: str, who: str, why: str) -> tuple[HeldVersion, StoredVersion]:
    if not who.strip() or not why.strip():
        raise BaocaoError("cần ghi rõ người quyết định và lý do")
    for version in held_versions(inputs):
        if version.sha256 == sha256:
            stored = next(v for v in read_index(inputs) if v.sha256 == sha256 and v.unit == version.unit)
            return version, stored
    raise BaocaoError(f"không có bản nào đang chờ xác nhận với mã {sha256[:12]}")


def _newer_published(inputs: Path, held: StoredVersion) -> StoredVersion | None:
    """The unit's published version of the quarter if it was received after ``held``."""
    for ext in SUFFIXES:
        current = inputs / "submissions" / held.quarter / f"{held.unit}{ext}"
        if current.is_file():
            digest = file_sha256(current)
            for version in read_index(inputs):
                if version.sha256 == digest and version.received > held.received:
                    return version
    return None


def _decide(inputs: Path, sha256: str, decision: Decision, who: str, why: str) -> HeldDecision:
    record = HeldDecision(sha256, decision, who.strip(), why.strip(), datetime.now(TZ).isoformat())
    _append(inputs, DECISIONS, record)
    return record


def confirm_held(inputs: Path, sha256: str, who: str, why: str) -> HeldDecision:
    """Publish a held version as its unit's current file and record who confirmed it, when and why."""
    with exclusive(store_root(inputs) / ".lock"):
        _, stored = _pending(inputs, sha256, who, why)
        newer = _newer_published(inputs, stored)
        if newer is not None:
            # Confirming would silently put an older file over one the unit sent later.
            raise BaocaoError(
                f"đơn vị đã gửi bản mới hơn ({newer.original_name}, nhận {newer.received:%d/%m/%Y}) và bản đó "
                "đang được dùng; hãy từ chối bản đang chờ này"
            )
        # The file it replaces may have been placed by hand: stored first, so that nothing is lost.
        known = {v.sha256 for v in read_index(inputs)}
        adopt_current(inputs, stored.unit, stored.quarter, known, stored.received)
        publish(inputs, stored)
        return _decide(inputs, sha256, "confirmed", who, why)


def reject_held(inputs: Path, sha256: str, who: str, why: str) -> HeldDecision:
    """Keep a held version stored but never published, and record who decided, when and why."""
    with exclusive(store_root(inputs) / ".lock"):
        _pending(inputs, sha256, who, why)
        return _decide(inputs, sha256, "rejected", who, why)


def feedback_text(name: str, received: datetime, hold: Hold) -> str:
    """The Vietnamese feedback for a unit whose file is held: received, awaiting the Sở's confirmation."""
    lines = [
        f"Tệp: {name}",
        f"Nhận lúc: {received.astimezone(TZ):%H:%M ngày %d/%m/%Y}",
        "Kết quả: ĐÃ NHẬN – đang chờ Sở xác nhận trước khi dùng số liệu này thay cho số liệu đã báo cáo.",
        f"Lý do: {hold.reason}.",
    ]
    if hold.changes:
        lines += ["", "Các số liệu thay đổi (đã báo cáo → bản mới):", *(f"- {c}" for c in hold.changes)]
    return "\n".join(lines) + "\n"


def write_feedback(inputs: Path, name: str, received: datetime, hold: Hold) -> Path:
    """Write the held file's feedback beside the inbox (``inbox/held/``); its path."""
    stamp = received.astimezone(TZ).strftime("%Y%m%dT%H%M%S")
    target = inputs / "inbox" / "held" / f"{stamp}-{name}.cho-xac-nhan.txt"
    write_bytes_atomic(target, feedback_text(name, received, hold).encode("utf-8"))
    return target
