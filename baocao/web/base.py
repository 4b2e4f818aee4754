"""What every page of the portal shares: its configuration, the signed-in account, CSRF-checked forms, the
templates and the audit log. The app factory (app.py) and the page modules build on this module."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from baocao.periods import VIETNAM, Period
from baocao.setup import TEMPLATES, Setup, load_setup
from baocao.web.auth import SessionCodec, SessionData, user_by_login
from baocao.web.db import User, record

SESSION_COOKIE = "baocao_session"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # what intake accepts (baocao.intake.read.MAX_FILE_BYTES)
MAX_FORM_BYTES = 256 * 1024


@dataclass(frozen=True)
class PortalConfig:
    """How the portal is set up: the province folders it serves, where documents go, who may reach it."""

    inputs: tuple[Path, ...]
    outputs: Path
    database_url: str
    secret: str
    public_url: str = ""
    max_upload: int = MAX_UPLOAD_BYTES
    prefect: bool = False  # served by `baocao serve`: reports start through the Prefect deployments

    @property
    def secure_cookies(self) -> bool:
        """Cookies only over HTTPS when the public address is HTTPS (behind the department's proxy)."""
        return self.public_url.startswith("https://")


@dataclass
class Portal:
    """The running portal: configuration, database, cookie codec, templates, report runner."""

    config: PortalConfig
    engine: Engine
    codec: SessionCodec
    templates: Environment
    runner: Any = None  # baocao.web.runs.Runner (typed Any: runs imports this module)
    provinces: dict[str, Path] = field(default_factory=dict)  # slug -> province folder

    def setup(self, slug: str) -> Setup:
        """The configuration of a province the portal serves (404 for any other)."""
        if slug not in self.provinces:
            raise HTTPException(404)
        return load_setup(self.provinces[slug])


def public_url() -> str:
    """``BAOCAO_PUBLIC_URL``: the portal's address as users reach it (behind a proxy)."""
    return os.environ.get("BAOCAO_PUBLIC_URL", "").strip().rstrip("/")


def template_environment() -> Environment:
    """The pages' Jinja2 environment (templates/web/, every value escaped)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES / "web"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["vn_time"] = vietnam_time
    env.filters["iso_time"] = lambda text: vietnam_time(datetime.fromisoformat(text))
    env.filters["period_label"] = lambda code: Period.parse(code).label
    env.filters["vn_date"] = lambda day: (
        (date.fromisoformat(day) if isinstance(day, str) else day).strftime("%d/%m/%Y") if day else ""
    )
    return env


def vietnam_time(moment: datetime | None) -> str:
    """'17:29 02/12/2026' on Vietnam's clock; a naive time is one the portal stored in Vietnam time (SQLite
    keeps no offset), an aware one (PostgreSQL) is converted."""
    if moment is None:
        return ""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=VIETNAM)
    return aware.astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y")


def portal_of(request: Request) -> Portal:
    """The portal serving this request."""
    portal: Portal = request.app.state.portal
    return portal


def session_of(request: Request) -> SessionData:
    """The request's session (the middleware gives every request one)."""
    session: SessionData = request.scope["baocao.session"]
    return session


def set_session(request: Request, session: SessionData) -> None:
    """Replace the request's session (the response carries the new cookie)."""
    request.scope["baocao.session"] = session


def database(request: Request) -> Iterator[Session]:
    """A database session for one request, committed when the page succeeds."""
    with Session(portal_of(request).engine, expire_on_commit=False) as db:
        yield db
        db.commit()


def address_of(request: Request) -> str:
    """The client's address (uvicorn's proxy headers give the real one behind a trusted proxy)."""
    return request.client.host if request.client else "?"


class NotSignedIn(Exception):
    """The page needs an account: the app answers with the login page."""


def current_user(request: Request, db: Session = Depends(database)) -> User:
    """The signed-in account; sessions of a reset password or a removed account are over."""
    session = session_of(request)
    user = user_by_login(db, session.login) if session.login else None
    if user is None or user.generation != session.generation:
        raise NotSignedIn
    return user


def staff_user(user: User = Depends(current_user)) -> User:
    """The signed-in account, which must be staff (403 otherwise)."""
    if user.role != "staff":
        raise HTTPException(403)
    return user


async def checked_form(request: Request) -> FormData:
    """The posted form, refused (403) unless it carries this session's CSRF token."""
    form = await request.form(max_files=1, max_fields=50)
    token = form.get("csrf")
    if not portal_of(request).codec.csrf_valid(
        session_of(request), token if isinstance(token, str) else None
    ):
        raise HTTPException(403, "csrf")
    return form


def text_field(form: FormData, name: str, limit: int = 500) -> str:
    """A text field of a form, stripped and bounded."""
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def audit(request: Request, db: Session, login: str, action: str, target: str, detail: str = "") -> None:
    """Add one line to the audit log for this request."""
    record(db, login, address_of(request), action, target, detail)


def page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page from templates/web/, with the session's CSRF token and the signed-in account."""
    portal = portal_of(request)
    session = session_of(request)
    html = portal.templates.get_template(name).render(
        csrf=portal.codec.csrf_token(session),
        signed_in=context.pop("user", None),
        **context,
    )
    return HTMLResponse(html, status_code=status_code)
