"""The collect flow: check the inbox, store and publish valid submissions, give feedback on the others."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from baocao import report as core
from baocao.store import InboxResult, process_inbox


@task(cache_policy=NO_CACHE)
def load_setup(inputs: Path) -> core.Setup:
    """Read the province configuration and the catalogue."""
    return core.load_setup(inputs)


@task(cache_policy=NO_CACHE)
def file_inbox(setup: core.Setup, received_at: datetime | None) -> InboxResult:
    """Check, store and publish every file in the inbox."""
    return process_inbox(
        setup.inputs, setup.catalogue, setup.province, now=received_at, rules=setup.rules.rules
    )


@flow(name="thu-nhan-bao-cao", log_prints=True)
def collect_inbox(inputs: Path = core.SAMPLE_INPUTS, received_at: datetime | None = None) -> InboxResult:
    """Thu nhận báo cáo: kiểm tra các tệp trong thư mục inbox, lưu các bản hợp lệ, phản hồi các bản có lỗi."""
    setup = load_setup(inputs)
    result = file_inbox(setup, received_at)
    logger = get_run_logger()
    for version in result.accepted:
        logger.info("stored %s %s (%s)", version.unit, version.quarter, version.original_name)
    for moved, feedback in result.rejected:
        logger.warning("rejected %s: see %s", moved.name, feedback.name)
    for version in result.held:
        logger.warning(
            "held for confirmation %s %s (%s)", version.unit, version.quarter, version.original_name
        )
    return result
