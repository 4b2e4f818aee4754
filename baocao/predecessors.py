"""Reading a 2025 province's predecessors (province.yaml's ``predecessors``): their configurations, the
crosswalk, and their submissions of the quarters a report needs up to the last one they reported, through
the same intake and checks as the province's own (baocao.reading); carried to the new units by the pure
baocao.history.

past_for(setup, period, cache) -> Past (carried records, the province with carried populations, findings)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from baocao.crosswalk import read_crosswalk
from baocao.errors import ConfigError, Location
from baocao.history import (
    Carried,
    History,
    carried_populations,
    carried_records,
    history_of,
    with_populations,
)
from baocao.intake import Finding, Submission
from baocao.periods import Period, quarters_needed
from baocao.province import PredecessorProvince, Province, load_province
from baocao.reading import read_quarters
from baocao.review import review_flags, usable_records
from baocao.setup import Setup


@dataclass(frozen=True, eq=False)
class Past:
    """What a report takes from the predecessors: the carried records, the province with the carried
    populations (densities before the change), and the submissions and crosswalk findings to list in the
    XLSX's Kiểm tra sheet."""

    carried: Carried
    province: Province
    checked: tuple[Submission, ...] = ()

    @property
    def history(self) -> History:
        """How the old units map to the new ones."""
        return self.carried.history


def old_setups(setup: Setup) -> list[tuple[PredecessorProvince, Setup]]:
    """Each predecessor with a Setup of its folder: its own province.yaml (its old units), the new province's
    catalogue, wording and checks."""
    block = setup.province.predecessors
    out = []
    for old in block.provinces if block else ():
        folder = setup.folder(old.folder)
        province = load_province(folder / "province.yaml", setup.catalogue)
        out.append(
            (old, Setup(folder, setup.templates, setup.catalogue, province, setup.phrases, (), setup.rules))
        )
    return out


def history_for(setup: Setup, olds: list[tuple[PredecessorProvince, Setup]]) -> History:
    """The history of the province: its crosswalk file read, its predecessors' units matched to it."""
    block = setup.province.predecessors
    assert block is not None
    rows = read_crosswalk(setup.folder(block.crosswalk))
    named = [(old.name, old.kind, s.province) for old, s in olds]
    return history_of(setup.province, named, rows, block.last)


def crosswalk_checks(setup: Setup, history: History) -> list[Submission]:
    """The history's findings as one pseudo-submission of the crosswalk file (no unit), so that the XLSX's
    Kiểm tra sheet lists them like a unit's file's."""
    if not history.findings:
        return []
    block = setup.province.predecessors
    assert block is not None
    path = setup.folder(block.crosswalk)
    said = (
        setup.phrases.say(f"history.finding.{finding.kind}", subject=finding.subject)
        for finding in history.findings
    )
    findings = tuple(Finding("warning", Location(path.name), message) for message in said)
    return [Submission(path=path, unit=None, period=None, findings=findings)]


def past_for(setup: Setup, period: Period, cache: Path | None = None) -> Past | None:
    """The predecessors' part of the report on ``period`` (None for a province without predecessors): their
    submissions of the quarters it needs up to the last one they reported, carried to the new units."""
    if setup.province.predecessors is None:
        return None
    olds = old_setups(setup)
    history = history_for(setup, olds)
    quarters = tuple(q for q in quarters_needed(period) if history.before_change(q))
    records, checked = {}, []
    shown = {q.code for q in period.quarters}
    for old, old_setup in olds:
        own_cache = cache / "predecessors" / old_setup.slug if cache is not None else None
        intake = read_quarters(old_setup, quarters, own_cache)
        records[old.name] = usable_records(old_setup.inputs, intake, review_flags(old_setup.inputs, intake))
        checked += [s for s in intake.submissions if s.findings and s.period in shown]
    # What the old units lack is said of the quarters the text's figures are made of, not the trend's.
    said = {*period.year_to_date.quarters, *period.same_period_last_year.year_to_date.quarters}
    carried = carried_records(history, records, sorted(said))
    people = carried_populations(history, {old.name: s.province for old, s in olds})
    province = with_populations(setup.province, people)
    return Past(carried, province, (*checked, *crosswalk_checks(setup, history)))


def reported_by_the_new_units(setup: Setup, period: Period) -> None:
    """Refuse a period a 2025 province did not report: one that ended while its predecessors reported."""
    predecessors = setup.province.predecessors
    if predecessors is not None and period.end_quarter <= predecessors.last:
        old = " và ".join(f"{p.kind} {p.name}" for p in predecessors.provinces)
        raise ConfigError(
            f"{period.label} là kỳ báo cáo của {old} (cũ), trước khi {setup.province.name} báo cáo theo đơn vị "
            f"mới (từ sau {predecessors.last.label}); lập báo cáo kỳ này từ thư mục của tỉnh cũ",
            setup.inputs / "province.yaml",
        )
