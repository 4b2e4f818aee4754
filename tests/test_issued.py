"""Issued documents are records: every run's set kept as a numbered version, read back by baocao.issued."""

from __future__ import annotations

import json
import os
import signal
import time
from datetime import date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from baocao.cli import app
from baocao.errors import BaocaoError, NotIssuedError
from baocao.files import file_sha256, finish_staged
from baocao.issued import IssuedVersion, document_url, issued_document, issued_versions
from baocao.periods import VIETNAM, Period
from baocao.provenance import figures_digest
from baocao.report import ReportRequest, collection_for, figures_for, load_setup, run_report
from baocao.versions import (
    VersionNote,
    keep_signed,
    keep_version,
    kept_version_of,
    latest_follows,
    make_latest,
    staging_folder,
)

PERIOD = Period.parse("2024-Q2")
NAMES = ("BC-2024-Q2-STTTT.docx", "BC-2024-Q2-STTTT.pdf", "BC-2024-Q2-STTTT.xlsx")
MANIFEST = "BC-2024-Q2-STTTT.manifest.json"


def stage_set(staging: Path, text: str, figures: str = "f" * 64) -> None:
    """A set of documents whose content is ``text``, with a manifest listing their hashes."""
    for name in NAMES:
        (staging / name).write_text(f"{text} {name}", encoding="utf-8")
    documents = {name: file_sha256(staging / name) for name in NAMES}
    manifest = {"period": PERIOD.code, "figures_sha256": figures, "documents": documents}
    (staging / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


def issue(folder: Path, text: str, note: VersionNote, *, latest: bool = True) -> int:
    """Keep a hand-made set as the next version of ``folder`` (``latest``: and swap it in, as a run does)."""
    with staging_folder(folder) as staging:
        stage_set(staging, text)
        number = keep_version(staging, folder, note)
    if latest:
        make_latest(folder, number)
    return number


def note(day: int, who: str = "cli:lan", number: int | None = None) -> VersionNote:
    return VersionNote(who, date(2024, 7, day), number, f"{day:064d}")


@pytest.fixture
def period_folder(tmp_path: Path) -> Path:
    return tmp_path / "out" / "lao-cai" / PERIOD.code


def test_versions_are_numbered_in_order_and_read_back(period_folder: Path, tmp_path: Path) -> None:
    assert issued_versions(tmp_path / "out", "lao-cai", PERIOD.code) == []
    before = datetime.now(VIETNAM).replace(microsecond=0)
    assert issue(period_folder, "first", note(5)) == 1
    assert issue(period_folder, "second", note(8, "schedule", 12)) == 2
    one, two = issued_versions(tmp_path / "out", "lao-cai", PERIOD.code)
    assert isinstance(one, IssuedVersion)
    assert (one.version, one.report_date, one.report_number, one.started_by) == (
        1,
        date(2024, 7, 5),
        None,
        "cli:lan",
    )
    assert (two.version, two.report_date, two.report_number, two.started_by) == (
        2,
        date(2024, 7, 8),
        12,
        "schedule",
    )
    assert one.inputs_sha256 == "5".rjust(64, "0") and two.inputs_sha256 == "8".rjust(64, "0")
    assert one.figures_sha256 == "f" * 64
    assert one.made_at.utcoffset() == VIETNAM.utcoffset(datetime(2024, 7, 5)) and one.made_at >= before
    assert (one.province, one.period, one.published, one.mailed) == ("lao-cai", "2024-Q2", False, False)
    assert set(one.documents) == {"docx", "pdf", "xlsx"}
    for version, text in ((one, "first"), (two, "second")):
        for kind, path in version.documents.items():
            assert (
                path.is_absolute() and path.read_text(encoding="utf-8") == f"{text} BC-2024-Q2-STTTT.{kind}"
            )
            assert not os.access(path, os.W_OK) or os.geteuid() == 0, "kept files are read-only"
            assert path.stat().st_mode & 0o222 == 0
    # The latest set, where users open it, is the second one; the first is still there as it was.
    assert (period_folder / NAMES[1]).read_text(encoding="utf-8") == f"second {NAMES[1]}"
    assert (
        issued_document(tmp_path / "out", "lao-cai", PERIOD.code, 1, "pdf").read_text(encoding="utf-8")
        == f"first {NAMES[1]}"
    )


def test_an_unknown_version_or_kind_is_not_issued(period_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    issue(period_folder, "first", note(5))
    assert issued_document(out, "lao-cai", PERIOD.code, 1, "xlsx").name == NAMES[2]
    with pytest.raises(NotIssuedError, match="Không có lần 2 của báo cáo quý II/2024") as caught:
        issued_document(out, "lao-cai", PERIOD.code, 2, "pdf")
    assert isinstance(caught.value, BaocaoError)
    with pytest.raises(NotIssuedError, match="chỉ có docx, pdf hoặc xlsx"):
        issued_document(out, "lao-cai", PERIOD.code, 1, "manifest.json")
    for version in (0, -1):
        with pytest.raises(NotIssuedError):
            issued_document(out, "lao-cai", PERIOD.code, version, "pdf")
    # Names from a URL never leave the outputs folder.
    (out / "secret" / "versions" / "1").mkdir(parents=True)
    for province, period in (("..", PERIOD.code), ("lao-cai/..", PERIOD.code), ("lao-cai", "../lao-cai")):
        with pytest.raises(NotIssuedError):
            issued_document(out, province, period, 1, "pdf")
        assert issued_versions(out, province, period) == []
    (period_folder / "versions" / "1" / NAMES[0]).unlink()
    with pytest.raises(NotIssuedError, match="không có tệp DOCX"):
        issued_document(out, "lao-cai", PERIOD.code, 1, "docx")


def test_document_url() -> None:
    for base in ("https://baocao.example.vn", "https://baocao.example.vn/"):
        assert document_url(base, "lao-cai", "2024-H1", 3, "pdf") == (
            "https://baocao.example.vn/documents/lao-cai/2024-H1/3/pdf"
        )
    assert (
        document_url("http://h:8080/portal/", "a", "2024", 1, "docx")
        == "http://h:8080/portal/documents/a/2024/1/docx"
    )


def test_a_version_kept_but_not_yet_swapped_in_becomes_the_latest_at_the_next_start(
    period_folder: Path,
) -> None:
    issue(period_folder, "first", note(5))
    # Killed after the rename into versions/2, before its copy was swapped in.
    issue(period_folder, "second", note(8), latest=False)
    assert (period_folder / NAMES[0]).read_text(encoding="utf-8") == f"first {NAMES[0]}"
    latest_follows(period_folder)
    for name in (*NAMES, MANIFEST):
        assert file_sha256(period_folder / name) == file_sha256(period_folder / "versions" / "2" / name)
    assert (period_folder / "versions" / "1" / NAMES[0]).read_text(encoding="utf-8") == f"first {NAMES[0]}"


def test_a_staging_folder_of_a_killed_run_is_never_a_version(period_folder: Path, tmp_path: Path) -> None:
    issue(period_folder, "first", note(5))
    left = period_folder / ".staging-killed"  # killed while rendering: a half set, never renamed
    left.mkdir()
    (left / NAMES[0]).write_text("half", encoding="utf-8")
    finish_staged(period_folder)
    latest_follows(period_folder)
    assert not left.exists()
    assert [v.version for v in issued_versions(tmp_path / "out", "lao-cai", PERIOD.code)] == [1]
    assert (period_folder / NAMES[0]).read_text(encoding="utf-8") == f"first {NAMES[0]}"
    assert sorted(p.name for p in (period_folder / "versions").iterdir()) == ["1"]


def test_a_set_made_before_versions_is_kept_as_version_one(period_folder: Path, tmp_path: Path) -> None:
    period_folder.mkdir(parents=True)
    stage_set(period_folder, "legacy")  # what a run of an earlier baocao left (perhaps mailed)
    manifest = json.loads((period_folder / MANIFEST).read_text(encoding="utf-8"))
    manifest["generated_at"] = "2024-07-05T09:30:00+07:00"
    manifest["inputs_sha256"] = "a" * 64
    (period_folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    latest_follows(period_folder)
    [old] = issued_versions(tmp_path / "out", "lao-cai", PERIOD.code)
    assert (old.version, old.report_date, old.started_by, old.inputs_sha256) == (
        1,
        date(2024, 7, 5),
        "",
        "a" * 64,
    )
    assert old.made_at == datetime(2024, 7, 5, 9, 30, tzinfo=VIETNAM)
    assert old.documents["pdf"].read_text(encoding="utf-8") == f"legacy {NAMES[1]}"
    latest_follows(period_folder)  # once only
    assert len(issued_versions(tmp_path / "out", "lao-cai", PERIOD.code)) == 1


def test_baocao_versions_prints_the_table(period_folder: Path, tmp_path: Path) -> None:
    from baocao.report import SAMPLE_INPUTS

    issue(period_folder, "first", note(5))
    issue(period_folder, "second", note(8, "portal:lan", 12))
    args = ["versions", PERIOD.code, "--inputs", str(SAMPLE_INPUTS), "--outputs", str(tmp_path / "out")]
    shown = CliRunner().invoke(app, args, env={"COLUMNS": "160"})
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    [header] = [line for line in lines if "Lần" in line]
    assert header.split() == [
        "Lần",
        "Số",
        "Ngày",
        "Ký",
        "số",
        "Lập",
        "lúc",
        "Người",
        "chạy",
        "Đã",
        "đăng",
        "Đã",
        "gửi",
        "thư",
        "Tệp",
    ]
    [first] = [line for line in lines if line.split()[:1] == ["1"]]
    [second] = [line for line in lines if line.split()[:1] == ["2"]]
    assert first.split()[1:4] == ["–", "05/07/2024", "–"] and "cli:lan" in first and "DOCX PDF XLSX" in first
    assert second.split()[1:3] == ["12", "08/07/2024"] and "portal:lan" in second
    assert str(period_folder / "versions") in shown.output.replace("\n", "")
    none = CliRunner().invoke(app, [*args[:1], "2024-Q3", *args[2:]])
    assert none.exit_code == 0 and "chưa có bản lưu nào của báo cáo quý III/2024" in none.output


def test_versions_loads_no_heavy_library(tmp_path: Path) -> None:
    from tests.test_imports import HEAVY, loaded_by

    loaded, done = loaded_by(tmp_path, "versions", "2024-Q2", "--outputs", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert loaded & HEAVY == set()


# --- whole runs ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_two_runs_with_different_dates_keep_both_versions(sample_inputs_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = run_report(ReportRequest(sample_inputs_copy, PERIOD, out, date(2024, 7, 5), started_by="cli:lan"))
    kept_first = {kind: file_sha256(p) for kind, p in zip(("docx", "pdf", "xlsx"), first.paths, strict=True)}
    second = run_report(
        ReportRequest(sample_inputs_copy, PERIOD, out, date(2024, 7, 8), 9, started_by="prefect")
    )
    assert (first.version, second.version) == (1, 2)
    one, two = issued_versions(out, "lao-cai", PERIOD.code)
    assert (one.report_date, two.report_date, two.report_number) == (date(2024, 7, 5), date(2024, 7, 8), 9)
    assert (one.started_by, two.started_by) == ("cli:lan", "prefect")
    assert one.inputs_sha256 != two.inputs_sha256, "the date is an input"
    # The same figures: the digest of the period's figures computed apart from any run.
    setup = load_setup(sample_inputs_copy)
    clean = figures_digest(figures_for(setup, collection_for(setup, PERIOD), PERIOD))
    assert one.figures_sha256 == two.figures_sha256 == clean
    # Each version's documents are its own: version 1 is byte for byte what the first run wrote.
    assert {k: file_sha256(p) for k, p in one.documents.items()} == kept_first
    assert all(file_sha256(one.documents[k]) != file_sha256(two.documents[k]) for k in ("docx", "pdf"))
    for version in (one, two):
        folder = version.documents["pdf"].parent
        listed = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["documents"]
        assert {n: file_sha256(folder / n) for n in listed} == listed
    # The period folder keeps the latest set where users open it.
    assert [file_sha256(p) for p in second.paths] == [
        file_sha256(two.documents[k]) for k in ("docx", "pdf", "xlsx")
    ]
    assert second.docx == out / "lao-cai" / PERIOD.code / NAMES[0]


@pytest.mark.slow
def test_an_unchanged_rerun_is_skipped_and_makes_no_version(sample_inputs_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_report(ReportRequest(sample_inputs_copy, PERIOD, out, date(2024, 7, 5)))
    again = run_report(ReportRequest(sample_inputs_copy, PERIOD, out, date(2024, 7, 5), force=False))
    assert again.skipped and again.version == 1
    assert [v.version for v in issued_versions(out, "lao-cai", PERIOD.code)] == [1]


@pytest.mark.slow
def test_a_run_killed_mid_write_leaves_no_half_version(sample_inputs_copy: Path, tmp_path: Path) -> None:
    from tests.test_faults import baocao, documents_are_whole, wait_for

    out = tmp_path / "out"
    folder = out / "lao-cai" / PERIOD.code
    run_report(ReportRequest(sample_inputs_copy, PERIOD, out, date(2024, 7, 5)))
    [kept] = issued_versions(out, "lao-cai", PERIOD.code)
    before = {k: file_sha256(p) for k, p in kept.documents.items()}
    args = ("--period", PERIOD.code, "--inputs", str(sample_inputs_copy), "--outputs", str(out))
    process = baocao("run", "--no-prefect", *args, "--date", "2024-07-08")
    wait_for(lambda: bool(list(folder.glob(".staging-*/BC-2024-Q2-STTTT.docx"))))
    time.sleep(0.3)  # inside the PDF
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert sorted(p.name for p in (folder / "versions").iterdir()) == ["1"], (
        "no version 2, not even a half one"
    )
    assert [v.version for v in issued_versions(out, "lao-cai", PERIOD.code)] == [1]
    rerun = run_report(ReportRequest(sample_inputs_copy, PERIOD, out, date(2024, 7, 8)))
    assert rerun.version == 2 and not list(folder.glob(".staging-*"))
    assert {
        k: file_sha256(p) for k, p in issued_versions(out, "lao-cai", PERIOD.code)[0].documents.items()
    } == before
    documents_are_whole(folder)
    documents_are_whole(folder / "versions" / "2")


def test_a_signed_copy_is_kept_as_the_next_version(period_folder: Path, tmp_path: Path) -> None:
    """What baocao sign keeps: the set of version 1 with a new PDF, as version 2, the latest."""
    issue(period_folder, "first", note(5))
    pdf = next(n for n in NAMES if n.endswith(".pdf"))
    assert kept_version_of(period_folder / pdf) == (period_folder, 1)
    assert kept_version_of(period_folder / "versions" / "1" / pdf) == (period_folder, 1)
    assert kept_version_of(tmp_path / pdf) is None
    changes = {"signed": ["signer", "agency"], "report_number": 17, "report_date": "2024-07-09"}
    assert keep_signed(period_folder, 1, pdf, b"signed", "cli:vt", changes) == 2
    one, two = issued_versions(tmp_path / "out", "lao-cai", PERIOD.code)
    assert (one.report_number, one.signed, one.signed_text) == (None, (), "–")
    assert (two.report_number, two.report_date, two.started_by) == (17, date(2024, 7, 9), "cli:vt")
    assert (two.signed, two.signed_from, two.signed_text) == (("signer", "agency"), 1, "lãnh đạo, cơ quan")
    assert (period_folder / pdf).read_bytes() == b"signed" == two.documents["pdf"].read_bytes()
    assert one.documents["pdf"].read_text(encoding="utf-8") == f"first {pdf}"  # kept as it was
    manifest = json.loads((period_folder / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["documents"][pdf] == file_sha256(period_folder / pdf)
    assert kept_version_of(period_folder / pdf) == (period_folder, 2)
