"""Delivery: publish the documents to a folder and mail them to the leaders, exactly once per report.

SMTP settings come from the environment (never from files that end up in outputs or logs):
BAOCAO_SMTP_HOST, BAOCAO_SMTP_PORT, BAOCAO_SMTP_USER, BAOCAO_SMTP_PASSWORD, BAOCAO_SMTP_STARTTLS,
BAOCAO_MAIL_FROM. With BAOCAO_PUBLIC_URL (the portal's public base URL) the mail links to the version's
documents on the portal.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import smtplib
import ssl
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any, Literal

from baocao.errors import BaocaoError
from baocao.files import atomic_path, write_bytes_atomic
from baocao.intake import UnitState
from baocao.issued import document_url
from baocao.periods import Period, vietnam_now
from baocao.setup import Setup

LEDGER = "delivery.json"
SENDER_NAME = "Hệ thống báo cáo"  # the From name when BAOCAO_MAIL_FROM gives only an address


class DeliveryError(BaocaoError):
    """The documents could not be mailed (they are written and published all the same)."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send mail; the password is never printed."""

    host: str
    port: int = 25
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    sender: str = "baocao@localhost"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpSettings | None:
        """Settings from BAOCAO_SMTP_* variables; None when no host is set."""
        env = os.environ if env is None else env
        host = env.get("BAOCAO_SMTP_HOST", "").strip()
        if not host:
            return None
        try:
            port = int(env.get("BAOCAO_SMTP_PORT", "25"))
        except ValueError as exc:
            raise DeliveryError(
                f"BAOCAO_SMTP_PORT must be a number, got {env.get('BAOCAO_SMTP_PORT')!r}"
            ) from exc
        return cls(
            host=host,
            port=port,
            user=env.get("BAOCAO_SMTP_USER") or None,
            password=env.get("BAOCAO_SMTP_PASSWORD") or None,
            starttls=env.get("BAOCAO_SMTP_STARTTLS", "").lower() in ("1", "true", "yes", "on"),
            sender=str(sender_address(env.get("BAOCAO_MAIL_FROM") or "baocao@localhost")),
        )

    def __repr__(self) -> str:
        return f"SmtpSettings(host={self.host!r}, port={self.port}, user={self.user!r}, password=***)"


def sender_address(value: str) -> Address:
    """The From address in BAOCAO_MAIL_FROM, 'addr@host' or 'Văn phòng Sở <addr@host>' (a Vietnamese name is
    RFC 2047-encoded when the mail is written); DeliveryError, one line, if it is not one mail address."""
    problem = (
        f"BAOCAO_MAIL_FROM must be one mail address, e.g. 'Văn phòng Sở <vanphong@example.vn>', got {value!r}"
    )
    if any(c in value for c in "\r\n\0"):  # a header must not smuggle in another one
        raise DeliveryError(problem)
    name, addr = parseaddr(value)
    try:
        address = Address(display_name=name.strip() or SENDER_NAME, addr_spec=addr)
    except (ValueError, IndexError, HeaderParseError) as exc:  # the parser's defects are ValueErrors
        raise DeliveryError(problem) from exc
    if not address.username or not address.domain or any(c.isspace() for c in address.addr_spec):
        raise DeliveryError(problem)
    return address


DeliveryStatus = Literal["not-requested", "sent", "already-sent", "not-configured", "no-recipients", "failed"]


@dataclass(frozen=True)
class Delivery:
    """What happened to one report's mail: ``failed`` with the ``error`` when it could not be sent (the
    documents are written and published all the same)."""

    status: DeliveryStatus
    recipients: tuple[str, ...] = ()
    key: str = ""
    error: str | None = None

    @property
    def failed(self) -> bool:
        """Whether the mail could not be sent."""
        return self.status == "failed"

    def __str__(self) -> str:
        return f"failed: {self.error}" if self.failed else self.status


def attachment_name(label: str, abbreviation: str, suffix: str) -> str:
    """A readable Vietnamese file name for an attachment: 'Báo cáo quý II-2024 - STTTT.pdf'."""
    safe = label.replace("/", "-")
    return f"Báo cáo {safe} - {abbreviation}{suffix}"


def delivery_key(content: str, recipients: Sequence[str]) -> str:
    """Identity of one mailing: the report's content (not its file bytes, which carry timestamps) and who
    receives it. The same report re-rendered has the same key, so it is never mailed twice."""
    digest = hashlib.sha256(content.encode("utf-8"))
    digest.update("\n".join(sorted(recipients)).encode("utf-8"))
    return digest.hexdigest()


def build_message(
    *,
    sender: str,
    to: Sequence[str],
    cc: Sequence[str],
    subject: str,
    body: str,
    attachments: Sequence[tuple[Path, str]],
    key: str,
    now: datetime | None = None,
) -> EmailMessage:
    """The mail: plain text, the documents attached under Vietnamese names (RFC 2231 filename*=), dated on
    Vietnam's clock at ``now`` (default: this moment)."""
    message = EmailMessage()
    address = sender_address(sender)
    message["From"] = address
    message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Subject"] = subject
    message["Date"] = format_datetime(vietnam_now(now))
    # A stable Message-ID: a resent copy of the same report is recognisable as the same message.
    message["Message-ID"] = f"<baocao-{key[:32]}@{address.domain}>"
    message.set_content(body)
    for path, name in attachments:
        maintype, subtype = _mime(path.suffix)
        message.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=name)
    return message


def _mime(suffix: str) -> tuple[str, str]:
    return {
        ".pdf": ("application", "pdf"),
        ".docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    }.get(suffix.lower(), ("application", "octet-stream"))


def _ledger(folder: Path) -> dict[str, dict[str, object]]:
    path = folder / LEDGER
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def send_once(
    message: EmailMessage,
    settings: SmtpSettings,
    ledger_folder: Path,
    key: str,
    attempts: int = 3,
    wait_seconds: float = 2.0,
) -> Delivery:
    """Send unless the ledger says this mailing went out already; retry a failing server a few times."""
    recipients = tuple(
        a.strip() for field in ("To", "Cc") for a in (message.get(field) or "").split(",") if a.strip()
    )
    if key in _ledger(ledger_folder):
        return Delivery("already-sent", recipients, key)
    error: Exception | None = None
    for attempt in range(attempts):
        try:
            _send(message, settings)
            break
        except (smtplib.SMTPException, OSError) as exc:
            error = exc
            if attempt + 1 < attempts:
                time.sleep(wait_seconds * (attempt + 1))
    else:
        raise DeliveryError(
            f"could not send mail through {settings.host}:{settings.port}: {error}"
        ) from error
    ledger = _ledger(ledger_folder)
    ledger[key] = {
        "sent_at": vietnam_now().isoformat(),
        "to": list(recipients),
        "message_id": message["Message-ID"],
    }
    write_bytes_atomic(
        ledger_folder / LEDGER, json.dumps(ledger, ensure_ascii=False, indent=1).encode("utf-8")
    )
    return Delivery("sent", recipients, key)


def _send(message: EmailMessage, settings: SmtpSettings) -> None:
    with smtplib.SMTP(settings.host, settings.port, timeout=30) as smtp:
        if settings.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.user and settings.password:
            smtp.login(settings.user, settings.password)
        smtp.send_message(message)


def publish(paths: Sequence[Path], folder: Path) -> list[Path]:
    """Copy the documents into the published folder (atomically, same names)."""
    out = []
    for path in paths:
        target = folder / path.name
        with atomic_path(target) as tmp:
            shutil.copyfile(path, tmp)
        out.append(target)
    return out


def portal_links(public_url: str, province: str, period: Period, version: int | None) -> list[dict[str, str]]:
    """The portal's addresses of a version's PDF, DOCX and XLSX ([] without a public URL or a version)."""
    if not public_url.strip() or version is None:
        return []
    return [
        {"kind": kind, "url": document_url(public_url.strip(), province, period.code, version, kind)}
        for kind in ("pdf", "docx", "xlsx")
    ]


def publish_folder(outputs: Path, setup: Setup) -> Path:
    """Where delivered documents are copied: BAOCAO_PUBLISH_DIR, else ``<outputs>/<province>/published``."""
    configured = os.environ.get("BAOCAO_PUBLISH_DIR")
    return Path(configured) if configured else outputs / setup.slug / "published"


def deliver_documents(
    setup: Setup,
    states: Sequence[UnitState],
    period: Period,
    context: dict[str, Any],
    docx: Path,
    pdf: Path,
    publish_to: Path,
    settings: SmtpSettings | None,
    version: int | None = None,
) -> Delivery:
    """Publish the DOCX and PDF, then mail them to the configured recipients once (DeliveryError if it fails);
    the mail links to ``version``'s documents on the portal when BAOCAO_PUBLIC_URL is set."""
    publish([docx, pdf], publish_to)
    recipients = setup.province.delivery
    if settings is None:
        return Delivery("not-configured")
    if not recipients.everyone:
        return Delivery("no-recipients")
    words = {
        "agency": setup.province.agency.name,
        "summary": context["doc"]["summary"],
        "received": sum(s.state == "received" for s in states),
        "expected": len(states),
        "version": version,
        "links": portal_links(os.environ.get("BAOCAO_PUBLIC_URL", ""), setup.slug, period, version),
    }
    attachments = [
        (p, attachment_name(period.label, setup.province.agency.abbreviation, p.suffix)) for p in (docx, pdf)
    ]
    key = delivery_key(json.dumps(context, sort_keys=True, ensure_ascii=False), recipients.everyone)
    message = build_message(
        sender=settings.sender,
        to=recipients.to,
        cc=recipients.cc,
        subject=setup.phrases.say("mail.subject", **words),
        body=setup.phrases.lines("mail.body", **words),
        attachments=attachments,
        key=key,
    )
    return send_once(message, settings, docx.parent, key)
