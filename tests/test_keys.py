"""baocao.keys: keys on a real PKCS#11 token (Debian's SoftHSM2, initialised here, keys put on it with OpenSC's
pkcs11-tool) and in PKCS#12 files; PINs from the environment, a secret file or the prompt; the messages staff
get for a missing token, a wrong PIN or a wrong label."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from typer.testing import CliRunner

from baocao.cli import app
from baocao.errors import SigningError
from baocao.keys import KeySource, key_source, opened_key, pin_for
from baocao.province import SigningKey
from tests.signing_support import (
    AGENCY,
    PASSWORD,
    SIGNER,
    SOFTHSM_MODULE,
    OwnCA,
    Token,
    forget_softhsm,
    have_token_tools,
    import_key,
    init_token,
    make_ca,
    short_report,
)

runner = CliRunner()
needs_token = pytest.mark.skipif(not have_token_tools(), reason="softhsm2 and opensc not installed")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The module's working folder."""
    return tmp_path_factory.mktemp("keys")


@pytest.fixture(scope="module")
def ca(folder: Path) -> OwnCA:
    """The test's own root CA."""
    return make_ca(folder)


@pytest.fixture(scope="module")
def token(folder: Path, ca: OwnCA) -> Token:
    """A SoftHSM2 token holding the leader's key (lanh-dao) and the agency's (co-quan)."""
    if not have_token_tools():
        pytest.skip("softhsm2 and opensc not installed")
    made = init_token(folder / "hsm")
    import_key(made, ca.issue(*SIGNER), "lanh-dao", "01", folder)
    import_key(made, ca.issue(*AGENCY), "co-quan", "02", folder)
    return made


@pytest.fixture
def token_env(token: Token, monkeypatch: pytest.MonkeyPatch) -> Iterator[Token]:
    """SOFTHSM2_CONF pointing at the module's token, for this test (SoftHSM reloaded before and after)."""
    monkeypatch.setenv("SOFTHSM2_CONF", str(token.conf))
    forget_softhsm()
    yield token
    forget_softhsm()


def _token_key(token: Token, role: str = "signer", label: str = "lanh-dao") -> KeySource:
    return KeySource(role, module=SOFTHSM_MODULE, token_label=token.label, key_label=label)  # type: ignore[arg-type]


@needs_token
def test_the_token_signs_with_the_leaders_certificate(token_env: Token) -> None:
    with opened_key(_token_key(token_env), token_env.pin) as signer:
        assert signer.signing_cert.subject.native["common_name"] == "Nguyễn Đức Minh"


@needs_token
def test_baocao_sign_with_the_token_adds_both_signatures(token_env: Token, folder: Path, ca: OwnCA) -> None:
    pdf = short_report(folder / "token.pdf")
    env = {"BAOCAO_SIGNER_PIN": token_env.pin, "BAOCAO_AGENCY_PIN": token_env.pin}
    common = ["--pkcs11-module", str(SOFTHSM_MODULE), "--slot", "0"]
    first = runner.invoke(
        app, ["sign", str(pdf), *common, "--key-label", "lanh-dao", "--as", "signer"], env=env
    )
    assert first.exit_code == 0, first.output
    assert "đã ký số (lãnh đạo)" in first.output
    second = runner.invoke(
        app, ["sign", str(pdf), *common, "--key-label", "co-quan", "--as", "agency"], env=env
    )
    assert second.exit_code == 0, second.output
    reader = PdfFileReader(io.BytesIO(pdf.read_bytes()), strict=False)
    assert [s.field_name for s in reader.embedded_signatures] == ["ChuKyLanhDao", "ChuKyCoQuan"]
    check = runner.invoke(app, ["verify", str(pdf), "--trust", str(ca.pem)])
    assert check.exit_code == 0, check.output
    assert "Người ký: Nguyễn Đức Minh" in check.output
    assert "Người ký: Sở Thông tin và Truyền thông tỉnh Lào Cai" in check.output
    assert token_env.pin not in first.output + second.output + check.output  # never printed


@needs_token
def test_the_vanthu_numbers_the_report_with_the_agencys_token(
    token_env: Token, folder: Path, ca: OwnCA
) -> None:
    pdf = short_report(folder / "numbered.pdf", number="Số:       /BC-STTTT")
    env = {"BAOCAO_SIGNER_PIN": token_env.pin, "BAOCAO_AGENCY_PIN": token_env.pin}
    common = ["--pkcs11-module", str(SOFTHSM_MODULE), "--slot", "0"]
    first = runner.invoke(
        app, ["sign", str(pdf), *common, "--key-label", "lanh-dao", "--as", "signer"], env=env
    )
    assert first.exit_code == 0, first.output
    numbering = ["--key-label", "co-quan", "--as", "agency", "--number", "17", "--date", "2025-01-10"]
    second = runner.invoke(app, ["sign", str(pdf), *common, *numbering], env=env)
    assert second.exit_code == 0, second.output
    assert "đã ký số (cơ quan); số 17" in second.output
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Số: 17/BC-STTTT" in text
    check = runner.invoke(app, ["verify", str(pdf), "--trust", str(ca.pem)])
    assert check.exit_code == 0, check.output


@needs_token
def test_a_wrong_pin_is_named(token_env: Token) -> None:
    with pytest.raises(SigningError, match="sai mã PIN"), opened_key(_token_key(token_env), "000000"):
        pass


@needs_token
def test_a_missing_token_is_a_clear_message(token_env: Token) -> None:
    absent = KeySource("signer", module=SOFTHSM_MODULE, token_label="khong-co-token", key_label="lanh-dao")
    message = "không tìm thấy thiết bị ký số của người ký"
    with pytest.raises(SigningError, match=message) as caught, opened_key(absent, token_env.pin):
        pass
    assert "cắm USB token" in str(caught.value)


@needs_token
def test_a_wrong_key_label_is_named(token_env: Token) -> None:
    wrong = _token_key(token_env, label="khong-co")
    with (
        pytest.raises(SigningError, match="không tìm thấy khóa hoặc chứng thư"),
        opened_key(wrong, token_env.pin),
    ):
        pass


def test_a_token_without_a_pin_says_where_to_put_one(tmp_path: Path) -> None:
    source = KeySource("signer", module=tmp_path / "driver.so", key_label="k", pin_env="PIN_LANH_DAO")
    with (
        pytest.raises(SigningError, match=r"chưa có mã PIN của người ký.*PIN_LANH_DAO"),
        opened_key(source, None),
    ):
        pass


def test_a_missing_driver_is_named(tmp_path: Path) -> None:
    source = KeySource("agency", module=tmp_path / "absent.so", key_label="co-quan")
    with (
        pytest.raises(SigningError, match="không tìm thấy trình điều khiển token"),
        opened_key(source, "1234"),
    ):
        pass


def test_a_pkcs12_with_the_wrong_password_is_refused(ca: OwnCA, folder: Path) -> None:
    path = ca.pkcs12(ca.issue(*SIGNER), folder / "sai.p12")
    with pytest.raises(SigningError, match=r"sai\.p12"), opened_key(KeySource("signer", pkcs12=path), "sai"):
        pass
    with opened_key(KeySource("signer", pkcs12=path), PASSWORD) as signer:
        assert signer.signing_cert.subject.native["common_name"] == "Nguyễn Đức Minh"


def test_the_pin_comes_from_the_variable_then_the_file_then_the_prompt(tmp_path: Path) -> None:
    secret = tmp_path / "pin"
    secret.write_text("2468\n")
    source = KeySource("agency", pkcs12=tmp_path / "x.p12", pin_env="PIN_VAN_THU", pin_file=secret)
    asked: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return "1357"

    assert pin_for(source, {"PIN_VAN_THU": "9999"}, ask) == "9999"
    assert pin_for(source, {}, ask) == "2468"
    no_file = KeySource("agency", pkcs12=tmp_path / "x.p12", pin_env="PIN_VAN_THU")
    assert pin_for(no_file, {}, ask) == "1357"
    assert asked == ["Nhập mật khẩu tệp khóa của cơ quan (văn thư) (tệp khóa x.p12)"]
    assert pin_for(no_file, {}, None) is None


def test_the_command_line_wins_over_the_configuration(tmp_path: Path) -> None:
    config = SigningKey(
        pkcs11_module="/usr/lib/token.so", token_label="GIAM DOC", key_label="giam-doc", pin_file="pin.txt"
    )
    from_config = key_source("signer", config, tmp_path)
    assert from_config.module == Path("/usr/lib/token.so") and from_config.key_label == "giam-doc"
    assert from_config.pin_env == "BAOCAO_SIGNER_PIN" and from_config.pin_file == tmp_path / "pin.txt"
    other = key_source("signer", config, tmp_path, module=Path("/opt/other.so"), key_label="k2")
    assert (other.module, other.token_label, other.key_label) == (Path("/opt/other.so"), "GIAM DOC", "k2")
    p12 = key_source("signer", config, tmp_path, pkcs12=Path("a.p12"))
    assert p12.pkcs12 == Path("a.p12") and p12.module is None
    with pytest.raises(SigningError, match="chưa cấu hình khóa ký của cơ quan"):
        key_source("agency", None, tmp_path)


def test_a_signing_key_names_exactly_one_source() -> None:
    with pytest.raises(ValueError, match="đúng một"):
        SigningKey(pkcs11_module="/a.so", pkcs12="b.p12")
    with pytest.raises(ValueError, match="đúng một"):
        SigningKey()
