"""Pure aggregation: quarterly records -> figures per unit and for the province, for any period.

Rules by indicator kind (templates/indicators.yaml):
    flow     sum of the period's quarters (a unit missing a quarter has no value for the period)
    stock    the value at the period's last quarter
    sum      the sum of its parts, per unit and quarter, then aggregated like its parts
    ratio    sum of numerators / sum of denominators x scale (never an average of rates)
    density  stock / population x 100 (population of the units that reported)
Growth against the same period last year compares the same units (like for like).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from baocao.catalogue import Catalogue, Indicator, Province
from baocao.periods import Period

FIGURE_COLUMNS = [
    "unit",
    "indicator",
    "value",
    "is_estimate",
    "units_reported",
    "value_ly",
    "yoy_pct",
    "change",
    "ytd_value",
    "ytd_is_estimate",
    "plan",
    "plan_pct",
]


def with_sums(records: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """Records plus the computed 'sum' indicators, per unit and quarter (all parts must be present)."""
    frames = [records]
    for ind in catalogue.indicators:
        if ind.kind != "sum":
            continue
        parts = records[records["indicator"].isin(ind.parts)]
        grouped = parts.groupby(["unit", "period"], observed=True).agg(
            value=("value", "sum"), is_estimate=("is_estimate", "any"), n=("indicator", "nunique")
        )
        grouped = grouped[grouped["n"] == len(ind.parts)].reset_index().drop(columns="n")
        grouped["indicator"] = ind.code
        frames.append(grouped[records.columns])
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else records


def unit_period_values(
    quarterly: pd.DataFrame, catalogue: Catalogue, period: Period, units: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Wide tables (units x additive indicators) of a period's values and estimate flags."""
    codes = [i.code for i in catalogue.indicators if i.kind in ("flow", "stock", "sum")]
    flow_codes = {c for c in codes if catalogue.time_rule(c) == "flow"}
    quarters = [q.code for q in period.quarters]
    rows = quarterly[quarterly["period"].isin(quarters) & quarterly["indicator"].isin(codes)]
    is_flow = rows["indicator"].isin(flow_codes)
    flows = (
        rows[is_flow]
        .groupby(["unit", "indicator"], observed=True)
        .agg(value=("value", "sum"), is_estimate=("is_estimate", "any"), n=("period", "nunique"))
    )
    flows = flows[flows["n"] == len(quarters)].drop(columns="n")
    stocks = rows[~is_flow & (rows["period"] == period.end_quarter.code)].set_index(["unit", "indicator"])
    both = pd.concat([flows, stocks[["value", "is_estimate"]]])
    values = both["value"].unstack("indicator").reindex(index=list(units), columns=codes)
    estimates = both["is_estimate"].unstack("indicator").reindex(index=list(units), columns=codes)
    return values.astype("float64"), estimates.eq(True)


def populations(province: Province, year: int) -> pd.Series:
    """Population per unit for a year (the latest earlier year where the year itself is not given)."""
    return pd.Series(
        {u.code: float(u.population_in(year) or np.nan) for u in province.units}, dtype="float64"
    )


def indicator_values(ind: Indicator, values: pd.DataFrame, population: pd.Series) -> pd.Series:
    """Per-unit values of any indicator, derived ones computed from the additive table."""
    if ind.kind == "ratio":
        den = values[ind.denominator].where(values[ind.denominator] > 0)
        return values[ind.numerator] / den * ind.scale
    if ind.kind == "density":
        pop = population.reindex(values.index)
        return values[ind.base] / pop.where(pop > 0) * 100
    return values[ind.code]


def indicator_estimates(ind: Indicator, estimates: pd.DataFrame) -> pd.Series:
    """Per-unit estimate flags of any indicator: estimated if any input is."""
    codes = list(ind.inputs) if ind.kind in ("ratio", "density") else [ind.code]
    return estimates[codes].any(axis=1)


def province_value(
    ind: Indicator, values: pd.DataFrame, population: pd.Series, units: Sequence[str]
) -> float:
    """The province figure of an indicator over the given units (ratio of sums for rates)."""
    if not len(units):
        return float("nan")
    sub = values.loc[list(units)]
    if ind.kind == "ratio":
        den = sub[ind.denominator].sum()
        return float(sub[ind.numerator].sum() / den * ind.scale) if den > 0 else float("nan")
    if ind.kind == "density":
        pop = population.reindex(sub.index).sum()
        return float(sub[ind.base].sum() / pop * 100) if pop > 0 else float("nan")
    return float(sub[ind.code].sum())


def _contributors(series: pd.Series) -> list[str]:
    return [str(u) for u in series.index[series.notna()]]


def period_table(
    quarterly: pd.DataFrame,
    catalogue: Catalogue,
    province: Province,
    period: Period,
    codes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Long table of one period: value, estimate flag and contributors per unit and for the province."""
    values, estimates = unit_period_values(quarterly, catalogue, period, province.unit_codes)
    population = populations(province, period.year).reindex(values.index)
    wanted = list(catalogue.indicators) if codes is None else [catalogue.get(c) for c in codes]
    order = [ind.code for ind in wanted]
    additive = [ind.code for ind in wanted if ind.kind not in ("ratio", "density")]
    derived = [ind for ind in wanted if ind.kind in ("ratio", "density")]
    # Additive indicators in one go; the few derived ones column by column.
    per_unit = pd.concat(
        [values[additive], pd.DataFrame({i.code: indicator_values(i, values, population) for i in derived})],
        axis=1,
    )[order]
    reported = per_unit.notna()
    flags = (
        pd.concat(
            [estimates[additive], pd.DataFrame({i.code: indicator_estimates(i, estimates) for i in derived})],
            axis=1,
        )[order].astype(bool)
        & reported
    )
    totals = per_unit[additive].sum(min_count=1)
    for ind in derived:
        totals[ind.code] = province_value(ind, values, population, _contributors(per_unit[ind.code]))
    province_values = totals.reindex(order).to_numpy(dtype="float64")
    # Units first, then the province, indicator by indicator (the order readers expect).
    table = np.vstack([per_unit.to_numpy(dtype="float64"), np.array([province_values], dtype="float64")])
    est = np.vstack([flags.to_numpy(dtype=bool), flags.any().to_numpy(dtype=bool)[None, :]])
    counts = np.vstack([reported.to_numpy(dtype=int), reported.sum().to_numpy(dtype=int)[None, :]])
    rows = [*province.unit_codes, province.code]
    return pd.DataFrame(
        {
            "unit": np.tile(rows, len(wanted)),
            "indicator": np.repeat([ind.code for ind in wanted], len(rows)),
            "value": table.T.ravel(),
            "is_estimate": est.T.ravel(),
            "units_reported": counts.T.ravel(),
        }
    )


def report_figures(
    quarterly: pd.DataFrame, catalogue: Catalogue, province: Province, period: Period
) -> pd.DataFrame:
    """Everything a report says about a period: values, last year's, growth, year to date, plan progress."""
    quarterly = with_sums(quarterly, catalogue)
    current = period_table(quarterly, catalogue, province, period)
    last = period_table(quarterly, catalogue, province, period.same_period_last_year)
    ytd_period = period.year_to_date
    ytd = current if ytd_period == period else period_table(quarterly, catalogue, province, ytd_period)
    figures = current.merge(
        last[["unit", "indicator", "value"]].rename(columns={"value": "value_ly"}),
        on=["unit", "indicator"],
        how="left",
    )
    figures = figures.merge(
        ytd[["unit", "indicator", "value", "is_estimate"]].rename(
            columns={"value": "ytd_value", "is_estimate": "ytd_is_estimate"}
        ),
        on=["unit", "indicator"],
        how="left",
    )
    figures["yoy_pct"] = (figures["value"] / figures["value_ly"].where(figures["value_ly"] > 0) - 1) * 100
    figures["change"] = figures["value"] - figures["value_ly"]
    _like_for_like(figures, quarterly, catalogue, province, period)
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


def _like_for_like(
    figures: pd.DataFrame, quarterly: pd.DataFrame, catalogue: Catalogue, province: Province, period: Period
) -> None:
    """Replace the province's growth by one over the units present in both years, where they differ."""
    now_values, _ = unit_period_values(quarterly, catalogue, period, province.unit_codes)
    ly_period = period.same_period_last_year
    ly_values, _ = unit_period_values(quarterly, catalogue, ly_period, province.unit_codes)
    pop_now, pop_ly = populations(province, period.year), populations(province, ly_period.year)
    for ind in catalogue.indicators:
        now = set(_contributors(indicator_values(ind, now_values, pop_now)))
        before = set(_contributors(indicator_values(ind, ly_values, pop_ly)))
        if now == before:
            continue
        common = sorted(now & before)
        mask = (figures["unit"] == province.code) & (figures["indicator"] == ind.code)
        if not common:
            figures.loc[mask, ["yoy_pct", "change"]] = np.nan
            continue
        a = province_value(ind, now_values, pop_now, common)
        b = province_value(ind, ly_values, pop_ly, common)
        figures.loc[mask, "yoy_pct"] = (a / b - 1) * 100 if b > 0 else np.nan
        figures.loc[mask, "change"] = a - b


def quarterly_series(
    quarterly: pd.DataFrame,
    catalogue: Catalogue,
    province: Province,
    quarters: Sequence[Period],
    codes: Sequence[str],
) -> pd.DataFrame:
    """Province values of some indicators over a run of quarters (for trend charts): quarters x codes."""
    quarterly = with_sums(quarterly, catalogue)
    data = {}
    for quarter in quarters:
        table = period_table(quarterly, catalogue, province, quarter, codes)
        prov = table[(table["unit"] == province.code) & table["indicator"].isin(codes)]
        data[quarter.code] = prov.set_index("indicator")["value"].where(
            prov.set_index("indicator")["units_reported"] > 0
        )
    return pd.DataFrame(data).T.reindex(columns=list(codes))
