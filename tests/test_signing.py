"""baocao.signing and the pipeline: a province's signing block applied to its report (``baocao run --sign``,
the Prefect flow); the published and mailed PDF is the signed one; a missing token leaves the documents
written unsigned, undelivered, with a clear message."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from pyhanko.pdf_utils.reader import PdfFileReader
from typer.testing import CliRunner

from baocao.cli import app
from baocao.files import file_sha256
from baocao.periods import Period
from baocao.province import load_province
from baocao.report import ReportRequest, run_report
from baocao.signing import BOTH, sign_file, signed_in_place, sources_for
from tests import test_deliver
from tests.signing_support import (
    AGENCY,
    PASSWORD,
    SIGNER,
    SOFTHSM_MODULE,
    forget_softhsm,
    make_ca,
    short_report,
)
from tests.test_deliver import Inbox

PERIOD = Period.parse("2024-Q2")
runner = CliRunner()
smtp_server = test_deliver.smtp_server  # a real SMTP server on 127.0.0.1 (the fixture of test_deliver.py)


def signature_names(data: bytes) -> list[str]:
    """The signature fields of a PDF, in signing order."""
    return [str(s.field_name) for s in PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures]


def configure(folder: Path, signing: dict[str, Any]) -> None:
    """Replace the signing block of ``folder/province.yaml``."""
    path = folder / "province.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["signing"] = {**data.get("signing", {}), **signing}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture
def with_keys(sample_inputs_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The sample province with PKCS#12 keys of its own CA in its folder and in its signing block; PINs in
    the environment, as a scheduled run has them."""
    ca = make_ca(sample_inputs_copy)
    ca.pkcs12(ca.issue(*SIGNER), sample_inputs_copy / "giam-doc.p12")
    ca.pkcs12(ca.issue(*AGENCY), sample_inputs_copy / "co-quan.p12")
    configure(
        sample_inputs_copy,
        {
            "trust_roots": ["ca.pem"],
            "signer": {"pkcs12": "giam-doc.p12", "pin_env": "PIN_GIAM_DOC"},
            "agency": {"pkcs12": "co-quan.p12"},
        },
    )
    monkeypatch.setenv("PIN_GIAM_DOC", PASSWORD)
    monkeypatch.setenv("BAOCAO_AGENCY_PIN", PASSWORD)
    return sample_inputs_copy


@pytest.fixture
def missing_token(
    sample_inputs_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """The sample province configured for a token that is not plugged in (no SoftHSM token exists)."""
    (tmp_path / "tokens").mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tmp_path / 'tokens'}\nobjectstore.backend = file\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    forget_softhsm()  # SoftHSM reads SOFTHSM2_CONF when it is loaded: before this test, and after it
    token = {"pkcs11_module": str(SOFTHSM_MODULE), "token_label": "GIAM DOC", "key_label": "giam-doc"}
    configure(sample_inputs_copy, {"signer": token, "agency": {**token, "key_label": "co-quan"}})
    monkeypatch.setenv("BAOCAO_SIGNER_PIN", "123456")
    monkeypatch.setenv("BAOCAO_AGENCY_PIN", "123456")
    yield sample_inputs_copy
    forget_softhsm()


def test_sign_file_uses_the_provinces_configuration(with_keys: Path, tmp_path: Path) -> None:
    province = load_province(with_keys / "province.yaml")
    pdf = short_report(tmp_path / "r.pdf")
    sign_file(pdf, province, with_keys, ("signer",))
    assert signature_names(pdf.read_bytes()) == ["ChuKyLanhDao"]
    sign_file(pdf, province, with_keys, ("agency",), target=tmp_path / "both.pdf")
    assert signature_names((tmp_path / "both.pdf").read_bytes()) == ["ChuKyLanhDao", "ChuKyCoQuan"]
    check = runner.invoke(app, ["verify", str(tmp_path / "both.pdf"), "--inputs", str(with_keys)])
    assert check.exit_code == 0, check.output  # the trust root configured in province.yaml


def test_baocao_sign_reads_the_configuration(with_keys: Path, tmp_path: Path) -> None:
    pdf = short_report(tmp_path / "r.pdf")
    result = runner.invoke(app, ["sign", str(pdf), "--inputs", str(with_keys)])
    assert result.exit_code == 0, result.output
    assert "đã ký số (lãnh đạo, cơ quan)" in result.output
    assert signature_names(pdf.read_bytes()) == ["ChuKyLanhDao", "ChuKyCoQuan"]


def test_baocao_sign_an_annex(with_keys: Path, tmp_path: Path) -> None:
    pdf = short_report(tmp_path / "phu-luc.pdf")
    result = runner.invoke(
        app, ["sign", str(pdf), "--inputs", str(with_keys), "--annex", "--number", "05/BC"]
    )
    assert result.exit_code == 0, result.output
    assert signature_names(pdf.read_bytes()) == ["ChuKyCoQuanPhuLuc"]
    refused = runner.invoke(app, ["sign", str(pdf), "--inputs", str(with_keys), "--annex"])
    assert refused.exit_code == 1 and "--number" in refused.output


def test_a_missing_token_leaves_the_file_unsigned_with_the_reason(
    missing_token: Path, tmp_path: Path
) -> None:
    province = load_province(missing_token / "province.yaml")
    pdf = short_report(tmp_path / "r.pdf")
    before = pdf.read_bytes()
    outcome = signed_in_place(pdf, province, missing_token)
    assert outcome.failed
    assert outcome.message.startswith(
        "chưa ký số r.pdf: không tìm thấy thiết bị ký số của người ký (lãnh đạo)"
    )
    assert pdf.read_bytes() == before
    result = runner.invoke(app, ["sign", str(pdf), "--inputs", str(missing_token)])
    assert result.exit_code == 1
    assert "không tìm thấy thiết bị ký số" in result.output and "Traceback" not in result.output


def test_unconfigured_keys_are_named(sample_inputs_copy: Path) -> None:
    province = load_province(sample_inputs_copy / "province.yaml")
    with pytest.raises(Exception, match=r"chưa cấu hình khóa ký của người ký \(lãnh đạo\)"):
        sources_for(province, sample_inputs_copy, BOTH)


@pytest.mark.slow
def test_a_signed_run_publishes_and_mails_the_signed_pdf(
    with_keys: Path, tmp_path: Path, smtp_server: Inbox
) -> None:
    out = tmp_path / "out"
    result = run_report(ReportRequest(with_keys, PERIOD, out, date(2024, 7, 5), deliver=True, sign=True))
    assert result.signing.status == "signed", result.signing.message
    assert result.delivery.status == "sent"
    signed = result.pdf.read_bytes()
    assert signature_names(signed) == ["ChuKyLanhDao", "ChuKyCoQuan"]
    manifest = result.manifest.read_text(encoding="utf-8") if result.manifest else ""
    assert file_sha256(result.pdf) in manifest  # the manifest hashes the signed file
    published = out / with_keys.name / "published"
    (copy,) = published.rglob("*.pdf")
    assert copy.read_bytes() == signed
    [mail] = smtp_server.messages
    pdfs = [p for p in mail.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert [p.get_content() for p in pdfs] == [signed]


@pytest.mark.slow
def test_a_run_without_its_token_writes_the_documents_unsigned_and_does_not_deliver(
    missing_token: Path, tmp_path: Path, smtp_server: Inbox
) -> None:
    out = tmp_path / "out"
    where = ["--inputs", str(missing_token), "--outputs", str(out)]
    result = runner.invoke(
        app, ["run", "--no-prefect", "--period", PERIOD.code, *where, "--sign", "--deliver"]
    )
    assert result.exit_code == 1
    assert "không tìm thấy thiết bị ký số của người ký (lãnh đạo)" in result.output
    assert "báo cáo đã được ghi nhưng chưa ký số và chưa gửi đi" in result.output
    (pdf,) = (out / missing_token.name / PERIOD.code).glob("*.pdf")
    assert signature_names(pdf.read_bytes()) == []
    assert len(list((out / missing_token.name / PERIOD.code).glob("*.docx"))) == 1
    assert smtp_server.messages == []


@pytest.mark.slow
@pytest.mark.prefect
def test_the_flow_signs_when_configured(
    prefect_harness: None, with_keys: Path, tmp_path: Path, smtp_server: Inbox
) -> None:
    from flows.report import ReportForm, province_report

    configure(with_keys, {"sign_reports": True})
    form = ReportForm(period=PERIOD.code, inputs=with_keys, outputs=tmp_path / "out", deliver=True)
    result = province_report(bao_cao=form)
    assert result.signing.status == "signed"
    signed = result.pdf.read_bytes()
    assert signature_names(signed) == ["ChuKyLanhDao", "ChuKyCoQuan"]
    [mail] = smtp_server.messages
    pdfs = [p.get_content() for p in mail.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert pdfs == [signed]


def test_a_pin_variable_shared_by_two_provinces_keys_is_refused(
    sample_inputs_copy: Path, tmp_path: Path
) -> None:
    import shutil

    from baocao.signing import pin_clashes

    first, second = tmp_path / "vn" / "mot", tmp_path / "vn" / "hai"
    for folder in (first, second):
        shutil.copytree(sample_inputs_copy, folder)
    token = {"pkcs11_module": str(SOFTHSM_MODULE), "token_label": "GIAM DOC", "key_label": "giam-doc"}
    configure(
        first, {"signer": {**token, "pin_env": "PIN_MOT"}, "agency": {**token, "pin_env": "PIN_MOT_VT"}}
    )
    other = {**token, "token_label": "TOKEN KHAC"}
    configure(
        second, {"signer": {**other, "pin_env": "PIN_HAI"}, "agency": {**other, "pin_env": "PIN_HAI_VT"}}
    )
    assert pin_clashes([first, second]) == {}
    configure(second, {"agency": {**other, "pin_env": "PIN_MOT_VT"}})  # another token, the same variable
    clashes = pin_clashes([first, second])
    assert sorted(clashes) == ["hai", "mot"]
    assert clashes["mot"] == (
        "không ký số: biến PIN_MOT_VT cấp mã PIN cho khóa của nhiều tỉnh (hai, mot); "
        "đặt pin_env (hoặc pin_file) riêng cho từng tỉnh trong province.yaml"
    )
    configure(second, {"agency": {**other, "pin_env": "PIN_MOT_VT", "pin_file": "pin.txt"}})
    assert pin_clashes([first, second]) == {}  # a PIN file of its own: nothing shared
