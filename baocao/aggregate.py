"""Pure aggregation: quarterly records -> figures per unit and for the province, for any period.

Rules by indicator kind (templates/indicators.yaml):
    flow     sum of the quarters the unit sent (marked incomplete when one is missing)
    stock    the value at the period's last quarter
    sum      the sum of the parts present, per unit and quarter (incomplete when a part is missing), then
             aggregated like its parts
    ratio    sum of numerators / sum of denominators x scale over the same units and quarters (never an
             average of rates)
    density  stock / population x 100 (population of the units whose stock is counted)
The province figure is the sum of what was received. Growth against the same period last year compares only
the units complete in both periods (like for like): ``base_value`` and ``value_ly`` are that base's figures.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from functools import reduce

import numpy as np
import pandas as pd

from baocao.catalogue import Catalogue, Indicator
from baocao.cube import Cube, cube_of, paired_inputs, unit_period_values
from baocao.figure import FIGURE_FIELDS
from baocao.periods import Period
from baocao.province import Province

# The DataFrame's columns are the Figure's fields, in order: the figures hash depends on both.
FIGURE_COLUMNS = list(FIGURE_FIELDS)


def with_sums(records: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """Records plus the computed 'sum' indicators per unit and quarter: the sum of the parts present, with
    ``complete`` false where a part is missing or incomplete."""
    records = records if "complete" in records else records.assign(complete=True)
    frames = [records]
    for ind in catalogue.indicators:
        if ind.kind != "sum":
            continue
        parts = records[records["indicator"].isin(ind.parts)]
        grouped = (
            parts.groupby(["unit", "period"], observed=True)
            .agg(
                value=("value", "sum"),
                is_estimate=("is_estimate", "any"),
                n=("indicator", "nunique"),
                parts_complete=("complete", "all"),
            )
            .reset_index()
        )
        # Complete where every part is there and complete itself (a carried part may lack an old unit).
        grouped["complete"] = (grouped["n"] == len(ind.parts)) & grouped["parts_complete"]
        grouped["indicator"] = ind.code
        frames.append(grouped[records.columns])
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else records


def populations(province: Province, year: int) -> pd.Series:
    """Population per unit for a year (the latest earlier year where the year itself is not given)."""
    return pd.Series(
        {u.code: float(u.population_in(year) or np.nan) for u in province.units}, dtype="float64"
    )


def indicator_values(
    ind: Indicator, values: pd.DataFrame, population: pd.Series, pairs: pd.DataFrame | None = None
) -> pd.Series:
    """Per-unit values of any indicator, derived ones computed from the additive table (or the ratio's
    paired inputs)."""
    if ind.kind == "ratio":
        if pairs is None:
            num, den = values[ind.numerator], values[ind.denominator]
        else:
            num, den = pairs["num"], pairs["den"]
        return num / den.where(den > 0) * ind.scale
    if ind.kind == "density":
        pop = population.reindex(values.index)
        return values[ind.base] / pop.where(pop > 0) * 100
    return values[ind.code]


def indicator_estimates(ind: Indicator, estimates: pd.DataFrame) -> pd.Series:
    """Per-unit estimate flags of any indicator: estimated if any input is."""
    codes = list(ind.inputs) if ind.kind in ("ratio", "density") else [ind.code]
    return reduce(operator.or_, (estimates[c] for c in codes))


def indicator_complete(ind: Indicator, complete: pd.DataFrame, pairs: pd.DataFrame | None) -> pd.Series:
    """Per-unit completeness of any indicator: every quarter (and part) of every input present."""
    if ind.kind == "ratio" and pairs is not None:
        return pairs["complete"].reindex(complete.index).eq(True)
    codes = list(ind.inputs) if ind.kind in ("ratio", "density") else [ind.code]
    return reduce(operator.and_, (complete[c] for c in codes))


def province_value(
    ind: Indicator,
    values: pd.DataFrame,
    population: pd.Series,
    units: Sequence[str],
    pairs: pd.DataFrame | None = None,
) -> float:
    """The province figure of an indicator over the given units (ratio of sums for rates)."""
    if not len(units):
        return float("nan")
    inside = values.index.isin(list(units))  # a mask, not .loc: the same rows, without a lookup each time
    if ind.kind == "ratio":
        num, den = (
            (values[ind.numerator], values[ind.denominator])
            if pairs is None
            else (pairs["num"].reindex(values.index), pairs["den"].reindex(values.index))
        )
        total = den[inside].sum()
        return float(num[inside].sum() / total * ind.scale) if total > 0 else float("nan")
    if ind.kind == "density":
        pop = population.reindex(values.index)[inside].sum()
        return float(values[ind.base][inside].sum() / pop * 100) if pop > 0 else float("nan")
    return float(values[ind.code][inside].sum())


def _contributors(series: pd.Series) -> list[str]:
    return [str(u) for u in series.index[series.notna()]]


class PeriodValues:
    """One period's per-unit tables, read from the cube: additive values, estimates, completeness, ratios'
    paired inputs; of every indicator, or of those in ``wanted`` (and what they are computed from)."""

    def __init__(
        self,
        cube: Cube,
        catalogue: Catalogue,
        province: Province,
        period: Period,
        wanted: Sequence[Indicator] | None = None,
    ) -> None:
        needed = None if wanted is None else {c for i in wanted for c in (i.code, *i.inputs)}
        self.values, self.estimates, self.complete = unit_period_values(cube, catalogue, period, needed)
        self.population = populations(province, period.year).reindex(self.values.index)
        self.pairs = {
            i.code: paired_inputs(cube, catalogue, i, period)
            for i in (catalogue.indicators if wanted is None else wanted)
            if i.kind == "ratio"
        }
        self._values: dict[str, pd.Series] = {}
        self._complete: dict[str, pd.Series] = {}

    def unit_values(self, ind: Indicator) -> pd.Series:
        """Per-unit values of an indicator."""
        if ind.code not in self._values:
            self._values[ind.code] = indicator_values(
                ind, self.values, self.population, self.pairs.get(ind.code)
            )
        return self._values[ind.code]

    def unit_complete(self, ind: Indicator) -> pd.Series:
        """Per-unit completeness of an indicator (false where there is no value at all)."""
        if ind.code not in self._complete:
            done = indicator_complete(ind, self.complete, self.pairs.get(ind.code))
            self._complete[ind.code] = done & self.unit_values(ind).notna()
        return self._complete[ind.code]

    def total(self, ind: Indicator, units: Sequence[str]) -> float:
        """The province figure of an indicator over ``units``."""
        return province_value(ind, self.values, self.population, units, self.pairs.get(ind.code))


def period_table(
    quarterly: pd.DataFrame,
    catalogue: Catalogue,
    province: Province,
    period: Period,
    codes: Sequence[str] | None = None,
    tables: PeriodValues | None = None,
) -> pd.DataFrame:
    """Long table of one period: value, estimate flag, completeness and contributors per unit and for the
    province (the sum of what was received)."""
    wanted = list(catalogue.indicators) if codes is None else [catalogue.get(c) for c in codes]
    t = tables or PeriodValues(cube_of(quarterly, catalogue, province), catalogue, province, period, wanted)
    per_unit = pd.DataFrame({i.code: t.unit_values(i) for i in wanted}, index=t.values.index)
    reported = per_unit.notna()
    flags = (
        pd.DataFrame({i.code: indicator_estimates(i, t.estimates) for i in wanted}).astype(bool) & reported
    )
    complete = pd.DataFrame({i.code: t.unit_complete(i) for i in wanted}).astype(bool)
    totals = [t.total(i, _contributors(per_unit[i.code])) for i in wanted]
    # Units first, then the province, indicator by indicator (the order readers expect).
    rows = [*province.unit_codes, province.code]
    table = np.vstack([per_unit.to_numpy(dtype="float64"), np.array([totals], dtype="float64")])
    est = np.vstack([flags.to_numpy(dtype=bool), flags.any().to_numpy(dtype=bool)[None, :]])
    done = np.vstack([complete.to_numpy(dtype=bool), complete.all().to_numpy(dtype=bool)[None, :]])
    counts = np.vstack([reported.to_numpy(dtype=int), reported.sum().to_numpy(dtype=int)[None, :]])
    return pd.DataFrame(
        {
            "unit": np.tile(rows, len(wanted)),
            "indicator": np.repeat([ind.code for ind in wanted], len(rows)),
            "value": table.T.ravel(),
            "is_estimate": est.T.ravel(),
            "complete": done.T.ravel(),
            "units_reported": counts.T.ravel(),
        }
    )


def comparison(
    now: PeriodValues, before: PeriodValues, catalogue: Catalogue, province: Province
) -> pd.DataFrame:
    """Like-for-like growth: per unit and for the province, this year's and last year's figures over the units
    complete in both periods, and how many units that base holds."""
    rows = []
    for ind in catalogue.indicators:
        ok_now, ok_before = now.unit_complete(ind), before.unit_complete(ind)
        unit_now, unit_before = now.unit_values(ind), before.unit_values(ind)
        base = [u for u in province.unit_codes if ok_now.get(u, False) and ok_before.get(u, False)]
        for unit in province.unit_codes:
            inside = unit in base
            rows.append(
                (
                    unit,
                    ind.code,
                    float(unit_now[unit]) if inside else np.nan,
                    float(unit_before[unit]) if inside else np.nan,
                    int(inside),
                )
            )
        rows.append((province.code, ind.code, now.total(ind, base), before.total(ind, base), len(base)))
    return pd.DataFrame(rows, columns=["unit", "indicator", "base_value", "value_ly", "base_units"])


def report_figures(
    quarterly: pd.DataFrame, catalogue: Catalogue, province: Province, period: Period
) -> pd.DataFrame:
    """Everything a report says about a period: values, last year's, growth, year to date, plan progress."""
    quarterly = with_sums(quarterly, catalogue)
    cube = cube_of(quarterly, catalogue, province)
    now = PeriodValues(cube, catalogue, province, period)
    before = PeriodValues(cube, catalogue, province, period.same_period_last_year)
    current = period_table(quarterly, catalogue, province, period, tables=now)
    ytd_period = period.year_to_date
    ytd = (
        current
        if ytd_period == period
        else period_table(
            quarterly,
            catalogue,
            province,
            ytd_period,
            tables=PeriodValues(cube, catalogue, province, ytd_period),
        )
    )
    figures = current.merge(
        comparison(now, before, catalogue, province), on=["unit", "indicator"], how="left"
    )
    figures = figures.merge(
        ytd[["unit", "indicator", "value", "is_estimate", "complete"]].rename(
            columns={"value": "ytd_value", "is_estimate": "ytd_is_estimate", "complete": "ytd_complete"}
        ),
        on=["unit", "indicator"],
        how="left",
    )
    figures["yoy_pct"] = (
        figures["base_value"] / figures["value_ly"].where(figures["value_ly"] > 0) - 1
    ) * 100
    figures["change"] = figures["base_value"] - figures["value_ly"]
    figures["plan"] = [
        _plan(catalogue.get(ind), province, period.year, unit)
        for unit, ind in zip(figures["unit"], figures["indicator"], strict=True)
    ]
    progress = np.where(
        [catalogue.time_rule(c) == "flow" for c in figures["indicator"]],
        figures["ytd_value"],
        figures["value"],
    )
    figures["plan_pct"] = progress / figures["plan"].where(figures["plan"] > 0) * 100
    return figures[FIGURE_COLUMNS]


def _plan(ind: Indicator, province: Province, year: int, unit: str) -> float:
    if not ind.plan:
        return np.nan
    target = province.plan_for(ind.code, year, None if unit == province.code else unit)
    return np.nan if target is None else target


def quarterly_series(
    quarterly: pd.DataFrame,
    catalogue: Catalogue,
    province: Province,
    quarters: Sequence[Period],
    codes: Sequence[str],
) -> pd.DataFrame:
    """Province values of some indicators over a run of quarters (for trend charts): quarters x codes."""
    quarterly = with_sums(quarterly, catalogue)
    cube = cube_of(quarterly, catalogue, province)
    wanted = [catalogue.get(c) for c in codes]
    data = {}
    for quarter in quarters:
        tables = PeriodValues(cube, catalogue, province, quarter, wanted)
        table = period_table(quarterly, catalogue, province, quarter, codes, tables)
        prov = table[(table["unit"] == province.code) & table["indicator"].isin(codes)]
        data[quarter.code] = prov.set_index("indicator")["value"].where(
            prov.set_index("indicator")["units_reported"] > 0
        )
    return pd.DataFrame(data).T.reindex(columns=list(codes))
