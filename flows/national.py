"""The national flow: every province's report, in parallel, then the ministry's roll-up.

Two engines, one code path per province (``national.province_outcome``):

- embedded (default): the provinces are Prefect tasks on a ``ProcessPoolTaskRunner`` in this process's
  flow run, with Prefect's local ephemeral API; nothing to start;
- work pool: with ``work_pool`` set, each province is a run of the ``bao-cao-tinh`` deployment, pulled by
  whichever workers serve that pool (on this machine or others sharing the inputs and outputs folders);
  the flow waits for them and makes the roll-up.

Prefect schedules; baocao only says what to run.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import date
from pathlib import Path

from prefect import flow, get_client, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import FlowRun, State
from prefect.deployments.flow_runs import arun_deployment
from prefect.flow_runs import wait_for_flow_run
from prefect.states import Completed
from prefect.task_runners import ProcessPoolTaskRunner
from pydantic import BaseModel, ConfigDict, Field

from baocao import national
from baocao import report as core
from baocao.errors import BaocaoError
from baocao.periods import Period, vietnam_today

PROVINCE_FLOW = "bao-cao-tinh"
PROVINCE_DEPLOYMENT = "bao-cao-tinh"
# Set by the CLI, which calls the flow in-process, to advance its progress bar as provinces finish. A plain
# list, not a ContextVar: the process pool task runner pickles the context for its workers.
progress: list[Callable[[national.Outcome], None]] = []


class NationalRequest(BaseModel):
    """Thông số của báo cáo toàn quốc: kỳ, thư mục các tỉnh, nơi lưu, cách chạy."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    period: str = Field(pattern=r"^\d{4}(-(Q[1-4]|H[12]|9M))?$", title="Kỳ báo cáo")
    root: Path = Field(title="Thư mục các tỉnh", description="Thư mục chứa các thư mục tỉnh (province.yaml).")
    outputs: Path = Field(default=core.DEFAULT_OUTPUTS, title="Thư mục lưu báo cáo")
    templates: Path = Field(default=core.TEMPLATES, title="Thư mục mẫu")
    report_date: date | None = Field(default=None, title="Ngày ghi trên báo cáo")
    number: int | None = Field(default=None, ge=1, le=9999, title="Số văn bản")
    force: bool = Field(default=False, title="Làm lại cả báo cáo không thay đổi")
    work_pool: str | None = Field(
        default=None,
        title="Work pool",
        description="Để trống: chạy trong tiến trình này. Có tên: mỗi tỉnh là một lượt chạy của "
        f"deployment {PROVINCE_FLOW}/{PROVINCE_DEPLOYMENT} do các worker của pool đó thực hiện.",
    )


@flow(name=PROVINCE_FLOW, log_prints=True)
def province_run(
    inputs: Path,
    period: str,
    outputs: Path,
    report_date: date,
    number: int | None = None,
    templates: Path = core.TEMPLATES,
    force: bool = False,
) -> State[dict[str, object]]:
    """Báo cáo của một tỉnh trong lượt chạy toàn quốc (qua kho dữ liệu đã đọc; bỏ qua nếu không đổi)."""
    outcome = national.province_outcome(
        inputs, Period.parse(period), outputs, report_date, number, templates, force
    )
    if outcome.status == "failed":
        raise BaocaoError(f"{outcome.name}: {outcome.error}")
    # The state's message carries written/unchanged to the national flow without shared result storage.
    return Completed(message=outcome.status, data=asdict(outcome))


@task(cache_policy=NO_CACHE)
def province_task(
    inputs: Path,
    period: Period,
    outputs: Path,
    report_date: date,
    number: int | None,
    templates: Path,
    force: bool,
) -> national.Outcome:
    """One province, in a worker process of the flow's task runner."""
    return national.province_outcome(inputs, period, outputs, report_date, number, templates, force)


@task(cache_policy=NO_CACHE)
def rollup_task(
    root: Path,
    folders: list[Path],
    period: Period,
    outputs: Path,
    report_date: date,
    number: int | None,
    templates: Path,
    force: bool,
) -> national.Outcome:
    """The ministry's roll-up from the provinces' manifests."""
    return national.rollup_outcome(root, folders, period, outputs, report_date, number, templates, force)


def _done(outcome: national.Outcome, run: national.NationalRun) -> None:
    run.provinces.append(outcome)
    log = get_run_logger()
    if outcome.status == "failed":
        log.error("%s: failed: %s", outcome.folder, outcome.error)
    else:
        log.info("%s: %s in %.1f s", outcome.folder, outcome.status, outcome.seconds)
    _announce(outcome)


def _announce(outcome: national.Outcome) -> None:
    # The flow's function is pickled by value for the process pool's workers, with the globals it names:
    # it must reach the CLI's callbacks (which hold locks) only through this module-level function.
    for callback in progress:
        callback(outcome)


def _share_api_with_workers() -> None:
    """Point the process pool's workers at this process's Prefect API. Without it, in local ephemeral mode
    each worker starts an ephemeral server of its own: about 190 MB and several seconds each."""
    if os.environ.get("PREFECT_API_URL"):
        return
    with get_client(sync_client=True) as client:
        os.environ["PREFECT_API_URL"] = str(client.api_url)


def _on_pool(
    folders: list[Path], request: NationalRequest, period: Period, when: date, run: national.NationalRun
) -> None:
    """Each province as a deployment run on the work pool; wait for all, then read what they wrote."""

    async def submit_and_wait() -> list[tuple[Path, FlowRun]]:
        async def one(folder: Path) -> tuple[Path, FlowRun]:
            parameters = {
                "inputs": str(folder.resolve()),
                "period": period.code,
                "outputs": str(request.outputs.resolve()),
                "report_date": when.isoformat(),
                "number": request.number,
                "templates": str(request.templates.resolve()),
                "force": request.force,
            }
            started = await arun_deployment(
                f"{PROVINCE_FLOW}/{PROVINCE_DEPLOYMENT}",
                parameters=parameters,
                timeout=0,
            )
            return folder, await wait_for_flow_run(started.id, timeout=24 * 3600, log_states=False)

        return await asyncio.gather(*(one(f) for f in national.largest_first(folders)))

    for folder, finished in asyncio.run(submit_and_wait()):
        state = finished.state
        if state is not None and state.is_completed():
            done = national.unchanged_outcome(
                folder, period, request.outputs, when, request.number, request.templates
            )
            outcome = done or national.Outcome(folder.name, folder.name, "failed", 0.0, error="no manifest")
            if done is not None and state.message == "written":
                outcome = replace(done, status="written")
        else:
            message = state.message if state is not None else "no state"
            outcome = national.Outcome(folder.name, folder.name, "failed", 0.0, error=message)
        _done(outcome, run)


@flow(
    name="bao-cao-toan-quoc",
    log_prints=True,
    task_runner=ProcessPoolTaskRunner(max_workers=2),  # type: ignore[arg-type]
)
def national_report(bao_cao: NationalRequest) -> national.NationalRun:
    """Báo cáo của tất cả các tỉnh cho một kỳ, song song, rồi báo cáo tổng hợp toàn quốc."""
    request = bao_cao
    period = Period.parse(request.period)
    when = request.report_date or vietnam_today()
    folders = national.province_folders(request.root)
    run = national.NationalRun()
    done, todo = national.split_unchanged(
        folders, period, request.outputs, when, request.number, request.templates, request.force
    )
    for outcome in done:
        _done(outcome, run)
    if todo and request.work_pool:
        _on_pool(todo, request, period, when, run)
    elif todo:
        _share_api_with_workers()
        args = (period, request.outputs, when, request.number, request.templates, request.force)
        futures = {province_task.submit(f, *args): f for f in national.largest_first(todo)}
        for future, folder in futures.items():
            try:
                outcome = future.result()
            except Exception as exc:  # the worker process died: that province failed, the rest go on
                error = f"{type(exc).__name__}: {exc}"
                outcome = national.Outcome(folder.name, folder.name, "failed", 0.0, error=error)
            _done(outcome, run)
    run.provinces.sort(key=lambda o: o.folder)
    run.rollup = rollup_task(
        request.root, folders, period, request.outputs, when, request.number, request.templates, request.force
    )
    _announce(run.rollup)
    create_markdown_artifact(national_markdown(run, period), key=f"toan-quoc-{period.code.lower()}")
    return run


def national_markdown(run: national.NationalRun, period: Period) -> str:
    """The run's summary table, as a Prefect artifact."""
    lines = [
        f"# Báo cáo toàn quốc – {period.label}",
        "",
        "| Tỉnh | Kết quả | Đơn vị đã báo cáo | Thời gian (s) | Ghi chú |",
        "|---|---|---|---|---|",
    ]
    words = {"written": "đã lập", "unchanged": "không đổi", "failed": "lỗi"}
    every = [*run.provinces, *([run.rollup] if run.rollup else [])]
    for o in every:
        note = (o.error or "").replace("|", "/")[:200]
        lines.append(
            f"| {o.name} | {words[o.status]} | {o.received}/{o.expected} | {o.seconds:.1f} | {note} |"
        )
    return "\n".join(lines)
