"""The report context: plain JSON data, the official header lines, annex tables of the right shape."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from baocao.context import build_context, document_number, file_stem, printable
from baocao.errors import Location
from baocao.intake.model import Finding, Note, QuarterStatus, UnitState
from baocao.periods import Period
from baocao.province import Signer
from baocao.report import SAMPLE_INPUTS, Setup, collection_for, context_for, figures_for, load_setup

PERIOD = Period.parse("2024-H1")
ERROR = Finding("error", Location("BATXAT.xlsx"), "x")


@pytest.fixture(scope="module")
def figures(sample_setup: Setup) -> pd.DataFrame:
    """The sample's 2024-H1 figures."""
    return figures_for(sample_setup, collection_for(sample_setup, PERIOD), PERIOD)


def context(
    setup: Setup,
    figures: pd.DataFrame,
    number: int | None = 5,
    statuses: Sequence[QuarterStatus] = (),
    **changes: object,
) -> dict[str, Any]:
    province = setup.province.model_copy(update=changes) if changes else setup.province
    return build_context(
        figures=figures,
        catalogue=setup.catalogue,
        province=province,
        period=PERIOD,
        states=[UnitState(u, "received") for u in province.unit_codes],
        notes=[("SAPA", Note("proposals", "Đề nghị\x0b hỗ trợ\x00 kinh phí"))],
        phrases=setup.phrases,
        report_date=date(2024, 7, 5),
        number_=number,
        statuses=statuses,
    )


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (5, "Số: 05/BC-STTTT"),
        (12, "Số: 12/BC-STTTT"),
        (305, "Số: 305/BC-STTTT"),
        (None, "Số:       /BC-STTTT"),
    ],
)
def test_document_number(number: int | None, expected: str) -> None:
    assert document_number(number, "STTTT") == expected


def test_file_stem(sample_setup: Setup) -> None:
    assert file_stem(PERIOD, sample_setup.province) == "BC-2024-H1-STTTT"


def test_context_is_plain_json(sample_setup: Setup, figures: pd.DataFrame) -> None:
    ctx = context(sample_setup, figures)
    assert json.loads(json.dumps(ctx, ensure_ascii=False)) == ctx


def test_header_lines(sample_setup: Setup, figures: pd.DataFrame) -> None:
    doc = context(sample_setup, figures)["doc"]
    assert doc["parent_body"] == "ỦY BAN NHÂN DÂN TỈNH LÀO CAI"
    assert doc["agency"] == "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"
    assert doc["number"] == "Số: 05/BC-STTTT"
    assert doc["place_date"] == "Lào Cai, ngày 05 tháng 7 năm 2024"
    assert doc["summary"] == "Sơ kết công tác 6 tháng đầu năm và nhiệm vụ trọng tâm 6 tháng cuối năm 2024"
    assert doc["author"] == "Sở Thông tin và Truyền thông tỉnh Lào Cai"


def test_signature_of_a_deputy(sample_setup: Setup, figures: pd.DataFrame) -> None:
    deputy = Signer(name="Lê Văn B", title="Phó Giám đốc", on_behalf_of="Giám đốc")
    assert context(sample_setup, figures, signer=deputy)["signature"] == {
        "delegation": "KT. GIÁM ĐỐC",
        "title": "PHÓ GIÁM ĐỐC",
        "name": "Lê Văn B",
    }
    assert context(sample_setup, figures)["signature"]["delegation"] == ""


def test_annex_tables_are_rectangular(sample_setup: Setup, figures: pd.DataFrame) -> None:
    statuses = [
        QuarterStatus(u, q.code, "on_time", date(2024, 6, 21), f"{u}.xlsx", date(2024, 6, 18))
        for u in sample_setup.province.unit_codes
        for q in PERIOD.quarters
    ]
    annexes = context(sample_setup, figures, statuses=statuses)["annexes"]
    # The figures, the charts (taken out of the body, which must stay within five pages), the submissions.
    assert [a["label"] for a in annexes] == ["PHỤ LỤC I", "PHỤ LỤC II", "PHỤ LỤC III"]
    assert (
        annexes[1]["title"] == "BIỂU ĐỒ 6 THÁNG ĐẦU NĂM 2024"
        and annexes[1]["charts"]
        and not annexes[1]["tables"]
    )
    assert "(Kèm theo Báo cáo số 05/BC-STTTT ngày 05/07/2024" in annexes[0]["note"]
    for annex in annexes:
        for table in annex["tables"]:
            width = len(table["columns"])
            assert len(table["widths"]) == len(table["align"]) == width
            assert all(len(row["cells"]) == width for row in table["rows"])
    province_table, units_table = annexes[0]["tables"][:2]
    assert province_table["caption"] == "A. Toàn tỉnh"
    assert sum(r["kind"] == "data" for r in province_table["rows"]) == len(sample_setup.catalogue.indicators)
    assert units_table["caption"].startswith("B. Theo đơn vị – ")
    assert [r["cells"][1] for r in units_table["rows"]][-1] == "Toàn tỉnh"
    assert len(units_table["rows"]) == len(sample_setup.province.units) + 1
    assert len(annexes[2]["tables"][0]["rows"]) == len(statuses)


def test_submission_states_in_the_annex(sample_setup: Setup, figures: pd.DataFrame) -> None:
    due = date(2024, 6, 21)
    statuses = [
        QuarterStatus("LAOCAI", "2024-Q2", "on_time", due, "LAOCAI.xlsx", date(2024, 6, 20), 3, 1),
        QuarterStatus("SAPA", "2024-Q2", "late", due, "SAPA.xlsx", date(2024, 6, 25), days_late=2),
        QuarterStatus("BACHA", "2024-Q2", "missing", due),
        QuarterStatus(
            "BATXAT", "2024-Q2", "rejected", due, "BATXAT.xlsx", date(2024, 6, 19), errors=(ERROR,)
        ),
    ]
    rows = [
        r["cells"]
        for r in context(sample_setup, figures, statuses=statuses)["annexes"][-1]["tables"][0]["rows"]
    ]
    assert rows[0] == [
        "1",
        "Thành phố Lào Cai",
        "quý II/2024",
        "LAOCAI.xlsx",
        "20/06/2024",
        "21/06/2024",
        "Đúng hạn",
        "3",
        "1",
    ]
    assert rows[1][6] == "Chậm 2 ngày làm việc"  # Tuesday 25/6 against Friday 21/6: Monday and Tuesday
    assert rows[2][3:7] == ["–", "–", "21/06/2024", "Chưa gửi"]
    assert rows[3][6] == "Có lỗi, chưa tổng hợp" and rows[3][7] == "–"


def test_control_characters_never_reach_the_documents(sample_setup: Setup, figures: pd.DataFrame) -> None:
    text = json.dumps(context(sample_setup, figures), ensure_ascii=False)
    assert "đề nghị hỗ trợ kinh phí" in text and "\x0b" not in text and "\x00" not in text
    assert printable({"a": ["x\x07y", 1]}) == {"a": ["xy", 1]}


def test_chart_specs_follow_the_figures(sample_setup: Setup, figures: pd.DataFrame) -> None:
    gone = figures.copy()
    gone.loc[gone["unit"] == "SAPA", "value"] = float("nan")
    gone.loc[gone["indicator"] == "IN04", "value"] = float("nan")
    made = context(sample_setup, gone)
    [charts] = [a["charts"] for a in made["annexes"] if a["charts"]]
    # No trend given, and the density chart has no value at all: only the revenue-by-unit chart is left.
    [chart] = charts
    assert chart["kind"] == "units" and chart["caption"].startswith("Biểu đồ 1. Tổng doanh thu")
    expected = [
        None
        if u.code == "SAPA"
        else float(figures[(figures["unit"] == u.code) & (figures["indicator"] == "TH01")]["value"].iloc[0])
        for u in sample_setup.province.units
    ]
    assert chart["values"] == expected
    assert chart["labels"] == [u.name for u in sample_setup.province.units]
    assert all("charts" not in s for s in made["sections"])


def report_sentences(ctx: dict[str, Any]) -> list[str]:
    """Every sentence of the running text, the annex notes and footnotes of a context."""
    texts = list(ctx["lead"])
    for section in ctx["sections"]:
        texts += [section["heading"], *section["paragraphs"]]
        for sub in section["subsections"]:
            texts += [sub["heading"], *sub["paragraphs"]]
    texts += [t for a in ctx["annexes"] for t in (a["note"], a["footnote"])]
    return [s for t in texts for s in re.split(r"(?<=[.;])\s+|\n", t)]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("without", "code"),
    [(None, "2024-Q2"), (None, "2024-H1"), (None, "2024"), ("SAPA", "2024-H1"), ("SAPA", "2024")],
)
def test_no_sentence_has_two_bracket_groups_in_a_row(without: str | None, code: str, tmp_path: Path) -> None:
    inputs = SAMPLE_INPUTS
    if without:
        # One unit's first quarter missing: what a rate, a density or a part lacks is said in brackets.
        inputs = tmp_path / "lao-cai"
        shutil.copytree(SAMPLE_INPUTS, inputs)
        (inputs / "submissions" / "2024-Q1" / f"{without}.xlsx").unlink()
    setup = load_setup(inputs)
    period = Period.parse(code)
    intake = collection_for(setup, period)
    ctx = context_for(setup, intake, figures_for(setup, intake, period), period, date(2024, 7, 5))
    sentences = report_sentences(ctx)
    if without:
        assert any("chưa bao gồm" in s for s in sentences)  # the brackets this test is about are there
    doubled = [s for s in sentences if re.search(r"\)\s*\(", s)]
    assert doubled == []
