"""The portal's database: accounts, login failures, report runs and the append-only audit log.

SQLite under the outputs folder by default (``<outputs>/portal.sqlite3``); PostgreSQL (or any SQLAlchemy URL)
when ``BAOCAO_DATABASE_URL`` is set. The audit table refuses UPDATE and DELETE in the database itself
(triggers), so no code path of the portal can rewrite what happened.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import DateTime, Engine, Integer, String, Text, create_engine, event, func, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from baocao.periods import vietnam_now


class Base(DeclarativeBase):
    """The portal's tables."""


class User(Base):
    """An account: staff of the department, or the clerk of one unit of one province."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))  # "staff" or "clerk"
    province: Mapped[str] = mapped_column(String(64), default="")  # a clerk's province slug
    unit: Mapped[str] = mapped_column(String(64), default="")  # a clerk's unit code
    generation: Mapped[int] = mapped_column(Integer, default=1)  # bumped on reset: old sessions end
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LoginFailure(Base):
    """One failed login, for the rate limit (per account and per address)."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    login: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)


class Run(Base):
    """A report started from the portal, and how it went."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    province: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(16))
    report_date: Mapped[str] = mapped_column(String(10))
    number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    started_by: Mapped[str] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    state: Mapped[str] = mapped_column(String(16), default="queued")  # queued, running, done, failed
    message: Mapped[str] = mapped_column(Text, default="")
    flow_run: Mapped[str] = mapped_column(String(64), default="")  # the Prefect flow run's id, if any


class Audit(Base):
    """One thing that happened: an upload, a run, a decision, a download, a login. Never changed."""

    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    login: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text, default="")


_APPEND_ONLY = {
    "sqlite": [
        "CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit "
        "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
        "CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit "
        "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'audit log is append-only'; END $$",
        "DROP TRIGGER IF EXISTS audit_append_only ON audit",
        "CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit "
        "FOR EACH ROW EXECUTE FUNCTION audit_append_only()",
    ],
}


def database_url(outputs: Path) -> str:
    """``BAOCAO_DATABASE_URL`` if set, else a SQLite file under the outputs folder."""
    configured = os.environ.get("BAOCAO_DATABASE_URL", "").strip()
    if configured:
        return configured
    outputs.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(outputs / 'portal.sqlite3').resolve()}"


def open_database(url: str) -> Engine:
    """An engine on ``url`` with the tables created and the audit log made append-only."""
    sqlite = url.startswith("sqlite")
    engine = create_engine(url, connect_args={"check_same_thread": False} if sqlite else {})
    if sqlite:

        @event.listens_for(engine, "connect")
        def _pragmas(connection: object, _: object) -> None:
            cursor = connection.cursor()  # type: ignore[attr-defined]
            cursor.execute("PRAGMA journal_mode=WAL")  # readers do not wait for the writer
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()

    Base.metadata.create_all(engine)
    with engine.begin() as connection:
        for statement in _APPEND_ONLY.get(engine.dialect.name, []):
            connection.execute(text(statement))
    return engine


def record(db: Session, login: str, address: str, action: str, target: str, detail: str = "") -> None:
    """Append one line to the audit log (committed with the caller's session)."""
    db.add(Audit(at=vietnam_now(), login=login, address=address, action=action, target=target, detail=detail))


def audit_lines(db: Session, limit: int = 200) -> list[Audit]:
    """The newest lines of the audit log, newest first."""
    return list(db.scalars(select(Audit).order_by(Audit.id.desc()).limit(limit)))


def recent_failures(db: Session, login: str, address: str, window: timedelta) -> tuple[int, int]:
    """Failed logins within ``window``: for this account, and from this address."""
    since = vietnam_now() - window
    by_login = db.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.login == login, LoginFailure.at >= since)
    )
    by_address = db.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.address == address, LoginFailure.at >= since)
    )
    return int(by_login or 0), int(by_address or 0)
