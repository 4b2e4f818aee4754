"""The bad-input corpus through the commands users run: `baocao check` on every case, and `baocao collect`,
`status` and `run` on a province whose inbox received all of them. Nothing may crash or print a traceback,
and what a bad file carried (1e300) never reaches a later run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from baocao.cli import app
from baocao.held import held_versions
from baocao.store import read_index
from tests.test_corpus import CASES, Case, with_cell

runner = CliRunner()


def invoke(*args: str) -> Result:
    """Run one command; it must end by itself (exit 0 or 1), never by an exception or a traceback."""
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    return result


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_check_answers_every_case(case: Case, tmp_path: Path, sample_inputs_copy: Path) -> None:
    path = case.make(tmp_path / "made")
    result = invoke("check", str(path), "--inputs", str(sample_inputs_copy))
    assert result.exit_code == (0 if case.accepted else 1), result.output


@pytest.mark.slow
def test_a_province_survives_an_inbox_of_every_case(tmp_path: Path, sample_inputs_copy: Path) -> None:
    inbox = sample_inputs_copy / "inbox"
    inbox.mkdir()
    huge = Case("1e300 for BC03", with_cell("BC03", 1e300), False)
    for index, case in enumerate([huge, *CASES]):
        made = case.make(tmp_path / f"case{index}")
        target = inbox / made.name if not (inbox / made.name).exists() else inbox / f"{index}-{made.name}"
        if made.is_symlink():
            target.symlink_to(made.resolve())
        else:
            shutil.copyfile(made, target)
    dropped = len(list(inbox.iterdir()))
    assert dropped == len(CASES) + 1

    collect = invoke("collect", "--inputs", str(sample_inputs_copy), "--no-prefect")
    assert collect.exit_code == 0
    assert sorted(p.name for p in inbox.iterdir()) == ["held", "rejected"]  # nothing left behind
    assert "1e+300 nằm ngoài khoảng hợp lý" in "".join(
        p.read_text(encoding="utf-8") for p in (inbox / "rejected").glob("*.loi.txt")
    )
    # The accepted cases change SAPA's 2024-Q2 long after its deadline: held, not published.
    assert held_versions(sample_inputs_copy) and read_index(sample_inputs_copy)

    status = invoke("status", "--period", "2024-Q2", "--inputs", str(sample_inputs_copy))
    assert status.exit_code == 0 and "chờ xác nhận" in status.output
    run = invoke(
        "run",
        "--period",
        "2024-Q2",
        "--inputs",
        str(sample_inputs_copy),
        "--outputs",
        str(tmp_path / "out"),
        "--date",
        "2024-07-05",
        "--no-prefect",
    )
    assert run.exit_code == 0 and "đã nhận 9/9 đơn vị" in run.output
    again = invoke("status", "--period", "2024-Q2", "--inputs", str(sample_inputs_copy))
    assert again.exit_code == 0


@pytest.mark.slow
def test_a_1e300_file_published_before_the_ranges_no_longer_breaks_runs(
    tmp_path: Path, sample_inputs_copy: Path
) -> None:
    # What a province looked like after the incident: the 1e300 workbook was already the current file.
    made = with_cell("VT06", 1e300)(tmp_path / "made")
    shutil.copyfile(made, sample_inputs_copy / "submissions" / "2024-Q2" / "SAPA.xlsx")
    status = invoke("status", "--period", "2024-Q2", "--inputs", str(sample_inputs_copy))
    assert status.exit_code == 0 and "1e+300 nằm ngoài khoảng hợp lý" in status.output
    run = invoke(
        "run",
        "--period",
        "2024-Q2",
        "--inputs",
        str(sample_inputs_copy),
        "--outputs",
        str(tmp_path / "out"),
        "--date",
        "2024-07-05",
        "--no-prefect",
    )
    assert run.exit_code == 0 and "đã nhận 8/9 đơn vị" in run.output and "thị xã Sa Pa" in run.output
