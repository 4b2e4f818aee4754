"""The documents, re-opened and inspected: DOCX with python-docx and LibreOffice, PDF with pdfplumber/pypdf."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from docx import Document
from docx.shared import Mm
from lxml import etree
from openpyxl import load_workbook
from pypdf import PdfReader

from baocao.intake.model import Note
from baocao.periods import Period
from baocao.render.charts import with_chart_images
from baocao.render.docx import render_docx
from baocao.render.pdf import render_html, render_pdf
from baocao.render.xlsx import TIDY_COLUMNS
from baocao.report import (
    TEMPLATES,
    Setup,
    collect_for,
    context_for,
    figures_for,
    output_paths,
    trend_for,
    write_xlsx,
)

HOSTILE = "Đề nghị <b>hỗ trợ</b> & {{ 7*7 }} {% if x %}kinh phí{% endif %} ]]> \x07cuối"


@pytest.fixture(scope="module")
def rendered(sample_setup: Setup, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The 2024-Q2 sample report, with a hostile proposal added to one unit's notes, in all three formats."""
    period = Period.parse("2024-Q2")
    intake = collect_for(sample_setup, period)
    intake.accepted[("SAPA", "2024-Q2")].notes.append(Note("proposals", HOSTILE))
    figures = figures_for(sample_setup, intake, period)
    trend = trend_for(sample_setup, intake, period)
    context = with_chart_images(
        context_for(sample_setup, intake, figures, period, date(2024, 7, 5), 5, trend)
    )
    docx, pdf, xlsx = output_paths(tmp_path_factory.mktemp("out"), sample_setup, period)
    render_docx(context, TEMPLATES / "report.docx", docx)
    render_pdf(context, TEMPLATES, pdf)
    write_xlsx(sample_setup, intake, figures, period, xlsx)
    return {"context": context, "docx": docx, "pdf": pdf, "xlsx": xlsx}


def body_paragraphs(context: dict[str, Any]) -> list[str]:
    """Every running-text paragraph of the context, in order."""
    out = list(context["lead"])
    for section in context["sections"]:
        out += [section["heading"], *section["paragraphs"]]
        for sub in section["subsections"]:
            out += [sub["heading"], *sub["paragraphs"]]
    return out


# --- DOCX ------------------------------------------------------------------------------------------------


def test_docx_page_and_margins(rendered: dict[str, Any]) -> None:
    doc = Document(str(rendered["docx"]))
    first, annex = doc.sections[0], doc.sections[-1]
    tolerance = Mm(0.5)
    assert abs(first.page_width - Mm(210)) < tolerance and abs(first.page_height - Mm(297)) < tolerance
    for actual, expected in (
        (first.top_margin, 20),
        (first.bottom_margin, 20),
        (first.left_margin, 30),
        (first.right_margin, 15),
    ):
        assert abs(actual - Mm(expected)) < tolerance
    assert annex.page_width > annex.page_height, "annexes are on landscape pages"


def test_docx_body_is_times_new_roman_14_justified_indented(rendered: dict[str, Any]) -> None:
    doc = Document(str(rendered["docx"]))
    body = doc.styles["BC Body"]
    assert body.font.name == "Times New Roman" and body.font.size.pt == 14
    assert body.paragraph_format.alignment == 3  # justify
    assert abs(body.paragraph_format.first_line_indent - Mm(12.7)) < Mm(0.5)
    assert body.paragraph_format.space_after.pt == 6
    defaults = etree.tostring(
        doc.styles.element.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}docDefaults"),
        encoding="unicode",
    )
    assert "Times New Roman" in defaults and "Theme" not in defaults


def test_docx_header_table_and_page_numbers(rendered: dict[str, Any]) -> None:
    doc = Document(str(rendered["docx"]))
    left, right = doc.tables[0].rows[0].cells
    assert [p.text for p in left.paragraphs if p.text] == [
        "ỦY BAN NHÂN DÂN TỈNH LÀO CAI",
        "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        "Số: 05/BC-STTTT",
    ]
    assert [p.text for p in right.paragraphs if p.text] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Lào Cai, ngày 05 tháng 7 năm 2024",
    ]
    section = doc.sections[0]
    assert section.different_first_page_header_footer, "no page number on page 1"
    assert "PAGE" in section.header._element.xml
    assert not section.first_page_header.paragraphs[0].text


def test_docx_holds_the_context_text_literally(rendered: dict[str, Any]) -> None:
    doc = Document(str(rendered["docx"]))
    texts = [p.text for p in doc.paragraphs]
    expected = body_paragraphs(rendered["context"])
    assert [t for t in texts if t in set(expected)] == expected
    assert "BÁO CÁO" in texts and "Kết quả công tác quý II/2024 và nhiệm vụ trọng tâm quý III/2024" in texts
    hostile = next(t for t in texts if "hỗ trợ</b>" in t)
    assert "<b>hỗ trợ</b> & {{ 7*7 }} {% if x %}kinh phí{% endif %} ]]>" in hostile
    assert "\x07" not in hostile and "cuối" in hostile


def test_docx_metadata(rendered: dict[str, Any]) -> None:
    props = Document(str(rendered["docx"])).core_properties
    assert props.author == "Sở Thông tin và Truyền thông tỉnh Lào Cai"
    assert props.title.startswith("Báo cáo kết quả công tác quý II/2024")
    assert props.created.date() == date(2024, 7, 5)


def test_docx_annex_tables_repeat_their_header(rendered: dict[str, Any]) -> None:
    doc = Document(str(rendered["docx"]))
    data_tables = [t for t in doc.tables if t.rows[0].cells[0].text == "STT"]
    assert len(data_tables) == sum(len(a["tables"]) for a in rendered["context"]["annexes"])
    for table in data_tables:
        assert "tblHeader" in table.rows[0]._tr.xml


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is installed by scripts/test.sh")
def test_docx_opens_in_libreoffice(rendered: dict[str, Any], tmp_path: Path) -> None:
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(rendered["docx"]),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    converted = tmp_path / f"{rendered['docx'].stem}.pdf"
    with pdfplumber.open(converted) as pdf:
        assert len(pdf.pages) >= 5
        first = unicodedata.normalize("NFC", pdf.pages[0].extract_text())
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in first and "BÁO CÁO" in first


# --- PDF -------------------------------------------------------------------------------------------------


def test_pdf_first_page_has_correct_vietnamese(rendered: dict[str, Any]) -> None:
    with pdfplumber.open(rendered["pdf"]) as pdf:
        page = pdf.pages[0]
        assert (round(page.width), round(page.height)) == (595, 842)
        text = page.extract_text()
    assert text == unicodedata.normalize("NFC", text)
    for phrase in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "BÁO CÁO",
        "Kết quả công tác quý II/2024 và nhiệm vụ trọng tâm quý III/2024",
        "I. KẾT QUẢ ĐẠT ĐƯỢC",
        "ngày 05 tháng 7 năm 2024",
    ):
        assert phrase in text


def test_pdf_page_numbers_from_page_two(rendered: dict[str, Any]) -> None:
    with pdfplumber.open(rendered["pdf"]) as pdf:

        def top_words(index: int) -> list[str]:
            page = pdf.pages[index]
            return [w["text"] for w in page.extract_words() if w["bottom"] < 20 / 25.4 * 72]

        assert top_words(0) == []
        assert top_words(1) == ["2"]
        assert top_words(2) == ["3"]


def test_pdf_margins_from_text_positions(rendered: dict[str, Any]) -> None:
    mm = 72 / 25.4
    with pdfplumber.open(rendered["pdf"]) as pdf:
        page = pdf.pages[1]
        words = page.extract_words()
    body = [w for w in words if w["top"] > 20 * mm]
    assert min(w["x0"] for w in body) == pytest.approx(30 * mm, abs=1.0)
    assert max(w["x1"] for w in body) <= page.width - 15 * mm + 1.0
    assert max(w["x1"] for w in body) == pytest.approx(page.width - 15 * mm, abs=2.0)  # justified text


def test_pdf_embeds_a_times_compatible_font_and_metadata(rendered: dict[str, Any]) -> None:
    reader = PdfReader(rendered["pdf"])
    fonts = set()
    for page in reader.pages[:2]:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert "/FontFile2" in descriptor, "font embedded"
            fonts.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    assert fonts and all(f.startswith(("Liberation-Serif", "TimesNewRoman", "Times")) for f in fonts)
    meta = reader.metadata
    assert meta.title.startswith("Báo cáo kết quả công tác quý II/2024")
    assert meta.author == "Sở Thông tin và Truyền thông tỉnh Lào Cai"


def test_pdf_and_docx_carry_the_same_text(rendered: dict[str, Any]) -> None:
    with pdfplumber.open(rendered["pdf"]) as pdf:
        # The body only: the page number in the top margin would split a paragraph that crosses pages.
        body = 20 * 72 / 25.4
        pdf_text = " ".join(p.crop((0, body, p.width, p.height)).extract_text() for p in pdf.pages)
    # Lines may break after "/" with no space: compare with whitespace removed.
    flat = "".join(unicodedata.normalize("NFC", pdf_text).split())
    for paragraph in body_paragraphs(rendered["context"]):
        assert "".join(paragraph.split()) in flat
    assert "<b>hỗtrợ</b>&{{7*7}}{%ifx%}kinhphí{%endif%}]]>" in flat


def test_html_escapes_user_text(rendered: dict[str, Any]) -> None:
    html = render_html(rendered["context"], TEMPLATES)
    assert "&lt;b&gt;hỗ trợ&lt;/b&gt; &amp; {{ 7*7 }}" in html
    assert "<b>hỗ trợ</b>" not in html


# --- XLSX ------------------------------------------------------------------------------------------------


def test_xlsx_sheets_and_tidy_table(rendered: dict[str, Any], sample_setup: Setup) -> None:
    wb = load_workbook(rendered["xlsx"])
    assert wb.sheetnames == ["Toàn tỉnh", "Theo đơn vị", "Dữ liệu", "Kiểm tra"]
    rows = list(wb["Dữ liệu"].iter_rows(values_only=True))
    assert list(rows[0]) == TIDY_COLUMNS
    units = len(sample_setup.province.units) + 1
    assert len(rows) - 1 == units * len(sample_setup.catalogue.indicators)
    province_rows = [r for r in rows[1:] if r[0] == sample_setup.province.code]
    assert {r[1] for r in province_rows} == {"Toàn tỉnh"}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"
