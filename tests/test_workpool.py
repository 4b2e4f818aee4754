"""The national run on a Prefect work pool: a standing server on PostgreSQL, two local workers pulling the
province runs, and the national flow waiting for them and making the roll-up."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from baocao.national_run import run_national
from baocao.periods import Period
from benchmarks.national_data import write_national
from flows.schedules import local_server
from tests.support import stop_processes
from tests.test_postgres import BINARIES, LOADED, postgres  # noqa: F401 - the fixture, shared

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not BINARIES or os.geteuid() != 0, reason="needs PostgreSQL's binaries and root (to run initdb)"
    ),
]
POOL = "baocao-test"


def first_sheet(xlsx: Path) -> list[tuple[object, ...]]:
    """The rows of a report workbook's first sheet."""
    return list(load_workbook(xlsx, read_only=True, data_only=True).worksheets[0].iter_rows(values_only=True))


@pytest.fixture
def server(postgres: str, tmp_path: Path) -> Iterator[dict[str, str]]:  # noqa: F811
    """A Prefect server on the PostgreSQL cluster; the environment that points at it."""
    home = tmp_path / "prefect-home"
    with local_server(home=home, database_url=postgres, timeout=LOADED) as api:
        yield {
            **os.environ,
            "PREFECT_API_URL": api,
            "PREFECT_HOME": str(home),
            "PREFECT_WORKER_QUERY_SECONDS": "2",
            "PREFECT_LOGGING_LEVEL": "INFO",
        }


@pytest.fixture
def workers(server: dict[str, str], tmp_path: Path) -> Iterator[list[Path]]:
    """Two process workers on the pool, each taking one run at a time; their log files."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.pool import deploy_to_pool

    with temporary_settings(updates={PREFECT_API_URL: server["PREFECT_API_URL"]}):
        deploy_to_pool(POOL)
    logs, processes = [], []
    for name in ("worker-1", "worker-2"):
        log = tmp_path / f"{name}.log"
        command = [sys.executable, "-m", "prefect", "worker", "start", "--pool", POOL, "--name", name]
        handle = log.open("wb")
        processes.append(
            subprocess.Popen([*command, "--limit", "1"], env=server, stdout=handle, stderr=subprocess.STDOUT)
        )
        logs.append(log)
    try:
        yield logs
    finally:
        stop_processes(processes)


def test_two_workers_pull_the_province_runs(
    server: dict[str, str], workers: list[Path], tmp_path: Path
) -> None:
    from prefect import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.national import PROVINCE_FLOW, NationalRequest, national_report

    root = tmp_path / "vn"
    write_national(root, units=6, quarters=5, provinces=3)
    when = date(2026, 7, 10)
    request = NationalRequest(
        period="2026-Q2", root=root, outputs=tmp_path / "pool", report_date=when, work_pool=POOL
    )
    with temporary_settings(updates={PREFECT_API_URL: server["PREFECT_API_URL"]}):
        run = national_report(bao_cao=request)

        async def province_runs() -> list[str]:
            async with get_client() as client:
                found = await client.read_flow_runs(
                    flow_filter=FlowFilter(name=FlowFilterName(any_=[PROVINCE_FLOW]))
                )
                return [str(r.id) for r in found if r.state is not None and r.state.is_completed()]

        completed = asyncio.run(province_runs())

    assert [o.status for o in run.provinces] == ["written"] * 3, run.provinces
    assert len(completed) == 3
    # Both workers took part: each one's log names at least one of the province runs.
    taken = [{r for r in completed if r in log.read_text(errors="replace")} for log in workers]
    assert all(taken), [log.read_text(errors="replace")[-2000:] for log in workers]
    assert set().union(*taken) == set(completed)

    # Same documents as the embedded engine: the roll-up's figures are equal.
    direct = run_national(root, Period.parse("2026-Q2"), tmp_path / "direct", when, workers=2)
    assert run.rollup is not None and direct.rollup is not None
    assert first_sheet(Path(run.rollup.documents[2])) == first_sheet(Path(direct.rollup.documents[2]))
