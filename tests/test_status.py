"""One status vocabulary: every state has its words in phrases.yaml, and the report's Phụ lục II, the CLI's
status table and the Prefect summary say a state in the same words."""

from __future__ import annotations

from datetime import date

import pytest

from baocao.annexes import submissions_table
from baocao.intake.model import QuarterStatus
from baocao.periods import Period
from baocao.phrases import Phrases
from baocao.report import Setup
from baocao.status import (
    QUARTER_STATES,
    UNIT_STATES,
    arrived,
    count_word,
    counts_text,
    figure_state,
    held_version,
    quarter_state,
    unit_state_words,
)
from baocao.story import Story
from baocao.summary import summary_markdown

DEADLINE = date(2024, 7, 5)
ROWS = [
    QuarterStatus("BATXAT", "2024-Q2", "on_time", DEADLINE, "BATXAT.xlsx", date(2024, 7, 1)),
    QuarterStatus("BACHA", "2024-Q2", "late", DEADLINE, "BACHA.xlsx", date(2024, 7, 10), days_late=3),
    QuarterStatus("SAPA", "2024-Q2", "undated", DEADLINE, "SAPA.xlsx"),
    QuarterStatus("SIMACAI", "2024-Q2", "missing", DEADLINE),
    QuarterStatus("MUONGKHUONG", "2024-Q2", "rejected", DEADLINE, "MUONGKHUONG.xlsx"),
]


def test_every_state_has_its_words(phrases: Phrases) -> None:
    assert [quarter_state(phrases, r) for r in ROWS] == [
        "đúng hạn",
        "chậm 3 ngày làm việc",
        "đã nhận (không ghi ngày)",
        "chưa gửi",
        "có lỗi, chưa tổng hợp",
    ]
    assert {r.state for r in ROWS} == set(QUARTER_STATES)
    assert unit_state_words(phrases) == {
        "received": "đã nhận",
        "partial": "thiếu một số quý",
        "missing": "chưa gửi",
        "rejected": "có lỗi, chưa tổng hợp",
    }
    assert set(unit_state_words(phrases)) == set(UNIT_STATES)
    assert [figure_state(phrases, s) for s in ("held", "accepted", "rejected")] == [
        "đang rà soát",
        "đã chấp nhận",
        "đã loại",
    ]
    assert held_version(phrases) == "chờ xác nhận"


def test_late_without_a_receipt_date_is_just_late(phrases: Phrases) -> None:
    row = QuarterStatus("BACHA", "2024-Q2", "late", DEADLINE, "BACHA.xlsx", None, days_late=0)
    assert quarter_state(phrases, row) == count_word(phrases, "late") == "chậm"


def test_counts_name_each_state_once(phrases: Phrases) -> None:
    # Hand count of ROWS: one on time, one late, one undated (arrived, not named), one missing, one rejected.
    assert arrived(ROWS) == 3
    assert counts_text(phrases, ROWS) == "đúng hạn 1, chậm 1, chưa gửi 1, có lỗi 1"


@pytest.mark.parametrize("row", ROWS, ids=[r.state for r in ROWS])
def test_the_annex_and_the_summary_use_the_same_words(sample_setup: Setup, row: QuarterStatus) -> None:
    story = Story(
        sample_setup.catalogue,
        sample_setup.province,
        Period.parse("2024-Q2"),
        {},
        (),
        (),
        sample_setup.phrases,
        date_text="",
    )
    cells = submissions_table(story, [row])["rows"][0]["cells"]
    words = quarter_state(sample_setup.phrases, row)
    assert cells[6] == words[:1].upper() + words[1:]
    summary = summary_markdown(
        province=sample_setup.province,
        phrases=sample_setup.phrases,
        period=Period.parse("2024-Q2"),
        statuses=[row],
        headline=[],
        warnings=0,
        documents=[],
        delivery="not-requested",
    )
    assert counts_text(sample_setup.phrases, [row]) in summary
    if row.state in ("missing", "late", "rejected"):
        label = count_word(sample_setup.phrases, row.state)
        assert f"- {label[:1].upper()}{label[1:]}: " in summary
