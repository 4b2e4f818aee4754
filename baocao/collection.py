"""Collection: everything read for one report, once, and what the stages after it need from it.

collect_for(setup, period)            -> Intake (every file read and checked, outliers and the department's
                                         own workbooks included; frozen: tuples and read-only mappings)
collection_of(setup, intake, period)  -> Collection (frozen: usable records, review flags, statuses, unit
                                         states, notes, gaps, checks; each computed once)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from baocao.coverage import Gap, period_gaps
from baocao.department import department_for as read_department_period
from baocao.history import with_carried
from baocao.intake import (
    Finding,
    Intake,
    Note,
    QuarterStatus,
    Submission,
    UnitState,
    quarter_statuses,
    unit_notes,
    unit_states,
)
from baocao.intake.model import DepartmentReport
from baocao.periods import Period, quarters_needed
from baocao.predecessors import Past, past_for
from baocao.province import Province
from baocao.reading import read_quarters
from baocao.reading import with_outliers as with_outliers
from baocao.review import Flag, held_out, review_flags, usable_records
from baocao.setup import Setup


@dataclass(frozen=True, eq=False)
class Collection:
    """One report's intake and what is derived from it, computed once (read-only from here on)."""

    intake: Intake
    records: pd.DataFrame  # the accepted figures less those held for review or rejected by staff
    flags: tuple[Flag, ...]  # figures the checks questioned, with staff's decisions
    statuses: tuple[QuarterStatus, ...]  # per unit and quarter of the period, for the timeliness table
    states: tuple[UnitState, ...]  # per unit, over the period
    notes: tuple[tuple[str, Note], ...]
    gaps: tuple[Gap, ...]  # figures of the year to date the report does not use, and why
    checked: tuple[Submission, ...]  # submissions of the period's quarters with findings (the Kiểm tra sheet)
    past: Past | None = None  # a 2025 province's predecessors: their figures carried to the new units

    @property
    def province(self) -> Province | None:
        """The province with its predecessors' populations carried (None without predecessors)."""
        return self.past.province if self.past is not None else None

    @property
    def department(self) -> DepartmentReport | None:
        """The department's own workbooks over the period, if any."""
        return self.intake.department

    @property
    def received(self) -> int:
        """Units with every quarter of the period accepted."""
        return sum(s.state == "received" for s in self.states)


def collect_for(setup: Setup, period: Period, cache: Path | None = None) -> Intake:
    """Read every submission the report on ``period`` needs (the year to date, last year, the trend);
    through the ingest store at ``cache`` if given (each file parsed once)."""
    intake = read_quarters(setup, quarters_needed(period), cache)
    department, findings = department_for(setup, period)
    return replace(
        intake,
        submissions=(*intake.submissions, *department_checks(setup, findings)),
        department=department,
    )


def department_for(setup: Setup, period: Period) -> tuple[DepartmentReport | None, list[Finding]]:
    """The department's own work over the period (``<inputs>/department/<quarter>.xlsx``) and the findings of
    its workbooks; None without any (a run without that folder is unchanged)."""
    return read_department_period(setup.inputs, period, setup.catalogue, setup.province)


def department_checks(setup: Setup, findings: Sequence[Finding]) -> list[Submission]:
    """The findings on the department's workbooks of the period, one pseudo-submission per file (no unit), so
    the XLSX's Kiểm tra sheet lists them like the units'."""
    by_file: dict[str, list[Finding]] = {}
    for finding in findings:
        by_file.setdefault(finding.where.file, []).append(finding)
    out = []
    for name, findings in by_file.items():
        out.append(
            Submission(
                path=setup.inputs / "department" / name, unit=None, period=None, findings=tuple(findings)
            )
        )
    return out


def collection_of(
    setup: Setup, intake: Intake, period: Period, timeliness: bool = True, past: Past | None = None
) -> Collection:
    """What the stages after intake need, each computed once: the review log is read once, the quarter
    statuses and unit states made once. ``timeliness=False`` leaves the timeliness table out (a roll-up of
    provinces has no deadlines of its own). With ``past``, the predecessors' carried records join the
    province's own, and the quarters they reported are not held against the new units (no status, no gap:
    what the old units lack is said by the history's note)."""
    flags = tuple(review_flags(setup.inputs, intake))
    records = usable_records(setup.inputs, intake, flags)
    statuses = tuple(quarter_statuses(intake, setup.province, period))
    if past is not None:
        records = with_carried(records, past.carried)
        statuses = tuple(s for s in statuses if not past.history.before_change(Period.parse(s.quarter)))
    gaps = period_gaps(records, setup.catalogue, setup.province, period.year_to_date, held_out(flags))
    if past is not None:
        gaps = tuple(g for g in gaps if not past.history.before_change(Period.parse(g.quarter)))
    quarters = {q.code for q in period.quarters}
    own_checked = [s for s in intake.submissions if s.findings and (s.period in quarters or s.period is None)]
    return Collection(
        intake=intake,
        records=records,
        flags=flags,
        statuses=statuses if timeliness else (),
        states=tuple(unit_states(intake, setup.province, period, statuses)),
        notes=tuple(unit_notes(intake, setup.province, period)),
        gaps=gaps,
        checked=(*own_checked, *(past.checked if past is not None else ())),
        past=past,
    )


def collection_for(setup: Setup, period: Period, cache: Path | None = None) -> Collection:
    """Collect the period's submissions (see collect_for), and the predecessors' of a 2025 province (see
    baocao.predecessors), and derive what the report needs from them."""
    past = past_for(setup, period, cache)
    return collection_of(setup, collect_for(setup, period, cache), period, past=past)
