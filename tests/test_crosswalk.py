"""Crosswalks of 2025 provinces: generated from the bundled data, checked against the other source file and
against hand-worked shares."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date
from pathlib import Path
from types import MappingProxyType

import pytest

from baocao.crosswalk import (
    crosswalk_csv,
    crosswalk_of,
    district_shares,
    old_districts_of,
    read_crosswalk,
    write_crosswalk,
)
from baocao.errors import ConfigError
from baocao.units import (
    UNITS_2025,
    Commune,
    Country,
    Link,
    NewProvince,
    OldCommune,
    load_country,
    province_named,
)


def _legacy(new_province: str) -> list[dict[str, str]]:
    with (UNITS_2025 / "legacy-to-2025.csv").open(encoding="utf-8", newline="") as handle:
        return [r for r in csv.DictReader(handle) if r["newProvince"] == new_province]


def test_new_lao_cai_lists_exactly_the_units_of_the_other_source() -> None:
    made = crosswalk_of(load_country(), province_named(load_country(), "Lào Cai"))
    legacy = _legacy("Tỉnh Lào Cai")  # the other repository's table, not the merges file the code reads
    assert {r.new_code for r in made.rows} == {r["newWardCode"] for r in legacy}
    assert len({r.new_code for r in made.rows}) == 99
    assert {r.old_code for r in made.rows} == {f"{int(float(r['wardCode'])):05d}" for r in legacy}
    assert {(r.old_district_code, r.old_district) for r in made.rows} == {
        (f"{int(r['districtCode']):03d}", r["district"]) for r in legacy
    }
    assert {r.old_province for r in made.rows} == {"Tỉnh Lào Cai", "Tỉnh Yên Bái"}
    assert made.unplaced == ()


def _tiny() -> Country:
    """Hand-made: old commune O1 split between new A (6,000 people, made of O1 and O2) and new B (2,000, O1 only);
    O3 wholly into B's neighbour C (1,000). Districts: D1 = {O1, O2}, D2 = {O3}."""
    old = {
        "O1": OldCommune("O1", "Xã Một", "D1", "Huyện Một", "Tỉnh Cũ"),
        "O2": OldCommune("O2", "Xã Hai", "D1", "Huyện Một", "Tỉnh Cũ"),
        "O3": OldCommune("O3", "Xã Ba", "D2", "Huyện Hai", "Tỉnh Cũ"),
    }
    communes = (
        Commune("A", "An", "xã", 6000, None, (Link("O1", "Xã Một", False), Link("O2", "Xã Hai", True))),
        Commune("B", "Bình", "xã", 2000, None, (Link("O1", "Xã Một", False),)),
        Commune("C", "Cường", "phường", 1000, None, (Link("O3", "Xã Ba", True),)),
    )
    province = NewProvince("99", "Mới", "tỉnh", 9000, None, ("Tỉnh Cũ",), communes)
    return Country(date(2025, 7, 1), (province,), MappingProxyType(old), MappingProxyType({}))


def test_a_partial_split_is_weighted_by_population() -> None:
    country = _tiny()
    made = crosswalk_of(country, country.provinces[0])
    rows = {(r.old_code, r.new_code): r for r in made.rows}
    # A's 6,000 people spread over its 2 parts: 3,000 from O1, 3,000 from O2; B's 2,000 all from O1.
    # O1 gave 3,000 + 2,000: 3/5 of its figures go to A, 2/5 to B.
    assert rows[("O1", "A")].weight == pytest.approx(0.6)
    assert rows[("O1", "B")].weight == pytest.approx(0.4)
    assert rows[("O2", "A")].weight == 1.0
    assert rows[("O1", "A")].link == "partial" and rows[("O2", "A")].link == "full"
    # D1 (O1 + O2) is estimated at 3,000 + 2,000 + 3,000 = 8,000: A takes 6,000 of it, B 2,000.
    shares = district_shares(made.rows)
    assert shares[("D1", "A")] == pytest.approx(0.75)
    assert shares[("D1", "B")] == pytest.approx(0.25)
    assert shares[("D2", "C")] == 1.0
    assert old_districts_of(made.rows) == [("D1", "Huyện Một", "Tỉnh Cũ"), ("D2", "Huyện Hai", "Tỉnh Cũ")]


def test_an_old_commune_the_old_list_lacks_is_named_not_dropped() -> None:
    made = crosswalk_of(load_country(), province_named(load_country(), "Lâm Đồng"))
    assert "Xã Đạ M'ri (25102) → Xã Đạ Huoai 2" in made.unplaced
    assert any(r.old_code == "25102" and r.old_district == "" for r in made.rows)


def test_every_province_shares_out_each_old_unit_whole() -> None:
    country = load_country()
    for province in country.provinces:
        made = crosswalk_of(country, province)
        by_old: dict[str, float] = defaultdict(float)
        for row in made.rows:
            by_old[row.old_code] += row.weight
        by_district: dict[str, float] = defaultdict(float)
        for (district, _), share in district_shares(made.rows).items():
            by_district[district] += share
        assert all(v == pytest.approx(1, abs=1e-4) for v in by_old.values()), province.name
        assert all(v == pytest.approx(1, abs=1e-4) for v in by_district.values()), province.name


def test_an_island_district_without_communes_stands_for_itself() -> None:
    made = crosswalk_of(load_country(), province_named(load_country(), "Hải Phòng"))
    island = [r for r in made.rows if r.old_name == "Huyện Bạch Long Vĩ"]
    assert len(island) == 1
    assert (island[0].new_name, island[0].old_district, island[0].district_share) == (
        "Đặc khu Bạch Long Vĩ",
        "Huyện Bạch Long Vĩ",
        1.0,
    )


def test_the_file_reads_back_as_written_and_opens_in_excel(tmp_path: Path) -> None:
    country = _tiny()
    made = crosswalk_of(country, country.provinces[0])
    target = write_crosswalk(made, tmp_path / "crosswalk.csv")
    assert target.read_bytes().startswith("\ufeff".encode())  # Excel reads UTF-8 only with the BOM
    assert read_crosswalk(target) == made.rows
    assert crosswalk_csv(made).decode("utf-8-sig").splitlines()[0].startswith("new_code,new_name,")


def test_a_weight_that_is_not_a_number_names_its_line(tmp_path: Path) -> None:
    country = _tiny()
    text = crosswalk_csv(crosswalk_of(country, country.provinces[0])).decode("utf-8-sig")
    lines = text.splitlines()
    lines[3] = lines[3].replace("0.4", "bốn mươi phần trăm")  # B's row: line 4 of the file
    path = tmp_path / "crosswalk.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"crosswalk\.csv, dòng 4: .*trọng số là số thập phân"):
        read_crosswalk(path)


def test_an_implausible_population_in_the_data_counts_as_the_median_commune() -> None:
    """New A (made of part of O1 and of O2) has 6,000 people, B (the rest of O1) 40 in the data, C 5,000:
    the median is 5,000, and 40 is below a tenth of it, so B counts as 5,000 people."""
    old = {
        "O1": OldCommune("O1", "Xã Một", "D1", "Huyện Một", "Tỉnh Cũ"),
        "O2": OldCommune("O2", "Xã Hai", "D1", "Huyện Một", "Tỉnh Cũ"),
        "O3": OldCommune("O3", "Xã Ba", "D2", "Huyện Hai", "Tỉnh Cũ"),
    }
    communes = (
        Commune("A", "An", "xã", 6000, None, (Link("O1", "Xã Một", False), Link("O2", "Xã Hai", True))),
        Commune("B", "Bình", "xã", 40, None, (Link("O1", "Xã Một", False),)),
        Commune("C", "Cường", "xã", 5000, None, (Link("O3", "Xã Ba", True),)),
    )
    province = NewProvince("99", "Mới", "tỉnh", 11040, None, ("Tỉnh Cũ",), communes)
    country = Country(date(2025, 7, 1), (province,), MappingProxyType(old), MappingProxyType({}))
    rows = {(r.old_code, r.new_code): r for r in crosswalk_of(country, province).rows}
    # O1 gave A 3,000 (half of A's 6,000) and B 5,000: 3/8 and 5/8 (with B's 40 it would be 3,000 to 40).
    assert rows[("O1", "A")].weight == pytest.approx(0.375)
    assert rows[("O1", "B")].weight == pytest.approx(0.625)
