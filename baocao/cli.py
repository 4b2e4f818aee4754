"""The ``baocao`` command: the app, its command groups in pipeline order, and ``run``.

Blank forms, filing, checking and counting submissions are in cli_collect.py; kept versions in
cli_versions.py; the scheduled side in cli_serve.py; reviews in cli_review.py; ``run --all`` in
cli_national.py; what they share in cli_base.py.
Commands import what they work with when they run: ``baocao --help`` loads typer and little else.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from baocao.cli_base import InputsOption, OneLineErrors, OutputsOption, err, out
from baocao.cli_base import fail as _fail
from baocao.cli_base import period_of as _period
from baocao.cli_base import report_date as _report_date
from baocao.cli_collect import check, collect, status, template
from baocao.cli_review import review_app
from baocao.cli_serve import deploy, serve
from baocao.cli_sign import sign, verify
from baocao.cli_units import crosswalk, units
from baocao.cli_versions import cli_user, versions
from baocao.cli_web import user_app, web
from baocao.errors import BaocaoError
from baocao.paths import DEFAULT_OUTPUTS, SAMPLE_INPUTS
from baocao.periods import Period
from baocao.settings import apply_prefect_defaults

if TYPE_CHECKING:
    from baocao import report as core

apply_prefect_defaults()  # before anything imports Prefect

app = typer.Typer(
    cls=OneLineErrors,
    help="Báo cáo định kỳ của Sở: thu thập, kiểm tra, tổng hợp và xuất báo cáo.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(review_app, name="review")
app.add_typer(user_app, name="user")


def _waiting() -> None:
    err.print("một lần chạy khác của kỳ này đang ghi báo cáo; chờ lần đó xong", highlight=False)


@app.command(help="Lập báo cáo của kỳ (DOCX, PDF, XLSX) cho một tỉnh, hoặc cho mọi tỉnh với --all.")
def run(
    period: Annotated[
        str | None,
        typer.Option(
            help="Kỳ báo cáo: 2024-Q2, 2024-H1, 2024-H2, 2024-9M hoặc 2024; mặc định: quý gần nhất đã có báo cáo."
        ),
    ] = None,
    inputs: InputsOption = SAMPLE_INPUTS,
    outputs: OutputsOption = DEFAULT_OUTPUTS,
    report_date: Annotated[
        str | None, typer.Option("--date", help="Ngày của báo cáo, YYYY-MM-DD; mặc định: hôm nay.")
    ] = None,
    number: Annotated[int | None, typer.Option(help="Số văn bản (Số: 05/BC-...).", min=1)] = None,
    prefect: Annotated[
        bool,
        typer.Option(
            help="Chạy qua Prefect (mặc định: máy chủ Prefect tạm thời trên máy này); "
            "--no-prefect chạy cùng các bước, không qua Prefect."
        ),
    ] = True,
    deliver: Annotated[
        bool, typer.Option(help="Đăng tệp DOCX, PDF và gửi thư cho người nhận trong province.yaml.")
    ] = False,
    sign: Annotated[
        bool | None,
        typer.Option(
            "--sign/--no-sign",
            help="Ký số tệp PDF (lãnh đạo, rồi cơ quan) bằng khóa trong mục signing của province.yaml; "
            "mặc định: theo sign_reports.",
        ),
    ] = None,
    every: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Mọi thư mục tỉnh trong --inputs (mặc định: inputs/), chạy song song, rồi tổng hợp toàn "
            "quốc; báo cáo có số liệu không đổi thì không lập lại.",
        ),
    ] = False,
    workers: Annotated[int, typer.Option(help="Với --all: số tỉnh chạy cùng lúc.", min=1)] = 2,
    force: Annotated[
        bool, typer.Option(help="Với --all: lập lại mọi báo cáo, dù số liệu không đổi.")
    ] = False,
    work_pool: Annotated[
        str | None,
        typer.Option(help="Với --all: giao từng tỉnh cho các máy của work pool Prefect này."),
    ] = None,
) -> None:
    """Produce the period's DOCX, PDF and XLSX report for one province (or, with --all, for every one)."""
    if every:
        _run_every(
            period, inputs, outputs, report_date, number, prefect, workers, force, deliver, work_pool, sign
        )
        return
    from baocao.heap import settled_imports

    with settled_imports():  # one report, then the process exits
        from baocao import report as core
        from baocao.cli_steps import shown_steps
        from baocao.deliver import DeliveryError
        from baocao.files import check_writable
        from baocao.issued import VERSIONS

    try:
        setup = core.load_setup(inputs)
        the_period = _period(period, setup)
        when = _report_date(report_date)
    except BaocaoError as exc:
        _fail(str(exc))
        return
    # Before any work, and outside Prefect (whose logs would show a traceback): can the set be written?
    docx, *_ = documents = core.output_paths(outputs, setup, the_period)
    check_writable(docx.parent, [p.name for p in (*documents, docx.with_suffix(".manifest.json"))])
    check_writable(docx.parent / VERSIONS, [])  # every run keeps its documents as a new version there
    request = core.ReportRequest(
        inputs, the_period, outputs, when, number, deliver=deliver, started_by=cli_user(), sign=sign
    )
    if sign or (sign is None and setup.province.signing and setup.province.signing.sign_reports):
        from baocao.cli_sign import ask_pins

        ask_pins(setup.province, inputs)  # before the flow: a task cannot ask at the terminal
    try:
        with shown_steps(err) as say:
            run_it = _run_flow if prefect else _run_in_process
            result = run_it(request, say)
    except DeliveryError as exc:
        # The documents are written and published; only the mail failed.
        for path in core.output_paths(outputs, setup, the_period):
            print(path)
        _fail(str(exc))
        return
    except BaocaoError as exc:
        _fail(str(exc))
        return
    _print_result(setup, the_period, result)
    if result.signing.status == "signed":
        out.print(result.signing.message, highlight=False)
    if result.signing.failed:
        _fail(f"{result.signing.message}; báo cáo đã được ghi nhưng chưa ký số và chưa gửi đi")
    if result.delivery.failed:
        _fail(str(result.delivery))


def _run_every(
    period: str | None,
    inputs: Path,
    outputs: Path,
    report_date: str | None,
    number: int | None,
    prefect: bool,
    workers: int,
    force: bool,
    deliver: bool,
    work_pool: str | None,
    sign: bool | None,
) -> None:
    from baocao.cli_national import latest_of_all, run_all

    root = inputs.parent if inputs == SAMPLE_INPUTS else inputs
    if deliver:
        _fail("--deliver chỉ dùng khi lập báo cáo của một tỉnh; lần chạy toàn quốc chỉ ghi báo cáo")
    if work_pool and not prefect:
        _fail("--work-pool chạy qua Prefect; bỏ --no-prefect")
    if work_pool and sign:
        _fail("--sign ký số trên máy này, nơi có thiết bị ký số và mã PIN: không dùng được với --work-pool")
    try:
        the_period = Period.parse(period) if period else latest_of_all(root)
        if sign:
            from baocao.cli_sign import ask_pins_of_all

            ask_pins_of_all(root)  # before the workers start: they cannot ask at the terminal
        when = _report_date(report_date)
        run = run_all(root, the_period, outputs, when, number, prefect, workers, force, out, sign=sign)
    except BaocaoError as exc:
        _fail(str(exc))
        return
    if run.failed or any(o.signing_failed for o in run.provinces):
        raise typer.Exit(code=1)


def _run_in_process(request: core.ReportRequest, progress: core.Progress) -> core.ReportResult:
    from baocao import report as core

    return core.run_report(request, waiting=_waiting, progress=progress)


def _run_flow(request: core.ReportRequest, progress: core.Progress) -> core.ReportResult:
    from baocao.heap import settled_imports

    with settled_imports():  # Prefect's client and the report's libraries, for one run
        from prefect.settings import (
            PREFECT_API_URL,
            PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
            get_current_settings,
            temporary_settings,
        )

        from flows.report import form_of, province_report
        from flows.server import standing_server

    # In-process, the heartbeat thread adds about a second to every sync flow run (STACK.md).
    updates: dict[Any, Any] = {PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
    configured = get_current_settings().api.url  # PREFECT_API_URL, a Prefect profile, a test harness
    api = configured or standing_server()
    if api:
        updates[PREFECT_API_URL] = api
        where = "" if configured else " do `baocao serve` khởi động"
        progress(f"chạy qua Prefect, trên máy chủ{where} tại {api}")
    else:
        progress(
            "chạy qua Prefect (khởi động máy chủ Prefect tạm thời; `baocao serve` giữ một máy chủ thường trực)"
        )
    with temporary_settings(updates=updates):
        return province_report(bao_cao=form_of(request))


def _print_result(setup: core.Setup, period: Period, result: core.ReportResult) -> None:
    from baocao.status import figure_state, unit_state_words

    words = unit_state_words(setup.phrases)
    missing = [setup.province.unit(s.unit).full_name for s in result.states if s.state == "missing"]
    rejected = [setup.province.unit(s.unit).full_name for s in result.states if s.state == "rejected"]
    received = sum(1 for s in result.states if s.state == "received")
    out.print(
        f"[bold]{setup.province.name} – {period.label}[/]: {words['received']} {received}/{len(result.states)}"
        " đơn vị",
        highlight=False,
    )
    if missing:
        out.print(f"  {words['missing']}: {', '.join(missing)}", highlight=False)
    for state in result.states:
        if state.state == "partial":
            lacking = ", ".join(
                Period.parse(q).label for q in (*state.missing_quarters, *state.rejected_quarters)
            )
            out.print(
                f"  {words['partial']}: {setup.province.unit(state.unit).full_name} (thiếu {lacking})",
                highlight=False,
            )
    if result.held:
        out.print(
            f"  {result.held} số liệu {figure_state(setup.phrases, 'held')}, chưa đưa vào tổng hợp: "
            f"baocao review list --period {period.code}",
            highlight=False,
        )
    if rejected:
        out.print(
            f"  {words['rejected']}: {', '.join(rejected)} – xem trang 'Kiểm tra' của tệp XLSX hoặc `baocao check`",
            highlight=False,
        )
    for path in result.paths:
        print(path)
    messages = {
        "sent": "thư: đã gửi đến " + ", ".join(setup.province.delivery.everyone),
        "already-sent": "thư: báo cáo này đã được gửi trước đó (xem delivery.json); không gửi lại",
        "not-configured": "thư: chưa gửi, chưa đặt BAOCAO_SMTP_HOST (báo cáo đã được đăng)",
        "no-recipients": "thư: chưa gửi, province.yaml chưa có người nhận (báo cáo đã được đăng)",
    }
    if result.delivery.status in messages:
        out.print(messages[result.delivery.status], highlight=False)


# After run, in the order `baocao --help` lists them: the kept versions; forms out, files in, checked,
# counted; the report's signatures; then schedules and the portal. Staff read the help: it is Vietnamese
# (the docstrings say the same for developers).
COMMANDS: tuple[tuple[Callable[..., None], str], ...] = (
    (versions, "Các lần lập báo cáo của một kỳ: số, ngày, người chạy, đã đăng, đã gửi thư, đã ký số."),
    (check, "Kiểm tra tệp báo cáo của đơn vị (hoặc mẫu của Sở) mà không lập báo cáo; mã thoát 1 nếu có lỗi."),
    (template, "Tạo mẫu Excel điền sẵn cho từng đơn vị của một quý (hoặc mẫu của Sở)."),
    (
        collect,
        "Nhận tệp trong inbox: lưu tệp hợp lệ; tệp có lỗi chuyển sang inbox/rejected/ kèm thông báo lỗi.",
    ),
    (status, "Tình hình gửi báo cáo: đơn vị đúng hạn, chậm, chưa gửi, có lỗi, bản đang chờ xác nhận."),
    (
        sign,
        "Ký số tệp PDF của báo cáo (PAdES): chữ ký của lãnh đạo, rồi con dấu (và số văn bản) của cơ quan.",
    ),
    (
        verify,
        "Kiểm tra mọi chữ ký số của tệp PDF; mã thoát 0 chỉ khi tất cả hợp lệ (không kiểm tra thu hồi trực tuyến).",
    ),
    (
        serve,
        "Chạy lịch tự động (báo cáo vào ngày hạn, nhắc đơn vị trước hạn) và cổng báo cáo web, đến khi dừng.",
    ),
    (web, "Chỉ mở cổng báo cáo web (đơn vị gửi báo cáo; Sở theo dõi, rà soát, lập và tải báo cáo)."),
    (
        deploy,
        "Đưa các flow của tỉnh và toàn quốc lên work pool của máy chủ Prefect tại PREFECT_API_URL; sau đó "
        "chạy `prefect worker start --pool TÊN` trên các máy sẽ lập báo cáo.",
    ),
    (units, "Danh sách đơn vị hành chính từ 01/7/2025 (dữ liệu công khai kèm theo, inputs/units-2025)."),
    (
        crosswalk,
        "Ghi bảng chuyển đổi của tỉnh: mỗi xã, phường mới gồm những đơn vị cũ nào, với tỷ lệ bao nhiêu.",
    ),
)
for command, text in COMMANDS:
    app.command(help=text)(command)


def main() -> None:
    """Entry point for ``python -m baocao``."""
    app(prog_name="baocao")


if __name__ == "__main__":
    main()
