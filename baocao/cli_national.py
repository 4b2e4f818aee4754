"""``baocao run --all``: every province under a folder, a progress bar while they run, a table at the end."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from baocao import national
from baocao import report as core
from baocao.errors import ConfigError
from baocao.national_run import LocalCallback, run_national
from baocao.periods import Period

WORDS = {"written": "[green]written[/]", "unchanged": "[cyan]unchanged[/]", "failed": "[bold red]failed[/]"}


def latest_of_all(root: Path) -> Period:
    """The latest quarter any province under ``root`` has submissions for."""
    quarters = []
    for folder in national.province_folders(root):
        try:
            quarters.append(core.latest_quarter(folder / "submissions"))
        except Exception:  # a province with no submissions yet does not decide the period
            continue
    if not quarters:
        raise ConfigError("chưa tỉnh nào có báo cáo của đơn vị; hãy ghi --period", root)
    return max(quarters)


def run_all(
    root: Path,
    period: Period,
    outputs: Path,
    when: date,
    number: int | None,
    prefect: bool,
    workers: int,
    force: bool,
    out: Console,
    work_pool: str | None = None,
    sign: bool | None = None,
) -> national.NationalRun:
    """Run every province and the roll-up with a progress bar; print the summary table."""
    total = len(national.province_folders(root)) + 1
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[last]}"),
    )
    with Progress(*columns, console=out, transient=False) as bar:
        job = bar.add_task(f"{period.label}", total=total, last="")

        def advance(outcome: national.Outcome) -> None:
            bar.update(job, advance=1, last=f"{outcome.name}: {outcome.status}")

        if prefect:
            run = _through_prefect(
                root, period, outputs, when, number, workers, force, advance, work_pool, bool(sign)
            )
        else:
            run = run_national(
                root, period, outputs, when, number, workers=workers, force=force, sign=sign, on_done=advance
            )
    out.print(summary_table(run, period))
    for o in run.provinces:
        if o.signing:  # signed, already signed, or why not: one line each, in full
            word = "[bold red]Ký số[/]" if o.signing_failed else "[cyan]Ký số[/]"
            out.print(f"{word} – {o.name}: {o.signing}", highlight=False)
    for failed in run.failed:
        # In full, unfolded by the table, so that the message can be searched and copied.
        out.print(
            f"[bold red]không lập được[/] {failed.name} ({failed.folder}): {failed.error}", highlight=False
        )
    written = sum(o.status == "written" for o in run.provinces)
    unchanged = sum(o.status == "unchanged" for o in run.provinces)
    out.print(
        f"đã lập {written}, không đổi {unchanged} (không lập lại), không lập được {len(run.failed)}",
        highlight=False,
    )
    if run.rollup and run.rollup.documents:
        for path in run.rollup.documents:
            print(path)
    return run


def _through_prefect(
    root: Path,
    period: Period,
    outputs: Path,
    when: date,
    number: int | None,
    workers: int,
    force: bool,
    advance: Callable[[national.Outcome], None],
    work_pool: str | None,
    sign: bool = False,
) -> national.NationalRun:
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.task_runners import ProcessPoolTaskRunner

    from flows.national import NationalRequest, national_report

    request = NationalRequest(
        period=period.code,
        root=root,
        outputs=outputs,
        report_date=when,
        number=number,
        force=force,
        sign=sign,
        work_pool=work_pool,
    )
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        runner = ProcessPoolTaskRunner(max_workers=workers)
        flow = national_report.with_options(task_runner=runner)  # type: ignore[arg-type]
        return flow(bao_cao=request, on_done=LocalCallback(advance))


def summary_table(run: national.NationalRun, period: Period) -> Table:
    """One row per province and one for the roll-up: status, units, time, error."""
    count = len(run.provinces)
    title = f"{period.label}: {count} province{'' if count == 1 else 's'}"
    table = Table(title=title, title_justify="left")
    for name in ("Province", "Status", "Units", "Seconds", "Problem"):
        table.add_column(name, justify="right" if name in ("Units", "Seconds") else "left")
    every = [*run.provinces, *([run.rollup] if run.rollup else [])]
    for o in every:
        name = f"[bold]{o.name}[/]" if o is run.rollup else o.name
        units = f"{o.received}/{o.expected}" if o.expected else "–"
        problem = (o.error or "")[:60] + ("…" if len(o.error or "") > 60 else "")
        table.add_row(name, WORDS[o.status], units, f"{o.seconds:.1f}", problem)
    return table
