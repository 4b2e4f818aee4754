"""Delivery through a real SMTP server on 127.0.0.1 (aiosmtpd): one mail, Vietnamese names intact, never twice."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from typer.testing import CliRunner

from baocao.cli import app
from baocao.deliver import DeliveryError, SmtpSettings, attachment_name, build_message, send_once
from baocao.periods import Period
from baocao.report import ReportRequest, run_report

PERIOD = Period.parse("2024-Q2")


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[list[str]] = []
        self.raw: list[bytes] = []
        self.senders: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        self.envelopes.append(list(envelope.rcpt_tos))
        self.raw.append(bytes(envelope.original_content or envelope.content))
        self.senders.append(str(envelope.mail_from))
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


@pytest.mark.slow
def test_one_mail_with_both_documents_and_never_twice(
    smtp_server: Inbox, sample_inputs_copy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = run_report(ReportRequest(sample_inputs_copy, PERIOD, out, date(2024, 7, 5), deliver=True))
    assert result.delivery.status == "sent"
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

    again = run_report(ReportRequest(sample_inputs_copy, PERIOD, out, date(2024, 7, 5), deliver=True))
    assert again.delivery.status == "already-sent"
    assert len(smtp_server.messages) == 1
    # The SMTP password is in the environment only: never in the manifest, the ledger or the mail.
    assert again.manifest is not None
    for path in [again.manifest, result.docx.parent / "delivery.json"]:
        assert "s3cr3t" not in path.read_text(encoding="utf-8")
    assert "s3cr3t" not in mail.as_string()


@pytest.mark.slow
def test_smtp_down_still_writes_and_publishes_then_sends_once(
    monkeypatch: pytest.MonkeyPatch, sample_inputs_copy: Path, tmp_path: Path
) -> None:
    dead = free_port()
    monkeypatch.setenv("BAOCAO_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("BAOCAO_SMTP_PORT", str(dead))
    # Skip the retries' back-off, not the retries.
    monkeypatch.setattr("baocao.deliver.time.sleep", lambda _: None)
    out = tmp_path / "out"
    result = run_report(ReportRequest(sample_inputs_copy, PERIOD, out, date(2024, 7, 5), deliver=True))
    assert str(result.delivery).startswith("failed: could not send mail through 127.0.0.1")
    assert all(p.is_file() for p in result.paths)
    assert (out / "lao-cai" / "published" / result.pdf.name).is_file()
    assert not (result.docx.parent / "delivery.json").exists()

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=dead)
    controller.start()
    try:
        assert (
            run_report(
                ReportRequest(sample_inputs_copy, PERIOD, out, date(2024, 7, 5), deliver=True)
            ).delivery.status
            == "sent"
        )
    finally:
        controller.stop()
    assert len(inbox.messages) == 1


@pytest.mark.slow
def test_without_smtp_settings_documents_are_only_published(
    monkeypatch: pytest.MonkeyPatch, sample_inputs_copy: Path, tmp_path: Path
) -> None:
    monkeypatch.delenv("BAOCAO_SMTP_HOST", raising=False)
    monkeypatch.setenv("BAOCAO_PUBLISH_DIR", str(tmp_path / "cong-bo"))
    result = run_report(
        ReportRequest(sample_inputs_copy, PERIOD, tmp_path / "out", date(2024, 7, 5), deliver=True)
    )
    assert result.delivery.status == "not-configured"
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


@pytest.mark.slow
def test_manifest_lists_versions_and_configuration(sample_inputs_copy: Path, tmp_path: Path) -> None:
    first = run_report(ReportRequest(sample_inputs_copy, PERIOD, tmp_path / "a", date(2024, 7, 5)))
    second = run_report(ReportRequest(sample_inputs_copy, PERIOD, tmp_path / "b", date(2024, 7, 5)))
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


def a_message(sender: str, now: datetime | None = None) -> EmailMessage:
    return build_message(
        sender=sender,
        to=["giamdoc@stttt.laocai.example.vn"],
        cc=[],
        subject="Báo cáo quý II/2024",
        body="Kính gửi lãnh đạo Sở.",
        attachments=[],
        key="0" * 64,
        now=now,
    )


def test_a_vietnamese_sender_name_is_encoded_and_arrives_intact(
    smtp_server: Inbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BAOCAO_MAIL_FROM", "Văn phòng Sở <vanphong@example.vn>")
    settings = SmtpSettings.from_env()
    assert settings is not None
    assert send_once(a_message(settings.sender), settings, tmp_path, "k").status == "sent"
    [mail], [raw] = smtp_server.messages, smtp_server.raw
    sender = mail["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == ("Văn phòng Sở", "vanphong@example.vn")
    assert smtp_server.senders == ["vanphong@example.vn"]
    [line] = [x for x in raw.split(b"\r\n") if x.startswith(b"From:")]
    assert line.isascii() and b"=?utf-8?" in line, "RFC 2047 encoded word, plain ASCII on the wire"
    assert mail["Message-ID"].endswith("@example.vn>")


def test_an_address_alone_gets_the_systems_name(smtp_server: Inbox) -> None:
    sender = a_message("baocao@stttt.laocai.example.vn")["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == ("Hệ thống báo cáo", "baocao@stttt.laocai.example.vn")


@pytest.mark.parametrize(
    "value", ["Văn phòng Sở", "vanphong@", "a@b@c", "<>", "Tên <x y@example.vn>", "a@b.vn\r\nBcc: x@y.vn"]
)
def test_a_bad_sender_is_one_clear_error(value: str) -> None:
    with pytest.raises(DeliveryError, match="BAOCAO_MAIL_FROM must be one mail address") as caught:
        SmtpSettings.from_env({"BAOCAO_SMTP_HOST": "127.0.0.1", "BAOCAO_MAIL_FROM": value})
    assert "\n" not in str(caught.value)


@pytest.mark.slow
def test_a_bad_sender_in_a_run_is_one_line_and_exit_status_1(
    smtp_server: Inbox, monkeypatch: pytest.MonkeyPatch, sample_inputs_copy: Path, tmp_path: Path
) -> None:
    monkeypatch.setenv("BAOCAO_MAIL_FROM", "Văn phòng Sở vanphong-at-example.vn")
    args = ["run", "--no-prefect", "--deliver", "--period", PERIOD.code, "--date", "2024-07-05"]
    result = CliRunner().invoke(app, [*args, "--inputs", str(sample_inputs_copy), "--outputs", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    [line] = [x for x in result.output.splitlines() if x.startswith("lỗi:")]
    assert "BAOCAO_MAIL_FROM must be one mail address" in line
    assert smtp_server.messages == [], "nothing sent"
    assert (tmp_path / "lao-cai" / PERIOD.code / "BC-2024-Q2-STTTT.pdf").is_file(), "documents written"


def test_the_mail_is_dated_on_vietnams_clock(smtp_server: Inbox, tmp_path: Path) -> None:
    # 30/6/2024 20:00 UTC is already 1/7/2024 03:00 in Vietnam.
    moment = datetime(2024, 6, 30, 20, 0, tzinfo=UTC)
    settings = SmtpSettings.from_env()
    assert settings is not None
    send_once(a_message(settings.sender, now=moment), settings, tmp_path, "k")
    [mail] = smtp_server.messages
    assert mail["Date"] == "Mon, 01 Jul 2024 03:00:00 +0700"
    assert mail["Date"].datetime == moment


@pytest.mark.slow
def test_a_mailed_version_is_kept_and_the_mail_links_to_the_portal(
    smtp_server: Inbox, monkeypatch: pytest.MonkeyPatch, sample_inputs_copy: Path, tmp_path: Path
) -> None:
    from baocao.files import file_sha256
    from baocao.issued import issued_versions

    monkeypatch.setenv("BAOCAO_PUBLIC_URL", "https://baocao.stttt.laocai.example.vn/")
    out = tmp_path / "out"
    mailed = run_report(
        ReportRequest(sample_inputs_copy, PERIOD, out, date(2024, 7, 5), deliver=True, started_by="schedule")
    )
    assert (mailed.delivery.status, mailed.version) == ("sent", 1)
    [mail] = smtp_server.messages
    body = mail.get_body(("plain",)).get_content()
    base = "https://baocao.stttt.laocai.example.vn/documents/lao-cai/2024-Q2/1"
    assert f"- PDF: {base}/pdf" in body and f"- DOCX: {base}/docx" in body and f"- XLSX: {base}/xlsx" in body
    assert "lần 1" in body and str(out) not in body, "the portal's address, not a server path"
    [kept] = issued_versions(out, "lao-cai", PERIOD.code)
    assert kept.mailed and kept.published and kept.started_by == "schedule"
    sent = {kind: file_sha256(path) for kind, path in kept.documents.items()}
    attached = {p.get_filename().rsplit(".", 1)[1]: p.get_content() for p in mail.iter_attachments()}
    assert set(attached) == {"docx", "pdf"}
    assert all(kept.documents[k].read_bytes() == v for k, v in attached.items()), (
        "the one kept is the one mailed"
    )

    # A re-run of the period with another date (not delivered) becomes the latest set; version 1 stays.
    later = run_report(ReportRequest(sample_inputs_copy, PERIOD, out, date(2024, 7, 9), started_by="cli:lan"))
    assert later.version == 2 and len(smtp_server.messages) == 1
    one, two = issued_versions(out, "lao-cai", PERIOD.code)
    assert {kind: file_sha256(path) for kind, path in one.documents.items()} == sent
    assert (one.mailed, one.published, two.mailed, two.published) == (True, True, False, False)
    assert file_sha256(later.pdf) == file_sha256(two.documents["pdf"]) != sent["pdf"]
    record = json.loads((one.documents["pdf"].parent / "version.json").read_text(encoding="utf-8"))
    assert sorted(record["mailed"]["to"]) == sorted(smtp_server.envelopes[0])
    assert record["published"]["to"] == str(out / "lao-cai" / "published")


def test_without_a_public_url_the_mail_has_no_links(monkeypatch: pytest.MonkeyPatch) -> None:
    from baocao.deliver import portal_links

    assert portal_links("", "lao-cai", PERIOD, 3) == []
    assert portal_links("https://x.vn", "lao-cai", PERIOD, None) == []
    assert [link["url"] for link in portal_links("https://x.vn/", "lao-cai", PERIOD, 3)] == [
        "https://x.vn/documents/lao-cai/2024-Q2/3/pdf",
        "https://x.vn/documents/lao-cai/2024-Q2/3/docx",
        "https://x.vn/documents/lao-cai/2024-Q2/3/xlsx",
    ]
