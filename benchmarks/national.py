"""Time the national run on the national test set (34 provinces, 3,321 communes, 8 quarters).

    .venv/bin/python -m benchmarks.national [--root DIR] [--repeat 3] [--workers 2] [--skip-prefect]

Writes the set into a temporary folder (or uses --root), then prints medians (seconds) and the peak memory
of the whole process tree (this process and its workers, sampled from /proc every 0.2 s) for:
cold ingest of every workbook; a warm national run (all 34 reports and the roll-up: DOCX, PDF, XLSX); an
unchanged re-run; one province alone; and the same through Prefect (local ephemeral API) against Prefect's
own empty flow, for the orchestration's share.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import date
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from baocao.settings import apply_prefect_defaults

apply_prefect_defaults()

from baocao import national, national_run  # noqa: E402
from baocao.ingest import collect_cached  # noqa: E402
from baocao.periods import Period, quarters_needed  # noqa: E402
from baocao.report import TEMPLATES, load_setup  # noqa: E402
from benchmarks.national_data import write_national  # noqa: E402

PERIOD = Period.parse("2026-Q2")
WHEN = date(2026, 7, 10)
PAGE = os.sysconf("SC_PAGE_SIZE")


def _tree_rss(root: int) -> int:
    """Resident memory of ``root`` and all its descendants, in bytes."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            parents[int(entry.name)] = int(fields[1])
            rss[int(entry.name)] = int(fields[21]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(child for child, parent in parents.items() if parent == pid)
    return total


@contextmanager
def peak_memory() -> Iterator[list[int]]:
    """Sample the process tree's memory while the block runs; the peak ends up in the yielded list."""
    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _tree_rss(os.getpid()))
            stop.wait(0.2)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peak
    finally:
        stop.set()
        thread.join()


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Median wall time of ``repeat`` calls, the peak memory (MB) over them, and the last result."""
    times, result = [], None
    with peak_memory() as peak:
        for _ in range(repeat):
            start = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - start)
    return statistics.median(times), peak[0] / 2**20, result


def ingest_province(folder: Path, outputs: Path) -> int:
    """Parse every workbook the period's report needs into the province's ingest store; files parsed."""
    setup = load_setup(folder)
    cache = outputs / folder.name / ".ingest"
    _, fresh = collect_cached(
        setup.submissions,
        quarters_needed(PERIOD),
        setup.catalogue,
        setup.province,
        cache,
        rules=setup.rules.rules,
    )
    return fresh


def ingest_all(root: Path, outputs: Path, workers: int) -> int:
    """Cold ingest of every province, ``workers`` at a time; the number of workbooks parsed."""
    folders = national_run.largest_first(national.province_folders(root))
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        return sum(pool.map(ingest_province, folders, [outputs] * len(folders)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, help="an existing national set (default: write one)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--skip-prefect", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="baocao-national-"))
    rows: list[tuple[str, float, float]] = []
    root = args.root
    if root is None:
        root = work / "vn"
        start = time.perf_counter()
        folders = write_national(root)
        print(
            f"wrote {len(folders)} provinces in {time.perf_counter() - start:.0f} s under {root}", flush=True
        )
    files = sum(1 for _ in root.glob("*/submissions/*/*.xlsx"))
    print(
        f"{files} workbooks, {len(national.province_folders(root))} provinces, {args.workers} workers",
        flush=True,
    )

    outputs = work / "out"
    t, mb, parsed = timed(lambda: ingest_all(root, outputs, args.workers), 1)
    rows.append((f"cold ingest ({parsed} workbooks parsed)", t, mb))
    print(rows[-1], flush=True)

    def whole_run(force: bool) -> national.NationalRun:
        run = national_run.run_national(root, PERIOD, outputs, WHEN, workers=args.workers, force=force)
        assert not run.failed, run.failed
        return run

    t, mb, run = timed(lambda: whole_run(True), args.repeat)
    rows.append((f"warm national run ({len(run.provinces)} provinces + roll-up, all rendered)", t, mb))
    print(rows[-1], flush=True)
    t, mb, run = timed(lambda: whole_run(False), max(args.repeat, 5))
    assert {o.status for o in run.provinces} == {"unchanged"}
    rows.append(("unchanged re-run (nothing rendered)", t, mb))
    print(rows[-1], flush=True)

    folder = national_run.largest_first(national.province_folders(root))[0]
    t, mb, outcome = timed(
        lambda: national.province_outcome(
            folder, national.NationalJob(PERIOD, outputs, WHEN, None, TEMPLATES, True)
        ),
        max(args.repeat, 5),
    )
    rows.append((f"one province alone, direct ({outcome.expected} communes)", t, mb))
    print(rows[-1], flush=True)

    if not args.skip_prefect:
        rows += prefect_rows(root, folder, outputs, args.repeat)

    print()
    print(f"{'step':<70} {'median s':>9} {'peak MB':>8}")
    for name, seconds, megabytes in rows:
        print(f"{name:<70} {seconds:>9.2f} {megabytes:>8.0f}")


def prefect_rows(root: Path, folder: Path, outputs: Path, repeat: int) -> list[tuple[str, float, float]]:
    """The same work through Prefect in local ephemeral mode, and Prefect's empty flow for comparison."""
    from prefect import flow
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    from flows.national import NationalRequest, national_report, province_run

    @flow(name="empty")
    def empty() -> None:
        """Prefect's own cost of a flow run."""

    rows = []
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        start = time.perf_counter()
        empty()
        rows.append(
            ("first flow run of the process (ephemeral server start)", time.perf_counter() - start, 0.0)
        )
        t, mb, _ = timed(empty, max(repeat, 5))
        rows.append(("Prefect empty flow, warm", t, mb))
        t, mb, _ = timed(
            lambda: province_run(folder, PERIOD.code, outputs, WHEN, None, TEMPLATES, True), max(repeat, 5)
        )
        rows.append(("one province through Prefect (province_run flow)", t, mb))
        request = NationalRequest(
            period=PERIOD.code, root=root, outputs=outputs, report_date=WHEN, force=True
        )
        t, mb, _ = timed(lambda: national_report(bao_cao=request), 1)
        rows.append(("national run through Prefect (process pool task runner)", t, mb))
        unchanged = NationalRequest(period=PERIOD.code, root=root, outputs=outputs, report_date=WHEN)
        t, mb, _ = timed(lambda: national_report(bao_cao=unchanged), max(repeat, 5))
        rows.append(("unchanged national re-run through Prefect", t, mb))
    for row in rows:
        print(row, flush=True)
    return rows


if __name__ == "__main__":
    main()
