"""Tests of baocao.coverage: which figures a period lacks, per unit and indicator, worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from baocao.catalogue import Catalogue
from baocao.coverage import Gap, UnitGap, indicator_gaps, period_gaps, raw_inputs
from baocao.periods import Period
from baocao.province import Province

CATALOGUE = Catalogue.model_validate(
    {
        "fields": [{"code": "F", "name": "Lĩnh vực"}],
        "indicators": [
            {"code": "REV", "field": "F", "kind": "flow", "unit": "tỷ đồng", "name": "Doanh thu"},
            {"code": "REV2", "field": "F", "kind": "flow", "unit": "tỷ đồng", "name": "Doanh thu khác"},
            {
                "code": "TOT",
                "field": "F",
                "kind": "sum",
                "parts": ["REV", "REV2"],
                "unit": "tỷ đồng",
                "name": "Tổng",
            },
            {"code": "SUB", "field": "F", "kind": "stock", "unit": "thuê bao", "name": "Thuê bao"},
            {
                "code": "DEN",
                "field": "F",
                "kind": "density",
                "base": "SUB",
                "unit": "tb/100 dân",
                "name": "Mật độ",
            },
            {
                "code": "SHR",
                "field": "F",
                "kind": "ratio",
                "numerator": "REV2",
                "denominator": "REV",
                "unit": "%",
                "name": "Tỷ trọng",
            },
        ],
    }
)
PROVINCE = Province.model_validate(
    {
        "code": "P",
        "name": "Thử",
        "agency": {"name": "Sở", "abbreviation": "S"},
        "units": [{"code": c, "name": c, "kind": "xã"} for c in ("A", "B", "C")],
        "signer": {"name": "X"},
    }
)
H1 = Period.parse("2024-H1")


def records(skip: set[tuple[str, str, str]]) -> pd.DataFrame:
    """Every unit, quarter of H1 2024 and submitted code, less ``skip``."""
    rows = [
        (u, q, c, 1.0, False)
        for u in ("A", "B", "C")
        for q in ("2024-Q1", "2024-Q2")
        for c in ("REV", "REV2", "SUB")
        if (u, q, c) not in skip
    ]
    return pd.DataFrame(rows, columns=["unit", "period", "indicator", "value", "is_estimate"])


def test_a_complete_period_has_no_gaps() -> None:
    assert period_gaps(records(set()), CATALOGUE, PROVINCE, H1) == ()


def test_flows_need_every_quarter_stocks_the_last() -> None:
    skip = {("C", "2024-Q1", "REV"), ("B", "2024-Q1", "SUB"), ("A", "2024-Q2", "SUB")}
    gaps = period_gaps(records(skip), CATALOGUE, PROVINCE, H1, {("A", "2024-Q2", "SUB"): "held"})
    # B's Q1 stock is not needed for H1 (a stock is read at Q2); A's Q2 stock is held, not missing.
    assert set(gaps) == {Gap("C", "2024-Q1", "REV", "missing"), Gap("A", "2024-Q2", "SUB", "held")}


@pytest.mark.parametrize(
    ("code", "skip", "expected"),
    [
        # A flow missing one quarter.
        ("REV", {("C", "2024-Q1", "REV")}, [UnitGap("C", "missing", ("2024-Q1",))]),
        # A sum: one part missing in Q1 is a part gap; both parts missing in Q2 is the quarter missing.
        (
            "TOT",
            {("B", "2024-Q1", "REV2"), ("B", "2024-Q2", "REV"), ("B", "2024-Q2", "REV2")},
            [UnitGap("B", "missing", ("2024-Q2",)), UnitGap("B", "missing", ("2024-Q1",), part="REV2")],
        ),
        # A ratio missing one term in a quarter leaves that quarter out.
        ("SHR", {("A", "2024-Q2", "REV2")}, [UnitGap("A", "missing", ("2024-Q2",))]),
        # A density follows its stock, read at the last quarter only.
        ("DEN", {("A", "2024-Q1", "SUB")}, []),
        ("DEN", {("A", "2024-Q2", "SUB")}, [UnitGap("A", "missing", ("2024-Q2",))]),
    ],
)
def test_indicator_gaps(code: str, skip: set[tuple[str, str, str]], expected: list[UnitGap]) -> None:
    gaps = period_gaps(records(skip), CATALOGUE, PROVINCE, H1)
    assert indicator_gaps(gaps, CATALOGUE, PROVINCE, CATALOGUE.get(code), H1) == expected


def test_raw_inputs_expand_sums_ratios_and_densities() -> None:
    assert raw_inputs(CATALOGUE, CATALOGUE.get("TOT")) == ("REV", "REV2")
    assert raw_inputs(CATALOGUE, CATALOGUE.get("SHR")) == ("REV2", "REV")
    assert raw_inputs(CATALOGUE, CATALOGUE.get("DEN")) == ("SUB",)
