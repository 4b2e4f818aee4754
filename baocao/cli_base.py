"""What every ``baocao`` command shares: the consoles, one-line errors, the common options.

Domain errors become one-line messages and a non-zero exit status here, and only here. Light on purpose
(typer, rich and the project's ground floor): each command imports what it works with when it runs, so that
``baocao --help`` and ``baocao check`` start in a fraction of a second.
"""

from __future__ import annotations

import errno
import os
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from baocao.errors import BaocaoError
from baocao.periods import Period, vietnam_today

if TYPE_CHECKING:
    from baocao.setup import Setup

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

InputsOption = Annotated[
    Path, typer.Option("--inputs", help="Thư mục của tỉnh (thư mục có province.yaml).", file_okay=False)
]
# Not file_okay=False: an outputs path that is a file gets the same one-line error as any unwritable one.
OutputsOption = Annotated[Path, typer.Option("--outputs", help="Thư mục ghi báo cáo.")]


def os_message(exc: OSError) -> str:
    """One line for a file system failure: which path, what is wrong with it, what to do."""
    where = exc.filename or "?"
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOTDIR:
        return f"cannot create {where}: a file stands where a folder is needed on that path"
    if exc.errno == errno.EEXIST:
        return f"{where} is a file, not a folder"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot write {where}: {reason}; make it writable (chmod, chattr -i) and run again"
    return f"{where}: {reason}"


class OneLineErrors(TyperGroup):
    """Every command's failures end as one line on stderr and exit status 1: a user never sees a traceback
    (BAOCAO_DEBUG=1 shows it, for developers)."""

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        """Run the command, turning what it raises into one line."""
        try:
            return super().invoke(ctx)
        except (typer.TyperException, typer.Exit, typer.Abort):
            raise  # usage errors and exits: typer prints them as usual
        except BaocaoError as exc:
            fail(str(exc))
        except OSError as exc:
            if os.environ.get("BAOCAO_DEBUG"):
                raise
            fail(os_message(exc))
        except Exception as exc:
            if os.environ.get("BAOCAO_DEBUG"):
                raise
            fail(f"lỗi ngoài dự kiến ({type(exc).__name__}: {exc}); đặt BAOCAO_DEBUG=1 để xem chi tiết")
        return None


def fail(message: str) -> None:
    """End the command with ``message`` as one line on stderr and exit status 1."""
    # One line whatever the terminal's width: long paths must not wrap into several.
    err.print(f"[bold red]lỗi:[/] {' '.join(message.split())}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=1)


def period_of(text: str | None, setup: Setup) -> Period:
    """The period asked for, else the latest quarter the province has submissions for."""
    from baocao.setup import latest_quarter

    return Period.parse(text) if text else latest_quarter(setup.submissions)


def report_date(text: str | None) -> date:
    """The date to print on a report: ``--date`` (YYYY-MM-DD), else today in Vietnam."""
    if not text:
        return vietnam_today()  # the machine may keep UTC: at 01:00 in Hà Nội it is still yesterday there
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError as exc:
        raise BaocaoError(f"--date must be YYYY-MM-DD, got {text!r}") from exc
