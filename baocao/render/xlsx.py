"""XLSX of the figures: a tidy sheet for machines, readable sheets for people, and the intake checks."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from baocao.catalogue import Catalogue, Province
from baocao.errors import RenderError
from baocao.files import write_bytes_atomic
from baocao.intake.model import Submission, UnitState
from baocao.periods import Period

TIDY_COLUMNS = [
    "unit_code",
    "unit_name",
    "indicator_code",
    "indicator_name",
    "unit",
    "value",
    "plan_pct",
    "yoy_pct",
    "is_estimate",
    "period",
]
_HEAD = Font(name="Times New Roman", bold=True, size=11)
_TEXT = Font(name="Times New Roman", size=11)
_FILL = PatternFill("solid", fgColor="D9E1F2")
_THIN = Side(style="thin", color="808080")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
STATE_WORDS = {"received": "đã nhận", "missing": "chưa gửi", "rejected": "có lỗi, chưa tổng hợp"}


def tidy_figures(
    figures: pd.DataFrame, catalogue: Catalogue, province: Province, period: Period
) -> pd.DataFrame:
    """One row per unit (the province as its own unit) and indicator, with names and units."""
    names = {u.code: u.full_name[:1].upper() + u.full_name[1:] for u in province.units}
    names[province.code] = province.total_label
    inds = {i.code: i for i in catalogue.indicators}
    tidy = pd.DataFrame(
        {
            "unit_code": figures["unit"],
            "unit_name": figures["unit"].map(names),
            "indicator_code": figures["indicator"],
            "indicator_name": figures["indicator"].map(lambda c: inds[c].name),
            "unit": figures["indicator"].map(lambda c: inds[c].unit),
            "value": figures["value"],
            "plan_pct": figures["plan_pct"],
            "yoy_pct": figures["yoy_pct"],
            "is_estimate": figures["is_estimate"].astype(bool),
            "period": period.code,
        }
    )
    order = {code: i for i, code in enumerate([*province.unit_codes, province.code])}
    tidy["_u"] = tidy["unit_code"].map(order)
    tidy["_i"] = tidy["indicator_code"].map({c: i for i, c in enumerate(inds)})
    return tidy.sort_values(["_u", "_i"]).drop(columns=["_u", "_i"]).reset_index(drop=True)[TIDY_COLUMNS]


def _header(ws: Worksheet, row: int, labels: Sequence[str]) -> None:
    for col, label in enumerate(labels, start=1):
        cell = ws.cell(row=row, column=col, value=label)
        cell.font, cell.fill, cell.border = _HEAD, _FILL, _BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _value(value: object) -> object:
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, (np.floating, np.integer)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        # Never let text from a submission become a formula in our workbook.
        return "'" + value
    return value


def _tidy_sheet(ws: Worksheet, tidy: pd.DataFrame) -> None:
    _header(ws, 1, TIDY_COLUMNS)
    for row in tidy.itertuples(index=False):
        ws.append([_value(value) for value in row])
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(TIDY_COLUMNS))}{len(tidy) + 1}"
    for letter, width in zip("ABCDEFGHIJ", (14, 24, 14, 50, 16, 16, 10, 10, 10, 10), strict=True):
        ws.column_dimensions[letter].width = width


def _province_sheet(
    ws: Worksheet, tidy: pd.DataFrame, catalogue: Catalogue, province: Province, figures: pd.DataFrame
) -> None:
    prov = figures[figures["unit"] == province.code].set_index("indicator")
    ws.cell(row=1, column=1, value=f"Số liệu {province.total_label.lower()} – {province.name}").font = Font(
        name="Times New Roman", bold=True, size=13
    )
    labels = [
        "Mã",
        "Chỉ tiêu",
        "Đơn vị tính",
        "Kế hoạch năm",
        "Thực hiện kỳ",
        "Lũy kế từ đầu năm",
        "% kế hoạch năm",
        "Cùng kỳ năm trước",
        "So cùng kỳ (%)",
        "Số đơn vị báo cáo",
        "Ước tính",
    ]
    _header(ws, 3, labels)
    r = 4
    for fdef in catalogue.fields:
        ws.cell(row=r, column=2, value=fdef.name.upper()).font = _HEAD
        r += 1
        for ind in catalogue.in_field(fdef.code):
            f = prov.loc[ind.code]
            values = [
                ind.code,
                ind.name,
                ind.unit,
                f["plan"],
                f["value"],
                f["ytd_value"],
                f["plan_pct"],
                f["value_ly"],
                f["yoy_pct"],
                f["units_reported"],
                "ước" if f["is_estimate"] else "",
            ]
            for c, v in enumerate(values, start=1):
                cell = ws.cell(row=r, column=c, value=_value(v))
                cell.font = _TEXT
                if c in (4, 5, 6, 8):
                    cell.number_format = _number_format(ind.decimals)
                elif c in (7, 9):
                    cell.number_format = "0.00"
            r += 1
    ws.freeze_panes = "C4"
    for letter, width in zip("ABCDEFGHIJK", (8, 55, 16, 14, 14, 14, 12, 14, 12, 10, 9), strict=True):
        ws.column_dimensions[letter].width = width


def _number_format(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def _sheet_title(name: str) -> str:
    """An Excel sheet name: at most 31 characters, none of []:*?/\\."""
    return "".join(c for c in name if c not in "[]:*?/\\")[:31]


def _field_sheet(
    ws: Worksheet, field_code: str, catalogue: Catalogue, province: Province, figures: pd.DataFrame
) -> None:
    """One field: units down, the field's indicators across, the province last; estimates in italics."""
    inds = catalogue.in_field(field_code)
    # Plain dicts and four shared fonts: .at lookups and a Font per cell cost seconds for 100 communes.
    values = figures.pivot(index="unit", columns="indicator", values="value").to_dict("index")
    estimates = figures.pivot(index="unit", columns="indicator", values="is_estimate").to_dict("index")
    fonts = {
        (b, i): Font(name="Times New Roman", size=11, bold=b, italic=i)
        for b in (False, True)
        for i in (False, True)
    }
    ws.cell(row=1, column=1, value="Số liệu in nghiêng là số ước thực hiện.").font = Font(
        name="Times New Roman", italic=True, size=10
    )
    _header(ws, 2, ["STT", "Đơn vị"] + [f"{i.name} ({i.unit})" for i in inds])
    ws.row_dimensions[2].height = 60
    rows = [
        (str(n), u.code, u.full_name[:1].upper() + u.full_name[1:]) for n, u in enumerate(province.units, 1)
    ]
    rows.append(("", province.code, province.total_label))
    for r, (number, code, name) in enumerate(rows, start=3):
        total = code == province.code
        ws.cell(row=r, column=1, value=number)
        ws.cell(row=r, column=2, value=name).font = _HEAD if total else _TEXT
        for c, ind in enumerate(inds, start=3):
            cell = ws.cell(row=r, column=c, value=_value(values[code][ind.code]))
            cell.number_format = _number_format(ind.decimals)
            cell.font = fonts[total, bool(estimates[code][ind.code])]
    ws.freeze_panes = "C3"
    ws.column_dimensions["A"].width = 5
    ws.column_dimensions["B"].width = 26
    for c in range(3, 3 + len(inds)):
        ws.column_dimensions[get_column_letter(c)].width = 16


def _checks_sheet(
    ws: Worksheet, states: Sequence[UnitState], submissions: Sequence[Submission], province: Province
) -> None:
    _header(ws, 1, ["Đơn vị", "Tình trạng", "Tệp", "Mức", "Nội dung"])
    r = 2
    for state in states:
        ws.cell(row=r, column=1, value=province.unit(state.unit).full_name)
        ws.cell(row=r, column=2, value=STATE_WORDS[state.state])
        r += 1
    for sub in submissions:
        for finding in sub.findings:
            ws.cell(row=r, column=1, value=_value(sub.unit or ""))
            ws.cell(row=r, column=3, value=_value(sub.path.name))
            ws.cell(row=r, column=4, value="lỗi" if finding.severity == "error" else "lưu ý")
            ws.cell(row=r, column=5, value=_value(f"{finding.where.describe()}: {finding.message}"))
            r += 1
    for letter, width in zip("ABCDE", (24, 22, 22, 8, 120), strict=True):
        ws.column_dimensions[letter].width = width


def render_xlsx(
    target: Path,
    figures: pd.DataFrame,
    catalogue: Catalogue,
    province: Province,
    period: Period,
    states: Sequence[UnitState] = (),
    submissions: Sequence[Submission] = (),
) -> Path:
    """Write the figures workbook atomically: Toàn tỉnh, a sheet per field, Dữ liệu (tidy), Kiểm tra."""
    tidy = tidy_figures(figures, catalogue, province, period)
    wb = Workbook()
    first = wb.active
    assert first is not None
    first.title = _sheet_title(province.total_label)
    _province_sheet(first, tidy, catalogue, province, figures)
    for fdef in catalogue.fields:
        _field_sheet(wb.create_sheet(_sheet_title(fdef.name)), fdef.code, catalogue, province, figures)
    _tidy_sheet(wb.create_sheet("Dữ liệu"), tidy)
    _checks_sheet(wb.create_sheet("Kiểm tra"), states, submissions, province)
    wb.properties.creator = province.author or province.agency.name
    wb.properties.title = f"Số liệu {period.label}"
    try:
        buffer = io.BytesIO()
        wb.save(buffer)
        write_bytes_atomic(target, buffer.getvalue())
    except OSError as exc:
        raise RenderError(f"could not write {target.name}: {exc}") from exc
    return target
