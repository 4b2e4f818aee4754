"""End to end without Prefect: sample submissions in, three documents out, figures checked independently."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import yaml

from baocao.intake.form import FormContent, write_form
from baocao.intake.model import Note
from baocao.periods import Period
from baocao.province import Province
from baocao.report import ReportRequest, ReportResult, load_setup, run_report
from tests.support import DATA_SHEET, cell_of, docx_text, openpyxl_figures, set_cell, tidy_sheet, vn

# Every test renders whole reports (DOCX, PDF, XLSX) of the sample or of a generated province.
pytestmark = pytest.mark.slow

PERIODS = ["2024-Q2", "2024-H1", "2024-9M", "2024"]
REPORT_DATE = date(2025, 1, 15)


def independent_totals(submissions: Path, province: Province, period: Period) -> dict[str, float]:
    """Province figures computed from the raw workbooks with openpyxl and plain sums."""
    raw = {
        (u, q.code): openpyxl_figures(submissions / q.code / f"{u}.xlsx")
        for u in province.unit_codes
        for q in period.year_to_date.quarters
    }
    flow = {q.code for q in period.quarters}
    end = period.end_quarter.code
    ytd = {q.code for q in period.year_to_date.quarters}
    units = province.unit_codes

    def total(code: str, quarters: set[str]) -> float:
        return sum(raw[(u, q)][code][0] for u in units for q in quarters)

    population = sum(u.population_in(period.year) or 0 for u in province.units)
    return {
        "BC03": total("BC03", flow),
        "BC03_ytd": total("BC03", ytd),
        "IN01": total("IN01", {end}),
        "CN04": total("CN03", {end}) / total("CN02", {end}) * 100,
        "VT04": (total("VT01", {end}) + total("VT02", {end})) / population * 100,
        "TH01": sum(total(c, flow) for c in ("BC03", "VT06", "CN15")),
    }


@pytest.fixture(scope="module")
def sample_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ReportResult]:
    """The sample province's report for each period kind, written once for the module."""
    from baocao.report import SAMPLE_INPUTS

    out = tmp_path_factory.mktemp("outputs")
    return {
        p: run_report(ReportRequest(SAMPLE_INPUTS, Period.parse(p), out, REPORT_DATE, 5)) for p in PERIODS
    }


@pytest.mark.parametrize("code", PERIODS)
def test_figures_equal_an_independent_computation(
    sample_runs: dict[str, ReportResult], sample_submissions: Path, province: Province, code: str
) -> None:
    period = Period.parse(code)
    result = sample_runs[code]
    expected = independent_totals(sample_submissions, province, period)
    tidy = {(r["unit_code"], r["indicator_code"]): r for r in tidy_sheet(result.xlsx)}
    for indicator in ("BC03", "IN01", "CN04", "VT04", "TH01"):
        assert tidy[(province.code, indicator)]["value"] == pytest.approx(expected[indicator], rel=1e-9)
    plan_2024 = province.plans[2024]
    assert tidy[(province.code, "BC03")]["plan_pct"] == pytest.approx(
        expected["BC03_ytd"] / plan_2024["BC03"] * 100
    )
    text = docx_text(result.docx)
    assert f"{vn(expected['BC03'], 2)} tỷ đồng" in text
    assert f"{vn(expected['IN01'], 0)} thuê bao" in text
    assert f"{vn(expected['VT04'], 1)} thuê bao/100 dân" in text
    assert f"đạt {vn(expected['BC03_ytd'] / plan_2024['BC03'] * 100, 2)}% kế hoạch năm" in text


def test_growth_against_last_year_is_independent(
    sample_runs: dict[str, ReportResult], sample_submissions: Path, province: Province
) -> None:
    now = independent_totals(sample_submissions, province, Period.parse("2024-H1"))["BC03"]
    before = independent_totals(sample_submissions, province, Period.parse("2023-H1"))["BC03"]
    text = docx_text(sample_runs["2024-H1"].docx)
    growth = (now / before - 1) * 100
    word = "tăng" if growth > 0 else "giảm"
    assert f"{vn(now, 2)} tỷ đồng, {word} {vn(abs(growth), 1)}% so với cùng kỳ năm 2023" in text


@pytest.mark.parametrize("code", PERIODS)
def test_each_period_kind_writes_three_documents(sample_runs: dict[str, ReportResult], code: str) -> None:
    result = sample_runs[code]
    for path in result.paths:
        assert path.is_file() and path.stat().st_size > 5000
        assert path.parent.name == code and path.name.startswith(f"BC-{code}-STTTT")
    assert not list(result.docx.parent.glob("*.part"))
    assert {s.state for s in result.states} == {"received"}


def test_estimates_are_marked_in_the_text(sample_runs: dict[str, ReportResult]) -> None:
    # The sample's 2024-Q4 flows are estimates for most units: the year's revenue is "ước đạt".
    text = docx_text(sample_runs["2024"].docx)
    assert "Doanh thu bưu chính năm 2024 ước đạt" in text
    assert re.search(r"Đến cuối năm 2024, toàn tỉnh có [\d.]+ thuê bao điện thoại", text)


def test_a_text_in_a_number_cell_sets_one_unit_aside(
    sample_inputs_copy: Path, province: Province, tmp_path: Path
) -> None:
    bad = sample_inputs_copy / "submissions" / "2024-Q2" / "BATXAT.xlsx"
    ref = cell_of(bad, "BC03")
    set_cell(bad, DATA_SHEET, ref, "hai trăm")
    result = run_report(
        ReportRequest(sample_inputs_copy, Period.parse("2024-Q2"), tmp_path / "out", REPORT_DATE)
    )

    assert result.rejected == ("BATXAT.xlsx",)
    states = {s.unit: s for s in result.states}
    assert states["BATXAT"].state == "rejected"
    assert any(f"ô {ref}" in r and '"Số liệu"' in r for r in map(str, states["BATXAT"].reasons))
    text = docx_text(result.docx)
    assert "báo cáo của huyện Bát Xát có lỗi nên chưa được tổng hợp" in text
    assert "Báo cáo quý II/2024 của huyện Bát Xát có 1 lỗi về số liệu nên chưa được tổng hợp" in text
    others = [u for u in province.unit_codes if u != "BATXAT"]
    subs = sample_inputs_copy / "submissions" / "2024-Q2"
    expected = sum(openpyxl_figures(subs / f"{u}.xlsx")["BC03"][0] for u in others)
    tidy = {(r["unit_code"], r["indicator_code"]): r for r in tidy_sheet(result.xlsx)}
    assert tidy[(province.code, "BC03")]["value"] == pytest.approx(expected)
    assert tidy[("BATXAT", "BC03")]["value"] is None


@pytest.mark.slow
def test_runs_read_the_store_and_see_every_correction(sample_inputs_copy: Path, tmp_path: Path) -> None:
    # Each run parses a submission once into <outputs>/<province>/.ingest; a file changed seconds later
    # (same quarter, same name) is parsed again, whatever its size and time.
    out = tmp_path / "out"
    request = ReportRequest(sample_inputs_copy, Period.parse("2024-Q2"), out, REPORT_DATE)
    path = sample_inputs_copy / "submissions" / "2024-Q2" / "BATXAT.xlsx"
    ref = cell_of(path, "BC03")
    first = run_report(request)
    store = out / sample_inputs_copy.name / ".ingest"
    assert {p.name for p in store.iterdir()} == {"files.parquet", "parsed.parquet"}
    assert first.rejected == ()

    set_cell(path, DATA_SHEET, ref, "hai trăm")
    assert run_report(request).rejected == ("BATXAT.xlsx",)
    set_cell(path, DATA_SHEET, ref, 4321)
    again = run_report(request)
    assert again.rejected == ()
    tidy = {(r["unit_code"], r["indicator_code"]): r for r in tidy_sheet(again.xlsx)}
    assert tidy[("BATXAT", "BC03")]["value"] == 4321


# --- a province the code has never seen ------------------------------------------------------------------


def commune_province(root: Path) -> Path:
    """A small commune-level province of 2025: statistical calendar, no plans, CSV and Excel submissions."""
    folder = root / "tinh-moi"
    config = {
        "code": "TM",
        "name": "Tỉnh Mới",
        "parent_body": "Ủy ban nhân dân tỉnh Tỉnh Mới",
        "agency": {"name": "Sở Khoa học và Công nghệ", "abbreviation": "SKHCN"},
        "place": "Tỉnh Mới",
        "calendar": "statistical",
        "units": [
            {"code": "X01", "name": "Tả Van", "kind": "xã", "population": {2024: 5200}},
            {"code": "P02", "name": "Sa Pa", "kind": "phường", "population": {2024: 31000, 2025: 31500}},
            {"code": "X03", "name": "Bản Hồ", "kind": "xã"},
        ],
        "signer": {"name": "Trần Văn A", "title": "PHÓ GIÁM ĐỐC", "on_behalf_of": "GIÁM ĐỐC"},
        "recipients": ["Như trên;", "Lưu: VT."],
    }
    folder.mkdir(parents=True)
    (folder / "province.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    setup = load_setup(folder)
    for year in (2024, 2025):
        for q in (1, 2):
            quarter = Period.quarter(year, q)
            for unit in setup.province.units[:2]:
                values = {i.code: 10.0 * q + year % 10 for i in setup.catalogue.submitted}
                content = FormContent(
                    values=values, notes=[Note("proposals", "Đề nghị hỗ trợ loa truyền thanh")]
                )
                write_form(
                    folder / "submissions" / quarter.code / f"{unit.code}.xlsx",
                    setup.catalogue,
                    setup.province,
                    unit,
                    quarter,
                    content,
                )
            csv = folder / "submissions" / quarter.code / "X03.csv"
            csv.write_text(
                "unit,period,indicator,value\n"
                + "".join(f"X03,{quarter.code},{i.code},{q}\n" for i in setup.catalogue.submitted),
                encoding="utf-8",
            )
    return folder


@pytest.mark.parametrize("code", ["2025-Q2", "2025-H1", "2025"])
def test_an_unseen_commune_province(tmp_path: Path, code: str) -> None:
    inputs = commune_province(tmp_path)
    result = run_report(ReportRequest(inputs, Period.parse(code), tmp_path / "out", REPORT_DATE))
    text = docx_text(result.docx)
    assert "SỞ KHOA HỌC VÀ CÔNG NGHỆ" in text and "Số:" in text and "/BC-SKHCN" in text
    assert "KT. GIÁM ĐỐC" in text and "PHÓ GIÁM ĐỐC" in text
    for bad in ("None", "nan", "{{", "{%"):
        assert bad not in text
    if code == "2025":
        # Q3 and Q4 were never sent: the year's flows are Q1 + Q2 of each unit (xlsx units 15 + 25 each, the
        # CSV unit 1 + 2: 83), said to lack Q3 and Q4; stocks (read at Q4) have no figure.
        assert "xã Tả Van, phường Sa Pa và xã Bản Hồ chưa gửi báo cáo quý III/2025 và quý IV/2025" in text
        assert (
            "Doanh thu bưu chính năm 2025 đạt 83 tỷ đồng (chưa bao gồm số liệu quý III/2025 và quý IV/2025 của "
            "xã Tả Van, phường Sa Pa và xã Bản Hồ)"
        ) in text
        assert "chưa báo cáo số liệu lĩnh vực Internet năm 2025" in text
        assert {s.state for s in result.states} == {"partial"}
    else:
        assert {s.state for s in result.states} == {"received"}
        # Notes come from the workbooks; X03 sent a CSV, which carries none.
        assert "UBND xã Tả Van và phường Sa Pa đề nghị hỗ trợ loa truyền thanh" in text


def body_pages(pdf: Path) -> list[str]:
    """The text of the PDF's pages before Phụ lục I (read back with pdfplumber)."""
    import pdfplumber

    with pdfplumber.open(pdf) as document:
        texts = [page.extract_text() or "" for page in document.pages]
    return texts[: next(i for i, t in enumerate(texts) if t.splitlines()[1:2] == ["PHỤ LỤC I"])]


def test_a_quarter_briefing_fits_five_pages(sample_runs: dict[str, ReportResult]) -> None:
    pages = body_pages(sample_runs["2024-Q2"].pdf)
    assert len(pages) <= 5
    text = " ".join(" ".join(pages).split())
    assert 1 <= text.count("so với cùng kỳ") <= 8
    assert "Biểu đồ" not in text  # the charts are an annex of their own
    assert "GIÁM ĐỐC" in pages[-1]  # the signature closes the body


@pytest.mark.slow
@pytest.mark.parametrize("code", [f"{y}-Q{q}" for y in (2023, 2024) for q in (1, 2, 3, 4)])
def test_every_sample_quarter_fits_five_pages(
    code: str, tmp_path: Path, sample_runs: dict[str, ReportResult]
) -> None:
    from baocao.report import SAMPLE_INPUTS

    if code in sample_runs:  # the same request as the module's run of that quarter: not rendered twice
        result = sample_runs[code]
    else:
        result = run_report(ReportRequest(SAMPLE_INPUTS, Period.parse(code), tmp_path, REPORT_DATE, 5))
    assert len(body_pages(result.pdf)) <= 5
