"""Checking a signed PDF offline (pyHanko): for each signature, who signed, for which organisation, when,
whether the signed bytes are intact, what they cover, and whether the certificate chains to a configured
trust root. No revocation check: offline there is no CRL or OCSP to ask (README, "Signatures").

A signature is valid when it is intact and cryptographically valid, uses the PAdES subfilter, its
certificate is trusted, and it covers the whole file (the last one), or its whole revision with nothing but
signatures and form fields added after it (an earlier one). Bytes appended after the last signature leave
pyHanko's bottom line True: the coverage check is what catches them (STACK.md).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from asn1crypto import pem, x509
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from baocao.errors import SigningError
from baocao.sign import vietnam_iso

PADES = "/ETSI.CAdES.detached"


@dataclass(frozen=True)
class SignatureCheck:
    """What was found about one signature."""

    field_name: str
    signer: str = ""
    organisation: str = ""
    signed_at: datetime | None = None
    intact: bool = False
    pades: bool = False
    whole_file: bool = False  # the signature covers every byte of the file
    later_changes_ok: bool = False  # an earlier signature: only signatures and form fields added since
    last: bool = False
    trusted: bool = False
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """Intact, PAdES, trusted, and covering the file (or its revision, if later ones only signed)."""
        covered = self.whole_file if self.last else self.later_changes_ok
        return self.intact and self.pades and self.trusted and covered


def trust_roots(paths: Sequence[Path]) -> list[x509.Certificate]:
    """The certificates in these PEM or DER files (a PEM file may hold several)."""
    roots: list[x509.Certificate] = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SigningError(f"không đọc được chứng thư gốc {path}: {exc}") from exc
        try:
            if pem.detect(data):
                roots += [x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True)]
            else:
                roots.append(x509.Certificate.load(data))
        except ValueError as exc:
            raise SigningError(f"tệp {path.name} không phải chứng thư X.509: {exc}") from exc
    return roots


def _name_part(cert: x509.Certificate, key: str) -> str:
    """One attribute of the certificate's subject ('common_name', 'organization_name'), or ''."""
    value = cert.subject.native.get(key, "")
    return ", ".join(value) if isinstance(value, list) else str(value)


def check_signatures(pdf: bytes, roots: Sequence[x509.Certificate]) -> list[SignatureCheck]:
    """Every signature of ``pdf``, checked against ``roots`` (no network, no revocation check)."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_signatures)
    except (PdfReadError, ValueError, KeyError) as exc:
        raise SigningError(f"không đọc được tệp PDF: {exc}") from exc
    checks = []
    with quiet_pyhanko():
        for index, signature in enumerate(embedded):
            checks.append(_checked(signature, index == len(embedded) - 1, roots))
    return checks


@contextmanager
def quiet_pyhanko() -> Iterator[None]:
    """pyHanko logs a traceback for every certificate it cannot chain: the check's problems say it once."""
    logger = logging.getLogger("pyhanko")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _checked(
    signature: EmbeddedPdfSignature, last: bool, roots: Sequence[x509.Certificate]
) -> SignatureCheck:
    """One signature checked: a broken one is a check with its problem, not an exception."""
    context = ValidationContext(trust_roots=list(roots), allow_fetching=False, revocation_mode="soft-fail")
    try:
        status = validate_pdf_signature(signature, context)
    except (SignatureValidationError, ValueError, KeyError, PdfReadError) as exc:
        return SignatureCheck(str(signature.field_name), last=last, problems=(f"chữ ký hỏng: {exc}",))
    return _check_of(str(signature.field_name), signature.sig_object, status, last, bool(roots))


def _check_of(
    name: str, sig_object: object, status: PdfSignatureStatus, last: bool, have_roots: bool
) -> SignatureCheck:
    """A SignatureCheck from pyHanko's status of one signature."""
    subfilter = str(sig_object.get("/SubFilter", "")) if isinstance(sig_object, dict) else ""
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    later_ok = (
        status.coverage in (SignatureCoverageLevel.ENTIRE_FILE, SignatureCoverageLevel.ENTIRE_REVISION)
        and status.modification_level is not None
        and status.modification_level <= ModificationLevel.FORM_FILLING
        and status.docmdp_ok is not False
    )
    problems = []
    if not (status.intact and status.valid):
        problems.append("nội dung đã bị thay đổi sau khi ký")
    if subfilter != PADES:
        problems.append(f"không phải chữ ký PAdES ({subfilter or 'không rõ'})")
    if last and not whole:
        problems.append("chữ ký không bao trùm toàn bộ tệp (có dữ liệu thêm sau khi ký)")
    if not last and not later_ok:
        problems.append("sau chữ ký này tệp bị sửa ngoài việc thêm chữ ký")
    if not have_roots:
        problems.append("chưa cấu hình chứng thư gốc tin cậy (signing.trust_roots hoặc --trust)")
    elif status.intact and status.valid and not status.trusted:
        why = str(status.trust_problem_indic or "không rõ")
        problems.append(f"chứng thư không tin cậy theo các chứng thư gốc đã cấu hình ({why})")
    cert = status.signing_cert
    return SignatureCheck(
        field_name=name,
        signer=_name_part(cert, "common_name"),
        organisation=_name_part(cert, "organization_name"),
        signed_at=status.signer_reported_dt,
        intact=status.intact and status.valid,
        pades=subfilter == PADES,
        whole_file=whole,
        later_changes_ok=later_ok,
        last=last,
        trusted=status.trusted and have_roots,
        problems=tuple(problems),
    )


def _yes(value: bool) -> str:
    return "có" if value else "không"


def report_lines(checks: Sequence[SignatureCheck]) -> list[str]:
    """What ``baocao verify`` prints, in Vietnamese: one block per signature, then the verdict."""
    if not checks:
        return ["Tệp không có chữ ký số nào.", "Kết quả: KHÔNG HỢP LỆ"]
    lines = []
    for number, check in enumerate(checks, start=1):
        verdict = "hợp lệ" if check.ok else "KHÔNG HỢP LỆ"
        lines.append(f"Chữ ký {number} ({check.field_name}): {verdict}")
        lines.append(f"  Người ký: {check.signer or '(không rõ)'}")
        lines.append(f"  Tổ chức: {check.organisation or '(không ghi)'}")
        when = vietnam_iso(check.signed_at) if check.signed_at else "(không ghi)"
        lines.append(f"  Thời gian ký: {when}")
        coverage = "toàn bộ tệp" if check.whole_file else "bản đã ký; sau đó chỉ thêm chữ ký"
        if not check.whole_file and (check.last or not check.later_changes_ok):
            coverage = "không phải toàn bộ tệp"
        lines.append(f"  Toàn vẹn: {_yes(check.intact)}; phạm vi: {coverage}")
        lines.append(f"  Chứng thư tin cậy: {_yes(check.trusted)} (không kiểm tra thu hồi: ngoại tuyến)")
        lines += [f"  - {p}" for p in check.problems]
    good = sum(c.ok for c in checks)
    verdict = "HỢP LỆ" if good == len(checks) else "KHÔNG HỢP LỆ"
    lines.append(f"Kết quả: {good}/{len(checks)} chữ ký hợp lệ — {verdict}")
    return lines
