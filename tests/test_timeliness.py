"""Timeliness: lateness in working days (weekends and holidays skipped), judged on the first valid version."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from baocao import cli
from baocao.cli import app
from baocao.held import confirm_held
from baocao.intake import quarter_statuses
from baocao.intake.form import FormContent, write_form
from baocao.intake.model import QuarterStatus
from baocao.periods import Period, vietnam_now, vietnam_today, working_days_late
from baocao.report import Setup, collect_for, load_setup
from baocao.store import TZ, process_inbox
from baocao.summary import summary_markdown
from tests.support import openpyxl_figures

QUARTER = Period.parse("2025-Q1")
# Administrative calendar: cut-off Friday 14/3/2025, + 5 working days = Friday 21/3/2025. Then Saturday 22
# and Sunday 23, and Monday 24/3 made a holiday below: Tuesday 25/3 is the first working day after it.
DEADLINE = date(2025, 3, 21)
HOLIDAY = date(2025, 3, 24)


@pytest.fixture
def province_dir(sample_inputs_copy: Path) -> Path:
    """The sample province with an empty inbox and a holiday on the Monday after the Q1 2025 deadline."""
    (sample_inputs_copy / "inbox").mkdir()
    with (sample_inputs_copy / "province.yaml").open("a", encoding="utf-8") as handle:
        handle.write(f"\nholidays: [{HOLIDAY.isoformat()}]\n")
    return sample_inputs_copy


def drop(setup: Setup, unit: str, name: str, value: float) -> Path:
    """A unit's filled form for 2025-Q1 dropped into the inbox."""
    content = FormContent(values={"BC01": value}, prepared_on=date(2025, 3, 17))
    target = setup.inputs / "inbox" / name
    return write_form(target, setup.catalogue, setup.province, setup.province.unit(unit), QUARTER, content)


def received(setup: Setup, unit: str, name: str, value: float, moment: datetime) -> None:
    """The file filed by the inbox as received at ``moment`` (a late change, held for confirmation, confirmed
    by staff as they would)."""
    drop(setup, unit, name, value)
    result = process_inbox(setup.inputs, setup.catalogue, setup.province, now=moment)
    for held in result.held:
        confirm_held(setup.inputs, held.sha256, "Lan", "đơn vị sửa số liệu")
    assert result.accepted or result.held, "stored"


def statuses(setup: Setup) -> dict[str, QuarterStatus]:
    return {r.unit: r for r in quarter_statuses(collect_for(setup, QUARTER), setup.province, QUARTER)}


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 3, 21), 0),  # the deadline itself
        (date(2025, 3, 20), 0),
        (date(2025, 3, 22), 1),  # Saturday: handled on the next working day
        (date(2025, 3, 24), 1),  # the holiday: likewise
        (date(2025, 3, 25), 1),  # Sat, Sun, holiday skipped
        (date(2025, 3, 27), 3),  # Tue 25, Wed 26, Thu 27
        (date(2025, 3, 31), 5),  # + Fri 28, Mon 31
    ],
)
def test_working_days_late_by_hand(day: date, expected: int) -> None:
    assert working_days_late(DEADLINE, day, frozenset({HOLIDAY})) == expected


def test_without_the_holiday_the_monday_counts() -> None:
    assert working_days_late(DEADLINE, date(2025, 3, 27), frozenset()) == 4


def status_output(province_dir: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """`baocao status` as printed on a terminal wide enough for its table not to wrap."""
    monkeypatch.setattr(cli.out, "width", 240)
    shown = CliRunner().invoke(app, ["status", "--period", QUARTER.code, "--inputs", str(province_dir)])
    assert shown.exit_code == 0, shown.output
    return shown.output


@pytest.mark.slow
def test_sent_three_working_days_late(province_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    setup = load_setup(province_dir)
    assert setup.province.deadline(QUARTER) == DEADLINE
    received(setup, "BACHA", "BACHA.xlsx", 10, datetime(2025, 3, 27, 16, 30, tzinfo=TZ))
    row = statuses(setup)["BACHA"]
    assert (row.state, row.days_late, row.received_on) == ("late", 3, date(2025, 3, 27))
    assert "chậm 3 ngày làm việc" in status_output(province_dir, monkeypatch)
    summary = summary_markdown(
        province=setup.province,
        phrases=setup.phrases,
        period=QUARTER,
        statuses=list(statuses(setup).values()),
        headline=[],
        warnings=0,
        documents=[],
        delivery="not-requested",
    )
    assert "- Chậm: huyện Bắc Hà (3 ngày làm việc)" in summary


def test_received_just_after_midnight_in_vietnam_is_late(province_dir: Path) -> None:
    setup = load_setup(province_dir)
    # 21/3 17:30 UTC is Saturday 22/3 00:30 in Vietnam: by the UTC date it would be on time.
    received(setup, "SAPA", "SAPA.xlsx", 10, datetime(2025, 3, 21, 17, 30, tzinfo=UTC))
    row = statuses(setup)["SAPA"]
    assert (row.state, row.days_late, row.received_on) == ("late", 1, date(2025, 3, 22))


def test_an_on_time_unit_that_revises_later_stays_on_time(province_dir: Path) -> None:
    setup = load_setup(province_dir)
    received(setup, "BATXAT", "BATXAT.xlsx", 10, datetime(2025, 3, 20, 9, tzinfo=TZ))
    received(setup, "BATXAT", "BATXAT-sua.xlsx", 12, datetime(2025, 3, 28, 9, tzinfo=TZ))
    row = statuses(setup)["BATXAT"]
    assert (row.state, row.days_late, row.received_on) == ("on_time", 0, date(2025, 3, 20))
    current = province_dir / "submissions" / QUARTER.code / "BATXAT.xlsx"
    assert openpyxl_figures(current)["BC01"] == (12.0, False), "the revision's figures count"


@pytest.mark.slow
def test_a_revision_years_later_does_not_make_it_late(
    province_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup = load_setup(province_dir)
    received(setup, "BATXAT", "BATXAT.xlsx", 10, datetime(2025, 3, 21, 16, tzinfo=TZ))
    received(setup, "BATXAT", "BATXAT-2028.xlsx", 11, datetime(2028, 8, 30, 9, tzinfo=TZ))
    row = statuses(setup)["BATXAT"]
    assert (row.state, row.days_late) == ("on_time", 0)
    line = next(x for x in status_output(province_dir, monkeypatch).splitlines() if "Bát Xát" in x)
    assert "đúng hạn" in line and "chậm" not in line and "30/08/2028" not in line


def test_a_late_unit_that_revises_stays_as_late_as_its_first_version(province_dir: Path) -> None:
    setup = load_setup(province_dir)
    received(setup, "BACHA", "BACHA.xlsx", 10, datetime(2025, 3, 25, 9, tzinfo=TZ))
    received(setup, "BACHA", "BACHA-sua.xlsx", 12, datetime(2025, 4, 30, 9, tzinfo=TZ))
    row = statuses(setup)["BACHA"]
    assert (row.state, row.days_late, row.received_on) == ("late", 1, date(2025, 3, 25))


# 30/6/2024 20:00 UTC: still 30 June by UTC, already 1 July 03:00 in Vietnam.
EVENING_UTC = datetime(2024, 6, 30, 20, 0, tzinfo=UTC)


def test_today_is_vietnams_date() -> None:
    assert vietnam_today(EVENING_UTC) == date(2024, 7, 1)
    assert vietnam_today(datetime(2024, 6, 30, 16, 59, tzinfo=UTC)) == date(2024, 6, 30)


def test_the_period_to_report_follows_vietnams_date() -> None:
    from flows.report import period_to_report

    # On 1/7 the quarter ended 30/6 is over: quý II. By the UTC date (30/6) it would still be quý I.
    assert period_to_report(None, "quý", "statistical", now=EVENING_UTC).code == "2024-Q2"
    assert period_to_report(None, "quý", "statistical", now=datetime(2024, 6, 30, 16, tzinfo=UTC)).code == (
        "2024-Q1"
    )


def test_the_manifest_is_stamped_in_vietnam_time() -> None:
    assert vietnam_now(EVENING_UTC).isoformat() == "2024-07-01T03:00:00+07:00"
