"""Reading one province folder's submissions of some quarters: every file read and checked, outliers against
each unit's own history, the inbox's rejected files and the store's first versions. Used for a province's
own quarters (baocao.collection) and for its predecessors' (baocao.predecessors), so both go through the
same intake and the same checks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

from baocao.catalogue import Catalogue
from baocao.ingest import collect_cached
from baocao.intake import Finding, Intake, Submission, collect
from baocao.intake.rules import Outliers, outlier_findings
from baocao.periods import Period
from baocao.setup import Setup
from baocao.store import first_versions, received_times, rejected_submissions


def read_quarters(setup: Setup, quarters: Iterable[Period], cache: Path | None = None) -> Intake:
    """Every submission of ``quarters`` in the folder of ``setup``, checked (outliers included), with the
    inbox's rejected files and the store's first valid versions; through the ingest store at ``cache`` if
    given (each file parsed once)."""
    received = received_times(setup.inputs)
    quarters = tuple(quarters)
    if cache is not None:
        intake, _ = collect_cached(
            setup.submissions, quarters, setup.catalogue, setup.province, cache, received, setup.rules.rules
        )
    else:
        intake = collect(
            setup.submissions, quarters, setup.catalogue, setup.province, received, setup.rules.rules
        )
    intake = with_outliers(intake, setup.catalogue, setup.rules.outliers)
    # New views over the same submissions (nothing is copied but the tuple of references).
    return replace(
        intake,
        submissions=(*intake.submissions, *rejected_submissions(setup.inputs)),
        first_received=MappingProxyType({**intake.first_received, **first_versions(setup.inputs)}),
    )


def with_outliers(intake: Intake, catalogue: Catalogue, settings: Outliers) -> Intake:
    """The intake whose accepted submissions warn of figures far from the same unit's earlier quarters (a new
    intake: ``intake`` is unchanged)."""
    found: dict[tuple[str, str], list[Finding]] = {}
    by_unit: dict[str, list[tuple[str, Submission]]] = {}
    for (unit, quarter), sub in intake.accepted.items():
        by_unit.setdefault(unit, []).append((quarter, sub))
    for unit, subs in by_unit.items():
        ordered = sorted(subs, key=lambda pair: Period.parse(pair[0]))
        earlier = [sub for _, sub in ordered]
        for index, (quarter, sub) in enumerate(ordered):
            found[(unit, quarter)] = outlier_findings(sub, earlier[:index], catalogue, settings)
    return intake.with_findings(found)
