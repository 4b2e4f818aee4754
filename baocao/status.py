"""Pure: one status vocabulary (the ``status`` group of phrases.yaml) for the report, the CLI, the XLSX and
the Prefect run's summary: a unit's quarter, a unit over the period, a questioned figure, a held version."""

from __future__ import annotations

from collections.abc import Sequence
from typing import get_args

from baocao.intake.model import QuarterState, QuarterStatus, UnitStateName
from baocao.phrases import Phrases

QUARTER_STATES: tuple[QuarterState, ...] = get_args(QuarterState)
UNIT_STATES: tuple[UnitStateName, ...] = get_args(UnitStateName)
ARRIVED: tuple[QuarterState, ...] = ("on_time", "late", "undated")  # a valid file was received
COUNTED: tuple[QuarterState, ...] = ("on_time", "late", "missing", "rejected")  # what a count line names


def quarter_state(phrases: Phrases, status: QuarterStatus) -> str:
    """'đúng hạn', 'chậm 2 ngày làm việc' (just 'chậm' without a receipt date), 'chưa gửi', ..."""
    if status.state == "late":
        if status.received_on is None:
            return phrases.say("status.count.late")
        return phrases.say("status.quarter.late", days=status.days_late)
    return phrases.say(f"status.quarter.{status.state}")


def unit_state_words(phrases: Phrases) -> dict[str, str]:
    """A unit's state over the period, by state name: {'received': 'đã nhận', ...}."""
    return {state: phrases.say(f"status.unit.{state}") for state in UNIT_STATES}


def figure_state(phrases: Phrases, state: str) -> str:
    """A questioned figure's state: 'đang rà soát', 'đã chấp nhận', 'đã loại'."""
    return phrases.say(f"status.figure.{state}")


def held_version(phrases: Phrases) -> str:
    """What a version stored but not yet published is: 'chờ xác nhận'."""
    return phrases.say("status.version_held")


def count_word(phrases: Phrases, state: QuarterState) -> str:
    """The short word of a state in a count or a list's label: 'chậm', 'có lỗi'."""
    return phrases.say(f"status.count.{state}")


def arrived(statuses: Sequence[QuarterStatus]) -> int:
    """How many of the unit-quarters have a valid file (on time, late or undated)."""
    return sum(s.state in ARRIVED for s in statuses)


def counts_text(phrases: Phrases, statuses: Sequence[QuarterStatus]) -> str:
    """'đúng hạn 7, chậm 1, chưa gửi 1, có lỗi 0'."""
    return ", ".join(
        f"{count_word(phrases, state)} {sum(s.state == state for s in statuses)}" for state in COUNTED
    )
