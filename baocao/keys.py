"""Signing keys: a PKCS#11 token (the USB token of chữ ký số chuyên dùng công vụ) or a PKCS#12 file, from
``province.yaml``'s ``signing`` block or the command line; the PIN from an environment variable, a secret
file or the prompt. A PIN is never printed or logged: it lives in this module's calls only."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pyhanko.sign import signers

from baocao.errors import SigningError
from baocao.province import SigningKey
from baocao.sign import Role

# Who each role is, in messages to staff.
ROLE_NAMES: dict[Role, str] = {"signer": "người ký (lãnh đạo)", "agency": "cơ quan (văn thư)"}
DEFAULT_PIN_ENV: dict[Role, str] = {"signer": "BAOCAO_SIGNER_PIN", "agency": "BAOCAO_AGENCY_PIN"}


@dataclass(frozen=True)
class KeySource:
    """Where one role's key is; the PIN is not part of it."""

    role: Role
    pkcs12: Path | None = None
    module: Path | None = None
    slot: int | None = None
    token_label: str | None = None
    key_label: str | None = None
    cert_label: str | None = None
    pin_env: str = ""
    pin_file: Path | None = None

    def describe(self) -> str:
        """'tệp khóa giam-doc.p12' or 'token (libsofthsm2.so, khóa lanh-dao)', for messages."""
        if self.pkcs12 is not None:
            return f"tệp khóa {self.pkcs12.name}"
        parts = [self.module.name if self.module else "?"]
        if self.slot is not None:
            parts.append(f"khe {self.slot}")
        if self.token_label:
            parts.append(f"token {self.token_label}")
        if self.key_label:
            parts.append(f"khóa {self.key_label}")
        return f"token ({', '.join(parts)})"


def _in_folder(folder: Path, name: str | None) -> Path | None:
    """A configured file name: relative ones are in the province folder."""
    if name is None:
        return None
    path = Path(name).expanduser()
    return path if path.is_absolute() else folder / path


def key_source(
    role: Role,
    config: SigningKey | None,
    folder: Path,
    *,
    pkcs12: Path | None = None,
    module: Path | None = None,
    slot: int | None = None,
    key_label: str | None = None,
) -> KeySource:
    """The key of ``role``: the command line's ``--pkcs12`` or ``--pkcs11-module`` (with the labels of the
    configuration where it names a token) over ``province.yaml``'s ``signing.<role>``."""
    pin_env = (config.pin_env if config else None) or DEFAULT_PIN_ENV[role]
    pin_file = _in_folder(folder, config.pin_file) if config else None
    if pkcs12 is not None:
        return KeySource(role, pkcs12=pkcs12, pin_env=pin_env, pin_file=pin_file)
    if module is not None:
        token = config if config is not None and config.pkcs11_module else None
        return KeySource(
            role,
            module=module,
            slot=slot if slot is not None else (token.slot if token else None),
            token_label=token.token_label if token else None,
            key_label=key_label or (token.key_label if token else None),
            cert_label=token.cert_label if token else None,
            pin_env=pin_env,
            pin_file=pin_file,
        )
    if config is None:
        raise SigningError(
            f"chưa cấu hình khóa ký của {ROLE_NAMES[role]}: thêm signing.{role} vào province.yaml "
            "hoặc dùng --pkcs11-module/--pkcs12"
        )
    return KeySource(
        role,
        pkcs12=_in_folder(folder, config.pkcs12),
        module=_in_folder(folder, config.pkcs11_module),
        slot=slot if slot is not None else config.slot,
        token_label=config.token_label,
        key_label=key_label or config.key_label,
        cert_label=config.cert_label,
        pin_env=pin_env,
        pin_file=pin_file,
    )


def pin_for(
    source: KeySource, env: Mapping[str, str] | None = None, ask: Callable[[str], str] | None = None
) -> str | None:
    """The PIN (or passphrase) of ``source``: its environment variable, else its secret file, else asked
    (when ``ask`` is given: a terminal), else None (a token that asks by itself, a file without one)."""
    env = os.environ if env is None else env
    if env.get(source.pin_env):
        return env[source.pin_env]
    if source.pin_file is not None:
        try:
            return source.pin_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SigningError(f"không đọc được tệp mã PIN {source.pin_file}: {exc.strerror}") from exc
    if ask is not None:
        what = "mật khẩu tệp khóa" if source.pkcs12 else "mã PIN"
        return ask(f"Nhập {what} của {ROLE_NAMES[source.role]} ({source.describe()})")
    return None


@contextmanager
def opened_pkcs12(path: Path, passphrase: str | None) -> Iterator[signers.Signer]:
    """A signer from a PKCS#12 file (key, certificate and chain)."""
    try:
        signer = signers.SimpleSigner.load_pkcs12(  # type: ignore[no-untyped-call]
            str(path), passphrase=passphrase.encode() if passphrase else None
        )
    except (OSError, ValueError) as exc:
        raise SigningError(f"không mở được tệp khóa {path.name}: {exc}") from exc
    if signer is None:
        raise SigningError(f"không mở được tệp khóa {path.name} (sai mật khẩu hoặc tệp hỏng)")
    yield signer


@contextmanager
def opened_key(source: KeySource, pin: str | None) -> Iterator[signers.Signer]:
    """A pyHanko signer for ``source``, its token session closed afterwards; SigningError, in Vietnamese, when
    the token is missing, the PIN is wrong or the key is not on it."""
    if source.pkcs12 is not None:
        with opened_pkcs12(source.pkcs12, pin) as signer:
            yield signer
        return
    if pin is None:
        raise SigningError(
            f"chưa có mã PIN của {ROLE_NAMES[source.role]} ({source.describe()}): đặt biến {source.pin_env} "
            "hoặc pin_file trong province.yaml, hoặc chạy trong cửa sổ lệnh để nhập"
        )
    with _token_session(source, pin) as session:
        yield _token_signer(source, session)


@contextmanager
def _token_session(source: KeySource, pin: str | None) -> Iterator[object]:
    """An open, logged-in session on the token of ``source``."""
    from pkcs11 import exceptions as p11
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import open_pkcs11_session

    module = source.module
    if module is None or not module.is_file():
        raise SigningError(
            f"không tìm thấy trình điều khiển token {module}: cài phần mềm của thiết bị ký số "
            "hoặc sửa signing.*.pkcs11_module trong province.yaml"
        )
    criteria = TokenCriteria(label=source.token_label) if source.token_label else None
    try:
        session = open_pkcs11_session(str(module), slot_no=source.slot, token_criteria=criteria, user_pin=pin)
    except p11.PinIncorrect as exc:
        raise SigningError(f"sai mã PIN của {source.describe()}") from exc
    except p11.PinLenRange as exc:
        raise SigningError(f"mã PIN của {source.describe()} không đúng độ dài") from exc
    except (p11.PKCS11Error, RuntimeError, OSError) as exc:
        raise SigningError(
            f"không tìm thấy thiết bị ký số của {ROLE_NAMES[source.role]} ({source.describe()}): "
            f"cắm USB token rồi chạy lại `baocao sign` ({str(exc) or type(exc).__name__})"
        ) from exc
    try:
        yield session
    finally:
        session.close()


def _token_signer(source: KeySource, session: object) -> signers.Signer:
    """The token's signer, its key and certificate looked up at once (so a wrong label fails here)."""
    from pkcs11 import exceptions as p11
    from pyhanko.sign.pkcs11 import PKCS11Signer

    if not (source.key_label or source.cert_label):
        raise SigningError(f"chưa ghi nhãn khóa (key_label) của {ROLE_NAMES[source.role]} trên token")
    signer = PKCS11Signer(
        session,  # type: ignore[arg-type]
        key_label=source.key_label,
        cert_label=source.cert_label or source.key_label,
        other_certs_to_pull=None,  # the chain, if the token holds it
    )
    try:
        if signer.signing_cert is None:
            raise SigningError(f"không có chứng thư số trên {source.describe()}")
    except (p11.PKCS11Error, ValueError) as exc:
        raise SigningError(f"không tìm thấy khóa hoặc chứng thư trên {source.describe()}: {exc}") from exc
    return signer
