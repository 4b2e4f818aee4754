"""Deployments with schedules (Asia/Ho_Chi_Minh) for each province folder, and a local Prefect server.

Per province: the quarter report, the half-year, nine-month and year reports on their deadline day (their
schedules mail the documents; a run started by hand from the form mails only if asked), and a reminder a few
days before the deadline. Prefect's ephemeral mode does not schedule runs, so `baocao serve`
starts a local `prefect server` (SQLite) when PREFECT_API_URL is not set, and stops it on exit.
"""

from __future__ import annotations

import math
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron
from prefect.types.entrypoint import EntrypointType

from baocao import report as core
from baocao.province import Province
from flows.reminder import reminder
from flows.report import province_report

TIMEZONE = "Asia/Ho_Chi_Minh"
RUN_HOUR = 7


@dataclass(frozen=True)
class Timing:
    """When a province's scheduled runs happen: day of month and months, for reports and reminders."""

    report_day: int
    reminder_day: int
    quarter_months: tuple[int, int, int, int]

    def cron(self, day: int, months: Sequence[int], hour: int = RUN_HOUR) -> str:
        """A cron string for 'hour:00 on day of these months'."""
        return f"0 {hour} {day} {','.join(str(m) for m in months)} *"


def timing(province: Province) -> Timing:
    """Deadline day from the calendar: the cut-off, plus the working days allowed, at worst with two weekends
    per five working days; the reminder five days earlier (never before the cut-off)."""
    days = province.deadline_working_days
    span = days + 2 * math.ceil(days / 5)
    if province.calendar == "administrative":
        cutoff, months = 14, (3, 6, 9, 12)  # 14/3, 14/6, 14/9, 14/12 (Nghị định 09/2019)
    else:
        cutoff, months = 0, (4, 7, 10, 1)  # the calendar quarter's last day is "day 0" of the next month
    report_day = min(cutoff + span + 1, 28)
    return Timing(report_day, max(cutoff + 1, report_day - 5), months)


def build_deployments(inputs: Sequence[Path], outputs: Path, limit: int = 1) -> list[RunnerDeployment]:
    """The scheduled deployments of every province folder given."""
    deployments: list[RunnerDeployment] = []
    for folder in inputs:
        setup = core.load_setup(folder)
        slug, when = setup.slug, timing(setup.province)
        months = when.quarter_months
        base: dict[str, Any] = {"inputs": str(folder.resolve()), "outputs": str(outputs.resolve())}
        kinds = [
            ("quy", "quý", months, RUN_HOUR, "Báo cáo quý"),
            ("6-thang", "6 tháng", (months[1],), RUN_HOUR + 1, "Báo cáo sơ kết 6 tháng"),
            ("9-thang", "9 tháng", (months[2],), RUN_HOUR + 1, "Báo cáo 9 tháng"),
            ("nam", "năm", (months[3],), RUN_HOUR + 2, "Báo cáo tổng kết năm"),
        ]
        for suffix, kind, run_months, hour, title in kinds:
            # The schedule's runs mail the leaders; a run started by hand from the deployment's form (its
            # parameters) mails only if asked. Prefect merges a schedule's parameters over the deployment's
            # key by key, not deeply: the schedule carries the whole form.
            form = {**base, "kind": kind}
            scheduled = {"bao_cao": {**form, "deliver": True}}
            cron = Cron(when.cron(when.report_day, run_months, hour), timezone=TIMEZONE, parameters=scheduled)
            deployments.append(
                province_report.to_deployment(  # type: ignore[arg-type]  # sync call returns the deployment
                    name=f"bao-cao-{suffix}-{slug}",
                    schedules=[cron],
                    parameters={"bao_cao": {**form, "deliver": False}},
                    concurrency_limit=limit,
                    description=f"{title} – {setup.province.name}: chạy vào ngày hạn gửi, gửi thư cho lãnh đạo.",
                    tags=[slug, "bao-cao"],
                    entrypoint_type=EntrypointType.MODULE_PATH,
                )
            )
        deployments.append(
            reminder.to_deployment(  # type: ignore[arg-type]  # sync call returns the deployment
                name=f"nhac-nop-{slug}",
                schedules=[Cron(when.cron(when.reminder_day, months), timezone=TIMEZONE)],
                parameters={"tinh": {"inputs": str(folder.resolve())}},
                description=f"Nhắc các đơn vị chưa gửi báo cáo – {setup.province.name}.",
                tags=[slug, "nhac"],
                entrypoint_type=EntrypointType.MODULE_PATH,
            )
        )
    return deployments


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def local_server(
    port: int | None = None, home: Path | None = None, timeout: float = 90, database_url: str | None = None
) -> Iterator[str]:
    """Start `prefect server start` on 127.0.0.1 (SQLite, or PostgreSQL given a SQLAlchemy URL) and yield its
    API URL; stop it on exit."""
    port = port or free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_UI_API_URL": api,
    }
    if home is not None:
        env["PREFECT_HOME"] = str(home)
    if database_url is not None:
        env["PREFECT_API_DATABASE_CONNECTION_URL"] = database_url
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        _wait_healthy(api, process, timeout)
        yield api
    finally:
        _stop(process)


def _wait_healthy(api: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = (process.stderr.read() if process.stderr else b"").decode(errors="replace")[-2000:]
            raise RuntimeError(f"prefect server exited with {process.returncode}: {error}")
        try:
            with urllib.request.urlopen(f"{api}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"prefect server at {api} not healthy after {timeout:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
