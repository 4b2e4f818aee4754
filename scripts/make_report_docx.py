"""Build templates/report.docx, the docxtpl template of the briefing report (Nghị định 30/2020 layout).

The generated file is committed; a department may restyle it in Word (fonts, spacing, the header) as long
as the {{ ... }} and {%p ... %} tags stay. Run again after changing this script:

    .venv/bin/python scripts/make_report_docx.py
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph

ROOT = Path(__file__).resolve().parents[1]
FONT = "Times New Roman"
BODY_PT = 14
INDENT = Mm(12.7)


def set_fonts(rpr_parent: Any, font: str = FONT) -> None:
    """Set ascii/hAnsi/eastAsia/cs fonts on an rPr-holding element (docDefaults or a style)."""
    rpr = rpr_parent.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        rpr_parent.append(rpr)
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), font)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)


def paragraph_style(
    doc: Any,
    name: str,
    *,
    size: float = BODY_PT,
    bold: bool = False,
    italic: bool = False,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.JUSTIFY,
    first_line: Mm | None = None,
    before: float = 0,
    after: float = 6,
    keep_next: bool = False,
) -> Any:
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles["Normal"]
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = italic
    style.font.name = FONT
    set_fonts(style.element)
    fmt = style.paragraph_format
    fmt.alignment = align
    fmt.first_line_indent = first_line
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    fmt.line_spacing = 1.0
    fmt.keep_with_next = keep_next
    fmt.widow_control = True
    return style


def rule(paragraph: Paragraph, left: Mm, right: Mm) -> None:
    """A short horizontal rule: the bottom border of an empty paragraph, drawn between its indents.

    A top border sits on the line above: LibreOffice draws it through that line's descenders. A bottom
    border lies under the empty paragraph's own (small) line, clear of the text in Word and LibreOffice.
    """
    paragraph.paragraph_format.left_indent = left
    paragraph.paragraph_format.right_indent = right
    ppr = paragraph._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    border.append(bottom)
    # pBdr comes after keepNext/widowControl and before spacing/ind/jc in CT_PPr's sequence.
    spacing = ppr.find(qn("w:spacing"))
    anchor = spacing if spacing is not None else ppr.find(qn("w:ind"))
    if anchor is not None:
        anchor.addprevious(border)
    else:
        ppr.append(border)


def outline_level(style: Any, level: int) -> None:
    """Word's outline level (0 = 'Level 1'): the navigation pane and a table of contents list the style."""
    ppr = style.element.get_or_add_pPr()
    lvl = OxmlElement("w:outlineLvl")
    lvl.set(qn("w:val"), str(level))
    ppr.append(lvl)  # last in a style's pPr: nothing that follows outlineLvl is set here


def cell_margins_zero(table_element: Any) -> None:
    tbl_pr = table_element.tblPr
    margins = OxmlElement("w:tblCellMar")
    for side in ("top", "left", "bottom", "right"):
        m = OxmlElement(f"w:{side}")
        m.set(qn("w:w"), "0")
        m.set(qn("w:type"), "dxa")
        margins.append(m)
    tbl_pr.append(margins)


def table_indent(table_element: Any, twips: int) -> None:
    ind = OxmlElement("w:tblInd")
    ind.set(qn("w:w"), str(twips))
    ind.set(qn("w:type"), "dxa")
    table_element.tblPr.append(ind)


def fixed_layout(table_element: Any) -> None:
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table_element.tblPr.append(layout)


def no_borders(table_element: Any) -> None:
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        b = OxmlElement(f"w:{side}")
        b.set(qn("w:val"), "nil")
        borders.append(b)
    table_element.tblPr.append(borders)


def write(cell: _Cell, text: str, style: str, first: bool = False) -> Any:
    paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
    paragraph.style = style
    paragraph.add_run(text)
    return paragraph


def page_number_header(section: Any) -> None:
    """Centred PAGE field in the header from page 2; page 1 has an empty first-page header."""
    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    paragraph.style = "BC Page Number"
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "2"), ("end", None)):
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            t = OxmlElement("w:t")
            t.text = text
            run._r.append(t)


def application_name(doc: Any, name: str) -> None:
    """docProps/app.xml names the application: python-docx's default says 'Microsoft Macintosh Word'."""
    part = next(p for p in doc.part.package.parts if p.partname == "/docProps/app.xml")
    xml = part.blob.decode("utf-8")
    xml = re.sub(r"<Application>[^<]*</Application>", f"<Application>{name}</Application>", xml)
    xml = re.sub(r"\s*<AppVersion>[^<]*</AppVersion>", "", xml)  # Word's own version number would be a lie
    part._blob = xml.encode("utf-8")


def build(target: Path) -> None:
    doc: Any = Document()
    # Theme fonts (Calibri) come from docDefaults: replace them everywhere.
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    set_fonts(defaults)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    set_fonts(normal.element)
    normal.paragraph_format.space_after = Pt(0)

    paragraph_style(doc, "BC Body", first_line=INDENT)
    outline_level(
        paragraph_style(doc, "BC Heading 1", bold=True, first_line=INDENT, before=6, keep_next=True), 0
    )
    outline_level(paragraph_style(doc, "BC Heading 2", bold=True, first_line=INDENT, keep_next=True), 1)
    center = WD_ALIGN_PARAGRAPH.CENTER
    paragraph_style(doc, "BC Header Left", size=12, align=center, after=0)
    paragraph_style(doc, "BC Header Agency", size=12, bold=True, align=center, after=0)
    paragraph_style(doc, "BC Header Right", size=12, bold=True, align=center, after=0)
    paragraph_style(doc, "BC Motto", size=14, bold=True, align=center, after=0)
    paragraph_style(doc, "BC Number", size=13, align=center, after=0)
    paragraph_style(doc, "BC Place Date", size=14, italic=True, align=center, after=0)
    paragraph_style(doc, "BC Rule", size=3, align=center, after=0)
    paragraph_style(doc, "BC Title", size=14, bold=True, align=center, before=18, after=0, keep_next=True)
    paragraph_style(doc, "BC Summary", size=14, bold=True, align=center, after=0, keep_next=True)
    paragraph_style(
        doc, "BC Recipients Heading", size=12, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT, after=0
    )
    paragraph_style(doc, "BC Recipients", size=11, align=WD_ALIGN_PARAGRAPH.LEFT, after=0)
    paragraph_style(doc, "BC Signer", size=14, bold=True, align=center, after=0)
    paragraph_style(doc, "BC Page Number", size=14, align=center, after=0)
    # An annex's label, title and note keep with its first table: never alone at the foot of a page.
    label = paragraph_style(doc, "BC Annex Label", size=14, bold=True, align=center, after=0, keep_next=True)
    outline_level(label, 0)
    paragraph_style(doc, "BC Annex Title", size=14, bold=True, align=center, after=0, keep_next=True)
    paragraph_style(doc, "BC Annex Note", size=13, italic=True, align=center, after=6, keep_next=True)
    paragraph_style(
        doc,
        "BC Table Caption",
        size=13,
        bold=True,
        align=WD_ALIGN_PARAGRAPH.LEFT,
        before=6,
        after=3,
        keep_next=True,
    )
    paragraph_style(doc, "BC Table Head", size=11, bold=True, align=center, after=0)
    paragraph_style(doc, "BC Table Text", size=11, align=WD_ALIGN_PARAGRAPH.LEFT, after=0)
    paragraph_style(doc, "BC Figure", align=center, before=6, after=0, keep_next=True)
    paragraph_style(doc, "BC Caption", size=12, italic=True, align=center, after=6)
    paragraph_style(doc, "BC Footnote", size=12, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT, before=3)

    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.header_distance, section.footer_distance = Mm(10), Mm(10)
    page_number_header(section)
    # The renderer sets every core property from the context (baocao/render/docx.py): no tags here, since
    # docxtpl renders only some of them and the others would show the tag.
    props = doc.core_properties
    props.author = props.last_modified_by = "baocao"
    props.title = "Mẫu báo cáo định kỳ"
    props.subject = props.keywords = props.comments = ""
    application_name(doc, "baocao")

    # Two-column header: widths that keep each line on one line at 13 pt (STACK.md).
    header = doc.add_table(rows=1, cols=2)
    header.alignment = WD_TABLE_ALIGNMENT.LEFT
    no_borders(header._tbl)
    cell_margins_zero(header._tbl)
    table_indent(header._tbl, -454)  # -8 mm: the two columns need more than the 165 mm text width
    fixed_layout(header._tbl)
    left, right = header.rows[0].cells
    left.width, right.width = Mm(78), Mm(95)
    header.columns[0].width, header.columns[1].width = Mm(78), Mm(95)
    write(left, "{{ doc.parent_body }}", "BC Header Left", first=True)
    write(left, "{{ doc.agency }}", "BC Header Agency")
    rule(left.add_paragraph(style="BC Rule"), Mm(28), Mm(28))
    write(left, "{{ doc.number }}", "BC Number")
    write(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "BC Header Right", first=True)
    write(right, "Độc lập - Tự do - Hạnh phúc", "BC Motto")
    rule(right.add_paragraph(style="BC Rule"), Mm(20), Mm(20))
    write(right, "{{ doc.place_date }}", "BC Place Date")

    doc.add_paragraph("{{ doc.title }}", style="BC Title")
    doc.add_paragraph("{{ doc.summary }}", style="BC Summary")
    summary_rule = doc.add_paragraph(style="BC Rule")
    rule(summary_rule, Mm(67), Mm(67))
    summary_rule.paragraph_format.space_after = Pt(8)

    doc.add_paragraph("{%p for para in lead %}", style="BC Body")
    doc.add_paragraph("{{ para }}", style="BC Body")
    doc.add_paragraph("{%p endfor %}", style="BC Body")
    doc.add_paragraph("{%p for s in sections %}", style="BC Body")
    doc.add_paragraph("{{ s.heading }}", style="BC Heading 1")
    doc.add_paragraph("{%p for para in s.paragraphs %}", style="BC Body")
    doc.add_paragraph("{{ para }}", style="BC Body")
    doc.add_paragraph("{%p endfor %}", style="BC Body")
    doc.add_paragraph("{%p for sub in s.subsections %}", style="BC Body")
    doc.add_paragraph("{{ sub.heading }}", style="BC Heading 2")
    doc.add_paragraph("{%p for para in sub.paragraphs %}", style="BC Body")
    doc.add_paragraph("{{ para }}", style="BC Body")
    doc.add_paragraph("{%p endfor %}", style="BC Body")
    doc.add_paragraph("{%p endfor %}", style="BC Body")
    doc.add_paragraph("{%p endfor %}", style="BC Body")

    # Signature block beside "Nơi nhận:".
    sign = doc.add_table(rows=1, cols=2)
    no_borders(sign._tbl)
    cell_margins_zero(sign._tbl)
    fixed_layout(sign._tbl)
    recv, signer = sign.rows[0].cells
    recv.width, signer.width = Mm(80), Mm(85)
    sign.columns[0].width, sign.columns[1].width = Mm(80), Mm(85)
    write(recv, "Nơi nhận:", "BC Recipients Heading", first=True)
    write(recv, "{%p for r in recipients %}", "BC Recipients")
    write(recv, "{{ r }}", "BC Recipients")
    write(recv, "{%p endfor %}", "BC Recipients")
    first = signer.paragraphs[0]
    first.style = "BC Signer"
    first.paragraph_format.space_before = Pt(6)
    first.add_run("{{ signature.delegation }}")
    write(signer, "{{ signature.title }}", "BC Signer")
    for _ in range(4):
        signer.add_paragraph(style="BC Signer")
    write(signer, "{{ signature.name }}", "BC Signer")

    # The annexes start on a landscape page. The paragraph carrying the section break holds no tag.
    doc.add_paragraph(style="Normal")
    annex = doc.add_section(WD_SECTION.NEW_PAGE)
    annex.orientation = WD_ORIENT.LANDSCAPE
    annex.page_width, annex.page_height = Mm(297), Mm(210)
    annex.top_margin, annex.bottom_margin = Mm(20), Mm(20)
    annex.left_margin, annex.right_margin = Mm(20), Mm(15)
    annex.different_first_page_header_footer = False
    annex.header.is_linked_to_previous = False
    page_number_header(annex)
    annex.different_first_page_header_footer = False
    doc.add_paragraph("{%p for a in annexes %}", style="Normal")
    doc.add_paragraph("{{p annex_body[loop.index0] }}", style="Normal")
    doc.add_paragraph("{%p endfor %}", style="Normal")

    target.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(target))


if __name__ == "__main__":
    out = ROOT / "templates" / "report.docx"
    build(out)
    print(f"wrote {out}")
