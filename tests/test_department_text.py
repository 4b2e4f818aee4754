"""Tests of baocao.department_text: the department's own work in the report, read back from the context.

Expected figures are read from the sample's department workbooks with openpyxl, not through baocao.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from baocao.department_text import numbers_in, restates
from baocao.periods import Period
from baocao.report import SAMPLE_INPUTS, collect_for, collection_for, context_for, figures_for, load_setup


def department_figure(inputs: Path, quarter: str, code: str) -> float:
    """One of the department's figures, straight from its workbook."""
    sheet = load_workbook(inputs / "department" / f"{quarter}.xlsx", data_only=True)["Chỉ tiêu của Sở"]
    for row in sheet.iter_rows(values_only=True):
        if row[1] == code:
            return float(row[4])
    raise KeyError(code)


def sections(code: str, inputs: Path = SAMPLE_INPUTS) -> list[dict[str, Any]]:
    setup = load_setup(inputs)
    period = Period.parse(code)
    intake = collection_for(setup, period)
    return list(
        context_for(setup, intake, figures_for(setup, intake, period), period, date(2024, 7, 5))["sections"]
    )


def text_of(section: dict[str, Any]) -> str:
    return "\n".join(
        [
            *section["paragraphs"],
            *(p for s in section["subsections"] for p in [s["heading"], *s["paragraphs"]]),
        ]
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("code", "quarters"), [("2024-Q2", ["2024-Q2"]), ("2024-H1", ["2024-Q1", "2024-Q2"])]
)
def test_the_departments_work_opens_the_results(code: str, quarters: list[str]) -> None:
    results = sections(code)[0]
    general = results["subsections"][0]
    assert general["heading"] == "1. Kết quả chung"
    advised = sum(department_figure(SAMPLE_INPUTS, q, "SO01") for q in quarters)
    # Right after the general sentence: what the Sở did, in its voice, then the units' results.
    assert general["paragraphs"][1].startswith(f"Sở đã tham mưu UBND tỉnh ban hành {advised:g} văn bản")
    licences = sum(department_figure(SAMPLE_INPUTS, q, "SO08") for q in quarters)
    press = next(s for s in results["subsections"] if s["heading"].endswith("Báo chí – Xuất bản"))
    assert press["paragraphs"][0].startswith(f"Sở đã cấp {licences:g} giấy phép xuất bản bản tin")


def test_limitations_causes_proposals_and_tasks_of_the_department() -> None:
    _, limits, proposals, tasks = sections("2024-H1")
    assert "Nguyên nhân:" in limits["paragraphs"]
    assert (
        "- Địa bàn rộng, giao thông khó khăn, ảnh hưởng đến công tác thanh tra, kiểm tra."
        in limits["paragraphs"]
    )
    text = text_of(proposals)
    assert "Sở Thông tin và Truyền thông kiến nghị UBND tỉnh:" in text
    assert "Sở Thông tin và Truyền thông kiến nghị Bộ Thông tin và Truyền thông:" in text
    tasks_text = text_of(tasks)
    assert (
        "- In – Phát hành: tổ chức kiểm tra hoạt động in, phát hành xuất bản phẩm trên địa bàn tỉnh (chủ trì: "
        "Thanh tra Sở; hoàn thành trước ngày 31/08/2024)"
    ) in tasks_text
    # A task due before the period's end was the period's own, not the next one's.
    assert "Tổng hợp báo cáo công tác quý I/2024" not in tasks_text


@pytest.mark.slow
def test_without_a_department_workbook_nothing_is_said_of_its_work(tmp_path: Path) -> None:
    inputs = tmp_path / "lao-cai"
    shutil.copytree(SAMPLE_INPUTS, inputs)
    shutil.rmtree(inputs / "department")
    text = "\n".join(text_of(s) for s in sections("2024-H1", inputs))
    assert "Sở đã" not in text and "Nguyên nhân:" not in text and "kiến nghị UBND tỉnh:" not in text
    assert "Doanh thu bưu chính 6 tháng đầu năm 2024" in text


@pytest.mark.slow
def test_a_broken_department_workbook_is_named_and_left_out(tmp_path: Path) -> None:
    inputs = tmp_path / "lao-cai"
    shutil.copytree(SAMPLE_INPUTS, inputs)
    (inputs / "department" / "2024-Q2.xlsx").write_bytes(b"not a workbook")
    setup = load_setup(inputs)
    intake = collect_for(setup, Period.parse("2024-Q2"))
    flagged = [s for s in intake.submissions if s.path.name == "2024-Q2.xlsx" and s.unit is None]
    assert flagged and flagged[0].errors
    text = "\n".join(text_of(s) for s in sections("2024-Q2", inputs))
    assert "Sở đã tham mưu" not in text  # the broken quarter says nothing


@pytest.mark.slow
def test_the_departments_figures_are_in_annex_one() -> None:
    setup = load_setup(SAMPLE_INPUTS)
    period = Period.parse("2024-H1")
    intake = collection_for(setup, period)
    context = context_for(setup, intake, figures_for(setup, intake, period), period, date(2024, 7, 5))
    rows = [r["cells"] for t in context["annexes"][0]["tables"][:1] for r in t["rows"]]
    trained = sum(department_figure(SAMPLE_INPUTS, q, "SO12") for q in ("2024-Q1", "2024-Q2"))
    row = next(r for r in rows if r[1] == "Lượt học viên được đào tạo, tập huấn")
    assert row[2] == "lượt người" and row[4] == f"{trained:,.0f}".replace(",", ".")


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("Tổ chức 03 cuộc thanh tra, xử phạt 03 trường hợp, 30 triệu đồng", [3, 3, 30]),
        ("Phủ sóng 1.928 thôn; doanh thu 2,5 tỷ đồng", [1928, 2.5]),
        ("Tham mưu ban hành Kế hoạch năm 2024", [2024]),
        ("Không có số", []),
    ],
)
def test_numbers_of_a_vietnamese_note(text: str, numbers: list[float]) -> None:
    assert numbers_in(text) == numbers


@pytest.mark.parametrize(
    ("text", "repeats"),
    [
        ("Cấp 06 giấy phép xuất bản bản tin, 01 giấy phép thiết lập trang", True),
        ("Tổ chức 05 lớp tập huấn cho 400 lượt cán bộ", False),  # 400 is not a figure said
        ("Tham mưu UBND tỉnh ban hành Kế hoạch năm 2024", False),
        ("Tham mưu UBND tỉnh ban hành Quyết định phê duyệt danh mục", False),  # no number: its own content
    ],
)
def test_a_note_that_only_repeats_the_figures(text: str, repeats: bool) -> None:
    assert restates(text, {6.0, 1.0, 5.0, 365.0}) is repeats


def test_the_departments_notes_never_repeat_its_figures_and_zeros_are_not_said() -> None:
    results = sections("2024-Q2")[0]
    by_field = {s["heading"].split(". ", 1)[1]: s["paragraphs"] for s in results["subsections"]}
    # The sample's 2024-Q2 workbook writes "Cấp 06 giấy phép xuất bản bản tin, 01 giấy phép …" beside its
    # figures SO08 = 6 and SO09 = 1: the figures' sentence says it once.
    assert department_figure(SAMPLE_INPUTS, "2024-Q2", "SO08") == 6
    press = "\n".join(by_field["Báo chí – Xuất bản"])
    assert press.count("giấy phép xuất bản bản tin") == 1
    # SO07 (postal licences) is 0 in 2024-Q2: "Sở đã cấp 0 giấy phép" is not written; the annex has it.
    assert department_figure(SAMPLE_INPUTS, "2024-Q2", "SO07") == 0
    assert not any("0 giấy phép bưu chính" in p for p in by_field["Bưu chính"])
    # The department's notes that carry their own content stay.
    general = "\n".join(by_field["Kết quả chung"])
    assert "Tham mưu UBND tỉnh ban hành Kế hoạch bảo đảm an toàn thông tin mạng năm 2024." in general


def test_a_half_year_drops_each_quarters_repeated_figures_and_its_past_tasks() -> None:
    results, _, _, tasks = sections("2024-H1")
    general = "\n".join(results["subsections"][0]["paragraphs"])
    # Q1's note "Tổ chức 04 cuộc thanh tra, kiểm tra; kiểm tra 23 …" repeats Q1's SO03 = 4, SO04 = 23: the
    # half-year's sentence (the sums) says them; the note is not written beside it.
    assert department_figure(SAMPLE_INPUTS, "2024-Q1", "SO03") == 4
    assert department_figure(SAMPLE_INPUTS, "2024-Q1", "SO04") == 23
    assert "04 cuộc thanh tra" not in general and "03 cuộc thanh tra" not in general
    q1 = department_figure(SAMPLE_INPUTS, "2024-Q1", "SO03")
    q2 = department_figure(SAMPLE_INPUTS, "2024-Q2", "SO03")
    assert f"tổ chức {q1 + q2:g} cuộc thanh tra, kiểm tra" in general
    # A task due on 15/06/2024 was the first half-year's, even under the cut-off of the 14th.
    assert "15/06/2024" not in text_of(tasks)
