"""Who may do what: argon2 password hashes, signed session cookies, CSRF tokens, the login rate limit and the
accounts (the portal's user pages and `baocao user` call the same functions).

A session is a signed cookie (itsdangerous): the login, the account's generation (a password reset bumps it,
ending every older session) and a random nonce; the CSRF token of a form is an HMAC of that nonce, so it
changes with each login and cannot be computed without the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from baocao.errors import BaocaoError
from baocao.periods import vietnam_now
from baocao.web.db import LoginFailure, User

Role = Literal["staff", "clerk"]
SESSION_HOURS = 12
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_LOGIN = 5
MAX_FAILURES_PER_ADDRESS = 20
MIN_PASSWORD = 10
_hasher = PasswordHasher()
# Verified when the login is unknown, so that a wrong login costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class AccountError(BaocaoError):
    """An account cannot be created or changed as asked (Vietnamese message)."""


def session_secret(outputs: Path) -> str:
    """``BAOCAO_SESSION_SECRET``, else the secret kept in ``<outputs>/.portal-secret`` (made on first start,
    readable by its owner only)."""
    configured = os.environ.get("BAOCAO_SESSION_SECRET", "").strip()
    if configured:
        return configured
    path = outputs / ".portal-secret"
    if path.is_file():
        return path.read_text(encoding="ascii").strip()
    outputs.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secret + "\n")
    return secret


@dataclass(frozen=True)
class SessionData:
    """What a session cookie carries."""

    nonce: str
    login: str = ""
    generation: int = 0


class SessionCodec:
    """Signs and reads session cookies, and derives their CSRF tokens."""

    def __init__(self, secret: str) -> None:
        self._secret = secret.encode("utf-8")
        self._serializer = URLSafeTimedSerializer(secret, salt="baocao-session")

    def dumps(self, data: SessionData) -> str:
        """The cookie value of a session."""
        return self._serializer.dumps({"n": data.nonce, "u": data.login, "g": data.generation})

    def loads(self, value: str | None) -> SessionData | None:
        """The session of a cookie value; None if absent, forged or older than the session lifetime."""
        if not value:
            return None
        try:
            raw = self._serializer.loads(value, max_age=SESSION_HOURS * 3600)
            return SessionData(str(raw["n"]), str(raw["u"]), int(raw["g"]))
        except (BadSignature, KeyError, TypeError, ValueError):
            return None

    def csrf_token(self, data: SessionData) -> str:
        """The token every form of this session must send back."""
        return hmac.new(self._secret, b"csrf:" + data.nonce.encode("ascii"), hashlib.sha256).hexdigest()

    def csrf_valid(self, data: SessionData, token: str | None) -> bool:
        """Whether a form's token is this session's."""
        return bool(token) and hmac.compare_digest(self.csrf_token(data), str(token))


def new_session(login: str = "", generation: int = 0) -> SessionData:
    """A fresh session (a new nonce: a login never keeps the anonymous session's token)."""
    return SessionData(secrets.token_urlsafe(24), login, generation)


def hash_password(password: str) -> str:
    """The argon2id hash of a password."""
    return _hasher.hash(password)


def password_matches(stored_hash: str, password: str) -> bool:
    """Whether ``password`` is the one ``stored_hash`` was made from."""
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_password_rules(password: str) -> None:
    """Refuse a password too short to be one."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự")


def user_by_login(db: Session, login: str) -> User | None:
    """The account with this login (case-insensitive), if any."""
    return db.scalar(select(User).where(User.login == login.strip().lower()))


def authenticate(db: Session, login: str, password: str, address: str) -> User | None:
    """The account if the password is right; a failure is recorded for the rate limit."""
    user = user_by_login(db, login)
    ok = password_matches(user.password_hash if user else _DUMMY_HASH, password) and user is not None
    if not ok:
        db.add(LoginFailure(at=vietnam_now(), login=login.strip().lower()[:64], address=address[:64]))
        return None
    return user


def add_user(
    db: Session, login: str, password: str, role: Role, province: str = "", unit: str = "", name: str = ""
) -> User:
    """Create an account (a clerk is bound to one unit of one province)."""
    login = login.strip().lower()
    if not login or not login.replace(".", "").replace("-", "").replace("_", "").isalnum() or len(login) > 64:
        raise AccountError("tên đăng nhập chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang (tối đa 64 ký tự)")
    if role == "clerk" and not (province and unit):
        raise AccountError("tài khoản đơn vị phải gắn với một đơn vị của một tỉnh")
    if user_by_login(db, login) is not None:
        raise AccountError(f"tên đăng nhập {login!r} đã có")
    check_password_rules(password)
    user = User(
        login=login,
        name=name.strip(),
        password_hash=hash_password(password),
        role=role,
        province=province if role == "clerk" else "",
        unit=unit if role == "clerk" else "",
        generation=1,
        created_at=vietnam_now(),
    )
    db.add(user)
    return user


def reset_password(db: Session, login: str, password: str) -> User:
    """Give an account a new password; its open sessions end."""
    user = user_by_login(db, login)
    if user is None:
        raise AccountError(f"không có tài khoản {login!r}")
    check_password_rules(password)
    user.password_hash = hash_password(password)
    user.generation += 1
    return user


def all_users(db: Session) -> list[User]:
    """Every account: staff first, then clerks by province and unit."""
    users = db.scalars(select(User)).all()
    return sorted(users, key=lambda u: (u.role != "staff", u.province, u.unit, u.login))
