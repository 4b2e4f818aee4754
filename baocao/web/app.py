"""The portal's app factory: middleware (sessions, security headers, the upload limit), the login pages and
the error pages; the clerk's pages are in pages_unit.py, the staff's in pages_staff.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from baocao.periods import vietnam_now
from baocao.setup import TEMPLATES, load_setup
from baocao.web import pages_staff, pages_unit
from baocao.web.auth import (
    FAILURE_WINDOW,
    MAX_FAILURES_PER_ADDRESS,
    MAX_FAILURES_PER_LOGIN,
    SESSION_HOURS,
    SessionCodec,
    authenticate,
    new_session,
)
from baocao.web.base import (
    MAX_FORM_BYTES,
    SESSION_COOKIE,
    NotSignedIn,
    Portal,
    PortalConfig,
    address_of,
    audit,
    checked_form,
    current_user,
    database,
    page,
    portal_of,
    session_of,
    set_session,
    template_environment,
    text_field,
)
from baocao.web.db import User, open_database, recent_failures
from baocao.web.runs import Runner

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGI = Callable[[Scope, Receive, Send], Awaitable[None]]

ERRORS = {
    403: "Bạn không có quyền truy cập trang này.",
    404: "Không có trang này.",
    413: "Tệp hoặc biểu mẫu gửi lên quá lớn.",
    429: "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 15 phút.",
}
SECURITY_HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; form-action 'self'"),
]


class TooLarge(Exception):
    """A request body went over its limit while it was being read."""


def body_limit(path: str, config: PortalConfig) -> int:
    """The largest body a POST to ``path`` may send: a workbook for an upload, a small form otherwise."""
    return config.max_upload + 64 * 1024 if path.endswith("/upload") else MAX_FORM_BYTES


class PortalMiddleware:
    """Gives each request its session (from the signed cookie, or a new anonymous one), sets the cookie
    when the session changes, adds the security headers, and refuses an oversized body before reading it
    (by Content-Length) or as soon as it goes over (a chunked body)."""

    def __init__(self, app: ASGI, portal: Portal) -> None:
        self.app = app
        self.portal = portal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if scope["method"] == "POST":
            limit = body_limit(scope["path"], self.portal.config)
            length = headers.get("content-length", "")
            if length.isdigit() and int(length) > limit:
                await HTMLResponse(_error_html(self.portal, 413), status_code=413)(scope, receive, send)
                return
            receive = _counted(receive, limit)
        cookie: SimpleCookie = SimpleCookie(headers.get("cookie", ""))
        value = cookie[SESSION_COOKIE].value if SESSION_COOKIE in cookie else None
        original = self.portal.codec.loads(value)
        scope["baocao.session"] = original or new_session()

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = list(SECURITY_HEADERS)
                session = scope["baocao.session"]
                if session != original:
                    https = scope.get("scheme") == "https"  # uvicorn's proxy headers: X-Forwarded-Proto
                    cookie = self._cookie(self.portal.codec.dumps(session), https)
                    extra.append((b"set-cookie", cookie.encode()))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _cookie(self, value: str, https: bool) -> str:
        secure = "; Secure" if https or self.portal.config.secure_cookies else ""
        return f"{SESSION_COOKIE}={value}; Path=/; Max-Age={SESSION_HOURS * 3600}; HttpOnly; SameSite=Lax{secure}"


def _counted(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def counting() -> Message:
        nonlocal seen
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > limit:
            raise TooLarge
        return message

    return counting


def _error_html(portal: Portal, status: int) -> str:
    return portal.templates.get_template("error.html.j2").render(
        message=ERRORS.get(status, "Có lỗi xảy ra."), status=status, signed_in=None, csrf=""
    )


def create_app(config: PortalConfig) -> FastAPI:
    """The portal for the province folders of ``config``."""
    engine = open_database(config.database_url)
    portal = Portal(config, engine, SessionCodec(config.secret), template_environment())
    for folder in config.inputs:
        portal.provinces[load_setup(folder).slug] = folder
    portal.runner = Runner(portal)
    app = FastAPI(title="baocao", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.portal = portal
    app.add_middleware(PortalMiddleware, portal=portal)
    app.include_router(pages_unit.router)
    app.include_router(pages_staff.router)

    @app.exception_handler(NotSignedIn)
    async def _sign_in(request: Request, _: Exception) -> Response:
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(TooLarge)
    async def _too_large(request: Request, _: Exception) -> Response:
        return HTMLResponse(_error_html(portal, 413), status_code=413)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        return HTMLResponse(_error_html(portal, status), status_code=status)

    app.add_api_route("/", home, methods=["GET"])
    app.add_api_route("/login", login_page, methods=["GET"])
    app.add_api_route("/login", login, methods=["POST"])
    app.add_api_route("/logout", logout, methods=["POST"])
    app.add_api_route("/portal.css", stylesheet, methods=["GET"])
    return app


def home(user: User = Depends(current_user)) -> Response:
    """Staff to their overview, a clerk to the unit's page."""
    target = "/staff" if user.role == "staff" else f"/unit/{user.province}/{user.unit}"
    return RedirectResponse(target, status_code=303)


def stylesheet() -> Response:
    """The portal's one stylesheet."""
    return FileResponse(Path(TEMPLATES / "web" / "portal.css"), media_type="text/css")


def login_page(request: Request) -> Response:
    """The login form."""
    return page(request, "login.html.j2")


def login(
    request: Request, form: FormData = Depends(checked_form), db: Session = Depends(database)
) -> Response:
    """Sign in; after too many failures for the account or the address, refuse for a while (429)."""
    name, password = text_field(form, "login", 64).lower(), str(form.get("password") or "")[:1024]
    address = address_of(request)
    by_login, by_address = recent_failures(db, name, address, FAILURE_WINDOW)
    if by_login >= MAX_FAILURES_PER_LOGIN or by_address >= MAX_FAILURES_PER_ADDRESS:
        audit(request, db, name, "login-refused", name, "rate limit")
        return page(request, "login.html.j2", 429, error=ERRORS[429], login=name)
    user = authenticate(db, name, password, address)
    if user is None:
        audit(request, db, name, "login-failed", name)
        return page(request, "login.html.j2", 401, error="Sai tên đăng nhập hoặc mật khẩu.", login=name)
    set_session(request, new_session(user.login, user.generation))
    audit(request, db, user.login, "login", user.login)
    return RedirectResponse("/", status_code=303)


def logout(
    request: Request, form: FormData = Depends(checked_form), db: Session = Depends(database)
) -> Response:
    """Sign out: the session cookie is replaced by a new anonymous one."""
    login_name = session_of(request).login
    set_session(request, new_session())
    if login_name:
        audit(request, db, login_name, "logout", login_name)
    return RedirectResponse("/login", status_code=303)


def portal_config(inputs: tuple[Path, ...], outputs: Path, prefect: bool = False) -> PortalConfig:
    """The configuration from the environment: BAOCAO_DATABASE_URL, BAOCAO_SESSION_SECRET, BAOCAO_PUBLIC_URL."""
    from baocao.web.auth import session_secret
    from baocao.web.base import public_url
    from baocao.web.db import database_url

    return PortalConfig(
        inputs=inputs,
        outputs=outputs,
        database_url=database_url(outputs),
        secret=session_secret(outputs),
        public_url=public_url(),
        prefect=prefect,
    )


__all__ = ["create_app", "portal_config", "portal_of", "vietnam_now"]
