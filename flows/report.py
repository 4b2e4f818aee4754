"""The report flow: collect -> validate -> aggregate -> render -> write, one task per core call."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from pydantic import BaseModel, ConfigDict, Field

from baocao import report as core
from baocao.deliver import DeliveryError, SmtpSettings, deliver_documents, publish_folder
from baocao.files import in_staging, staged_set
from baocao.intake import Intake, quarter_statuses
from baocao.periods import Calendar, Kind, Period, latest_period, vietnam_today
from baocao.render.charts import with_chart_images
from baocao.render.docx import render_docx
from baocao.render.pdf import render_pdf
from baocao.summary import artifact_key, headline_rows, summary_markdown

KINDS: dict[str, Kind] = {"quý": "quarter", "6 tháng": "half", "9 tháng": "nine_months", "năm": "year"}
KindWord = Literal["quý", "6 tháng", "9 tháng", "năm"]


class ReportRequest(BaseModel):
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
    inputs: Path = Field(
        default=core.SAMPLE_INPUTS, title="Thư mục của tỉnh", description="Thư mục chứa province.yaml."
    )
    outputs: Path = Field(
        default=core.DEFAULT_OUTPUTS, title="Thư mục lưu báo cáo", description="Nơi ghi DOCX, PDF, XLSX."
    )
    templates: Path = Field(
        default=core.TEMPLATES, title="Thư mục mẫu", description="Mẫu báo cáo và cách diễn đạt."
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


# DataFrames and configuration objects make poor cache keys (STACK.md): no task is cached.
step = task(cache_policy=NO_CACHE)
io_step = task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)


@step
def load_setup(inputs: Path, templates: Path) -> core.Setup:
    """Read the province configuration, the indicator catalogue and the wording."""
    return core.load_setup(inputs, templates)


@step
def collect_submissions(setup: core.Setup, period: Period) -> Intake:
    """Read and check every submission the period needs."""
    intake = core.collect_for(setup, period)
    logger = get_run_logger()
    quarters = {q.code for q in period.quarters}
    for sub in intake.rejected(quarters):
        logger.warning("rejected %s: %s", sub.path.name, "; ".join(str(f) for f in sub.errors[:3]))
    logger.info("read %d submissions, %d accepted", len(intake.submissions), len(intake.accepted))
    return intake


@step
def aggregate(setup: core.Setup, intake: Intake, period: Period) -> pd.DataFrame:
    """Figures per unit and for the province."""
    return core.figures_for(setup, intake, period)


@step
def quarterly_trend(setup: core.Setup, intake: Intake, period: Period) -> pd.DataFrame:
    """Province values over the last eight quarters, for the trend charts."""
    return core.trend_for(setup, intake, period)


@step
def build_context(
    setup: core.Setup,
    intake: Intake,
    figures: pd.DataFrame,
    period: Period,
    report_date: date,
    number: int | None,
    trend: pd.DataFrame,
) -> dict[str, Any]:
    """The report context both documents read."""
    return core.context_for(setup, intake, figures, period, report_date, number, trend)


@step
def draw_charts(context: dict[str, Any]) -> dict[str, Any]:
    """The context with its charts drawn (PNG)."""
    return with_chart_images(context)


@io_step
def write_docx(context: dict[str, Any], templates: Path, target: Path) -> Path:
    """The DOCX report."""
    return render_docx(context, templates / "report.docx", target)


@io_step
def write_pdf(context: dict[str, Any], templates: Path, target: Path) -> Path:
    """The PDF report."""
    return render_pdf(context, templates, target)


@io_step
def write_xlsx(
    setup: core.Setup, intake: Intake, figures: pd.DataFrame, period: Period, target: Path
) -> Path:
    """The figures workbook."""
    return core.write_xlsx(setup, intake, figures, period, target)


@io_step
def record_provenance(
    setup: core.Setup, intake: Intake, figures: pd.DataFrame, period: Period, documents: list[Path]
) -> Path:
    """The manifest of inputs, configuration and figures beside the documents."""
    return core.write_provenance(setup, intake, figures, period, documents)


@task(cache_policy=NO_CACHE)
def publish_and_mail(
    setup: core.Setup,
    intake: Intake,
    period: Period,
    context: dict[str, Any],
    docx: Path,
    pdf: Path,
    publish_to: Path,
) -> str:
    """Copy the documents to the published folder and mail them once (the sender retries by itself)."""
    try:
        return deliver_documents(
            setup, intake, period, context, docx, pdf, publish_to, SmtpSettings.from_env()
        ).status
    except DeliveryError as exc:
        get_run_logger().error("delivery failed: %s", exc)
        return f"failed: {exc}"


@step
def publish_artifacts(
    setup: core.Setup, intake: Intake, figures: pd.DataFrame, period: Period, result: core.ReportResult
) -> None:
    """A markdown summary, a table of the headline figures and links to the documents, on the flow run."""
    key = artifact_key("bao-cao", setup.slug, period.code)
    rows = headline_rows(figures, setup.catalogue, setup.province)
    statuses = quarter_statuses(intake, setup.province, period)
    markdown = summary_markdown(
        province=setup.province,
        period=period,
        statuses=statuses,
        headline=rows,
        warnings=result.warnings,
        documents=[str(p) for p in result.paths],
        delivery=result.delivery,
    )
    create_markdown_artifact(markdown, key=key, description=f"Báo cáo {period.label}")
    create_table_artifact(rows, key=f"{key}-so-lieu", description="Chỉ tiêu chính toàn tỉnh")
    for path in result.paths:
        create_link_artifact(
            path.resolve().as_uri(), link_text=path.name, key=artifact_key(key, path.suffix.lstrip("."))
        )


@flow(name="bao-cao-dinh-ky", log_prints=True)
def province_report(bao_cao: ReportRequest = ReportRequest()) -> core.ReportResult:
    """Báo cáo định kỳ của một tỉnh cho một kỳ: thu thập, kiểm tra, tổng hợp, xuất DOCX, PDF và XLSX."""
    request = bao_cao
    setup = load_setup(request.inputs, request.templates)
    the_period = period_to_report(request.period, request.kind, setup.province.calendar)

    def waiting() -> None:
        get_run_logger().warning("another run of %s %s is writing; waiting", setup.slug, the_period.code)

    with core.period_lock(request.outputs, setup, the_period, waiting):
        intake = collect_submissions(setup, the_period)
        figures = aggregate(setup, intake, the_period)
        trend = quarterly_trend(setup, intake, the_period)
        when = request.report_date or vietnam_today()
        context = build_context(setup, intake, figures, the_period, when, request.number, trend)
        context = draw_charts(context)
        paths = core.output_paths(request.outputs, setup, the_period)
        docx, pdf = paths[0], paths[1]
        # As in core.write_documents: the four files are staged, then swapped in together, manifest last.
        with staged_set(docx.parent) as staging:
            written = in_staging(paths, staging)
            write_docx(context, request.templates, written[0])
            write_pdf(context, request.templates, written[1])
            write_xlsx(setup, intake, figures, the_period, written[2])
            record_provenance(setup, intake, figures, the_period, list(written))
        result = core.summarise(intake, setup, the_period, paths)
        result = replace(result, manifest=docx.with_suffix(".manifest.json"))
        if request.deliver:
            publish_to = publish_folder(request.outputs, setup)
            status = publish_and_mail(setup, intake, the_period, context, docx, pdf, publish_to)
            result = replace(result, delivery=status)
        publish_artifacts(setup, intake, figures, the_period, result)
        if result.delivery.startswith("failed"):
            # The documents are written and published; the run ends Failed so that someone looks.
            raise DeliveryError(result.delivery.removeprefix("failed: "))
        return result
