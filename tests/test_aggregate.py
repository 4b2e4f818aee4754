"""Tests of baocao.aggregate: hand-worked examples of every aggregation rule, then properties.

The catalogue and province are built here (not read from templates/) so every number can be worked out
by hand.
Records are long: one row per (unit, quarter, indicator), as ``baocao.intake.records_frame`` builds them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from baocao.aggregate import FIGURE_COLUMNS, period_table, quarterly_series, report_figures, with_sums
from baocao.catalogue import Catalogue
from baocao.periods import Period
from baocao.province import Province

RECORD_COLUMNS = ["unit", "period", "indicator", "value", "is_estimate"]
YEARS = (2023, 2024)
QUARTERS = [(y, q) for y in YEARS for q in range(1, 5)]

CATALOGUE_DATA: dict[str, Any] = {
    "fields": [
        {"code": "BC", "name": "Bưu chính"},
        {"code": "VT", "name": "Viễn thông"},
    ],
    "indicators": [
        {
            "code": "REV",
            "field": "BC",
            "kind": "flow",
            "unit": "tỷ đồng",
            "decimals": 2,
            "plan": True,
            "name": "Doanh thu bưu chính",
        },
        {
            "code": "REV2",
            "field": "BC",
            "kind": "flow",
            "unit": "tỷ đồng",
            "decimals": 2,
            "name": "Doanh thu chuyển phát",
        },
        {
            "code": "TOT",
            "field": "BC",
            "kind": "sum",
            "parts": ["REV", "REV2"],
            "unit": "tỷ đồng",
            "decimals": 2,
            "name": "Tổng doanh thu",
        },
        {
            "code": "SUB",
            "field": "VT",
            "kind": "stock",
            "unit": "thuê bao",
            "plan": True,
            "name": "Thuê bao điện thoại",
        },
        {
            "code": "DEN",
            "field": "VT",
            "kind": "density",
            "base": "SUB",
            "unit": "thuê bao/100 dân",
            "decimals": 1,
            "name": "Mật độ thuê bao điện thoại",
        },
        {"code": "COV", "field": "VT", "kind": "stock", "unit": "thôn", "name": "Số thôn có sóng di động"},
        {"code": "VIL", "field": "VT", "kind": "stock", "unit": "thôn", "name": "Tổng số thôn"},
        {
            "code": "PCT",
            "field": "VT",
            "kind": "ratio",
            "numerator": "COV",
            "denominator": "VIL",
            "scale": 100,
            "unit": "%",
            "decimals": 1,
            "name": "Tỷ lệ thôn có sóng di động",
        },
    ],
}
ALL_CODES = [i["code"] for i in CATALOGUE_DATA["indicators"]]

# Population per unit: 2024 sums to 34,000.
POPULATION = {"A": {2023: 19000, 2024: 20000}, "B": {2023: 9800, 2024: 10000}, "C": {2023: 3900, 2024: 4000}}


def province_data(units: Iterable[tuple[str, str, dict[int, int]]]) -> dict[str, Any]:
    """A province configuration with the given (code, kind, population) units."""
    return {
        "code": "P",
        "name": "Tỉnh Thử",
        "parent_body": "Ủy ban nhân dân tỉnh Thử",
        "agency": {"name": "Sở Khoa học và Công nghệ", "abbreviation": "SKHCN"},
        "place": "Thử",
        "units": [
            {
                "code": code,
                "name": f"Đơn vị {code}",
                "kind": kind,
                "population": population,
                "plans": {2024: {"REV": 40}} if code == "A" else {},
            }
            for code, kind, population in units
        ],
        "plans": {2024: {"REV": 100, "SUB": 2000}},
        "signer": {"name": "X"},
    }


# Submitted values per indicator, unit and year, quarters I..IV (hand-worked tests refer to these).
BASE: dict[str, dict[str, dict[int, list[float]]]] = {
    "REV": {
        "A": {2023: [8, 10, 12, 14], 2024: [10, 12, 14, 16]},
        "B": {2023: [4, 5, 6, 7], 2024: [5, 6, 7, 8]},
        "C": {2023: [1, 1, 2, 2], 2024: [1, 2, 3, 4]},
    },
    "REV2": {
        "A": {2023: [1, 1, 1, 1], 2024: [1, 1, 1, 1]},
        "B": {2023: [1, 1, 1, 1], 2024: [2, 2, 2, 2]},
        "C": {2023: [1, 1, 1, 1], 2024: [3, 3, 3, 3]},
    },
    "SUB": {
        "A": {2023: [900, 950, 980, 1000], 2024: [1000, 1100, 1150, 1200]},
        "B": {2023: [450, 460, 470, 480], 2024: [500, 520, 540, 560]},
        "C": {2023: [90, 95, 98, 100], 2024: [100, 110, 120, 130]},
    },
    "COV": {
        "A": {2023: [80] * 4, 2024: [90] * 4},
        "B": {2023: [5] * 4, 2024: [10] * 4},
        "C": {2023: [5] * 4, 2024: [5] * 4},
    },
    "VIL": {
        "A": {2023: [100] * 4, 2024: [100] * 4},
        "B": {2023: [50] * 4, 2024: [50] * 4},
        "C": {2023: [10] * 4, 2024: [10] * 4},
    },
}


def frame(rows: Iterable[tuple[str, str, str, float, bool]]) -> pd.DataFrame:
    """Records with the dtypes intake gives them."""
    dtypes = {
        "unit": "string",
        "period": "string",
        "indicator": "string",
        "value": "float64",
        "is_estimate": "bool",
    }
    return pd.DataFrame(list(rows), columns=RECORD_COLUMNS).astype(dtypes)


def records_from(data: dict[str, dict[str, dict[tuple[int, int], float]]]) -> pd.DataFrame:
    """Records from values keyed by indicator, unit and (year, quarter); none is an estimate."""
    return frame(
        (unit, f"{y}-Q{q}", code, float(value), False)
        for code, per_unit in data.items()
        for unit, per_quarter in per_unit.items()
        for (y, q), value in per_quarter.items()
    )


def without(records: pd.DataFrame, unit: str, period: str, indicator: str) -> pd.DataFrame:
    """The records less one (unit, quarter, indicator)."""
    drop = (records["unit"] == unit) & (records["period"] == period) & (records["indicator"] == indicator)
    assert drop.sum() == 1
    return records[~drop].reset_index(drop=True)


def estimated(records: pd.DataFrame, unit: str, period: str, indicator: str) -> pd.DataFrame:
    """The records with one (unit, quarter, indicator) marked as an estimate."""
    out = records.copy()
    hit = (out["unit"] == unit) & (out["period"] == period) & (out["indicator"] == indicator)
    assert hit.sum() == 1
    out.loc[hit, "is_estimate"] = True
    return out


def fig(figures: pd.DataFrame, unit: str, indicator: str) -> pd.Series:
    """The one row of a unit (or the province, 'P') and an indicator."""
    row = figures[(figures["unit"] == unit) & (figures["indicator"] == indicator)]
    assert len(row) == 1, (unit, indicator)
    return row.iloc[0]


def figures_for(records: pd.DataFrame, catalogue: Catalogue, province: Province, period: str) -> pd.DataFrame:
    return report_figures(records, catalogue, province, Period.parse(period))


def same(a: float, b: float) -> bool:
    """Equal within float noise, NaN equal to NaN."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == pytest.approx(b, rel=1e-9, abs=1e-9)


@pytest.fixture(scope="module")
def small_catalogue() -> Catalogue:
    """Two fields; a planned flow, a second flow and their sum; a planned stock and its density; a ratio."""
    return Catalogue.model_validate(CATALOGUE_DATA)


@pytest.fixture(scope="module")
def small_province() -> Province:
    """Province P with units A, B (huyện) and C (xã); plans for 2024: P REV 100, SUB 2000; A REV 40."""
    return Province.model_validate(
        province_data(
            [
                ("A", "huyện", POPULATION["A"]),
                ("B", "huyện", POPULATION["B"]),
                ("C", "xã", POPULATION["C"]),
            ]
        )
    )


def base_records() -> pd.DataFrame:
    """Every unit reports every submitted indicator for the 8 quarters of 2023-2024, no estimates (BASE)."""
    return records_from(
        {
            code: {
                unit: {(y, q + 1): v for y, values in years.items() for q, v in enumerate(values)}
                for unit, years in per_unit.items()
            }
            for code, per_unit in BASE.items()
        }
    )


@pytest.fixture
def records() -> pd.DataFrame:
    """The complete records (BASE), a fresh copy each test may change."""
    return base_records()


@pytest.fixture(scope="module")
def base_figures(small_catalogue: Catalogue, small_province: Province) -> Callable[[str], pd.DataFrame]:
    """report_figures of the complete records for a period (computed once per period: it is slow)."""
    cache: dict[str, pd.DataFrame] = {}

    def figures(period: str) -> pd.DataFrame:
        if period not in cache:
            cache[period] = figures_for(base_records(), small_catalogue, small_province, period)
        return cache[period]

    return figures


# ----------------------------------------------------------------------------------------------------
# Shape


def test_one_row_per_unit_and_indicator_plus_the_province(base_figures) -> None:
    figures = base_figures("2024-H1")
    assert list(figures.columns) == FIGURE_COLUMNS
    assert len(figures) == 4 * len(ALL_CODES)
    pairs = set(zip(figures["unit"], figures["indicator"], strict=True))
    assert pairs == {(u, c) for u in ("A", "B", "C", "P") for c in ALL_CODES}


def test_a_configured_unit_without_any_record_still_has_rows(
    records, small_catalogue, small_province
) -> None:
    figures = figures_for(records[records["unit"] != "C"], small_catalogue, small_province, "2024-H1")
    for code in ALL_CODES:
        row = fig(figures, "C", code)
        assert math.isnan(row["value"])
        assert row["units_reported"] == 0
        assert not row["is_estimate"]
    assert fig(figures, "P", "REV")["units_reported"] == 2


# ----------------------------------------------------------------------------------------------------
# Flows over time


def test_half_year_flow_is_q1_plus_q2(base_figures) -> None:
    figures = base_figures("2024-H1")
    # A: 10 + 12 = 22; B: 5 + 6 = 11; C: 1 + 2 = 3; province 22 + 11 + 3 = 36.
    assert fig(figures, "A", "REV")["value"] == 22
    assert fig(figures, "B", "REV")["value"] == 11
    assert fig(figures, "C", "REV")["value"] == 3
    assert fig(figures, "P", "REV")["value"] == 36
    assert fig(figures, "P", "REV")["units_reported"] == 3
    # H1 is its own year to date.
    assert fig(figures, "P", "REV")["ytd_value"] == 36


def test_quarter_report_has_the_quarter_value_and_the_half_year_as_year_to_date(base_figures) -> None:
    figures = base_figures("2024-Q2")
    # Q2 alone: A 12 + B 6 + C 2 = 20; year to date = H1 = 36.
    assert fig(figures, "P", "REV")["value"] == 20
    assert fig(figures, "P", "REV")["ytd_value"] == 36
    assert fig(figures, "A", "REV")["value"] == 12
    assert fig(figures, "A", "REV")["ytd_value"] == 22
    # A stock's year to date is its value at the quarter's end: 1100 + 520 + 110 = 1730.
    assert fig(figures, "P", "SUB")["ytd_value"] == 1730


def test_nine_months_and_year_flows(base_figures) -> None:
    nine = base_figures("2024-9M")
    # 9M: A 10+12+14 = 36; B 5+6+7 = 18; C 1+2+3 = 6; province 60.
    assert fig(nine, "A", "REV")["value"] == 36
    assert fig(nine, "B", "REV")["value"] == 18
    assert fig(nine, "C", "REV")["value"] == 6
    assert fig(nine, "P", "REV")["value"] == 60
    assert fig(nine, "P", "REV")["ytd_value"] == 60
    year = base_figures("2024")
    # Year: A 52; B 26; C 10; province 88.
    assert fig(year, "A", "REV")["value"] == 52
    assert fig(year, "B", "REV")["value"] == 26
    assert fig(year, "C", "REV")["value"] == 10
    assert fig(year, "P", "REV")["value"] == 88


def test_second_half_flow_and_its_year_to_date_is_the_year(base_figures) -> None:
    figures = base_figures("2024-H2")
    # H2: A 14+16 = 30; B 7+8 = 15; C 3+4 = 7; province 52 (and 36 + 52 = 88 = the year).
    assert fig(figures, "P", "REV")["value"] == 52
    assert fig(figures, "P", "REV")["ytd_value"] == 88
    # plan_pct of a flow uses the year to date: 88 / 100 x 100 = 88 %.
    assert fig(figures, "P", "REV")["plan_pct"] == pytest.approx(88.0)


# ----------------------------------------------------------------------------------------------------
# Stocks, ratios, densities


def test_stock_at_half_year_is_the_q2_value(base_figures) -> None:
    figures = base_figures("2024-H1")
    # Q2 values: A 1100, B 520, C 110 (not Q1 + Q2); province 1100 + 520 + 110 = 1730.
    assert fig(figures, "A", "SUB")["value"] == 1100
    assert fig(figures, "B", "SUB")["value"] == 520
    assert fig(figures, "C", "SUB")["value"] == 110
    assert fig(figures, "P", "SUB")["value"] == 1730
    year = base_figures("2024")
    # Year = Q4: 1200 + 560 + 130 = 1890.
    assert fig(year, "P", "SUB")["value"] == 1890


def test_province_ratio_is_the_ratio_of_sums_not_the_mean_of_unit_ratios(base_figures) -> None:
    figures = base_figures("2024-H1")
    # Units: A 90/100 = 90 %; B 10/50 = 20 %; C 5/10 = 50 %.
    unit_ratios = [fig(figures, u, "PCT")["value"] for u in ("A", "B", "C")]
    assert unit_ratios == pytest.approx([90.0, 20.0, 50.0])
    # Province: (90 + 10 + 5) / (100 + 50 + 10) x 100 = 105 / 160 x 100 = 65.625 %.
    province_ratio = fig(figures, "P", "PCT")["value"]
    assert province_ratio == pytest.approx(65.625)
    # The mean of unit ratios would be (90 + 20 + 50) / 3 = 53.33 %: a different number.
    mean_of_ratios = sum(unit_ratios) / 3
    assert mean_of_ratios == pytest.approx(160 / 3)
    assert province_ratio != pytest.approx(mean_of_ratios)
    assert fig(figures, "P", "PCT")["units_reported"] == 3


def test_density_uses_the_population_of_the_year(base_figures) -> None:
    figures = base_figures("2024-H1")
    # A 1100 / 20000 x 100 = 5.5; B 520 / 10000 x 100 = 5.2; C 110 / 4000 x 100 = 2.75.
    assert fig(figures, "A", "DEN")["value"] == pytest.approx(5.5)
    assert fig(figures, "B", "DEN")["value"] == pytest.approx(5.2)
    assert fig(figures, "C", "DEN")["value"] == pytest.approx(2.75)
    # Province: 1730 / 34000 x 100 = 5.088235...
    assert fig(figures, "P", "DEN")["value"] == pytest.approx(1730 / 340)
    # Last year (2023 populations): A 950 / 19000 x 100 = 5.0; province 1505 / 32700 x 100.
    assert fig(figures, "A", "DEN")["value_ly"] == pytest.approx(5.0)
    assert fig(figures, "P", "DEN")["value_ly"] == pytest.approx(1505 / 327)


def test_density_counts_only_the_population_of_units_that_reported(
    records, small_catalogue, small_province
) -> None:
    figures = figures_for(without(records, "C", "2024-Q2", "SUB"), small_catalogue, small_province, "2024-H1")
    # C has no stock at the end of H1: province (1100 + 520) / (20000 + 10000) x 100 = 5.4,
    # not 1620 / 34000 x 100 = 4.76 (C's population without its subscribers).
    assert math.isnan(fig(figures, "C", "DEN")["value"])
    assert fig(figures, "P", "DEN")["value"] == pytest.approx(5.4)
    assert fig(figures, "P", "DEN")["units_reported"] == 2


def test_density_falls_back_to_the_latest_population_given(records, small_catalogue) -> None:
    province = Province.model_validate(
        province_data(
            [
                ("A", "huyện", POPULATION["A"]),
                ("B", "huyện", POPULATION["B"]),
                ("C", "xã", {2023: 5000}),
            ]
        )
    )
    figures = figures_for(records, small_catalogue, province, "2024-H1")
    # C has no 2024 population: its 2023 one is used, 110 / 5000 x 100 = 2.2;
    # province 1730 / (20000 + 10000 + 5000) x 100.
    assert fig(figures, "C", "DEN")["value"] == pytest.approx(2.2)
    assert fig(figures, "P", "DEN")["value"] == pytest.approx(1730 / 350)


def test_records_of_units_not_configured_are_ignored(records, small_catalogue, small_province) -> None:
    stray = frame([("Z", "2024-Q1", "REV", 1000.0, True), ("Z", "2024-Q2", "REV", 1000.0, True)])
    with_stray = pd.concat([records, stray], ignore_index=True)
    figures = figures_for(with_stray, small_catalogue, small_province, "2024-H1")
    assert set(figures["unit"]) == {"A", "B", "C", "P"}
    assert fig(figures, "P", "REV")["value"] == 36
    assert not fig(figures, "P", "REV")["is_estimate"]


# ----------------------------------------------------------------------------------------------------
# Plan, growth


def test_plan_pct_flow_uses_year_to_date_and_stock_uses_value(base_figures) -> None:
    figures = base_figures("2024-Q2")
    # Flow: year to date (H1) 36 / plan 100 x 100 = 36 %, not the quarter's 20 %.
    assert fig(figures, "P", "REV")["plan"] == 100
    assert fig(figures, "P", "REV")["plan_pct"] == pytest.approx(36.0)
    # A unit's own plan: A's H1 22 / 40 x 100 = 55 %; B has no plan.
    assert fig(figures, "A", "REV")["plan_pct"] == pytest.approx(55.0)
    assert math.isnan(fig(figures, "B", "REV")["plan"])
    assert math.isnan(fig(figures, "B", "REV")["plan_pct"])
    # Stock: value at Q2 1730 / plan 2000 x 100 = 86.5 %.
    assert fig(figures, "P", "SUB")["plan_pct"] == pytest.approx(86.5)
    # Indicators without a plan have none.
    assert math.isnan(fig(figures, "P", "PCT")["plan_pct"])
    year = base_figures("2024")
    # Year: 88 / 100 = 88 %; stock 1890 / 2000 = 94.5 %.
    assert fig(year, "P", "REV")["plan_pct"] == pytest.approx(88.0)
    assert fig(year, "P", "SUB")["plan_pct"] == pytest.approx(94.5)


def test_no_plan_for_a_year_without_targets(base_figures) -> None:
    figures = base_figures("2023-H1")
    assert math.isnan(fig(figures, "P", "REV")["plan"])
    assert math.isnan(fig(figures, "P", "REV")["plan_pct"])


def test_yoy_pct_and_change(base_figures) -> None:
    figures = base_figures("2024-H1")
    # Flow, province: H1 2024 = 36; H1 2023 = (8+10) + (4+5) + (1+1) = 29; 36 / 29 - 1 = 24.14 %; change 7.
    rev = fig(figures, "P", "REV")
    assert rev["value_ly"] == 29
    assert rev["yoy_pct"] == pytest.approx((36 / 29 - 1) * 100)
    assert rev["change"] == 7
    # Flow, unit A: 22 vs 18: +22.22 %, change 4.
    assert fig(figures, "A", "REV")["yoy_pct"] == pytest.approx((22 / 18 - 1) * 100)
    assert fig(figures, "A", "REV")["change"] == 4
    # Stock, province: Q2 2024 1730 vs Q2 2023 950 + 460 + 95 = 1505: +14.95 %, change 225.
    sub = fig(figures, "P", "SUB")
    assert sub["value_ly"] == 1505
    assert sub["yoy_pct"] == pytest.approx((1730 / 1505 - 1) * 100)
    assert sub["change"] == 225
    # Ratio, province: 65.625 % vs (80+5+5) / 160 = 56.25 %: change 9.375 points.
    assert fig(figures, "P", "PCT")["change"] == pytest.approx(9.375)
    year = base_figures("2024")
    # Year: 88 vs 2023's 44 + 22 + 6 = 72: +22.22 %.
    assert fig(year, "P", "REV")["yoy_pct"] == pytest.approx((88 / 72 - 1) * 100)


def test_no_growth_without_last_year(records, small_catalogue, small_province) -> None:
    this_year = records[records["period"].str.startswith("2024")].reset_index(drop=True)
    figures = figures_for(this_year, small_catalogue, small_province, "2024-H1")
    row = fig(figures, "P", "REV")
    assert row["value"] == 36
    assert math.isnan(row["value_ly"])
    assert math.isnan(row["yoy_pct"])
    assert math.isnan(row["change"])


# ----------------------------------------------------------------------------------------------------
# Missing data and like for like


def test_unit_missing_q1_counts_the_quarter_it_sent(records, small_catalogue, small_province) -> None:
    figures = figures_for(without(records, "C", "2024-Q1", "REV"), small_catalogue, small_province, "2024-H1")
    # C sent Q2 (2) but not Q1 (1): its H1 is the 2 it sent, marked incomplete.
    c = fig(figures, "C", "REV")
    assert c["value"] == 2
    assert not c["complete"]
    assert c["units_reported"] == 1
    assert fig(figures, "A", "REV")["complete"]
    # Province: the sum of what was received, A 22 + B 11 + C 2 = 35 (not 33, dropping C's Q2), incomplete.
    p = fig(figures, "P", "REV")
    assert p["value"] == 35
    assert p["units_reported"] == 3
    assert not p["complete"]
    # Plan progress uses that year to date: 35 / 100.
    assert p["plan_pct"] == pytest.approx(35)
    # Other indicators of C are unaffected and complete.
    assert fig(figures, "C", "SUB")["value"] == 110
    assert fig(figures, "P", "SUB")["complete"]


@pytest.mark.parametrize(
    ("period", "value", "ytd", "complete", "ytd_complete"),
    [
        # C lacks 2024-Q1 (1). Province REV: Q1 A 10 + B 5 = 15; Q2 12 + 6 + 2 = 20; Q3 14 + 7 + 3 = 24;
        # Q4 16 + 8 + 4 = 28. Year to date: sums of what was received.
        ("2024-Q1", 15, 15, False, False),
        ("2024-Q2", 20, 35, True, False),
        ("2024-Q3", 24, 59, True, False),
        ("2024-Q4", 28, 87, True, False),
        ("2024-H1", 35, 35, False, False),
        ("2024-H2", 52, 87, True, False),
        ("2024-9M", 59, 59, False, False),
        ("2024", 87, 87, False, False),
    ],
)
def test_a_missing_quarter_in_every_period_kind(
    records, small_catalogue, small_province, period, value, ytd, complete, ytd_complete
) -> None:
    figures = figures_for(without(records, "C", "2024-Q1", "REV"), small_catalogue, small_province, period)
    p = fig(figures, "P", "REV")
    assert p["value"] == value
    assert p["ytd_value"] == ytd
    assert bool(p["complete"]) is complete
    assert bool(p["ytd_complete"]) is ytd_complete
    # The annual plan (100) is measured against the year to date received.
    assert p["plan_pct"] == pytest.approx(ytd)


def test_like_for_like_growth_when_a_unit_is_missing_this_year(
    records, small_catalogue, small_province
) -> None:
    figures = figures_for(without(records, "C", "2024-Q1", "REV"), small_catalogue, small_province, "2024-H1")
    rev = fig(figures, "P", "REV")
    # Growth compares the units complete in both years: A and B. This year over them 22 + 11 = 33, last year
    # (8+10) + (4+5) = 27: +22.22 %, change 6 (not 35 / 29, which compares C's one quarter with two).
    assert rev["base_units"] == 2
    assert rev["base_value"] == 33
    # "Cùng kỳ" is on the same base as the growth beside it.
    assert rev["value_ly"] == 27
    assert rev["yoy_pct"] == pytest.approx((33 / 27 - 1) * 100)
    assert rev["change"] == 6
    # C itself has no growth: its H1 is incomplete.
    assert math.isnan(fig(figures, "C", "REV")["yoy_pct"])
    assert math.isnan(fig(figures, "C", "REV")["value_ly"])


def test_like_for_like_growth_of_a_stock(records, small_catalogue, small_province) -> None:
    figures = figures_for(without(records, "B", "2024-Q2", "SUB"), small_catalogue, small_province, "2024-H1")
    sub = fig(figures, "P", "SUB")
    # This year A 1100 + C 110 = 1210; last year over the same units 950 + 95 = 1045: +15.79 %, change 165.
    assert sub["value"] == 1210
    assert sub["yoy_pct"] == pytest.approx((1210 / 1045 - 1) * 100)
    assert sub["change"] == 165
    # Density like for like: 1210 / 24000 vs 1045 / 22900 (populations of A and C).
    assert fig(figures, "P", "DEN")["yoy_pct"] == pytest.approx(((1210 / 24000) / (1045 / 22900) - 1) * 100)


def test_like_for_like_growth_when_a_unit_was_missing_last_year(
    records, small_catalogue, small_province
) -> None:
    figures = figures_for(without(records, "A", "2023-Q2", "REV"), small_catalogue, small_province, "2024-H1")
    rev = fig(figures, "P", "REV")
    # A's H1 2023 lacks Q2: the base is B and C, last year 9 + 2 = 11; this year 36 over all three.
    assert rev["value_ly"] == 11
    assert rev["value"] == 36
    assert rev["base_units"] == 2
    # Like for like over B and C: 11 + 3 = 14 vs 11: +27.27 %, change 3.
    assert rev["yoy_pct"] == pytest.approx((14 / 11 - 1) * 100)
    assert rev["change"] == 3


# ----------------------------------------------------------------------------------------------------
# Estimates


def test_an_estimated_quarter_makes_the_period_an_estimate(records, small_catalogue, small_province) -> None:
    recs = estimated(records, "A", "2024-Q2", "REV")
    h1 = figures_for(recs, small_catalogue, small_province, "2024-H1")
    assert fig(h1, "A", "REV")["is_estimate"]
    assert not fig(h1, "B", "REV")["is_estimate"]
    assert fig(h1, "P", "REV")["is_estimate"]
    # The sum built from it is an estimate too, for A and the province.
    assert fig(h1, "A", "TOT")["is_estimate"]
    assert fig(h1, "P", "TOT")["is_estimate"]
    assert not fig(h1, "B", "TOT")["is_estimate"]
    # Indicators that do not use it are not.
    assert not fig(h1, "P", "SUB")["is_estimate"]
    # Q1 does not contain the estimated quarter.
    q1 = figures_for(recs, small_catalogue, small_province, "2024-Q1")
    assert not fig(q1, "P", "REV")["is_estimate"]
    assert not fig(q1, "P", "REV")["ytd_is_estimate"]
    # Q3's value is actual, its year to date (9M) contains the estimate.
    q3 = figures_for(recs, small_catalogue, small_province, "2024-Q3")
    assert not fig(q3, "P", "REV")["is_estimate"]
    assert fig(q3, "P", "REV")["ytd_is_estimate"]
    assert fig(q3, "A", "REV")["ytd_is_estimate"]
    assert not fig(q3, "B", "REV")["ytd_is_estimate"]


def test_estimates_of_stocks_ratios_and_densities(records, small_catalogue, small_province) -> None:
    recs = estimated(records, "C", "2024-Q2", "VIL")
    recs = estimated(recs, "B", "2024-Q2", "SUB")
    recs = estimated(recs, "A", "2024-Q1", "SUB")  # not the period's last quarter: does not count for a stock
    figures = figures_for(recs, small_catalogue, small_province, "2024-H1")
    # Ratio: C's denominator is estimated -> C's and the province's rate are estimates.
    assert fig(figures, "C", "PCT")["is_estimate"]
    assert not fig(figures, "A", "PCT")["is_estimate"]
    assert fig(figures, "P", "PCT")["is_estimate"]
    assert not fig(figures, "C", "COV")["is_estimate"]
    # Density: B's subscribers are estimated -> B's and the province's density are estimates.
    assert fig(figures, "B", "SUB")["is_estimate"]
    assert fig(figures, "B", "DEN")["is_estimate"]
    assert fig(figures, "P", "DEN")["is_estimate"]
    # A stock at H1 is read at Q2: A's estimated Q1 does not contribute.
    assert not fig(figures, "A", "SUB")["is_estimate"]
    assert not fig(figures, "A", "DEN")["is_estimate"]


def test_no_estimates_means_no_estimate_flags(base_figures) -> None:
    figures = base_figures("2024-H1")
    assert not figures["is_estimate"].any()
    assert not figures["ytd_is_estimate"].any()


def test_estimate_of_a_partial_unit_spreads(records, small_catalogue, small_province) -> None:
    # C's Q2 revenue is estimated and C has no Q1: C's H1 is that estimate, so the province's H1 is too.
    recs = estimated(without(records, "C", "2024-Q1", "REV"), "C", "2024-Q2", "REV")
    figures = figures_for(recs, small_catalogue, small_province, "2024-H1")
    assert fig(figures, "C", "REV")["is_estimate"]
    assert fig(figures, "P", "REV")["is_estimate"]
    assert not fig(figures, "A", "REV")["is_estimate"]


# ----------------------------------------------------------------------------------------------------
# Sums


def test_sum_indicator_adds_its_parts(base_figures) -> None:
    figures = base_figures("2024-H1")
    # TOT = REV + REV2 per unit and quarter, then a flow: A 22 + 2 = 24; B 11 + 4 = 15; C 3 + 6 = 9; P 48.
    assert fig(figures, "A", "TOT")["value"] == 24
    assert fig(figures, "B", "TOT")["value"] == 15
    assert fig(figures, "C", "TOT")["value"] == 9
    assert fig(figures, "P", "TOT")["value"] == 48
    # Last year: A 18 + 2 = 20; B 9 + 2 = 11; C 2 + 2 = 4; P 35.
    assert fig(figures, "P", "TOT")["value_ly"] == 35


def test_sum_indicator_with_a_part_missing_is_the_sum_of_the_parts_present(
    records, small_catalogue, small_province
) -> None:
    recs = without(records, "B", "2024-Q1", "REV2")
    q1 = figures_for(recs, small_catalogue, small_province, "2024-Q1")
    # B has REV (5) but not REV2 (2) for Q1: TOT for B is the 5 present, marked incomplete.
    assert fig(q1, "B", "REV")["value"] == 5
    assert fig(q1, "B", "TOT")["value"] == 5
    assert not fig(q1, "B", "TOT")["complete"]
    assert fig(q1, "A", "TOT")["complete"]
    # Province Q1 TOT: (10 + 1) + 5 + (1 + 3) = 20, from 3 units, incomplete.
    assert fig(q1, "P", "TOT")["value"] == 20
    assert fig(q1, "P", "TOT")["units_reported"] == 3
    assert not fig(q1, "P", "TOT")["complete"]
    # Q2 is complete: B's TOT = 6 + 2 = 8; B's H1 TOT = 5 + 8 = 13, incomplete.
    q2 = figures_for(recs, small_catalogue, small_province, "2024-Q2")
    assert fig(q2, "B", "TOT")["value"] == 8
    assert fig(q2, "B", "TOT")["complete"]
    h1 = figures_for(recs, small_catalogue, small_province, "2024-H1")
    assert fig(h1, "B", "TOT")["value"] == 13
    assert not fig(h1, "B", "TOT")["complete"]
    assert fig(h1, "P", "TOT")["value"] == 24 + 13 + 9
    # Growth over A and C only (B's TOT is incomplete): (24 + 9) vs last year (18+2) + (2+2) = 24.
    assert fig(h1, "P", "TOT")["yoy_pct"] == pytest.approx((33 / 24 - 1) * 100)


def test_ratio_pairs_numerator_and_denominator_quarter_by_quarter() -> None:
    catalogue = catalogue_of("REV", "REV2", "TOT")
    data = {
        **CATALOGUE_DATA,
        "indicators": [
            *[i for i in CATALOGUE_DATA["indicators"] if i["code"] in ("REV", "REV2")],
            {
                "code": "SHR",
                "field": "BC",
                "kind": "ratio",
                "numerator": "REV2",
                "denominator": "REV",
                "unit": "%",
                "name": "Tỷ trọng",
            },
        ],
    }
    catalogue = Catalogue.model_validate(data)
    province = Province.model_validate(province_data([("A", "xã", {2024: 100}), ("B", "xã", {2024: 100})]))
    # A: REV2 1, 1 over REV 10, 10 (Q1, Q2), but REV2 of Q2 missing. B: REV2 2, 2 over REV 5, 5.
    recs = records_from(
        {
            "REV": {"A": {(2024, 1): 10, (2024, 2): 10}, "B": {(2024, 1): 5, (2024, 2): 5}},
            "REV2": {"A": {(2024, 1): 1}, "B": {(2024, 1): 2, (2024, 2): 2}},
        }
    )
    h1 = report_figures(recs, catalogue, province, Period.parse("2024-H1"))
    # A's share over the quarter with both terms: 1 / 10 = 10 % (not 1 / 20 = 5 %), incomplete.
    assert fig(h1, "A", "SHR")["value"] == pytest.approx(10)
    assert not fig(h1, "A", "SHR")["complete"]
    # Province: (1 + 4) / (10 + 10) = 25 %.
    assert fig(h1, "P", "SHR")["value"] == pytest.approx(25)


# ----------------------------------------------------------------------------------------------------
# Trend series


def test_quarterly_series_is_quarters_by_codes_of_province_values(
    records, small_catalogue, small_province
) -> None:
    quarters = [Period.parse("2022-Q4"), *(Period.quarter(y, q) for y, q in QUARTERS)]
    codes = ["REV", "SUB", "PCT", "TOT"]
    series = quarterly_series(records, small_catalogue, small_province, quarters, codes)
    assert list(series.index) == [q.code for q in quarters]
    assert list(series.columns) == codes
    # 2024-Q1: REV 10 + 5 + 1 = 16; SUB 1000 + 500 + 100 = 1600; PCT 105 / 160; TOT 16 + 1 + 2 + 3 = 22.
    assert series.loc["2024-Q1", "REV"] == pytest.approx(16)
    assert series.loc["2024-Q1", "SUB"] == pytest.approx(1600)
    assert series.loc["2024-Q1", "PCT"] == pytest.approx(65.625)
    assert series.loc["2024-Q1", "TOT"] == pytest.approx(22)
    # 2023-Q4: REV 14 + 7 + 2 = 23; SUB 1000 + 480 + 100 = 1580; PCT 90 / 160 = 56.25 %.
    assert series.loc["2023-Q4", "REV"] == pytest.approx(23)
    assert series.loc["2023-Q4", "SUB"] == pytest.approx(1580)
    assert series.loc["2023-Q4", "PCT"] == pytest.approx(56.25)
    # A quarter nobody reported is empty, not zero.
    assert series.loc["2022-Q4"].isna().all()


# ----------------------------------------------------------------------------------------------------
# Properties
#
# For speed (report_figures costs ~0.14 s with the whole catalogue: it aggregates this year, last year, the
# year to date and a like-for-like pass), properties about a period's values call period_table, the function
# whose output is report_figures' value column (after with_sums, as report_figures does), and each property
# uses only the part of the catalogue it is about. Growth needs report_figures itself.

PERIODS_2024 = ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4", "2024-H1", "2024-H2", "2024-9M", "2024"]
UNIT_CODES = ["A", "B", "C", "D", "E"]
TOL = {"rel": 1e-9, "abs": 1e-6}

amounts = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False, allow_subnormal=False)
counts = st.integers(min_value=0, max_value=1000)

Data = dict[str, dict[str, dict[tuple[int, int], float]]]


def catalogue_of(*codes: str) -> Catalogue:
    """The small catalogue restricted to some indicators."""
    return Catalogue.model_validate(
        {**CATALOGUE_DATA, "indicators": [i for i in CATALOGUE_DATA["indicators"] if i["code"] in codes]}
    )


ADDITIVE = catalogue_of("REV", "REV2", "TOT", "SUB")
FLOWS = catalogue_of("REV", "REV2")
STOCK = catalogue_of("SUB")
RATIO = catalogue_of("COV", "VIL", "PCT")


@st.composite
def datasets(draw: st.DrawFn, codes: tuple[str, ...]) -> tuple[list[str], Data]:
    """2-5 units, values of some submitted indicators for each of the 8 quarters of 2023-2024.

    Money and subscribers are floats; villages (the ratio's inputs) are counts, zero included.
    """
    units = UNIT_CODES[: draw(st.integers(min_value=2, max_value=5))]
    data: Data = {}
    for code in codes:
        values = counts.map(float) if code in ("COV", "VIL") else amounts
        data[code] = {u: {yq: draw(values) for yq in QUARTERS} for u in units}
    return units, data


def province_of(units: list[str]) -> Province:
    return Province.model_validate(
        province_data((u, "xã", {2023: 1000 * (i + 1), 2024: 1100 * (i + 1)}) for i, u in enumerate(units))
    )


def quarters_of(period: str) -> list[tuple[int, int]]:
    return [(q.year, q.first_quarter) for q in Period.parse(period).quarters]


def values_of(table: pd.DataFrame, code: str) -> dict[str, float]:
    """Value per unit (and 'P') of one indicator in a period_table."""
    rows = table[table["indicator"] == code]
    return dict(zip(rows["unit"], rows["value"], strict=True))


@pytest.mark.slow
@settings(max_examples=50, deadline=None)
@given(datasets(("REV", "REV2", "SUB")), st.sampled_from(PERIODS_2024))
def test_property_province_flow_and_stock_is_the_sum_of_units(
    dataset: tuple[list[str], Data], period: str
) -> None:
    units, data = dataset
    recs = with_sums(records_from(data), ADDITIVE)
    table = period_table(recs, ADDITIVE, province_of(units), Period.parse(period))
    quarters = quarters_of(period)
    end = quarters[-1]
    expected = {
        "REV": {u: sum(data["REV"][u][q] for q in quarters) for u in units},
        "SUB": {u: data["SUB"][u][end] for u in units},
        "TOT": {u: sum(data[c][u][q] for c in ("REV", "REV2") for q in quarters) for u in units},
    }
    for code, per_unit in expected.items():
        got = values_of(table, code)
        for u in units:
            assert got[u] == pytest.approx(per_unit[u], **TOL)
        assert got["P"] == pytest.approx(sum(got[u] for u in units), **TOL)
        assert got["P"] == pytest.approx(sum(per_unit.values()), **TOL)
    province_rows = table[table["unit"] == "P"].set_index("indicator")
    assert (province_rows.loc[["REV", "SUB", "TOT"], "units_reported"] == len(units)).all()


@pytest.mark.slow
@settings(max_examples=50, deadline=None)
@given(datasets(("REV",)))
def test_property_half_year_is_two_quarters_and_year_is_two_halves(
    dataset: tuple[list[str], Data],
) -> None:
    units, data = dataset
    quarterly, province = records_from(data), province_of(units)
    h1, h2, year = (
        values_of(period_table(quarterly, FLOWS, province, Period.parse(p)), "REV")
        for p in ("2024-H1", "2024-H2", "2024")
    )
    rev = data["REV"]
    for u in units:
        assert h1[u] == pytest.approx(rev[u][2024, 1] + rev[u][2024, 2], **TOL)
        assert h2[u] == pytest.approx(rev[u][2024, 3] + rev[u][2024, 4], **TOL)
    assert h1["P"] == pytest.approx(sum(rev[u][2024, 1] + rev[u][2024, 2] for u in units), **TOL)
    for unit in [*units, "P"]:
        assert year[unit] == pytest.approx(h1[unit] + h2[unit], **TOL)


@pytest.mark.slow
@settings(max_examples=50, deadline=None)
@given(datasets(("SUB",)))
def test_property_stock_year_value_is_its_q4_value(
    dataset: tuple[list[str], Data],
) -> None:
    units, data = dataset
    table = period_table(records_from(data), STOCK, province_of(units), Period.parse("2024"))
    year = values_of(table, "SUB")
    for u in units:
        assert year[u] == data["SUB"][u][2024, 4]
    assert year["P"] == pytest.approx(sum(data["SUB"][u][2024, 4] for u in units), **TOL)


@pytest.mark.slow
@settings(max_examples=50, deadline=None)
@given(datasets(("COV", "VIL")), st.sampled_from(PERIODS_2024))
def test_property_province_ratio_lies_between_unit_ratios(
    dataset: tuple[list[str], Data], period: str
) -> None:
    units, data = dataset
    table = period_table(records_from(data), RATIO, province_of(units), Period.parse(period))
    end = quarters_of(period)[-1]
    # Units with no villages have no rate and do not count.
    rating = [u for u in units if data["VIL"][u][end] > 0]
    rates = [data["COV"][u][end] / data["VIL"][u][end] * 100 for u in rating]
    got = values_of(table, "PCT")
    assert [got[u] for u in rating] == pytest.approx(rates)
    reported = table[(table["unit"] == "P") & (table["indicator"] == "PCT")]["units_reported"]
    assert int(reported.iloc[0]) == len(rates)
    if not rates:
        assert math.isnan(got["P"])
        return
    assert min(rates) * (1 - 1e-9) <= got["P"] <= max(rates) * (1 + 1e-9)
    cov = sum(data["COV"][u][end] for u in rating)
    vil = sum(data["VIL"][u][end] for u in rating)
    assert got["P"] == pytest.approx(cov / vil * 100)


def _growth(now: float, before: float) -> float:
    return (now / before - 1) * 100 if before > 0 else math.nan


@pytest.mark.slow
@settings(max_examples=50, deadline=None)
@given(
    datasets(("REV",)),
    st.sampled_from(PERIODS_2024),
    st.sets(st.tuples(st.sampled_from(UNIT_CODES), st.sampled_from(QUARTERS)), max_size=3),
)
def test_property_doubling_a_flow_doubles_the_province_and_keeps_growth(
    dataset: tuple[list[str], Data],
    period: str,
    missing: set[tuple[str, tuple[int, int]]],
) -> None:
    units, data = dataset
    # REV2 is REV with every value multiplied by 2: one report_figures call compares the two flows.
    # A few quarters go missing (the same for both), so growth is sometimes like for like.
    rev = {
        u: {yq: v for yq, v in per_q.items() if (u, yq) not in missing} for u, per_q in data["REV"].items()
    }
    doubled = {u: {yq: 2 * v for yq, v in per_q.items()} for u, per_q in rev.items()}
    recs = records_from({"REV": rev, "REV2": doubled})
    figures = figures_for(recs, FLOWS, province_of(units), period)
    single, double = fig(figures, "P", "REV"), fig(figures, "P", "REV2")

    now_q = quarters_of(period)
    ly_q = [(y - 1, q) for y, q in now_q]
    # The value is the sum of every quarter received; growth compares the units complete in both years.
    received = {u: [rev[u][q] for q in now_q if q in rev[u]] for u in units}
    sent = {u: sum(v) for u, v in received.items() if v}
    now = {u: sum(rev[u][q] for q in now_q) for u in units if all(q in rev[u] for q in now_q)}
    before = {u: sum(rev[u][q] for q in ly_q) for u in units if all(q in rev[u] for q in ly_q)}
    common = set(now) & set(before)
    assert single["units_reported"] == double["units_reported"] == len(sent)
    assert bool(single["complete"]) is (len(now) == len(units))
    if sent:
        assert single["value"] == pytest.approx(sum(sent.values()), **TOL)
        assert double["value"] == pytest.approx(2 * single["value"], **TOL)
    else:
        assert math.isnan(single["value"])
        assert math.isnan(double["value"])
    # Growth over the units present in both years (all of them when nothing is missing).
    expected = _growth(sum(now[u] for u in common), sum(before[u] for u in common)) if common else math.nan
    assert same(single["yoy_pct"], expected)
    assert same(double["yoy_pct"], single["yoy_pct"])
