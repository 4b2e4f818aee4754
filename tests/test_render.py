"""The documents' content, re-opened: DOCX (python-docx, LibreOffice), PDF (pdfplumber), XLSX (openpyxl)."""

from __future__ import annotations

import base64
import copy
import io
import shutil
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from baocao.render.pdf import render_html
from baocao.render.xlsx import TIDY_COLUMNS
from baocao.report import (
    TEMPLATES,
    Setup,
)

HOSTILE = "Đề nghị <b>hỗ trợ</b> & {{ 7*7 }} {% if x %}kinh phí{% endif %} ]]> \x07cuối"


@pytest.fixture(scope="module")
def rendered(sample_documents: dict[str, Any]) -> dict[str, Any]:
    """The shared 2024-Q2 sample documents (see conftest)."""
    return sample_documents


def body_paragraphs(context: dict[str, Any]) -> list[str]:
    """Every running-text paragraph of the context, in order."""
    out = list(context["lead"])
    for section in context["sections"]:
        out += [section["heading"], *section["paragraphs"]]
        for sub in section["subsections"]:
            out += [sub["heading"], *sub["paragraphs"]]
    return out


# --- DOCX ------------------------------------------------------------------------------------------------


def test_docx_holds_the_context_text_literally(rendered: dict[str, Any]) -> None:
    doc = Document(str(rendered["docx"]))
    texts = [p.text for p in doc.paragraphs]
    expected = body_paragraphs(rendered["context"])
    assert [t for t in texts if t in set(expected)] == expected
    assert "BÁO CÁO" in texts and "Kết quả công tác quý II/2024 và nhiệm vụ trọng tâm quý III/2024" in texts
    hostile = next(t for t in texts if "hỗ trợ</b>" in t)
    assert "<b>hỗ trợ</b> & {{ 7*7 }} {% if x %}kinh phí{% endif %} ]]>" in hostile
    assert "\x07" not in hostile and "cuối" in hostile


@pytest.fixture(scope="module")
def libreoffice_pdf(rendered: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample DOCX converted to PDF by LibreOffice (what users without Word see)."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is installed by scripts/test.sh")
    out = tmp_path_factory.mktemp("libreoffice")
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{out / 'lo-profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(rendered["docx"]),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return out / f"{rendered['docx'].stem}.pdf"


@pytest.mark.slow
def test_docx_opens_in_libreoffice(libreoffice_pdf: Path) -> None:
    with pdfplumber.open(libreoffice_pdf) as pdf:
        assert len(pdf.pages) >= 5
        first = unicodedata.normalize("NFC", pdf.pages[0].extract_text())
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in first and "BÁO CÁO" in first


@pytest.mark.slow
def test_docx_rules_clear_the_text_in_libreoffice(libreoffice_pdf: Path) -> None:
    with pdfplumber.open(libreoffice_pdf) as pdf:
        page = pdf.pages[0]
        rules = [r for r in page.lines + page.rects if r["height"] < 2 and 40 < r["width"] < 200]
        words = page.extract_words()
    assert len(rules) >= 3, "under the agency, the motto and the summary"
    for rule in rules:
        above = [
            w
            for w in words
            if w["bottom"] <= rule["top"] + 2 and w["x1"] > rule["x0"] and w["x0"] < rule["x1"]
        ]
        # A rule drawn through the line above (a top border) sat about 3 pt under its text box.
        assert rule["top"] - max(w["bottom"] for w in above) >= 5, (
            f"rule at {rule['top']:.1f} touches the text"
        )


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


@pytest.mark.slow
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


# A page of what the report template uses (header table, justified text, a data table with a repeated header,
# rules) and what a department could add to it (a list, a CSS footnote).
_LEAN_HTML = """<html lang="vi"><head><style>
@page { size: A4; margin: 20mm; @top-center { content: counter(page) } }
html { font-family: "Liberation Serif", serif; font-size: 13pt }
p.body { text-align: justify; text-indent: 12.7mm }
table.data { width: 100%; border-collapse: collapse; table-layout: fixed }
table.data td, table.data th { border: 0.5pt solid #000; padding: 1.5pt 3pt }
table.data thead { display: table-header-group }
{style}
</style></head><body>
<h1>I. Kết quả</h1><p class="body">{text}</p>
<ol><li>Thứ nhất</li><li>Thứ hai</li></ol><ul><li>Một ý</li></ul>
<p>Có chú thích<span class="fn">Chú thích cuối trang.</span> ở đây.</p>
<table class="data"><thead><tr><th>TT</th><th>Đơn vị</th><th>Giá trị</th></tr></thead><tbody>{rows}</tbody></table>
</body></html>"""


def _lean_html(style: str = "") -> str:
    rows = "".join(f"<tr><td>{i}</td><td>Xã số {i}</td><td>{i * 1234},5</td></tr>" for i in range(1, 80))
    text = "Trong kỳ, các đơn vị đã báo cáo đầy đủ. " * 30
    return _LEAN_HTML.replace("{style}", style).replace("{text}", text).replace("{rows}", rows)


@pytest.mark.parametrize("style", ["", ".fn { float: footnote }"], ids=["plain", "footnote"])
def test_pdf_lean_stylesheet_makes_the_same_pdf_as_weasyprints_own(style: str) -> None:
    """The lean default stylesheet (fewer pseudo-elements to style) changes no byte of the PDF, lists and
    footnotes included: WeasyPrint's own rendering of the same HTML is the reference."""
    from weasyprint import HTML

    from baocao.render.pdf import ReportHTML, uses_notes

    html = _lean_html(style)
    notes = uses_notes(html, TEMPLATES)
    assert notes == bool(style)
    own = HTML(string=html).write_pdf()
    lean = ReportHTML(string=html, notes=notes).write_pdf()
    assert lean == own
    with pdfplumber.open(io.BytesIO(lean)) as pdf:
        assert len(pdf.pages) == 3
        text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "Xã số 79" in text and "1. Thứ nhất" in text
    if notes:  # the footnote's call and marker came from the rules kept for it
        assert "1. Chú thích cuối trang." in text


def test_pdf_lean_stylesheet_drops_only_the_rules_of_pseudo_elements_not_used() -> None:
    from weasyprint.html import UA

    from baocao.render.pdf import lean_ua_text

    full, lean = UA.splitlines(), lean_ua_text(UA, notes=False).splitlines()
    dropped = [line for line in full if line not in lean]
    assert dropped and all(line.startswith(("::marker", "::footnote-", "::note-")) for line in dropped)
    assert [line for line in lean if "::marker" in line] == [
        "li" + line for line in full if line.startswith("::marker")
    ]
    assert len(lean_ua_text(UA, notes=True).splitlines()) == len(full)


# --- XLSX ------------------------------------------------------------------------------------------------


def test_xlsx_sheets_and_tidy_table(rendered: dict[str, Any], sample_setup: Setup) -> None:
    wb = load_workbook(rendered["xlsx"])
    fields = [f.name for f in sample_setup.catalogue.fields]
    assert wb.sheetnames == ["Toàn tỉnh", *fields, "Dữ liệu", "Kiểm tra"]
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


def test_xlsx_field_sheet_is_readable(rendered: dict[str, Any], sample_setup: Setup) -> None:
    ws = load_workbook(rendered["xlsx"])["Viễn thông"]
    assert ws.freeze_panes == "C3"
    header = [c.value for c in ws[2]]
    assert header[:3] == ["STT", "Đơn vị", "Thuê bao điện thoại cố định (thuê bao)"]
    names = [ws.cell(row=r, column=2).value for r in range(3, 3 + len(sample_setup.province.units) + 1)]
    assert names[0] == "Thành phố Lào Cai" and names[-1] == "Toàn tỉnh"
    total = ws.cell(row=3 + len(sample_setup.province.units), column=3)
    units = [ws.cell(row=r, column=3).value for r in range(3, 3 + len(sample_setup.province.units))]
    assert total.value == sum(units) and total.font.bold
    assert ws.cell(row=3, column=3).number_format == "#,##0"


@pytest.mark.slow
def test_charts_in_both_documents(rendered: dict[str, Any]) -> None:
    charts = [c for a in rendered["context"]["annexes"] for c in a["charts"]]
    assert [c["kind"] for c in charts] == ["trend", "units", "units"]
    assert charts[0]["labels"][0] == "I/2023" and charts[0]["labels"][-1] == "II/2024"
    assert charts[0]["highlight"] == [len(charts[0]["labels"]) - 1]
    doc = Document(str(rendered["docx"]))
    assert len(doc.inline_shapes) == len(charts)
    # Two by two in a borderless table of the annex, each over its caption.
    texts = [p.text for t in doc.tables for row in t.rows for cell in row.cells for p in cell.paragraphs]
    for chart in charts:
        assert chart["caption"] in texts
        assert base64.b64decode(chart["image"]).startswith(b"\x89PNG")
    with pdfplumber.open(rendered["pdf"]) as pdf:
        images = sum(len(page.images) for page in pdf.pages)
        [page] = [page for page in pdf.pages if page.images]
        # Side by side: the first chart and its caption in the left half of the annex page.
        left = page.crop((0, 0, page.width / 2, page.height)).extract_text()
    assert images == len(charts)
    assert "BIỂU ĐỒ" in left
    assert (
        "Biểu đồ 1. Tổng doanh thu bưu chính, viễn thông và công nghệ thông tin toàn tỉnh qua các quý"
        in " ".join(left.split())
    )


@pytest.mark.slow
def test_docx_outline_levels_make_libreoffice_bookmarks(libreoffice_pdf: Path) -> None:
    # LibreOffice exports a bookmark for each paragraph with an outline level: Word's navigation pane too.
    outline = PdfReader(libreoffice_pdf).outline
    top = [item.title for item in outline if not isinstance(item, list)]
    assert top[:3] == ["I. KẾT QUẢ ĐẠT ĐƯỢC", "II. TỒN TẠI, HẠN CHẾ", "III. KIẾN NGHỊ, ĐỀ XUẤT"]
    assert top[-3:] == ["PHỤ LỤC I", "PHỤ LỤC II", "PHỤ LỤC III"]
    first_children = outline[1]
    assert isinstance(first_children, list) and first_children[0].title == "1. Kết quả chung"


@pytest.mark.parametrize(
    "text", ["Thực hiện quý IV/2024", " lề hai bên ", "a\tb", "dòng 1\ndòng 2\r\n", '<&>"', ""]
)
@pytest.mark.parametrize("bold", [False, True])
def test_docx_table_cell_xml_is_what_python_docx_builds(text: str, bold: bool) -> None:
    """The annex tables are written as XML text (render/docx.py): each cell must come out element for element
    as python-docx's own API makes it."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    from docx.shared import Mm
    from lxml import etree

    from baocao.render.docx import _cell_xml

    width = Mm(31.5)
    cell = Document().add_table(rows=1, cols=1).rows[0].cells[0]
    cell.width = width
    paragraph = cell.paragraphs[0]
    paragraph._p.get_or_add_pPr().get_or_add_pStyle().val = "BCTableText"
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = paragraph.add_run(text)
    if bold:
        run.bold = True
    built = _cell_xml(text, width.twips, "BCTableText", "right", bold).replace(
        "<w:tc>", f"<w:tc {nsdecls('w')}>", 1
    )
    reference = copy.deepcopy(cell._tc)
    etree.cleanup_namespaces(reference)  # the copy carries every namespace the document declares
    assert etree.tostring(parse_xml(built)) == etree.tostring(reference)
