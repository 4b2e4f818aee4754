"""Intake: read a province's submissions for the quarters a report needs, check them, keep the valid ones.

collect(...)        -> Intake (every file read, the accepted submission per unit and quarter; frozen)
intake_of(...)      -> Intake from submissions already read (the parsed-once cache, the national roll-up)
records_frame(...)  -> the long DataFrame aggregation works on
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from baocao.catalogue import Catalogue
from baocao.errors import Location
from baocao.files import file_sha256
from baocao.intake.model import (
    DepartmentReport,
    Finding,
    Note,
    QuarterState,
    QuarterStatus,
    Submission,
    UnitState,
)
from baocao.intake.read import Expected, expected_from_path, iter_submission_files, read_file
from baocao.intake.rules import Rule, rule_findings
from baocao.province import Province

if TYPE_CHECKING:
    import pandas as pd
from baocao.periods import VIETNAM, Period, working_days_late

__all__ = [
    "Expected",
    "Finding",
    "Intake",
    "Note",
    "QuarterStatus",
    "Submission",
    "UnitState",
    "collect",
    "intake_of",
    "quarter_statuses",
    "read_file",
    "read_file_safely",
    "records_frame",
    "unit_notes",
    "unit_states",
]

RECORD_COLUMNS = ["unit", "period", "indicator", "value", "is_estimate"]


def _empty() -> Mapping[tuple[str, str], Any]:
    return MappingProxyType({})


@dataclass(frozen=True)
class Intake:
    """Everything read for a report: all submissions, and the one accepted per unit and quarter (read-only
    views: the stages after collection cannot change what was collected)."""

    submissions: tuple[Submission, ...] = ()
    accepted: Mapping[tuple[str, str], Submission] = field(default_factory=_empty)
    # (unit, quarter) -> when the store received the first valid version: timeliness is judged on it, so a
    # later revision does not make an on-time unit late.
    first_received: Mapping[tuple[str, str], datetime] = field(default_factory=_empty)
    department: DepartmentReport | None = None  # the department's own workbooks over the period, read once

    def __reduce__(self) -> tuple[Any, ...]:
        # pickle (process pools) cannot take a mappingproxy: send plain dicts, wrap them again on arrival.
        return (_intake, (self.submissions, dict(self.accepted), dict(self.first_received), self.department))

    def with_findings(self, extra: Mapping[tuple[str, str], Sequence[Finding]]) -> Intake:
        """A new intake whose accepted submissions of some (unit, quarter) carry more findings; the accepted
        submission is replaced among ``submissions`` too, so it stays one of them."""
        new = {key: self.accepted[key].with_findings(found) for key, found in extra.items() if found}
        if not new:
            return self
        old = {id(self.accepted[key]): sub for key, sub in new.items()}
        return replace(
            self,
            submissions=tuple(old.get(id(s), s) for s in self.submissions),
            accepted=MappingProxyType({**self.accepted, **new}),
        )

    def rejected(self, quarters: Iterable[str] | None = None) -> list[Submission]:
        """Submissions set aside for errors, optionally only those of some quarters."""
        wanted = set(quarters) if quarters is not None else None
        return [
            s
            for s in self.submissions
            if s.errors and (wanted is None or s.period in wanted or s.period is None)
        ]

    def missing(self, quarters: Sequence[str], units: Sequence[str]) -> dict[str, list[str]]:
        """Per unit, the quarters among ``quarters`` with no accepted submission (units in config order)."""
        out: dict[str, list[str]] = {}
        for unit in units:
            gaps = [q for q in quarters if (unit, q) not in self.accepted]
            if gaps:
                out[unit] = gaps
        return out


def _intake(
    submissions: tuple[Submission, ...],
    accepted: dict[tuple[str, str], Submission],
    first_received: dict[tuple[str, str], datetime],
    department: DepartmentReport | None,
) -> Intake:
    """An Intake again from its pickled parts."""
    return Intake(submissions, MappingProxyType(accepted), MappingProxyType(first_received), department)


def read_file_safely(
    path: Path,
    catalogue: Catalogue,
    units: set[str],
    expected: Expected,
    quarter: str | None = None,
    rules: Sequence[Rule] = (),
) -> list[Submission]:
    """Read one file, never raising: an unexpected failure becomes an error finding. Submissions carry the
    file's SHA-256 (the store and the provenance manifest key versions on it)."""
    try:
        subs = read_file(path, catalogue, units, expected)
    except Exception as exc:  # the last line of defence: report, never crash the run
        failure = Finding(
            "error", Location(path.name), f"lỗi không xác định khi đọc tệp ({type(exc).__name__}: {exc})"
        )
        subs = [
            Submission(path=path, unit=expected.unit, period=expected.period or quarter, findings=(failure,))
        ]
    digest = file_sha256(path) if path.is_file() and not path.is_symlink() else None
    return [
        replace(sub, sha256=digest).with_findings(() if sub.errors else rule_findings(sub, rules))
        for sub in subs
    ]


def collect(
    submissions_dir: Path,
    quarters: Iterable[Period],
    catalogue: Catalogue,
    province: Province,
    received: Mapping[str, datetime] | None = None,
    rules: Sequence[Rule] = (),
) -> Intake:
    """Read and check every submission file of the given quarters; one bad file never stops the others.

    ``received`` maps a file's SHA-256 to when the store received it (for timeliness)."""
    units = set(province.unit_codes)
    subs: list[Submission] = []
    for quarter in quarters:
        for path in iter_submission_files(submissions_dir / quarter.code):
            subs += read_file_safely(
                path, catalogue, units, expected_from_path(path, units), quarter.code, rules
            )
    return intake_of(subs, received)


def intake_of(submissions: Iterable[Submission], received: Mapping[str, datetime] | None = None) -> Intake:
    """The intake of submissions read in this order: their receipt times set from ``received`` (SHA-256 ->
    time), one accepted per unit and quarter (the newer file wins a tie)."""
    subs = [
        replace(sub, received_at=received.get(sub.sha256)) if received and sub.sha256 is not None else sub
        for sub in submissions
    ]
    accepted: dict[tuple[str, str], int] = {}  # index into subs
    for index, sub in enumerate(subs):
        if sub.accepted:
            _accept(subs, accepted, index)
    return Intake(tuple(subs), MappingProxyType({key: subs[i] for key, i in accepted.items()}))


def _accept(subs: list[Submission], accepted: dict[tuple[str, str], int], index: int) -> None:
    """Make ``subs[index]`` the accepted submission of its unit and quarter (the newer file wins a tie)."""
    sub = subs[index]
    key = (sub.unit or "", sub.period or "")
    previous = accepted.get(key)
    if previous is None:
        accepted[key] = index
        return
    # Two valid files for one unit and quarter: the newer file counts, the other is kept and mentioned.
    mine, theirs = subs[index].path, subs[previous].path
    newer, older = (index, previous) if mine.stat().st_mtime >= theirs.stat().st_mtime else (previous, index)
    accepted[key] = newer
    said = Finding(
        "warning",
        Location(subs[newer].path.name),
        f"đơn vị đã gửi thêm tệp {subs[older].path.name} cho cùng kỳ; dùng tệp mới hơn",
    )
    if said not in subs[newer].findings:  # read again (the cache, a second collection): said once
        subs[newer] = subs[newer].with_findings([said])


def records_frame(submissions: Iterable[Submission]) -> pd.DataFrame:
    """One row per (unit, quarter, indicator) with its value and whether it is an estimate."""
    import pandas as pd  # here, not above: checking a file (`baocao check`) does not need pandas

    rows = [
        (s.unit, s.period, code, value, code in s.estimates)
        for s in submissions
        for code, value in s.values.items()
    ]
    frame = pd.DataFrame(rows, columns=RECORD_COLUMNS)
    return frame.astype(
        {
            "unit": "string",
            "period": "string",
            "indicator": "string",
            "value": "float64",
            "is_estimate": "bool",
        }
    )


def quarter_statuses(intake: Intake, province: Province, period: Period) -> list[QuarterStatus]:
    """Per expected unit and quarter of the period: the file used, its date, the deadline, on time or not."""
    rows = []
    # A 2025 province's communes are not expected to have sent the quarters their predecessors reported.
    reported = [q for q in period.quarters if province.reports(q)]
    for unit in province.unit_codes:
        for quarter in reported:
            due = province.deadline(quarter)
            sub = intake.accepted.get((unit, quarter.code))
            if sub is None:
                bad = [
                    s for s in intake.submissions if s.unit == unit and s.period == quarter.code and s.errors
                ]
                if bad:
                    errors = tuple(f for s in bad for f in s.errors)
                    rows.append(
                        QuarterStatus(
                            unit,
                            quarter.code,
                            "rejected",
                            due,
                            bad[-1].path.name,
                            bad[-1].received_on,
                            errors=errors,
                        )
                    )
                else:
                    rows.append(QuarterStatus(unit, quarter.code, "missing", due))
                continue
            received = first_received_on(intake, sub)
            state: QuarterState = "undated" if received is None else "on_time" if received <= due else "late"
            late = working_days_late(due, received, frozenset(province.holidays)) if received else 0
            rows.append(
                QuarterStatus(
                    unit,
                    quarter.code,
                    state,
                    due,
                    sub.path.name,
                    received,
                    len(sub.estimates),
                    len(sub.warnings),
                    remarks=tuple(f.message for f in sub.warnings),
                    days_late=late,
                )
            )
    return rows


def first_received_on(intake: Intake, sub: Submission) -> date | None:
    """The Vietnam date of the unit's first valid version for the quarter, else the submission's own date."""
    first = intake.first_received.get((sub.unit or "", sub.period or ""))
    if first is None:
        return sub.received_on
    own = sub.received_on
    day = first.astimezone(VIETNAM).date()
    return min(day, own) if own is not None and sub.received_at is not None else day


def unit_states(
    intake: Intake, province: Province, period: Period, statuses: Sequence[QuarterStatus] | None = None
) -> list[UnitState]:
    """Per expected unit: received (every quarter of the period accepted), partial (some), rejected (none,
    some set aside for errors) or missing (nothing), with the quarters lacking; from ``statuses`` if they
    are already known (quarter_statuses of the same intake, province and period)."""
    by_unit: dict[str, list[QuarterStatus]] = {}
    for row in quarter_statuses(intake, province, period) if statuses is None else statuses:
        by_unit.setdefault(row.unit, []).append(row)
    states = []
    for unit, rows in by_unit.items():
        good = [r for r in rows if r.state in ("on_time", "late", "undated")]
        bad = [r for r in rows if r.state == "rejected"]
        missing = tuple(r.quarter for r in rows if r.state == "missing")
        rejected = tuple(r.quarter for r in bad)
        if good:
            subs = [intake.accepted[(unit, r.quarter)] for r in good]
            # Figure-level warnings (those naming codes) are reported as flagged figures, not here.
            warnings = tuple(f for s in subs for f in s.warnings if not f.codes)
            states.append(
                UnitState(
                    unit,
                    "received" if len(good) == len(rows) else "partial",
                    reasons=tuple(e for r in bad for e in r.errors),
                    files=tuple(r.file or "" for r in good),
                    warnings=warnings,
                    late=any(r.state == "late" for r in good),
                    missing_quarters=missing,
                    rejected_quarters=rejected,
                    late_quarters=tuple(r.quarter for r in good if r.state == "late"),
                )
            )
        elif bad:
            states.append(
                UnitState(
                    unit,
                    "rejected",
                    tuple(e for r in bad for e in r.errors),
                    tuple(r.file or "" for r in bad),
                    missing_quarters=missing,
                    rejected_quarters=rejected,
                )
            )
        else:
            states.append(UnitState(unit, "missing", missing_quarters=missing))
    return states


def unit_notes(intake: Intake, province: Province, period: Period) -> list[tuple[str, Note]]:
    """The notes of every quarter of the period, quarter by quarter, with the unit that wrote each (units in
    configuration order within a quarter). "quý trước" in a note is made explicit ("quý I/2024"): in a
    half-year or year report the reader cannot know which quarter came before the note's."""
    out = []
    for quarter in period.quarters:
        before = quarter.previous_quarters(2)[0].label
        for unit in province.unit_codes:
            sub = intake.accepted.get((unit, quarter.code))
            for note in sub.notes if sub is not None else ():
                text = _QUY_TRUOC.sub(before, note.text) if len(period.quarters) > 1 else note.text
                out.append((unit, Note(note.section, text, note.field)))
    return out


_QUY_TRUOC = re.compile(r"\bquý trước\b", re.IGNORECASE)
