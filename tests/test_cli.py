"""The command line as staff use it: check files, write forms, run a period, fail with one clear line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from baocao.cli import app
from baocao.intake.read import read_file
from baocao.report import Setup
from tests.support import DATA_SHEET, cell_of, set_cell

runner = CliRunner()


def test_check_a_good_file(sample_submissions: Path) -> None:
    result = runner.invoke(app, ["check", str(sample_submissions / "2024-Q2" / "SAPA.xlsx")])
    assert result.exit_code == 0, result.output
    assert "hợp lệ" in result.output and "SAPA 2024-Q2" in result.output


def test_check_a_bad_file_names_the_cell(sample_inputs_copy: Path) -> None:
    path = sample_inputs_copy / "submissions" / "2024-Q2" / "SAPA.xlsx"
    ref = cell_of(path, "VT06")
    set_cell(path, DATA_SHEET, ref, "ba trăm")
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 1
    assert f"ô {ref}" in result.output and '"ba trăm" không phải là số' in result.output


def test_check_several_files_reports_each(sample_inputs_copy: Path, sample_submissions: Path) -> None:
    bad = sample_inputs_copy / "submissions" / "2024-Q2" / "BACHA.xlsx"
    bad.write_bytes(b"")
    good = sample_submissions / "2024-Q2" / "SAPA.xlsx"
    result = runner.invoke(app, ["check", str(good), str(bad)])
    assert result.exit_code == 1
    assert "✓" in result.output and "✗" in result.output and "rỗng" in result.output


def test_check_reads_the_departments_own_workbook_as_a_report_does(sample_inputs_copy: Path) -> None:
    import openpyxl

    good = sample_inputs_copy / "department" / "2024-Q2.xlsx"
    sheet = openpyxl.load_workbook(good, read_only=True)["Chỉ tiêu của Sở"]
    filled = sum(
        isinstance(value, int | float) for (value,) in sheet.iter_rows(min_col=5, max_col=5, values_only=True)
    )
    result = runner.invoke(app, ["check", str(good)])
    assert result.exit_code == 0, result.output
    assert f"(Sở, quý II/2024): hợp lệ, {filled} chỉ tiêu" in result.output
    # Saved under another quarter's name, outside the province folder: the clerk is told which cell says what.
    moved = sample_inputs_copy.parent / "2024-Q3.xlsx"
    shutil.copy(good, moved)
    wrong = runner.invoke(app, ["check", str(moved), "--inputs", str(sample_inputs_copy)])
    assert wrong.exit_code == 1
    assert 'trang "Thông tin", ô B5: kỳ báo cáo 2024-Q2 khác với tên tệp (2024-Q3.xlsx)' in wrong.output


def test_template_writes_one_form_per_unit(tmp_path: Path, sample_setup: Setup) -> None:
    result = runner.invoke(app, ["template", "--period", "2025-Q1", "--outputs", str(tmp_path)])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "lao-cai" / "forms" / "2025-Q1"
    files = sorted(p.name for p in folder.glob("*.xlsx"))
    assert files == sorted(f"{u}.xlsx" for u in sample_setup.province.unit_codes)
    units = set(sample_setup.province.unit_codes)
    [sub] = read_file(folder / "BATXAT.xlsx", sample_setup.catalogue, units)
    assert (sub.unit, sub.period, sub.errors) == ("BATXAT", "2025-Q1", [])


def test_template_rejects_a_half_year(tmp_path: Path) -> None:
    result = runner.invoke(app, ["template", "--period", "2025-H1", "--outputs", str(tmp_path)])
    assert result.exit_code == 1 and "lập theo quý" in result.output


@pytest.mark.slow
def test_run_without_prefect_prints_the_three_paths(sample_inputs_copy: Path, tmp_path: Path) -> None:
    shutil.rmtree(sample_inputs_copy / "submissions" / "2024-Q3")
    (sample_inputs_copy / "submissions" / "2024-Q2" / "SIMACAI.xlsx").unlink()
    result = runner.invoke(
        app,
        [
            "run",
            "--period",
            "2024-Q2",
            "--inputs",
            str(sample_inputs_copy),
            "--outputs",
            str(tmp_path),
            "--date",
            "2024-07-05",
            "--no-prefect",
        ],
    )
    assert result.exit_code == 0, result.output
    paths = [Path(line) for line in result.output.splitlines() if line.startswith("/")]
    assert [p.suffix for p in paths] == [".docx", ".pdf", ".xlsx"] and all(p.is_file() for p in paths)
    assert "đã nhận 8/9 đơn vị" in result.output and "chưa gửi: huyện Si Ma Cai" in result.output
    # Not on a terminal, the steps are plain lines, as they happen.
    steps = [line for line in result.output.splitlines() if line.startswith("· ")]
    assert steps[0].startswith("· đọc") and "· ghi BC-2024-Q2-STTTT.pdf" in steps


@pytest.mark.slow
def test_run_picks_the_latest_quarter(sample_inputs_copy: Path, tmp_path: Path) -> None:
    for quarter in ("2024-Q3", "2024-Q4"):
        shutil.rmtree(sample_inputs_copy / "submissions" / quarter)
    result = runner.invoke(
        app, ["run", "--inputs", str(sample_inputs_copy), "--outputs", str(tmp_path), "--no-prefect"]
    )
    assert result.exit_code == 0, result.output
    assert "quý II/2024" in result.output and (tmp_path / "lao-cai" / "2024-Q2").is_dir()


def test_bad_period_fails_with_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", "--period", "2024-Q5", "--outputs", str(tmp_path), "--no-prefect"])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("lỗi:") and "2024-Q5" in lines[0]


def test_inputs_without_province_yaml_fails_with_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", "--inputs", str(tmp_path), "--no-prefect"])
    assert result.exit_code == 1 and "province.yaml" in result.output
    assert len([line for line in result.output.splitlines() if line.strip()]) == 1


def test_broken_configuration_fails_with_one_line(sample_inputs_copy: Path) -> None:
    config = sample_inputs_copy / "province.yaml"
    text = config.read_text(encoding="utf-8").replace(
        "population: {2023: 82540", "population: {2023: nhiều", 1
    )
    config.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["run", "--inputs", str(sample_inputs_copy), "--no-prefect"])
    assert (
        result.exit_code == 1 and "province.yaml" in result.output and "units.1.population" in result.output
    )
    assert len([line for line in result.output.splitlines() if line.strip()]) == 1


def test_deploy_needs_a_standing_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    result = runner.invoke(app, ["deploy", "--work-pool", "baocao"])
    assert result.exit_code == 1
    assert "PREFECT_API_URL" in result.output


def test_all_refuses_options_that_do_not_fit(tmp_path: Path) -> None:
    deliver = runner.invoke(app, ["run", "--all", "--deliver", "--inputs", str(tmp_path)])
    assert deliver.exit_code == 1 and "--deliver" in deliver.output
    pool = runner.invoke(app, ["run", "--all", "--no-prefect", "--work-pool", "x", "--inputs", str(tmp_path)])
    assert pool.exit_code == 1 and "--work-pool" in pool.output
    empty = runner.invoke(
        app, ["run", "--all", "--no-prefect", "--period", "2026-Q2", "--inputs", str(tmp_path)]
    )
    assert empty.exit_code == 1 and "không có thư mục tỉnh nào" in empty.output
