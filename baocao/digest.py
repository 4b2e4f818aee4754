"""What decides whether a report must be made again: the hash of everything it is made from, computed cheaply
(no configuration parsed, unchanged submission files not re-read), and how many files a run reads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from baocao.ingest import file_hashes
from baocao.intake.department import department_path
from baocao.intake.read import iter_submission_files
from baocao.periods import Period, quarters_needed
from baocao.provenance import inputs_digest
from baocao.review import decisions_path
from baocao.setup import Setup, declared_predecessors
from baocao.store import INDEX, REJECTED, store_root


def report_digest(
    inputs: Path,
    sources: Sequence[Path],
    period: Period,
    report_date: date,
    number: int | None,
    cache: Path | None = None,
) -> str:
    """The hash of everything the report on ``period`` is made from (see provenance.inputs_digest); cheap:
    no configuration is parsed and unchanged submission files are not re-read."""
    logs = [store_root(inputs) / INDEX, store_root(inputs) / REJECTED, decisions_path(inputs)]
    # The department's own workbooks of the period: a changed one must not let a run be skipped as unchanged.
    logs += [department_path(inputs, q) for q in period.quarters]
    submissions = file_hashes(inputs / "submissions", quarters_needed(period), cache)
    declared = declared_predecessors(inputs)
    # A 2025 province's predecessors: a changed old file or decision must re-render the report too.
    for folder in declared.folders if declared else ():
        logs += [store_root(folder) / INDEX, store_root(folder) / REJECTED, decisions_path(folder)]
        quarters = [q for q in quarters_needed(period) if declared and q <= declared.last_quarter]
        hashes = file_hashes(folder / "submissions", quarters, None)
        submissions.update({f"{folder.name}/{name}": sha for name, sha in hashes.items()})
    return inputs_digest(
        period=period,
        report_date=report_date,
        number=number,
        sources=sources,
        submissions=submissions,
        logs=logs,
    )


def submission_count(setup: Setup, period: Period) -> int:
    """How many submission files the report on ``period`` reads."""
    own = sum(len(list(iter_submission_files(setup.submissions / q.code))) for q in quarters_needed(period))
    declared = declared_predecessors(setup.inputs)
    old = sum(
        len(list(iter_submission_files(folder / "submissions" / q.code)))
        for folder in (declared.folders if declared else ())
        for q in quarters_needed(period)
        if declared and q <= declared.last_quarter
    )
    return own + old
