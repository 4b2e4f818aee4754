"""The national flow: every province's report, in parallel, then the ministry's roll-up.

One orchestrator (``national_run.run_national``), the executor passed in; one code path per province
(``national.province_outcome``):

- embedded (default): the provinces are Prefect tasks on the flow's task runner (a ``ProcessPoolTaskRunner``,
  or a ``DaskTaskRunner``) in this process's flow run, with Prefect's local ephemeral API; nothing to start;
- work pool: with ``work_pool`` set, each province is a run of the ``bao-cao-tinh`` deployment, pulled by
  whichever workers serve that pool (on this machine or others sharing the inputs and outputs folders);
  the flow waits for them and makes the roll-up.

Prefect schedules; baocao only says what to run.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, replace
from datetime import date
from pathlib import Path
from typing import Any, ParamSpec, TypeVar, cast

from prefect import Task, flow, get_client, get_run_logger, task
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
from baocao.heap import settled_once
from baocao.national_run import run_national
from baocao.periods import Period, vietnam_today

PROVINCE_FLOW = "bao-cao-tinh"
PROVINCE_DEPLOYMENT = "bao-cao-tinh"
P = ParamSpec("P")
T = TypeVar("T")


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
    sign: bool = Field(
        default=False,
        title="Ký số báo cáo",
        description="Ký số báo cáo của các tỉnh đã cấu hình khóa ký (mã PIN từ pin_env hoặc pin_file của "
        "từng tỉnh); không dùng được với work pool.",
    )
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
    job = national.NationalJob(Period.parse(period), outputs, report_date, number, templates, force)
    outcome = national.province_outcome(inputs, job)
    if outcome.status == "failed":
        raise BaocaoError(f"{outcome.name}: {outcome.error}")
    # The state's message carries written/unchanged to the national flow without shared result storage.
    return Completed(message=outcome.status, data=asdict(outcome))


@task(cache_policy=NO_CACHE)
def province_task(inputs: Path, job: national.NationalJob) -> national.Outcome:
    """One province, in a worker process of the flow's task runner."""
    settled_once("baocao.national_run")
    return national.province_outcome(inputs, job)


@task(cache_policy=NO_CACHE)
def rollup_task(root: Path, folders: list[Path], job: national.NationalJob) -> national.Outcome:
    """The ministry's roll-up from the provinces' manifests."""
    settled_once("baocao.national_run")
    return national.rollup_outcome(root, folders, job)


TASKS: dict[Callable[..., Any], Task[..., Any]] = {
    national.province_outcome: province_task,
    national.rollup_outcome: rollup_task,
}


class TaskExecutor:
    """The flow's task runner as an executor: a core function submitted runs as its Prefect task (the
    provinces on the runner's workers: a process pool, a Dask cluster)."""

    def submit(self, fn: Callable[..., national.Outcome], /, *args: Any) -> Any:
        """Submit ``fn`` (national.province_outcome) as its task."""
        return TASKS[fn].submit(*args)


def as_task(step: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run one core step (the roll-up) as its Prefect task on the flow's task runner, and wait for it: in
    a worker that has the pipeline loaded already, while the flow's process, which holds Prefect's client
    and the runner's workers, renders nothing (110 MB less at the run's peak, and no second import)."""
    return cast(T, TASKS[step].submit(*args, **kwargs).result())


class WorkPoolExecutor:
    """Each province as a run of the ``bao-cao-tinh`` deployment, pulled by the work pool's workers: the
    future's outcome is read back from what the run wrote (no shared result storage)."""

    def __init__(self) -> None:
        # One thread per province waiting for its run: the pool's workers, not this, limit how many run at once.
        self._waiting = ThreadPoolExecutor(max_workers=64, thread_name_prefix="work-pool")

    def submit(self, fn: Callable[..., national.Outcome], /, *args: Any) -> Future[national.Outcome]:
        """Start ``fn``'s deployment run (national.province_outcome's flow) and wait for it in a thread."""
        if fn is not national.province_outcome:
            raise TypeError(f"a work pool runs province reports only, not {fn.__name__}")
        # In this thread's context: the flow run's and Prefect's settings (its API) live in context variables.
        context = contextvars.copy_context()
        return self._waiting.submit(context.run, lambda: asyncio.run(_deployment_outcome(*args)))

    def shutdown(self) -> None:
        """Stop the waiting threads (after every future is done)."""
        self._waiting.shutdown()


async def _deployment_outcome(folder: Path, job: national.NationalJob) -> national.Outcome:
    """One province as a deployment run on the work pool, waited for; its outcome from its manifest."""
    parameters = {
        "inputs": str(folder.resolve()),
        "period": job.period.code,
        "outputs": str(job.outputs.resolve()),
        "report_date": job.report_date.isoformat(),
        "number": job.number,
        "templates": str(job.templates.resolve()),
        "force": job.force,
    }
    started = await arun_deployment(
        f"{PROVINCE_FLOW}/{PROVINCE_DEPLOYMENT}", parameters=parameters, timeout=0
    )
    finished: FlowRun = await wait_for_flow_run(started.id, timeout=24 * 3600, log_states=False)
    state = finished.state
    if state is None or not state.is_completed():
        message = state.message if state is not None else "no state"
        return national.Outcome(folder.name, folder.name, "failed", 0.0, error=message)
    done = national.unchanged_outcome(folder, job)
    if done is None:
        return national.Outcome(folder.name, folder.name, "failed", 0.0, error="no manifest")
    return replace(done, status="written") if state.message == "written" else done


def _share_api_with_workers() -> None:
    """Point the process pool's workers at this process's Prefect API. Without it, in local ephemeral mode
    each worker starts an ephemeral server of its own: about 190 MB and several seconds each."""
    if os.environ.get("PREFECT_API_URL"):
        return
    with get_client(sync_client=True) as client:
        os.environ["PREFECT_API_URL"] = str(client.api_url)


def _logged(on_done: Callable[[national.Outcome], None] | None) -> Callable[[national.Outcome], None]:
    """Log each outcome on the flow run, then tell ``on_done`` (the CLI's progress bar) if given."""
    log = get_run_logger()

    def done(outcome: national.Outcome) -> None:
        if outcome.status == "failed":
            log.error("%s: failed: %s", outcome.folder, outcome.error)
        else:
            log.info("%s: %s in %.1f s", outcome.folder, outcome.status, outcome.seconds)
        if on_done is not None:
            on_done(outcome)

    return done


@flow(
    name="bao-cao-toan-quoc",
    log_prints=True,
    task_runner=ProcessPoolTaskRunner(max_workers=2),  # type: ignore[arg-type]
)
def national_report(
    bao_cao: NationalRequest, on_done: Callable[[national.Outcome], None] | None = None
) -> national.NationalRun:
    """Báo cáo của tất cả các tỉnh cho một kỳ, song song, rồi báo cáo tổng hợp toàn quốc."""
    # ``on_done``: for a caller in this process (the CLI's progress bar), wrapped in national_run's
    # LocalCallback, since the flow's parameters are pickled for the task runner's workers.
    request = bao_cao
    period = Period.parse(request.period)
    when = request.report_date or vietnam_today()
    executor: TaskExecutor | WorkPoolExecutor = TaskExecutor()
    if request.work_pool and request.sign:
        raise BaocaoError(
            "ký số không chạy qua work pool: mã PIN và thiết bị ký ở máy này, không ở các worker"
        )
    if request.work_pool:
        executor = WorkPoolExecutor()
    else:
        _share_api_with_workers()
    try:
        run = run_national(
            request.root,
            period,
            request.outputs,
            when,
            request.number,
            request.templates,
            force=request.force,
            sign=request.sign or None,
            executor=executor,
            on_done=_logged(on_done),
            run_step=as_task,
        )
    finally:
        if isinstance(executor, WorkPoolExecutor):
            executor.shutdown()
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
