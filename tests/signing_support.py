"""What the signing tests share: a test CA of their own (cryptography), PKCS#12 files it issues, a real
SoftHSM2 token initialised in a temporary folder, and a short report rendered through the real template."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from baocao import sign
from baocao.keys import KeySource, opened_key
from baocao.render.pdf import render_pdf
from baocao.report import SAMPLE_INPUTS, TEMPLATES

SOFTHSM_MODULE = next(
    (
        p
        for p in (
            Path("/usr/lib/softhsm/libsofthsm2.so"),
            Path("/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"),
            Path("/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so"),
        )
        if p.is_file()
    ),
    Path("/usr/lib/softhsm/libsofthsm2.so"),
)
SIGNER = ("Nguyễn Đức Minh", "Sở Thông tin và Truyền thông tỉnh Lào Cai")
AGENCY = ("Sở Thông tin và Truyền thông tỉnh Lào Cai", "UBND tỉnh Lào Cai")
PASSWORD = "mat-khau-12"
APPEARANCE = sign.Appearance(SAMPLE_INPUTS / "chu-ky.png", SAMPLE_INPUTS / "con-dau.png", 36, "Lào Cai")
PIN = "123456"


def _name(common: str, organisation: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if organisation:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common))
    return x509.Name(attrs)


def _usage(ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=not ca,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


@dataclass(frozen=True)
class Issued:
    """A key and its certificate."""

    key: rsa.RSAPrivateKey
    cert: x509.Certificate


@dataclass(frozen=True)
class OwnCA:
    """A root CA made by the test, and the PEM file holding its certificate."""

    root: Issued
    pem: Path

    def issue(self, common: str, organisation: str, days: int = 365) -> Issued:
        """A signing certificate for ``common`` of ``organisation``."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(common, organisation))
            .issuer_name(self.root.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=days))
            .add_extension(_usage(ca=False), critical=True)
            .sign(self.root.key, hashes.SHA256())
        )
        return Issued(key, cert)

    def pkcs12(self, issued: Issued, target: Path, password: str = PASSWORD) -> Path:
        """``issued`` with the CA's certificate as a PKCS#12 file."""
        data = pkcs12.serialize_key_and_certificates(
            b"key",
            issued.key,
            issued.cert,
            [self.root.cert],
            serialization.BestAvailableEncryption(password.encode()),
        )
        target.write_bytes(data)
        return target


def make_ca(folder: Path, common: str = "CA thử nghiệm baocao") -> OwnCA:
    """A self-signed root CA; its certificate in ``folder/ca.pem``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common))
        .issuer_name(_name(common))
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_usage(ca=True), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = folder / "ca.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return OwnCA(Issued(key, cert), pem)


@dataclass(frozen=True)
class Token:
    """A SoftHSM2 token: its configuration file (SOFTHSM2_CONF), label and PIN."""

    conf: Path
    label: str
    pin: str = PIN

    @property
    def env(self) -> dict[str, str]:
        """The environment that finds this token."""
        return {**os.environ, "SOFTHSM2_CONF": str(self.conf)}


def init_token(folder: Path, label: str = "baocao-test") -> Token:
    """A new SoftHSM2 token in ``folder`` (softhsm2-util --init-token)."""
    tokens = folder / "tokens"
    tokens.mkdir(parents=True)
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n")
    token = Token(conf, label)
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", PIN, "--so-pin", "87654321"],
        env=token.env,
        check=True,
        capture_output=True,
    )
    return token


def import_key(token: Token, issued: Issued, label: str, key_id: str, folder: Path) -> None:
    """Put ``issued``'s private key and certificate on the token with pkcs11-tool (OpenSC)."""
    key_der = folder / f"{label}.key.der"
    cert_der = folder / f"{label}.crt.der"
    key_der.write_bytes(
        issued.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    cert_der.write_bytes(issued.cert.public_bytes(serialization.Encoding.DER))
    base = ["pkcs11-tool", "--module", str(SOFTHSM_MODULE), "--token-label", token.label, "--login"]
    base += ["--pin", token.pin]
    for path, kind in ((key_der, "privkey"), (cert_der, "cert")):
        extra = ["--usage-sign"] if kind == "privkey" else []
        subprocess.run(
            [*base, "--write-object", str(path), "--type", kind, "--label", label, "--id", key_id, *extra],
            env=token.env,
            check=True,
            capture_output=True,
        )
    key_der.unlink()  # the key lives on the token only


def forget_softhsm() -> None:
    """Unload SoftHSM from this process, so that its next use reads SOFTHSM2_CONF again. python-pkcs11 keeps
    a loaded module initialised for the life of the process, and SoftHSM reads its configuration only then:
    without this, a test's token is not found once another test (in any order) has used SoftHSM."""
    import pkcs11

    for module in [m for m in pkcs11._loaded if "softhsm" in m]:
        pkcs11.unload(module)


def have_token_tools() -> bool:
    """softhsm2-util, pkcs11-tool and the SoftHSM module are installed (scripts/bootstrap.sh test)."""
    return bool(shutil.which("softhsm2-util") and shutil.which("pkcs11-tool") and SOFTHSM_MODULE.is_file())


def short_report(
    target: Path,
    title: str = "GIÁM ĐỐC",
    name: str = "Nguyễn Đức Minh",
    delegation: str = "",
    number: str = "Số: 05/BC-STTTT",
) -> Path:
    """A two-paragraph report through the real template and stylesheet (PDF/A-3b, Vietnamese text)."""
    context = {
        "doc": {
            "meta_title": "Báo cáo thử ký số",
            "author": "Sở Thông tin và Truyền thông tỉnh Lào Cai",
            "summary": "Kết quả công tác quý IV/2024",
            "date_iso": "2025-01-10",
            "period": "2024-Q4",
            "period_label": "quý IV/2024",
            "province": "Lào Cai",
            "parent_body": "UBND TỈNH LÀO CAI",
            "agency": "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
            "number": number,
            "place_date": "Lào Cai, ngày 10 tháng 01 năm 2025",
            "title": "BÁO CÁO",
        },
        "lead": ["Sở Thông tin và Truyền thông báo cáo kết quả công tác quý IV/2024 như sau:"],
        "sections": [
            {
                "heading": "I. KẾT QUẢ ĐẠT ĐƯỢC",
                "paragraphs": ["Toàn tỉnh có 1.245 trạm thu phát sóng di động, tăng 3,2% so với cùng kỳ."],
                "subsections": [],
            }
        ],
        "signature": {"delegation": delegation, "title": title, "name": name},
        "recipients": ["- UBND tỉnh (b/c);", "- Lưu: VT, KHTC."],
        "layout": {"top_mm": 20, "bottom_mm": 20, "left_mm": 30, "right_mm": 15, "body_pt": 14},
        "annexes": [],
    }
    return render_pdf(context, TEMPLATES, target)


def _literal(raw: bytes) -> bytes:
    """A PDF literal string's bytes, its backslash escapes undone."""
    out, i = bytearray(), 0
    escapes = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
    while i < len(raw):
        char = raw[i : i + 1]
        if char != b"\\":
            out += char
            i += 1
            continue
        following = raw[i + 1 : i + 2]
        digits = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4])
        if digits:
            out.append(int(digits.group(), 8))
            i += 1 + len(digits.group())
        else:
            out += escapes.get(following, following)
            i += 2
    return bytes(out)


def stamp_lines(sig_field: Any) -> list[str]:
    """The text lines a signature's appearance stream draws, from the ActualText pyHanko puts on each."""
    stream = sig_field["/AP"]["/N"]
    found = re.findall(rb"/ActualText \(((?:\\.|[^\\)])*)\)", stream.data)
    return [_literal(raw).decode("utf-16") for raw in found]


def stamp_font_widths(sig_field: Any) -> list[int]:
    """The glyph widths (/W) of the font an appearance stream uses, in its 1000-unit glyph space."""
    font = sig_field["/AP"]["/N"]["/Resources"]["/Font"]["/F1"]
    widths = font["/DescendantFonts"][0]["/W"]
    return [int(w) for entry in widths if isinstance(entry, list) for w in entry]


def p12_keys(ca: OwnCA, folder: Path) -> dict[str, KeySource]:
    """PKCS#12 files of the leader and of the agency, issued by ``ca``, as key sources."""
    return {
        "signer": KeySource("signer", pkcs12=ca.pkcs12(ca.issue(*SIGNER), folder / "giam-doc.p12")),
        "agency": KeySource("agency", pkcs12=ca.pkcs12(ca.issue(*AGENCY), folder / "co-quan.p12")),
    }


def signed_report(report: bytes, keys: dict[str, KeySource], target: Path) -> bytes:
    """``report`` signed by the leader, then by the agency, also written to ``target``."""
    with opened_key(keys["signer"], PASSWORD) as leader, opened_key(keys["agency"], PASSWORD) as agency:
        data = sign.sign_report(report, APPEARANCE, "GIÁM ĐỐC", "Nguyễn Đức Minh", leader, agency)
    target.write_bytes(data)
    return data
