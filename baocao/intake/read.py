"""Reading one submission file (Excel workbook or CSV) into checked submissions.

Nothing here raises for bad content: every problem becomes a Finding naming the file, sheet and cell, in
Vietnamese, so that one unit's mistake is reported to that unit and never stops the others.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from baocao.catalogue import Catalogue
from baocao.errors import Location, PeriodError, SubmissionError
from baocao.intake import layout as L
from baocao.intake.cells import CellValueError, cell_ref, cell_text, fold, parse_number, parse_status
from baocao.intake.model import Finding, Note, Submission
from baocao.periods import Period

EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm"})
SUFFIXES = EXCEL_SUFFIXES | {".csv"}
MAX_NOTE_CHARS = 4000
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Expected:
    """What a file's place says about it: the unit (file name) and quarter (folder), when known."""

    unit: str | None = None
    period: str | None = None


def expected_from_path(path: Path, units: Collection[str]) -> Expected:
    """Unit and quarter implied by ``submissions/<quarter>/<unit>.<ext>``; None where the place says nothing."""
    try:
        period = Period.parse(path.parent.name)
        quarter = period.code if period.kind == "quarter" else None
    except PeriodError:
        quarter = None
    return Expected(unit=path.stem if path.stem in units else None, period=quarter)


def read_file(
    path: Path, catalogue: Catalogue, units: Collection[str], expected: Expected | None = None
) -> list[Submission]:
    """Read and check one file; a CSV may hold several units. Never raises for the file's content."""
    expected = expected or expected_from_path(path, units)
    try:
        if path.suffix.lower() == ".csv":
            return _read_csv(path, catalogue, units, expected)
        if path.suffix.lower() in EXCEL_SUFFIXES:
            return [_read_workbook(path, catalogue, units, expected)]
        raise SubmissionError(
            f"không nhận loại tệp {path.suffix or '(không có phần mở rộng)'}; cần tệp Excel .xlsx hoặc .csv",
            Location(path.name),
        )
    except SubmissionError as exc:
        return [_rejected(path, expected, exc.where, exc.message)]


def _rejected(path: Path, expected: Expected, where: Location, message: str) -> Submission:
    sub = Submission(path=path, unit=expected.unit, period=expected.period)
    sub.findings.append(Finding("error", where, message))
    return sub


# --- Excel -----------------------------------------------------------------------------------------------


def _open_workbook(path: Path) -> CalamineWorkbook:
    where = Location(path.name)
    with path.open("rb") as handle:
        head = handle.read(8)
    if not head:
        raise SubmissionError("tệp rỗng (0 byte); hãy lưu lại báo cáo và gửi lại", where)
    if head.startswith(_OLE2_MAGIC):
        raise SubmissionError(
            "tệp là định dạng Excel cũ (.xls) hoặc có đặt mật khẩu; hãy mở bằng Excel, bỏ mật khẩu nếu có, "
            "rồi lưu lại dạng Excel Workbook (.xlsx)",
            where,
        )
    if not head.startswith(_ZIP_MAGIC):
        raise SubmissionError(
            "tệp không phải tệp Excel (.xlsx) hợp lệ; hãy dùng mẫu báo cáo do Sở gửi", where
        )
    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several unrelated types for damaged files
        raise SubmissionError(f"không mở được tệp Excel (tệp hỏng hoặc không đầy đủ: {exc})", where) from exc


class _Sheet:
    """A sheet's cells with Excel references for messages."""

    def __init__(self, workbook: CalamineWorkbook, name: str, file: str) -> None:
        sheet = workbook.get_sheet_by_name(name)
        self.name, self.file = name, file
        self.rows: list[list[Any]] = [list(r) for r in sheet.to_python(skip_empty_area=False)]
        self.row0, self.col0 = sheet.start if sheet.start else (0, 0)
        if self.row0 or self.col0:
            # Some writers store only the used range; pad so indices are true Excel positions.
            pad = [None] * self.col0
            self.rows = [[] for _ in range(self.row0)] + [pad + r for r in self.rows]

    def value(self, row: int, col: int) -> Any:
        cells = self.rows[row] if row < len(self.rows) else []
        value = cells[col] if col < len(cells) else None
        return None if value == "" else value

    def where(self, row: int, col: int) -> Location:
        return Location(self.file, self.name, cell_ref(row, col))


def _find_sheet(workbook: CalamineWorkbook, wanted: str) -> str | None:
    target = fold(wanted)
    for name in workbook.sheet_names:
        if fold(name) == target:
            return str(name)
    return None


def _read_workbook(
    path: Path, catalogue: Catalogue, units: Collection[str], expected: Expected
) -> Submission:
    workbook = _open_workbook(path)
    sub = Submission(path=path, unit=expected.unit, period=expected.period)
    add = _adder(sub)
    data_name = _find_sheet(workbook, L.SHEET_DATA)
    if data_name is None:
        found = ", ".join(f'"{n}"' for n in workbook.sheet_names) or "không có trang nào"
        raise SubmissionError(
            f'không có trang "{L.SHEET_DATA}" (tệp có: {found}); hãy dùng mẫu báo cáo', Location(path.name)
        )
    info_name = _find_sheet(workbook, L.SHEET_INFO)
    if info_name is None:
        add(
            "warning",
            Location(path.name),
            f'không có trang "{L.SHEET_INFO}"; đơn vị và kỳ lấy theo tên tệp và thư mục',
        )
    else:
        _read_info(_Sheet(workbook, info_name, path.name), sub, units, expected, add)
    _read_data(_Sheet(workbook, data_name, path.name), sub, catalogue, add)
    notes_name = _find_sheet(workbook, L.SHEET_NOTES)
    if notes_name is not None:
        _read_notes(_Sheet(workbook, notes_name, path.name), sub, catalogue, add)
    if sub.unit is None:
        add(
            "error",
            Location(path.name),
            "không xác định được đơn vị báo cáo (mã đơn vị trống hoặc không có trong danh sách)",
        )
    if sub.period is None:
        add("error", Location(path.name), "không xác định được kỳ báo cáo (cần dạng 2024-Q2)")
    return sub


Adder = Callable[[str, Location, str], None]


def _adder(sub: Submission) -> Adder:
    def add(severity: str, where: Location, message: str) -> None:
        sub.findings.append(Finding(severity, where, message))  # type: ignore[arg-type]

    return add


def _read_info(
    sheet: _Sheet, sub: Submission, units: Collection[str], expected: Expected, add: Adder
) -> None:
    labels = {fold(label): label for label in L.INFO_LABELS}
    found: dict[str, tuple[int, int]] = {}
    for r, row in enumerate(sheet.rows[:40]):
        for c, raw in enumerate(row[:4]):
            key = fold(cell_text(raw)) if isinstance(raw, str) else ""
            if key in labels and labels[key] not in found:
                found[labels[key]] = (r, c + 1)
    if L.INFO_UNIT in found:
        r, c = found[L.INFO_UNIT]
        code = _unit_code(sheet.value(r, c), units)
        if not code:
            add("warning", sheet.where(r, c), "mã đơn vị để trống; lấy theo tên tệp")
        elif code not in units:
            add(
                "error",
                sheet.where(r, c),
                f'mã đơn vị "{code}" không có trong danh sách đơn vị báo cáo của tỉnh',
            )
        elif expected.unit and code != expected.unit:
            add(
                "error",
                sheet.where(r, c),
                f'mã đơn vị "{code}" khác với tên tệp ({expected.unit}); tệp của đơn vị nào phải mang mã đơn vị đó',
            )
        else:
            sub.unit = code
    if L.INFO_PERIOD in found:
        r, c = found[L.INFO_PERIOD]
        text = cell_text(sheet.value(r, c))
        try:
            period = Period.parse(text)
        except PeriodError:
            add("error", sheet.where(r, c), f'kỳ báo cáo "{text}" không hợp lệ; cần dạng 2024-Q2 (năm-quý)')
        else:
            if period.kind != "quarter":
                add(
                    "error", sheet.where(r, c), f'kỳ báo cáo "{text}" phải là một quý, ví dụ {period.year}-Q2'
                )
            elif expected.period and period.code != expected.period:
                add(
                    "error",
                    sheet.where(r, c),
                    f"kỳ báo cáo {period.code} khác với thư mục {expected.period} chứa tệp",
                )
            else:
                sub.period = period.code
    if L.INFO_PERSON in found:
        sub.person = cell_text(sheet.value(*found[L.INFO_PERSON])) or None
    if L.INFO_DATE in found:
        raw = sheet.value(*found[L.INFO_DATE])
        sub.prepared_on = raw.date() if isinstance(raw, datetime) else raw if isinstance(raw, date) else None


def _unit_code(raw: Any, units: Collection[str]) -> str:
    code = cell_text(raw)
    if code and code not in units and code.isdigit():
        # Excel drops leading zeros of numeric-looking codes ("080" becomes 80).
        matches = [u for u in units if u.isdigit() and int(u) == int(code)]
        if len(matches) == 1:
            return matches[0]
    return code.upper() if code.upper() in units else code


def _header(
    sheet: _Sheet, required: Sequence[str], optional: Sequence[str] = ()
) -> tuple[int, dict[str, int]]:
    wanted = {fold(name): name for name in (*required, *optional)}
    for r, row in enumerate(sheet.rows[:30]):
        columns: dict[str, int] = {}
        for c, raw in enumerate(row):
            key = fold(cell_text(raw)) if raw is not None else ""
            if key in wanted and wanted[key] not in columns:
                columns[wanted[key]] = c
        if all(name in columns for name in required):
            return r, columns
    names = ", ".join(f'"{n}"' for n in required)
    raise SubmissionError(
        f"không tìm thấy dòng tiêu đề có các cột {names}; hãy dùng mẫu báo cáo",
        Location(sheet.file, sheet.name),
    )


def _read_data(sheet: _Sheet, sub: Submission, catalogue: Catalogue, add: Adder) -> None:
    header_row, cols = _header(sheet, (L.COL_CODE, L.COL_VALUE), (L.COL_STATUS, L.COL_NAME))
    code_col, value_col, status_col = cols[L.COL_CODE], cols[L.COL_VALUE], cols.get(L.COL_STATUS)
    seen: dict[str, tuple[float, str]] = {}
    for r in range(header_row + 1, len(sheet.rows)):
        code = cell_text(sheet.value(r, code_col)).upper()
        raw = sheet.value(r, value_col)
        if not code:
            if raw is not None and not (isinstance(raw, str) and not raw.strip()):
                add(
                    "error",
                    sheet.where(r, value_col),
                    "có giá trị nhưng không có mã chỉ tiêu ở cột Mã chỉ tiêu",
                )
            continue
        status = sheet.value(r, status_col) if status_col is not None else None
        _take_value(
            sub,
            catalogue,
            code,
            raw,
            status,
            sheet.where(r, value_col),
            sheet.where(r, status_col) if status_col is not None else None,
            seen,
            add,
        )
    _report_missing(sub, catalogue, Location(sheet.file, sheet.name), seen, add)


def _take_value(
    sub: Submission,
    catalogue: Catalogue,
    code: str,
    raw: Any,
    status: Any,
    where: Location,
    status_where: Location | None,
    seen: dict[str, tuple[float, str]],
    add: Adder,
) -> None:
    if code not in catalogue:
        if raw is not None:
            add("error", where, f'mã chỉ tiêu "{code}" không có trong danh mục chỉ tiêu; kiểm tra lại mã')
        return
    indicator = catalogue.get(code)
    if not indicator.submitted:
        if raw is not None:
            add("warning", where, f"{code} ({indicator.name}) được tính tự động; giá trị nhập bị bỏ qua")
        return
    label = f'chỉ tiêu {code} "{indicator.name}"'
    try:
        value, note = parse_number(raw)
    except CellValueError as exc:
        add("error", where, f"{label}: {exc}")
        return
    if value is None:
        return
    if note:
        add("warning", where, f"{label}: {note}")
    if value < 0:
        add("error", where, f"{label}: giá trị âm ({raw}); cần một số không âm")
        return
    if code in seen:
        previous, previous_cell = seen[code]
        if previous != value:
            add(
                "error",
                where,
                f"{label} đã có ở ô {previous_cell} với giá trị khác ({previous:g}); chỉ giữ một dòng",
            )
        else:
            add("warning", where, f"{label} bị nhập lặp lại (đã có ở ô {previous_cell})")
        return
    seen[code] = (value, where.cell or (f"dòng {where.row}" if where.row else ""))
    estimate = parse_status(status)
    if estimate is None:
        add(
            "warning",
            status_where or where,
            f'{label}: tình trạng "{cell_text(status)}" không rõ; cần "{L.STATUS_ACTUAL}" hoặc "{L.STATUS_ESTIMATE}", '
            "tạm coi là số ước",
        )
        estimate = True
    sub.values[code] = value
    if estimate:
        sub.estimates.add(code)


def _report_missing(
    sub: Submission, catalogue: Catalogue, where: Location, seen: dict[str, Any], add: Adder
) -> None:
    missing = [i.code for i in catalogue.submitted if i.code not in seen]
    if missing:
        shown = ", ".join(missing[:12]) + (
            f" và {len(missing) - 12} chỉ tiêu khác" if len(missing) > 12 else ""
        )
        add("warning", where, f"chưa có số liệu {len(missing)} chỉ tiêu: {shown}")


def _read_notes(sheet: _Sheet, sub: Submission, catalogue: Catalogue, add: Adder) -> None:
    try:
        header_row, cols = _header(sheet, (L.COL_TEXT,), (L.COL_SECTION, L.COL_FIELD))
    except SubmissionError:
        add(
            "warning",
            Location(sheet.file, sheet.name),
            f'không tìm thấy cột "{L.COL_TEXT}"; bỏ qua phần ghi chú',
        )
        return
    sections = {fold(label): key for key, label in L.NOTE_SECTIONS.items()}
    fields = {fold(f.name): f.code for f in catalogue.fields} | {
        fold(f.code): f.code for f in catalogue.fields
    }
    current = None
    for r in range(header_row + 1, len(sheet.rows)):
        text = clean_text(cell_text(sheet.value(r, cols[L.COL_TEXT])))
        section_raw = cell_text(sheet.value(r, cols[L.COL_SECTION])) if L.COL_SECTION in cols else ""
        if section_raw:
            current = _match_section(fold(section_raw), sections)
            if current is None and text:
                add(
                    "warning",
                    sheet.where(r, cols[L.COL_SECTION]),
                    f'mục "{section_raw}" không rõ; cần một trong: {", ".join(L.NOTE_SECTIONS.values())}',
                )
        if not text or current is None:
            continue
        if len(text) > MAX_NOTE_CHARS:
            add(
                "warning",
                sheet.where(r, cols[L.COL_TEXT]),
                f"nội dung dài {len(text)} ký tự; chỉ lấy {MAX_NOTE_CHARS} ký tự đầu",
            )
            text = text[:MAX_NOTE_CHARS].rstrip() + "…"
        field_raw = cell_text(sheet.value(r, cols[L.COL_FIELD])) if L.COL_FIELD in cols else ""
        field_code = fields.get(fold(field_raw)) if field_raw else None
        if field_raw and field_code is None:
            add(
                "warning",
                sheet.where(r, cols[L.COL_FIELD]),
                f'lĩnh vực "{field_raw}" không có trong danh mục; để trống',
            )
        sub.notes.append(Note(section=current, text=text, field=field_code))


def _match_section(folded: str, sections: dict[str, L.NoteSection]) -> L.NoteSection | None:
    for label, key in sections.items():
        if folded == label or folded.startswith(label.split()[0] + " " + label.split()[1]):
            return key
    return None


def clean_text(text: str) -> str:
    """Text without control characters that XML (and so DOCX) cannot hold; whitespace collapsed."""
    kept = "".join(ch for ch in text if ch in "\t\n" or unicodedata.category(ch) not in ("Cc", "Cs", "Co"))
    return " ".join(kept.split())


# --- CSV -------------------------------------------------------------------------------------------------


def _decode(path: Path) -> str:
    """The CSV's text in NFC (Windows-1258 writes Vietnamese tone marks as combining characters)."""
    return unicodedata.normalize("NFC", _decode_bytes(path))


def _decode_bytes(path: Path) -> str:
    data = path.read_bytes()
    if not data.strip():
        raise SubmissionError("tệp rỗng; cần dòng tiêu đề unit,period,indicator,value", Location(path.name))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1258")
        except UnicodeDecodeError as exc:
            raise SubmissionError(
                "không đọc được bảng mã của tệp; hãy lưu dạng CSV UTF-8", Location(path.name)
            ) from exc


def _read_csv(
    path: Path, catalogue: Catalogue, units: Collection[str], expected: Expected
) -> list[Submission]:
    text = _decode(path)
    first = text.splitlines()[0] if text else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [fold(h) for h in next(reader, [])]
    missing = [c for c in L.CSV_COLUMNS if c not in header]
    if missing:
        raise SubmissionError(
            f"dòng tiêu đề thiếu cột {', '.join(missing)}; cần: {','.join(L.CSV_COLUMNS)}[,status]",
            Location(path.name, row=1),
        )
    col = {name: header.index(name) for name in (*L.CSV_COLUMNS, *L.CSV_OPTIONAL) if name in header}
    groups: dict[tuple[str, str], Submission] = {}
    seen: dict[tuple[str, str], dict[str, tuple[float, str]]] = {}
    file_level = Submission(path=path, unit=expected.unit, period=expected.period)
    for line_no, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {name: (row[i].strip() if i < len(row) else "") for name, i in col.items()}
        where = Location(path.name, row=line_no)
        unit, period_text = cells["unit"], cells["period"]
        target = _csv_target(path, unit, period_text, units, expected, groups, file_level, where)
        if target is None:
            continue
        key = (target.unit or "", target.period or "")
        _take_value(
            target,
            catalogue,
            cells["indicator"].upper(),
            cells["value"] or None,
            cells.get("status"),
            where,
            where,
            seen.setdefault(key, {}),
            _adder(target),
        )
    for key, sub in groups.items():
        _report_missing(sub, catalogue, Location(path.name), seen.get(key, {}), _adder(sub))
    out = list(groups.values())
    if not out and not file_level.findings:
        file_level.findings.append(Finding("error", Location(path.name), "tệp không có dòng số liệu nào"))
    if file_level.findings or any(s.errors for s in out):
        # A file is one submission: an error on any line sets aside every unit it carries.
        for sub in out:
            if not sub.errors:
                sub.findings.append(
                    Finding(
                        "error",
                        Location(path.name),
                        "tệp có dòng lỗi (xem các lỗi khác); chưa tổng hợp số liệu của tệp này",
                    )
                )
        if file_level.findings:
            out.append(file_level)
    return out


def _csv_target(
    path: Path,
    unit: str,
    period_text: str,
    units: Collection[str],
    expected: Expected,
    groups: dict[tuple[str, str], Submission],
    file_level: Submission,
    where: Location,
) -> Submission | None:
    def fail(message: str) -> None:
        file_level.findings.append(Finding("error", where, message))

    if unit not in units:
        fail(f'đơn vị "{unit}" không có trong danh sách đơn vị báo cáo')
        return None
    if expected.unit and unit != expected.unit:
        fail(f'đơn vị "{unit}" khác với tên tệp ({expected.unit})')
        return None
    try:
        period = Period.parse(period_text)
    except PeriodError:
        fail(f'kỳ "{period_text}" không hợp lệ; cần dạng 2024-Q2')
        return None
    if period.kind != "quarter" or (expected.period and period.code != expected.period):
        fail(f"kỳ {period_text} phải là quý {expected.period or ''} của thư mục chứa tệp".replace("  ", " "))
        return None
    key = (unit, period.code)
    if key not in groups:
        groups[key] = Submission(path=path, unit=unit, period=period.code)
    return groups[key]


def iter_submission_files(folder: Path) -> Iterable[Path]:
    """Submission files in a folder, skipping Excel lock files, hidden and partial files."""
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith(("~$", "."))
    )
