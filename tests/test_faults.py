"""Faults: processes killed mid-write, two runs at once, a full disk, hostile templates, secrets.

Kills are real: `baocao` runs in a subprocess and receives SIGKILL while it writes.
"""

from __future__ import annotations

import http.server
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from baocao.errors import RenderError
from baocao.files import READY, file_sha256, finish_staged
from baocao.periods import Period
from baocao.provenance import figures_digest
from baocao.report import TEMPLATES, ReportRequest, collection_for, figures_for, load_setup, run_report
from baocao.store import read_index

PERIOD = Period.parse("2024-Q2")


def baocao(*args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "baocao", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def wait_for(condition, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached")


def documents_are_whole(folder: Path) -> None:
    """Every document under its final name opens completely."""
    for path in folder.glob("BC-*.docx"):
        Document(str(path))
    for path in folder.glob("BC-*.pdf"):
        assert len(PdfReader(path).pages) > 3
    for path in folder.glob("BC-*.xlsx"):
        load_workbook(path)


@pytest.mark.slow
def test_killed_while_rendering_then_a_clean_rerun(sample_inputs_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    folder = out / "lao-cai" / PERIOD.code
    process = baocao(
        "run",
        "--no-prefect",
        "--period",
        PERIOD.code,
        "--inputs",
        str(sample_inputs_copy),
        "--outputs",
        str(out),
        "--date",
        "2024-07-05",
    )
    # The DOCX is staged first; the PDF takes seconds: kill while it is being laid out.
    wait_for(lambda: bool(list(folder.glob(".staging-*/BC-2024-Q2-STTTT.docx"))))
    time.sleep(0.5)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert not list(folder.glob("BC-*")), "nothing under a final name before the set is complete"
    documents_are_whole(folder)

    result = run_report(ReportRequest(sample_inputs_copy, PERIOD, out, date(2024, 7, 5)))
    assert not list(folder.glob(".*.part")), "leftovers of the killed run are swept"
    assert not list(folder.glob(".staging-*")), "the killed run's staging folder is swept"
    documents_are_whole(folder)
    setup = load_setup(sample_inputs_copy)
    clean = figures_digest(figures_for(setup, collection_for(setup, PERIOD), PERIOD))
    assert result.manifest is not None
    import json

    assert json.loads(result.manifest.read_text(encoding="utf-8"))["figures_sha256"] == clean


def document_set(folder: Path) -> dict[str, str]:
    """Name -> SHA-256 of the report's files under their final names."""
    return {p.name: file_sha256(p) for p in sorted(folder.glob("BC-*")) if p.is_file()}


def manifest_matches(folder: Path) -> dict[str, str]:
    """The manifest's document hashes, checked against the files beside it (the set is one run's)."""
    [manifest] = folder.glob("BC-*.manifest.json")
    listed = json.loads(manifest.read_text(encoding="utf-8"))["documents"]
    assert set(listed) == {"BC-2024-Q2-STTTT.docx", "BC-2024-Q2-STTTT.pdf", "BC-2024-Q2-STTTT.xlsx"}
    for name, sha in listed.items():
        assert file_sha256(folder / name) == sha, f"{name} is not the one its manifest lists"
    return dict(listed)


@pytest.mark.slow
def test_a_run_killed_between_documents_leaves_the_previous_set_whole(
    sample_inputs_copy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    folder = out / "lao-cai" / PERIOD.code
    run_report(ReportRequest(sample_inputs_copy, PERIOD, out, date(2024, 7, 5)))
    before = document_set(folder)
    manifest_matches(folder)
    # A second run (another date, so every document changes) is killed after its DOCX, during its PDF.
    args = ("--period", PERIOD.code, "--inputs", str(sample_inputs_copy), "--outputs", str(out))
    process = baocao("run", "--no-prefect", *args, "--date", "2024-07-08")
    wait_for(lambda: bool(list(folder.glob(".staging-*/BC-2024-Q2-STTTT.docx"))))
    time.sleep(0.3)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert document_set(folder) == before, "the previous set is untouched, all four files"
    manifest_matches(folder)

    rerun = baocao("run", "--no-prefect", *args, "--date", "2024-07-08")
    assert rerun.wait(timeout=300) == 0, rerun.stderr.read() if rerun.stderr else ""
    after = document_set(folder)
    assert set(after) == set(before) and all(after[n] != before[n] for n in after), "entirely new"
    manifest_matches(folder)
    assert not list(folder.glob(".staging-*"))
    documents_are_whole(folder)


def test_a_set_killed_inside_the_swap_is_rolled_forward(tmp_path: Path) -> None:
    folder = tmp_path / "2024-Q2"
    folder.mkdir()
    names = ["BC.docx", "BC.manifest.json", "BC.pdf", "BC.xlsx"]
    for name in names:
        (folder / name).write_text("old " + name)
    complete = folder / ".staging-aaaa"
    complete.mkdir()
    for name in names:
        (complete / name).write_text("new " + name)
    (complete / READY).write_text(json.dumps(["BC.docx", "BC.pdf", "BC.xlsx", "BC.manifest.json"]))
    (complete / "BC.docx").replace(folder / "BC.docx")  # killed after the first rename
    (complete / "BC.pdf").replace(folder / "BC.pdf")
    unfinished = folder / ".staging-bbbb"  # an older killed run that never staged its whole set
    unfinished.mkdir()
    (unfinished / "BC.docx").write_text("half")

    assert sorted(p.name for p in finish_staged(folder)) == [".staging-aaaa", ".staging-bbbb"]
    assert {p.name: p.read_text() for p in folder.iterdir()} == {n: "new " + n for n in names}


def test_an_unfinished_staging_folder_is_removed_and_the_old_set_kept(tmp_path: Path) -> None:
    folder = tmp_path / "2024-Q2"
    (folder / ".staging-cccc").mkdir(parents=True)
    (folder / "BC.docx").write_text("old")
    (folder / ".staging-cccc" / "BC.docx").write_text("new")
    (folder / ".staging-cccc" / "BC.pdf").write_text("new")
    finish_staged(folder)
    assert {p.name: p.read_text() for p in folder.iterdir()} == {"BC.docx": "old"}


@pytest.mark.slow
def test_killed_while_collecting_loses_nothing(sample_inputs_copy: Path) -> None:
    inbox = sample_inputs_copy / "inbox"
    inbox.mkdir()
    dropped = {}
    for source in sorted((sample_inputs_copy / "submissions").glob("*/*.xlsx")):
        target = inbox / f"{source.parent.name}-{source.name}"
        shutil.copy(source, target)
        dropped[target.name] = file_sha256(target)
    shutil.rmtree(sample_inputs_copy / "submissions")
    index = sample_inputs_copy / "store" / "index.jsonl"
    process = baocao("collect", "--no-prefect", "--inputs", str(sample_inputs_copy))
    wait_for(lambda: index.exists() and len(index.read_text(encoding="utf-8").splitlines()) >= 10)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    left = {p.name for p in inbox.glob("*.xlsx")}
    assert left, "killed half-way"

    rerun = baocao("collect", "--no-prefect", "--inputs", str(sample_inputs_copy))
    assert rerun.wait(timeout=300) == 0, rerun.stderr.read() if rerun.stderr else ""
    stored = {v.sha256 for v in read_index(sample_inputs_copy)}
    assert set(dropped.values()) <= stored, "every file dropped is in the store"
    for version in read_index(sample_inputs_copy):
        assert file_sha256(sample_inputs_copy / "store" / version.path) == version.sha256
    assert not list((sample_inputs_copy / "store").rglob(".*.part"))
    assert not list(inbox.glob("*.xlsx"))
    assert len(list((sample_inputs_copy / "submissions").glob("*/*.xlsx"))) == len(dropped)


@pytest.mark.slow
def test_two_runs_of_one_period_at_once(sample_inputs_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = (
        "run",
        "--no-prefect",
        "--period",
        PERIOD.code,
        "--inputs",
        str(sample_inputs_copy),
        "--outputs",
        str(out),
        "--date",
        "2024-07-05",
    )
    first, second = baocao(*args), baocao(*args)
    assert first.wait(timeout=300) == 0 and second.wait(timeout=300) == 0
    messages = b"".join(p.stderr.read() for p in (first, second) if p.stderr).decode()
    assert "chờ lần đó xong" in messages
    documents_are_whole(out / "lao-cai" / PERIOD.code)


@pytest.fixture
def full_disk(tmp_path: Path) -> Path:
    """A 3 MB tmpfs: room for the inputs' reading, not for the documents."""
    mount = tmp_path / "full"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


@pytest.mark.slow
def test_a_full_disk_is_reported_and_nothing_half_written(sample_inputs_copy: Path, full_disk: Path) -> None:
    ballast = full_disk / "ballast"
    ballast.write_bytes(b"\0" * (2_700 * 1024))  # leave about 300 KB
    with pytest.raises(RenderError, match="disk is full"):
        run_report(ReportRequest(sample_inputs_copy, PERIOD, full_disk, date(2024, 7, 5)))
    folder = full_disk / "lao-cai" / PERIOD.code
    assert not list(folder.glob(".*.part"))
    documents_are_whole(folder)


@pytest.mark.slow
def test_the_cli_says_the_disk_is_full_in_one_line(sample_inputs_copy: Path, full_disk: Path) -> None:
    (full_disk / "ballast").write_bytes(b"\0" * (2_700 * 1024))
    process = baocao(
        "run",
        "--no-prefect",
        "--period",
        PERIOD.code,
        "--inputs",
        str(sample_inputs_copy),
        "--outputs",
        str(full_disk),
    )
    assert process.wait(timeout=300) == 1
    lines = [
        line for line in (process.stderr.read() if process.stderr else b"").decode().splitlines() if line
    ]
    # Piped, the steps are plain "· …" lines as they happen; the error that ends the run is one line.
    said = [line for line in lines if not line.startswith("· ")]
    assert len(said) == 1 and "disk is full" in said[0], lines
    assert lines[-1] == said[0]


def hostile_templates(tmp_path: Path, html: str) -> Path:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    (templates / "report.html.j2").write_text(html, encoding="utf-8")
    return templates


@pytest.mark.slow
def test_a_template_cannot_reach_python(sample_inputs_copy: Path, tmp_path: Path) -> None:
    templates = hostile_templates(tmp_path, "<p>{{ ''.__class__.__mro__[1].__subclasses__() }}</p>")
    with pytest.raises(RenderError, match=r"unsafe|access"):
        run_report(
            ReportRequest(sample_inputs_copy, PERIOD, tmp_path / "out", date(2024, 7, 5), templates=templates)
        )


class _Counter(http.server.BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self) -> None:
        type(self).hits += 1
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.slow
@pytest.mark.allow_weasyprint_warnings
def test_the_pdf_fetches_nothing_outside_templates(
    sample_inputs_copy: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Counter)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }", encoding="utf-8")
    html = (
        f'<html><head><link rel="stylesheet" href="http://127.0.0.1:{port}/x.css">'
        f'<link rel="stylesheet" href="file://{secret}"></head>'
        f'<body><img src="http://127.0.0.1:{port}/x.png"><p>{{{{ doc.title }}}}</p></body></html>'
    )
    templates = hostile_templates(tmp_path, html)
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        result = run_report(
            ReportRequest(sample_inputs_copy, PERIOD, tmp_path / "out", date(2024, 7, 5), templates=templates)
        )
    server.shutdown()
    assert _Counter.hits == 0
    assert result.pdf.is_file()
    refused = " ".join(r.getMessage() for r in caplog.records)
    assert "outside" in refused or "disallowed" in refused


@pytest.mark.slow
def test_secrets_never_in_logs_or_files(
    sample_inputs_copy: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("BAOCAO_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("BAOCAO_SMTP_PORT", "1")  # nothing listens: the failure is logged and reported
    monkeypatch.setenv("BAOCAO_SMTP_PASSWORD", "mat-khau-bi-mat-123")
    monkeypatch.setattr("baocao.deliver.time.sleep", lambda _: None)
    with caplog.at_level(logging.DEBUG):
        result = run_report(
            ReportRequest(sample_inputs_copy, PERIOD, tmp_path / "out", date(2024, 7, 5), deliver=True)
        )
    assert result.delivery.failed
    assert "mat-khau" not in str(result.delivery) and "mat-khau" not in caplog.text
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file() and path.suffix in (".json", ".txt", ".xml"):
            assert "mat-khau" not in path.read_text(encoding="utf-8", errors="replace")
