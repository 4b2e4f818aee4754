"""Pure: what a period's figures do not cover. Each submitted figure a period needs (a flow's every quarter, a
stock's last quarter) that is not among the records used is a gap: never sent, held for review, or rejected
by staff. The narrative says them in so many words ("chưa bao gồm số liệu quý I/2024 của huyện Nậm Pồ").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from baocao.catalogue import Catalogue, Indicator
from baocao.periods import Period
from baocao.province import Province

GapReason = Literal["missing", "held", "rejected"]
Key = tuple[str, str, str]  # (unit, quarter, indicator)


@dataclass(frozen=True)
class Gap:
    """One submitted figure a period needs and the report does not use."""

    unit: str
    quarter: str
    indicator: str
    reason: GapReason


@dataclass(frozen=True)
class UnitGap:
    """What one unit's figure of one indicator lacks over a period: quarters, or a part of a sum."""

    unit: str
    reason: GapReason
    quarters: tuple[str, ...]
    part: str | None = None


def needed_quarters(catalogue: Catalogue, code: str, period: Period) -> tuple[Period, ...]:
    """The quarters of a submitted indicator a period's figure is made of."""
    return period.quarters if catalogue.time_rule(code) == "flow" else (period.end_quarter,)


def period_gaps(
    records: pd.DataFrame,
    catalogue: Catalogue,
    province: Province,
    period: Period,
    reasons: Mapping[Key, GapReason] | None = None,
) -> tuple[Gap, ...]:
    """Every (unit, quarter, submitted indicator) the period needs that ``records`` lacks, with why."""
    present = set(
        zip(
            records["unit"].astype(str),
            records["period"].astype(str),
            records["indicator"].astype(str),
            strict=True,
        )
    )
    reasons = reasons or {}
    gaps = []
    for ind in catalogue.submitted:
        for quarter in needed_quarters(catalogue, ind.code, period):
            for unit in province.unit_codes:
                key = (unit, quarter.code, ind.code)
                if key not in present:
                    gaps.append(Gap(unit, quarter.code, ind.code, reasons.get(key, "missing")))
    return tuple(gaps)


def raw_inputs(catalogue: Catalogue, ind: Indicator) -> tuple[str, ...]:
    """The submitted indicators a figure is made of (a sum's parts, a ratio's terms, a density's stock)."""
    if ind.submitted:
        return (ind.code,)
    out: list[str] = []
    for code in ind.inputs:
        out.extend(raw_inputs(catalogue, catalogue.get(code)))
    return tuple(dict.fromkeys(out))


def indicator_gaps(
    gaps: Sequence[Gap], catalogue: Catalogue, province: Province, ind: Indicator, period: Period
) -> list[UnitGap]:
    """Per unit, what an indicator's figure over ``period`` lacks, in unit order: quarters missing, held or
    rejected, or (for a sum) a part missing while other parts are there."""
    codes = raw_inputs(catalogue, ind)
    wanted = {q.code for c in codes for q in needed_quarters(catalogue, c, period)}
    by_unit: dict[str, list[Gap]] = {}
    for gap in gaps:
        if gap.indicator in codes and gap.quarter in wanted:
            by_unit.setdefault(gap.unit, []).append(gap)
    out: list[UnitGap] = []
    for unit in province.unit_codes:
        found = by_unit.get(unit, [])
        if not found:
            continue
        for reason in ("held", "rejected"):
            quarters = sorted({g.quarter for g in found if g.reason == reason})
            if quarters:
                out.append(UnitGap(unit, reason, tuple(quarters)))
        missing = [g for g in found if g.reason == "missing"]
        keys = _keys(missing)
        whole = sorted({g.quarter for g in missing if all((unit, g.quarter, c) in keys for c in codes)})
        if whole:
            out.append(UnitGap(unit, "missing", tuple(whole)))
        if ind.kind == "sum":
            for code in codes:
                quarters = sorted({g.quarter for g in missing if g.indicator == code} - set(whole))
                if quarters:
                    out.append(UnitGap(unit, "missing", tuple(quarters), part=code))
        else:
            # A ratio missing one term in a quarter leaves that quarter out of both terms.
            rest = sorted({g.quarter for g in missing} - set(whole))
            if rest:
                out.append(UnitGap(unit, "missing", tuple(rest)))
    return out


def _keys(gaps: Sequence[Gap]) -> set[Key]:
    return {(g.unit, g.quarter, g.indicator) for g in gaps}
