"""DOCX renderer: the report context into templates/report.docx (docxtpl), annex tables as subdocuments."""

from __future__ import annotations

import base64
import io
from datetime import datetime
from pathlib import Path
from typing import Any

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from baocao.errors import RenderError
from baocao.files import write_bytes_atomic

A4_LONG_SIDE_MM = 297
CHART_WIDTH_MM = 122  # two side by side on a landscape page (charts.WIDTH_MM)
_ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
}


def _repeat_header(row: Any) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def _no_split(row: Any) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    cant = OxmlElement("w:cantSplit")
    cant.set(qn("w:val"), "true")
    tr_pr.append(cant)


def _fill(cell: Any, text: str, style_id: str, align: str, bold: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    # Set the style id directly: python-docx's by-name lookup scans every style on each call.
    paragraph._p.get_or_add_pPr().get_or_add_pStyle().val = style_id
    paragraph.alignment = _ALIGN[align]
    run = paragraph.add_run(text)
    if bold:
        run.bold = True


def _add_table(subdoc: Any, table: dict[str, Any], text_width_mm: float) -> None:
    if table["caption"]:
        subdoc.add_paragraph(table["caption"], style="BC Table Caption")
    columns, rows = table["columns"], table["rows"]
    grid = subdoc.add_table(rows=1 + len(rows), cols=len(columns))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    total = sum(table["widths"])
    widths = [Mm(text_width_mm * w / total) for w in table["widths"]]
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = width  # gridCol: LibreOffice lays the table out from it, not from cell widths
    head_style = subdoc.styles["BC Table Head"].style_id
    text_style = subdoc.styles["BC Table Text"].style_id
    head = grid.rows[0]
    _repeat_header(head)
    for cell, text, width in zip(head.cells, columns, widths, strict=True):
        cell.width = width
        _fill(cell, text, head_style, "center")
    for grid_row, row in zip(grid.rows[1:], rows, strict=True):
        _no_split(grid_row)
        bold = row["kind"] in ("group", "total")
        for cell, text, align, width in zip(
            grid_row.cells, row["cells"], table["align"], widths, strict=True
        ):
            cell.width = width
            _fill(cell, text, text_style, align, bold)


def _annex_subdoc(tpl: DocxTemplate, annex: dict[str, Any], first: bool, layout: dict[str, float]) -> Any:
    subdoc = tpl.new_subdoc()
    label = subdoc.add_paragraph(style="BC Annex Label")
    if not first:
        label.add_run().add_break(WD_BREAK.PAGE)
    label.add_run(annex["label"])
    subdoc.add_paragraph(annex["title"], style="BC Annex Title")
    subdoc.add_paragraph(annex["note"], style="BC Annex Note")
    width = A4_LONG_SIDE_MM - layout["left_mm"] - layout["right_mm"]  # annexes are landscape
    for table in annex["tables"]:
        _add_table(subdoc, table, width)
    if annex["charts"]:
        _add_charts(subdoc, annex["charts"])
    if annex["tables"]:
        # The footnote explains the table: the table's last row keeps with it, so it never stands alone.
        for cell in subdoc.tables[-1].rows[-1].cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.keep_with_next = True
    if annex["footnote"]:
        subdoc.add_paragraph(annex["footnote"], style="BC Footnote")
    return subdoc


def _add_charts(subdoc: Any, charts: list[dict[str, Any]]) -> None:
    """Charts two by two in a borderless table, each with its caption, at the width they were drawn."""
    grid = subdoc.add_table(rows=(len(charts) + 1) // 2, cols=2)
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    for column in grid.columns:
        column.width = Mm(CHART_WIDTH_MM + 3)  # gridCol: LibreOffice lays the table out from it
    figure_style = subdoc.styles["BC Figure"].style_id
    caption_style = subdoc.styles["BC Caption"].style_id
    for index, chart in enumerate(charts):
        row = grid.rows[index // 2]
        _no_split(row)
        cell = row.cells[index % 2]
        cell.width = Mm(CHART_WIDTH_MM + 3)
        picture = cell.paragraphs[0]
        picture._p.get_or_add_pPr().get_or_add_pStyle().val = figure_style
        picture.add_run().add_picture(io.BytesIO(base64.b64decode(chart["image"])), width=Mm(CHART_WIDTH_MM))
        caption = cell.add_paragraph(chart["caption"])
        caption._p.get_or_add_pPr().get_or_add_pStyle().val = caption_style


def _apply_layout(document: Any, layout: dict[str, float]) -> None:
    """Margins and body size from the context (the province's layout within the decree's ranges)."""
    for section in document.sections:
        section.top_margin, section.bottom_margin = Mm(layout["top_mm"]), Mm(layout["bottom_mm"])
        section.left_margin, section.right_margin = Mm(layout["left_mm"]), Mm(layout["right_mm"])
    for name in ("BC Body", "BC Heading 1", "BC Heading 2"):
        document.styles[name].font.size = Pt(layout["body_pt"])


def _keep_signature_with_text(document: Any) -> None:
    """The signature block never stands alone on a page: the paragraph before it keeps with it."""
    for table in document.tables:
        if table.rows and table.rows[0].cells[0].text.startswith("Nơi nhận"):
            _no_split(table.rows[0])
            previous = table._tbl.getprevious()
            if previous is not None and previous.tag == qn("w:p"):
                keep = OxmlElement("w:keepNext")
                previous.get_or_add_pPr().insert(0, keep)
            return


CORE_NS = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"


def _set_core(root: Any, name: str, text: str) -> None:
    """Set a cp:* core property by its namespace URI.

    docxcompose (docxtpl's subdocuments) rebinds python-docx's 'cp' prefix to the custom-properties
    namespace, so python-docx's own setters for keywords, lastModifiedBy and revision add a second,
    foreign element that Word and LibreOffice ignore.
    """
    for stray in root.findall(f"{{{CUSTOM_NS}}}{name}"):
        root.remove(stray)
    element = root.find(f"{{{CORE_NS}}}{name}")
    if element is None:
        element = root.makeelement(f"{{{CORE_NS}}}{name}", {})
        root.append(element)
    element.text = text


def _core_properties(document: Any, doc: dict[str, Any]) -> None:
    """Title, subject, author, keywords and dates from the context (the template carries none of them)."""
    props = document.core_properties
    props.title = doc["meta_title"]
    props.subject = doc["summary"]
    props.author = doc["author"]
    props.comments = ""
    props.created = props.modified = datetime.fromisoformat(doc["date_iso"])
    root = props._element
    _set_core(root, "keywords", keywords(doc))
    _set_core(root, "lastModifiedBy", doc["author"])
    _set_core(root, "revision", "1")


def keywords(doc: dict[str, Any]) -> str:
    """'báo cáo định kỳ, 2024-H1, 6 tháng đầu năm 2024, Lào Cai': what a search of the archive types."""
    return ", ".join(["báo cáo định kỳ", doc["period"], doc["period_label"], doc["province"]])


def render_docx(context: dict[str, Any], template: Path, target: Path) -> Path:
    """Render the report context into a DOCX at ``target`` (written atomically)."""
    try:
        tpl = DocxTemplate(template)
        annex_body = [
            _annex_subdoc(tpl, a, i == 0, context["layout"]) for i, a in enumerate(context["annexes"])
        ]
        # Sandboxed: the DOCX template is edited by the department in Word.
        env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=True)
        extra = {"annex_body": annex_body}
        tpl.render({**context, **extra}, jinja_env=env, autoescape=True)
        _apply_layout(tpl.docx, context["layout"])
        _keep_signature_with_text(tpl.docx)
        _core_properties(tpl.docx, context["doc"])
        # Built in memory, then written atomically: a failing disk never leaves a zip writer half-open.
        buffer = io.BytesIO()
        tpl.save(buffer)
        write_bytes_atomic(target, buffer.getvalue())
    except TemplateError as exc:
        raise RenderError(f"DOCX template {template.name}: {exc}") from exc
    except (KeyError, OSError, ValueError) as exc:
        raise RenderError(f"could not write {target.name}: {exc}") from exc
    return target
