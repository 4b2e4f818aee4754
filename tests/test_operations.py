"""A quarter as a department runs it: forms out, filled, dropped in the inbox, collected, reported, mailed.

Everything goes through the `baocao` command, a real SMTP server on 127.0.0.1 receives the mail, and the
status table and the report must agree on who is missing and who is late.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from openpyxl import load_workbook
from typer.testing import CliRunner

from baocao.cli import app
from baocao.periods import Period
from baocao.report import load_setup
from baocao.store import TZ
from tests.support import docx_text, openpyxl_figures
from tests.test_deliver import Inbox, free_port

# A whole quarter end to end: forms, collection, a rendered report and mail.
pytestmark = pytest.mark.slow

QUARTER = "2025-Q1"
LATE, MISSING = "BAOYEN", "VANBAN"
runner = CliRunner()


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1 and the BAOCAO_SMTP_* variables pointing at it."""
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("BAOCAO_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("BAOCAO_SMTP_PORT", str(port))
    try:
        yield inbox
    finally:
        controller.stop()


def fill(form: Path, source: Path, person: str) -> None:
    """What a unit's clerk does: type last quarter's figures plus a little, sign, save."""
    figures = openpyxl_figures(source)
    wb = load_workbook(form)
    data = wb["Số liệu"]
    for row in data.iter_rows(min_row=5):
        code = row[1].value
        if code in figures:
            row[4].value = round(figures[code][0] * 1.02, 2)
            row[5].value = "thực hiện"
    info = wb["Thông tin"]
    for row in info.iter_rows(min_row=1, max_row=12):
        if row[0].value == "Người lập":
            row[1].value = person
    notes = wb["Ghi chú"]
    notes.cell(row=notes.max_row + 1, column=1, value="Kiến nghị – đề xuất")
    notes.cell(row=notes.max_row, column=3, value="Đề nghị Sở hỗ trợ thiết bị cho đài truyền thanh xã.")
    wb.save(form)


def test_a_quarter_from_forms_to_leaders_inboxes(
    smtp: Inbox, sample_inputs_copy: Path, tmp_path: Path
) -> None:
    province, out = sample_inputs_copy, tmp_path / "out"
    setup = load_setup(province)
    assert (
        runner.invoke(
            app, ["template", "--period", QUARTER, "--inputs", str(province), "--outputs", str(out)]
        ).exit_code
        == 0
    )
    forms = out / "lao-cai" / "forms" / QUARTER
    inbox = province / "inbox"
    inbox.mkdir()
    deadline = setup.province.deadline(Period.parse(QUARTER))
    on_time = datetime(deadline.year, deadline.month, deadline.day, 8, tzinfo=TZ) - timedelta(days=2)
    late = datetime(deadline.year, deadline.month, deadline.day, 8, tzinfo=TZ) + timedelta(days=3)
    for unit in setup.province.unit_codes:
        if unit in (LATE, MISSING):
            continue
        fill(forms / f"{unit}.xlsx", province / "submissions" / "2024-Q4" / f"{unit}.xlsx", "Nguyễn Văn A")
        (forms / f"{unit}.xlsx").rename(inbox / f"Báo cáo {unit}.xlsx")
    collected = runner.invoke(
        app, ["collect", "--inputs", str(province), "--no-prefect", "--received-at", on_time.isoformat()]
    )
    assert collected.exit_code == 0 and collected.output.count("→") == 7
    fill(forms / f"{LATE}.xlsx", province / "submissions" / "2024-Q4" / f"{LATE}.xlsx", "Trần Thị B")
    (forms / f"{LATE}.xlsx").rename(inbox / f"{LATE}.xlsx")
    collected = runner.invoke(
        app,
        [
            "collect",
            "--inputs",
            str(province),
            "--no-prefect",
            "--received-at",
            late.strftime("%Y-%m-%dT%H:%M"),
        ],
    )
    assert collected.exit_code == 0 and f"→ {LATE} {QUARTER}" in collected.output

    report_and_mail = [
        "run",
        "--period",
        QUARTER,
        "--inputs",
        str(province),
        "--outputs",
        str(out),
        "--no-prefect",
        "--deliver",
        "--date",
        "2025-03-25",
    ]
    # In a process of its own, as staff run it: the table's width is the COLUMNS it starts with, whatever
    # width an earlier test left the in-process consoles at (under xdist one such order wrapped the names).
    status = subprocess.run(
        [sys.executable, "-m", "baocao", "status", "--period", QUARTER, "--inputs", str(province)],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=120,
    )
    assert status.returncode == 0, status.stderr
    lines_by_unit = {
        u: next(line for line in status.stdout.splitlines() if setup.province.unit(u).name in line)
        for u in setup.province.unit_codes
    }
    # Deadline Friday 21/3/2025, received Monday 24/3 (three calendar days later): one working day late.
    assert "chưa gửi" in lines_by_unit[MISSING] and "chậm 1 ngày làm việc" in lines_by_unit[LATE]
    assert "đúng hạn" in lines_by_unit["SAPA"]
    assert "đã nhận 8/9: đúng hạn 7, chậm 1, chưa gửi 1, có lỗi 0" in status.stdout

    run = runner.invoke(app, report_and_mail)
    assert run.exit_code == 0, run.output
    assert "thư: đã gửi đến" in run.output
    docx = out / "lao-cai" / QUARTER / f"BC-{QUARTER}-STTTT.docx"
    text = docx_text(docx)
    assert "nhận đủ báo cáo quý I/2025 của 8/9 đơn vị; huyện Văn Bàn chưa gửi báo cáo" in text
    assert "huyện Bảo Yên gửi chậm so với thời hạn" in text
    proposal = next(line for line in text.splitlines() if "hỗ trợ thiết bị cho đài truyền thanh xã" in line)
    assert (
        proposal.startswith("- UBND thành phố Lào Cai, huyện Bát Xát")
        and "huyện Bảo Yên và thị xã Sa Pa đề nghị Sở" in proposal
    )
    [mail] = smtp.messages
    names = sorted(part.get_filename() for part in mail.iter_attachments())
    assert names == ["Báo cáo quý I-2025 - STTTT.docx", "Báo cáo quý I-2025 - STTTT.pdf"]

    again = runner.invoke(app, report_and_mail)
    assert again.exit_code == 0 and "không gửi lại" in again.output, again.output
    assert len(smtp.messages) == 1
