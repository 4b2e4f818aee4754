"""``baocao web`` (the portal alone) and ``baocao user add|reset|list`` (the portal's accounts).

The web stack (FastAPI, SQLAlchemy, argon2) is imported only when one of these commands runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from baocao.cli_base import OutputsOption, fail, out
from baocao.errors import BaocaoError
from baocao.paths import DEFAULT_OUTPUTS, SAMPLE_INPUTS

if TYPE_CHECKING:
    from fastapi import FastAPI

user_app = typer.Typer(
    help="Tài khoản của cổng báo cáo: thêm, đặt lại mật khẩu, liệt kê.",
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
)
ProvincesOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--inputs", help="Thư mục của tỉnh (ghi nhiều lần được); mặc định: tỉnh mẫu.", file_okay=False
    ),
]


def portal_app(inputs: list[Path] | None, outputs: Path, prefect: bool = False) -> FastAPI:
    """The portal for these province folders (the sample province by default)."""
    from baocao.web.app import create_app, portal_config

    return create_app(portal_config(tuple(inputs or [SAMPLE_INPUTS]), outputs, prefect=prefect))


def serve_portal(app: FastAPI, host: str, port: int) -> None:
    """Serve the portal with uvicorn until stopped (proxy headers trusted from BAOCAO_TRUSTED_PROXIES)."""
    import os

    import uvicorn

    uvicorn.run(
        app,
        host=host,
        port=port,
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("BAOCAO_TRUSTED_PROXIES", "127.0.0.1"),
        log_level="warning",
    )


def web(
    inputs: ProvincesOption = None,
    outputs: OutputsOption = DEFAULT_OUTPUTS,
    host: Annotated[
        str, typer.Option(help="Địa chỉ lắng nghe (khi đặt sau proxy: 127.0.0.1).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Cổng (port) lắng nghe.")] = 8080,
) -> None:
    """Serve the web portal alone (units send their workbooks, staff follow, review, run and download)."""
    try:
        app = portal_app(inputs, outputs)
    except BaocaoError as exc:
        fail(str(exc))
        return
    out.print(f"Cổng báo cáo: http://{host}:{port}/  (dừng bằng Ctrl-C)", highlight=False)
    serve_portal(app, host, port)


def _session(outputs: Path):  # type: ignore[no-untyped-def]  # a context manager of sqlalchemy's Session
    from sqlalchemy.orm import Session

    from baocao.web.db import database_url, open_database

    return Session(open_database(database_url(outputs)), expire_on_commit=False)


PasswordOption = Annotated[
    str,
    typer.Option(
        prompt=True, hide_input=True, confirmation_prompt=True, help="Mật khẩu (hỏi nếu không ghi)."
    ),
]


@user_app.command("add", help="Thêm tài khoản: cán bộ một đơn vị (--unit) hoặc cán bộ Sở (--staff).")
def user_add(
    login: Annotated[str, typer.Argument(help="Tên đăng nhập (chữ cái, chữ số, . - _).")],
    password: PasswordOption,
    unit: Annotated[
        str | None, typer.Option(help="Mã đơn vị của cán bộ đơn vị (như trong province.yaml).")
    ] = None,
    staff: Annotated[bool, typer.Option("--staff", help="Tài khoản cán bộ Sở.")] = False,
    name: Annotated[str, typer.Option(help="Họ và tên.")] = "",
    inputs: Annotated[
        Path, typer.Option("--inputs", help="Thư mục tỉnh của cán bộ đơn vị.", file_okay=False)
    ] = SAMPLE_INPUTS,
    outputs: OutputsOption = DEFAULT_OUTPUTS,
) -> None:
    """Add an account: a clerk of one unit (--unit) or staff (--staff)."""
    from baocao.setup import load_setup
    from baocao.web.auth import add_user
    from baocao.web.db import record

    if staff == bool(unit):
        fail("cần --unit MÃ (tài khoản của đơn vị) hoặc --staff (cán bộ Sở)")
    province = ""
    if unit:
        setup = load_setup(inputs)
        unit = unit.strip().upper()
        if unit not in setup.province.unit_codes:
            fail(f"không có đơn vị mã {unit!r} trong {setup.inputs / 'province.yaml'}")
        province = setup.slug
    with _session(outputs) as db:
        user = add_user(db, login, password, "staff" if staff else "clerk", province, unit or "", name)
        record(db, "cli", "-", "user-add", user.login, f"{province}/{unit}" if unit else "staff")
        db.commit()
    out.print(
        f"đã thêm tài khoản {user.login} ({'cán bộ Sở' if staff else f'{province}/{unit}'})", highlight=False
    )


@user_app.command("reset", help="Đặt mật khẩu mới cho một tài khoản (các phiên đang mở kết thúc).")
def user_reset(
    login: Annotated[str, typer.Argument(help="Tên đăng nhập.")],
    password: PasswordOption,
    outputs: OutputsOption = DEFAULT_OUTPUTS,
) -> None:
    """Give an account a new password (its open sessions end)."""
    from baocao.web.auth import reset_password
    from baocao.web.db import record

    with _session(outputs) as db:
        user = reset_password(db, login, password)
        record(db, "cli", "-", "user-reset", user.login)
        db.commit()
    out.print(f"đã đặt lại mật khẩu của {user.login}", highlight=False)


@user_app.command("list", help="Mọi tài khoản của cổng báo cáo.")
def user_list(outputs: OutputsOption = DEFAULT_OUTPUTS) -> None:
    """Every account of the portal."""
    from rich.table import Table

    from baocao.web.auth import all_users

    table = Table("Login", "Name", "Role", "Unit")
    with _session(outputs) as db:
        for user in all_users(db):
            table.add_row(
                user.login, user.name, user.role, f"{user.province}/{user.unit}" if user.unit else "–"
            )
    out.print(table)
