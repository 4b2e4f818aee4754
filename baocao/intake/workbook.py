"""Reading a unit's Excel workbook: sheets, labels and columns found by name, every cell checked.

The package is inspected before it is parsed (size, zip bomb, sheet size, macros), so a hostile file costs
little and says what is wrong with it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook, SheetVisibleEnum

from baocao.catalogue import Catalogue
from baocao.errors import Location, PeriodError, SubmissionError
from baocao.intake import layout as L
from baocao.intake.cells import cell_ref, cell_text, fold
from baocao.intake.checks import MAX_NOTE_CHARS, Adder, adder, clean_text, report_missing, take_value
from baocao.intake.model import Expected, Note, Submission, SubmissionDraft
from baocao.intake.package import Package, inspect_package
from baocao.periods import Period

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"


def open_workbook(path: Path, scanned: str = L.SHEET_DATA) -> tuple[CalamineWorkbook, Package]:
    """The workbook and what inspecting its package found (``scanned``: the sheet whose formulas are checked);
    a file that is not a readable .xlsx raises SubmissionError saying why."""
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
    package = inspect_package(path, scan=lambda name: fold(name) == fold(scanned))
    try:
        return CalamineWorkbook.from_path(str(path)), package
    except Exception as exc:  # calamine raises several unrelated types for damaged files
        raise SubmissionError(f"không mở được tệp Excel (tệp hỏng hoặc không đầy đủ: {exc})", where) from exc


class Sheet:
    """A sheet's cells with Excel references for messages."""

    def __init__(self, workbook: CalamineWorkbook, name: str, file: str) -> None:
        self.name, self.file = name, file
        try:
            sheet = workbook.get_sheet_by_name(name)
            self.rows: list[list[Any]] = [list(r) for r in sheet.to_python(skip_empty_area=False)]
        except Exception as exc:  # calamine parses a sheet lazily and raises its own error types
            raise SubmissionError(
                f"trang bị hỏng, không đọc được ({type(exc).__name__}: {exc})", Location(file, name)
            ) from exc
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


def find_sheet(workbook: CalamineWorkbook, wanted: str, add: Adder, file: str) -> str | None:
    """The sheet named like ``wanted``: the first visible one, since a hidden look-alike is not what the unit
    saw and checked; a warning when two sheets could be meant."""
    target = fold(wanted)
    candidates = [m for m in workbook.sheets_metadata if fold(m.name) == target]
    if not candidates:
        return None
    visible = [m for m in candidates if m.visible == SheetVisibleEnum.Visible]
    chosen = str((visible or candidates)[0].name)
    if len(candidates) > 1:
        names = ", ".join(
            f'"{m.name}"' + ("" if m.visible == SheetVisibleEnum.Visible else " (ẩn)") for m in candidates
        )
        add(
            "warning",
            Location(file, chosen),
            f'tệp có {len(candidates)} trang giống tên "{wanted}" ({names}); chỉ đọc trang "{chosen}"'
            + ("" if visible else " (mọi trang đều ẩn)")
            + ", hãy xóa trang thừa",
        )
    return chosen


def read_workbook(path: Path, catalogue: Catalogue, units: Collection[str], expected: Expected) -> Submission:
    workbook, package = open_workbook(path)
    sub = SubmissionDraft(path=path, unit=expected.unit, period=expected.period)
    add = adder(sub)
    if package.has_macros or path.suffix.lower() == ".xlsm":
        add("warning", Location(path.name), "tệp có macro; macro không được chạy, chỉ đọc số liệu")
    data_name = find_sheet(workbook, L.SHEET_DATA, add, path.name)
    if data_name is None:
        found = ", ".join(f'"{n}"' for n in workbook.sheet_names) or "không có trang nào"
        raise SubmissionError(
            f'không có trang "{L.SHEET_DATA}" (tệp có: {found}); hãy dùng mẫu báo cáo', Location(path.name)
        )
    info_name = find_sheet(workbook, L.SHEET_INFO, add, path.name)
    if info_name is None:
        add(
            "warning",
            Location(path.name),
            f'không có trang "{L.SHEET_INFO}"; đơn vị và kỳ lấy theo tên tệp và thư mục',
        )
    else:
        _read_info(Sheet(workbook, info_name, path.name), sub, units, expected, add)
    blanks = package.formulas_without_value.get(data_name, set())
    _read_data(Sheet(workbook, data_name, path.name), sub, catalogue, add, blanks)
    notes_name = find_sheet(workbook, L.SHEET_NOTES, add, path.name)
    if notes_name is not None:
        _read_notes(Sheet(workbook, notes_name, path.name), sub, catalogue, add)
    if sub.unit is None:
        add(
            "error",
            Location(path.name),
            "không xác định được đơn vị báo cáo (mã đơn vị trống hoặc không có trong danh sách)",
        )
    if sub.period is None:
        add("error", Location(path.name), "không xác định được kỳ báo cáo (cần dạng 2024-Q2)")
    return sub.freeze()


def info_cells(sheet: Sheet, names: Collection[str]) -> dict[str, tuple[int, int]]:
    """Where each label of an information sheet's values is (row, the column right of the label), matched
    leniently (case, diacritics, punctuation), among the first 40 rows and 4 columns."""
    labels = {fold(label): label for label in names}
    found: dict[str, tuple[int, int]] = {}
    for r, row in enumerate(sheet.rows[:40]):
        for c, raw in enumerate(row[:4]):
            key = fold(cell_text(raw)) if isinstance(raw, str) else ""
            if key in labels and labels[key] not in found:
                found[labels[key]] = (r, c + 1)
    return found


def _read_info(
    sheet: Sheet, sub: SubmissionDraft, units: Collection[str], expected: Expected, add: Adder
) -> None:
    found = info_cells(sheet, L.INFO_LABELS)
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
        sub.person = clean_text(cell_text(sheet.value(*found[L.INFO_PERSON]))) or None
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


def find_header(
    sheet: Sheet, required: Sequence[str], optional: Sequence[str] = ()
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


def _read_data(
    sheet: Sheet, sub: SubmissionDraft, catalogue: Catalogue, add: Adder, blanks: set[str]
) -> None:
    header_row, cols = find_header(sheet, (L.COL_CODE, L.COL_VALUE), (L.COL_STATUS, L.COL_NAME))
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
        if raw is None and sheet.where(r, value_col).cell in blanks:
            add(
                "error",
                sheet.where(r, value_col),
                f"chỉ tiêu {code}: ô có công thức nhưng chưa có kết quả tính (tệp được lưu bằng chương trình "
                "không tính công thức); hãy mở tệp bằng Excel và lưu lại, hoặc gõ trực tiếp con số vào ô",
            )
            continue
        status = sheet.value(r, status_col) if status_col is not None else None
        take_value(
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
    report_missing(sub, catalogue, Location(sheet.file, sheet.name), seen, add)


def _read_notes(sheet: Sheet, sub: SubmissionDraft, catalogue: Catalogue, add: Adder) -> None:
    try:
        header_row, cols = find_header(sheet, (L.COL_TEXT,), (L.COL_SECTION, L.COL_FIELD))
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
        typed = cell_text(sheet.value(r, cols[L.COL_TEXT]), keep_bidi=True)  # so that stripping is said
        text = clean_text(typed)
        if text != " ".join(typed.split()):
            add(
                "warning",
                sheet.where(r, cols[L.COL_TEXT]),
                "đã bỏ các ký tự điều khiển không in được trong nội dung",
            )
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
