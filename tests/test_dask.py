"""The national flow on a real Dask cluster, as the README's "Dask instead" section runs it: a `dask scheduler`
and two `dask worker` processes on 127.0.0.1, the provinces as tasks of one flow run on them, and the roll-up
equal to the embedded engine's."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from baocao.national import NationalRun
from tests.support import stop_processes

distributed = pytest.importorskip(
    "distributed", reason="prefect-dask is not installed (pip install prefect-dask)"
)
pytest.importorskip("prefect_dask", reason="prefect-dask is not installed (pip install prefect-dask)")

pytestmark = pytest.mark.slow
WORKTREE = Path(__file__).resolve().parents[1]
WHEN = date(2026, 7, 10)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def first_sheet(xlsx: Path) -> list[tuple[object, ...]]:
    """The rows of a report workbook's first sheet."""
    return list(load_workbook(xlsx, read_only=True, data_only=True).worksheets[0].iter_rows(values_only=True))


def tail(log: Path) -> str:
    """The end of a process's log, for a failure message."""
    return log.read_text(errors="replace")[-3000:] if log.exists() else "(no log)"


@pytest.fixture(scope="module")
def dask_cluster(
    prefect_harness: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, list[Path]]]:
    """`dask scheduler` and two `dask worker` processes (one thread each) on free local ports, stopped
    afterwards; the scheduler's address and the processes' logs. The workers import this checkout's code.
    One cluster for the module's tests."""
    tmp_path = tmp_path_factory.mktemp("dask")
    from prefect import get_client

    with get_client(sync_client=True) as client:  # the session's Prefect API, for the workers' task runs
        api = str(client.api_url)
    env = {**os.environ, "PYTHONPATH": str(WORKTREE), "PREFECT_API_URL": api}
    address = f"tcp://127.0.0.1:{free_port()}"
    port = address.rsplit(":", 1)[1]
    dask = [sys.executable, "-m", "dask"]
    commands = {"scheduler": [*dask, "scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"]}
    for i in (1, 2):
        commands[f"worker-{i}"] = [
            *dask,
            *("worker", address, "--host", "127.0.0.1", "--name", f"worker-{i}"),
            *("--nworkers", "1", "--nthreads", "1", "--no-dashboard"),
            *("--local-directory", str(tmp_path / f"dask-{i}")),
        ]
    logs, processes = [], []
    try:
        for name, command in commands.items():
            log = tmp_path / f"{name}.log"
            with log.open("wb") as handle:
                processes.append(
                    subprocess.Popen(command, env=env, cwd=WORKTREE, stdout=handle, stderr=subprocess.STDOUT)
                )
            logs.append(log)
            if name == "scheduler":
                wait_for_port(address, processes[0], log)
        with distributed.Client(address, timeout=60) as probe:
            probe.wait_for_workers(2, timeout=120)
        yield address, logs
    finally:
        stop_processes(processes)


def wait_for_port(address: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Wait until the scheduler accepts connections (it starts in a few seconds)."""
    host, port = address.removeprefix("tcp://").rsplit(":", 1)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"dask scheduler exited with {process.returncode}: {tail(log)}")
        try:
            socket.create_connection((host, int(port)), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"dask scheduler did not listen on {address}: {tail(log)}")


def same_as_embedded(
    run: NationalRun,
    direct: NationalRun,
    stream: list[dict[str, object]],
    logs: list[Path],
    tasks: int,
) -> None:
    """Every province written as Dask tasks on both workers (``tasks`` in all: the flow runs its roll-up
    there too), and the same documents as the embedded engine's run of the same set (no Prefect, no Dask):
    each province's figures and the roll-up's equal."""
    assert [o.status for o in run.provinces] == ["written"] * 3, [run.provinces, *map(tail, logs)]
    assert run.rollup is not None and run.rollup.status == "written", run.rollup
    assert (run.rollup.received, run.rollup.expected) == (3, 3)
    workers = {record["worker"] for record in stream}
    assert len(stream) == tasks and len(workers) == 2, stream
    assert direct.rollup is not None
    assert first_sheet(Path(run.rollup.documents[2])) == first_sheet(Path(direct.rollup.documents[2]))
    for dasked, embedded in zip(run.provinces, direct.provinces, strict=True):
        assert dasked.folder == embedded.folder
        assert first_sheet(Path(dasked.documents[2])) == first_sheet(Path(embedded.documents[2]))


def test_the_national_flow_runs_its_provinces_on_a_dask_cluster(
    dask_cluster: tuple[str, list[Path]],
    national_root: Path,
    first_run: tuple[Path, NationalRun, list[str]],
    tmp_path: Path,
) -> None:
    from prefect_dask import DaskTaskRunner

    from flows.national import NationalRequest, national_report

    address, logs = dask_cluster
    request = NationalRequest(
        period="2026-Q2", root=national_root, outputs=tmp_path / "dask", report_date=WHEN
    )
    with distributed.Client(address, timeout=60) as watcher:
        started = time.time()
        watcher.get_task_stream(start=started)  # the scheduler records its task stream from here on
        run = national_report.with_options(task_runner=DaskTaskRunner(address=address))(bao_cao=request)
        stream = watcher.get_task_stream(start=started)

    # The three provinces and the roll-up, which the flow runs on its task runner like the provinces.
    same_as_embedded(run, first_run[1], stream, logs, tasks=4)


def test_the_orchestrator_runs_its_provinces_on_a_dask_client(
    dask_cluster: tuple[str, list[Path]],
    national_root: Path,
    first_run: tuple[Path, NationalRun, list[str]],
    tmp_path: Path,
) -> None:
    """The README's other Dask way: no flow, the Dask client itself as the national run's executor."""
    from baocao.national_run import run_national
    from baocao.periods import Period

    address, logs = dask_cluster
    seen: list[str] = []
    with distributed.Client(address, timeout=60) as client:
        started = time.time()
        client.get_task_stream(start=started)
        run = run_national(
            national_root,
            Period.parse("2026-Q2"),
            tmp_path / "client",
            WHEN,
            executor=client,
            on_done=lambda o: seen.append(o.folder),
        )
        stream = client.get_task_stream(start=started)
    assert sorted(seen[:3]) == [o.folder for o in run.provinces] and len(seen) == 4
    same_as_embedded(run, first_run[1], stream, logs, tasks=3)  # the roll-up in this process
