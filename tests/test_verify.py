"""baocao.verify and ``baocao verify``: each signature's signer, organisation, time, integrity, coverage and
trust; a byte appended or changed, an untrusted CA or no trust root at all make the exit status 1."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from baocao.cli import app
from baocao.errors import SigningError
from baocao.verify import report_lines, trust_roots
from tests.signing_support import OwnCA, make_ca, p12_keys, short_report, signed_report

runner = CliRunner()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The module's working folder."""
    return tmp_path_factory.mktemp("verify")


@pytest.fixture(scope="module")
def ca(folder: Path) -> OwnCA:
    """The test's own root CA (ca.pem)."""
    return make_ca(folder)


@pytest.fixture(scope="module")
def signed(folder: Path, ca: OwnCA) -> Path:
    """A short report signed by the leader and the agency (PKCS#12 keys of the test CA)."""
    report = short_report(folder / "report.pdf").read_bytes()
    signed_report(report, p12_keys(ca, folder), folder / "signed.pdf")
    return folder / "signed.pdf"


def _verify(path: Path, *trust: Path) -> tuple[int, str]:
    args = ["verify", str(path), *(a for t in trust for a in ("--trust", str(t)))]
    result = runner.invoke(app, args)
    return result.exit_code, result.output


def test_a_signed_report_is_valid_against_its_ca(signed: Path, ca: OwnCA) -> None:
    code, output = _verify(signed, ca.pem)
    assert code == 0, output
    assert "Chữ ký 1 (ChuKyLanhDao): hợp lệ" in output
    assert "Người ký: Nguyễn Đức Minh" in output
    assert "Tổ chức: Sở Thông tin và Truyền thông tỉnh Lào Cai" in output
    assert "Chữ ký 2 (ChuKyCoQuan): hợp lệ" in output
    assert "Tổ chức: UBND tỉnh Lào Cai" in output
    assert output.count("+07:00") == 2  # the signing times, in Vietnam time
    assert "phạm vi: toàn bộ tệp" in output
    assert "Kết quả: 2/2 chữ ký hợp lệ — HỢP LỆ" in output


def test_appended_bytes_are_detected(signed: Path, ca: OwnCA, tmp_path: Path) -> None:
    tampered = tmp_path / "appended.pdf"
    tampered.write_bytes(signed.read_bytes() + b"\n% added after signing\n")
    code, output = _verify(tampered, ca.pem)
    assert code == 1
    assert "Chữ ký 2 (ChuKyCoQuan): KHÔNG HỢP LỆ" in output
    assert "không bao trùm toàn bộ tệp" in output


def test_one_changed_byte_is_detected(signed: Path, ca: OwnCA, tmp_path: Path) -> None:
    data = bytearray(signed.read_bytes())
    # A byte of the first revision's content (the report's own pages), covered by both signatures.
    at = data.index(b"stream", 2000) + 40
    data[at] ^= 0x01
    tampered = tmp_path / "changed.pdf"
    tampered.write_bytes(bytes(data))
    code, output = _verify(tampered, ca.pem)
    assert code == 1
    assert output.count("nội dung đã bị thay đổi sau khi ký") == 2
    assert "Kết quả: 0/2" in output


def test_another_ca_is_not_trusted(signed: Path, tmp_path: Path) -> None:
    other = make_ca(tmp_path, "CA khác")
    code, output = _verify(signed, other.pem)
    assert code == 1
    assert "chứng thư không tin cậy" in output


def test_without_trust_roots_nothing_is_valid(signed: Path) -> None:
    code, output = _verify(signed)
    assert code == 1
    assert output.count("chưa cấu hình chứng thư gốc tin cậy") == 2


def test_an_unsigned_pdf_is_not_valid(signed: Path, ca: OwnCA) -> None:
    code, output = _verify(signed.parent / "report.pdf", ca.pem)
    assert code == 1
    assert "Tệp không có chữ ký số nào." in output


def test_a_file_that_is_not_a_pdf_is_one_line(tmp_path: Path, ca: OwnCA) -> None:
    junk = tmp_path / "junk.pdf"
    junk.write_text("not a pdf")
    code, output = _verify(junk, ca.pem)
    assert code == 1
    assert "không đọc được tệp PDF" in output and "Traceback" not in output


def test_trust_roots_read_pem_and_refuse_junk(ca: OwnCA, tmp_path: Path) -> None:
    (root,) = trust_roots([ca.pem])
    assert root.subject.native["common_name"] == "CA thử nghiệm baocao"
    junk = tmp_path / "junk.pem"
    junk.write_bytes(b"\x00\x01")
    with pytest.raises(SigningError, match=r"junk\.pem"):
        trust_roots([junk])


def test_report_lines_of_no_signature() -> None:
    assert report_lines([]) == ["Tệp không có chữ ký số nào.", "Kết quả: KHÔNG HỢP LỆ"]
