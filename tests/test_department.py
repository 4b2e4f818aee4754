"""The department's own workbook: the form, the reader's checks, merging quarters, the sample, the command."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from baocao.catalogue import Catalogue, load_catalogue
from baocao.cli import app
from baocao.collection import department_for as setup_department
from baocao.department import department_for, merged_department, province_records
from baocao.errors import ConfigError
from baocao.intake.department import department_path, read_department
from baocao.intake.department_form import write_department_form
from baocao.intake.form import write_form
from baocao.intake.model import DepartmentReport, Proposal, Task
from baocao.intake.read import read_file
from baocao.periods import Period
from baocao.province import Province
from baocao.report import SAMPLE_INPUTS, Setup, report_digest

Q1 = Period.parse("2025-Q1")


def _rows(ws: Any) -> list[list[Any]]:
    return [[c.value for c in row] for row in ws.iter_rows()]


def _row_of_code(ws: Any, code: str) -> int:
    return next(i for i, row in enumerate(_rows(ws), start=1) if row[1] == code)


def _blank_row(ws: Any, section: str) -> int:
    """The first row of a section whose Nội dung is still empty."""
    return next(i for i, row in enumerate(_rows(ws), start=1) if row[0] == section and row[2] is None)


def _blank_form(tmp_path: Path, catalogue: Catalogue, province: Province) -> Path:
    return write_department_form(department_path(tmp_path, Q1), catalogue, province, Q1)


def _fill(
    path: Path, figures: dict[str, Any], notes: list[tuple[str, ...]], person: str | None = None
) -> None:
    """Type into the form as a clerk would: values and statuses beside the codes, one note per blank row."""
    wb = load_workbook(path)
    data, sheet = wb["Chỉ tiêu của Sở"], wb["Nội dung báo cáo"]
    for code, typed in figures.items():
        value, status = typed if isinstance(typed, tuple) else (typed, None)
        row = _row_of_code(data, code)
        data.cell(row=row, column=5, value=value)
        data.cell(row=row, column=6, value=status)
    for section, *cells in notes:
        row = _blank_row(sheet, section)
        for col, value in enumerate(cells, start=2):
            sheet.cell(row=row, column=col, value=value)
    if person:
        wb["Thông tin"]["B6"] = person
    wb.save(path)


def test_the_form_round_trips_what_a_clerk_types(
    tmp_path: Path, catalogue: Catalogue, province: Province
) -> None:
    path = _blank_form(tmp_path, catalogue, province)
    _fill(
        path,
        {"SO01": 4, "SO06": "7,5", "SO08": 5, "SO14": (31, "ước")},
        [
            ("Kết quả", "Báo chí – Xuất bản", "Cấp 05 giấy phép xuất bản bản tin."),
            ("Kết quả", None, "Tham mưu UBND tỉnh ban hành Kế hoạch chuyển đổi số năm 2025."),
            ("Kết quả", "Báo chí – Xuất bản", "Thẩm định 02 hồ sơ đề nghị cấp phép."),
            ("Tồn tại, hạn chế", "Ứng dụng công nghệ thông tin", "Nhân lực an toàn thông tin còn thiếu."),
            ("Nguyên nhân", None, "Kinh phí còn hạn chế."),
            ("Kiến nghị", None, "Bố trí kinh phí chuyển đổi số cấp xã.", "UBND tỉnh"),
            ("Kiến nghị", "Bưu chính", "Hướng dẫn về bưu chính công ích.", "Bộ"),
            (
                "Nhiệm vụ kỳ tới",
                None,
                "Hoàn thành báo cáo đề án",
                None,
                "Văn phòng Sở",
                datetime(2025, 4, 30),
            ),
            (
                "Nhiệm vụ kỳ tới",
                "Viễn thông",
                "Kiểm tra trạm BTS",
                None,
                "Thanh tra Sở",
                "trước ngày 15/05/2025",
            ),
            ("Nhiệm vụ kỳ tới", None, "Vận hành Trung tâm dữ liệu", None, "Trung tâm CNTT", "Thường xuyên"),
        ],
        person="Trần Thị Minh Hằng",
    )
    report, findings = read_department(path, catalogue, province)
    assert findings == []
    assert report == DepartmentReport(
        period="2025-Q1",
        figures={"SO01": 4.0, "SO06": 7.5, "SO08": 5.0, "SO14": 31.0},
        estimates=frozenset({"SO14"}),
        notes={
            ("results", "BX"): ("Cấp 05 giấy phép xuất bản bản tin.", "Thẩm định 02 hồ sơ đề nghị cấp phép."),
            ("results", None): ("Tham mưu UBND tỉnh ban hành Kế hoạch chuyển đổi số năm 2025.",),
            ("limitations", "CN"): ("Nhân lực an toàn thông tin còn thiếu.",),
            ("causes", None): ("Kinh phí còn hạn chế.",),
        },
        proposals=(
            Proposal("Bố trí kinh phí chuyển đổi số cấp xã.", "UBND tỉnh", None),
            Proposal("Hướng dẫn về bưu chính công ích.", "Bộ Thông tin và Truyền thông", "BC"),
        ),
        tasks=(
            Task("Hoàn thành báo cáo đề án", "Văn phòng Sở", date(2025, 4, 30), None),
            Task("Kiểm tra trạm BTS", "Thanh tra Sở", date(2025, 5, 15), "VT"),
            Task("Vận hành Trung tâm dữ liệu", "Trung tâm CNTT", None, None),
        ),
        person="Trần Thị Minh Hằng",
        quarters=("2025-Q1",),
        files=("2025-Q1.xlsx",),
    )
    assert report is not None and report.section_notes("results")[0] == (
        "BX",
        "Cấp 05 giấy phép xuất bản bản tin.",
    )


def test_a_written_report_reads_back_equal(tmp_path: Path, catalogue: Catalogue, province: Province) -> None:
    written = DepartmentReport(
        period="2025-Q1",
        figures={"SO03": 2.0, "SO12": 180.0},
        notes={("results", "CN"): ("Tổ chức 03 lớp tập huấn.",)},
        proposals=(Proposal("Bổ sung biên chế.", "UBND tỉnh", "CN"),),
        tasks=(Task("Rà soát cấp độ hệ thống thông tin", "Phòng CNTT", date(2025, 6, 30), "CN"),),
        person="Lê Văn Nam",
        prepared_on=date(2025, 3, 20),
        quarters=("2025-Q1",),
        files=("2025-Q1.xlsx",),
    )
    path = write_department_form(department_path(tmp_path, Q1), catalogue, province, Q1, written)
    assert read_department(path, catalogue, province) == (written, [])


def test_bad_cells_are_named_in_vietnamese_and_leave_it_out(
    tmp_path: Path, catalogue: Catalogue, province: Province
) -> None:
    path = _blank_form(tmp_path, catalogue, province)
    _fill(
        path,
        {"SO03": "ba cuộc"},
        [
            ("Kết quả", "Lĩnh vực lạ", "Một kết quả."),
            ("Nhiệm vụ kỳ tới", None, "Tổng kết đề án", None, "Văn phòng Sở", "quý II/2025"),
        ],
    )
    wb = load_workbook(path)
    data = wb["Chỉ tiêu của Sở"]
    data.cell(row=data.max_row + 1, column=2, value="SO99")
    data.cell(row=data.max_row, column=5, value=3)
    wb.save(path)
    so03, task, extra = (
        _row_of_code(data, "SO03"),
        _blank_row(wb["Nội dung báo cáo"], "Nhiệm vụ kỳ tới") - 1,
        data.max_row,
    )
    report, findings = read_department(path, catalogue, province)
    assert report is None
    shown = [str(f) for f in findings]
    assert (
        f'Lỗi – tệp 2025-Q1.xlsx, trang "Chỉ tiêu của Sở", ô E{so03}: chỉ tiêu SO03 "Cuộc thanh tra, kiểm tra": '
        '"ba cuộc" không phải là số; cần nhập một số, ví dụ 1234 hoặc 1.234,5'
    ) in shown
    assert (
        f'Lỗi – tệp 2025-Q1.xlsx, trang "Chỉ tiêu của Sở", ô E{extra}: mã chỉ tiêu "SO99" không có trong danh mục '
        "chỉ tiêu của Sở"
    ) in shown
    assert (
        f'Lỗi – tệp 2025-Q1.xlsx, trang "Nội dung báo cáo", ô F{task}: nhiệm vụ “Tổng kết đề án”: thời hạn '
        '"quý II/2025" không phải là ngày; cần nhập ngày dạng 30/10/2024 (hoặc "Thường xuyên")'
    ) in shown
    assert any(
        s.startswith('Lưu ý – tệp 2025-Q1.xlsx, trang "Nội dung báo cáo", ô B')
        and 'lĩnh vực "Lĩnh vực lạ" không có trong danh mục' in s
        for s in shown
    )


def test_a_missing_sheet_or_a_wrong_quarter_is_an_error(
    tmp_path: Path, catalogue: Catalogue, province: Province
) -> None:
    path = _blank_form(tmp_path, catalogue, province)
    wrong = path.with_name("2025-Q2.xlsx")
    shutil.copy(path, wrong)
    report, findings = read_department(wrong, catalogue, province)
    assert report is None
    assert [str(f) for f in findings] == [
        'Lỗi – tệp 2025-Q2.xlsx, trang "Thông tin", ô B5: kỳ báo cáo 2025-Q1 khác với tên tệp (2025-Q2.xlsx)'
    ]
    odd = path.with_name("bao-cao.xlsx")
    shutil.copy(path, odd)
    assert read_department(odd, catalogue, province)[0] is None


def _quarter(code: str, **kwargs: Any) -> DepartmentReport:
    return DepartmentReport(period=code, quarters=(code,), files=(f"{code}.xlsx",), **kwargs)


def test_half_year_sums_flows_keeps_the_last_stock_and_folds_notes(catalogue: Catalogue) -> None:
    q1 = _quarter(
        "2024-Q1",
        figures={"SO01": 3.0, "SO06": 7.5, "SO08": 5.0, "SO14": 20.0},
        notes={
            ("results", "CN"): ("Tổ chức 02 lớp tập huấn.",),
            ("limitations", None): ("Nhân lực còn thiếu.",),
        },
        proposals=(Proposal("Bố trí kinh phí.", "UBND tỉnh"),),
        tasks=(
            Task("Hoàn thành báo cáo đề án", "Văn phòng Sở", date(2024, 4, 30)),
            Task("Kiểm tra đại lý Internet", "Thanh tra Sở", date(2024, 5, 31)),
        ),
        person="A",
    )
    q2 = _quarter(
        "2024-Q2",
        figures={"SO01": 4.0, "SO06": 10.0, "SO14": 23.0},
        estimates=frozenset({"SO06"}),
        notes={
            ("results", "CN"): ("tổ chức 02 lớp tập huấn", "Xử lý 12 sự cố."),
            ("causes", None): ("Thiếu kinh phí.",),
        },
        proposals=(
            Proposal("Bố trí kinh phí", "UBND tỉnh"),
            Proposal("Bố trí kinh phí.", "Bộ Thông tin và Truyền thông"),
        ),
        tasks=(Task("Hoàn thành báo cáo đề án.", "Văn phòng Sở", date(2024, 7, 31)),),
        person="B",
    )
    merged = merged_department([q2, q1], Period.parse("2024-H1"), catalogue)
    assert merged == DepartmentReport(
        period="2024-H1",
        figures={"SO01": 7.0, "SO06": 17.5, "SO08": 5.0, "SO14": 23.0},
        estimates=frozenset({"SO06"}),
        notes={
            ("results", "CN"): ("Tổ chức 02 lớp tập huấn.", "Xử lý 12 sự cố."),
            ("limitations", None): ("Nhân lực còn thiếu.",),
            ("causes", None): ("Thiếu kinh phí.",),
        },
        proposals=(
            Proposal("Bố trí kinh phí.", "UBND tỉnh"),
            Proposal("Bố trí kinh phí.", "Bộ Thông tin và Truyền thông"),
        ),
        tasks=(
            Task("Hoàn thành báo cáo đề án.", "Văn phòng Sở", date(2024, 7, 31)),
            Task("Kiểm tra đại lý Internet", "Thanh tra Sở", date(2024, 5, 31)),
        ),
        person="B",
        quarters=("2024-Q1", "2024-Q2"),
        incomplete=frozenset({"SO08"}),
        files=("2024-Q1.xlsx", "2024-Q2.xlsx"),
        quarter_figures=(q1.figures, q2.figures),
    )


def test_a_year_without_its_third_quarter(catalogue: Catalogue) -> None:
    quarters = [
        _quarter("2024-Q1", figures={"SO05": 1.0, "SO14": 20.0}),
        _quarter("2024-Q2", figures={"SO05": 2.0, "SO14": 23.0}),
        _quarter("2024-Q4", figures={"SO05": 4.0}),
        _quarter("2023-Q4", figures={"SO05": 9.0}),  # another year: not part of 2024
    ]
    merged = merged_department(quarters, Period.parse("2024"), catalogue)
    assert merged is not None
    assert merged.figures == {"SO05": 7.0, "SO14": 23.0}
    assert (merged.quarters, merged.missing_quarters) == (("2024-Q1", "2024-Q2", "2024-Q4"), ("2024-Q3",))
    assert merged.incomplete == frozenset({"SO05", "SO14"})  # SO14: the year's last quarter lacks it
    assert merged_department(quarters, Period.parse("2022"), catalogue) is None


def test_province_records_are_the_province_row(catalogue: Catalogue) -> None:
    reports = [
        _quarter("2024-Q1", figures={"SO01": 3.0}),
        _quarter("2024-Q2", figures={"SO01": 4.0, "SO14": 23.0}, estimates=frozenset({"SO14"})),
    ]
    frame = province_records(reports, "LCI")
    assert frame.to_dict("records") == [
        {"unit": "LCI", "period": "2024-Q1", "indicator": "SO01", "value": 3.0, "is_estimate": False},
        {"unit": "LCI", "period": "2024-Q2", "indicator": "SO01", "value": 4.0, "is_estimate": False},
        {"unit": "LCI", "period": "2024-Q2", "indicator": "SO14", "value": 23.0, "is_estimate": True},
    ]


def test_units_are_not_asked_for_the_department_figures(
    tmp_path: Path, catalogue: Catalogue, province: Province
) -> None:
    assert "SO01" not in catalogue and catalogue.is_department("SO01")
    assert all(not i.code.startswith("SO") for i in catalogue.submitted)
    unit = province.unit("BATXAT")
    path = write_form(tmp_path / "2025-Q1" / "BATXAT.xlsx", catalogue, province, unit, Q1)
    wb = load_workbook(path)
    data = wb["Số liệu"]
    assert not any(str(row[1]).startswith("SO") for row in _rows(data))
    data.cell(row=data.max_row + 1, column=2, value="SO06")
    data.cell(row=data.max_row, column=5, value=15)
    wb.save(path)
    [sub] = read_file(path, catalogue, set(province.unit_codes))
    assert sub.errors == [] and "SO06" not in sub.values
    assert any(
        str(f).endswith(
            "SO06 (Số tiền xử phạt vi phạm hành chính) là chỉ tiêu do Sở tự tổng hợp, đơn vị không báo cáo; "
            "giá trị nhập bị bỏ qua"
        )
        for f in sub.warnings
    )
    csv = tmp_path / "2025-Q1" / "BATXAT.csv"
    csv.write_text(
        "unit,period,indicator,value\nBATXAT,2025-Q1,SO01,3\nBATXAT,2025-Q1,BC01,30\n", encoding="utf-8"
    )
    [sub] = read_file(csv, catalogue, set(province.unit_codes))
    assert sub.errors == [] and sub.values == {"BC01": 30.0}


def test_the_catalogue_keeps_department_indicators_apart(catalogue: Catalogue) -> None:
    fields = [{"code": "TH", "name": "Chung"}]
    unit = {"code": "A1", "field": "TH", "kind": "flow", "unit": "cái", "name": "A"}
    own = {"code": "S1", "field": "TH", "kind": "flow", "unit": "cái", "name": "S", "source": "department"}
    built = Catalogue.model_validate({"fields": fields, "indicators": [unit, own]})
    assert [i.code for i in built.indicators] == ["A1"] and [i.code for i in built.department] == ["S1"]
    for bad in (
        {**own, "kind": "ratio", "numerator": "A1", "denominator": "A1"},
        {**own, "code": "A1"},
        {**own, "field": "XX"},
    ):
        with pytest.raises(ValueError):
            Catalogue.model_validate({"fields": fields, "indicators": [unit, bad]})
    assert [i.code for i in catalogue.department_in_field("BX")] == ["SO08", "SO09"]


def test_a_derived_department_indicator_is_a_configuration_error(tmp_path: Path) -> None:
    path = tmp_path / "indicators.yaml"
    path.write_text(
        "fields: [{code: TH, name: Chung}]\n"
        "indicators:\n"
        "  - {code: A1, field: TH, kind: stock, unit: cái, name: A}\n"
        "  - {code: S1, field: TH, kind: density, base: A1, unit: cái, name: S, source: department}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="S1: chỉ tiêu của Sở phải là chỉ tiêu phát sinh"):
        load_catalogue(path)


def test_the_sample_department_workbooks_read_without_errors(
    catalogue: Catalogue, province: Province
) -> None:
    for year in (2023, 2024):
        for q in (1, 2, 3, 4):
            quarter = Period.quarter(year, q)
            report, findings = read_department(department_path(SAMPLE_INPUTS, quarter), catalogue, province)
            assert report is not None and report.period == quarter.code, findings
            assert [f for f in findings if f.severity == "error"] == []
            assert report.figures and report.tasks and report.section_notes("results")


def test_the_sample_half_year_through_the_report_step(sample_setup: Setup) -> None:
    period = Period.parse("2024-H1")
    merged, findings = setup_department(sample_setup, period)
    q1, _ = read_department(
        department_path(SAMPLE_INPUTS, Period.parse("2024-Q1")), sample_setup.catalogue, sample_setup.province
    )
    q2, _ = read_department(
        department_path(SAMPLE_INPUTS, Period.parse("2024-Q2")), sample_setup.catalogue, sample_setup.province
    )
    assert merged is not None and q1 is not None and q2 is not None and findings == []
    assert merged.figures["SO01"] == q1.figures["SO01"] + q2.figures["SO01"]
    assert merged.figures["SO14"] == q2.figures["SO14"]
    assert all(t.owner for t in merged.tasks)


def test_no_department_folder_is_no_report(tmp_path: Path, catalogue: Catalogue) -> None:
    assert department_for(tmp_path, Period.parse("2024-H1"), catalogue) == (None, [])


def test_template_department_writes_the_form(tmp_path: Path, sample_setup: Setup) -> None:
    result = CliRunner().invoke(
        app, ["template", "--department", "--period", "2025-Q1", "--outputs", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    written = tmp_path / "lao-cai" / "forms" / "2025-Q1" / "SO-STTTT.xlsx"
    placed = department_path(tmp_path, Q1)
    placed.parent.mkdir(parents=True)
    shutil.copy(written, placed)
    report, findings = read_department(placed, sample_setup.catalogue, sample_setup.province)
    assert findings == []
    assert report == DepartmentReport(period="2025-Q1", quarters=("2025-Q1",), files=("2025-Q1.xlsx",))


def test_a_changed_department_workbook_changes_the_report_digest(
    tmp_path: Path, catalogue: Catalogue, province: Province
) -> None:
    def digest() -> str:
        return report_digest(tmp_path, (), Period.parse("2025-H1"), date(2025, 7, 5), None)

    before = digest()
    path = _blank_form(tmp_path, catalogue, province)
    written = digest()
    _fill(path, {"SO01": 2}, [])
    assert len({before, written, digest()}) == 3


def test_a_stray_file_in_the_department_folder_is_named(
    tmp_path: Path, catalogue: Catalogue, province: Province
) -> None:
    path = _blank_form(tmp_path, catalogue, province)
    shutil.copy(path, path.with_name("2025-Q1 (1).xlsx"))
    shutil.copy(path, path.with_name("ghi chu.txt"))
    shutil.copy(SAMPLE_INPUTS / "province.yaml", tmp_path / "province.yaml")
    report, findings = department_for(tmp_path, Q1, catalogue)
    assert report is not None and report.period == "2025-Q1"
    assert [str(f) for f in findings] == [
        f"Lưu ý – tệp {name}: tên tệp không phải quý báo cáo (cần dạng 2024-Q2.xlsx); tệp không được đọc"
        for name in ("2025-Q1 (1).xlsx", "ghi chu.txt")
    ]
