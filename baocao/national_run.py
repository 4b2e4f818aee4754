"""The national run's one orchestrator: the provinces whose reports are current are skipped from hashes
alone, the others are submitted to an executor, each outcome is told to ``on_done`` as it finishes, then the
roll-up is made from the provinces' manifests.

The executor is anything with ``submit(fn, *args) -> future`` whose futures have ``result()`` and
``add_done_callback()``: a process pool (the default), the flow's Prefect task runner (``flows.national``), a
Prefect work pool (each province a deployment run) or a ``distributed.Client`` (a Dask cluster).
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Protocol

from baocao.heap import import_settled
from baocao.national import (
    NationalJob,
    NationalRun,
    Outcome,
    name_of,
    province_folders,
    province_outcome,
    refused,
    rollup_outcome,
    signing_asked,
    unchanged_outcome,
)
from baocao.periods import Period
from baocao.report import StepRunner, in_process
from baocao.setup import TEMPLATES
from baocao.signing import pin_clashes

OnDone = Callable[[Outcome], None]


class OutcomeFuture(Protocol):
    """What the orchestrator needs of a submitted province: its outcome, and word when it is done."""

    def result(self) -> Any: ...

    def add_done_callback(self, fn: Callable[[Any], None], /) -> Any: ...


class Executor(Protocol):
    """Where the provinces run: concurrent.futures' executors, distributed.Client and the flow's adapters."""

    def submit(self, fn: Callable[..., Outcome], /, *args: Any) -> Any: ...


class LocalCallback:
    """A progress callback that stays in this process. Prefect sends a flow's parameters to its task
    runner's worker processes, which never call it: pickled, it becomes a callback that does nothing."""

    def __init__(self, fn: OnDone) -> None:
        self.fn = fn

    def __call__(self, outcome: Outcome) -> None:
        self.fn(outcome)

    def __reduce__(self) -> tuple[Any, ...]:
        return (LocalCallback, (_ignore,))


def _ignore(_: Outcome) -> None:
    """No progress shown."""


def largest_first(folders: Sequence[Path]) -> list[Path]:
    """Provinces ordered by size (submission files), so the long ones start first and the pool ends evenly."""
    return sorted(folders, key=lambda f: -sum(1 for _ in (f / "submissions").glob("*/*")))


def split_unchanged(folders: Sequence[Path], job: NationalJob) -> tuple[list[Outcome], list[Path]]:
    """The provinces whose reports are current (as outcomes) and those that must be made (``force``: all)."""
    done, todo = [], []
    for folder in folders:
        outcome = None if job.force or to_sign(folder, job) else unchanged_outcome(folder, job)
        if outcome is not None and job.sign:  # not to be signed: say why
            sign, why_not = signing_asked(folder, job)
            outcome = replace(outcome, signing=why_not, signing_failed=refused(sign, why_not))
        if outcome is None:
            todo.append(folder)
        else:
            done.append(outcome)
    return done, todo


def to_sign(folder: Path, job: NationalJob) -> bool:
    """Whether the province's report is to be signed: then a worker looks at it even if it is unchanged,
    to sign a kept version that is not signed yet."""
    try:
        return signing_asked(folder, job)[0] is True
    except Exception:  # an unreadable province.yaml: the worker's run reports it
        return False


@contextmanager
def process_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """The default executor: ``workers`` processes, started by spawn (not fork: the parent may hold threads,
    Prefect's or rich's, that a fork would copy mid-state). Each imports the pipeline first, settled."""
    with ProcessPoolExecutor(
        max(1, workers),
        mp_context=get_context("spawn"),
        initializer=import_settled,
        initargs=(__name__,),  # this module imports the pipeline
    ) as pool:
        yield pool


def run_national(
    root: Path,
    period: Period,
    outputs: Path,
    report_date: date,
    number: int | None = None,
    templates: Path = TEMPLATES,
    *,
    force: bool = False,
    sign: bool | None = None,
    executor: Executor | None = None,
    workers: int = 2,
    on_done: OnDone = _ignore,
    run_step: StepRunner = in_process,
) -> NationalRun:
    """Every province under ``root`` on ``executor`` (default: a pool of ``workers`` processes), then the
    roll-up through ``run_step`` (a plain call in this process by default); ``on_done`` is told each
    outcome, in this thread, as it comes. ``sign``: each province whose keys are configured is signed (an
    unchanged one too, if its kept PDF is not), PINs from each key's pin_env or pin_file; not those whose
    PIN variable is shared."""
    folders = province_folders(root)
    run = NationalRun()
    refused = pin_clashes(folders) if sign else {}
    job = NationalJob(period, outputs, report_date, number, templates, force, sign, refused)
    done, todo = split_unchanged(folders, job)
    for outcome in done:
        run.provinces.append(outcome)
        on_done(outcome)
    if todo and executor is None:
        with process_pool(min(workers, len(todo))) as pool:
            run.provinces += provinces_on(pool, todo, job, on_done)
    elif todo and executor is not None:
        run.provinces += provinces_on(executor, todo, job, on_done)
    run.provinces.sort(key=lambda o: o.folder)
    run.rollup = run_step(rollup_outcome, root, folders, job)
    on_done(run.rollup)
    return run


def provinces_on(
    executor: Executor, folders: Sequence[Path], job: NationalJob, on_done: OnDone
) -> list[Outcome]:
    """The outcomes of ``folders`` submitted to ``executor`` (largest first), in the order they finish; a
    province whose worker was lost (memory, signal, a dead Dask worker) is a failed outcome."""
    finished: queue.Queue[tuple[Path, Any]] = queue.Queue()
    for folder in largest_first(folders):
        future = executor.submit(province_outcome, folder, job)
        # Futures call back on their executor's thread: only queue them; the outcome is read here.
        future.add_done_callback(lambda f, folder=folder: finished.put((folder, f)))
    outcomes = []
    for _ in folders:
        folder, future = finished.get()
        try:
            outcome = future.result()
        except Exception as exc:
            error = f"worker process lost ({type(exc).__name__}: {exc})"
            outcome = Outcome(folder.name, name_of(folder), "failed", 0.0, error=error)
        outcomes.append(outcome)
        on_done(outcome)
    return outcomes
