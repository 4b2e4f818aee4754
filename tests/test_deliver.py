"""Delivery through a real SMTP server on 127.0.0.1 (aiosmtpd): one mail, Vietnamese names intact, never twice."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from baocao.deliver import SmtpSettings, attachment_name
from baocao.periods import Period
from baocao.report import run_report

PERIOD = Period.parse("2024-Q2")


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[list[str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        self.envelopes.append(list(envelope.rcpt_tos))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1, with the BAOCAO_SMTP_* variables pointing at it."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("BAOCAO_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("BAOCAO_SMTP_PORT", str(port))
    monkeypatch.setenv("BAOCAO_MAIL_FROM", "baocao@stttt.laocai.example.vn")
    monkeypatch.setenv("BAOCAO_SMTP_PASSWORD", "s3cr3t-never-shown")
    try:
        yield inbox
    finally:
        controller.stop()


def test_one_mail_with_both_documents_and_never_twice(
    smtp_server: Inbox, sample_inputs_copy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = run_report(sample_inputs_copy, PERIOD, out, date(2024, 7, 5), deliver=True)
    assert result.delivery == "sent"
    [mail] = smtp_server.messages
    assert sorted(smtp_server.envelopes[0]) == sorted(
        [
            "giamdoc@stttt.laocai.example.vn",
            "vanphong@stttt.laocai.example.vn",
            "phong.khtc@stttt.laocai.example.vn",
        ]
    )
    assert mail["Subject"] == (
        "Sở Thông tin và Truyền thông: Báo cáo kết quả công tác quý II/2024 và nhiệm vụ trọng tâm quý III/2024"
    )
    attachments = {part.get_filename(): part for part in mail.iter_attachments()}
    assert set(attachments) == {"Báo cáo quý II-2024 - STTTT.docx", "Báo cáo quý II-2024 - STTTT.pdf"}
    assert attachments["Báo cáo quý II-2024 - STTTT.pdf"].get_content() == result.pdf.read_bytes()
    assert attachments["Báo cáo quý II-2024 - STTTT.docx"].get_content() == result.docx.read_bytes()
    assert attachments["Báo cáo quý II-2024 - STTTT.pdf"].get_content_type() == "application/pdf"
    assert "9/9" in mail.get_body(("plain",)).get_content()
    published = out / "lao-cai" / "published"
    assert {p.name for p in published.iterdir()} == {result.docx.name, result.pdf.name}

    again = run_report(sample_inputs_copy, PERIOD, out, date(2024, 7, 5), deliver=True)
    assert again.delivery == "already-sent"
    assert len(smtp_server.messages) == 1
    # The SMTP password is in the environment only: never in the manifest, the ledger or the mail.
    assert again.manifest is not None
    for path in [again.manifest, result.docx.parent / "delivery.json"]:
        assert "s3cr3t" not in path.read_text(encoding="utf-8")
    assert "s3cr3t" not in mail.as_string()


def test_smtp_down_still_writes_and_publishes_then_sends_once(
    monkeypatch: pytest.MonkeyPatch, sample_inputs_copy: Path, tmp_path: Path
) -> None:
    dead = free_port()
    monkeypatch.setenv("BAOCAO_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("BAOCAO_SMTP_PORT", str(dead))
    # Skip the retries' back-off, not the retries.
    monkeypatch.setattr("baocao.deliver.time.sleep", lambda _: None)
    out = tmp_path / "out"
    result = run_report(sample_inputs_copy, PERIOD, out, date(2024, 7, 5), deliver=True)
    assert result.delivery.startswith("failed: could not send mail through 127.0.0.1")
    assert all(p.is_file() for p in result.paths)
    assert (out / "lao-cai" / "published" / result.pdf.name).is_file()
    assert not (result.docx.parent / "delivery.json").exists()

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=dead)
    controller.start()
    try:
        assert run_report(sample_inputs_copy, PERIOD, out, date(2024, 7, 5), deliver=True).delivery == "sent"
    finally:
        controller.stop()
    assert len(inbox.messages) == 1


def test_without_smtp_settings_documents_are_only_published(
    monkeypatch: pytest.MonkeyPatch, sample_inputs_copy: Path, tmp_path: Path
) -> None:
    monkeypatch.delenv("BAOCAO_SMTP_HOST", raising=False)
    monkeypatch.setenv("BAOCAO_PUBLISH_DIR", str(tmp_path / "cong-bo"))
    result = run_report(sample_inputs_copy, PERIOD, tmp_path / "out", date(2024, 7, 5), deliver=True)
    assert result.delivery == "not-configured"
    assert {p.name for p in (tmp_path / "cong-bo").iterdir()} == {result.docx.name, result.pdf.name}


def test_settings_never_show_the_password(smtp_server: Inbox) -> None:
    settings = SmtpSettings.from_env()
    assert settings is not None and settings.password == "s3cr3t-never-shown"
    assert "s3cr3t" not in repr(settings)


def test_attachment_name() -> None:
    assert (
        attachment_name("6 tháng đầu năm 2024", "STTTT", ".pdf") == "Báo cáo 6 tháng đầu năm 2024 - STTTT.pdf"
    )
    assert attachment_name("quý IV/2024", "SKHCN", ".docx") == "Báo cáo quý IV-2024 - SKHCN.docx"


def test_manifest_lists_versions_and_configuration(sample_inputs_copy: Path, tmp_path: Path) -> None:
    first = run_report(sample_inputs_copy, PERIOD, tmp_path / "a", date(2024, 7, 5))
    second = run_report(sample_inputs_copy, PERIOD, tmp_path / "b", date(2024, 7, 5))
    assert first.manifest is not None and second.manifest is not None
    one = json.loads(first.manifest.read_text(encoding="utf-8"))
    two = json.loads(second.manifest.read_text(encoding="utf-8"))
    assert one["figures_sha256"] == two["figures_sha256"]
    assert one["configuration"] == two["configuration"]
    assert set(one["configuration"]["files"]) >= {
        "province.yaml",
        "indicators.yaml",
        "phrases.yaml",
        "report.docx",
    }
    used = {(s["unit"], s["quarter"]) for s in one["submissions"]}
    assert ("BATXAT", "2024-Q2") in used and ("BATXAT", "2023-Q2") in used
    assert all(len(s["sha256"]) == 64 for s in one["submissions"])
