"""Pure: one figure row (a unit or the province, one indicator, one period) as a typed value, made once from
the aggregation's DataFrame for the narrative, the context and the run's summary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import pandas as pd


@dataclass(frozen=True, slots=True)
class Figure:
    """What a report says about one indicator of one unit (or the province) over the period; None where the
    DataFrame holds NaN (no value, no plan, no comparable last year)."""

    unit: str
    indicator: str
    value: float | None = None
    is_estimate: bool = False
    complete: bool = False  # every unit and quarter of the period is in ``value``
    units_reported: int = 0
    value_ly: float | None = None  # last year's, over the comparison's base of units
    base_value: float | None = None  # this year's, over the same base
    base_units: int = 0
    yoy_pct: float | None = None
    change: float | None = None  # base_value - value_ly (rates: in points)
    ytd_value: float | None = None
    ytd_is_estimate: bool = False
    ytd_complete: bool = False
    plan: float | None = None
    plan_pct: float | None = None  # progress (year to date for flows) against the year's plan


FigureRows = Mapping[tuple[str, str], Figure]
FIGURE_FIELDS = tuple(f.name for f in fields(Figure))


def _real(value: Any) -> float | None:
    return None if value is None else float(value)


def _figure(row: Mapping[str, Any]) -> Figure:
    """A Figure from one DataFrame record whose NaN are already None."""
    is_estimate = bool(row["is_estimate"])
    # A year to date that did not merge (None) reads as the period's own flags, as the sentences always did.
    ytd_is_estimate = row["ytd_is_estimate"]
    ytd_complete = row["ytd_complete"]
    return Figure(
        unit=str(row["unit"]),
        indicator=str(row["indicator"]),
        value=_real(row["value"]),
        is_estimate=is_estimate,
        complete=bool(row["complete"]),
        units_reported=int(row["units_reported"] or 0),
        value_ly=_real(row["value_ly"]),
        base_value=_real(row["base_value"]),
        base_units=int(row["base_units"] or 0),
        yoy_pct=_real(row["yoy_pct"]),
        change=_real(row["change"]),
        ytd_value=_real(row["ytd_value"]),
        ytd_is_estimate=is_estimate if ytd_is_estimate is None else bool(ytd_is_estimate),
        ytd_complete=True if ytd_complete is None else bool(ytd_complete),
        plan=_real(row["plan"]),
        plan_pct=_real(row["plan_pct"]),
    )


def _none_if_missing(value: Any) -> Any:
    """None for a DataFrame's missing value (None, NaN, pd.NA, NaT), else the value."""
    return None if value is None or value is pd.NA or value is pd.NaT or value != value else value


def figure_rows(figures: pd.DataFrame) -> dict[tuple[str, str], Figure]:
    """The aggregation's figure rows keyed by (unit, indicator), NaN turned into None."""
    # Column lists, not DataFrame records: a province of 168 communes has 8,450 rows, read twice per report.
    names = [str(name) for name in figures.columns]
    columns = [[_none_if_missing(v) for v in figures[name].tolist()] for name in figures.columns]
    records = (dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True))
    return {(str(r["unit"]), str(r["indicator"])): _figure(r) for r in records}


def absent(unit: str, indicator: str) -> Figure:
    """The row of a figure the aggregation has not got: no value, nothing to compare."""
    return Figure(unit, indicator)
