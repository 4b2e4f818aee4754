"""An unwritable outputs (or inputs) folder: one clear line and exit status 1, never a traceback.

As root, chmod does not stop anything: `chattr +i` (immutable) is the real test there. The read-only
(chmod) variants run the command as the unprivileged user `nobody`, in a real subprocess.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from baocao.cli import app
from baocao.cli_steps import PLAIN_PREFIX
from baocao.files import file_sha256
from baocao.intake.form import FormContent, write_form
from baocao.periods import Period
from baocao.report import SAMPLE_INPUTS, ReportRequest, load_setup, run_report

PERIOD = "2024-Q2"
PROJECT = Path(__file__).resolve().parents[1]
ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="chattr +i and becoming nobody need root")


def one_line_failure(exit_code: int, output: str) -> str:
    """The single error line of a failed command (asserting there is exactly one and no traceback), after
    the steps it went through (shown one per line when not on a terminal)."""
    assert "Traceback" not in output, output
    lines = [line for line in output.splitlines() if line.strip() and not line.startswith(PLAIN_PREFIX)]
    assert exit_code == 1, output
    assert len(lines) == 1 and lines[0].startswith("lỗi: "), output
    return lines[0]


@pytest.fixture
def immutable() -> Iterator[list[Path]]:
    """Paths to make immutable with chattr +i; made mutable again afterwards so they can be removed."""
    paths: list[Path] = []
    yield paths
    for path in paths:
        subprocess.run(["chattr", "-i", str(path)], check=False)


def chattr_i(paths: list[Path], path: Path) -> None:
    subprocess.run(["chattr", "+i", str(path)], check=True)
    paths.append(path)


def run_args(inputs: Path, out: Path) -> list[str]:
    return ["run", "--no-prefect", "--period", PERIOD, "--inputs", str(inputs), "--outputs", str(out)]


def template_args(inputs: Path, out: Path) -> list[str]:
    return ["template", "--period", "2025-Q1", "--inputs", str(inputs), "--outputs", str(out)]


def invoke(args: list[str]) -> tuple[int, str]:
    """Exit status and output of the command; an exception that escaped the CLI fails the test."""
    result = CliRunner().invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.output


@needs_root
@pytest.mark.parametrize("command", [run_args, template_args])
@pytest.mark.parametrize("where", ["outputs", "province", "period"])
def test_an_immutable_folder(
    command: object, where: str, sample_inputs_copy: Path, tmp_path: Path, immutable: list[Path]
) -> None:
    out = tmp_path / "out"
    folder = {
        "outputs": out,
        "province": out / "lao-cai",
        "period": out / "lao-cai" / (PERIOD if command is run_args else "forms"),
    }[where]
    folder.mkdir(parents=True)
    chattr_i(immutable, folder)
    line = one_line_failure(*invoke(command(sample_inputs_copy, out)))  # type: ignore[operator]
    assert "Operation not permitted" in line and str(folder) in line


@needs_root
@pytest.mark.parametrize("command", [run_args, template_args])
@pytest.mark.parametrize("which", ["outputs", "province"])
def test_a_file_where_a_folder_should_be(
    command: object, which: str, sample_inputs_copy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    blocker = out if which == "outputs" else out / "lao-cai"
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("not a folder")
    line = one_line_failure(*invoke(command(sample_inputs_copy, out)))  # type: ignore[operator]
    assert "file" in line and str(blocker) in line


@pytest.fixture(scope="module")
def written_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A province's inputs and a complete report set for 2024-Q2, made once (copied by each test)."""
    base = tmp_path_factory.mktemp("written")
    inputs = base / "lao-cai"
    shutil.copytree(SAMPLE_INPUTS, inputs)
    run_report(ReportRequest(inputs, Period.parse(PERIOD), base / "out", date(2024, 7, 5)))
    return base


def copy_of(written_set: Path, tmp_path: Path) -> tuple[Path, Path, Path]:
    """A fresh copy of the written set: inputs, outputs root, period folder."""
    shutil.copytree(written_set, tmp_path / "w")
    base = tmp_path / "w"
    return base / "lao-cai", base / "out", base / "out" / "lao-cai" / PERIOD


@needs_root
@pytest.mark.parametrize("name", ["BC-2024-Q2-STTTT.pdf", "BC-2024-Q2-STTTT.manifest.json"])
def test_an_immutable_document_stops_the_run_before_any_is_replaced(
    name: str, written_set: Path, tmp_path: Path, immutable: list[Path]
) -> None:
    inputs, out, folder = copy_of(written_set, tmp_path)
    before = {p.name: file_sha256(p) for p in folder.glob("BC-*")}
    chattr_i(immutable, folder / name)
    line = one_line_failure(*invoke([*run_args(inputs, out), "--date", "2024-07-08"]))
    assert name in line and "immutable" in line
    assert {p.name: file_sha256(p) for p in folder.glob("BC-*")} == before, "the old set, whole"
    assert not list(folder.glob(".staging-*"))


@needs_root
def test_an_immutable_form_file(sample_inputs_copy: Path, tmp_path: Path, immutable: list[Path]) -> None:
    out = tmp_path / "out"
    assert invoke(template_args(sample_inputs_copy, out))[0] == 0
    form = out / "lao-cai" / "forms" / "2025-Q1" / "SAPA.xlsx"
    chattr_i(immutable, form)
    line = one_line_failure(*invoke(template_args(sample_inputs_copy, out)))
    assert "SAPA.xlsx" in line


def inbox_with_a_form(inputs: Path) -> None:
    """A valid 2025-Q1 form in the inbox (a quarter the sample has no folder for yet)."""
    setup = load_setup(inputs)
    (inputs / "inbox").mkdir()
    unit = setup.province.unit("SAPA")
    content = FormContent(values={"BC01": 5}, prepared_on=date(2025, 3, 17))
    write_form(
        inputs / "inbox" / "SAPA.xlsx",
        setup.catalogue,
        setup.province,
        unit,
        Period.parse("2025-Q1"),
        content,
    )


@needs_root
@pytest.mark.parametrize("where", ["inputs", "store", "submissions"])
def test_collect_into_an_immutable_folder(
    where: str, sample_inputs_copy: Path, immutable: list[Path]
) -> None:
    inbox_with_a_form(sample_inputs_copy)
    folder = sample_inputs_copy / where if where != "inputs" else sample_inputs_copy
    folder.mkdir(exist_ok=True)
    chattr_i(immutable, folder)
    line = one_line_failure(*invoke(["collect", "--no-prefect", "--inputs", str(sample_inputs_copy)]))
    assert "Operation not permitted" in line
    assert (sample_inputs_copy / "inbox" / "SAPA.xlsx").is_file() or where == "store", "nothing lost"


def test_collect_with_a_file_for_the_store(sample_inputs_copy: Path) -> None:
    inbox_with_a_form(sample_inputs_copy)
    (sample_inputs_copy / "store").write_text("not a folder")
    line = one_line_failure(*invoke(["collect", "--no-prefect", "--inputs", str(sample_inputs_copy)]))
    assert "store" in line and "file" in line


# --- read-only for an ordinary user: the command runs as `nobody` -----------------------------------------


@pytest.fixture
def shared(tmp_path: Path) -> Iterator[Path]:
    """A folder `nobody` can reach (pytest's own is private to root), removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="baocao-ro-", dir=tmp_path.anchor + "tmp"))
    base.chmod(0o755)
    (base / "home").mkdir()
    shutil.chown(base / "home", "nobody")
    try:
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


def as_nobody(args: list[str], home: Path) -> tuple[int, str]:
    """Run the command in a child process that has become the unprivileged user nobody (forked, not
    exec'd: the interpreter lives under /root, which nobody cannot read; the modules are loaded already)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop root, run the command, send back what it printed
        code = 0
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            os.environ["HOME"] = str(home)
            os.write(write, json.dumps(invoke(args)).encode("utf-8"))
        except BaseException as exc:  # an assertion in the child: hand it to the parent
            os.write(write, json.dumps([-1, f"child failed: {exc!r}"]).encode("utf-8"))
            code = 1
        finally:
            os._exit(code)
    os.close(write)
    chunks, deadline = [], time.monotonic() + 300
    with os.fdopen(read, "rb") as pipe:
        while True:  # a child stuck (say, on a lock another thread held at fork time) fails, never hangs
            ready, _, _ = select.select([pipe], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                pytest.fail("the command run as nobody did not finish in 300 s")
            chunk = os.read(pipe.fileno(), 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    os.waitpid(pid, 0)
    data = b"".join(chunks)
    exit_code, output = json.loads(data)
    return int(exit_code), str(output)


def chown_tree(path: Path) -> None:
    for p in [path, *path.rglob("*")]:
        shutil.chown(p, "nobody", "nogroup")


@needs_root
@pytest.mark.parametrize("where", ["outputs", "province", "period", "documents"])
def test_a_read_only_folder_or_document_for_an_ordinary_user(
    where: str, written_set: Path, shared: Path
) -> None:
    shutil.copytree(written_set / "lao-cai", shared / "lao-cai")
    out = shared / "out"
    shutil.copytree(written_set / "out", out)
    chown_tree(out)
    folder = out / "lao-cai" / PERIOD
    before = {p.name: file_sha256(p) for p in folder.glob("BC-*")}
    if where == "documents":  # replacing a file needs only its folder writable: refused all the same
        for path in folder.glob("BC-*"):
            path.chmod(0o444)
    else:
        # The folder that cannot be written, with nothing yet below it (except for the period's own folder).
        locked = {"outputs": out, "province": out / "lao-cai", "period": folder}[where]
        for child in locked.iterdir() if where != "period" else []:
            shutil.rmtree(child)
        locked.chmod(0o555)
    line = one_line_failure(
        *as_nobody([*run_args(shared / "lao-cai", out), "--date", "2024-07-08"], shared / "home")
    )
    assert ("Permission denied" in line) if where != "documents" else ("read-only" in line)
    if where in ("documents", "period"):
        assert {p.name: file_sha256(p) for p in folder.glob("BC-*")} == before


@needs_root
@pytest.mark.parametrize("where", ["outputs", "province", "forms"])
def test_a_read_only_folder_for_template_as_an_ordinary_user(where: str, shared: Path) -> None:
    shutil.copytree(SAMPLE_INPUTS, shared / "lao-cai")
    out = shared / "out"
    folder = {"outputs": out, "province": out / "lao-cai", "forms": out / "lao-cai" / "forms"}[where]
    folder.mkdir(parents=True)
    chown_tree(out)
    folder.chmod(0o555)
    line = one_line_failure(*as_nobody(template_args(shared / "lao-cai", out), shared / "home"))
    assert "Permission denied" in line and str(folder) in line


@needs_root
def test_a_read_only_province_folder_for_collect_as_an_ordinary_user(shared: Path) -> None:
    inputs = shared / "lao-cai"
    shutil.copytree(SAMPLE_INPUTS, inputs)
    inbox_with_a_form(inputs)
    chown_tree(inputs / "inbox")
    line = one_line_failure(*as_nobody(["collect", "--no-prefect", "--inputs", str(inputs)], shared / "home"))
    assert "Permission denied" in line
    assert (inputs / "inbox" / "SAPA.xlsx").is_file(), "nothing lost"


@needs_root
@pytest.mark.parametrize("where", ["period", "document"])
def test_through_prefect_the_same_line_before_any_flow_starts(
    where: str, written_set: Path, tmp_path: Path, immutable: list[Path]
) -> None:
    inputs, out, folder = copy_of(written_set, tmp_path)
    chattr_i(immutable, folder if where == "period" else folder / "BC-2024-Q2-STTTT.docx")
    args = [a for a in run_args(inputs, out) if a != "--no-prefect"]
    code, output = invoke(args)
    line = one_line_failure(code, output)
    assert "Operation not permitted" in line or "immutable" in line


@needs_root
@pytest.mark.parametrize("where", ["store", "submissions"])
def test_collect_through_prefect_the_same_line_before_any_flow_starts(
    where: str, sample_inputs_copy: Path, immutable: list[Path]
) -> None:
    inbox_with_a_form(sample_inputs_copy)
    folder = sample_inputs_copy / where
    folder.mkdir(exist_ok=True)
    chattr_i(immutable, folder)
    line = one_line_failure(*invoke(["collect", "--inputs", str(sample_inputs_copy)]))
    assert "Operation not permitted" in line and str(folder) in line
    assert (sample_inputs_copy / "inbox" / "SAPA.xlsx").is_file(), "nothing lost"
