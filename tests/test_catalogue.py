"""The indicator catalogue and a province's configuration: loading and validation (baocao/catalogue.py)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest

from baocao.catalogue import Catalogue, load_catalogue
from baocao.errors import ConfigError
from baocao.province import Province, load_province
from baocao.report import SAMPLE_INPUTS, TEMPLATES, Setup

# --- the real files -------------------------------------------------------------------------------

# The fields DOMAIN.md lists, as the catalogue names them (the press field is split in two).
DOMAIN_FIELDS = [
    "Bưu chính",
    "Viễn thông",
    "Internet",
    "Ứng dụng công nghệ thông tin",
    "Báo chí – Xuất bản",
    "In – Phát hành",
    "Phát thanh – Truyền hình",
    "Thông tin cơ sở",
]

LAO_CAI_UNITS = [
    "LAOCAI",
    "BATXAT",
    "MUONGKHUONG",
    "SIMACAI",
    "BACHA",
    "BAOTHANG",
    "BAOYEN",
    "SAPA",
    "VANBAN",
]


def test_real_catalogue_has_enough_indicators(catalogue: Catalogue) -> None:
    assert len(catalogue.indicators) >= 30


@pytest.mark.parametrize("name", DOMAIN_FIELDS)
def test_real_catalogue_covers_every_domain_field(catalogue: Catalogue, name: str) -> None:
    fields = [f for f in catalogue.fields if f.name == name]
    assert len(fields) == 1, f"field {name!r} missing"
    assert catalogue.in_field(fields[0].code), f"field {name!r} has no indicator"


def test_real_catalogue_loads_from_its_path() -> None:
    loaded = load_catalogue(TEMPLATES / "indicators.yaml")
    assert "BC03" in loaded
    assert "ZZ99" not in loaded
    assert loaded.get("BC03").name == "Doanh thu bưu chính"
    assert loaded.get("BC03").unit == "tỷ đồng"


def test_real_catalogue_submits_only_flows_and_stocks(catalogue: Catalogue) -> None:
    assert {i.kind for i in catalogue.submitted} == {"flow", "stock"}
    assert "TH01" not in {i.code for i in catalogue.submitted}
    assert "VT04" not in {i.code for i in catalogue.submitted}


def test_get_unknown_indicator_raises_key_error(catalogue: Catalogue) -> None:
    with pytest.raises(KeyError):
        catalogue.get("ZZ99")


def test_real_province_has_nine_units(province: Province) -> None:
    assert len(province.units) == 9
    assert list(province.unit_codes) == LAO_CAI_UNITS
    assert province.code == "LCI"
    assert province.calendar == "administrative"
    assert province.deadline_working_days == 5


def test_real_province_loads_from_its_path(catalogue: Catalogue) -> None:
    loaded = load_province(SAMPLE_INPUTS / "province.yaml", catalogue)
    assert loaded.unit("SAPA").full_name == "thị xã Sa Pa"
    assert loaded.unit("BATXAT").people_committee == "UBND huyện Bát Xát"
    assert loaded.unit("LAOCAI").full_name == "thành phố Lào Cai"


# --- time rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        ("BC03", "flow"),  # postal revenue
        ("PT01", "flow"),  # broadcast hours
        ("BC01", "stock"),  # postal service points
        ("VT01", "stock"),  # fixed subscribers
        ("TH01", "flow"),  # sum of revenues
        ("VT03", "stock"),  # sum of subscribers
        ("VT09", "stock"),  # ratio
        ("VT04", "stock"),  # density
        ("IN04", "stock"),  # density
    ],
)
def test_time_rule(catalogue: Catalogue, code: str, rule: str) -> None:
    assert catalogue.time_rule(code) == rule


# --- population and plans -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "expected"),
    [(2024, 133480), (2023, 131250), (2025, 133480), (2030, 133480), (2022, None), (1990, None)],
)
def test_population_in_falls_back_to_the_latest_earlier_year(
    province: Province, year: int, expected: int | None
) -> None:
    assert province.unit("LAOCAI").population_in(year) == expected


def test_population_in_with_a_gap(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "province.yaml",
        PROVINCE.replace("population: {2020: 1000, 2023: 1300}", "population: {2023: 1300, 2020: 1000}"),
    )
    unit = load_province(path).unit("XA01")
    assert unit.population_in(2019) is None
    assert unit.population_in(2020) == 1000
    assert unit.population_in(2022) == 1000
    assert unit.population_in(2023) == 1300
    assert unit.population_in(2026) == 1300


@pytest.mark.parametrize(
    ("code", "year", "expected"),
    [
        ("BC03", 2024, 172.0),
        ("IP03", 2024, 22.5),
        ("TH01", 2023, 1480.0),
        ("VT01", 2024, None),
        ("BC03", 2022, None),
        ("ZZ99", 2024, None),
    ],
)
def test_plan_for_province(province: Province, code: str, year: int, expected: float | None) -> None:
    value = province.plan_for(code, year)
    assert value == expected
    if expected is not None:
        assert isinstance(value, float)


def test_plan_for_unit(tmp_path: Path) -> None:
    province = load_province(write(tmp_path, "province.yaml", PROVINCE))
    assert province.plan_for("A01", 2024) == 500.0
    assert province.plan_for("A01", 2024, unit="XA01") == 120.0
    assert province.plan_for("A01", 2024, unit="PH02") is None
    assert province.plan_for("A01", 2023, unit="XA01") is None
    with pytest.raises(KeyError):
        province.plan_for("A01", 2024, unit="NOPE")


def test_real_units_have_no_plans_of_their_own(province: Province) -> None:
    assert province.plan_for("BC03", 2024, unit="BATXAT") is None


def test_unit_kinds_phrase_for_districts(province: Province) -> None:
    assert province.unit_kinds_phrase == "huyện, thị xã, thành phố"


def test_unit_kinds_phrase_for_communes(tmp_path: Path) -> None:
    # Units listed ward first: the phrase still says 'xã, phường'.
    province = load_province(write(tmp_path, "province.yaml", PROVINCE))
    assert province.unit_kinds_phrase == "xã, phường"


# --- bad configurations ---------------------------------------------------------------------------

CATALOGUE = """\
fields:
  - {code: F1, name: "Bưu chính"}
  - {code: F2, name: "Viễn thông"}
indicators:
  - {code: A01, field: F1, kind: flow, unit: tỷ đồng, name: "Doanh thu"}
  - {code: A02, field: F1, kind: flow, unit: tỷ đồng, name: "Doanh thu khác"}
  - {code: B01, field: F2, kind: stock, unit: thuê bao, name: "Thuê bao cố định"}
  - {code: B02, field: F2, kind: stock, unit: thuê bao, name: "Thuê bao di động"}
"""

PROVINCE = """\
code: TINH
name: Thử
parent_body: Ủy ban nhân dân tỉnh Thử
agency: {name: Sở Khoa học và Công nghệ, abbreviation: SKHCN}
place: Thử
units:
  - {code: PH02, name: Một, kind: phường, population: {2024: 2000}}
  - {code: XA01, name: Hai, kind: xã, population: {2020: 1000, 2023: 1300}, plans: {2024: {A01: 120}}}
plans:
  2024: {A01: 500}
signer: {name: Nguyễn Văn A}
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_configurations_are_valid(tmp_path: Path) -> None:
    # The bases the bad cases below are made from must themselves load.
    catalogue = load_catalogue(write(tmp_path, "indicators.yaml", CATALOGUE))
    province = load_province(write(tmp_path, "province.yaml", PROVINCE), catalogue)
    assert [i.code for i in catalogue.indicators] == ["A01", "A02", "B01", "B02"]
    assert province.unit_codes == ("PH02", "XA01")
    assert province.calendar == "administrative"


def with_indicator(line: str) -> str:
    return CATALOGUE + f"  - {line}\n"


BAD_CATALOGUES = [
    pytest.param(
        with_indicator("{code: A01, field: F1, kind: flow, unit: x, name: Lặp}"),
        "mã chỉ tiêu bị trùng: A01",
        id="duplicate-code",
    ),
    pytest.param(
        with_indicator("{code: C01, field: ZZ, kind: flow, unit: x, name: Lạ}"),
        "C01: không có lĩnh vực 'ZZ'",
        id="unknown-field",
    ),
    pytest.param(
        with_indicator("{code: R01, field: F2, kind: ratio, numerator: B01, unit: '%', name: Tỷ lệ}"),
        "R01: chỉ tiêu tỷ lệ cần 'numerator' (tử số) và 'denominator' (mẫu số)",
        id="ratio-without-denominator",
    ),
    pytest.param(
        with_indicator("{code: D01, field: F1, kind: density, base: A01, unit: /100 dân, name: Mật độ}"),
        "D01: chỉ tiêu gốc của mật độ phải là chỉ tiêu hiện có",
        id="density-of-a-flow",
    ),
    pytest.param(
        with_indicator("{code: D01, field: F2, kind: density, unit: /100 dân, name: Mật độ}"),
        "D01: chỉ tiêu mật độ cần 'base'",
        id="density-without-base",
    ),
    pytest.param(
        with_indicator("{code: S01, field: F1, kind: sum, parts: [A01, B01], unit: x, name: Tổng}"),
        "S01: các thành phần của tổng phải cùng là chỉ tiêu phát sinh",
        id="sum-of-flow-and-stock",
    ),
    pytest.param(
        with_indicator("{code: S01, field: F1, kind: sum, parts: [A01], unit: x, name: Tổng}"),
        "S01: chỉ tiêu tổng cần ít nhất hai 'parts'",
        id="sum-of-one-part",
    ),
    pytest.param(
        with_indicator("{code: S01, field: F1, kind: sum, parts: [A01, X99], unit: x, name: Tổng}"),
        "S01: dẫn đến chỉ tiêu không có 'X99'",
        id="sum-refers-to-unknown",
    ),
    pytest.param(
        with_indicator(
            "{code: R01, field: F2, kind: ratio, numerator: B01, denominator: X98, unit: x, name: R}"
        ),
        "R01: dẫn đến chỉ tiêu không có 'X98'",
        id="ratio-refers-to-unknown",
    ),
    pytest.param(
        with_indicator("{code: C02, field: F2, kind: stock, parent: X97, unit: x, name: Trong đó}"),
        "C02: dẫn đến chỉ tiêu không có 'X97'",
        id="parent-unknown",
    ),
    pytest.param(
        with_indicator("{code: C03, field: F2, kind: stock, unit: x, name: Thừa, colour: red}"),
        "colour",
        id="unknown-key",
    ),
    pytest.param(
        with_indicator("{code: C04, field: F2, kind: average, unit: x, name: Trung bình}"),
        "kind",
        id="unknown-kind",
    ),
    pytest.param(
        with_indicator("{code: D02, field: F1, kind: density, base: S02, unit: /100 dân, name: Mật độ}")
        + "  - {code: S02, field: F1, kind: sum, parts: [A01, A02], unit: x, name: Tổng doanh thu}\n",
        "D02: chỉ tiêu gốc của mật độ phải là chỉ tiêu hiện có",
        id="density-of-a-sum-of-flows",
    ),
    pytest.param("fields: [\n  - {code: F1", "không phải YAML hợp lệ", id="invalid-yaml"),
    pytest.param("fields: []\n", "indicators", id="missing-indicators"),
]


@pytest.mark.parametrize(("text", "expected"), BAD_CATALOGUES)
def test_bad_catalogue(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, "indicators.yaml", text)
    with pytest.raises(ConfigError) as info:
        load_catalogue(path)
    message = str(info.value)
    assert str(path) in message
    assert info.value.path == str(path)
    assert expected in message


def with_unit_code(code: str) -> str:
    return PROVINCE.replace("{code: PH02,", f"{{code: {code},")


BAD_PROVINCES = [
    pytest.param(
        with_unit_code("PH 02"), "mã đơn vị 'PH 02' chỉ gồm chữ cái không dấu", id="code-with-space"
    ),
    pytest.param(
        with_unit_code("PHƯỜNG2"), "mã đơn vị 'PHƯỜNG2' chỉ gồm chữ cái không dấu", id="code-non-ascii"
    ),
    pytest.param(with_unit_code("'PH/02'"), "mã đơn vị 'PH/02'", id="code-with-slash"),
    pytest.param(with_unit_code("''"), "mã đơn vị ''", id="code-empty"),
    pytest.param(with_unit_code("XA01"), "mã đơn vị bị trùng: XA01", id="unit-twice"),
    pytest.param(
        PROVINCE.replace("code: TINH", "code: XA01"),
        "mã tỉnh 'XA01' trùng với mã một đơn vị",
        id="province-is-unit",
    ),
    pytest.param(PROVINCE.replace("kind: phường", "kind: ''"), "kind", id="empty-unit-kind"),
    pytest.param(PROVINCE + "calendar: lunar\n", "calendar", id="unknown-calendar"),
    pytest.param("code: [unclosed\n", "không phải YAML hợp lệ", id="invalid-yaml"),
]


@pytest.mark.parametrize(("text", "expected"), BAD_PROVINCES)
def test_bad_province(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, "province.yaml", text)
    with pytest.raises(ConfigError) as info:
        load_province(path)
    message = str(info.value)
    assert str(path) in message
    assert expected in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            PROVINCE.replace("2024: {A01: 500}", "2024: {A01: 500, Z99: 1}"),
            "kế hoạch ghi chỉ tiêu không có trong danh mục: Z99",
            id="province-plan",
        ),
        pytest.param(
            PROVINCE.replace("plans: {2024: {A01: 120}}", "plans: {2024: {Q42: 1}}"),
            "kế hoạch ghi chỉ tiêu không có trong danh mục: Q42",
            id="unit-plan",
        ),
        pytest.param(
            PROVINCE + "standing_tasks:\n  F9: [Một việc]\n",
            "standing_tasks ghi lĩnh vực không có: F9",
            id="standing-task-field",
        ),
    ],
)
def test_province_checked_against_catalogue(tmp_path: Path, text: str, expected: str) -> None:
    catalogue = load_catalogue(write(tmp_path, "indicators.yaml", CATALOGUE))
    path = write(tmp_path, "province.yaml", text)
    load_province(path)  # fine on its own: only the catalogue knows the codes
    with pytest.raises(ConfigError) as info:
        load_province(path, catalogue)
    assert str(path) in str(info.value)
    assert expected in str(info.value)


@pytest.mark.parametrize("loader", [load_catalogue, load_province])
def test_missing_file(tmp_path: Path, loader: Callable[[Path], object]) -> None:
    path = tmp_path / "absent.yaml"
    with pytest.raises(ConfigError) as info:
        loader(path)
    assert str(info.value) == f"{path}: không tìm thấy tệp"


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "indicators.yaml"
    path.write_bytes("fields: []  # Bưu chính\n".encode("cp1258"))
    with pytest.raises(ConfigError) as info:
        load_catalogue(path)
    assert str(path) in str(info.value)
    assert "không phải văn bản UTF-8" in str(info.value)


def test_names_are_normalised_to_nfc(tmp_path: Path) -> None:
    decomposed = unicodedata.normalize("NFD", "Doanh thu bưu chính")
    text = CATALOGUE.replace('name: "Doanh thu"}', f'name: "  {decomposed} "}}')
    catalogue = load_catalogue(write(tmp_path, "indicators.yaml", text))
    assert catalogue.get("A01").name == "Doanh thu bưu chính"


def test_lenient_province_fields(tmp_path: Path) -> None:
    """A province written by hand: numeric codes, an uncommon unit kind, no place or parent body."""
    text = PROVINCE.replace("place: Thử\n", "").replace("kind: phường", "kind: thị trấn")
    text = "\n".join(line for line in text.splitlines() if not line.startswith("parent_body"))
    text = text.replace("code: XA01", "code: 8001")
    province = load_province(write(tmp_path, "province.yaml", text))
    assert province.place == province.name
    assert province.parent_body == f"Ủy ban nhân dân tỉnh {province.name}"
    assert "8001" in province.unit_codes
    assert "thị trấn" in province.unit_kinds_phrase


def test_ranges_come_from_the_unit_of_measure_or_the_indicator(tmp_path: Path) -> None:
    text = (TEMPLATES / "indicators.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "{code: BC01, field: BC, kind: stock, unit: điểm, name: Số điểm phục vụ bưu chính,",
        "{code: BC01, field: BC, kind: stock, unit: điểm, max: 500, min: 1, name: Số điểm phục vụ bưu chính,",
    )
    path = tmp_path / "indicators.yaml"
    path.write_text(text, encoding="utf-8")
    catalogue = load_catalogue(path)
    assert catalogue.bounds("BC01") == (1, 500)
    assert catalogue.bounds("BC02") == (0, 100_000)  # điểm
    assert catalogue.bounds("BC03") == (0, 100_000)  # tỷ đồng
    assert catalogue.bounds("VT02") == (0, 10_000_000)  # thuê bao


def test_without_ranges_a_figure_is_still_bounded(tmp_path: Path) -> None:
    path = tmp_path / "indicators.yaml"
    path.write_text(
        "fields: [{code: BC, name: Bưu chính}]\n"
        "indicators: [{code: BC01, field: BC, kind: stock, unit: điểm, name: Điểm}]\n",
        encoding="utf-8",
    )
    assert load_catalogue(path).bounds("BC01") == (0, 1_000_000_000)


@pytest.mark.parametrize(
    "extra",
    [
        "ranges: {điểm: {min: 10, max: 5}}\n",
        "ranges: {điểm: {max: 1.0e+300}}\n",
        "ranges: {điểm: {max: .inf}}\n",
        "ranges: {điểm: {min: .nan}}\n",
    ],
)
def test_an_impossible_range_is_a_configuration_error(tmp_path: Path, extra: str) -> None:
    path = tmp_path / "indicators.yaml"
    path.write_text(
        "fields: [{code: BC, name: Bưu chính}]\n"
        "indicators: [{code: BC01, field: BC, kind: stock, unit: điểm, name: Điểm}]\n" + extra,
        encoding="utf-8",
    )
    with pytest.raises(ConfigError):
        load_catalogue(path)


def test_an_indicators_own_range_must_be_possible(tmp_path: Path) -> None:
    path = tmp_path / "indicators.yaml"
    path.write_text(
        "fields: [{code: BC, name: Bưu chính}]\n"
        "indicators: [{code: BC01, field: BC, kind: stock, unit: điểm, name: Điểm, min: 9, max: 3}]\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="BC01: min/max"):
        load_catalogue(path)


def test_every_sample_file_is_within_the_ranges(sample_setup: Setup) -> None:
    from baocao.intake import read_file_safely
    from baocao.intake.read import expected_from_path

    units = set(sample_setup.province.unit_codes)
    files = sorted((SAMPLE_INPUTS / "submissions").glob("*/*.xlsx"))
    assert len(files) == 72
    for path in files:
        for sub in read_file_safely(path, sample_setup.catalogue, units, expected_from_path(path, units)):
            assert sub.accepted and not [f for f in sub.findings if "khoảng hợp lý" in f.message], path
