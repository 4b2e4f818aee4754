"""Pure: one plain, JSON-serialisable report context that both renderers (DOCX and HTML/PDF) read.

Shape (every value a str, number, bool, list or dict):
    doc         header lines, title, summary, metadata, file stem
    lead        [paragraph]
    sections    [{heading, paragraphs, subsections: [{heading, paragraphs}]}]
    chart       {id, kind: units|trend, caption, unit, decimals, labels, values, highlight: [index]}
    signature   {delegation, title, name}
    recipients  [line]
    layout      {top_mm, bottom_mm, left_mm, right_mm, body_pt}
    annexes     [{label, title, note, orientation, footnote, tables: [table], charts: [chart]}]
    table       {caption, columns, widths, align, rows: [{cells, kind: group|data|total}]}
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd

from baocao.annexes import annexes, chart_specs
from baocao.catalogue import Catalogue
from baocao.coverage import Gap
from baocao.figure import figure_rows
from baocao.history import Carried
from baocao.intake.model import DepartmentReport, Note, QuarterStatus, UnitState
from baocao.narrative import Story, lead_paragraphs, report_sections, summary_line
from baocao.periods import Period, official_date
from baocao.phrases import Phrases
from baocao.province import Province
from baocao.review import Flag


def document_number(number_: int | None, abbreviation: str) -> str:
    """'Số: 05/BC-STTTT' (zero-padded below 10), or a blank to fill in when not yet numbered."""
    if number_ is None:
        return f"Số:       /BC-{abbreviation}"
    return f"Số: {number_:02d}/BC-{abbreviation}"


def file_stem(period: Period, province: Province) -> str:
    """Stable document name: 'BC-2024-Q2-STTTT'."""
    return f"BC-{period.code}-{province.agency.abbreviation}"


def printable(value: Any) -> Any:
    """The context with characters XML (DOCX) and fonts cannot hold removed from every string, recursively."""
    if isinstance(value, str):
        return "".join(
            ch for ch in value if ch in "\t\n" or unicodedata.category(ch) not in ("Cc", "Cs", "Co")
        )
    if isinstance(value, dict):
        return {k: printable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [printable(v) for v in value]
    return value


def build_context(
    *,
    figures: pd.DataFrame,
    catalogue: Catalogue,
    province: Province,
    period: Period,
    states: Sequence[UnitState],
    notes: Sequence[tuple[str, Note]],
    phrases: Phrases,
    report_date: date,
    number_: int | None = None,
    trend: pd.DataFrame | None = None,
    statuses: Sequence[QuarterStatus] = (),
    gaps: Sequence[Gap] = (),
    flags: Sequence[Flag] = (),
    department: DepartmentReport | None = None,
    history: Carried | None = None,
) -> dict[str, Any]:
    """The whole report as plain data; ``trend`` holds province values by quarter for the trend charts,
    ``gaps`` the figures of the year to date not used, ``flags`` the questioned figures and ``history`` a
    2025 province's predecessors' carried figures."""
    story = Story(
        catalogue,
        province,
        period,
        figure_rows(figures),
        states,
        notes,
        phrases,
        date_text=official_date(report_date),
        gaps=gaps,
        flags=flags,
        department=department,
        history=history,
    )
    summary = summary_line(period, phrases)
    doc_number = document_number(number_, province.agency.abbreviation)
    signer = province.signer
    context: dict[str, Any] = printable(
        {
            "doc": {
                "parent_body": province.parent_body.upper(),
                "agency": province.agency.name.upper(),
                "number": doc_number,
                "place_date": f"{province.place}, {official_date(report_date)}",
                "title": "BÁO CÁO",
                "summary": summary,
                "meta_title": f"Báo cáo {summary[:1].lower()}{summary[1:]}",
                "author": province.author or province.agency.name,
                "date_iso": report_date.isoformat(),
                "period": period.code,
                "period_label": period.label,
                "province": province.name,
                "file_stem": file_stem(period, province),
            },
            "lead": lead_paragraphs(story),
            "sections": report_sections(story),
            "signature": {
                "delegation": f"KT. {signer.on_behalf_of.upper()}" if signer.on_behalf_of else "",
                "title": signer.title.upper(),
                "name": signer.name,
            },
            "recipients": [f"- {r}" for r in province.recipients],
            "layout": province.layout.model_dump(),
            "annexes": annexes(
                story,
                doc_number,
                report_date,
                statuses,
                chart_specs(story, trend),
                workbook=f"{file_stem(period, province)}.xlsx",
            ),
        }
    )
    return context
