"""Reading the department's own workbook for a quarter (``inputs/<province>/department/<quarter>.xlsx``).

Checked like a unit's submission: every problem is a Finding naming the file, sheet and cell in Vietnamese;
a workbook with an error is left out (None) and never stops the report.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from baocao.catalogue import Catalogue
from baocao.errors import Location, PeriodError, SubmissionError
from baocao.intake import layout as L
from baocao.intake.cells import CellValueError, cell_text, fold, parse_number, parse_status
from baocao.intake.checks import MAX_NOTE_CHARS, clean_text, shown_number
from baocao.intake.model import DepartmentReport, Finding, Proposal, Task
from baocao.intake.read import MAX_FILE_BYTES
from baocao.intake.workbook import Sheet, find_header, find_sheet, info_cells, open_workbook
from baocao.periods import Period
from baocao.province import Province

FOLDER = "department"
# Deadlines that are not a date: standing tasks.
_NO_DEADLINE = frozenset({"thuong xuyen", "ca nam", "hang thang", "hang quy", "lien tuc", "dinh ky"})
_DAY = re.compile(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
# On folded text ('tháng 10/2024' -> 'thang 10 2024'): a month, its last day.
_MONTH = re.compile(r"^(?:(?:trong|truoc|den het|het|cuoi)\s+)?(?:thang\s+)?(\d{1,2})\s+(?:nam\s+)?(\d{4})$")


def ministry_name(province: Province) -> str:
    """The ministry above the department: 'Sở Thông tin và Truyền thông' -> 'Bộ Thông tin và Truyền thông'."""
    name = province.agency.name
    return "Bộ " + name[3:] if name.startswith("Sở ") else "Bộ chủ quản"


def department_path(inputs: Path, quarter: Period) -> Path:
    """Where the department's workbook for a quarter lives: ``<inputs>/department/<quarter>.xlsx``."""
    return inputs / FOLDER / f"{quarter.code}.xlsx"


@dataclass
class _Reading:
    """What is gathered while reading one workbook."""

    file: str
    findings: list[Finding] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)
    estimates: set[str] = field(default_factory=set)
    notes: dict[tuple[L.DeptNoteSection, str | None], list[str]] = field(default_factory=dict)
    proposals: list[Proposal] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    person: str | None = None
    prepared_on: date | None = None

    def add(self, severity: str, where: Location, message: str) -> None:
        self.findings.append(Finding(severity, where, message))  # type: ignore[arg-type]


def read_department(
    path: Path, catalogue: Catalogue, province: Province, quarter: Period | None = None
) -> tuple[DepartmentReport | None, list[Finding]]:
    """The department's report for one quarter and the findings; None when an error leaves it out."""
    reading = _Reading(path.name)
    try:
        expected = quarter or _quarter_of(path)
        _read(path, catalogue, province, expected, reading)
    except SubmissionError as exc:
        reading.add("error", exc.where, exc.message)
        return None, reading.findings
    except Exception as exc:  # the last line of defence: report, never crash the run
        reading.add(
            "error", Location(path.name), f"lỗi không xác định khi đọc tệp ({type(exc).__name__}: {exc})"
        )
        return None, reading.findings
    if any(f.severity == "error" for f in reading.findings):
        return None, reading.findings
    report = DepartmentReport(
        period=expected.code,
        figures=dict(reading.figures),
        estimates=frozenset(reading.estimates),
        notes={key: tuple(texts) for key, texts in reading.notes.items()},
        proposals=tuple(reading.proposals),
        tasks=tuple(reading.tasks),
        person=reading.person,
        prepared_on=reading.prepared_on,
        quarters=(expected.code,),
        files=(path.name,),
    )
    return report, reading.findings


def _quarter_of(path: Path) -> Period:
    try:
        period = Period.parse(path.stem)
    except PeriodError:
        period = None
    if period is None or period.kind != "quarter":
        raise SubmissionError(
            f'tên tệp phải là quý báo cáo, ví dụ 2024-Q2.xlsx (tệp tên "{path.name}")', Location(path.name)
        )
    return period


def _read(path: Path, catalogue: Catalogue, province: Province, quarter: Period, reading: _Reading) -> None:
    if path.is_symlink() or not path.is_file():
        raise SubmissionError("không phải tệp thật (liên kết hoặc thư mục)", Location(path.name))
    if path.stat().st_size > MAX_FILE_BYTES:
        raise SubmissionError(
            f"tệp quá lớn (tối đa {MAX_FILE_BYTES // (1024 * 1024)} MB)", Location(path.name)
        )
    workbook, package = open_workbook(path, scanned=L.SHEET_DEPT_DATA)
    data_name = find_sheet(workbook, L.SHEET_DEPT_DATA, reading.add, path.name)
    if data_name is None:
        found = ", ".join(f'"{n}"' for n in workbook.sheet_names) or "không có trang nào"
        raise SubmissionError(
            f'không có trang "{L.SHEET_DEPT_DATA}" (tệp có: {found}); hãy dùng mẫu báo cáo của Sở '
            "(baocao template --department)",
            Location(path.name),
        )
    info_name = find_sheet(workbook, L.SHEET_INFO, reading.add, path.name)
    if info_name is None:
        reading.add("warning", Location(path.name), f'không có trang "{L.SHEET_INFO}"; kỳ lấy theo tên tệp')
    else:
        _read_info(Sheet(workbook, info_name, path.name), quarter, reading)
    blanks = package.formulas_without_value.get(data_name, set())
    _read_figures(Sheet(workbook, data_name, path.name), catalogue, blanks, reading)
    notes_name = find_sheet(workbook, L.SHEET_DEPT_NOTES, reading.add, path.name)
    if notes_name is None:
        reading.add(
            "warning", Location(path.name), f'không có trang "{L.SHEET_DEPT_NOTES}"; không có nội dung'
        )
    else:
        _read_notes(Sheet(workbook, notes_name, path.name), catalogue, province, reading)


def _read_info(sheet: Sheet, quarter: Period, reading: _Reading) -> None:
    found = info_cells(sheet, L.DEPT_INFO_LABELS)
    if L.INFO_PERIOD in found:
        r, c = found[L.INFO_PERIOD]
        text = cell_text(sheet.value(r, c))
        try:
            period = Period.parse(text)
        except PeriodError:
            reading.add(
                "error", sheet.where(r, c), f'kỳ báo cáo "{text}" không hợp lệ; cần dạng 2024-Q2 (năm-quý)'
            )
        else:
            if period.code != quarter.code:
                reading.add(
                    "error",
                    sheet.where(r, c),
                    f"kỳ báo cáo {period.code} khác với tên tệp ({quarter.code}.xlsx)",
                )
    if L.INFO_PERSON in found:
        reading.person = clean_text(cell_text(sheet.value(*found[L.INFO_PERSON]))) or None
    if L.INFO_DATE in found:
        raw = sheet.value(*found[L.INFO_DATE])
        reading.prepared_on = (
            raw.date() if isinstance(raw, datetime) else raw if isinstance(raw, date) else None
        )


def _read_figures(sheet: Sheet, catalogue: Catalogue, blanks: set[str], reading: _Reading) -> None:
    header, cols = find_header(sheet, (L.COL_CODE, L.COL_VALUE), (L.COL_STATUS,))
    seen: dict[str, str] = {}
    for r in range(header + 1, len(sheet.rows)):
        code = cell_text(sheet.value(r, cols[L.COL_CODE])).upper()
        raw, where = sheet.value(r, cols[L.COL_VALUE]), sheet.where(r, cols[L.COL_VALUE])
        if not code:
            if raw is not None and not (isinstance(raw, str) and not raw.strip()):
                reading.add("error", where, "có giá trị nhưng không có mã chỉ tiêu ở cột Mã chỉ tiêu")
            continue
        if raw is None and where.cell in blanks:
            reading.add(
                "error", where, f"chỉ tiêu {code}: ô có công thức nhưng chưa có kết quả tính; hãy gõ số"
            )
            continue
        if not catalogue.is_department(code):
            if raw is None:
                continue
            if code in catalogue:
                message = f"{code} là chỉ tiêu do các đơn vị báo cáo, không nhập ở báo cáo của Sở; giá trị bị bỏ qua"
                reading.add("warning", where, message)
            else:
                reading.add("error", where, f'mã chỉ tiêu "{code}" không có trong danh mục chỉ tiêu của Sở')
            continue
        status_col = cols.get(L.COL_STATUS)
        status = sheet.value(r, status_col) if status_col is not None else None
        _take_figure(catalogue, code, raw, status, where, seen, reading)


def _take_figure(
    catalogue: Catalogue,
    code: str,
    raw: Any,
    status: Any,
    where: Location,
    seen: dict[str, str],
    reading: _Reading,
) -> None:
    ind = catalogue.department_indicator(code)
    label = f'chỉ tiêu {code} "{ind.name}"'
    try:
        value, note = parse_number(raw)
    except CellValueError as exc:
        reading.add("error", where, f"{label}: {exc}")
        return
    if value is None:
        return
    if note:
        reading.add("warning", where, f"{label}: {note}")
    low, high = catalogue.bounds(code)
    if not low <= value <= high:
        reading.add(
            "error",
            where,
            f"{label}: giá trị {shown_number(value)} nằm ngoài khoảng hợp lý của chỉ tiêu "
            f"({shown_number(low)} – {shown_number(high)} {ind.unit}); kiểm tra lại số đã nhập",
        )
        return
    if code in seen:
        if reading.figures[code] != value:
            reading.add("error", where, f"{label} đã có ở ô {seen[code]} với giá trị khác; chỉ giữ một dòng")
        return
    seen[code] = where.cell or ""
    estimate = parse_status(status)
    if estimate is None:
        reading.add(
            "warning", where, f'{label}: tình trạng "{cell_text(status)}" không rõ; tạm coi là số ước'
        )
    reading.figures[code] = value
    if estimate is not False:
        reading.estimates.add(code)


def _read_notes(sheet: Sheet, catalogue: Catalogue, province: Province, reading: _Reading) -> None:
    optional = (L.COL_SECTION, L.COL_FIELD, L.COL_ADDRESSEE, L.COL_OWNER, L.COL_DEADLINE)
    try:
        header, cols = find_header(sheet, (L.COL_TEXT,), optional)
    except SubmissionError:
        reading.add("warning", Location(sheet.file, sheet.name), f'không tìm thấy cột "{L.COL_TEXT}"; bỏ qua')
        return
    fields = {fold(f.name): f.code for f in catalogue.fields} | {
        fold(f.code): f.code for f in catalogue.fields
    }

    def text_at(r: int, column: str) -> str:
        return clean_text(cell_text(sheet.value(r, cols[column]))) if column in cols else ""

    section: L.DeptSection | None = None
    for r in range(header + 1, len(sheet.rows)):
        text = text_at(r, L.COL_TEXT)
        section_raw = text_at(r, L.COL_SECTION)
        if section_raw:
            section = _section(section_raw)
            if section is None and text:
                shown = ", ".join(L.DEPT_SECTIONS.values())
                reading.add(
                    "warning",
                    sheet.where(r, cols[L.COL_SECTION]),
                    f'mục "{section_raw}" không rõ; cần: {shown}',
                )
        if not text or section is None:
            continue
        if len(text) > MAX_NOTE_CHARS:
            reading.add(
                "warning", sheet.where(r, cols[L.COL_TEXT]), f"nội dung dài quá {MAX_NOTE_CHARS} ký tự"
            )
            text = text[:MAX_NOTE_CHARS].rstrip() + "…"
        field_raw = text_at(r, L.COL_FIELD)
        field_code = fields.get(fold(field_raw)) if field_raw else None
        if field_raw and field_code is None:
            reading.add(
                "warning",
                sheet.where(r, cols[L.COL_FIELD]),
                f'lĩnh vực "{field_raw}" không có trong danh mục; để trống',
            )
        if section == "proposals":
            addressee = _addressee(text_at(r, L.COL_ADDRESSEE), province)
            if addressee is None:
                where = sheet.where(r, cols.get(L.COL_ADDRESSEE, cols[L.COL_TEXT]))
                reading.add("warning", where, "kiến nghị chưa ghi cơ quan nhận (UBND tỉnh hay Bộ)")
            reading.proposals.append(Proposal(text=text, addressee=addressee, field=field_code))
        elif section == "tasks":
            reading.tasks.append(_task(sheet, r, cols, text, field_code, text_at(r, L.COL_OWNER), reading))
        else:
            reading.notes.setdefault((section, field_code), []).append(text)


def _task(
    sheet: Sheet,
    r: int,
    cols: dict[str, int],
    text: str,
    field_code: str | None,
    owner: str,
    reading: _Reading,
) -> Task:
    def where(column: str) -> Location:
        # A column the sheet lacks is reported at the entry's text.
        return sheet.where(r, cols.get(column, cols[L.COL_TEXT]))

    if not owner:
        reading.add("warning", where(L.COL_OWNER), "nhiệm vụ chưa ghi đơn vị chủ trì")
    raw = sheet.value(r, cols[L.COL_DEADLINE]) if L.COL_DEADLINE in cols else None
    deadline: date | None = None
    try:
        deadline, standing = deadline_of(raw)
    except CellValueError as exc:
        reading.add("error", where(L.COL_DEADLINE), f"nhiệm vụ “{text[:60]}”: {exc}")
    else:
        if deadline is None and not standing:
            reading.add(
                "warning", where(L.COL_DEADLINE), 'nhiệm vụ chưa ghi thời hạn (ngày, hoặc "Thường xuyên")'
            )
    return Task(text=text, owner=owner or None, deadline=deadline, field=field_code)


def deadline_of(raw: Any) -> tuple[date | None, bool]:
    """A deadline cell's date (None if empty or standing) and whether it says the task is standing.

    Accepts a date cell, '30/10/2024', 'trước ngày 30/10/2024', '2024-10-30', 'tháng 10/2024' (the month's last
    day) and 'Thường xuyên'; raises CellValueError with a Vietnamese reason otherwise."""
    if isinstance(raw, datetime):
        return raw.date(), False
    if isinstance(raw, date):
        return raw, False
    text = fold(cell_text(raw)) if raw is not None else ""
    if not text:
        return None, False
    if text in _NO_DEADLINE:
        return None, True
    folded = cell_text(raw)
    try:
        if m := _DAY.search(folded):
            return date(int(m[3]), int(m[2]), int(m[1])), False
        if m := _ISO.search(folded):
            return date(int(m[1]), int(m[2]), int(m[3])), False
        if m := _MONTH.match(text):
            year, month = int(m[2]), int(m[1])
            return date(year, month, calendar.monthrange(year, month)[1]), False
    except ValueError:
        pass  # 31/02/2024: not a day
    raise CellValueError(
        f'thời hạn "{cell_text(raw)}" không phải là ngày; cần nhập ngày dạng 30/10/2024 (hoặc "Thường xuyên")'
    )


def _section(raw: str) -> L.DeptSection | None:
    folded = fold(raw)
    for key, label in L.DEPT_SECTIONS.items():
        if folded == fold(label):
            return key
    return L.DEPT_SECTION_ALIASES.get(folded)


def _addressee(raw: str, province: Province) -> str | None:
    """Whom a proposal is for, the two usual ones written the usual way; another body as written."""
    folded = fold(raw)
    if not folded:
        return None
    if folded in {"ubnd tinh", "ubnd", "uy ban nhan dan tinh", "tinh"} or folded.startswith("ubnd tinh "):
        return L.ADDRESSEE_PROVINCE
    ministry = ministry_name(province)
    if folded in {fold(ministry), "bo", "bo chu quan"}:
        return ministry
    return raw
