"""Figure rows: typed, frozen, made from the aggregation's DataFrame with NaN as None; an absent row is empty."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from baocao.figure import FIGURE_FIELDS, Figure, absent, figure_rows
from baocao.periods import Period
from baocao.report import Setup, collection_for, figures_for
from baocao.story import Story

# The aggregation's columns as the manifest's figures hash has always read them (written out, not imported).
COLUMNS = [
    "unit",
    "indicator",
    "value",
    "is_estimate",
    "complete",
    "units_reported",
    "value_ly",
    "base_value",
    "base_units",
    "yoy_pct",
    "change",
    "ytd_value",
    "ytd_is_estimate",
    "ytd_complete",
    "plan",
    "plan_pct",
]


def frame(**changes: object) -> pd.DataFrame:
    """One hand-made row of the aggregation's shape: a flow of 120 (last year 100 over the same 3 units)."""
    row: dict[str, object] = {
        "unit": "LC",
        "indicator": "BC01",
        "value": 120.0,
        "is_estimate": True,
        "complete": False,
        "units_reported": 4,
        "value_ly": 100.0,
        "base_value": 110.0,
        "base_units": 3,
        "yoy_pct": 10.0,
        "change": 10.0,
        "ytd_value": 250.0,
        "ytd_is_estimate": False,
        "ytd_complete": True,
        "plan": np.nan,
        "plan_pct": np.nan,
    }
    row.update(changes)
    return pd.DataFrame([row])


def test_fields_are_the_aggregation_columns_in_order() -> None:
    assert list(FIGURE_FIELDS) == COLUMNS


def test_a_row_becomes_a_typed_figure_with_nan_as_none() -> None:
    fig = figure_rows(frame())[("LC", "BC01")]
    assert fig == Figure(
        "LC", "BC01", 120.0, True, False, 4, 100.0, 110.0, 3, 10.0, 10.0, 250.0, False, True, None, None
    )
    assert type(fig.units_reported) is int and type(fig.value) is float and type(fig.is_estimate) is bool


def test_an_unmerged_year_to_date_reads_as_the_period_flags() -> None:
    # An object column with None, as a left merge without a match leaves it.
    fig = figure_rows(frame(ytd_value=np.nan, ytd_is_estimate=None, ytd_complete=None))[("LC", "BC01")]
    assert fig.ytd_value is None and fig.ytd_is_estimate is True and fig.ytd_complete is True


def test_figures_are_frozen() -> None:
    fig = figure_rows(frame())[("LC", "BC01")]
    with pytest.raises(dataclasses.FrozenInstanceError):
        fig.value = 1.0  # type: ignore[misc]


def test_absent_figure_has_nothing_to_say() -> None:
    fig = absent("LC", "XX99")
    assert (fig.value, fig.plan_pct, fig.yoy_pct, fig.base_units, fig.is_estimate) == (
        None,
        None,
        None,
        0,
        False,
    )


def test_sample_rows_match_the_frame(sample_setup: Setup) -> None:
    period = Period.parse("2024")
    figures = figures_for(sample_setup, collection_for(sample_setup, period), period)
    rows = figure_rows(figures)
    assert len(rows) == len(figures)
    for record in figures.to_dict("records"):
        fig = rows[(record["unit"], record["indicator"])]
        for name in ("value", "value_ly", "yoy_pct", "plan_pct", "ytd_value"):
            expected = record[name]
            got = getattr(fig, name)
            assert got is None if math.isnan(expected) else got == expected, (fig, name)
        assert fig.units_reported == record["units_reported"]
    story = Story(
        sample_setup.catalogue,
        sample_setup.province,
        period,
        rows,
        (),
        (),
        sample_setup.phrases,
        date_text="",
    )
    province = sample_setup.province.code
    assert story.fig("BC01") is rows[(province, "BC01")]
    assert story.fig("NO-SUCH") == absent(province, "NO-SUCH")
