"""The ``baocao`` command: the app, its command groups in pipeline order, and ``run``.

Blank forms, filing, checking and counting submissions are in cli_collect.py; kept versions in
cli_versions.py; the scheduled side in cli_serve.py; reviews in cli_review.py; ``run --all`` in
cli_national.py; what they share in cli_base.py.
Commands import what they work with when they run: ``baocao --help`` loads typer and little else.
"""

from __future__ import annotations

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
    err.print(
        "another run of this period is writing its documents; waiting for it to finish", highlight=False
    )


@app.command()
def run(
    period: Annotated[
        str | None,
        typer.Option(
            help="2024-Q2, 2024-H1, 2024-H2, 2024-9M or 2024; default: the latest quarter with submissions."
        ),
    ] = None,
    inputs: InputsOption = SAMPLE_INPUTS,
    outputs: OutputsOption = DEFAULT_OUTPUTS,
    report_date: Annotated[
        str | None, typer.Option("--date", help="Date on the report, YYYY-MM-DD; default: today.")
    ] = None,
    number: Annotated[int | None, typer.Option(help="Document number (Số: 05/BC-...).", min=1)] = None,
    prefect: Annotated[
        bool,
        typer.Option(
            help="Run through the Prefect flow (local ephemeral API by "
            "default); --no-prefect runs the same steps in-process."
        ),
    ] = True,
    deliver: Annotated[
        bool, typer.Option(help="Publish the DOCX and PDF and mail them to the recipients in province.yaml.")
    ] = False,
    sign: Annotated[
        bool | None,
        typer.Option(
            "--sign/--no-sign",
            help="Sign the PDF (the leader, then the agency) with the keys in province.yaml's signing block; "
            "default: its sign_reports.",
        ),
    ] = None,
    every: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Every province folder under --inputs (default: inputs/), in parallel, then the national "
            "roll-up; reports whose inputs did not change are not made again.",
        ),
    ] = False,
    workers: Annotated[int, typer.Option(help="With --all: provinces at once.", min=1)] = 2,
    force: Annotated[bool, typer.Option(help="With --all: make every report again, changed or not.")] = False,
    work_pool: Annotated[
        str | None,
        typer.Option(help="With --all: hand each province to the workers of this Prefect work pool."),
    ] = None,
) -> None:
    """Produce the period's DOCX, PDF and XLSX report for one province (or, with --all, for every one)."""
    if every:
        if sign:
            _fail("--sign is for one province's run; sign a national run's PDFs with `baocao sign`")
        _run_every(period, inputs, outputs, report_date, number, prefect, workers, force, deliver, work_pool)
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
        _fail(f"{result.signing.message}; the documents are written unsigned and were not delivered")
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
) -> None:
    from baocao.cli_national import latest_of_all, run_all

    root = inputs.parent if inputs == SAMPLE_INPUTS else inputs
    if deliver:
        _fail("--deliver is for one province's run; a national run writes the documents only")
    if work_pool and not prefect:
        _fail("--work-pool runs through Prefect; drop --no-prefect")
    try:
        the_period = Period.parse(period) if period else latest_of_all(root)
        run = run_all(
            root, the_period, outputs, _report_date(report_date), number, prefect, workers, force, out
        )
    except BaocaoError as exc:
        _fail(str(exc))
        return
    if run.failed:
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
        where = "" if configured else " started by `baocao serve`"
        progress(f"running the Prefect flow on the server{where} at {api}")
    else:
        progress("running the Prefect flow (starting an embedded Prefect server; `baocao serve` keeps one)")
    with temporary_settings(updates=updates):
        return province_report(bao_cao=form_of(request))


def _print_result(setup: core.Setup, period: Period, result: core.ReportResult) -> None:
    missing = [setup.province.unit(s.unit).full_name for s in result.states if s.state == "missing"]
    rejected = [setup.province.unit(s.unit).full_name for s in result.states if s.state == "rejected"]
    received = sum(1 for s in result.states if s.state == "received")
    out.print(
        f"[bold]{setup.province.name} – {period.label}[/]: {received}/{len(result.states)} units accepted",
        highlight=False,
    )
    if missing:
        out.print(f"  missing: {', '.join(missing)}", highlight=False)
    for state in result.states:
        if state.state == "partial":
            lacking = ", ".join(
                Period.parse(q).label for q in (*state.missing_quarters, *state.rejected_quarters)
            )
            out.print(
                f"  incomplete: {setup.province.unit(state.unit).full_name} (lacks {lacking})",
                highlight=False,
            )
    if result.held:
        out.print(
            f"  {result.held} questioned figure(s) left out of the totals until reviewed: "
            f"baocao review list --period {period.code}",
            highlight=False,
        )
    if rejected:
        out.print(
            f"  set aside (errors): {', '.join(rejected)} – see the 'Kiểm tra' sheet or `baocao check`",
            highlight=False,
        )
    for path in result.paths:
        print(path)
    messages = {
        "sent": "mail: sent to " + ", ".join(setup.province.delivery.everyone),
        "already-sent": "mail: this report was sent already (see delivery.json); not sent again",
        "not-configured": "mail: not sent, BAOCAO_SMTP_HOST is not set (documents published)",
        "no-recipients": "mail: not sent, province.yaml has no delivery recipients (documents published)",
    }
    if result.delivery.status in messages:
        out.print(messages[result.delivery.status], highlight=False)


# After run, in the order `baocao --help` lists them: the kept versions; forms out, files in, checked,
# counted; the report's signatures; then schedules and the portal.
for command in (
    versions,
    check,
    template,
    collect,
    status,
    sign,
    verify,
    serve,
    web,
    deploy,
    units,
    crosswalk,
):
    app.command()(command)


def main() -> None:
    """Entry point for ``python -m baocao``."""
    app(prog_name="baocao")


if __name__ == "__main__":
    main()
