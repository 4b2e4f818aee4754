"""Reporting periods: parsing, Vietnamese labels, calendars and cut-off dates.

A period is a quarter (``2024-Q2``), a half (``2024-H1``, ``2024-H2``), nine months (``2024-9M``) or a year
(``2024``). Units submit quarters; every other period is built from its quarters.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from baocao.errors import PeriodError

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def vietnam_now(now: datetime | None = None) -> datetime:
    """The moment ``now`` (default: this one) on Vietnam's clock: reports and mails are dated in Vietnam."""
    return (now if now is not None else datetime.now(VIETNAM)).astimezone(VIETNAM)


def vietnam_today(now: datetime | None = None) -> date:
    """Today's date in Vietnam at ``now`` (default: this moment), whatever the machine's time zone."""
    return vietnam_now(now).date()


Kind = Literal["quarter", "half", "nine_months", "year"]
Calendar = Literal["administrative", "statistical"]

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
_NUMERALS = (
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
)
_PATTERN = re.compile(r"^\s*(\d{4})(?:\s*-\s*(Q[1-4]|H[12]|9M))?\s*$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period: a year and the range of its quarters it covers."""

    year: int
    first_quarter: int
    last_quarter: int

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse ``2024-Q2``, ``2024-H1``, ``2024-H2``, ``2024-9M`` or ``2024``."""
        match = _PATTERN.match(str(text))
        if not match:
            raise PeriodError(
                f"Kỳ báo cáo không hợp lệ: {text!r}; cần dạng 2024-Q2, 2024-H1, 2024-H2, 2024-9M hoặc 2024"
            )
        year, suffix = int(match.group(1)), (match.group(2) or "").upper()
        if not 1990 <= year <= 2100:
            raise PeriodError(f"Năm của kỳ báo cáo không hợp lệ: {year}")
        if suffix.startswith("Q"):
            q = int(suffix[1])
            return cls(year, q, q)
        if suffix == "H1":
            return cls(year, 1, 2)
        if suffix == "H2":
            return cls(year, 3, 4)
        if suffix == "9M":
            return cls(year, 1, 3)
        return cls(year, 1, 4)

    @classmethod
    def quarter(cls, year: int, q: int) -> Period:
        """The quarter ``q`` of ``year``."""
        return cls(year, q, q)

    def __post_init__(self) -> None:
        valid = {(q, q) for q in range(1, 5)} | {(1, 2), (3, 4), (1, 3), (1, 4)}
        if (self.first_quarter, self.last_quarter) not in valid:
            raise PeriodError(f"Not a reporting period: quarters {self.first_quarter}-{self.last_quarter}")

    @property
    def kind(self) -> Kind:
        """quarter, half, nine_months or year."""
        span = self.last_quarter - self.first_quarter + 1
        return {1: "quarter", 2: "half", 3: "nine_months", 4: "year"}[span]  # type: ignore[return-value]

    @property
    def code(self) -> str:
        """The canonical code, e.g. ``2024-Q2``."""
        if self.kind == "quarter":
            return f"{self.year}-Q{self.first_quarter}"
        if self.kind == "half":
            return f"{self.year}-H{1 if self.first_quarter == 1 else 2}"
        if self.kind == "nine_months":
            return f"{self.year}-9M"
        return str(self.year)

    def __str__(self) -> str:
        return self.code

    @property
    def quarters(self) -> tuple[Period, ...]:
        """The quarters this period is made of, in order."""
        return tuple(Period.quarter(self.year, q) for q in range(self.first_quarter, self.last_quarter + 1))

    @property
    def end_quarter(self) -> Period:
        """The last quarter of the period: where stocks are read."""
        return Period.quarter(self.year, self.last_quarter)

    @property
    def year_to_date(self) -> Period:
        """From the start of the year to this period's end (Q1, H1, 9M or the year)."""
        return Period(self.year, 1, self.last_quarter)

    @property
    def same_period_last_year(self) -> Period:
        """The same period one year earlier."""
        return Period(self.year - 1, self.first_quarter, self.last_quarter)

    @property
    def year_fraction(self) -> float:
        """Share of the year elapsed at the period's end: the pace an annual plan should have reached."""
        return self.last_quarter / 4

    @property
    def next(self) -> Period:
        """The period whose tasks the report sets: next quarter, second half, fourth quarter or next year."""
        if self.kind == "quarter":
            return (
                Period.quarter(self.year + 1, 1)
                if self.last_quarter == 4
                else Period.quarter(self.year, self.last_quarter + 1)
            )
        if self.kind == "half":
            return Period(self.year, 3, 4) if self.first_quarter == 1 else Period(self.year + 1, 1, 2)
        if self.kind == "nine_months":
            return Period.quarter(self.year, 4)
        return Period(self.year + 1, 1, 4)

    def previous_quarters(self, count: int) -> tuple[Period, ...]:
        """The ``count`` quarters ending with this period's last quarter, oldest first."""
        index = self.year * 4 + self.last_quarter - 1
        return tuple(Period.quarter(i // 4, i % 4 + 1) for i in range(index - count + 1, index + 1))

    @property
    def label(self) -> str:
        """Vietnamese label as the seeds write it: 'quý II/2024', '6 tháng đầu năm 2024', 'năm 2024'."""
        if self.kind == "quarter":
            return f"quý {ROMAN[self.first_quarter]}/{self.year}"
        return f"{self.label_without_year} {self.year}"

    @property
    def label_without_year(self) -> str:
        """'quý II', '6 tháng đầu năm', '6 tháng cuối năm', '9 tháng đầu năm', 'năm'."""
        if self.kind == "quarter":
            return f"quý {ROMAN[self.first_quarter]}"
        if self.kind == "half":
            return "6 tháng đầu năm" if self.first_quarter == 1 else "6 tháng cuối năm"
        if self.kind == "nine_months":
            return "9 tháng đầu năm"
        return "năm"

    def start(self, cal: Calendar = "statistical") -> date:
        """First day of the period under the given calendar."""
        month = (self.first_quarter - 1) * 3 + 1
        if cal == "administrative":
            # Nghị định 09/2019, Điều 12: data runs from the 15th of the month before the period.
            return date(self.year - 1, 12, 15) if month == 1 else date(self.year, month - 1, 15)
        return date(self.year, month, 1)

    def end(self, cal: Calendar = "statistical") -> date:
        """Last day of the period (the cut-off) under the given calendar."""
        month = self.last_quarter * 3
        if cal == "administrative":
            return date(self.year, month, 14)
        return date(self.year, month, calendar.monthrange(self.year, month)[1])


def deadline(
    period: Period, cal: Calendar, working_days: int, holidays: frozenset[date] = frozenset()
) -> date:
    """The day a unit's submission for ``period`` is due: ``working_days`` working days after the cut-off."""
    return add_working_days(period.end(cal), working_days, holidays)


def latest_period(kind: Kind, moment: date, cal: Calendar = "statistical") -> Period:
    """The latest period of ``kind`` whose cut-off is before ``moment`` (what a scheduled run reports on)."""
    spans = {
        "quarter": [(q, q) for q in range(1, 5)],
        "half": [(1, 2), (3, 4)],
        "nine_months": [(1, 3)],
        "year": [(1, 4)],
    }[kind]
    candidates = [
        Period(year, first, last)
        for year in (moment.year - 2, moment.year - 1, moment.year)
        for first, last in spans
    ]
    return max((p for p in candidates if p.end(cal) < moment), key=lambda p: p.end(cal))


def quarters_needed(period: Period, history: int = 8) -> tuple[Period, ...]:
    """Every quarter a report on ``period`` reads: the year to date, last year's, and a trend window."""
    needed = set(period.year_to_date.quarters) | set(period.same_period_last_year.year_to_date.quarters)
    needed |= set(period.previous_quarters(history))
    return tuple(sorted(needed))


def official_date(day: date) -> str:
    """The date as Nghị định 30/2020 writes it: 'ngày 05 tháng 01 năm 2020', 'ngày 12 tháng 7 năm 2013'."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def add_working_days(start: date, days: int, holidays: frozenset[date] = frozenset()) -> date:
    """The date ``days`` working days (Monday to Friday, not a holiday) after ``start``."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in holidays:
            remaining -= 1
    return current


def working_days_late(due: date, received: date, holidays: frozenset[date] = frozenset()) -> int:
    """Working days (Monday to Friday, not a holiday) by which ``received`` is after ``due``; 0 if on time.

    A file received on a day off is handled on the next working day: a Saturday after a Friday deadline is
    one working day late, as the Monday is.
    """

    def working(day: date) -> bool:
        return day.weekday() < 5 and day not in holidays

    if received <= due:
        return 0
    late = sum(working(due + timedelta(days=n)) for n in range(1, (received - due).days + 1))
    return late if working(received) else late + 1


def roman(number: int) -> str:
    """Roman numeral, for section numbers and quarters (4 -> 'IV')."""
    out = ""
    for value, letters in _NUMERALS:
        while number >= value:
            out += letters
            number -= value
    return out
