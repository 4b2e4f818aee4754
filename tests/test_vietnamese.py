"""Vietnamese writing of numbers and lists (baocao/vietnamese.py).

Expected strings are written out by hand: '.' groups thousands, ',' is the decimal separator, rounding is
half-up (as people round), trailing zeros are dropped unless asked for.
"""

from __future__ import annotations

import pytest

from baocao.vietnamese import capitalize_first, join, lower_first, number, percent


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (40532154, 0, "40.532.154"),
        (468112, 0, "468.112"),
        (999, 0, "999"),
        (1000, 0, "1.000"),
        (0, 0, "0"),
        (971.8, 1, "971,8"),
        (154.5, 1, "154,5"),
        (30.955, 2, "30,96"),  # half-up; round(30.955, 2) gives 30.95 in Python
        (2.675, 2, "2,68"),  # half-up; round(2.675, 2) gives 2.67 in Python
        (0.5, 0, "1"),  # half-up; round(0.5) gives 0
        (2.5, 0, "3"),  # half-up; round(2.5) gives 2
        (1234.45, 1, "1.234,5"),
        (50.0, 2, "50"),  # trailing zeros dropped
        (30.90, 2, "30,9"),
        (1234567.891, 2, "1.234.567,89"),
        (971.84, 0, "972"),
        (0.004, 2, "0"),
        (-1234.5, 1, "-1.234,5"),
        (-0.5, 0, "-1"),  # half-up rounds away from zero
    ],
)
def test_number(value: float, decimals: int, expected: str) -> None:
    assert number(value, decimals) == expected


def test_number_default_has_no_decimals() -> None:
    assert number(971.8) == "972"


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [(50.0, 2, "50,00"), (30.9, 2, "30,90"), (1234.5, 1, "1.234,5"), (7, 1, "7,0")],
)
def test_number_fixed_keeps_trailing_zeros(value: float, decimals: int, expected: str) -> None:
    assert number(value, decimals, fixed=True) == expected


@pytest.mark.parametrize("value", [None, float("nan"), float("inf")])
def test_number_missing(value: float | None) -> None:
    assert number(value) == "–"
    assert number(value, 2, missing="") == ""


@pytest.mark.parametrize(("value", "decimals"), [(-0.4, 0), (-0.001, 2)])
def test_number_never_writes_minus_zero(value: float, decimals: int) -> None:
    assert number(value, decimals) == "0"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (30.95, "30,95%"),
        (50, "50%"),
        (64.0, "64%"),
        (1.3, "1,3%"),
        (12.345, "12,35%"),  # half-up
        (100, "100%"),
        (1234.5, "1.234,5%"),
    ],
)
def test_percent(value: float, expected: str) -> None:
    assert percent(value) == expected


def test_percent_has_no_space_before_the_sign() -> None:
    text = percent(30.95)
    assert " %" not in text
    assert "\u00a0%" not in text
    assert text.endswith("%")


def test_percent_decimals_and_missing() -> None:
    assert percent(30.95, 1) == "31%"
    assert percent(30.94, 1) == "30,9%"
    assert percent(None) == "–"
    assert percent(float("nan")) == "–"
    assert percent(None, missing="không có") == "không có"


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([], ""),
        (["A"], "A"),
        (["A", "B"], "A và B"),
        (["A", "B", "C"], "A, B và C"),
        (["Bát Xát", "Sa Pa", "Văn Bàn", "Bắc Hà"], "Bát Xát, Sa Pa, Văn Bàn và Bắc Hà"),
        (["A", "", "B"], "A và B"),  # empty items are skipped
        (["", ""], ""),
        (("A", "B"), "A và B"),
    ],
)
def test_join(items: list[str], expected: str) -> None:
    assert join(items) == expected


def test_join_with_another_last_word() -> None:
    assert join(["A", "B", "C"], last="hoặc") == "A, B hoặc C"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("thuê bao di động", "Thuê bao di động"),
        ("ước đạt 971,8 tỷ đồng", "Ước đạt 971,8 tỷ đồng"),
        ("đài truyền thanh", "Đài truyền thanh"),
        ("Doanh thu", "Doanh thu"),
        ("doanh thu CNTT", "Doanh thu CNTT"),
        ("a", "A"),
        ("", ""),
        ("123 thuê bao", "123 thuê bao"),
    ],
)
def test_capitalize_first(text: str, expected: str) -> None:
    assert capitalize_first(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Doanh thu", "doanh thu"),
        ("UBND huyện", "UBND huyện"),
        ("CNTT", "CNTT"),
        ("Đài truyền thanh", "đài truyền thanh"),
        ("Đài Truyền thanh – Truyền hình sản xuất", "Đài Truyền thanh – Truyền hình sản xuất"),
        ("Sở Thông tin và Truyền thông", "Sở Thông tin và Truyền thông"),
        ("Ứng dụng CNTT", "ứng dụng CNTT"),
        ("Tổng số thuê bao", "tổng số thuê bao"),
        ("doanh thu", "doanh thu"),
        ("", ""),
    ],
)
def test_lower_first(text: str, expected: str) -> None:
    assert lower_first(text) == expected
