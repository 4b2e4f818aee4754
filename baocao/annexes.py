"""Pure: the report's annexes as plain data (Phụ lục I, the figures by province and unit; the charts; the units'
submissions), part of the context both renderers read (``baocao.context``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd

from baocao.catalogue import Indicator
from baocao.department_text import department_rows
from baocao.figure import Figure
from baocao.intake.model import QuarterStatus
from baocao.narrative import Story
from baocao.periods import Period, roman
from baocao.status import quarter_state
from baocao.vietnamese import capitalize_first, number

UNIT_TABLE_COLUMNS = 6


def _finite(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def chart_specs(story: Story, trend: pd.DataFrame | None) -> list[dict[str, Any]]:
    """The catalogue's charts as plain data: labels, values, caption; charts without any value are left out."""
    p, period = story.phrases, story.period
    specs: list[dict[str, Any]] = []
    for chart in story.catalogue.charts:
        ind = story.catalogue.get(chart.indicator)
        if chart.kind == "units":
            labels = [u.name for u in story.province.units]
            values = [story.fig(ind.code, u.code).value for u in story.province.units]
            key, highlight = "charts.units", []
        else:
            if trend is None or ind.code not in trend.columns:
                continue
            series = trend[ind.code]
            first = series.first_valid_index()
            series = series.loc[first:] if first is not None else series
            quarters = [Period.parse(q) for q in series.index]
            labels = [f"{roman(q.first_quarter)}/{q.year}" for q in quarters]
            values = [_finite(v) for v in series]
            key, highlight = "charts.trend", [i for i, q in enumerate(quarters) if q in period.quarters]
        if all(v is None for v in values):
            continue
        number_ = len(specs) + 1
        specs.append(
            {
                "id": f"chart{number_}",
                "kind": chart.kind,
                "caption": p.say(key, number=number_, name=ind.name, unit=ind.unit, period=period.label),
                "unit": ind.unit,
                "decimals": ind.decimals,
                "labels": labels,
                "values": values,
                "highlight": highlight,
            }
        )
    return specs


def _cell(
    value: Any, ind: Indicator, estimate: bool = False, decimals: int | None = None, mark: str = ""
) -> str:
    if value is None:
        return "–"
    text = number(value, ind.decimals if decimals is None else decimals)
    if text == "–":
        return text
    return f"{text}{'*' if estimate else ''}{mark}"


def _value_cell(fig: Figure, ind: Indicator) -> str:
    """The period's value as an annex cell: '1.234*' for an estimate, ' (a)' when incomplete."""
    return _cell(fig.value, ind, fig.is_estimate, mark=_incomplete(fig.complete))


def _incomplete(complete: bool) -> str:
    """' (a)' on a figure that lacks units or quarters of its period."""
    return "" if complete else " (a)"


def _partial_base(fig: Figure) -> str:
    """' (b)' on last year's figure and the growth when they cover fewer units than this period's figure."""
    return " (b)" if 0 < fig.base_units < fig.units_reported else ""


def _change(ind: Indicator, fig: Figure) -> str:
    if ind.kind == "ratio":
        change = fig.change
        return "–" if change is None else f"{'+' if change > 0 else ''}{number(change, 1)} điểm"
    yoy = fig.yoy_pct
    return "–" if yoy is None else f"{'+' if yoy > 0 else ''}{number(yoy, 1)}%"


def province_table(story: Story) -> dict[str, Any]:
    """Phụ lục I: every indicator for the province, with plan, year to date and last year."""
    p, period = story.phrases, story.period
    with_ytd = period.year_to_date != period
    columns = [
        p.say("annex.number"),
        p.say("annex.indicator"),
        p.say("annex.unit"),
        p.say("annex.plan", year=period.year),
        p.say("annex.value", period=period.label),
    ]
    if with_ytd:
        columns.append(p.say("annex.ytd", period=period.year_to_date.label))
    columns += [
        p.say("annex.plan_pct"),
        p.say("annex.value_ly", last_year=period.year - 1),
        p.say("annex.yoy"),
    ]
    rows: list[dict[str, Any]] = []
    for group_no, fdef in enumerate(story.catalogue.fields, start=1):
        rows.append(
            {"cells": [roman(group_no), fdef.name.upper()] + [""] * (len(columns) - 2), "kind": "group"}
        )
        for i, ind in enumerate(story.catalogue.in_field(fdef.code), start=1):
            fig = story.fig(ind.code)
            name = f"Trong đó: {ind.name}" if ind.parent else ind.name
            cells = [
                str(i),
                name,
                ind.unit,
                _cell(fig.plan, ind),
                _value_cell(fig, ind),
            ]
            if with_ytd:
                flow = story.catalogue.time_rule(ind.code) == "flow"
                ytd = _cell(fig.ytd_value, ind, fig.ytd_is_estimate, mark=_incomplete(fig.ytd_complete))
                cells.append(ytd if flow else "")
            change = _change(ind, fig)
            cells += [
                _cell(fig.plan_pct, ind, decimals=2),
                _cell(fig.value_ly, ind, mark=_partial_base(fig)),
                change + (_partial_base(fig) if change != "–" else ""),
            ]
            rows.append({"cells": cells, "kind": "data"})
        count = len(story.catalogue.in_field(fdef.code))
        rows += department_rows(story, fdef.code, count + 1, with_ytd)
    widths = [8, 62, 18, 18, 20] + ([20] if with_ytd else []) + [14, 20, 16]
    align = ["center", "left", "center"] + ["right"] * (len(columns) - 3)
    return {"caption": "", "columns": columns, "widths": widths, "align": align, "rows": rows}


def unit_tables(story: Story) -> list[dict[str, Any]]:
    """Phụ lục II: per field, the units' figures (a few indicators per table), the province as last row."""
    p, prov = story.phrases, story.province
    tables = []
    for fdef in story.catalogue.fields:
        inds = list(story.catalogue.in_field(fdef.code))
        for start in range(0, len(inds), UNIT_TABLE_COLUMNS):
            chunk = inds[start : start + UNIT_TABLE_COLUMNS]
            columns = [p.say("annex.number"), p.say("annex.reporting_unit")] + [
                f"{i.name} ({i.unit})" for i in chunk
            ]
            rows = []
            for n, unit in enumerate(prov.units, start=1):
                cells = [str(n), unit.full_name[:1].upper() + unit.full_name[1:]]
                for ind in chunk:
                    cells.append(_value_cell(story.fig(ind.code, unit.code), ind))
                rows.append({"cells": cells, "kind": "data"})
            total = ["", p.say("annex.province_row")]
            total += [_value_cell(story.fig(ind.code), ind) for ind in chunk]
            rows.append({"cells": total, "kind": "total"})
            part = " (tiếp theo)" if start else ""
            tables.append(
                {
                    "caption": p.say("headings.annex_units_caption", field=fdef.name) + part,
                    "columns": columns,
                    "widths": [10, 45] + [28] * len(chunk),
                    "align": ["center", "left"] + ["right"] * len(chunk),
                    "rows": rows,
                }
            )
    return tables


def submissions_table(story: Story, statuses: Sequence[QuarterStatus]) -> dict[str, Any]:
    """Phụ lục II: who sent what and when, against the deadline, quarter by quarter."""
    p, prov = story.phrases, story.province
    columns = [
        p.say("annex.number"),
        p.say("annex.reporting_unit"),
        p.say("annex.quarter"),
        p.say("annex.file"),
        p.say("annex.received"),
        p.say("annex.deadline"),
        p.say("annex.state"),
        p.say("annex.estimates"),
        p.say("annex.warnings"),
    ]
    rows = []
    for n, row in enumerate(statuses, start=1):
        received = "–" if row.received_on is None else f"{row.received_on:%d/%m/%Y}"
        unit = prov.unit(row.unit).full_name
        rows.append(
            {
                "cells": [
                    str(n),
                    unit[:1].upper() + unit[1:],
                    Period.parse(row.quarter).label,
                    row.file or "–",
                    received,
                    f"{row.deadline:%d/%m/%Y}",
                    capitalize_first(quarter_state(p, row)),
                    str(row.estimates) if row.file and row.state != "rejected" else "–",
                    str(row.warnings) if row.file and row.state != "rejected" else "–",
                ],
                "kind": "data",
            }
        )
    return {
        "caption": "",
        "columns": columns,
        "widths": [10, 36, 22, 36, 18, 18, 24, 13, 13],
        "align": ["center", "left", "center", "left", "center", "center", "left", "right", "right"],
        "rows": rows,
    }


def annexes(
    story: Story,
    doc_number: str,
    report_date: date,
    statuses: Sequence[QuarterStatus],
    charts: Sequence[dict[str, Any]] = (),
    workbook: str = "",
) -> list[dict[str, Any]]:
    """Phụ lục I, the figures (province, then by unit); then the charts; last, the units' submissions.
    ``workbook``: the XLSX's file name, which holds the unit tables a commune province's annex leaves out."""
    p, period, prov = story.phrases, story.period, story.province
    # say() folds runs of spaces: the blank left for a number to be written in goes in after it.
    slot = "\ue000"
    note = p.say(
        "headings.annex_note",
        number=slot,
        date=f"{report_date.day:02d}/{report_date.month:02d}/{report_date.year}",
        agency=prov.agency.name,
    ).replace(slot, doc_number.removeprefix("Số: "))
    province_part = {**province_table(story), "caption": p.say("headings.annex_province_caption")}
    # A commune province's unit tables run to 60 pages nobody prints: above the layout's limit they are left
    # to the XLSX, and Phụ lục II lists only the units that were not on time.
    condensed = len(prov.units) > prov.layout.annex_units_max
    footnote = p.say("annex.estimate_note")
    if any(
        r["kind"] == "data" and any(c.endswith(("(a)", "(b)")) for c in r["cells"])
        for r in province_part["rows"]
    ):
        footnote += " " + p.say("annex.incomplete_note")
    if condensed:
        footnote += " " + p.say("annex.units_in_workbook", count=len(prov.units), file=workbook)
    annex_list = [
        {
            "label": "",
            "title": p.say("headings.annex_figures", period=period.label),
            "note": note,
            "orientation": "landscape",
            "footnote": footnote,
            "tables": [province_part] if condensed else [province_part, *unit_tables(story)],
            "charts": [],
        }
    ]
    # The charts are an annex of their own: in the body they took a page of a five-page briefing.
    if charts:
        annex_list.append(
            {
                "label": "",
                "title": p.say("headings.annex_charts", period=period.label),
                "note": note,
                "orientation": "landscape",
                "footnote": "",
                "tables": [],
                "charts": list(charts),
            }
        )
    if statuses:
        calendar = p.say(f"annex.calendar_{prov.calendar}")
        footnote = p.say("annex.submissions_note", days=prov.deadline_working_days, calendar=calendar)
        if condensed:
            shown = [s for s in statuses if s.state not in ("on_time", "undated")]
            footnote += " " + p.say("annex.others_on_time", count=len(statuses) - len(shown))
            statuses = shown
        annex_list.append(
            {
                "label": "",
                "title": p.say("headings.annex_submissions", period=period.label),
                "note": note,
                "orientation": "landscape",
                "footnote": footnote,
                "tables": [submissions_table(story, statuses)] if statuses else [],
                "charts": [],
            }
        )
    return [
        {**a, "label": p.say("headings.annex_label", number=roman(i))} for i, a in enumerate(annex_list, 1)
    ]
