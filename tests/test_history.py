"""The history of a merged province: its predecessors' district figures carried to its new communes through
the crosswalk. Every expected figure is worked by hand in the comments, not computed by the code under test.

The hand-worked province "Mới" (new communes A, B, C) was made of two old provinces:
    tỉnh Một: huyện Đông (D1, 10,000 people in 2024) wholly into A;
              huyện Tây (D2, 4,000) a quarter into B, three quarters into C
    tỉnh Hai: thị xã Nam (E1, 6,000) wholly into C
so A's figures before the change are exact, B's and C's estimated comparisons.
"""

from __future__ import annotations

from datetime import date
from types import MappingProxyType
from typing import Any

import pandas as pd
import pytest

from baocao.aggregate import report_figures
from baocao.catalogue import Catalogue
from baocao.crosswalk import CrosswalkRow, crosswalk_of
from baocao.history import (
    Lack,
    OldUnit,
    carried_populations,
    carried_records,
    history_of,
    with_carried,
    with_populations,
)
from baocao.periods import Period
from baocao.province import Province
from baocao.units import Commune, Country, Link, NewProvince, OldCommune

Q2_2025 = Period.parse("2025-Q2")


def _province(code: str, name: str, units: list[dict[str, Any]]) -> Province:
    return Province.model_validate(
        {
            "code": code,
            "name": name,
            "agency": {"name": "Sở Khoa học và Công nghệ", "abbreviation": "SKHCN"},
            "units": units,
            "signer": {"name": "Nguyễn Văn A"},
        }
    )


NEW = _province(
    "MOI",
    "Mới",
    [
        {"code": "A", "name": "An", "kind": "phường", "population": {2025: 10100}},
        {"code": "B", "name": "Bình", "kind": "xã", "population": {2025: 1000}},
        {"code": "C", "name": "Cường", "kind": "xã", "population": {2025: 9100}},
    ],
)
MOT = _province(
    "MOT",
    "Một",
    [
        {"code": "DONG", "name": "Đông", "kind": "huyện", "population": {2024: 10000}},
        {"code": "TAY", "name": "Tây", "kind": "huyện", "population": {2024: 4000}},
    ],
)
HAI = _province("HAI", "Hai", [{"code": "NAM", "name": "Nam", "kind": "thị xã", "population": {2024: 6000}}])
OLDS = [("Một", "tỉnh", MOT), ("Hai", "tỉnh", HAI)]


def _row(new: str, new_name: str, province: str, district: str, code: str, share: float) -> CrosswalkRow:
    link = "full" if share == 1 else "partial"
    return CrosswalkRow(new, new_name, province, code, district, f"{code}1", "Xã X", link, share, share)


ROWS = [
    _row("A", "Phường An", "Tỉnh Một", "Huyện Đông", "D1", 1.0),
    _row("B", "Xã Bình", "Tỉnh Một", "Huyện Tây", "D2", 0.25),
    _row("C", "Xã Cường", "Tỉnh Một", "Huyện Tây", "D2", 0.75),
    _row("C", "Xã Cường", "Tỉnh Hai", "Thị xã Nam", "E1", 1.0),
]


def _records(rows: list[tuple[str, str, str, float, bool]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unit", "period", "indicator", "value", "is_estimate"]).astype(
        {"unit": "string", "period": "string", "indicator": "string", "value": "float64"}
    )


def _old(unit: str, quarter: str, values: dict[str, float], estimate: tuple[str, ...] = ()) -> list[Any]:
    return [(unit, quarter, code, value, code in estimate) for code, value in values.items()]


# 2024-Q3 of the old units: revenue BC03 (flow), fixed broadband IN01 (stock, density IN04), villages with
# broadband VT07 of all villages VT08 (the rate VT09), fixed and mobile phones VT01 + VT02 (the sum VT03).
DONG = {"BC03": 10, "IN01": 1000, "VT07": 40, "VT08": 50, "VT01": 100, "VT02": 900}
TAY = {"BC03": 8, "IN01": 400, "VT07": 20, "VT08": 40, "VT01": 40, "VT02": 360}
NAM = {"BC03": 6, "IN01": 900, "VT07": 30, "VT08": 30, "VT01": 60, "VT02": 540}


def _history() -> Any:
    return history_of(NEW, OLDS, ROWS, Q2_2025)


def test_each_old_district_gives_its_share_and_whole_ones_are_exact() -> None:
    history = _history()
    shares = {(s.old.code, s.new_unit): s.share for s in history.shares}
    assert shares == {("DONG", "A"): 1.0, ("TAY", "B"): 0.25, ("TAY", "C"): 0.75, ("NAM", "C"): 1.0}
    assert history.estimated == {"B", "C"}
    assert history.findings == ()
    assert history.predecessors == ("tỉnh Một", "tỉnh Hai")


def _carried_figures(catalogue: Catalogue, period: str, lacking_nam: bool = False) -> pd.DataFrame:
    history = _history()
    mot = _records(_old("DONG", "2024-Q3", DONG) + _old("TAY", "2024-Q3", TAY, estimate=("BC03",)))
    hai = _records([] if lacking_nam else _old("NAM", "2024-Q3", NAM))
    carried = carried_records(history, {"Một": mot, "Hai": hai}, [Period.parse("2024-Q3")])
    # The new communes' own 2025-Q3.
    own = _records(
        _old("A", "2025-Q3", {"BC03": 12, "IN01": 1100, "VT07": 45, "VT08": 50, "VT01": 90, "VT02": 1000})
        + _old("B", "2025-Q3", {"BC03": 3, "IN01": 110, "VT07": 8, "VT08": 10, "VT01": 10, "VT02": 100})
        + _old("C", "2025-Q3", {"BC03": 15, "IN01": 1290, "VT07": 55, "VT08": 60, "VT01": 90, "VT02": 900})
    )
    people = carried_populations(history, {"Một": MOT, "Hai": HAI})
    province = with_populations(NEW, people)
    figures = report_figures(with_carried(own, carried), catalogue, province, Period.parse(period))
    return figures.set_index(["unit", "indicator"])


def test_a_merged_provinces_year_before_is_the_sum_of_its_predecessors(catalogue: Catalogue) -> None:
    fig = _carried_figures(catalogue, "2025-Q3")
    prov = fig.loc["MOI"]
    # Revenue: 10 + 8 + 6 = 24 in 2024-Q3; 12 + 3 + 15 = 30 now: +25%.
    assert prov.loc["BC03", "value_ly"] == pytest.approx(24)
    assert prov.loc["BC03", "yoy_pct"] == pytest.approx(25)
    # A stock: 1,000 + 400 + 900 = 2,300 subscribers; now 1,100 + 110 + 1,290 = 2,500.
    assert prov.loc["IN01", "value_ly"] == pytest.approx(2300)
    # Its density: 2,300 / (10,000 + 4,000 + 6,000) x 100 = 11.5 then; 2,500 / 20,200 x 100 = 12.376 now.
    assert prov.loc["IN04", "value_ly"] == pytest.approx(11.5)
    assert prov.loc["IN04", "value"] == pytest.approx(2500 / 20200 * 100)
    # A rate is the ratio of the sums, (40 + 20 + 30) / (50 + 40 + 30) = 75%, not the mean of 80, 50, 100.
    assert prov.loc["VT09", "value_ly"] == pytest.approx(75)
    # A sum of stocks: 100 + 900 + 40 + 360 + 60 + 540 = 2,000 phones.
    assert prov.loc["VT03", "value_ly"] == pytest.approx(2000)


def test_a_partly_taken_district_is_carried_by_its_share(catalogue: Catalogue) -> None:
    fig = _carried_figures(catalogue, "2025-Q3")
    # B: a quarter of huyện Tây: revenue 8 x 0.25 = 2, subscribers 400 x 0.25 = 100, 1,000 people.
    assert fig.loc[("B", "BC03"), "value_ly"] == pytest.approx(2)
    assert fig.loc[("B", "IN01"), "value_ly"] == pytest.approx(100)
    assert fig.loc[("B", "IN04"), "value_ly"] == pytest.approx(10)
    # C: three quarters of Tây and all of Nam: 6 + 6 = 12; 300 + 900 = 1,200 over 3,000 + 6,000 people.
    assert fig.loc[("C", "BC03"), "value_ly"] == pytest.approx(12)
    assert fig.loc[("C", "IN04"), "value_ly"] == pytest.approx(1200 / 9000 * 100)
    # A is exactly huyện Đông.
    assert fig.loc[("A", "BC03"), "value_ly"] == pytest.approx(10)


def test_populations_are_split_in_whole_people_that_add_up() -> None:
    people = carried_populations(_history(), {"Một": MOT, "Hai": HAI})
    assert people == {"A": {2024: 10000}, "B": {2024: 1000}, "C": {2024: 9000}}
    province = with_populations(NEW, people)
    # The province's own 2025 figures stay; 2024 comes from the old units.
    assert province.unit("C").population == {2024: 9000, 2025: 9100}
    odd = _province("ODD", "Lẻ", [{"code": "X", "name": "X", "kind": "huyện", "population": {2024: 10001}}])
    rows = [_row(n, f"Xã {n}", "Tỉnh Lẻ", "Huyện X", "X", 1 / 3) for n in ("A", "B", "C")]
    three = history_of(NEW, [("Lẻ", "tỉnh", odd)], rows, Q2_2025)
    split = carried_populations(three, {"Lẻ": odd})
    # 10,001 in thirds: 3,333.67 each; the one remaining person goes to the first by name.
    assert sorted(split[u][2024] for u in "ABC") == [3333, 3334, 3334]
    assert sum(split[u][2024] for u in "ABC") == 10001


def test_a_missing_predecessor_quarter_leaves_its_new_units_partial(catalogue: Catalogue) -> None:
    history = _history()
    mot = _records(_old("DONG", "2024-Q3", DONG) + _old("TAY", "2024-Q3", TAY))
    carried = carried_records(history, {"Một": mot, "Hai": _records([])}, [Period.parse("2024-Q3")])
    rows = carried.records.set_index(["unit", "indicator"])
    # C has only Tây's three quarters: 6, marked incomplete; B (all of its part sent) is complete.
    assert rows.loc[("C", "BC03"), "value"] == pytest.approx(6)
    assert not rows.loc[("C", "BC03"), "complete"]
    assert rows.loc[("B", "BC03"), "complete"]
    # A sum with a part lacking an old unit is incomplete too: C's phones, not B's.
    assert not fig_complete(catalogue, carried, "C", "VT03")
    assert fig_complete(catalogue, carried, "B", "VT03")
    assert carried.lacking == (Lack(OldUnit("Hai", "NAM", "thị xã Nam", "thị xã"), "2024-Q3"),)
    fig = _carried_figures(catalogue, "2025-Q3", lacking_nam=True)
    prov = fig.loc["MOI"]
    # Growth like for like, over A and B only: (12 + 3) / (10 + 2) - 1 = 25%, on a base of 2 units.
    assert prov.loc["BC03", "value_ly"] == pytest.approx(12)
    assert prov.loc["BC03", "base_value"] == pytest.approx(15)
    assert prov.loc["BC03", "base_units"] == 2
    assert pd.isna(fig.loc[("C", "BC03"), "value_ly"])


def fig_complete(catalogue: Catalogue, carried: Any, unit: str, code: str) -> bool:
    """Whether the 2024-Q3 figure of ``code`` for ``unit`` is complete, read from the aggregation."""
    figures = report_figures(with_carried(_records([]), carried), catalogue, NEW, Period.parse("2024-Q3"))
    return bool(figures.set_index(["unit", "indicator"]).loc[(unit, code), "complete"])


def test_an_old_units_estimate_stays_an_estimate_in_every_unit_it_feeds() -> None:
    mot = _records(_old("DONG", "2024-Q3", DONG) + _old("TAY", "2024-Q3", TAY, estimate=("BC03",)))
    carried = carried_records(_history(), {"Một": mot, "Hai": _records(_old("NAM", "2024-Q3", NAM))})
    rows = carried.records.set_index(["unit", "indicator"])["is_estimate"]
    assert (rows[("A", "BC03")], rows[("B", "BC03")], rows[("C", "BC03")]) == (False, True, True)


def test_the_year_report_takes_its_first_half_from_the_predecessors(catalogue: Catalogue) -> None:
    history = _history()
    mot = _records(
        _old("DONG", "2025-Q1", {"BC03": 10})
        + _old("DONG", "2025-Q2", {"BC03": 11}, estimate=("BC03",))
        + _old("TAY", "2025-Q1", {"BC03": 4})
        + _old("TAY", "2025-Q2", {"BC03": 4})
        + _old("TAY", "2025-Q3", {"BC03": 99})  # after its last quarter: never carried
    )
    hai = _records(_old("NAM", "2025-Q1", {"BC03": 5}) + _old("NAM", "2025-Q2", {"BC03": 6}))
    carried = carried_records(history, {"Một": mot, "Hai": hai})
    own = _records(
        [
            (u, q, "BC03", v, False)
            for q in ("2025-Q3", "2025-Q4")
            for u, v in (("A", 12.0), ("B", 1.0), ("C", 7.0))
        ]
    )
    figures = report_figures(with_carried(own, carried), catalogue, NEW, Period.parse("2025"))
    year = figures.set_index(["unit", "indicator"]).loc[("MOI", "BC03")]
    # Q1 10 + 4 + 5 = 19, Q2 11 + 4 + 6 = 21 (an estimate), Q3 and Q4 20 each: 80.
    assert year["value"] == pytest.approx(80)
    assert year["is_estimate"]
    assert "2025-Q3" not in set(carried.records["period"])


def test_a_new_units_own_quarter_wins_over_the_carried_one() -> None:
    carried = carried_records(_history(), {"Một": _records(_old("DONG", "2025-Q2", {"BC03": 10}))})
    own = _records([("A", "2025-Q2", "BC03", 7.0, False)])
    both = with_carried(own, carried)
    assert list(both["value"]) == [7.0]


def test_units_that_match_nothing_are_findings() -> None:
    lost = _province(
        "MOI",
        "Mới",
        [*NEW.model_dump()["units"], {"code": "D", "name": "Dũng", "kind": "xã", "population": {2025: 10}}],
    )
    stray = _province(
        "HAI",
        "Hai",
        [
            {"code": "NAM", "name": "Nam", "kind": "thị xã"},
            {"code": "LA", "name": "Lạ", "kind": "huyện"},
        ],
    )
    history = history_of(lost, [("Một", "tỉnh", MOT), ("Hai", "tỉnh", stray)], ROWS, Q2_2025)
    kinds = {(f.kind, f.subject) for f in history.findings}
    assert kinds == {("old_unmatched", "huyện Lạ (tỉnh Hai cũ)"), ("new_unmatched", "xã Dũng")}
    # Without huyện Tây in its folder, the crosswalk's Tây is named, and B gets nothing.
    history = history_of(
        NEW,
        [("Một", "tỉnh", _province("MOT", "Một", [MOT.units[0].model_dump()])), ("Hai", "tỉnh", HAI)],
        ROWS,
        Q2_2025,
    )
    kinds = {(f.kind, f.subject) for f in history.findings}
    assert kinds == {("old_absent", "Huyện Tây (Tỉnh Một)"), ("new_unmatched", "xã Bình")}


def test_units_match_by_name_when_codes_differ_and_by_code_when_names_do() -> None:
    renamed = _province(
        "MOT",
        "Một",
        [
            {"code": "D1", "name": "Đông Cũ", "kind": "huyện"},  # the crosswalk's code, another name
            {"code": "TAYX", "name": "TÂY", "kind": "Huyện"},  # another code, the name in other case
        ],
    )
    history = history_of(NEW, [("Một", "tỉnh", renamed), ("Hai", "tỉnh", HAI)], ROWS, Q2_2025)
    assert {(s.old.code, s.new_unit) for s in history.shares} == {
        ("D1", "A"),
        ("TAYX", "B"),
        ("TAYX", "C"),
        ("NAM", "C"),
    }


def _tiny_country() -> Country:
    """Old commune O1 split between new A (6,000 people, made of O1 and O2) and new B (2,000, O1 only); both in
    district D1 = {O1, O2}."""
    old = {
        "O1": OldCommune("O1", "Xã Một", "D1", "Huyện Một", "Tỉnh Cũ"),
        "O2": OldCommune("O2", "Xã Hai", "D1", "Huyện Một", "Tỉnh Cũ"),
    }
    communes = (
        Commune("A", "An", "xã", 6000, None, (Link("O1", "Xã Một", False), Link("O2", "Xã Hai", True))),
        Commune("B", "Bình", "xã", 2000, None, (Link("O1", "Xã Một", False),)),
    )
    new = NewProvince("99", "Mới", "tỉnh", 8000, None, ("Tỉnh Cũ",), communes)
    return Country(date(2025, 7, 1), (new,), MappingProxyType(old), MappingProxyType({}))


def test_a_partial_split_from_the_generated_crosswalk_is_weighted_by_population() -> None:
    country = _tiny_country()
    rows = crosswalk_of(country, country.provinces[0]).rows
    cu = _province("CU", "Cũ", [{"code": "MOT", "name": "Một", "kind": "huyện", "population": {2024: 7000}}])
    new = _province(
        "MOI",
        "Mới",
        [{"code": "A", "name": "An", "kind": "xã"}, {"code": "B", "name": "Bình", "kind": "xã"}],
    )
    history = history_of(new, [("Cũ", "tỉnh", cu)], rows, Q2_2025)
    # A's 6,000 people: 3,000 from O1, 3,000 from O2; B's 2,000 from O1: D1 is estimated at 8,000,
    # of which A takes 6,000 (0.75) and B 2,000 (0.25).
    carried = carried_records(history, {"Cũ": _records(_old("MOT", "2024-Q3", {"IN01": 800}))})
    values = carried.records.set_index("unit")["value"]
    assert values["A"] == pytest.approx(600)
    assert values["B"] == pytest.approx(200)
    assert carried_populations(history, {"Cũ": cu}) == {"A": {2024: 5250}, "B": {2024: 1750}}
    assert history.estimated == {"A", "B"}
