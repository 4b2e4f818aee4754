"""The official layout (Nghị định 30/2020, Phụ lục I), read back from the files: one test per point.

DOCX properties are resolved the way Word does (run -> paragraph style chain -> document defaults), since
python-docx reports None for inherited values. PDF points are measured from text positions.
"""

from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm
from docx.text.paragraph import Paragraph
from lxml import etree
from pypdf import PdfReader

from baocao.periods import Period
from baocao.render.charts import with_chart_images
from baocao.render.pdf import render_pdf
from baocao.report import TEMPLATES, Setup, collection_for, context_for, figures_for

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MM = 72 / 25.4  # PDF points per millimetre


@pytest.fixture(scope="module")
def docx(sample_documents: dict[str, Any]) -> Any:
    """The sample report's DOCX, opened with python-docx."""
    return Document(str(sample_documents["docx"]))


@pytest.fixture(scope="module")
def pdf(sample_documents: dict[str, Any]) -> Any:
    """The sample report's PDF, opened with pdfplumber."""
    with pdfplumber.open(sample_documents["pdf"]) as document:
        yield document


def resolved(paragraph: Any, run: Any | None = None) -> dict[str, Any]:
    """Font name, size (pt), bold and italic of a run as Word resolves them."""
    out: dict[str, Any] = {"name": None, "size": None, "bold": None, "italic": None}
    fonts = [run.font] if run is not None else []
    style = paragraph.style
    while style is not None:
        fonts.append(style.font)
        style = style.base_style
    for font in fonts:
        for key, value in (
            ("name", font.name),
            ("size", font.size.pt if font.size else None),
            ("bold", font.bold),
            ("italic", font.italic),
        ):
            if out[key] is None and value is not None:
                out[key] = value
    if out["name"] is None:
        defaults = paragraph.part.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts")
        out["name"] = defaults.get(f"{W}ascii")
    out["bold"], out["italic"] = bool(out["bold"]), bool(out["italic"])
    return out


def paragraph_with(container: Any, text: str) -> Any:
    """The first paragraph whose text is ``text`` (or starts with it)."""
    for paragraph in container.paragraphs:
        if paragraph.text == text or paragraph.text.startswith(text):
            return paragraph
    raise AssertionError(f"no paragraph {text!r}")


def header_cells(docx: Any) -> tuple[Any, Any]:
    left, right = docx.tables[0].rows[0].cells
    return left, right


# --- DOCX: page -----------------------------------------------------------------------------------------


def test_docx_a4_portrait_with_the_decree_margins(docx: Any) -> None:
    section = docx.sections[0]
    tolerance = Mm(0.5)
    assert abs(section.page_width - Mm(210)) < tolerance and abs(section.page_height - Mm(297)) < tolerance
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    for actual, expected in zip(margins, (20, 20, 30, 15), strict=True):
        assert abs(actual - Mm(expected)) < tolerance


def test_docx_annexes_on_landscape_pages_with_numbers(docx: Any) -> None:
    annex = docx.sections[-1]
    assert len(docx.sections) == 2
    assert annex.page_width > annex.page_height
    assert not annex.different_first_page_header_footer, "the annex's first page is numbered"
    assert "PAGE" in annex.header._element.xml


def test_docx_default_font_is_times_new_roman_everywhere(docx: Any) -> None:
    fonts = docx.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts")
    assert {fonts.get(f"{W}{a}") for a in ("ascii", "hAnsi", "eastAsia", "cs")} == {"Times New Roman"}
    assert not any("Theme" in key for key in fonts.attrib)


def test_docx_page_number_centred_at_the_top_from_page_two(docx: Any) -> None:
    section = docx.sections[0]
    assert section.different_first_page_header_footer
    assert section.first_page_header.paragraphs[0].text == ""
    number = section.header.paragraphs[0]
    assert re.search(r"<w:instrText[^>]*> PAGE </w:instrText>", number._p.xml)
    assert (number.alignment or number.style.paragraph_format.alignment) == WD_ALIGN_PARAGRAPH.CENTER
    assert resolved(number)["size"] == 14 and resolved(number)["name"] == "Times New Roman"


# --- DOCX: header ---------------------------------------------------------------------------------------


def test_docx_header_is_a_borderless_two_column_table(docx: Any) -> None:
    table = docx.tables[0]
    assert len(table.columns) == 2
    borders = table._tbl.tblPr.find(f"{W}tblBorders")
    assert {b.get(f"{W}val") for b in borders} == {"nil"}
    widths = [int(col.get(f"{W}w")) for col in table._tbl.tblGrid.findall(f"{W}gridCol")]
    assert widths[0] < widths[1], "the right column holds the longer national motto"


def test_docx_header_left_column(docx: Any) -> None:
    left, _ = header_cells(docx)
    parent, agency, number = (
        paragraph_with(left, t) for t in ("ỦY BAN NHÂN DÂN", "SỞ THÔNG TIN", "Số: 05/BC-")
    )
    assert resolved(parent) == {"name": "Times New Roman", "size": 12, "bold": False, "italic": False}
    assert resolved(agency) == {"name": "Times New Roman", "size": 12, "bold": True, "italic": False}
    assert resolved(number)["size"] == 13 and not resolved(number)["bold"]
    assert number.text == "Số: 05/BC-STTTT"
    rule = left.paragraphs[2]
    assert rule.text == "" and rule._p.pPr.find(f"{W}pBdr") is not None, "a short rule under the agency"


def test_docx_header_right_column(docx: Any) -> None:
    _, right = header_cells(docx)
    nation = paragraph_with(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    motto = paragraph_with(right, "Độc lập - Tự do - Hạnh phúc")
    date_line = paragraph_with(right, "Lào Cai, ngày")
    assert resolved(nation)["bold"] and resolved(nation)["size"] in (12, 13)
    assert resolved(motto)["bold"] and resolved(motto)["size"] in (13, 14)
    assert resolved(date_line)["italic"] and resolved(date_line)["size"] == 14
    assert date_line.text == "Lào Cai, ngày 05 tháng 7 năm 2024"


def test_docx_title_and_summary_centred_bold(docx: Any) -> None:
    title = paragraph_with(docx, "BÁO CÁO")
    summary = paragraph_with(docx, "Kết quả công tác quý II/2024")
    for paragraph in (title, summary):
        assert (
            paragraph.alignment == WD_ALIGN_PARAGRAPH.CENTER
            or paragraph.style.paragraph_format.alignment == 1
        )
        assert resolved(paragraph)["bold"] and resolved(paragraph)["size"] == 14


# --- DOCX: body and signature -----------------------------------------------------------------------------


def test_docx_body_paragraphs(docx: Any) -> None:
    body = paragraph_with(docx, "Thực hiện chế độ báo cáo định kỳ")
    fmt = body.style.paragraph_format
    assert resolved(body) == {"name": "Times New Roman", "size": 14, "bold": False, "italic": False}
    assert fmt.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert abs(fmt.first_line_indent - Mm(12.7)) < Mm(0.5)
    assert fmt.space_after.pt >= 6


def test_docx_section_headings_bold(docx: Any) -> None:
    for heading in ("I. KẾT QUẢ ĐẠT ĐƯỢC", "II. TỒN TẠI, HẠN CHẾ", "1. Kết quả chung"):
        paragraph = paragraph_with(docx, heading)
        assert resolved(paragraph)["bold"] and resolved(paragraph)["size"] == 14


def test_docx_signature_block_beside_recipients(docx: Any) -> None:
    recipients, signer = docx.tables[1].rows[0].cells
    assert [p.text for p in signer.paragraphs if p.text] == ["GIÁM ĐỐC", "Nguyễn Đức Minh"]
    for paragraph in (p for p in signer.paragraphs if p.text):
        assert resolved(paragraph)["bold"] and resolved(paragraph)["size"] == 14
        assert paragraph.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    heading = recipients.paragraphs[0]
    assert heading.text == "Nơi nhận:"
    assert resolved(heading) == {"name": "Times New Roman", "size": 12, "bold": True, "italic": True}
    lines = [p for p in recipients.paragraphs[1:] if p.text]
    assert lines[0].text == "- Bộ Thông tin và Truyền thông (b/c);" and lines[-1].text == "- Lưu: VT, KHTC."
    assert all(resolved(p)["size"] == 11 for p in lines)


def test_docx_annex_tables_repeat_header_and_keep_rows_whole(docx: Any) -> None:
    tables = [t for t in docx.tables if t.rows[0].cells[0].text == "STT"]
    assert len(tables) >= 3
    for table in tables:
        assert table.rows[0]._tr.trPr.find(f"{W}tblHeader") is not None
        assert table.rows[-1]._tr.trPr.find(f"{W}cantSplit") is not None


def test_docx_metadata(docx: Any) -> None:
    props = docx.core_properties
    assert props.author == "Sở Thông tin và Truyền thông tỉnh Lào Cai"
    assert props.title == "Báo cáo kết quả công tác quý II/2024 và nhiệm vụ trọng tâm quý III/2024"
    assert props.created.date().isoformat() == "2024-07-05"


def test_docx_rules_are_bottom_borders_of_empty_paragraphs(docx: Any) -> None:
    left, right = header_cells(docx)
    rules = [p for c in (docx, left, right) for p in c.paragraphs if p.style.name == "BC Rule"]
    assert len(rules) == 3, "under the agency, under the motto, under the summary"
    for rule in rules:
        border = rule._p.pPr.find(f"{W}pBdr")
        # A top border is drawn on the line above: LibreOffice runs it through that line's descenders.
        assert rule.text == "" and border.find(f"{W}top") is None
        assert border.find(f"{W}bottom").get(f"{W}val") == "single"


def outline_level(docx: Any, style_name: str) -> int | None:
    """The w:outlineLvl of a paragraph style, read from styles.xml with lxml."""
    style = docx.styles[style_name].element
    level = style.find(f"{W}pPr/{W}outlineLvl")
    return None if level is None else int(level.get(f"{W}val"))


def test_docx_headings_have_outline_levels_for_the_navigation_pane(docx: Any) -> None:
    assert outline_level(docx, "BC Heading 1") == 0 and outline_level(docx, "BC Heading 2") == 1
    assert outline_level(docx, "BC Annex Label") == 0
    assert outline_level(docx, "BC Body") is None
    assert paragraph_with(docx, "I. KẾT QUẢ ĐẠT ĐƯỢC").style.name == "BC Heading 1"
    assert paragraph_with(docx, "1. Kết quả chung").style.name == "BC Heading 2"


def test_docx_annex_titles_and_footnotes_keep_with_their_tables(docx: Any) -> None:
    for label in ("PHỤ LỤC I", "PHỤ LỤC II", "PHỤ LỤC III"):
        paragraph = next(p for p in docx.paragraphs if p.text == label)
        for _ in range(3):  # the label, the title and the note keep with what follows, down to the table
            assert paragraph.style.paragraph_format.keep_with_next, paragraph.text
            paragraph = Paragraph(paragraph._p.getnext(), paragraph._parent)
    footnotes = [p for p in docx.paragraphs if p.style.name == "BC Footnote"]
    assert len(footnotes) == 2
    for footnote in footnotes:
        table = footnote._p.getprevious()
        assert table.tag == f"{W}tbl", "the footnote follows its table"
        last_row = table.findall(f"{W}tr")[-1]
        keeps = last_row.findall(f".//{W}p/{W}pPr/{W}keepNext")
        assert len(keeps) == len(last_row.findall(f".//{W}p")), "the table's last row keeps with the footnote"


def test_docx_core_and_app_properties_come_from_the_context(sample_documents: dict[str, Any]) -> None:
    # Read with lxml, not python-docx: docxcompose rebinds python-docx's 'cp' prefix, and python-docx would
    # read back the very elements it misplaced.
    with zipfile.ZipFile(sample_documents["docx"]) as package:
        core = etree.fromstring(package.read("docProps/core.xml"))
        app = etree.fromstring(package.read("docProps/app.xml"))
    cp = "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}"
    dc, dcterms = "{http://purl.org/dc/elements/1.1/}", "{http://purl.org/dc/terms/}"
    assert (
        core.findtext(f"{dc}title")
        == "Báo cáo kết quả công tác quý II/2024 và nhiệm vụ trọng tâm quý III/2024"
    )
    assert core.findtext(f"{dc}subject") == "Kết quả công tác quý II/2024 và nhiệm vụ trọng tâm quý III/2024"
    assert core.findtext(f"{dc}creator") == "Sở Thông tin và Truyền thông tỉnh Lào Cai"
    assert [e.text for e in core.iter(f"{cp}keywords")] == ["báo cáo định kỳ, 2024-Q2, quý II/2024, Lào Cai"]
    assert [e.text for e in core.iter(f"{cp}lastModifiedBy")] == ["Sở Thông tin và Truyền thông tỉnh Lào Cai"]
    assert core.findtext(f"{dcterms}created").startswith("2024-07-05")
    assert core.findtext(f"{dcterms}modified").startswith("2024-07-05")
    assert {e.tag.split("}")[0] + "}" for e in core} <= {cp, dc, dcterms}, "no element in a foreign namespace"
    assert "{{" not in etree.tostring(core, encoding="unicode")
    assert app.findtext("{*}Application") == "baocao"


# --- PDF ------------------------------------------------------------------------------------------------


def test_pdf_body_pages_a4_portrait_annexes_landscape(pdf: Any) -> None:
    sizes = [(round(p.width), round(p.height)) for p in pdf.pages]
    assert sizes[0] == (595, 842)
    annex_start = next(i for i, p in enumerate(pdf.pages) if "PHỤ LỤC I" in (p.extract_text() or ""))
    assert set(sizes[:annex_start]) == {(595, 842)}
    assert set(sizes[annex_start:]) == {(842, 595)}


def test_pdf_no_page_number_on_page_one_then_centred(pdf: Any) -> None:
    def top_words(page: Any) -> list[dict[str, Any]]:
        return [w for w in page.extract_words() if w["bottom"] < 20 * MM]

    assert top_words(pdf.pages[0]) == []
    for index in (1, 2):
        page = pdf.pages[index]
        [word] = top_words(page)
        assert word["text"] == str(index + 1)
        middle = (word["x0"] + word["x1"]) / 2
        text_centre = (30 * MM + page.width - 15 * MM) / 2
        assert middle == pytest.approx(text_centre, abs=3)


def test_pdf_margins_measured_from_text(pdf: Any) -> None:
    page = pdf.pages[1]
    body = [w for w in page.extract_words() if w["top"] > 20 * MM]
    assert min(w["x0"] for w in body) == pytest.approx(30 * MM, abs=1.0)
    assert max(w["x1"] for w in body) == pytest.approx(page.width - 15 * MM, abs=2.0)
    assert min(w["top"] for w in body) >= 20 * MM - 1
    assert max(w["bottom"] for w in body) <= page.height - 20 * MM + 1


def test_pdf_body_text_is_14pt_and_header_bold_and_italic(pdf: Any) -> None:
    page = pdf.pages[0]
    words = page.extract_words(extra_attrs=["fontname", "size"])
    lead = next(w for w in words if w["text"] == "Thực")
    assert lead["size"] == pytest.approx(14, abs=0.1)
    nation = next(w for w in words if w["text"] == "CỘNG")
    assert "Bold" in nation["fontname"]
    place = next(w for w in words if w["text"] == "ngày" and w["top"] < 50 * MM)
    assert "Italic" in place["fontname"]


def test_pdf_fonts_embedded_and_times_compatible(sample_documents: dict[str, Any]) -> None:
    reader = PdfReader(sample_documents["pdf"])
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert "/FontFile2" in descriptor, f"{font['/BaseFont']} is not embedded"
            names.add(str(font["/BaseFont"]).split("+")[-1])
    assert names and all(n.startswith(("Liberation-Serif", "TimesNewRoman")) for n in names)


def test_pdf_is_pdfa_with_metadata(sample_documents: dict[str, Any]) -> None:
    reader = PdfReader(sample_documents["pdf"])
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
    assert "pdfaid:part" in xmp and re.search(r"pdfaid:part(>|=\")3", xmp)
    assert reader.metadata.title == "Báo cáo kết quả công tác quý II/2024 và nhiệm vụ trọng tâm quý III/2024"
    assert reader.metadata.author == "Sở Thông tin và Truyền thông tỉnh Lào Cai"


def test_pdf_file_name_is_stable(sample_documents: dict[str, Any]) -> None:
    assert Path(sample_documents["pdf"]).name == "BC-2024-Q2-STTTT.pdf"
    assert Path(sample_documents["docx"]).name == "BC-2024-Q2-STTTT.docx"


def pdf_outline(path: Path) -> list[tuple[int, str, int]]:
    """(level, title, page number) of each PDF bookmark, read with pypdf."""
    reader = PdfReader(path)
    out: list[tuple[int, str, int]] = []

    def walk(items: list[Any], level: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                out.append((level, item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 1)
    return out


def test_pdf_outline_holds_sections_subsections_and_annexes(
    sample_documents: dict[str, Any], pdf: Any
) -> None:
    outline = pdf_outline(sample_documents["pdf"])
    top = [title for level, title, _ in outline if level == 1]
    assert top[:3] == ["I. KẾT QUẢ ĐẠT ĐƯỢC", "II. TỒN TẠI, HẠN CHẾ", "III. KIẾN NGHỊ, ĐỀ XUẤT"]
    assert top[3].startswith("IV. NHIỆM VỤ TRỌNG TÂM")
    assert top[4:] == [
        "PHỤ LỤC I. SỐ LIỆU CHI TIẾT QUÝ II/2024",
        "PHỤ LỤC II. BIỂU ĐỒ QUÝ II/2024",
        "PHỤ LỤC III. TÌNH HÌNH GỬI BÁO CÁO QUÝ II/2024 CỦA CÁC ĐƠN VỊ",
    ]
    assert (2, "1. Kết quả chung", 1) in outline and "BÁO CÁO" not in top
    for _level, title, page in outline:
        heading = title.split(". ")[0] if title.startswith("PHỤ LỤC") else title
        assert heading in pdf.pages[page - 1].extract_text(), f"{title} points at page {page}"


def annex_pages_without_a_table(path: Path) -> list[int]:
    """Page numbers, from the first annex page on, of pages that hold no table nor chart (read with pdfplumber)."""
    with pdfplumber.open(path) as document:
        start = next(i for i, p in enumerate(document.pages) if "PHỤ LỤC I" in (p.extract_text() or ""))
        return [
            n
            for n, p in enumerate(document.pages[start:], start=start + 1)
            if not p.find_tables() and not p.images
        ]


def test_pdf_annex_pages_each_hold_a_table(sample_documents: dict[str, Any]) -> None:
    # An annex title at the foot of a page or a footnote alone on one would be a page without a table.
    assert annex_pages_without_a_table(sample_documents["pdf"]) == []


@pytest.mark.slow
@pytest.mark.parametrize("code", ["2024-H1", "2024-9M", "2024"])
def test_pdf_annex_pages_each_hold_a_table_in_longer_periods(
    sample_setup: Setup, tmp_path: Path, code: str
) -> None:
    period = Period.parse(code)
    intake = collection_for(sample_setup, period)
    context = context_for(
        sample_setup, intake, figures_for(sample_setup, intake, period), period, date(2024, 7, 5)
    )
    target = render_pdf(with_chart_images({**context, "sections": []}), TEMPLATES, tmp_path / f"{code}.pdf")
    assert annex_pages_without_a_table(target) == []


@pytest.mark.slow
def test_pdf_annex_title_and_footnote_stay_with_a_table_of_any_length(
    sample_setup: Setup, tmp_path: Path
) -> None:
    period = Period.parse("2024")
    intake = collection_for(sample_setup, period)
    context = context_for(
        sample_setup, intake, figures_for(sample_setup, intake, period), period, date(2024, 7, 5)
    )
    submissions = context["annexes"][-1]
    rows = submissions["tables"][0]["rows"]
    # From 20 to 29 rows the table ends near the foot of its first page: once the footnote went over alone,
    # once the whole table moved on and left the title alone.
    for count in range(20, 30):
        annex = {**submissions, "tables": [{**submissions["tables"][0], "rows": rows[:count]}]}
        target = render_pdf(
            {**context, "sections": [], "annexes": [annex]}, TEMPLATES, tmp_path / f"{count}.pdf"
        )
        assert annex_pages_without_a_table(target) == [], f"{count} rows"


@pytest.mark.slow
def test_pdf_unnumbered_report_leaves_a_blank_for_the_number(sample_setup: Setup, tmp_path: Path) -> None:
    period = Period.parse("2024-Q2")
    intake = collection_for(sample_setup, period)
    figures = figures_for(sample_setup, intake, period)
    context = context_for(sample_setup, intake, figures, period, date(2024, 7, 5), None)
    annexes = [a for a in context["annexes"] if not a["charts"]]
    target = render_pdf(
        {**context, "sections": [], "annexes": annexes}, TEMPLATES, tmp_path / "unnumbered.pdf"
    )
    with pdfplumber.open(target) as document:
        words = document.pages[0].extract_words()
        annex_words = next(p for p in document.pages if "PHỤ LỤC I" in p.extract_text()).extract_words()
    so, slash = (
        next(w for w in words if w["text"] == "Số:"),
        next(w for w in words if w["text"] == "/BC-STTTT"),
    )
    assert so["top"] == pytest.approx(slash["top"], abs=1)
    # Seven spaces of 13 pt type: about 23 pt for the number written in by hand (one space is ~3 pt).
    assert slash["x0"] - so["x1"] > 15
    number_at = next(i for i, w in enumerate(annex_words) if w["text"] == "số")
    assert annex_words[number_at + 1]["text"].startswith("/BC-STTTT")
    assert annex_words[number_at + 1]["x0"] - annex_words[number_at]["x1"] > 15
