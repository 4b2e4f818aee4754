"""The reminder flow: a few days before the deadline, list the units that have not sent their report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, ConfigDict, Field

from baocao import report as core
from baocao.deliver import DeliveryError, SmtpSettings, build_message, delivery_key, send_once
from baocao.intake import quarter_statuses
from baocao.periods import Period
from baocao.summary import artifact_key
from flows.report import period_to_report


@dataclass(frozen=True)
class Reminder:
    """Who was reminded of which quarter."""

    quarter: str
    missing: tuple[str, ...]
    mailed: tuple[str, ...]


@task(cache_policy=NO_CACHE)
def missing_units(setup: core.Setup, quarter: Period) -> list[str]:
    """Units with no accepted submission for the quarter (rejected ones included: they must resend)."""
    intake = core.collect_for(setup, quarter)
    rows = quarter_statuses(intake, setup.province, quarter)
    return [r.unit for r in rows if r.state in ("missing", "rejected")]


@task(cache_policy=NO_CACHE)
def mail_units(setup: core.Setup, quarter: Period, units: list[str]) -> list[str]:
    """Mail each missing unit that has an address, once per unit and quarter."""
    settings = SmtpSettings.from_env()
    mailed: list[str] = []
    if settings is None:
        return mailed
    due = setup.province.deadline(quarter)
    ledger = setup.inputs / "store"
    for code in units:
        unit = setup.province.unit(code)
        if not unit.email:
            continue
        body = (
            f"Kính gửi {unit.people_committee},\n\n{setup.province.agency.name} chưa nhận được báo cáo "
            f"{quarter.label} của đơn vị. Hạn gửi: ngày {due:%d/%m/%Y}.\n"
            "Đề nghị đơn vị gửi báo cáo theo mẫu đúng thời hạn.\n"
        )
        key = delivery_key(f"nhac-{quarter.code}-{code}", [unit.email])
        message = build_message(
            sender=settings.sender,
            to=[unit.email],
            cc=[],
            subject=f"Nhắc gửi báo cáo {quarter.label}",
            body=body,
            attachments=[],
            key=key,
        )
        try:
            send_once(message, settings, ledger, key)
            mailed.append(code)
        except DeliveryError as exc:
            get_run_logger().error("reminder to %s failed: %s", code, exc)
    return mailed


class ReminderRequest(BaseModel):
    """The reminder's run form."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    inputs: Path = Field(
        default=core.SAMPLE_INPUTS, title="Thư mục của tỉnh", description="Thư mục chứa province.yaml."
    )


@flow(name="nhac-nop-bao-cao", log_prints=True)
def reminder(tinh: ReminderRequest = ReminderRequest()) -> Reminder:
    """Nhắc các đơn vị chưa gửi báo cáo quý vừa kết thúc (chạy vài ngày trước hạn gửi)."""
    setup = core.load_setup(tinh.inputs)
    quarter = period_to_report(None, "quý", setup.province.calendar)
    units = missing_units(setup, quarter)
    mailed = mail_units(setup, quarter, units)
    names = [setup.province.unit(u).full_name for u in units]
    due = setup.province.deadline(quarter)
    text = f"# Nhắc gửi báo cáo {quarter.label}\n\nHạn gửi: {due:%d/%m/%Y}. " + (
        f"Còn {len(units)} đơn vị chưa gửi: {', '.join(names)}." if units else "Tất cả đơn vị đã gửi."
    )
    create_markdown_artifact(text, key=artifact_key("nhac", setup.slug, quarter.code))
    get_run_logger().info("missing for %s: %s", quarter.code, ", ".join(units) or "none")
    return Reminder(quarter.code, tuple(units), tuple(mailed))
