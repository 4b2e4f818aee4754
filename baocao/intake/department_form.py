"""The department's own workbook per quarter: its figures, results, limitations, proposals and next tasks.

Same conventions as the unit forms (baocao.intake.form): a prefilled header, validated input cells on a
yellow ground, protected sheets, instructions in Vietnamese; the reader is baocao.intake.department.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime, time
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from baocao.catalogue import Catalogue
from baocao.files import write_bytes_atomic
from baocao.intake import layout as L
from baocao.intake.department import ministry_name
from baocao.intake.form import (
    BLANK_NOTE_ROWS,
    BOLD,
    BOX,
    DATA_HEADER_ROW,
    GROUP_FILL,
    INPUT_FILL,
    NORMAL,
    NOTES_HEADER_ROW,
    TITLE,
    UNLOCKED,
    WRAP,
    figure_validations,
    header_row,
    title_row,
)
from baocao.intake.model import DepartmentReport
from baocao.periods import Period, roman
from baocao.province import Province

STANDING = "Thường xuyên"
Row = tuple[str, str | None, str | None, str | None, str | None, object]


def department_filename(province: Province) -> str:
    """The file name of the department's form in the forms folder: 'SO-<agency abbreviation>.xlsx'."""
    return f"SO-{province.agency.abbreviation}.xlsx"


def addressees(province: Province) -> tuple[str, str]:
    """Whom the department's proposals go to: the province's people's committee and the ministry."""
    return L.ADDRESSEE_PROVINCE, ministry_name(province)


def write_department_form(
    target: Path,
    catalogue: Catalogue,
    province: Province,
    period: Period,
    content: DepartmentReport | None = None,
) -> Path:
    """Write the department's workbook for a quarter (blank, or filled from ``content``), atomically."""
    content = content or DepartmentReport(period=period.code)
    wb = Workbook()
    info = wb.active
    assert info is not None
    info.title = L.SHEET_INFO
    _info_sheet(info, province, period, content)
    _data_sheet(wb.create_sheet(L.SHEET_DEPT_DATA), catalogue, period, content)
    _notes_sheet(wb.create_sheet(L.SHEET_DEPT_NOTES), catalogue, province, content)
    _help_sheet(wb.create_sheet(L.SHEET_HELP), province, period)
    wb.properties.creator = province.agency.name
    wb.properties.title = f"Báo cáo kết quả công tác {period.label} - {province.agency.name}"
    wb.security.lockStructure = True  # sheets are found by name: no renaming or deleting them
    buffer = io.BytesIO()
    wb.save(buffer)
    data = buffer.getvalue()
    if content.prepared_on is not None:
        data = _dated(data, datetime.combine(content.prepared_on, time(8)))
    write_bytes_atomic(target, data)
    return target


def _dated(data: bytes, when: datetime) -> bytes:
    """The workbook with every timestamp set to ``when`` (openpyxl stamps the time of saving): the same
    content then writes the same bytes, so regenerating the sample changes nothing."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dest:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), body
                )
            dest.writestr(
                zipfile.ZipInfo(item.filename, date_time=when.timetuple()[:6]), body, zipfile.ZIP_DEFLATED
            )
    return out.getvalue()


def _info_sheet(ws: Worksheet, province: Province, period: Period, content: DepartmentReport) -> None:
    title_row(ws, f"BÁO CÁO KẾT QUẢ CÔNG TÁC CỦA SỞ {period.label.upper()}", 2)
    ws.cell(row=2, column=1, value=f"{province.agency.name} tỉnh {province.name}").font = NORMAL
    values: dict[str, object] = {
        L.INFO_AGENCY: province.agency.name,
        L.INFO_PERIOD: period.code,
        L.INFO_PERSON: content.person,
        L.INFO_PHONE: None,
        L.INFO_DATE: content.prepared_on,
    }
    for offset, label in enumerate(L.DEPT_INFO_LABELS):
        row = 4 + offset
        ws.cell(row=row, column=1, value=label).font = BOLD
        cell = ws.cell(row=row, column=2, value=values[label])
        cell.font, cell.border = NORMAL, BOX
        if label in (L.INFO_PERSON, L.INFO_PHONE, L.INFO_DATE):
            cell.fill, cell.protection = INPUT_FILL, UNLOCKED
        if label == L.INFO_DATE:
            cell.number_format = "DD/MM/YYYY"
    ws.cell(row=10, column=1, value='Ô nền vàng là ô cần điền. Xem trang "Hướng dẫn".').font = NORMAL
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 48
    ws.protection.sheet = True


def _data_sheet(ws: Worksheet, catalogue: Catalogue, period: Period, content: DepartmentReport) -> None:
    width = len(L.DEPT_DATA_COLUMNS)
    title_row(ws, f"CHỈ TIÊU CÔNG TÁC CỦA SỞ {period.label.upper()}", width)
    ws.cell(
        row=2, column=1, value="Số phát sinh trong quý (chỉ tiêu hiện có: số có đến cuối quý)."
    ).font = NORMAL
    for cell in header_row(ws, DATA_HEADER_ROW, L.DEPT_DATA_COLUMNS):
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    value_check, status_check = figure_validations()
    ws.add_data_validation(value_check)
    ws.add_data_validation(status_check)
    row, number = DATA_HEADER_ROW + 1, 0
    groups = [(f, catalogue.department_in_field(f.code)) for f in catalogue.fields]
    for group_no, (fdef, indicators) in enumerate([g for g in groups if g[1]], start=1):
        for col, heading in enumerate((roman(group_no), None, fdef.name.upper()), start=1):
            ws.cell(row=row, column=col, value=heading)
        for col in range(1, width + 1):
            c = ws.cell(row=row, column=col)
            c.font, c.fill, c.border = BOLD, GROUP_FILL, BOX
        row += 1
        for ind in indicators:
            number += 1
            value = content.figures.get(ind.code)
            status = None
            if value is not None:
                status = L.STATUS_ESTIMATE if ind.code in content.estimates else L.STATUS_ACTUAL
            for col, cell_value in enumerate(
                (number, ind.code, ind.name, ind.unit, value, status, None), start=1
            ):
                c = ws.cell(row=row, column=col, value=cell_value)
                c.font, c.border, c.alignment = NORMAL, BOX, WRAP
            for col in (5, 6, 7):
                ws.cell(row=row, column=col).fill = INPUT_FILL
                ws.cell(row=row, column=col).protection = UNLOCKED
            ws.cell(row=row, column=5).number_format = "#,##0.##" if ind.decimals else "#,##0"
            value_check.add(f"E{row}")
            status_check.add(f"F{row}")
            row += 1
    for letter, w in zip("ABCDEFG", (6, 11, 58, 14, 16, 12, 30), strict=True):
        ws.column_dimensions[letter].width = w
    ws.freeze_panes = f"A{DATA_HEADER_ROW + 1}"
    ws.protection.sheet = True
    ws.protection.formatColumns = False


def _note_rows(catalogue: Catalogue, content: DepartmentReport) -> list[Row]:
    """The notes sheet's rows: each section's entries, then blank rows to fill."""
    names = {f.code: f.name for f in catalogue.fields}
    written: dict[L.DeptSection, list[Row]] = {key: [] for key in L.DEPT_SECTIONS}
    for (section, field_code), texts in content.notes.items():
        label = L.DEPT_SECTIONS[section]
        written[section].extend((label, names.get(field_code or ""), t, None, None, None) for t in texts)
    for p in content.proposals:
        label = L.DEPT_SECTIONS["proposals"]
        written["proposals"].append((label, names.get(p.field or ""), p.text, p.addressee, None, None))
    for t in content.tasks:
        label = L.DEPT_SECTIONS["tasks"]
        # A task without a date is a standing one, written so that the reader does not ask for a deadline.
        deadline = t.deadline or STANDING
        written["tasks"].append((label, names.get(t.field or ""), t.text, None, t.owner, deadline))
    rows: list[Row] = []
    for key, label in L.DEPT_SECTIONS.items():
        rows.extend(written[key])
        rows.extend((label, None, None, None, None, None) for _ in range(BLANK_NOTE_ROWS))
    return rows


def _notes_sheet(ws: Worksheet, catalogue: Catalogue, province: Province, content: DepartmentReport) -> None:
    title_row(ws, "KẾT QUẢ, TỒN TẠI, KIẾN NGHỊ VÀ NHIỆM VỤ CỦA SỞ", len(L.DEPT_NOTE_COLUMNS))
    ws.cell(
        row=2,
        column=1,
        value="Mỗi ý một dòng; thêm dòng nếu cần. Kiến nghị: ghi cơ quan nhận kiến nghị. "
        "Nhiệm vụ: ghi đơn vị chủ trì và thời hạn (ngày).",
    ).font = NORMAL
    header_row(ws, NOTES_HEADER_ROW, L.DEPT_NOTE_COLUMNS)
    lists = (
        ",".join(L.DEPT_SECTIONS.values()),
        ",".join(f.name for f in catalogue.fields),
        ",".join(addressees(province)),
    )
    section_check, field_check, addressee_check = (
        DataValidation(type="list", formula1=f'"{items}"', allow_blank=True) for items in lists
    )
    # Another addressee may be typed (a warning in Excel, not a refusal); so may "Thường xuyên" as deadline.
    addressee_check.showErrorMessage = True
    addressee_check.errorStyle = "warning"
    deadline_check = DataValidation(
        type="date",
        operator="greaterThan",
        formula1="36526",
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="Thời hạn",
        error="Nhập ngày dạng 30/10/2024.",
    )
    for check in (section_check, field_check, addressee_check, deadline_check):
        ws.add_data_validation(check)
    for offset, values in enumerate(_note_rows(catalogue, content)):
        row = NOTES_HEADER_ROW + 1 + offset
        for col, value in enumerate(values, start=1):
            c = ws.cell(row=row, column=col, value=value)
            c.font, c.border, c.alignment = NORMAL, BOX, WRAP
        for col in (3, 4, 5, 6):
            ws.cell(row=row, column=col).fill = INPUT_FILL
        ws.cell(row=row, column=6).number_format = "DD/MM/YYYY"
        section_check.add(f"A{row}")
        field_check.add(f"B{row}")
        addressee_check.add(f"D{row}")
        deadline_check.add(f"F{row}")
    for letter, w in zip("ABCDEF", (20, 26, 80, 24, 26, 14), strict=True):
        ws.column_dimensions[letter].width = w
    ws.freeze_panes = f"A{NOTES_HEADER_ROW + 1}"


def _help_sheet(ws: Worksheet, province: Province, period: Period) -> None:
    sections = ", ".join(f'"{label}"' for label in L.DEPT_SECTIONS.values())
    lines = [
        "HƯỚNG DẪN ĐIỀN BÁO CÁO CỦA SỞ",
        "",
        f'1. Trang "{L.SHEET_INFO}": kiểm tra kỳ báo cáo ({period.code}, tức {period.label}); điền người lập, '
        "điện thoại, ngày lập.",
        f'2. Trang "{L.SHEET_DEPT_DATA}": các chỉ tiêu do Sở tự tổng hợp (cấp phép, thanh tra, kiểm tra, xử phạt, '
        "đào tạo, văn bản, an toàn thông tin); các đơn vị không báo cáo các chỉ tiêu này. Chỉ nhập con số; "
        "số thập phân viết bằng dấu phẩy (15,5). Số tiền xử phạt tính bằng triệu đồng.",
        "   - Chỉ tiêu phát sinh: số phát sinh trong quý, không lũy kế; chỉ tiêu hiện có: số có đến cuối quý.",
        f'   - Cột "{L.COL_STATUS}": "{L.STATUS_ESTIMATE}" nếu là số ước tính, "{L.STATUS_ACTUAL}" nếu là số '
        "chính thức.",
        f'3. Trang "{L.SHEET_DEPT_NOTES}": mỗi ý một dòng; cột "{L.COL_SECTION}" chọn một trong {sections}; '
        f'"{L.COL_FIELD}" nếu có.',
        f'   - Kiến nghị: ghi cơ quan nhận kiến nghị ở cột "{L.COL_ADDRESSEE}" '
        f"({' hoặc '.join(addressees(province))}).",
        f'   - Nhiệm vụ kỳ tới: ghi "{L.COL_OWNER}" (phòng, đơn vị của Sở) và "{L.COL_DEADLINE}" là một ngày '
        '(30/10/2024); nhiệm vụ không có thời hạn cụ thể ghi "Thường xuyên".',
        "4. Không đổi tên trang, không xóa cột Mã chỉ tiêu. Lưu tệp vào thư mục department của tỉnh với tên "
        f"{period.code}.xlsx.",
    ]
    for row, text in enumerate(lines, start=1):
        c = ws.cell(row=row, column=1, value=text)
        c.font = TITLE if row == 1 else NORMAL
        c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 120
