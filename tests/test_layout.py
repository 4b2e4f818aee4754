"""The official layout (Nghị định 30/2020, Phụ lục I), read back from the files: one test per point.

DOCX properties are resolved the way Word does (run -> paragraph style chain -> document defaults), since
python-docx reports None for inherited values. PDF points are measured from text positions.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm
from pypdf import PdfReader

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
    for heading in ("I. KẾT QUẢ ĐẠT ĐƯỢC", "II. TỒN TẠI, HẠN CHẾ", "1. Bưu chính"):
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
