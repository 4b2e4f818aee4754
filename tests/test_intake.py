"""Reading and checking submissions: real workbooks and CSV files, broken the way units break them."""

from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import pytest

from baocao.catalogue import Catalogue
from baocao.intake import collect, records_frame, unit_states
from baocao.intake.read import Expected, expected_from_path, read_file
from baocao.periods import Period
from baocao.province import Province
from tests.support import DATA_SHEET, cell_of, openpyxl_figures, read_one, set_cell

SAMPLE_FILE = "2024-Q2/BATXAT.xlsx"


@pytest.fixture
def batxat(tmp_path: Path, sample_submissions: Path) -> Path:
    """A writable copy of one real submission, kept at its place (<quarter>/<unit>.xlsx)."""
    target = tmp_path / "2024-Q2" / "BATXAT.xlsx"
    target.parent.mkdir()
    shutil.copy(sample_submissions / SAMPLE_FILE, target)
    return target


def test_sample_file_reads_as_openpyxl_sees_it(
    batxat: Path, catalogue: Catalogue, province: Province
) -> None:
    sub = read_one(batxat, catalogue, province)
    expected = openpyxl_figures(batxat)
    assert sub.accepted and not sub.findings
    assert (sub.unit, sub.period) == ("BATXAT", "2024-Q2")
    assert sub.values == {code: value for code, (value, _) in expected.items()}
    assert sub.estimates == {code for code, (_, est) in expected.items() if est}
    assert len(sub.values) == len(catalogue.submitted)
    assert sub.notes and all(n.text for n in sub.notes)


@pytest.mark.parametrize(
    ("value", "expected_words"),
    [
        ("hai trăm", ['"hai trăm" không phải là số']),
        ("12%", ["%"]),
        (-5, ["giá trị âm"]),
        ("(5)", ["giá trị âm"]),
        (True, ["đúng/sai"]),
    ],
)
def test_bad_number_names_file_sheet_and_cell(
    batxat: Path, catalogue: Catalogue, province: Province, value: object, expected_words: list[str]
) -> None:
    ref = cell_of(batxat, "BC03")
    set_cell(batxat, DATA_SHEET, ref, value)
    sub = read_one(batxat, catalogue, province)
    assert not sub.accepted
    [error] = sub.errors
    text = str(error)
    assert "BATXAT.xlsx" in text and '"Số liệu"' in text and f"ô {ref}" in text
    assert "BC03" in text and "Doanh thu bưu chính" in text
    for word in expected_words:
        assert word in text


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1.234,5", 1234.5), ("1,234.5", 1234.5), ("1 234", 1234.0), ("1\u00a0234", 1234.0), ("971,8", 971.8)],
)
def test_numbers_written_as_text_are_read(
    batxat: Path, catalogue: Catalogue, province: Province, value: str, expected: float
) -> None:
    set_cell(batxat, DATA_SHEET, cell_of(batxat, "BC04"), value)
    sub = read_one(batxat, catalogue, province)
    assert sub.accepted
    assert sub.values["BC04"] == pytest.approx(expected)


def test_unit_code_contradicting_the_file_name_is_an_error(
    batxat: Path, catalogue: Catalogue, province: Province
) -> None:
    set_cell(batxat, "Thông tin", "B4", "SAPA")
    sub = read_one(batxat, catalogue, province)
    assert not sub.accepted
    assert any('"Thông tin"' in str(e) and "ô B4" in str(e) and "SAPA" in str(e) for e in sub.errors)


def test_unknown_unit_code_is_an_error(batxat: Path, catalogue: Catalogue, province: Province) -> None:
    set_cell(batxat, "Thông tin", "B4", "HANOI")
    sub = read_one(batxat, catalogue, province)
    assert any("không có trong danh sách" in str(e) for e in sub.errors)


def test_period_contradicting_the_folder_is_an_error(
    batxat: Path, catalogue: Catalogue, province: Province
) -> None:
    set_cell(batxat, "Thông tin", "B6", "2024-Q3")
    sub = read_one(batxat, catalogue, province)
    assert any("2024-Q3" in str(e) and "2024-Q2" in str(e) and "ô B6" in str(e) for e in sub.errors)


def test_unknown_indicator_with_a_value_is_an_error(
    batxat: Path, catalogue: Catalogue, province: Province
) -> None:
    set_cell(batxat, DATA_SHEET, cell_of(batxat, "BC03", "B"), "XX99")
    sub = read_one(batxat, catalogue, province)
    assert any('"XX99"' in str(e) and "danh mục" in str(e) for e in sub.errors)


def test_same_indicator_twice_with_different_values(
    batxat: Path, catalogue: Catalogue, province: Province
) -> None:
    # The BC04 row now says BC03 too: two different values for one indicator.
    set_cell(batxat, DATA_SHEET, cell_of(batxat, "BC04", "B"), "BC03")
    sub = read_one(batxat, catalogue, province)
    assert any("BC03" in str(e) and "giá trị khác" in str(e) for e in sub.errors)


def test_empty_value_is_a_warning_not_a_zero(batxat: Path, catalogue: Catalogue, province: Province) -> None:
    set_cell(batxat, DATA_SHEET, cell_of(batxat, "BC04"), None)
    sub = read_one(batxat, catalogue, province)
    assert sub.accepted
    assert "BC04" not in sub.values
    assert any("BC04" in str(w) and "chưa có số liệu" in str(w) for w in sub.warnings)


def test_unclear_status_is_kept_as_an_estimate_with_a_warning(
    batxat: Path, catalogue: Catalogue, province: Province
) -> None:
    set_cell(batxat, DATA_SHEET, cell_of(batxat, "BC04", "F"), "tạm tính?")
    sub = read_one(batxat, catalogue, province)
    assert sub.accepted and "BC04" in sub.estimates
    assert any("tạm tính?" in str(w) for w in sub.warnings)


def test_missing_data_sheet(batxat: Path, catalogue: Catalogue, province: Province) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(batxat)
    wb[DATA_SHEET].title = "Sheet2"
    wb.save(batxat)
    sub = read_one(batxat, catalogue, province)
    [error] = sub.errors
    assert '"Số liệu"' in str(error) and '"Sheet2"' in str(error)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "rỗng"),
        (b"<html><body>not a workbook</body></html>", "không phải tệp Excel"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, ".xls"),
        (b"PK\x03\x04" + b"\0" * 100, "không mở được"),
    ],
)
def test_files_that_are_not_workbooks(
    tmp_path: Path, catalogue: Catalogue, province: Province, content: bytes, expected: str
) -> None:
    path = tmp_path / "2024-Q2" / "SAPA.xlsx"
    path.parent.mkdir()
    path.write_bytes(content)
    sub = read_one(path, catalogue, province)
    assert not sub.accepted
    assert sub.unit == "SAPA"
    assert expected in str(sub.errors[0]) and "SAPA.xlsx" in str(sub.errors[0])


def test_inserted_row_and_moved_labels_still_read(
    batxat: Path, catalogue: Catalogue, province: Province
) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(batxat)
    wb["Thông tin"].insert_rows(2, amount=3)
    wb[DATA_SHEET].insert_rows(1, amount=2)
    wb.save(batxat)
    sub = read_one(batxat, catalogue, province)
    assert sub.accepted, [str(f) for f in sub.findings]
    assert sub.values == {c: v for c, (v, _) in openpyxl_figures(batxat).items()}


# --- CSV -------------------------------------------------------------------------------------------------


TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def cp1258_bytes(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: precomposed vowels, tone marks as combining characters."""
    out = b""
    for char in text:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONE_MARKS))
            out += (base + "".join(c for c in parts if c in TONE_MARKS)).encode("cp1258")
    return out


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(cp1258_bytes(text) if encoding == "cp1258" else text.encode(encoding))
    return path


def test_csv_per_unit(tmp_path: Path, catalogue: Catalogue, province: Province) -> None:
    path = write_csv(
        tmp_path / "2024-Q2" / "SAPA.csv",
        'unit,period,indicator,value,status\nSAPA,2024-Q2,BC01,23,thực hiện\nSAPA,2024-Q2,BC03,"2,69",ước\n',
    )
    sub = read_one(path, catalogue, province)
    assert sub.accepted
    assert sub.values == {"BC01": 23.0, "BC03": 2.69}
    assert sub.estimates == {"BC03"}


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "cp1258"])
def test_csv_encodings_and_semicolons(
    tmp_path: Path, catalogue: Catalogue, province: Province, encoding: str
) -> None:
    path = write_csv(
        tmp_path / "2024-Q2" / "SAPA.csv",
        "unit;period;indicator;value;status\nSAPA;2024-Q2;BC03;2,5;ước\n",
        encoding,
    )
    sub = read_one(path, catalogue, province)
    assert sub.accepted, [str(f) for f in sub.findings]
    assert sub.values == {"BC03": 2.5} and sub.estimates == {"BC03"}


def test_csv_row_errors_name_the_row_and_set_the_file_aside(
    tmp_path: Path, catalogue: Catalogue, province: Province
) -> None:
    path = write_csv(
        tmp_path / "2024-Q2" / "tonghop.csv",
        "unit,period,indicator,value\nSAPA,2024-Q2,BC01,23\nBACHA,2024-Q2,BC01,abc\n",
    )
    units = set(province.unit_codes)
    subs = read_file(path, catalogue, units, expected_from_path(path, units))
    assert {s.unit for s in subs} == {"SAPA", "BACHA"}
    assert all(not s.accepted for s in subs)
    bacha = next(s for s in subs if s.unit == "BACHA")
    assert any("dòng 3" in str(e) and '"abc"' in str(e) for e in bacha.errors)


def test_csv_unit_other_than_the_file_name(tmp_path: Path, catalogue: Catalogue, province: Province) -> None:
    path = write_csv(tmp_path / "2024-Q2" / "SAPA.csv", "unit,period,indicator,value\nBACHA,2024-Q2,BC01,1\n")
    units = set(province.unit_codes)
    subs = read_file(path, catalogue, units, expected_from_path(path, units))
    assert not any(s.accepted for s in subs)
    assert any("BACHA" in str(e) and "SAPA" in str(e) for s in subs for e in s.errors)


def test_csv_without_the_required_columns(tmp_path: Path, catalogue: Catalogue, province: Province) -> None:
    path = write_csv(tmp_path / "2024-Q2" / "SAPA.csv", "don_vi,ky,chi_tieu,gia_tri\nSAPA,2024-Q2,BC01,1\n")
    sub = read_one(path, catalogue, province)
    assert not sub.accepted and "unit" in str(sub.errors[0]) and "dòng 1" in str(sub.errors[0])


# --- collecting a province -------------------------------------------------------------------------------


def test_one_bad_file_never_stops_the_others(
    sample_inputs_copy: Path, catalogue: Catalogue, province: Province
) -> None:
    folder = sample_inputs_copy / "submissions" / "2024-Q2"
    (folder / "BATXAT.xlsx").write_text("this is not a workbook")
    (folder / "SAPA.xlsx").unlink()
    (folder / "~$LAOCAI.xlsx").write_bytes(b"excel lock file")
    period = Period.parse("2024-Q2")
    intake = collect(sample_inputs_copy / "submissions", [period], catalogue, province)
    assert len(intake.accepted) == 7
    states = {s.unit: s for s in unit_states(intake, province, period)}
    assert states["BATXAT"].state == "rejected" and "BATXAT.xlsx" in states["BATXAT"].files
    assert states["SAPA"].state == "missing"
    assert sum(s.state == "received" for s in states.values()) == 7
    records = records_frame(intake.accepted.values())
    assert set(records["unit"]) == set(province.unit_codes) - {"BATXAT", "SAPA"}


def test_two_valid_files_for_one_unit_the_newer_counts(
    sample_inputs_copy: Path, catalogue: Catalogue, province: Province
) -> None:
    folder = sample_inputs_copy / "submissions" / "2024-Q2"
    csv = write_csv(folder / "SAPA.csv", "unit,period,indicator,value\nSAPA,2024-Q2,BC01,999\n")
    import os

    os.utime(csv, (4_000_000_000, 4_000_000_000))
    intake = collect(sample_inputs_copy / "submissions", [Period.parse("2024-Q2")], catalogue, province)
    chosen = intake.accepted[("SAPA", "2024-Q2")]
    assert chosen.path == csv and chosen.values["BC01"] == 999
    assert any("dùng tệp mới hơn" in str(w) for w in chosen.warnings)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"a,b\r\nc,d\r\n", [b"a,b\r\n", b"c,d\r\n"]),
        (b"a,b\nc,d", [b"a,b\n", b"c,d"]),
        (b"a,b\rc,d\r\n\r\ne", [b"a,b\r", b"c,d\r\n", b"\r\n", b"e"]),
        ("a,ư\nb".encode("utf-16"), [b"\xff\xfea\x00,\x00\xb0\x01\n\x00", b"b\x00"]),
    ],
)
def test_raw_lines_are_the_file_byte_for_byte(data: bytes, expected: list[bytes]) -> None:
    from baocao.intake.csvfile import raw_lines

    assert raw_lines(data) == expected and b"".join(raw_lines(data)) == data


def test_a_quoted_line_break_keeps_a_record_on_its_lines(tmp_path: Path, catalogue: Catalogue) -> None:
    path = tmp_path / "tong-hop.csv"
    path.write_bytes(
        b'unit,period,indicator,value,status,note\nSAPA,2024-Q2,BC01,23,,"two\nlines"\nBACHA,2024-Q2,BC01,25,,\n'
    )
    subs = read_file(path, catalogue, {"SAPA", "BACHA"}, Expected())
    assert {s.unit: s.source_lines for s in subs} == {"SAPA": (0, 1, 2), "BACHA": (0, 3)}
