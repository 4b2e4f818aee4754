"""The bundled 2025 unit list read back against the data files themselves (counted here independently)."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from baocao.errors import ConfigError
from baocao.units import UNITS_2025, load_country, name_key, province_named, short_name, vietnamese_number


def _rows(name: str) -> list[dict[str, str]]:
    with (UNITS_2025 / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_country_has_34_provinces_and_3321_communes_of_the_three_kinds() -> None:
    country = load_country()
    assert len(country.provinces) == 34
    assert country.commune_count == 3321
    kinds = Counter(c.kind for p in country.provinces for c in p.communes)
    assert kinds == {"xã": 2621, "phường": 687, "đặc khu": 13}  # the data folder's README
    assert country.in_force.isoformat() == "2025-07-01"


def test_every_province_has_the_population_and_area_of_its_csv_row() -> None:
    country = load_country()
    rows = {name_key(r["tentinh"]): r for r in _rows("provinces-2025.csv")}
    for province in country.provinces:
        row = rows[name_key(province.name)]
        assert province.population == int(row["dansonguoi"].replace(".", ""))
        assert province.area_km2 == pytest.approx(
            float(row["dientichkm2"].replace(".", "").replace(",", "."))
        )


def test_new_lao_cai_is_yen_bai_and_lao_cai_with_99_communes() -> None:
    lao_cai = province_named(load_country(), "lao-cai")
    assert (lao_cai.name, lao_cai.kind, lao_cai.code) == ("Lào Cai", "tỉnh", "15")
    assert set(lao_cai.predecessors) == {"Tỉnh Lào Cai", "Tỉnh Yên Bái"}
    assert lao_cai.population == 1_778_785
    csv_names = {
        (r["loai"], r["tenhc"]) for r in _rows("communes-2025.csv") if r["tentinh"] == "tỉnh Lào Cai"
    }
    assert len(lao_cai.communes) == len(csv_names) == 99
    assert {(c.kind, name_key(c.name)) for c in lao_cai.communes} == {(k, name_key(n)) for k, n in csv_names}


def test_links_are_those_of_the_merges_file() -> None:
    data = json.loads((UNITS_2025 / "merges-2025.json").read_text(encoding="utf-8"))["data"]
    expected = Counter(m["type"] for p in data for c in p["level2s"] for m in c["merges"])
    country = load_country()
    links = [link for p in country.provinces for c in p.communes for link in c.links]
    assert Counter("full" if link.full else "partial" for link in links) == expected
    assert expected == {"full": 9592, "partial": 1012}


def test_a_commune_the_data_says_is_being_updated_has_no_population() -> None:
    rows = [r for r in _rows("communes-2025.csv") if r["dansonguoi"] == "đang cập nhật"]
    assert rows, "the data has such communes"
    country = load_country()
    by_name = {(name_key(p.name), c.kind, name_key(c.name)): c for p in country.provinces for c in p.communes}
    for row in rows:
        assert by_name[(name_key(row["tentinh"]), row["loai"], name_key(row["tenhc"]))].population is None


@pytest.mark.parametrize(
    ("text", "value"),
    [("8.718.000", 8718000.0), ("3.359,80", 3359.8), ("28.69", 28.69), ("102136", 102136.0), ("", None)],
)
def test_vietnamese_numbers(text: str, value: float | None) -> None:
    assert vietnamese_number(text) == value


@pytest.mark.parametrize(
    ("name", "key", "short"),
    [
        ("Tỉnh Thanh Hoá", "thanh hoa", "Thanh Hoá"),
        ("tỉnh Thanh Hóa", "thanh hoa", "Thanh Hóa"),
        ("Thủ đô Hà Nội", "ha noi", "Hà Nội"),
        ("Đặc khu Côn Đảo", "con dao", "Côn Đảo"),
        ("Phường  Đồng   Xuân", "dong xuan", "Đồng Xuân"),
    ],
)
def test_names_match_across_the_sources_spelling(name: str, key: str, short: str) -> None:
    assert name_key(name) == key
    assert short_name(name) == short


@pytest.mark.parametrize("name", ["Lào Cai", "tỉnh Lào Cai", "lao-cai", "15", "LÀO CAI"])
def test_a_province_is_found_by_any_of_its_names(name: str) -> None:
    assert province_named(load_country(), name).code == "15"


def test_an_unknown_province_is_a_vietnamese_message_that_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"không có tỉnh, thành phố nào tên “Yên Bái”.*Lào Cai"):
        province_named(load_country(), "Yên Bái")


def test_a_missing_data_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="không đọc được danh mục đơn vị hành chính"):
        load_country(tmp_path)
