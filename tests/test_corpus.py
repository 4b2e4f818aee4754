"""The bad-input corpus: files as units' computers produce them, each answered clearly, none fatal.

Every case starts from a real submission (or writes a real file), breaks it one way, reads it as `baocao`
does, and checks the outcome: set aside with a Vietnamese message naming the file (and sheet and cell where
there is one), or accepted with the right value and, where due, a warning. Each read is bounded in time.
"""

from __future__ import annotations

import re
import shutil
import time
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from baocao.catalogue import Catalogue
from baocao.intake import collect, read_file_safely
from baocao.intake.read import expected_from_path
from baocao.periods import Period
from baocao.province import Province
from tests.support import DATA_SHEET, cell_of, openpyxl_figures, set_cell

SOURCE = Path(__file__).resolve().parents[1] / "inputs" / "lao-cai" / "submissions" / "2024-Q2" / "SAPA.xlsx"
QUARTER = "2024-Q2"


@dataclass(frozen=True)
class Case:
    """One kind of bad input: how to make it, and what must come out."""

    name: str
    make: Callable[[Path], Path]
    accepted: bool
    says: tuple[str, ...] = ()
    check: Callable[[object], None] | None = None


def copy(folder: Path, name: str = "SAPA.xlsx") -> Path:
    target = folder / QUARTER / name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(SOURCE, target)
    return target


def with_cell(code: str, value: object, column: str = "E") -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = copy(folder)
        set_cell(path, DATA_SHEET, cell_of(path, code, column), value)
        return path

    return make


def raw(content: bytes, name: str = "SAPA.xlsx") -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / QUARTER / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        return path

    return make


def patched_sheet(
    transform: Callable[[bytes], bytes], extra: dict[str, bytes] | None = None, name: str = "SAPA.xlsx"
) -> Callable[[Path], Path]:
    """Rewrite the data sheet's XML (and add parts) inside the zip, as other spreadsheet programs write."""

    def make(folder: Path) -> Path:
        path = folder / QUARTER / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(SOURCE) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
            for item in source.infolist():
                data = source.read(item.filename)
                if item.filename == "xl/worksheets/sheet2.xml":
                    data = transform(data)
                target.writestr(item, data)
            for member, data in (extra or {}).items():
                target.writestr(member, data)
        return path

    return make


def formula_in_bc01(cached: bool) -> Callable[[bytes], bytes]:
    def transform(xml: bytes) -> bytes:
        ref = cell_of(SOURCE, "BC01").encode()
        pattern = re.compile(rb'<c r="' + ref + rb'"([^>]*)><v>([^<]*)</v></c>')
        value = rb"<v>\2</v>" if cached else b""
        return pattern.sub(rb'<c r="' + ref + rb'"\1><f>10+13</f>' + value + b"</c>", xml, count=1)

    return transform


def value_of_bc01(stored: bytes) -> Callable[[bytes], bytes]:
    """Replace BC01's stored value in the XML by ``stored`` (what a foreign writer may put there)."""

    def transform(xml: bytes) -> bytes:
        ref = cell_of(SOURCE, "BC01").encode()
        pattern = re.compile(rb'<c r="' + ref + rb'"([^>]*)><v>[^<]*</v></c>')
        return pattern.sub(rb'<c r="' + ref + rb'"\1><v>' + stored + b"</v></c>", xml, count=1)

    return transform


def formula_in_bc01_empty_v(xml: bytes) -> bytes:
    """BC01 as openpyxl saves a formula: <f>..</f><v></v>."""
    ref = cell_of(SOURCE, "BC01").encode()
    pattern = re.compile(rb'<c r="' + ref + rb'"([^>]*)><v>([^<]*)</v></c>')
    return pattern.sub(rb'<c r="' + ref + rb'"\1><f>10+13</f><v></v></c>', xml, count=1)


def formula_in_bc01_empty_text(xml: bytes) -> bytes:
    """BC01 as Excel saves a formula whose result is empty text: t="str", <v></v>."""
    ref = cell_of(SOURCE, "BC01").encode()
    pattern = re.compile(rb'<c r="' + ref + rb'"[^>]*><v>([^<]*)</v></c>')
    return pattern.sub(rb'<c r="' + ref + rb'" t="str"><f>IF(1,"",1)</f><v></v></c>', xml, count=1)


def with_workbook(change: Callable[[object], None], name: str = "SAPA.xlsx") -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = copy(folder, name)
        wb = load_workbook(path)
        change(wb)
        wb.save(path)
        return path

    return make


def csv(text: str, encoding: str = "utf-8", name: str = "SAPA.csv") -> Callable[[Path], Path]:
    from tests.test_intake import cp1258_bytes

    data = cp1258_bytes(text) if encoding == "cp1258" else text.encode(encoding)
    return raw(data, name)


def zip_bomb(folder: Path) -> Path:
    path = folder / QUARTER / "SAPA.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(150):
                member.write(chunk)
    return path


def huge_file(folder: Path) -> Path:
    path = copy(folder)
    with path.open("r+b") as handle:
        handle.truncate(25 * 1024 * 1024)  # sparse: no real disk use
    return path


def symlink(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    secret = folder / "outside.csv"
    secret.write_text("unit,period,indicator,value\nSAPA,2024-Q2,BC01,1\n", encoding="utf-8")
    link = folder / QUARTER / "SAPA.csv"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(secret)
    return link


def long_note(folder: Path) -> Path:
    def change(wb: object) -> None:
        ws = wb["Ghi chú"]  # type: ignore[index]
        ws.cell(row=4, column=3, value="Khó khăn. " * 10_000)

    return with_workbook(change)(folder)


def hostile_notes(folder: Path) -> Path:
    def change(wb: object) -> None:
        ws = wb["Ghi chú"]  # type: ignore[index]
        ws.cell(row=4, column=3, value="{{ 7*7 }} {% for x in y %} <b> & ]]> =1+1 @SUM(A1) -2 +3")
        ws.cell(row=5, column=1, value="Kết quả nổi bật")
        # Excel writes control characters as _xHHHH_ escapes; readers turn them back into the characters.
        ws.cell(row=5, column=3, value="Chuông_x0007_ và_x000B_ ký tự lạ")

    return with_workbook(change)(folder)


def nfd_names(folder: Path) -> Path:
    def change(wb: object) -> None:
        for ws in wb.worksheets:  # type: ignore[attr-defined]
            ws.title = unicodedata.normalize("NFD", ws.title)
        data = wb.worksheets[1]  # type: ignore[attr-defined]
        for cell in data[4]:
            if isinstance(cell.value, str):
                cell.value = unicodedata.normalize("NFD", cell.value)

    return with_workbook(change)(folder)


def stray_spaces(folder: Path) -> Path:
    def change(wb: object) -> None:
        ws = wb[DATA_SHEET]  # type: ignore[index]
        ws.protection.sheet = False
        for row in ws.iter_rows(min_row=4, max_row=7):
            if isinstance(row[1].value, str):
                row[1].value = f"  {row[1].value} "

    return with_workbook(change)(folder)


def reordered(folder: Path) -> Path:
    def change(wb: object) -> None:
        ws = wb[DATA_SHEET]  # type: ignore[index]
        rows = [[c.value for c in row] for row in ws.iter_rows(min_row=6, max_row=9)]
        for offset, values in enumerate(reversed(rows)):
            for col, value in enumerate(values, start=1):
                ws.cell(row=6 + offset, column=col, value=value)

    return with_workbook(change)(folder)


def merged(folder: Path) -> Path:
    def change(wb: object) -> None:
        ws = wb[DATA_SHEET]  # type: ignore[index]
        ws.merge_cells("C6:D6")

    return with_workbook(change)(folder)


def hidden_rows(folder: Path) -> Path:
    def change(wb: object) -> None:
        ws = wb[DATA_SHEET]  # type: ignore[index]
        ws.row_dimensions[6].hidden = True
        ws.row_dimensions[7].hidden = True

    return with_workbook(change)(folder)


def extra_sheets(folder: Path) -> Path:
    def change(wb: object) -> None:
        wb.create_sheet("Nháp").append(["BC01", 999])  # type: ignore[attr-defined]
        wb.create_sheet("Sheet2")  # type: ignore[attr-defined]

    return with_workbook(change)(folder)


def look_alike_sheet(hidden: bool) -> Callable[[Path], Path]:
    """A second sheet named like the data sheet ("So lieu"), placed first, with other figures."""

    def change(wb: object) -> None:
        twin = wb.copy_worksheet(wb[DATA_SHEET])  # type: ignore[attr-defined,index]
        twin.title = "So lieu"
        for row in twin.iter_rows(min_row=5):
            if row[1].value == "BC01":
                row[4].value = 999
        wb.move_sheet(twin, offset=-(len(wb.sheetnames) - 1))  # type: ignore[attr-defined]
        if hidden:
            twin.sheet_state = "hidden"

    return with_workbook(change)


def rows_with_text(count: int) -> Callable[[Path], Path]:
    def change(wb: object) -> None:
        ws = wb[DATA_SHEET]  # type: ignore[index]
        for r in range(53, 53 + count):
            ws.cell(row=r, column=8, value="x")

    return with_workbook(change)


def blank_formatted_rows(folder: Path) -> Path:
    from openpyxl.styles import Border, PatternFill, Side

    def change(wb: object) -> None:
        ws = wb[DATA_SHEET]  # type: ignore[index]
        fill, border = PatternFill("solid", fgColor="FFFF00"), Border(bottom=Side(style="thin"))
        for r in range(53, 10_053):
            for c in (1, 5):
                cell = ws.cell(row=r, column=c)
                cell.fill, cell.border = fill, border

    return with_workbook(change)(folder)


BIDI = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def bidi_note(folder: Path) -> Path:
    def change(wb: object) -> None:
        ws = wb["Ghi chú"]  # type: ignore[index]
        ws.cell(row=4, column=3, value="Mất sóng ở \u202e3 thôn\u202c vùng cao" + BIDI)

    return with_workbook(change)(folder)


def bidi_person(folder: Path) -> Path:
    path = copy(folder)
    set_cell(path, "Thông tin", "B7", "\u202bLý Seo\u202c Chứ\u200f")
    return path


def no_bidi_anywhere(expected_note: str) -> Callable[[object], None]:
    def check(sub: object) -> None:
        texts = [n.text for n in sub.notes] + [sub.person or ""]  # type: ignore[attr-defined]
        texts += [str(f) for f in sub.findings]  # type: ignore[attr-defined]
        assert not any(ch in BIDI for t in texts for ch in t), texts
        if expected_note:
            assert any(expected_note in n.text for n in sub.notes)  # type: ignore[attr-defined]
        else:
            assert sub.person == "Lý Seo Chứ"  # type: ignore[attr-defined]

    return check


def info(label_row: int, value: object) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = copy(folder)
        set_cell(path, "Thông tin", f"B{label_row}", value)
        return path

    return make


def accepted_value(code: str, value: float) -> Callable[[object], None]:
    def check(sub: object) -> None:
        assert sub.values[code] == pytest.approx(value)  # type: ignore[attr-defined]

    return check


def unchanged_values(sub: object) -> None:
    assert sub.values == {c: v for c, (v, _) in openpyxl_figures(SOURCE).items()}  # type: ignore[attr-defined]


def note_kept(expected: str) -> Callable[[object], None]:
    def check(sub: object) -> None:
        assert any(expected in n.text for n in sub.notes)  # type: ignore[attr-defined]

    return check


CASES = [
    # --- files ---
    Case("empty file", raw(b""), False, ("rỗng",)),
    Case("text renamed .xlsx", raw(b"Bao cao quy 2\nso lieu 123\n"), False, ("không phải tệp Excel",)),
    Case(
        "html renamed .xlsx",
        raw(b"<html><body><table><tr><td>1</td></tr></table></body></html>"),
        False,
        ("không phải tệp Excel",),
    ),
    Case(
        "truncated workbook",
        lambda f: raw(SOURCE.read_bytes()[: SOURCE.stat().st_size // 2])(f),
        False,
        ("hỏng",),
    ),
    Case("random bytes behind a zip header", raw(b"PK\x03\x04" + bytes(range(256)) * 40), False, ("hỏng",)),
    Case("random bytes", raw(bytes((i * 37) % 256 for i in range(5000))), False, ("không phải tệp Excel",)),
    Case(
        "old .xls (OLE2)",
        raw(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4000, "SAPA.xlsx"),
        False,
        (".xls", "lưu lại dạng Excel Workbook"),
    ),
    Case(
        "password-protected workbook (OLE2 container)",
        raw(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"EncryptedPackage" * 200),
        False,
        ("mật khẩu",),
    ),
    Case("zip bomb", zip_bomb, False, ("zip bomb",)),
    Case(
        "a sheet claiming a million rows (only its real rows count)",
        patched_sheet(lambda x: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:H1000000"', x)),
        True,
        check=unchanged_values,
    ),
    Case(
        "6,000 rows that hold something", rows_with_text(6000), False, ("6.051 dòng có dữ liệu", '"Số liệu"')
    ),
    Case("10,000 blank formatted rows after the data", blank_formatted_rows, True, check=unchanged_values),
    Case(
        "macro-enabled workbook",
        patched_sheet(lambda x: x, {"xl/vbaProject.bin": b"\0" * 64}, "SAPA.xlsm"),
        True,
        ("macro",),
        unchanged_values,
    ),
    Case("a 25 MB file", huge_file, False, ("quá lớn",)),
    Case("symlink in the inbox", symlink, False, ("liên kết",)),
    Case("an OpenDocument file", raw(b"PK\x03\x04....", "SAPA.ods"), False, ("không nhận loại tệp .ods",)),
    # --- CSV ---
    Case(
        "CSV in UTF-16",
        csv("unit,period,indicator,value\nSAPA,2024-Q2,BC01,23\n", "utf-16"),
        True,
        check=accepted_value("BC01", 23),
    ),
    Case(
        "CSV with a BOM",
        csv("unit,period,indicator,value\nSAPA,2024-Q2,BC01,23\n", "utf-8-sig"),
        True,
        check=accepted_value("BC01", 23),
    ),
    Case(
        "CSV in Windows-1258",
        csv('unit,period,indicator,value,status\nSAPA,2024-Q2,BC03,"2,5",ước\n', "cp1258"),
        True,
        check=accepted_value("BC03", 2.5),
    ),
    Case(
        "CSV with ; separators",
        csv("unit;period;indicator;value\nSAPA;2024-Q2;BC03;2,5\n"),
        True,
        check=accepted_value("BC03", 2.5),
    ),
    Case("CSV without its header", csv("SAPA,2024-Q2,BC01,23\n"), False, ("thiếu cột", "dòng 1")),
    Case(
        "CSV of 60,000 lines",
        csv("unit,period,indicator,value\n" + "SAPA,2024-Q2,BC01,1\n" * 60_000),
        False,
        ("dòng",),
    ),
    Case("CSV with only blank lines", csv("\n\n\n"), False, ("rỗng",)),
    # --- cells ---
    Case(
        "text in a number cell", with_cell("BC03", "hai trăm"), False, ('"hai trăm" không phải là số', "ô E")
    ),
    Case("1.234,5 (Vietnamese)", with_cell("BC04", "1.234,5"), True, check=accepted_value("BC04", 1234.5)),
    Case("1,234.5 (English)", with_cell("BC04", "1,234.5"), True, check=accepted_value("BC04", 1234.5)),
    Case("12%", with_cell("BC04", "12%"), False, ("%",)),
    Case("1 234 with a space", with_cell("BC04", "1 234"), True, check=accepted_value("BC04", 1234)),
    Case(
        "1 234 with a no-break space",
        with_cell("BC04", "1\u00a0234"),
        True,
        check=accepted_value("BC04", 1234),
    ),
    Case("a negative number", with_cell("BC04", -5), False, ("giá trị âm",)),
    Case("(5) as a negative", with_cell("BC04", "(5)"), False, ("giá trị âm",)),
    Case(
        "1e300 in a number cell",
        with_cell("BC04", 1e300),
        False,
        ("BC04", "ô E", "1e+300 nằm ngoài khoảng hợp lý", "0 – 1.000.000 nghìn bưu gửi"),
    ),
    Case(
        "1E+300 as Excel stores it",
        patched_sheet(value_of_bc01(b"1E+300")),
        False,
        ("BC01", "nằm ngoài khoảng hợp lý", "điểm"),
    ),
    Case(
        "a revenue just above its range",
        with_cell("BC03", 100_001),
        False,
        ("BC03", "100.001 nằm ngoài khoảng hợp lý", "100.000 tỷ đồng"),
    ),
    Case(
        "a large but plausible figure",
        with_cell("VT02", 9_999_999),
        True,
        check=accepted_value("VT02", 9_999_999),
    ),
    Case("400 digits as text", with_cell("BC04", "9" * 400), False, ("số quá lớn",)),
    Case("inf stored in the XML", patched_sheet(value_of_bc01(b"inf")), False, ("BC01",)),
    Case("NaN stored in the XML", patched_sheet(value_of_bc01(b"NaN")), False, ("BC01",)),
    Case(
        "1e300 in a CSV",
        csv("unit,period,indicator,value\nSAPA,2024-Q2,BC01,1e300\n"),
        False,
        ('"1e300" không phải là số', "dòng 2"),
    ),
    Case(
        "a 400-digit CSV value",
        csv("unit,period,indicator,value\nSAPA,2024-Q2,BC01," + "9" * 400 + "\n"),
        False,
        ("số quá lớn", "dòng 2"),
    ),
    Case("NaN", with_cell("BC04", "NaN"), False, ("không phải là số",)),
    Case("infinity", with_cell("BC04", "inf"), False, ("không phải là số",)),
    Case("a date in a number cell", with_cell("BC04", datetime(2024, 6, 30)), False, ("ngày tháng",)),
    Case("a boolean in a number cell", with_cell("BC04", True), False, ("đúng/sai",)),
    Case(
        "a formula with its stored result",
        patched_sheet(formula_in_bc01(cached=True)),
        True,
        check=lambda sub: None,
    ),
    Case(
        "a formula without a stored result",
        patched_sheet(formula_in_bc01(cached=False)),
        False,
        ("công thức nhưng chưa có kết quả", "BC01"),
    ),
    Case(
        "a formula saved by openpyxl (<v></v>: no computed value)",
        patched_sheet(formula_in_bc01_empty_v),
        False,
        ("ô E", "BC01", "công thức nhưng chưa có kết quả tính", "gõ trực tiếp con số"),
    ),
    Case(
        "a formula typed with openpyxl and saved without Excel",
        with_cell("BC04", "=100+6.1"),
        False,
        ("BC04", "công thức nhưng chưa có kết quả tính", "mở tệp bằng Excel và lưu lại"),
    ),
    Case(
        "a text formula whose computed result is empty",
        patched_sheet(formula_in_bc01_empty_text),
        True,
        ("chưa có số liệu 1 chỉ tiêu: BC01",),
    ),
    Case("merged cells", merged, True, check=unchanged_values),
    Case("hidden rows", hidden_rows, True, check=unchanged_values),
    Case("the same indicator twice, two values", with_cell("BC04", "BC03", "B"), False, ("giá trị khác",)),
    Case("a missing indicator", with_cell("BC04", None), True, ("chưa có số liệu 1 chỉ tiêu: BC04",)),
    Case("an unknown indicator", with_cell("BC04", "ZZ99", "B"), False, ('"ZZ99"', "danh mục")),
    Case("reordered rows", reordered, True, check=unchanged_values),
    Case("extra sheets", extra_sheets, True, check=unchanged_values),
    Case(
        "a hidden look-alike data sheet before the visible one",
        look_alike_sheet(hidden=True),
        True,
        ('2 trang giống tên "Số liệu"', "(ẩn)", 'chỉ đọc trang "Số liệu"'),
        unchanged_values,
    ),
    Case(
        "two visible look-alike data sheets",
        look_alike_sheet(hidden=False),
        True,
        ('2 trang giống tên "Số liệu"', "hãy xóa trang thừa"),
    ),
    Case("unit in the sheet contradicts the file", info(4, "BACHA"), False, ("khác với tên tệp", "ô B4")),
    Case(
        "period in the sheet contradicts the folder", info(6, "2024-Q3"), False, ("khác với thư mục", "ô B6")
    ),
    Case("a unit not in the configuration", info(4, "HANOI"), False, ("không có trong danh sách",)),
    Case("names in decomposed (NFD) form", nfd_names, True, check=unchanged_values),
    Case("stray spaces around codes", stray_spaces, True, check=unchanged_values),
    # --- text ---
    Case("a note of 100,000 characters", long_note, True, ("chỉ lấy 4000 ký tự",)),
    Case(
        "template syntax, markup and formula-like text in notes",
        hostile_notes,
        True,
        ("ký tự điều khiển",),
        note_kept("{{ 7*7 }} {% for x in y %} <b> & ]]> =1+1 @SUM(A1) -2 +3"),
    ),
    Case("../ in the unit code", info(4, "../../etc/passwd"), False, ("không có trong danh sách",)),
    Case(
        "U+202E and other bidirectional controls in a note",
        bidi_note,
        True,
        ("ký tự điều khiển",),
        no_bidi_anywhere("Mất sóng ở 3 thôn vùng cao"),
    ),
    Case("bidirectional controls in the preparer's name", bidi_person, True, check=no_bidi_anywhere("")),
    Case(
        "a bidirectional control inside a number",
        with_cell("BC04", "1\u202e234"),
        False,
        ("ký tự điều khiển hướng chữ", "gõ lại số", "ô E"),
    ),
    Case(
        "bidirectional controls around a code and a unit in a CSV",
        csv("unit,period,indicator,value\n\u2066SAPA\u2069,2024-Q2,\u200fBC01\u200e,23\n"),
        True,
        check=accepted_value("BC01", 23),
    ),
    Case(
        "U+202E in the file name",
        lambda f: copy(f, "SAPA\u202exslx.xlsx"),
        True,
        check=unchanged_values,
    ),
    # --- names ---
    Case("a file named ..SAPA.xlsx", lambda f: copy(f, "..SAPA.xlsx"), True, check=unchanged_values),
    Case("a file named .SAPA.xlsx", lambda f: copy(f, ".SAPA.xlsx"), True, check=unchanged_values),
    Case("a file without an extension", lambda f: copy(f, "SAPA"), False, ("không nhận loại tệp",)),
    Case(
        "an absolute path as a CSV unit",
        csv("unit,period,indicator,value\n/etc/passwd,2024-Q2,BC01,1\n", name="tonghop.csv"),
        False,
        ("/etc/passwd",),
    ),
]


def test_the_corpus_has_at_least_seventy_kinds() -> None:
    assert len(CASES) >= 70 and len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case: Case, tmp_path: Path, catalogue: Catalogue, province: Province) -> None:
    path = case.make(tmp_path)
    units = set(province.unit_codes)
    start = time.perf_counter()
    subs = read_file_safely(path, catalogue, units, expected_from_path(path, units), QUARTER)
    assert time.perf_counter() - start < 10, "every reader is bounded in time"
    findings = [str(f) for sub in subs for f in sub.findings]
    assert all(f"tệp {path.name}" in f for f in findings), findings
    if case.accepted:
        [sub] = subs
        assert sub.accepted, findings
    else:
        assert subs and not any(s.accepted for s in subs), findings
    for words in case.says:
        assert any(words in f for f in findings), (words, findings)
    if case.check is not None:
        case.check(subs[0])


def test_the_other_units_go_on(tmp_path: Path, catalogue: Catalogue, province: Province) -> None:
    folder = tmp_path / "submissions"
    good = [u for u in province.unit_codes if u != "SAPA"]
    for unit in good:
        target = folder / QUARTER / f"{unit}.xlsx"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SOURCE.with_name(f"{unit}.xlsx"), target)
    for index, case in enumerate([c for c in CASES if not c.accepted][:14]):
        made = case.make(tmp_path / f"case{index}")
        (folder / QUARTER / f"bad{index}{made.suffix}").write_bytes(
            made.read_bytes() if not made.is_symlink() else b""
        )
    intake = collect(folder, [Period.parse(QUARTER)], catalogue, province)
    assert sorted(u for u, _ in intake.accepted) == sorted(good)
    assert len(intake.rejected()) >= 10
