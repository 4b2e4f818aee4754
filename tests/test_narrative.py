"""The report's sections: the seeds' wording, attribution, folding, what the data shows, nothing raw."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from itertools import pairwise
from typing import Any

import pandas as pd
import pytest

from baocao.coverage import Gap
from baocao.errors import Location
from baocao.figure import figure_rows
from baocao.intake.model import Finding, Note, UnitState
from baocao.narrative import (
    Story,
    lead_paragraphs,
    limitations_section,
    proposals_section,
    report_sections,
    results_section,
    summary_line,
    tasks_section,
)
from baocao.periods import Period
from baocao.phrases import Phrases
from baocao.report import Setup, collect_for, collection_for, figures_for
from tests.support import openpyxl_figures, vn

PERIOD = Period.parse("2024-Q2")


@pytest.fixture(scope="module")
def figures(sample_setup: Setup) -> pd.DataFrame:
    """The sample's 2024-Q2 figures."""
    return figures_for(sample_setup, collection_for(sample_setup, PERIOD), PERIOD)


def story(
    setup: Setup,
    figures: pd.DataFrame,
    notes: Sequence[tuple[str, Note]] = (),
    states: Sequence[UnitState] | None = None,
    period: Period = PERIOD,
    gaps: Sequence[Gap] = (),
) -> Story:
    states = states if states is not None else [UnitState(u, "received") for u in setup.province.unit_codes]
    return Story(
        setup.catalogue,
        setup.province,
        period,
        figure_rows(figures),
        states,
        notes,
        setup.phrases,
        date_text="ngày 05 tháng 7 năm 2024",
        gaps=gaps,
    )


def all_text(sections: list[dict[str, Any]]) -> str:
    parts = []
    for s in sections:
        parts += [s["heading"], *s["paragraphs"]]
        for sub in s["subsections"]:
            parts += [sub["heading"], *sub["paragraphs"]]
    return "\n".join(parts)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("2024-Q2", "Kết quả công tác quý II/2024 và nhiệm vụ trọng tâm quý III/2024"),
        ("2024-Q4", "Kết quả công tác quý IV/2024 và nhiệm vụ trọng tâm quý I/2025"),
        ("2024-H1", "Sơ kết công tác 6 tháng đầu năm và nhiệm vụ trọng tâm 6 tháng cuối năm 2024"),
        ("2024-H2", "Kết quả công tác 6 tháng cuối năm 2024 và nhiệm vụ trọng tâm 6 tháng đầu năm 2025"),
        ("2024-9M", "Kết quả công tác 9 tháng đầu năm 2024 và nhiệm vụ trọng tâm quý IV/2024"),
        ("2024", "Tổng kết công tác năm 2024 và phương hướng, nhiệm vụ năm 2025"),
    ],
)
def test_summary_line_by_period_kind(phrases: Phrases, code: str, expected: str) -> None:
    assert summary_line(Period.parse(code), phrases) == expected


def test_sections_in_the_seeds_order(sample_setup: Setup, figures: pd.DataFrame) -> None:
    sections = report_sections(story(sample_setup, figures))
    assert [s["heading"] for s in sections] == [
        "I. KẾT QUẢ ĐẠT ĐƯỢC",
        "II. TỒN TẠI, HẠN CHẾ",
        "III. KIẾN NGHỊ, ĐỀ XUẤT",
        "IV. NHIỆM VỤ TRỌNG TÂM QUÝ III/2024",
    ]
    results = sections[0]
    assert [s["heading"] for s in results["subsections"]][:3] == [
        "1. Bưu chính",
        "2. Viễn thông",
        "3. Internet",
    ]
    for section in sections:
        assert section["paragraphs"] or section["subsections"]


def test_no_raw_codes_none_or_nan(sample_setup: Setup, figures: pd.DataFrame) -> None:
    text = all_text(report_sections(story(sample_setup, figures)))
    assert not re.search(r"\b(BC|VT|IN|CN|BX|IP|PT|TC|TH)\d\d\b", text)
    for bad in ("None", "nan", "NaN", "inf", "{{", "{%"):
        assert bad not in text


def test_estimate_plan_growth_and_year_to_date_in_one_sentence(
    sample_setup: Setup, figures: pd.DataFrame
) -> None:
    sub = next(
        s
        for s in results_section(story(sample_setup, figures), 1)["subsections"]
        if s["heading"] == "1. Bưu chính"
    )
    sentence = next(
        s.rstrip(".") for s in sub["paragraphs"][0].split(". ") if s.startswith("Doanh thu bưu chính")
    )
    # Two units sent estimates for Q2 revenue in the sample: the figure is an estimate.
    assert re.fullmatch(
        r"Doanh thu bưu chính quý II/2024 ước đạt [\d.]+,\d+ tỷ đồng, tăng [\d,]+% so với cùng kỳ năm 2023; "
        r"lũy kế 6 tháng đầu năm 2024 ước đạt [\d.]+,\d+ tỷ đồng, đạt [\d,]+% kế hoạch năm",
        sentence,
    )


def test_actual_figures_say_dat_not_uoc_dat(
    sample_setup: Setup, figures: pd.DataFrame, sample_submissions
) -> None:  # type: ignore[no-untyped-def]
    raw = [
        openpyxl_figures(sample_submissions / "2024-Q2" / f"{u}.xlsx")
        for u in sample_setup.province.unit_codes
    ]
    fixed = sum(r["VT01"][0] for r in raw)
    phones = sum(r["VT01"][0] + r["VT02"][0] for r in raw)
    people = sum(u.population_in(2024) or 0 for u in sample_setup.province.units)
    text = all_text([results_section(story(sample_setup, figures), 1)])
    # An actual stock, worded as a count: "toàn tỉnh có", not "ước có".
    assert f"Đến cuối quý II/2024, toàn tỉnh có {vn(phones, 0)} thuê bao điện thoại" in text
    assert f"trong đó thuê bao điện thoại cố định {vn(fixed, 0)} thuê bao" in text
    # Not a key figure, not planned: left to Phụ lục I.
    assert "Số điểm phục vụ bưu chính" not in text
    assert f"mật độ {vn(phones / people * 100, 1)} thuê bao/100 dân" in text


def test_parts_follow_the_period_value_not_the_year_to_date(
    sample_setup: Setup, figures: pd.DataFrame, sample_submissions
) -> None:  # type: ignore[no-untyped-def]
    raw = [
        openpyxl_figures(sample_submissions / "2024-Q2" / f"{u}.xlsx")
        for u in sample_setup.province.unit_codes
    ]
    quarter, own = (vn(sum(r[code][0] for r in raw), 0) for code in ("PT01", "PT02"))
    text = all_text([results_section(story(sample_setup, figures), 1)])
    sentence = next(s for s in re.split(r"\. |\n", text) if "ệ thống phát thanh toàn tỉnh" in s)
    # "trong đó" names a part of the figure just said: the quarter's, so it comes before "lũy kế".
    assert re.fullmatch(
        rf"(Trong quý II/2024, h|H)ệ thống phát thanh toàn tỉnh (ước )?phát sóng {re.escape(quarter)} giờ"
        r"( trong quý II/2024)?[^;]*; "
        rf"trong đó phát thanh địa phương tự sản xuất {re.escape(own)} giờ; "
        r"lũy kế 6 tháng đầu năm 2024 (ước )?đạt [\d.]+ giờ, đạt [\d,]+% kế hoạch năm\.?",
        sentence,
    ), sentence


def test_proposals_are_attributed_and_folded(sample_setup: Setup, figures: pd.DataFrame) -> None:
    notes = [
        ("BATXAT", Note("proposals", "Đề nghị Sở hỗ trợ kinh phí sửa chữa loa truyền thanh.")),
        ("SAPA", Note("proposals", "đề nghị sở hỗ trợ kinh phí sửa chữa loa truyền thanh")),
        ("BACHA", Note("proposals", "Cần có cơ chế nhuận bút cho cổng thông tin điện tử")),
    ]
    section = proposals_section(story(sample_setup, figures, notes), 3)
    assert section["paragraphs"] == [
        # Two items shown, two counted (the same proposal from two units is one).
        "Trong kỳ, các đơn vị kiến nghị, đề xuất 2 nội dung sau:",
        "- UBND huyện Bát Xát và thị xã Sa Pa đề nghị Sở hỗ trợ kinh phí sửa chữa loa truyền thanh.",
        "- UBND huyện Bắc Hà kiến nghị: Cần có cơ chế nhuận bút cho cổng thông tin điện tử.",
    ]


def test_no_proposals_is_said(sample_setup: Setup, figures: pd.DataFrame) -> None:
    section = proposals_section(story(sample_setup, figures), 3)
    assert section["paragraphs"] == ["Trong kỳ, các đơn vị không có kiến nghị, đề xuất."]


def test_missing_and_rejected_units_are_named_everywhere(sample_setup: Setup, figures: pd.DataFrame) -> None:
    states = [UnitState(u, "received") for u in sample_setup.province.unit_codes]
    states[3] = UnitState("SIMACAI", "missing", missing_quarters=("2024-Q2",))
    states[1] = UnitState(
        "BATXAT",
        "rejected",
        (Finding("error", Location("BATXAT.xlsx", "Số liệu", "E7"), '"abc" không phải là số'),),
        rejected_quarters=("2024-Q2",),
    )
    s = story(sample_setup, figures, states=states)
    lead = lead_paragraphs(s)[1]
    assert "nhận đủ báo cáo quý II/2024 của 7/9 đơn vị" in lead
    assert "huyện Si Ma Cai chưa gửi báo cáo" in lead
    assert "báo cáo của huyện Bát Xát có lỗi nên chưa được tổng hợp" in lead
    limits = all_text([limitations_section(s, 2)])
    assert "- Huyện Si Ma Cai chưa gửi báo cáo quý II/2024" in limits
    # Administrative prose: the count of errors and where to find them, not the checker's message.
    assert "Báo cáo quý II/2024 của huyện Bát Xát có 1 lỗi về số liệu nên chưa được tổng hợp" in limits
    assert '"abc"' not in limits
    tasks = all_text([tasks_section(s, 4)])
    assert "Đôn đốc huyện Bát Xát và huyện Si Ma Cai gửi báo cáo quý II/2024" in tasks


def test_a_unit_that_sent_three_quarters_is_named_with_the_quarter_it_lacks(
    sample_setup: Setup, figures: pd.DataFrame
) -> None:
    year = Period.parse("2024")
    states = [UnitState(u, "received") for u in sample_setup.province.unit_codes]
    states[1] = UnitState("BATXAT", "partial", missing_quarters=("2024-Q1",))
    s = story(sample_setup, figures, states=states, period=year)
    lead = lead_paragraphs(s)[1]
    assert "nhận đủ báo cáo năm 2024 của 8/9 đơn vị; huyện Bát Xát chưa gửi báo cáo quý I/2024." in lead
    assert "chưa bao gồm số liệu quý I/2024 của huyện Bát Xát." in lead
    assert "chưa gửi báo cáo năm" not in lead
    limits = all_text([limitations_section(s, 2)])
    assert "- Huyện Bát Xát chưa gửi báo cáo quý I/2024" in limits
    assert "Đôn đốc huyện Bát Xát gửi báo cáo quý I/2024" in all_text([tasks_section(s, 4)])


@pytest.mark.parametrize(
    ("period", "late", "lead_says", "limits_say"),
    [
        # A quarter: the quarter is the report's period, said once.
        (
            "2024-Q2",
            {"BAOYEN": ("2024-Q2",)},
            "trong đó huyện Bảo Yên gửi chậm so với thời hạn.",
            "- Huyện Bảo Yên gửi báo cáo quý II/2024 chậm so với thời hạn quy định.",
        ),
        # A year: the quarter sent late, not "the year's report"; two units late in the same quarter together.
        (
            "2024",
            {"BAOYEN": ("2024-Q4",), "SAPA": ("2024-Q4",)},
            "trong đó huyện Bảo Yên và thị xã Sa Pa (quý IV/2024) gửi chậm so với thời hạn.",
            "- Huyện Bảo Yên và thị xã Sa Pa gửi báo cáo quý IV/2024 chậm so với thời hạn quy định.",
        ),
        (
            "2024-H1",
            {"BACHA": ("2024-Q1", "2024-Q2")},
            "trong đó huyện Bắc Hà gửi chậm so với thời hạn.",
            "- Huyện Bắc Hà gửi báo cáo 6 tháng đầu năm 2024 chậm so với thời hạn quy định.",
        ),
    ],
)
def test_late_units_are_named_with_the_quarters_they_sent_late(
    sample_setup: Setup,
    figures: pd.DataFrame,
    period: str,
    late: dict[str, tuple[str, ...]],
    lead_says: str,
    limits_say: str,
) -> None:
    states = [
        UnitState(u, "received", late=u in late, late_quarters=late.get(u, ()))
        for u in sample_setup.province.unit_codes
    ]
    s = story(sample_setup, figures, states=states, period=Period.parse(period))
    assert lead_says in lead_paragraphs(s)[1]
    assert limits_say in all_text([limitations_section(s, 2)])


def test_a_unit_without_figures_is_excluded_by_name(sample_setup: Setup, figures: pd.DataFrame) -> None:
    gone = figures.copy()
    gone.loc[gone["unit"] == "SIMACAI", "value"] = float("nan")
    gaps = [
        Gap("SIMACAI", q.code, i.code, "missing")
        for i in sample_setup.catalogue.submitted
        for q in PERIOD.year_to_date.quarters
    ]
    text = all_text([results_section(story(sample_setup, gone, gaps=gaps), 1)])
    assert "(chưa bao gồm số liệu của huyện Si Ma Cai)" in text
    # The year to date names the quarter the period's sentence has not said already.
    assert "(chưa bao gồm số liệu quý I/2024 của huyện Si Ma Cai)" in text


def test_gaps_of_parts_held_and_rejected_figures_are_said_precisely(
    sample_setup: Setup, figures: pd.DataFrame
) -> None:
    gaps = [
        Gap("BATXAT", "2024-Q2", "VT01", "missing"),  # fixed lines, a part of VT03 (all phones)
        Gap("SIMACAI", "2024-Q2", "BC03", "held"),
        Gap("SAPA", "2024-Q2", "BC03", "rejected"),
    ]
    text = all_text([results_section(story(sample_setup, figures, gaps=gaps), 1)])
    assert "chưa bao gồm số liệu thuê bao điện thoại cố định của huyện Bát Xát" in text
    assert "số liệu của huyện Si Ma Cai, đang rà soát" in text
    assert "số liệu của thị xã Sa Pa, không được chấp nhận sau rà soát" in text


def test_behind_plan_is_a_limitation_and_a_task(sample_setup: Setup, figures: pd.DataFrame) -> None:
    slow = figures.copy()
    row = (slow["unit"] == sample_setup.province.code) & (slow["indicator"] == "VT06")
    slow.loc[row, "plan_pct"] = 31.25  # pace at the end of Q2 is 50%
    s = story(sample_setup, slow)
    limits = all_text([limitations_section(s, 2)])
    assert (
        "- Viễn thông: doanh thu viễn thông lũy kế 6 tháng đầu năm 2024 mới ước đạt 31,25% kế hoạch năm, thấp hơn "
        "tiến độ cần đạt (50%)"
    ) in limits
    tasks = all_text([tasks_section(s, 4)])
    assert "chỉ tiêu doanh thu viễn thông (lũy kế 6 tháng đầu năm 2024 mới đạt 31,25% kế hoạch năm)" in tasks


def test_declines_are_limitations(sample_setup: Setup, figures: pd.DataFrame) -> None:
    limits = all_text([limitations_section(story(sample_setup, figures), 2)])
    fixed = figures[(figures["unit"] == sample_setup.province.code) & (figures["indicator"] == "VT01")]
    assert float(fixed["yoy_pct"].iloc[0]) < -5  # the sample's fixed lines shrink
    assert "- Viễn thông: thuê bao điện thoại cố định đến cuối quý II/2024 giảm" in limits


def test_difficulties_are_folded_with_their_units(sample_setup: Setup, figures: pd.DataFrame) -> None:
    notes = [
        (u, Note("difficulties", "Thiếu kinh phí sửa chữa đài truyền thanh", "TC"))
        for u in ("LAOCAI", "VANBAN")
    ]
    limits = all_text([limitations_section(story(sample_setup, figures, notes), 2)])
    # One line for the field, the difficulty said once with both units.
    line = next(t for t in limits.splitlines() if t.startswith("- Thông tin cơ sở: "))
    assert line.count("thiếu kinh phí sửa chữa đài truyền thanh (thành phố Lào Cai và huyện Văn Bàn)") == 1
    assert limits.count("thiếu kinh phí sửa chữa đài truyền thanh") == 1


@pytest.mark.parametrize(
    ("named_max", "expected"),
    [
        (3, "(thành phố Lào Cai, huyện Văn Bàn và huyện Bát Xát)"),  # at the limit: named
        (2, "(3 huyện, thành phố)"),  # above it: counted, the kinds in the customary order
    ],
)
def test_many_units_are_counted_not_listed(
    sample_setup: Setup, figures: pd.DataFrame, named_max: int, expected: str
) -> None:
    notes = [
        (u, Note("difficulties", "Thiếu kinh phí sửa chữa đài truyền thanh", "TC"))
        for u in ("LAOCAI", "VANBAN", "BATXAT")
    ]
    layout = sample_setup.province.layout.model_copy(update={"named_units_max": named_max})
    setup = replace(sample_setup, province=sample_setup.province.model_copy(update={"layout": layout}))
    limits = all_text([limitations_section(story(setup, figures, notes), 2)])
    assert f"thiếu kinh phí sửa chữa đài truyền thanh {expected}" in limits


def test_tasks_hold_standing_tasks_and_units_plans(sample_setup: Setup, figures: pd.DataFrame) -> None:
    notes = [("SAPA", Note("next_tasks", "Hoàn thành số hóa hồ sơ một cửa"))]
    paragraphs = all_text([tasks_section(story(sample_setup, figures, notes), 4)]).splitlines()
    names = {f.code: f.name for f in sample_setup.catalogue.fields}
    for field, tasks in sample_setup.province.standing_tasks.items():
        # One line per field: '- Viễn thông: phối hợp …; tiếp tục …'.
        line = next(t for t in paragraphs if t.startswith(f"- {names[field]}: "))
        for task in tasks:
            assert task.rstrip(" .").lower() in line.lower(), (field, task)
    assert "- Hoàn thành số hóa hồ sơ một cửa (thị xã Sa Pa)." in paragraphs


def test_a_field_without_data_says_so(sample_setup: Setup, figures: pd.DataFrame) -> None:
    empty = figures.copy()
    codes = [i.code for i in sample_setup.catalogue.in_field("IP")]
    empty.loc[empty["indicator"].isin(codes), "value"] = float("nan")
    sub = next(
        s
        for s in results_section(story(sample_setup, empty), 1)["subsections"]
        if s["heading"].endswith("In – Phát hành")
    )
    assert sub["paragraphs"] == ["Các đơn vị chưa báo cáo số liệu lĩnh vực In – Phát hành quý II/2024."]


def test_edited_wording_is_used(sample_setup: Setup, figures: pd.DataFrame) -> None:
    data = dict(sample_setup.phrases.data)
    data["proposals"] = {**data["proposals"], "none": "Không có ý kiến nào."}
    edited = replace(sample_setup, phrases=Phrases(data))
    assert proposals_section(story(edited, figures), 3)["paragraphs"] == ["Không có ý kiến nào."]


def _body(code: str, inputs: Any = None) -> tuple[str, dict[str, Any]]:
    """The lead and sections I-IV of a sample report, as text, and the context."""
    from datetime import date

    from baocao.report import SAMPLE_INPUTS, context_for, load_setup

    setup = load_setup(inputs or SAMPLE_INPUTS)
    period = Period.parse(code)
    intake = collection_for(setup, period)
    context = context_for(setup, intake, figures_for(setup, intake, period), period, date(2025, 1, 10))
    return "\n".join([*context["lead"], all_text(context["sections"])]), context


@pytest.mark.slow
@pytest.mark.parametrize("code", ["2024-Q2", "2024-Q4", "2024-H1", "2024-9M"])
def test_a_body_compares_the_key_figures_only(code: str) -> None:
    text, _ = _body(code)
    assert 1 <= text.count("so với cùng kỳ") <= 8
    assert "quy tắc" not in text
    # No indicator code reaches the prose.
    assert not re.search(r"\b[A-Z]{2}\d{2}\b", text)


@pytest.mark.slow
def test_a_year_report_compares_with_last_year_and_judges_the_plan() -> None:
    text, context = _body("2024")
    assert "so với cùng kỳ" not in text and "so với năm 2023" in text
    assert "quý trước" not in text
    # The sample's plan figures (the sentence's own plan %): above 100 "vượt", below 100 "chưa hoàn thành",
    # which also goes to section II.
    assert re.search(r"đạt 1\d\d,\d+% kế hoạch năm, vượt kế hoạch đề ra", text)
    limits = all_text([context["sections"][1]])
    for match in re.finditer(
        r"([^.;]*?) năm 2024 (?:ước )?đạt (\d+,\d+)% kế hoạch năm, chưa hoàn thành kế hoạch", text
    ):
        assert float(match.group(2).replace(",", ".")) < 100
        assert f"{match.group(2)}% kế hoạch năm, chưa hoàn thành kế hoạch đề ra" in limits


def test_proposals_counted_as_shown() -> None:
    _, context = _body("2024-H1")
    proposals = context["sections"][2]["paragraphs"]
    count = int(re.search(r"đề xuất (\d+) nội dung", proposals[0]).group(1))  # type: ignore[union-attr]
    # The units' items run up to the department's own proposals ("Sở … kiến nghị UBND tỉnh:").
    units_items = []
    for paragraph in proposals[1:]:
        if not paragraph.startswith("- "):
            break
        units_items.append(paragraph)
    assert count == len(units_items) > 0


@pytest.mark.slow
def test_a_half_year_carries_the_notes_of_both_quarters(sample_setup: Setup) -> None:
    from baocao.intake.cells import fold

    intake = collect_for(sample_setup, Period.parse("2024-H1"))

    def written(quarter: str) -> set[tuple[str, str]]:
        return {
            (u, fold(n.text))
            for (u, q), s in intake.accepted.items()
            if q == quarter
            for n in s.notes
            if n.section in ("highlights", "difficulties", "proposals")
        }

    only_q1 = written("2024-Q1") - written("2024-Q2")
    assert only_q1, "the sample has notes a unit wrote in Q1 only"
    for code in ("2024-H1", "2024"):
        lines = [fold(line) for line in _body(code)[0].splitlines()]
        for unit, text in only_q1:
            name = fold(sample_setup.province.unit(unit).full_name)
            assert any(text in line and name in line for line in lines), (code, unit, text)


def test_units_tasks_are_theirs_and_never_repeat_the_departments(
    sample_setup: Setup, figures: pd.DataFrame
) -> None:
    notes = [
        (
            "BATXAT",
            Note(
                "next_tasks",
                "Phối hợp với doanh nghiệp viễn thông hoàn thành phủ sóng tại các thôn còn lõm sóng",
                "VT",
            ),
        ),
        ("SAPA", Note("next_tasks", "Tổ chức ngày hội chuyển đổi số tại các xã")),
        ("BACHA", Note("next_tasks", "Tổ chức ngày hội chuyển đổi số tại các xã.")),
    ]
    section = tasks_section(story(sample_setup, figures, notes), 4)
    paragraphs = section["paragraphs"]
    own = paragraphs.index("Nhiệm vụ các huyện, thị xã, thành phố đề ra:")
    assert paragraphs[own + 1 :] == [
        "- Tổ chức ngày hội chuyển đổi số tại các xã (thị xã Sa Pa và huyện Bắc Hà)."
    ]
    # Bát Xát's task repeats the department's standing task for Viễn thông in other words: said once.
    text = all_text([section])
    assert "hoàn thành phủ sóng" not in text and "phủ sóng di động băng rộng tại các thôn" in text


def test_wordings_alternate_so_sentences_in_a_row_differ(sample_setup: Setup, figures: pd.DataFrame) -> None:
    results = results_section(story(sample_setup, figures), 1)
    firsts = [sub["paragraphs"][0].split(" ")[:2] for sub in results["subsections"]]
    # No two fields in a row open with the same two words.
    assert all(a != b for a, b in pairwise(firsts))
    text = all_text([results])
    assert "Đến cuối quý II/2024, toàn tỉnh có" in text and "đến cuối quý II/2024 đạt" in text


def test_verbs_fit_the_indicator() -> None:
    text, _ = _body("2024-Q2")
    # phrases.yaml, indicator.by_code: broadcast hours are broadcast and applications received, not "đạt".
    assert re.search(r"[hH]ệ thống phát thanh toàn tỉnh (ước )?phát sóng [\d.]+ giờ", text)
    assert re.search(r"[cC]ác cơ quan nhà nước toàn tỉnh (ước )?tiếp nhận [\d.]+ hồ sơ trực tuyến", text)
    assert re.search(r"Sở đã cấp \d+ giấy phép", text)  # the department's own work
    assert re.search(r"toàn tỉnh (ước )?có [\d.]+ ", text)  # counted stocks
    assert "ước đạt phát sóng" not in text and "đạt phát sóng" not in text
