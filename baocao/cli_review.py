"""``baocao review``: the figures the checks questioned for a period, and staff's accept/reject decisions.

A held figure stays out of the province totals and the report's sentences until it is accepted; a decision
is kept in ``<province>/review.jsonl`` with who, when and why, and changes the next report's digest.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.console import Console

from baocao.errors import BaocaoError
from baocao.paths import SAMPLE_INPUTS
from baocao.periods import Period

if TYPE_CHECKING:  # the commands import what they use when they run: `baocao --help` stays light
    from rich.table import Table

    from baocao.held import HeldVersion
    from baocao.review import Flag, Verdict
    from baocao.setup import Setup

review_app = typer.Typer(
    help="Số liệu bất thường đang chờ rà soát: xem, chấp nhận hoặc loại.",
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

Inputs = Annotated[
    Path, typer.Option("--inputs", help="Thư mục của tỉnh (thư mục có province.yaml).", file_okay=False)
]
PeriodOption = Annotated[
    str | None, typer.Option("--period", help="Kỳ báo cáo; mặc định: quý gần nhất đã có báo cáo.")
]


def _fail(message: str) -> None:
    err.print(f"[bold red]lỗi:[/] {message}", highlight=False)
    raise typer.Exit(code=1)


def _flags(inputs: Path, period: str | None) -> tuple[Setup, Period, list[Flag]]:
    from baocao.report import collect_for
    from baocao.review import review_flags
    from baocao.setup import latest_quarter, load_setup

    setup = load_setup(inputs)
    the_period = Period.parse(period) if period else latest_quarter(setup.submissions)
    intake = collect_for(setup, the_period)
    quarters = {q.code for q in the_period.quarters}
    return setup, the_period, [f for f in review_flags(setup.inputs, intake) if f.quarter in quarters]


def _unit_name(setup: Setup, code: str) -> str:
    return setup.province.unit(code).full_name if code in setup.province.unit_codes else code


def _table(setup: Setup, period: Period, flags: list[Flag]) -> Table:
    from rich.table import Table

    from baocao.status import figure_state
    from baocao.vietnamese import number

    table = Table(
        "Đơn vị",
        "Kỳ",
        "Chỉ tiêu",
        "Số liệu",
        "Lý do",
        "Tình trạng",
        title=f"{setup.province.name} – {period.label}",
    )
    for flag in flags:
        ind = setup.catalogue.get(flag.indicator)
        name = setup.province.unit(flag.unit).full_name
        state = figure_state(setup.phrases, flag.state)
        if flag.decision is not None:
            state += f" ({flag.decision.by}, {flag.decision.at[:10]}: {flag.decision.why})"
        table.add_row(
            f"{name[:1].upper()}{name[1:]} ({flag.unit})",
            Period.parse(flag.quarter).label,
            f"{ind.name} ({ind.code})",
            f"{number(flag.value, ind.decimals)} {ind.unit}",
            flag.reason,
            state,
        )
    return table


@review_app.callback(invoke_without_command=True)
def _default(ctx: typer.Context) -> None:
    """Without a command: list the latest quarter's questioned figures of the sample province."""
    if ctx.invoked_subcommand is None:
        show(None, SAMPLE_INPUTS)


@review_app.command(
    "list", help="Số liệu bất thường của một kỳ: đang rà soát (chưa tổng hợp), đã chấp nhận hoặc đã loại."
)
def show(period: PeriodOption = None, inputs: Inputs = SAMPLE_INPUTS) -> None:
    """The questioned figures of a period: held (not in the totals), accepted or rejected."""
    from baocao.held import held_versions
    from baocao.status import held_version

    try:
        setup, the_period, flags = _flags(inputs, period)
    except BaocaoError as exc:
        _fail(str(exc))
        return
    quarters = {q.code for q in the_period.quarters}
    for held in (h for h in held_versions(setup.inputs) if h.quarter in quarters):
        label = held_version(setup.phrases)
        out.print(
            f"[yellow]bản {label}[/] {_unit_name(setup, held.unit)}, {Period.parse(held.quarter).label}: tệp "
            f"{held.original_name} nhận {datetime.fromisoformat(held.received_at):%d/%m/%Y} – {held.reason} "
            f'(mã {held.sha256[:12]}; baocao review confirm --version {held.sha256[:12]} --why "…")',
            highlight=False,
        )
        for change in held.changes:
            out.print(f"    {change}", highlight=False)
    if not flags:
        out.print(
            f"{setup.province.name} – {the_period.label}: không có số liệu nào cần rà soát.", highlight=False
        )
        return
    out.print(_table(setup, the_period, flags))
    pending = sum(f.state == "held" for f in flags)
    out.print(
        f"{pending} số liệu đang rà soát (chưa tổng hợp); chấp nhận: baocao review accept --unit MÃ --indicator MÃ "
        f'--period {the_period.code} --why "…"',
        highlight=False,
    )


def _decide(
    verdict: Verdict, period: str | None, inputs: Path, unit: str, indicator: str, why: str, by: str | None
) -> None:
    from baocao.review import decide, record_decision
    from baocao.store import TZ

    try:
        setup, the_period, flags = _flags(inputs, period)
    except BaocaoError as exc:
        _fail(str(exc))
        return
    unit, indicator = unit.strip().upper(), indicator.strip().upper()
    who = by or os.environ.get("BAOCAO_USER") or getpass.getuser()
    decisions = decide(
        flags, unit, indicator, [q.code for q in the_period.quarters], verdict, who, why, datetime.now(TZ)
    )
    if not decisions:
        _fail(
            f"không có số liệu nào của đơn vị {unit}, chỉ tiêu {indicator} cần rà soát trong {the_period.label} "
            "(xem: baocao review list)"
        )
        return
    try:
        for decision in decisions:
            record_decision(setup.inputs, decision)
    except OSError as exc:
        _fail(f"không ghi được quyết định vào {setup.inputs / 'review.jsonl'}: {exc.strerror or exc}")
        return
    word = "chấp nhận" if verdict == "accept" else "loại"
    for decision in decisions:
        out.print(
            f"đã {word}: {unit} {indicator} {Period.parse(decision.quarter).label} = {decision.value:g} "
            f"({who}: {why}); báo cáo sau sẽ {'tổng hợp' if verdict == 'accept' else 'không tổng hợp'} số liệu này",
            highlight=False,
        )


UnitOption = Annotated[str, typer.Option("--unit", help="Mã đơn vị (như trong province.yaml).")]
IndicatorOption = Annotated[str, typer.Option("--indicator", help="Mã chỉ tiêu (như trong indicators.yaml).")]
WhyOption = Annotated[str, typer.Option("--why", help="Lý do: lưu cùng quyết định.")]
ByOption = Annotated[
    str | None, typer.Option("--by", help="Người quyết định; mặc định: $BAOCAO_USER hoặc tên đăng nhập.")
]


def _decision_command(verdict: Verdict, doc: str) -> Callable[..., None]:
    """The accept and reject commands: the same options, another verdict."""

    def command(
        unit: UnitOption,
        indicator: IndicatorOption,
        why: WhyOption,
        period: PeriodOption = None,
        inputs: Inputs = SAMPLE_INPUTS,
        by: ByOption = None,
    ) -> None:
        _decide(verdict, period, inputs, unit, indicator, why, by)

    command.__doc__ = doc
    return command


review_app.command("accept")(
    _decision_command("accept", "Chấp nhận một số liệu bất thường: các báo cáo sau tổng hợp số liệu này.")
)
review_app.command("reject")(
    _decision_command(
        "reject",
        "Loại một số liệu bất thường: báo cáo không tổng hợp và ghi rõ, đến khi đơn vị gửi số khác.",
    )
)


VersionOption = Annotated[str, typer.Option("--version", help="Mã của bản đang chờ (12 ký tự đầu).")]


def _held(inputs: Path, prefix: str) -> tuple[Setup, HeldVersion]:
    from baocao.held import held_versions
    from baocao.setup import load_setup

    setup = load_setup(inputs)
    prefix = prefix.strip().lower()
    found = [h for h in held_versions(setup.inputs) if len(prefix) >= 6 and h.sha256.startswith(prefix)]
    if len(found) != 1:
        raise BaocaoError(f"không có bản nào đang chờ xác nhận với mã {prefix!r} (xem: baocao review list)")
    return setup, found[0]


def _version_command(decision: Literal["confirm", "reject"], done: str, doc: str) -> Callable[..., None]:
    """The confirm and discard commands: the same options, another decision on the held version."""

    def command(
        version: VersionOption, why: WhyOption, inputs: Inputs = SAMPLE_INPUTS, by: ByOption = None
    ) -> None:
        from baocao.held import confirm_held, reject_held

        decide_held = confirm_held if decision == "confirm" else reject_held
        try:
            setup, held = _held(inputs, version)
            decide_held(
                setup.inputs, held.sha256, by or os.environ.get("BAOCAO_USER") or getpass.getuser(), why
            )
        except BaocaoError as exc:
            _fail(str(exc))
            return
        where = f"{_unit_name(setup, held.unit)}, {Period.parse(held.quarter).label}"
        out.print(f"{done}: tệp {held.original_name} ({where})", highlight=False)

    command.__doc__ = doc
    return command


review_app.command("confirm")(
    _version_command(
        "confirm",
        "đã xác nhận, từ nay là báo cáo được dùng",
        "Xác nhận một bản đang chờ: bản này thành tệp được dùng của đơn vị cho quý đó.",
    )
)
review_app.command("discard")(
    _version_command(
        "reject",
        "đã từ chối, được lưu nhưng không dùng",
        "Từ chối một bản đang chờ: bản này vẫn được lưu nhưng không bao giờ được dùng.",
    )
)
