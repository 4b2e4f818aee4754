"""The department's own work over a report's period: its quarters' workbooks merged, and as province records.

department_for(inputs, period, catalogue)   -> (DepartmentReport | None, findings): read and merged
merged_department(reports, period, catalogue) -> DepartmentReport | None: pure
province_records(reports, province_code)   -> the long records aggregation works on, for the province row
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from baocao.catalogue import Catalogue
from baocao.errors import Location, PeriodError
from baocao.intake.cells import fold
from baocao.intake.department import department_path, read_department
from baocao.intake.layout import DeptNoteSection
from baocao.intake.model import DepartmentReport, Finding, Proposal, Task
from baocao.periods import Period
from baocao.province import Province, load_province

RECORD_COLUMNS = ["unit", "period", "indicator", "value", "is_estimate"]


def department_for(
    inputs: Path, period: Period, catalogue: Catalogue, province: Province | None = None
) -> tuple[DepartmentReport | None, list[Finding]]:
    """The department's report for ``period`` from ``<inputs>/department/<quarter>.xlsx`` and every finding;
    None when no quarter has a usable workbook (no folder at all: None and no findings)."""
    paths = [(q, department_path(inputs, q)) for q in period.quarters]
    present = [(q, p) for q, p in paths if p.exists() or p.is_symlink()]
    findings = stray_files(inputs)
    if not present:
        return None, findings
    province = province or load_province(inputs / "province.yaml", catalogue)
    reports: list[DepartmentReport] = []
    for quarter, path in present:
        report, found = read_department(path, catalogue, province, quarter)
        findings.extend(found)
        if report is not None:
            reports.append(report)
    return merged_department(reports, period, catalogue), findings


def stray_files(inputs: Path) -> list[Finding]:
    """A warning for each file of the department folder not named after a quarter ('2024-Q2 (1).xlsx'), which
    is never read: staff otherwise think it was."""
    folder = department_path(inputs, Period.quarter(2000, 1)).parent
    found = []
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if path.name.startswith((".", "~$")):
            continue
        try:
            ok = path.suffix.lower() == ".xlsx" and Period.parse(path.stem).kind == "quarter"
        except PeriodError:
            ok = False
        if not ok:
            message = "tên tệp không phải quý báo cáo (cần dạng 2024-Q2.xlsx); tệp không được đọc"
            found.append(Finding("warning", Location(path.name), message))
    return found


def merged_department(
    reports: Sequence[DepartmentReport], period: Period, catalogue: Catalogue
) -> DepartmentReport | None:
    """The quarters' reports of ``period`` as one: flows summed, stocks at the latest quarter that has them,
    notes, proposals and tasks of every quarter in order with near-duplicates folded (a repeated task keeps
    its place and takes its latest owner and deadline)."""
    wanted = [q.code for q in period.quarters]
    by_quarter = {r.period: r for r in reports if r.period in wanted}
    ordered = [by_quarter[q] for q in wanted if q in by_quarter]
    if not ordered:
        return None
    figures, estimates, incomplete = _figures(ordered, wanted, catalogue)
    last = ordered[-1]
    return DepartmentReport(
        period=period.code,
        figures=figures,
        estimates=frozenset(estimates),
        notes=_notes(ordered),
        proposals=_proposals(ordered),
        tasks=_tasks(ordered),
        person=last.person,
        prepared_on=last.prepared_on,
        quarters=tuple(r.period for r in ordered),
        missing_quarters=tuple(q for q in wanted if q not in by_quarter),
        incomplete=frozenset(incomplete),
        files=tuple(f for r in ordered for f in r.files),
        quarter_figures=tuple(r.figures for r in ordered),
    )


def _figures(
    ordered: Sequence[DepartmentReport], wanted: Sequence[str], catalogue: Catalogue
) -> tuple[dict[str, float], set[str], set[str]]:
    figures: dict[str, float] = {}
    estimates: set[str] = set()
    incomplete: set[str] = set()
    for ind in catalogue.department:
        having = [r for r in ordered if ind.code in r.figures]
        if not having:
            continue
        if ind.kind == "flow":
            figures[ind.code] = round(sum(r.figures[ind.code] for r in having), ind.decimals)
            estimates.update(ind.code for r in having if ind.code in r.estimates)
            complete = len(having) == len(wanted)
        else:
            latest = having[-1]
            figures[ind.code] = latest.figures[ind.code]
            if ind.code in latest.estimates:
                estimates.add(ind.code)
            complete = latest.period == wanted[-1]
        if not complete:
            incomplete.add(ind.code)
    return figures, estimates, incomplete


def _notes(
    ordered: Sequence[DepartmentReport],
) -> dict[tuple[DeptNoteSection, str | None], tuple[str, ...]]:
    out: dict[tuple[DeptNoteSection, str | None], list[str]] = {}
    seen: set[tuple[DeptNoteSection, str | None, str]] = set()
    for report in ordered:
        for key, texts in report.notes.items():
            for text in texts:
                mark = (*key, fold(text))
                if mark not in seen:
                    seen.add(mark)
                    out.setdefault(key, []).append(text)
    return {key: tuple(texts) for key, texts in out.items()}


def _proposals(ordered: Sequence[DepartmentReport]) -> tuple[Proposal, ...]:
    kept: dict[tuple[str, str], Proposal] = {}
    for report in ordered:
        for p in report.proposals:
            kept.setdefault((fold(p.addressee or ""), fold(p.text)), p)
    return tuple(kept.values())


def _tasks(ordered: Sequence[DepartmentReport]) -> tuple[Task, ...]:
    # A dict keeps the first position of a key while its value is replaced by the later quarter's version.
    kept: dict[str, Task] = {}
    for report in ordered:
        for task in report.tasks:
            kept[fold(task.text)] = task
    return tuple(kept.values())


def province_records(reports: Iterable[DepartmentReport], province_code: str) -> pd.DataFrame:
    """The quarterly department reports' figures as long records of the province row (unit = the province's
    code), the shape units' records have for aggregation."""
    rows = [
        (province_code, r.period, code, float(value), code in r.estimates)
        for r in reports
        for code, value in r.figures.items()
    ]
    frame = pd.DataFrame(rows, columns=RECORD_COLUMNS)
    return frame.astype({"value": "float64", "is_estimate": bool})
