"""The ``baocao`` command: run a period's report, check submissions, write blank forms.

Domain errors become one-line messages and a non-zero exit status here, and only here.
"""

from __future__ import annotations

import errno
import os
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from baocao.deliver import DeliveryError
from baocao.errors import BaocaoError
from baocao.files import check_writable
from baocao.settings import apply_prefect_defaults

apply_prefect_defaults()

from baocao import report as core  # noqa: E402 - Prefect settings must be in the environment first
from baocao.cli_review import review_app  # noqa: E402
from baocao.cli_steps import shown_steps  # noqa: E402
from baocao.held import held_versions  # noqa: E402
from baocao.intake import quarter_statuses, read_file_safely  # noqa: E402
from baocao.intake.department import department_path  # noqa: E402
from baocao.intake.department_form import department_filename, write_department_form  # noqa: E402
from baocao.intake.form import FormContent, form_filename, write_form  # noqa: E402
from baocao.intake.read import expected_from_path  # noqa: E402
from baocao.periods import Period, vietnam_today  # noqa: E402
from baocao.store import TZ, process_inbox, store_root  # noqa: E402
from baocao.summary import STATE_WORDS  # noqa: E402


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
            _fail(str(exc))
        except OSError as exc:
            if os.environ.get("BAOCAO_DEBUG"):
                raise
            _fail(os_message(exc))
        except Exception as exc:
            if os.environ.get("BAOCAO_DEBUG"):
                raise
            _fail(f"unexpected failure ({type(exc).__name__}: {exc}); BAOCAO_DEBUG=1 shows the details")
        return None


app = typer.Typer(
    cls=OneLineErrors,
    help="Báo cáo định kỳ của Sở: thu thập, kiểm tra, tổng hợp và xuất báo cáo.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(review_app, name="review")
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

InputsOption = Annotated[
    Path, typer.Option("--inputs", help="Province folder (the one with province.yaml).", file_okay=False)
]
# Not file_okay=False: an outputs path that is a file gets the same one-line error as any unwritable one.
OutputsOption = Annotated[Path, typer.Option("--outputs", help="Where documents are written.")]


def _fail(message: str) -> None:
    # One line whatever the terminal's width: long paths must not wrap into several.
    err.print(f"[bold red]error:[/] {' '.join(message.split())}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=1)


def _period(text: str | None, setup: core.Setup) -> Period:
    return Period.parse(text) if text else core.latest_quarter(setup.submissions)


def _report_date(text: str | None) -> date:
    if not text:
        return vietnam_today()  # the machine may keep UTC: at 01:00 in Hà Nội it is still yesterday there
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError as exc:
        raise BaocaoError(f"--date must be YYYY-MM-DD, got {text!r}") from exc


def _waiting() -> None:
    err.print(
        "another run of this period is writing its documents; waiting for it to finish", highlight=False
    )


def _received_at(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise BaocaoError(f"--received-at must be YYYY-MM-DDTHH:MM, got {text!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=TZ)


@app.command()
def run(
    period: Annotated[
        str | None,
        typer.Option(
            help="2024-Q2, 2024-H1, 2024-H2, 2024-9M or 2024; default: the latest quarter with submissions."
        ),
    ] = None,
    inputs: InputsOption = core.SAMPLE_INPUTS,
    outputs: OutputsOption = core.DEFAULT_OUTPUTS,
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
        _run_every(period, inputs, outputs, report_date, number, prefect, workers, force, deliver, work_pool)
        return
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
    request = core.ReportRequest(inputs, the_period, outputs, when, number, deliver=deliver)
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

    root = inputs.parent if inputs == core.SAMPLE_INPUTS else inputs
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
    return core.run_report(request, waiting=_waiting, progress=progress)


def _run_flow(request: core.ReportRequest, progress: core.Progress) -> core.ReportResult:
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


@app.command()
def check(
    files: Annotated[
        list[Path], typer.Argument(help="Submission files (.xlsx or .csv).", exists=True, dir_okay=False)
    ],
    inputs: Annotated[
        Path | None,
        typer.Option(
            "--inputs", help="Province folder; default: the one the file sits in, else the sample province."
        ),
    ] = None,
) -> None:
    """Check submission files without running a report; exit status 1 if any has an error."""
    failed = False
    for path in files:
        try:
            setup = core.load_setup(inputs or _province_of(path))
        except BaocaoError as exc:
            _fail(str(exc))
            return
        units = set(setup.province.unit_codes)
        expected = expected_from_path(path, units)
        for sub in read_file_safely(path, setup.catalogue, units, expected, rules=setup.rules.rules):
            label = f"{sub.unit or '?'} {sub.period or '?'}"
            if sub.errors:
                failed = True
                out.print(
                    f"[red]✗[/] {path} ({label}): {len(sub.errors)} lỗi, {len(sub.warnings)} lưu ý",
                    highlight=False,
                )
            else:
                out.print(
                    f"[green]✓[/] {path} ({label}): hợp lệ, {len(sub.values)} chỉ tiêu, "
                    f"{len(sub.warnings)} lưu ý",
                    highlight=False,
                )
            for finding in sub.findings:
                out.print(f"    {finding}", highlight=False)
    if failed:
        raise typer.Exit(code=1)


def _province_of(path: Path) -> Path:
    for parent in path.resolve().parents:
        if (parent / "province.yaml").is_file():
            return parent
    return core.SAMPLE_INPUTS


@app.command()
def template(
    period: Annotated[str, typer.Option(help="The quarter the forms are for, e.g. 2024-Q3.")],
    inputs: InputsOption = core.SAMPLE_INPUTS,
    outputs: OutputsOption = core.DEFAULT_OUTPUTS,
    unit: Annotated[list[str] | None, typer.Option(help="Only these unit codes (repeatable).")] = None,
    department: Annotated[
        bool, typer.Option("--department", help="The department's own workbook instead of the units' forms.")
    ] = False,
) -> None:
    """Write a blank, prefilled submission workbook per unit for a quarter (or the department's own)."""
    try:
        setup = core.load_setup(inputs)
        quarter = Period.parse(period)
        if quarter.kind != "quarter":
            raise BaocaoError(f"forms are per quarter: use e.g. {quarter.year}-Q{quarter.last_quarter}")
        units = [setup.province.unit(u) for u in unit] if unit else list(setup.province.units)
    except KeyError as exc:
        _fail(f"unknown unit code {exc}")
        return
    except BaocaoError as exc:
        _fail(str(exc))
        return
    folder = outputs / setup.slug / "forms" / quarter.code
    if department:
        path = write_department_form(
            folder / department_filename(setup.province), setup.catalogue, setup.province, quarter
        )
        out.print(f"{path}\nfilled in, save it as {department_path(setup.inputs, quarter)}")
        return
    table = Table("Unit", "File", show_header=True)
    previous_quarter = quarter.previous_quarters(2)[0]
    last = core.collect_for(setup, previous_quarter).accepted
    for u in units:
        before = last.get((u.code, previous_quarter.code))
        content = FormContent(previous=before.values if before else {})
        path = write_form(folder / form_filename(u), setup.catalogue, setup.province, u, quarter, content)
        table.add_row(u.full_name, str(path))
    out.print(table)


@app.command()
def collect(
    inputs: InputsOption = core.SAMPLE_INPUTS,
    received_at: Annotated[
        str | None,
        typer.Option(
            help="When the files were received (YYYY-MM-DDTHH:MM, Vietnam time), if not now: "
            "e.g. a mail that arrived before the deadline but is filed later."
        ),
    ] = None,
    prefect: Annotated[bool, typer.Option(help="Run through the Prefect flow.")] = True,
) -> None:
    """File the inbox: store and publish valid submissions, set the others aside with a feedback file."""
    try:
        setup = core.load_setup(inputs)
        when = _received_at(received_at)
        for folder in (store_root(inputs), inputs / "submissions"):
            check_writable(folder, [])  # now, not inside Prefect, whose log would show a traceback
        if prefect:
            from flows.collect import collect_inbox

            result = collect_inbox(inputs=inputs, received_at=when)
        else:
            result = process_inbox(
                setup.inputs, setup.catalogue, setup.province, now=when, rules=setup.rules.rules
            )
    except BaocaoError as exc:
        _fail(str(exc))
        return
    for version in result.accepted:
        out.print(f"[green]✓[/] {version.original_name} → {version.unit} {version.quarter}", highlight=False)
    for moved, feedback in result.rejected:
        out.print(f"[red]✗[/] {moved.name}: xem {feedback}", highlight=False)
    for name in result.duplicates:
        out.print(f"= {name}: đã nhận trước đó", highlight=False)
    for version in result.held:
        out.print(f"[yellow]?[/] {version.original_name} → {version.unit} {version.quarter}: chờ xác nhận")
    if not (result.accepted or result.rejected or result.duplicates or result.held):
        out.print(f"inbox empty: {inputs / 'inbox'}", highlight=False)


@app.command()
def status(
    period: Annotated[
        str | None, typer.Option(help="Period; default: the latest quarter with submissions.")
    ] = None,
    inputs: InputsOption = core.SAMPLE_INPUTS,
) -> None:
    """Who has sent, on time or late, who is missing, whose file was rejected."""
    try:
        setup = core.load_setup(inputs)
        the_period = _period(period, setup)
        intake = core.collect_for(setup, the_period)
    except BaocaoError as exc:
        _fail(str(exc))
        return
    rows = quarter_statuses(intake, setup.province, the_period)
    table = Table(
        "Đơn vị",
        "Kỳ",
        "Tệp",
        "Ngày nhận",
        "Hạn gửi",
        "Tình trạng",
        "Số ước",
        "Lưu ý",
        title=f"{setup.province.name} – {the_period.label}",
    )
    for column in table.columns[1:5]:
        column.no_wrap = True
    for row in rows:
        received = f"{row.received_on:%d/%m/%Y}" if row.received_on else "–"
        state = STATE_WORDS[row.state]
        if row.state == "late" and row.received_on:
            state += f" {row.days_late} ngày làm việc"
        name = setup.province.unit(row.unit).full_name
        table.add_row(
            name[:1].upper() + name[1:],
            Period.parse(row.quarter).label,
            row.file or "–",
            received,
            f"{row.deadline:%d/%m/%Y}",
            state,
            str(row.estimates),
            str(row.warnings),
        )
    out.print(table)
    counts = {key: sum(r.state == key for r in rows) for key in STATE_WORDS}
    arrived = counts["on_time"] + counts["late"] + counts["undated"]
    out.print(
        f"đã nhận {arrived}/{len(rows)}: đúng hạn {counts['on_time']}, chậm {counts['late']}, "
        f"chưa gửi {counts['missing']}, có lỗi {counts['rejected']}",
        highlight=False,
    )
    quarters = {q.code for q in the_period.quarters}
    for held in (h for h in held_versions(setup.inputs) if h.quarter in quarters):
        name = (
            setup.province.unit(held.unit).full_name if held.unit in setup.province.unit_codes else held.unit
        )
        out.print(
            f"  [yellow]chờ xác nhận[/] {name}, {Period.parse(held.quarter).label}: tệp {held.original_name} "
            f"nhận {datetime.fromisoformat(held.received_at):%d/%m/%Y} – {held.reason} (mã {held.sha256[:12]})",
            highlight=False,
        )
    for row in rows:
        for error in row.errors[:3]:
            out.print(f"  [red]lỗi[/] {setup.province.unit(row.unit).full_name}: {error}", highlight=False)
        for remark in row.remarks[:5]:
            out.print(f"  lưu ý {setup.province.unit(row.unit).full_name}: {remark}", highlight=False)


@app.command()
def serve(
    inputs: Annotated[
        list[Path] | None,
        typer.Option(
            "--inputs", help="Province folder (repeatable); default: the sample province.", file_okay=False
        ),
    ] = None,
    outputs: OutputsOption = core.DEFAULT_OUTPUTS,
    port: Annotated[
        int | None, typer.Option(help="Port of the local Prefect server (default: a free one).")
    ] = None,
    limit: Annotated[int, typer.Option(help="Runs at the same time at most.", min=1)] = 2,
) -> None:
    """Serve the scheduled deployments (reports on deadline days, reminders before them) until stopped.

    Without PREFECT_API_URL, starts a local Prefect server (SQLite) and stops it on exit (Ctrl-C or SIGTERM).
    """
    folders = inputs or [core.SAMPLE_INPUTS]
    try:
        for folder in folders:
            core.load_setup(folder)
    except BaocaoError as exc:
        _fail(str(exc))
        return
    from prefect import serve as prefect_serve
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.schedules import build_deployments, local_server
    from flows.server import announced

    def run_until_stopped(api: str | None) -> None:
        deployments = build_deployments(folders, outputs, limit=1)
        for deployment in deployments:
            out.print(f"  {deployment.name}", highlight=False)
        prefect_serve(*deployments, limit=limit, print_starting_message=False)

    # Prefect's runner turns SIGTERM into SystemExit: the local server below is stopped either way.
    configured = os.environ.get("PREFECT_API_URL")
    try:
        if configured:
            out.print(f"Prefect API: {configured}", highlight=False)
            run_until_stopped(configured)
            return
        with local_server(port) as api, announced(api):  # `baocao run` finds it there
            # The runner's child processes read the environment; this process reads its settings.
            os.environ["PREFECT_API_URL"] = api
            with temporary_settings(updates={PREFECT_API_URL: api}):
                out.print(f"Prefect UI: {api.removesuffix('/api')}  (stop with Ctrl-C)", highlight=False)
                run_until_stopped(api)
    except (KeyboardInterrupt, SystemExit):
        out.print("stopped", highlight=False)


@app.command()
def deploy(
    work_pool: Annotated[str, typer.Option(help="Prefect work pool (created, type process, if missing).")],
) -> None:
    """Put the province and national flows on a work pool of the Prefect server at PREFECT_API_URL; then
    start `prefect worker start --pool NAME` wherever the provinces should run."""
    if not os.environ.get("PREFECT_API_URL"):
        _fail("PREFECT_API_URL is not set: deployments need a standing Prefect server")
    from flows.pool import deploy_to_pool

    for deployment_id in deploy_to_pool(work_pool):
        out.print(f"deployment {deployment_id} on work pool {work_pool}", highlight=False)


def main() -> None:
    """Entry point for ``python -m baocao``."""
    app(prog_name="baocao")


if __name__ == "__main__":
    main()
