"""The submission form: an Excel workbook per unit and quarter, prefilled, for unit staff to fill."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from baocao.catalogue import Catalogue
from baocao.files import write_bytes_atomic
from baocao.intake import layout as L
from baocao.intake.model import Note
from baocao.periods import ROMAN, Period, roman
from baocao.province import Province, Unit

BOLD = Font(name="Times New Roman", bold=True, size=12)
NORMAL = Font(name="Times New Roman", size=12)
TITLE = Font(name="Times New Roman", bold=True, size=14)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
GROUP_FILL = PatternFill("solid", fgColor="F2F2F2")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
UNLOCKED = Protection(locked=False)
DATA_HEADER_ROW = 4
NOTES_HEADER_ROW = 3
BLANK_NOTE_ROWS = 4


@dataclass(frozen=True)
class FormContent:
    """What a filled form holds (the sample generator and tests fill forms with it)."""

    values: Mapping[str, float | str | None] = field(default_factory=dict)
    estimates: frozenset[str] = frozenset()
    notes: Sequence[Note] = ()
    person: str | None = None
    phone: str | None = None
    prepared_on: date | None = None
    # Last quarter's accepted stock values, shown beside the input column for reference (never read back).
    previous: Mapping[str, float] = field(default_factory=dict)


def form_filename(unit: Unit) -> str:
    """The file name a unit's submission has: '<unit-code>.xlsx'."""
    return f"{unit.code}.xlsx"


def write_form(
    target: Path,
    catalogue: Catalogue,
    province: Province,
    unit: Unit,
    period: Period,
    content: FormContent | None = None,
) -> Path:
    """Write a unit's submission workbook for a quarter (blank, or filled from ``content``), atomically."""
    content = content or FormContent()
    wb = Workbook()
    info = wb.active
    assert info is not None
    info.title = L.SHEET_INFO
    _info_sheet(info, province, unit, period, content)
    _data_sheet(wb.create_sheet(L.SHEET_DATA), catalogue, unit, period, content)
    _notes_sheet(wb.create_sheet(L.SHEET_NOTES), catalogue, content)
    _help_sheet(wb.create_sheet(L.SHEET_HELP), province, period)
    wb.properties.creator = province.agency.name
    wb.properties.title = f"Báo cáo số liệu {period.label} - {unit.full_name}"
    buffer = io.BytesIO()
    wb.save(buffer)
    write_bytes_atomic(target, buffer.getvalue())
    return target


def title_row(ws: Worksheet, text: str, width: int) -> None:
    ws.cell(row=1, column=1, value=text).font = TITLE
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)


def header_row(ws: Worksheet, row: int, labels: tuple[str, ...]) -> list[Any]:
    """Write a bold, shaded header row and return its cells."""
    cells = []
    for col, label in enumerate(labels, start=1):
        cell = ws.cell(row=row, column=col, value=label)
        cell.font, cell.fill, cell.border = BOLD, HEADER_FILL, BOX
        cells.append(cell)
    return cells


def _info_sheet(ws: Worksheet, province: Province, unit: Unit, period: Period, content: FormContent) -> None:
    title_row(ws, f"BÁO CÁO SỐ LIỆU THÔNG TIN VÀ TRUYỀN THÔNG {period.label.upper()}", 2)
    ws.cell(row=2, column=1, value=f"Gửi: {province.agency.name} tỉnh {province.name}").font = NORMAL
    values: dict[str, object] = {
        L.INFO_UNIT: unit.code,
        L.INFO_UNIT_NAME: unit.full_name[0].upper() + unit.full_name[1:],
        L.INFO_PERIOD: period.code,
        L.INFO_PERSON: content.person,
        L.INFO_PHONE: content.phone,
        L.INFO_DATE: content.prepared_on,
    }
    for offset, label in enumerate(L.INFO_LABELS):
        row = 4 + offset
        ws.cell(row=row, column=1, value=label).font = BOLD
        cell = ws.cell(row=row, column=2, value=values[label])
        cell.font = NORMAL
        cell.border = BOX
        if label in (L.INFO_PERSON, L.INFO_PHONE, L.INFO_DATE):
            cell.fill = INPUT_FILL
            cell.protection = UNLOCKED
        if label == L.INFO_DATE:
            cell.number_format = "DD/MM/YYYY"
        if label == L.INFO_UNIT:
            cell.number_format = "@"
    ws.cell(row=11, column=1, value='Ô nền vàng là ô cần điền. Xem trang "Hướng dẫn".').font = NORMAL
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 48
    ws.protection.sheet = True


def figure_validations() -> tuple[DataValidation, DataValidation]:
    """Excel's own checks on a figures sheet: a value is a number not below 0, a status is actual or estimate."""
    value_check = DataValidation(
        type="decimal",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Giá trị không hợp lệ",
        error="Nhập một số không âm.",
    )
    status_check = DataValidation(
        type="list",
        formula1=f'"{L.STATUS_ACTUAL},{L.STATUS_ESTIMATE}"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Tình trạng",
        error=f"Chọn '{L.STATUS_ACTUAL}' hoặc '{L.STATUS_ESTIMATE}'.",
    )
    return value_check, status_check


def _data_sheet(
    ws: Worksheet, catalogue: Catalogue, unit: Unit, period: Period, content: FormContent
) -> None:
    width = len(L.DATA_COLUMNS)
    title_row(ws, f"SỐ LIỆU {period.label.upper()} - {unit.full_name.upper()}", width)
    ws.cell(
        row=2, column=1, value="Số liệu phát sinh trong kỳ (chỉ tiêu lũy kế: số có đến cuối kỳ)."
    ).font = NORMAL
    for cell in header_row(ws, DATA_HEADER_ROW, L.DATA_COLUMNS):
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    value_check, status_check = figure_validations()
    ws.add_data_validation(value_check)
    ws.add_data_validation(status_check)
    row = DATA_HEADER_ROW + 1
    number = 0
    groups = [(f, [i for i in catalogue.in_field(f.code) if i.submitted]) for f in catalogue.fields]
    for group_no, (fdef, indicators) in enumerate([g for g in groups if g[1]], start=1):
        ws.cell(row=row, column=1, value=roman(group_no))
        ws.cell(row=row, column=3, value=fdef.name.upper())
        for col in range(1, width + 1):
            c = ws.cell(row=row, column=col)
            c.font, c.fill, c.border = BOLD, GROUP_FILL, BOX
        row += 1
        for ind in indicators:
            number += 1
            name = f"Trong đó: {ind.name}" if ind.parent else ind.name
            previous = content.previous.get(ind.code) if ind.kind == "stock" else None
            cells = [number, ind.code, name, ind.unit, content.values.get(ind.code), None, None, previous]
            if content.values.get(ind.code) is not None:
                cells[5] = L.STATUS_ESTIMATE if ind.code in content.estimates else L.STATUS_ACTUAL
            for col, value in enumerate(cells, start=1):
                c = ws.cell(row=row, column=col, value=value)
                c.font, c.border, c.alignment = NORMAL, BOX, WRAP
            for col in (5, 6, 7):
                ws.cell(row=row, column=col).fill = INPUT_FILL
                ws.cell(row=row, column=col).protection = UNLOCKED
            for col in (5, 8):
                ws.cell(row=row, column=col).number_format = "#,##0.##" if ind.decimals else "#,##0"
            value_check.add(f"E{row}")
            status_check.add(f"F{row}")
            row += 1
    for letter, w in zip("ABCDEFGH", (6, 11, 58, 14, 16, 12, 30, 16), strict=True):
        ws.column_dimensions[letter].width = w
    ws.freeze_panes = f"A{DATA_HEADER_ROW + 1}"
    ws.protection.sheet = True
    ws.protection.formatColumns = False


def _notes_sheet(ws: Worksheet, catalogue: Catalogue, content: FormContent) -> None:
    title_row(ws, "GHI CHÚ, KIẾN NGHỊ CỦA ĐƠN VỊ", 3)
    ws.cell(
        row=2, column=1, value="Mỗi ý một dòng; thêm dòng nếu cần. Cột Lĩnh vực có thể để trống."
    ).font = NORMAL
    header_row(ws, NOTES_HEADER_ROW, L.NOTE_COLUMNS)
    section_check = DataValidation(
        type="list", formula1='"' + ",".join(L.NOTE_SECTIONS.values()) + '"', allow_blank=True
    )
    field_check = DataValidation(
        type="list", formula1='"' + ",".join(f.name for f in catalogue.fields) + '"', allow_blank=True
    )
    ws.add_data_validation(section_check)
    ws.add_data_validation(field_check)
    field_names = {f.code: f.name for f in catalogue.fields}
    rows: list[tuple[str, str | None, str | None]] = []
    for key, label in L.NOTE_SECTIONS.items():
        written = [n for n in content.notes if n.section == key]
        rows.extend((label, field_names.get(n.field or ""), n.text) for n in written)
        rows.extend((label, None, None) for _ in range(max(0, BLANK_NOTE_ROWS - len(written))))
    for offset, values in enumerate(rows):
        row = NOTES_HEADER_ROW + 1 + offset
        for col, value in enumerate(values, start=1):
            c = ws.cell(row=row, column=col, value=value)
            c.font, c.border, c.alignment = NORMAL, BOX, WRAP
        ws.cell(row=row, column=3).fill = INPUT_FILL
        section_check.add(f"A{row}")
        field_check.add(f"B{row}")
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 26
    ws.column_dimensions["C"].width = 90
    ws.freeze_panes = f"A{NOTES_HEADER_ROW + 1}"


def _help_sheet(ws: Worksheet, province: Province, period: Period) -> None:
    lines = [
        "HƯỚNG DẪN ĐIỀN BÁO CÁO",
        "",
        f'1. Trang "{L.SHEET_INFO}": kiểm tra mã đơn vị và kỳ báo cáo ({period.code}, tức {period.label}); '
        "điền người lập, điện thoại, ngày lập.",
        f'2. Trang "{L.SHEET_DATA}": nhập số vào cột "{L.COL_VALUE}" cho từng chỉ tiêu. Chỉ nhập con số, '
        "không nhập đơn vị hay ký hiệu %; số thập phân viết bằng dấu phẩy (971,8).",
        "   - Chỉ tiêu phát sinh (doanh thu, thời lượng, hồ sơ, giấy phép...): số phát sinh trong quý, không lũy kế.",
        "   - Chỉ tiêu hiện có (thuê bao, điểm, trạm, cơ quan, đài...): số có đến cuối quý.",
        f'   - Cột "{L.COL_STATUS}": chọn "{L.STATUS_ESTIMATE}" nếu là số ước tính, '
        f'"{L.STATUS_ACTUAL}" nếu là số chính thức. Số chính thức gửi sau sẽ thay số ước.',
        "   - Chỉ tiêu không phát sinh thì nhập 0; không có số liệu thì để trống và ghi lý do ở cột Ghi chú.",
        "   - Tỷ lệ, mật độ và tổng được tính tự động; không cần nhập.",
        f'3. Trang "{L.SHEET_NOTES}": mỗi ý một dòng, chọn Mục (kết quả nổi bật, khó khăn – vướng mắc, '
        "kiến nghị – đề xuất, nhiệm vụ kỳ tới) và Lĩnh vực nếu có.",
        "4. Không đổi tên trang, không xóa cột Mã chỉ tiêu. Lưu tệp với tên giữ nguyên và gửi về "
        f"{province.agency.name}.",
        f"Quý {ROMAN[period.last_quarter]}: số liệu tính theo {_calendar_words(province, period)}.",
    ]
    for row, text in enumerate(lines, start=1):
        c = ws.cell(row=row, column=1, value=text)
        c.font = TITLE if row == 1 else NORMAL
        c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 120


def _calendar_words(province: Province, period: Period) -> str:
    start, end = period.start(province.calendar), period.end(province.calendar)
    return f"kỳ từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}"
