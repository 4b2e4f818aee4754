"""The report flow: the pipeline of baocao/report.py with each step a Prefect task.

The form (ReportForm) is what staff fill in; ``request_of`` turns it into the core ReportRequest, and
``core.run_report`` runs the same steps as ``baocao run --no-prefect``, each through ``as_task``. Tasks get
their inputs quoted: Prefect would otherwise walk every object they hold (STACK.md: ≈2 s of CPU).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal, ParamSpec, TypeVar, cast

from prefect import Task, flow, get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import FlowRun
from prefect.context import FlowRunContext
from prefect.runtime import flow_run
from prefect.utilities.annotations import quote
from pydantic import BaseModel, ConfigDict, Field

from baocao import report as core
from baocao.deliver import DeliveryError
from baocao.errors import SigningError
from baocao.issued import document_url
from baocao.periods import Calendar, Kind, Period, latest_period, vietnam_today
from baocao.setup import Setup
from baocao.summary import artifact_key, summary_markdown

KINDS: dict[str, Kind] = {"quý": "quarter", "6 tháng": "half", "9 tháng": "nine_months", "năm": "year"}
KindWord = Literal["quý", "6 tháng", "9 tháng", "năm"]


class ReportForm(BaseModel):
    """Thông số của báo cáo: kỳ báo cáo, ngày, số văn bản, gửi thư và các thư mục."""

    # Prefect labels a model's fields with their titles in the UI's run form: staff read Vietnamese.

    model_config = ConfigDict(frozen=True, extra="forbid")

    period: str | None = Field(
        default=None,
        pattern=r"^\d{4}(-(Q[1-4]|H[12]|9M))?$",
        title="Kỳ báo cáo",
        description="Quý (2024-Q2), 6 tháng (2024-H1, 2024-H2), 9 tháng (2024-9M) hoặc năm (2024). "
        "Để trống: kỳ gần nhất đã kết thúc, theo loại kỳ và ngày chạy.",
    )
    kind: KindWord = Field(default="quý", title="Loại kỳ", description="Dùng khi để trống kỳ báo cáo.")
    report_date: date | None = Field(
        default=None, title="Ngày ghi trên báo cáo", description="Để trống: ngày chạy báo cáo."
    )
    number: int | None = Field(default=None, ge=1, le=9999, title="Số văn bản", description="Số: 05/BC-...")
    deliver: bool = Field(
        default=False,
        title="Gửi thư cho lãnh đạo",
        description="Gửi DOCX và PDF tới danh sách nhận trong province.yaml.",
    )
    sign: bool | None = Field(
        default=None,
        title="Ký số báo cáo",
        description="Ký số tệp PDF (lãnh đạo, rồi cơ quan) bằng khóa cấu hình trong province.yaml. "
        "Để trống: theo signing.sign_reports.",
    )
    inputs: Path = Field(
        default=core.SAMPLE_INPUTS, title="Thư mục của tỉnh", description="Thư mục chứa province.yaml."
    )
    outputs: Path = Field(
        default=core.DEFAULT_OUTPUTS, title="Thư mục lưu báo cáo", description="Nơi ghi DOCX, PDF, XLSX."
    )
    templates: Path = Field(
        default=core.TEMPLATES, title="Thư mục mẫu", description="Mẫu báo cáo và cách diễn đạt."
    )
    started_by: str = Field(
        default="",
        max_length=200,
        title="Người chạy",
        description="Ghi vào lần lưu báo cáo. Để trống: lịch chạy (schedule) hoặc chạy tay trên Prefect.",
    )


def period_to_report(
    period: str | None, kind: KindWord, calendar: Calendar, now: datetime | None = None
) -> Period:
    """The period given, or the latest one of ``kind`` ended before ``now`` (default: the run's scheduled
    time, else this moment), by Vietnam's calendar."""
    if period:
        return Period.parse(period)
    moment = now if now is not None else flow_run.scheduled_start_time
    return latest_period(KINDS[kind], vietnam_today(moment), calendar)


P = ParamSpec("P")
T = TypeVar("T")

# Inputs are quoted, so they make no cache keys either: no task is cached. Retries only where files are
# written (the mail is retried by the sender itself).
_step = task(cache_policy=NO_CACHE)
_io_step = task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
STEPS: dict[Callable[..., Any], Task[..., Any]] = {
    core.load_setup: _step(core.load_setup),
    core.report_digest: _step(core.report_digest),
    core.collection_for: _step(core.collection_for),
    core.figures_for: _step(core.figures_for),
    core.trend_for: _step(core.trend_for),
    core.context_for: _step(core.context_for),
    core.draw_charts: _step(core.draw_charts),
    core.write_documents: _io_step(core.write_documents),
    core.deliver_report: _step(core.deliver_report),
}


def as_task(step: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run one pipeline step as its Prefect task, every input quoted (not walked by the engine)."""
    quoted = [quote(a) for a in args]
    result = STEPS[step](*quoted, **{k: quote(v) for k, v in kwargs.items()})
    return cast(T, result)


def started_by_of(run: FlowRun | None) -> str:
    """Who started a flow run, as its version records it: "schedule" for a run the scheduler made from a
    deployment's schedule, "prefect" for one started by hand (the UI's form, a script)."""
    return "schedule" if run is not None and run.auto_scheduled else "prefect"


def _this_run() -> FlowRun | None:
    context = FlowRunContext.get()
    return context.flow_run if context is not None else None


def request_of(form: ReportForm, setup: Setup) -> core.ReportRequest:
    """The core request of a filled-in form: the period resolved by the province's calendar, the date
    defaulting to today (Vietnam)."""
    return core.ReportRequest(
        inputs=form.inputs,
        period=period_to_report(form.period, form.kind, setup.province.calendar),
        outputs=form.outputs,
        report_date=form.report_date or vietnam_today(),
        number=form.number,
        templates=form.templates,
        deliver=form.deliver,
        started_by=form.started_by or started_by_of(_this_run()),
        sign=form.sign,
    )


def form_of(request: core.ReportRequest) -> ReportForm:
    """The form that asks for ``request`` (how ``baocao run`` hands its request to the flow)."""
    return ReportForm(
        period=request.period.code,
        inputs=request.inputs,
        outputs=request.outputs,
        report_date=request.report_date,
        number=request.number,
        templates=request.templates,
        deliver=request.deliver,
        started_by=request.started_by,
        sign=request.sign,
    )


def document_links(
    public_url: str, province: str, period: Period, result: core.ReportResult
) -> dict[str, str]:
    """File name -> the portal's address of the kept document; {} without BAOCAO_PUBLIC_URL (a server path
    or a file:// link opens nothing in a browser: the summary names the files instead)."""
    if not public_url.strip() or result.version is None:
        return {}
    return {
        p.name: document_url(public_url.strip(), province, period.code, result.version, p.suffix.lstrip("."))
        for p in result.paths
    }


@task(cache_policy=NO_CACHE)
def publish_artifacts(setup: Setup, period: Period, result: core.ReportResult) -> None:
    """A markdown summary, a table of the headline figures and links to the documents, on the flow run."""
    key = artifact_key("bao-cao", setup.slug, period.code)
    rows = list(result.headline)
    links = document_links(os.environ.get("BAOCAO_PUBLIC_URL", ""), setup.slug, period, result)
    markdown = summary_markdown(
        province=setup.province,
        phrases=setup.phrases,
        period=period,
        statuses=result.statuses,
        headline=rows,
        warnings=result.warnings,
        documents=[str(p) for p in result.paths],
        delivery=str(result.delivery),
        links=links,
        version=result.version,
    )
    create_markdown_artifact(markdown, key=key, description=f"Báo cáo {period.label}")
    create_table_artifact(rows, key=f"{key}-so-lieu", description="Chỉ tiêu chính toàn tỉnh")
    for path in result.paths:
        if path.name in links:
            create_link_artifact(
                links[path.name], link_text=path.name, key=artifact_key(key, path.suffix.lstrip("."))
            )


@flow(name="bao-cao-dinh-ky", log_prints=True)
def province_report(bao_cao: ReportForm = ReportForm()) -> core.ReportResult:
    """Báo cáo định kỳ của một tỉnh cho một kỳ: thu thập, kiểm tra, tổng hợp, xuất DOCX, PDF và XLSX."""
    setup = as_task(core.load_setup, bao_cao.inputs, bao_cao.templates)
    request = request_of(bao_cao, setup)

    def waiting() -> None:
        get_run_logger().warning("another run of %s %s is writing; waiting", setup.slug, request.period.code)

    logger = get_run_logger()
    result = core.run_report(request, setup=setup, waiting=waiting, run_step=as_task, progress=logger.info)
    for name in result.rejected:
        logger.warning("rejected %s", name)
    logger.info("%d/%d units received", result.received, result.expected)
    publish_artifacts(quote(setup), request.period, quote(result))  # type: ignore[call-overload]
    if result.signing.failed:
        # The documents are written unsigned and not delivered: the run ends Failed, saying why.
        logger.error("%s", result.signing.message)
        raise SigningError(result.signing.message)
    if result.delivery.failed:
        # The documents are written and published; the run ends Failed so that someone looks.
        logger.error("delivery failed: %s", result.delivery.error)
        raise DeliveryError(result.delivery.error or "delivery failed")
    return result
