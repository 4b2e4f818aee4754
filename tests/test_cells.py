"""Reading one cell the way unit staff write it (baocao/intake/cells.py).

Expected values are written out by hand: Vietnamese numbers use '.' for thousands and ',' for decimals.
"""

from __future__ import annotations

import math
import unicodedata
from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from baocao.intake.cells import (
    CellValueError,
    cell_ref,
    cell_text,
    column_letter,
    fold,
    parse_number,
    parse_status,
)

_VIETNAMESE_LETTERS = set("àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ")


def looks_vietnamese(message: str) -> bool:
    """Whether a message is written in Vietnamese (has at least one Vietnamese letter)."""
    return any(c in _VIETNAMESE_LETTERS for c in unicodedata.normalize("NFC", message.lower()))


# --- parse_number: values -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (0, 0.0),
        (42, 42.0),
        (971.8, 971.8),
        (-2.5, -2.5),
        ("42", 42.0),
        ("0", 0.0),
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("1 234", 1234.0),
        ("1\u00a0234", 1234.0),
        ("1\u202f234", 1234.0),
        (" 468 112 ", 468112.0),
        ("971,8", 971.8),
        ("30,95", 30.95),
        ("1.234.567", 1234567.0),
        ("40.532.154", 40532154.0),
        ("12,345,678", 12345678.0),
        ("1.234.567,89", 1234567.89),
        ("1,234,567.89", 1234567.89),
        ("0,5", 0.5),
        ("2.5", 2.5),
        ("(5)", -5.0),
        ("(1.234,5)", -1234.5),
        ("-3", -3.0),
        ("- 3", -3.0),
        ("+7", 7.0),
        ("", None),
        ("   ", None),
        ("-", None),
        ("–", None),
        (None, None),
    ],
)
def test_parse_number_values(raw: Any, expected: float | None) -> None:
    value, note = parse_number(raw)
    if expected is None:
        assert value is None
    else:
        assert value == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert note is None


def test_parse_number_returns_floats_for_ints() -> None:
    value, _ = parse_number(7)
    assert isinstance(value, float)
    assert value == 7.0


def test_a_single_dot_with_three_digits_is_read_as_thousands_with_a_note() -> None:
    value, note = parse_number("1.234")
    assert value == 1234.0
    assert note is not None
    assert "1.234" in note
    assert "hàng nghìn" in note


def test_a_dot_after_a_leading_zero_is_a_decimal_point() -> None:
    value, _note = parse_number("0.123")
    assert value == pytest.approx(0.123)


def test_a_dot_after_four_digits_is_a_decimal_point() -> None:
    value, _note = parse_number("1234.567")
    assert value == pytest.approx(1234.567)


def test_a_single_comma_with_three_digits_is_a_decimal_with_a_note() -> None:
    value, note = parse_number("1,234")
    assert value == pytest.approx(1.234)
    assert note is not None
    assert "thập phân" in note


# --- parse_number: errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("abc", "abc"),
        ("12%", "12%"),
        ("1.2.3", "1.2.3"),
        ("1,2,3", "1,2,3"),
        ("12a", "12a"),
        ("1.234,5,6", "1.234,5,6"),
        ("12.34,5", "12.34,5"),
        (",5", ",5"),
        ("5.", "5."),
        ("nan", "nan"),
        ("1e5", "1e5"),
        ("1,5%", "1,5%"),
        (True, "True"),
        (False, "False"),
        (datetime(2024, 6, 14, 8, 30), "14/06/2024"),
        (date(2024, 3, 1), "01/03/2024"),
        (float("nan"), "NaN"),
        (float("inf"), "vô cùng"),
        (float("-inf"), "vô cùng"),
    ],
)
def test_parse_number_errors(raw: Any, fragment: str) -> None:
    with pytest.raises(CellValueError) as info:
        parse_number(raw)
    message = str(info.value)
    assert fragment in message
    assert looks_vietnamese(message)


def test_percent_sign_is_rejected_with_a_message_about_it() -> None:
    with pytest.raises(CellValueError) as info:
        parse_number("12%")
    message = str(info.value)
    assert "%" in message
    assert "12%" in message
    assert "tỷ lệ" in message


def test_boolean_message_says_true_false() -> None:
    with pytest.raises(CellValueError, match="đúng/sai"):
        parse_number(True)


def test_cell_value_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_number("abc")


# --- parse_status ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ước", True),
        ("Ước", True),
        ("ƯỚC", True),
        (unicodedata.normalize("NFD", "Ước"), True),
        ("uoc", True),
        ("Ước tính", True),
        ("ước thực hiện", True),
        ("thực hiện", False),
        ("Thực hiện", False),
        ("TH", False),
        ("", False),
        ("   ", False),
        (None, False),
        ("xyz", None),
        ("có lẽ", None),
        ("12", None),
    ],
)
def test_parse_status(raw: Any, expected: bool | None) -> None:
    assert parse_status(raw) is expected


# --- fold -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Khó khăn – vướng mắc", "kho khan vuong mac"),
        ("Đơn vị", "don vi"),
        ("đơn vị", "don vi"),
        ("  ĐƠN   VỊ  ", "don vi"),
        (unicodedata.normalize("NFD", "Kiến nghị, đề xuất"), "kien nghi de xuat"),
        ("Ý kiến/kiến nghị (nếu có)", "y kien kien nghi neu co"),
        ("Số liệu 2024", "so lieu 2024"),
        ("", ""),
    ],
)
def test_fold(text: str, expected: str) -> None:
    assert fold(text) == expected


def test_fold_makes_spellings_equal() -> None:
    assert fold("KHÓ KHĂN, VƯỚNG MẮC") == fold("Khó khăn – vướng mắc")


# --- cell references ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "letters"),
    [
        (0, "A"),
        (1, "B"),
        (25, "Z"),
        (26, "AA"),
        (27, "AB"),
        (51, "AZ"),
        (52, "BA"),
        (701, "ZZ"),
        (702, "AAA"),
    ],
)
def test_column_letter(index: int, letters: str) -> None:
    assert column_letter(index) == letters


@pytest.mark.parametrize(
    ("row", "col", "ref"), [(0, 0, "A1"), (6, 4, "E7"), (9, 27, "AB10"), (99, 25, "Z100")]
)
def test_cell_ref(row: int, col: int, ref: str) -> None:
    assert cell_ref(row, col) == ref


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (None, ""),
        (12.0, "12"),
        (12.5, "12.5"),
        (" Bát Xát ", "Bát Xát"),
        (datetime(2024, 6, 14), "14/06/2024"),
    ],
)
def test_cell_text(raw: Any, text: str) -> None:
    assert cell_text(raw) == text


# --- property: Vietnamese writing round-trips -----------------------------------------------------


def vietnamese(cents: int, keep_trailing_zero: bool) -> str:
    """Write cents/100 the Vietnamese way, by hand: '1.234.567,8'."""
    whole, fraction = divmod(cents, 100)
    digits = str(whole)
    groups = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    text = ".".join(groups)
    if fraction:
        decimals = f"{fraction:02d}"
        text += "," + (decimals if keep_trailing_zero else decimals.rstrip("0"))
    return text


def test_vietnamese_writer_helper() -> None:
    # The test's own writer, checked on hand-made cases.
    assert vietnamese(4053215400, False) == "40.532.154"
    assert vietnamese(97180, False) == "971,8"
    assert vietnamese(97180, True) == "971,80"
    assert vietnamese(5, False) == "0,05"
    assert vietnamese(123456789, False) == "1.234.567,89"


@settings(max_examples=300, database=None)
@given(cents=st.integers(min_value=0, max_value=10**14 - 1), keep_trailing_zero=st.booleans())
def test_vietnamese_number_round_trips(cents: int, keep_trailing_zero: bool) -> None:
    text = vietnamese(cents, keep_trailing_zero)
    value, _note = parse_number(text)
    assert value is not None
    assert math.isclose(value, cents / 100, rel_tol=1e-9, abs_tol=1e-12)
