"""Reporting periods: parsing, derived periods, Vietnamese labels, calendars, dates (baocao/periods.py).

Every expected value below is written out by hand from the rules in ../shared/DOMAIN.md.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from baocao.errors import PeriodError
from baocao.periods import Period, add_working_days, latest_period, official_date, quarters_needed, roman


def q(year: int, quarter: int) -> Period:
    """Shorthand for a quarter, built without going through the parser."""
    return Period(year, quarter, quarter)


# --- parsing --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "year", "first", "last"),
    [
        ("2024-Q1", 2024, 1, 1),
        ("2024-Q2", 2024, 2, 2),
        ("2024-Q4", 2024, 4, 4),
        ("2024-H1", 2024, 1, 2),
        ("2024-H2", 2024, 3, 4),
        ("2024-9M", 2024, 1, 3),
        ("2024", 2024, 1, 4),
        (" 2024-q3 ", 2024, 3, 3),
        ("2024-h2", 2024, 3, 4),
        ("2024-9m", 2024, 1, 3),
        ("2024 - Q2", 2024, 2, 2),
        ("\t2024\n", 2024, 1, 4),
        ("1990-Q1", 1990, 1, 1),
        ("2100-H2", 2100, 3, 4),
    ],
)
def test_parse_valid(text: str, year: int, first: int, last: int) -> None:
    period = Period.parse(text)
    assert (period.year, period.first_quarter, period.last_quarter) == (year, first, last)
    assert period == Period(year, first, last)


@pytest.mark.parametrize(
    "text", ["2024-Q5", "24-Q1", "2024-H3", "abc", "", "2024-Q0", "2024-9", "2024Q2", "20245"]
)
def test_parse_invalid_raises_vietnamese_message_with_the_text(text: str) -> None:
    with pytest.raises(PeriodError) as info:
        Period.parse(text)
    message = str(info.value)
    assert repr(text) in message
    assert "Kỳ báo cáo không hợp lệ" in message


@pytest.mark.parametrize("text", ["1989-Q4", "2101", "0000-H1"])
def test_parse_year_out_of_range(text: str) -> None:
    with pytest.raises(PeriodError, match="Năm của kỳ báo cáo không hợp lệ") as info:
        Period.parse(text)
    assert str(int(text[:4])) in str(info.value)


def test_period_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        Period.parse("abc")


@pytest.mark.parametrize(("first", "last"), [(2, 3), (1, 5), (0, 0), (4, 3), (2, 4)])
def test_constructor_rejects_ranges_that_are_not_periods(first: int, last: int) -> None:
    with pytest.raises(PeriodError):
        Period(2024, first, last)


# --- code, kind, quarters -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "code", "kind"),
    [
        (Period(2024, 2, 2), "2024-Q2", "quarter"),
        (Period(2024, 1, 2), "2024-H1", "half"),
        (Period(2024, 3, 4), "2024-H2", "half"),
        (Period(2024, 1, 3), "2024-9M", "nine_months"),
        (Period(2024, 1, 4), "2024", "year"),
    ],
)
def test_code_and_kind(period: Period, code: str, kind: str) -> None:
    assert period.code == code
    assert str(period) == code
    assert period.kind == kind


@pytest.mark.parametrize(
    ("code", "quarters", "end_quarter"),
    [
        ("2024-Q3", [q(2024, 3)], q(2024, 3)),
        ("2024-H1", [q(2024, 1), q(2024, 2)], q(2024, 2)),
        ("2024-H2", [q(2024, 3), q(2024, 4)], q(2024, 4)),
        ("2024-9M", [q(2024, 1), q(2024, 2), q(2024, 3)], q(2024, 3)),
        ("2024", [q(2024, 1), q(2024, 2), q(2024, 3), q(2024, 4)], q(2024, 4)),
    ],
)
def test_quarters_and_end_quarter(code: str, quarters: list[Period], end_quarter: Period) -> None:
    period = Period.parse(code)
    assert list(period.quarters) == quarters
    assert period.end_quarter == end_quarter


# --- derived periods ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("2024-Q1", "2024-Q1"),
        ("2024-Q2", "2024-H1"),
        ("2024-Q3", "2024-9M"),
        ("2024-Q4", "2024"),
        ("2024-H1", "2024-H1"),
        ("2024-H2", "2024"),
        ("2024-9M", "2024-9M"),
        ("2024", "2024"),
    ],
)
def test_year_to_date(code: str, expected: str) -> None:
    assert Period.parse(code).year_to_date.code == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("2024-Q2", "2023-Q2"),
        ("2024-H1", "2023-H1"),
        ("2024-H2", "2023-H2"),
        ("2024-9M", "2023-9M"),
        ("2024", "2023"),
        ("2000-Q1", "1999-Q1"),
    ],
)
def test_same_period_last_year(code: str, expected: str) -> None:
    assert Period.parse(code).same_period_last_year.code == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("2024-Q1", "2024-Q2"),
        ("2024-Q3", "2024-Q4"),
        ("2024-Q4", "2025-Q1"),
        ("2024-H1", "2024-H2"),
        ("2024-H2", "2025-H1"),
        ("2024-9M", "2024-Q4"),
        ("2024", "2025"),
    ],
)
def test_next(code: str, expected: str) -> None:
    assert Period.parse(code).next.code == expected


@pytest.mark.parametrize(
    ("code", "count", "expected"),
    [
        ("2024-Q2", 1, ["2024-Q2"]),
        ("2024-Q2", 3, ["2023-Q4", "2024-Q1", "2024-Q2"]),
        ("2024-Q1", 2, ["2023-Q4", "2024-Q1"]),
        ("2024-H1", 4, ["2023-Q3", "2023-Q4", "2024-Q1", "2024-Q2"]),
        (
            "2024-Q2",
            8,
            ["2022-Q3", "2022-Q4", "2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4", "2024-Q1", "2024-Q2"],
        ),
        ("2024", 5, ["2023-Q4", "2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]),
        ("2024-Q3", 0, []),
    ],
)
def test_previous_quarters_across_year_boundary(code: str, count: int, expected: list[str]) -> None:
    assert [p.code for p in Period.parse(code).previous_quarters(count)] == expected


# --- labels ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "label", "without_year"),
    [
        ("2024-Q1", "quý I/2024", "quý I"),
        ("2024-Q2", "quý II/2024", "quý II"),
        ("2024-Q3", "quý III/2024", "quý III"),
        ("2024-Q4", "quý IV/2024", "quý IV"),
        ("2024-H1", "6 tháng đầu năm 2024", "6 tháng đầu năm"),
        ("2024-H2", "6 tháng cuối năm 2024", "6 tháng cuối năm"),
        ("2024-9M", "9 tháng đầu năm 2024", "9 tháng đầu năm"),
        ("2024", "năm 2024", "năm"),
    ],
)
def test_label(code: str, label: str, without_year: str) -> None:
    period = Period.parse(code)
    assert period.label == label
    assert period.label_without_year == without_year


# --- calendars ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "start", "end"),
    [
        ("2024-Q1", date(2024, 1, 1), date(2024, 3, 31)),
        ("2024-Q2", date(2024, 4, 1), date(2024, 6, 30)),
        ("2024-Q3", date(2024, 7, 1), date(2024, 9, 30)),
        ("2024-Q4", date(2024, 10, 1), date(2024, 12, 31)),
        ("2024-H1", date(2024, 1, 1), date(2024, 6, 30)),
        ("2024-H2", date(2024, 7, 1), date(2024, 12, 31)),
        ("2024-9M", date(2024, 1, 1), date(2024, 9, 30)),
        ("2024", date(2024, 1, 1), date(2024, 12, 31)),
    ],
)
def test_statistical_calendar(code: str, start: date, end: date) -> None:
    period = Period.parse(code)
    assert period.start("statistical") == start
    assert period.end("statistical") == end


def test_statistical_is_the_default_calendar() -> None:
    period = Period.parse("2023-Q1")
    assert period.start() == date(2023, 1, 1)
    assert period.end() == date(2023, 3, 31)


@pytest.mark.parametrize(
    ("code", "start", "end"),
    [
        ("2024-Q1", date(2023, 12, 15), date(2024, 3, 14)),
        ("2024-Q2", date(2024, 3, 15), date(2024, 6, 14)),
        ("2024-Q3", date(2024, 6, 15), date(2024, 9, 14)),
        ("2024-Q4", date(2024, 9, 15), date(2024, 12, 14)),
        ("2024-H1", date(2023, 12, 15), date(2024, 6, 14)),
        ("2024-H2", date(2024, 6, 15), date(2024, 12, 14)),
        ("2024-9M", date(2023, 12, 15), date(2024, 9, 14)),
        ("2024", date(2023, 12, 15), date(2024, 12, 14)),
    ],
)
def test_administrative_calendar(code: str, start: date, end: date) -> None:
    period = Period.parse(code)
    assert period.start("administrative") == start
    assert period.end("administrative") == end


def test_administrative_quarters_tile_the_year_without_gaps() -> None:
    # Each quarter starts the day after the previous one's cut-off (14th -> 15th).
    assert q(2024, 2).start("administrative") == date(2024, 3, 15)
    assert q(2024, 1).end("administrative") == date(2024, 3, 14)
    assert q(2025, 1).start("administrative") == date(2024, 12, 15)
    assert q(2024, 4).end("administrative") == date(2024, 12, 14)


# --- quarters a report reads ----------------------------------------------------------------------


def test_quarters_needed_for_a_second_quarter() -> None:
    # Year to date 2024 Q1-Q2, last year's 2023 Q1-Q2, window 2022-Q3..2024-Q2.
    expected = ["2022-Q3", "2022-Q4", "2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4", "2024-Q1", "2024-Q2"]
    assert [p.code for p in quarters_needed(Period.parse("2024-Q2"))] == expected


def test_quarters_needed_with_short_history_still_includes_last_years_year_to_date() -> None:
    # Window of 2 quarters: 2024-Q2..2024-Q3; the year to date adds 2024-Q1; last year adds 2023-Q1..Q3.
    expected = ["2023-Q1", "2023-Q2", "2023-Q3", "2024-Q1", "2024-Q2", "2024-Q3"]
    assert [p.code for p in quarters_needed(Period.parse("2024-Q3"), history=2)] == expected


def test_quarters_needed_for_a_year() -> None:
    expected = [f"{y}-Q{n}" for y in (2023, 2024) for n in (1, 2, 3, 4)]
    assert [p.code for p in quarters_needed(Period.parse("2024"))] == expected


def test_quarters_needed_for_first_quarter_with_long_history() -> None:
    # Window of 12 quarters back from 2024-Q1: 2021-Q2..2024-Q1; year-to-date parts are inside it.
    got = quarters_needed(Period.parse("2024-Q1"), history=12)
    assert got[0] == q(2021, 2)
    assert got[-1] == q(2024, 1)
    assert len(got) == 12
    assert all(p.kind == "quarter" for p in got)


# --- official dates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2020, 1, 5), "ngày 05 tháng 01 năm 2020"),
        (date(2013, 7, 12), "ngày 12 tháng 7 năm 2013"),
        (date(2024, 2, 9), "ngày 09 tháng 02 năm 2024"),
        (date(2024, 12, 25), "ngày 25 tháng 12 năm 2024"),
        (date(2024, 3, 1), "ngày 01 tháng 3 năm 2024"),
        (date(2024, 10, 10), "ngày 10 tháng 10 năm 2024"),
        (date(2024, 2, 29), "ngày 29 tháng 02 năm 2024"),
    ],
)
def test_official_date(day: date, text: str) -> None:
    assert official_date(day) == text


# --- working days (2024-06-14 is a Friday) --------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "holidays", "expected"),
    [
        (date(2024, 6, 14), 0, frozenset(), date(2024, 6, 14)),
        (date(2024, 6, 14), 1, frozenset(), date(2024, 6, 17)),  # Friday -> Monday
        (date(2024, 6, 14), 5, frozenset(), date(2024, 6, 21)),  # a full week
        (date(2024, 6, 14), 6, frozenset(), date(2024, 6, 24)),
        (date(2024, 6, 15), 1, frozenset(), date(2024, 6, 17)),  # from a Saturday
        (date(2024, 6, 12), 2, frozenset(), date(2024, 6, 14)),  # Wednesday -> Friday
        (date(2024, 6, 14), 1, frozenset({date(2024, 6, 17)}), date(2024, 6, 18)),
        (date(2024, 6, 14), 5, frozenset({date(2024, 6, 17), date(2024, 6, 19)}), date(2024, 6, 25)),
        # National Day 2024: Monday 2 and Tuesday 3 September; Friday 30 August + 1 -> Wednesday 4 September.
        (date(2024, 8, 30), 1, frozenset({date(2024, 9, 2), date(2024, 9, 3)}), date(2024, 9, 4)),
        # A holiday on a weekend changes nothing.
        (date(2024, 6, 14), 1, frozenset({date(2024, 6, 15)}), date(2024, 6, 17)),
    ],
)
def test_add_working_days(start: date, days: int, holidays: frozenset[date], expected: date) -> None:
    assert add_working_days(start, days, holidays) == expected


def test_deadline_after_the_administrative_cut_off() -> None:
    # Q2 2024 closes on Friday 14 June 2024 (administrative); five working days later is Friday 21 June.
    assert add_working_days(q(2024, 2).end("administrative"), 5) == date(2024, 6, 21)


# --- roman numerals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (1, "I"),
        (2, "II"),
        (3, "III"),
        (4, "IV"),
        (5, "V"),
        (9, "IX"),
        (14, "XIV"),
        (40, "XL"),
        (49, "XLIX"),
        (90, "XC"),
        (400, "CD"),
        (1990, "MCMXC"),
        (2024, "MMXXIV"),
        (3999, "MMMCMXCIX"),
    ],
)
def test_roman(number: int, text: str) -> None:
    assert roman(number) == text


# --- property -------------------------------------------------------------------------------------

_SHAPES = [(1, 1), (2, 2), (3, 3), (4, 4), (1, 2), (3, 4), (1, 3), (1, 4)]


@settings(max_examples=200, database=None)
@given(year=st.integers(1990, 2100), shape=st.sampled_from(_SHAPES))
def test_code_round_trips_and_year_is_union_of_halves(year: int, shape: tuple[int, int]) -> None:
    period = Period(year, *shape)
    assert Period.parse(period.code) == period
    assert Period.parse(period.code.lower()) == period
    whole = Period(year, 1, 4)
    h1, h2 = Period(year, 1, 2), Period(year, 3, 4)
    assert set(whole.quarters) == set(h1.quarters) | set(h2.quarters)
    assert set(h1.quarters).isdisjoint(h2.quarters)
    assert whole.quarters == (q(year, 1), q(year, 2), q(year, 3), q(year, 4))


@pytest.mark.parametrize(
    ("kind", "moment", "calendar", "expected"),
    [
        ("quarter", date(2024, 12, 20), "administrative", "2024-Q4"),  # cut-off 14/12 has passed
        ("quarter", date(2024, 12, 20), "statistical", "2024-Q3"),  # Q4 ends 31/12
        ("quarter", date(2025, 1, 8), "statistical", "2024-Q4"),
        ("half", date(2024, 6, 21), "administrative", "2024-H1"),
        ("half", date(2024, 6, 21), "statistical", "2023-H2"),
        ("nine_months", date(2024, 12, 20), "administrative", "2024-9M"),
        ("year", date(2024, 12, 20), "administrative", "2024"),
        ("year", date(2024, 12, 20), "statistical", "2023"),
    ],
)
def test_latest_period_before_a_run(kind: str, moment: date, calendar: str, expected: str) -> None:
    assert latest_period(kind, moment, calendar).code == expected  # type: ignore[arg-type]
