"""The pipeline: one province's report for one period, as plain steps that every caller runs the same way.

The CLI (``baocao run``), the Prefect flow (flows/report.py, one task per step) and the national run all
hand run_report a ReportRequest; the flow passes a step runner that makes each step a task.

load_setup -> report_digest -> collection_for -> figures_for, trend_for -> context_for -> draw_charts
-> write_documents (signing the PDF when asked) -> deliver_report -> summarise
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, ParamSpec, Protocol, TypeVar

import pandas as pd

from baocao.aggregate import quarterly_series, report_figures
from baocao.collection import Collection as Collection
from baocao.collection import collect_for as collect_for
from baocao.collection import collection_for as collection_for
from baocao.collection import collection_of as collection_of
from baocao.context import build_context
from baocao.deliver import Delivery, DeliveryError, SmtpSettings, deliver_documents, publish_folder
from baocao.digest import report_digest as report_digest
from baocao.digest import submission_count as submission_count
from baocao.documents import Progress as Progress
from baocao.documents import Written as Written
from baocao.documents import output_paths as output_paths
from baocao.documents import period_lock as period_lock
from baocao.documents import quiet as _quiet
from baocao.documents import write_documents as write_documents
from baocao.documents import write_provenance as write_provenance
from baocao.documents import write_xlsx as write_xlsx
from baocao.intake import QuarterStatus, UnitState
from baocao.issued import VERSIONS, version_numbers
from baocao.paths import ingest_folder
from baocao.periods import Period
from baocao.predecessors import reported_by_the_new_units
from baocao.provenance import unchanged
from baocao.render.charts import with_chart_images
from baocao.setup import DEFAULT_OUTPUTS as DEFAULT_OUTPUTS
from baocao.setup import PROJECT_ROOT as PROJECT_ROOT
from baocao.setup import SAMPLE_INPUTS as SAMPLE_INPUTS
from baocao.setup import TEMPLATES as TEMPLATES
from baocao.setup import Setup as Setup
from baocao.setup import latest_quarter as latest_quarter
from baocao.setup import load_setup as load_setup
from baocao.setup import setup_sources as setup_sources
from baocao.signing import SignOutcome, signed_unchanged, signs_reports
from baocao.summary import headline_rows
from baocao.versions import (
    VersionNote,
    mark_delivered,
    published_copies,
)

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class ReportRequest:
    """What one report is asked for: the province folder, the period, where to write, what to print on it."""

    inputs: Path
    period: Period
    outputs: Path
    report_date: date
    number: int | None = None
    templates: Path = TEMPLATES
    deliver: bool = False  # publish the DOCX and PDF and mail them to the recipients in province.yaml
    cache: Path | None = None  # the ingest store's folder if not the default (see ``store``)
    force: bool = True  # False: nothing is made when the manifest shows the same inputs (never with deliver)
    started_by: str = ""  # recorded in the version: "cli:<os user>", "portal:<login>", "schedule", "prefect"
    sign: bool | None = None  # sign the PDF (the signer, then the agency); None: province.yaml's sign_reports

    @property
    def store(self) -> Path:
        """The ingest store's folder (each submission file parsed once, then read from Parquet): ``cache``,
        else ``<outputs>/<province folder>/.ingest``, beside the province's reports."""
        return self.cache if self.cache is not None else ingest_folder(self.outputs, self.inputs)


@dataclass(frozen=True)
class ReportResult:
    """What a run wrote and what it found."""

    docx: Path
    pdf: Path
    xlsx: Path
    states: Sequence[UnitState] = field(default_factory=tuple)
    rejected: Sequence[str] = field(default_factory=tuple)
    warnings: int = 0
    manifest: Path | None = None
    delivery: Delivery = field(default_factory=lambda: Delivery("not-requested"))
    skipped: bool = False
    received: int = 0
    expected: int = 0
    held: int = 0  # questioned figures of the period left out of the totals
    statuses: Sequence[QuarterStatus] = field(default_factory=tuple)
    headline: Sequence[dict[str, Any]] = field(default_factory=tuple)  # the key indicators, as table rows
    version: int | None = None  # the kept version these documents are (baocao.issued)
    signing: SignOutcome = field(default_factory=SignOutcome)

    @property
    def paths(self) -> list[Path]:
        """The three documents, in the order people open them."""
        return [self.docx, self.pdf, self.xlsx]


class StepRunner(Protocol):
    """How the pipeline runs each step: in-process by default, as a Prefect task in the flow."""

    def __call__(self, step: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T: ...


def in_process(step: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a step as a plain call."""
    return step(*args, **kwargs)


def figures_for(setup: Setup, collection: Collection, period: Period) -> pd.DataFrame:
    """The period's figures from the accepted submissions, questioned figures held out (and the
    predecessors' carried ones before the change, with their populations)."""
    return report_figures(collection.records, setup.catalogue, collection.province or setup.province, period)


def trend_for(setup: Setup, collection: Collection, period: Period) -> pd.DataFrame:
    """Province values of the trend charts' indicators over the eight quarters up to the period's end."""
    codes = sorted({c.indicator for c in setup.catalogue.charts if c.kind == "trend"})
    quarters = period.previous_quarters(8)
    province = collection.province or setup.province
    return quarterly_series(collection.records, setup.catalogue, province, quarters, codes)


def context_for(
    setup: Setup,
    collection: Collection,
    figures: pd.DataFrame,
    period: Period,
    report_date: date,
    number: int | None = None,
    trend: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """The report context both documents are rendered from (charts as data, not yet drawn)."""
    return build_context(
        figures=figures,
        catalogue=setup.catalogue,
        province=collection.province or setup.province,
        period=period,
        states=collection.states,
        notes=collection.notes,
        phrases=setup.phrases,
        report_date=report_date,
        number_=number,
        trend=trend,
        statuses=collection.statuses,
        gaps=collection.gaps,
        flags=collection.flags,
        department=collection.department,
        history=collection.past.carried if collection.past is not None else None,
    )


def draw_charts(context: dict[str, Any]) -> dict[str, Any]:
    """The context with its charts drawn (PNG)."""
    return with_chart_images(context)


def deliver_report(
    setup: Setup,
    collection: Collection,
    period: Period,
    context: dict[str, Any],
    paths: tuple[Path, Path, Path],
    publish_to: Path,
    version: int | None = None,
) -> Delivery:
    """Publish the DOCX and PDF and mail them once (linking to ``version`` on the portal when
    BAOCAO_PUBLIC_URL is set); a mail failure is a ``failed`` Delivery, not an error (everything else is
    written by then)."""
    docx, pdf, _ = paths
    try:
        settings = SmtpSettings.from_env()
        return deliver_documents(
            setup, collection.states, period, context, docx, pdf, publish_to, settings, version
        )
    except DeliveryError as exc:
        return Delivery("failed", error=str(exc))


def summarise(
    setup: Setup,
    collection: Collection,
    figures: pd.DataFrame,
    period: Period,
    paths: tuple[Path, Path, Path],
    manifest_path: Path,
    delivery: Delivery,
    version: int | None = None,
    signing: SignOutcome | None = None,
) -> ReportResult:
    """What a run produced, for the CLI and the flow's return value."""
    quarters = {q.code for q in period.quarters}
    intake, states = collection.intake, collection.states
    return ReportResult(
        *paths,
        states=states,
        rejected=tuple(s.path.name for s in intake.rejected(quarters)),
        warnings=sum(len(s.warnings) for s in intake.submissions if s.period in quarters),
        manifest=manifest_path,
        delivery=delivery,
        received=collection.received,
        expected=len(states),
        held=sum(f.state == "held" and f.quarter in quarters for f in collection.flags),
        statuses=collection.statuses,
        headline=tuple(headline_rows(figures, setup.catalogue, setup.province)),
        version=version,
        signing=signing or SignOutcome(),
    )


def earlier_result(paths: tuple[Path, Path, Path], digest: str) -> ReportResult | None:
    """The result of the last run if its manifest shows the same inputs and its documents are untouched."""
    manifest_path = paths[0].with_suffix(".manifest.json")
    earlier = unchanged(manifest_path, digest)
    if earlier is None:
        return None
    return ReportResult(
        *paths,
        manifest=manifest_path,
        skipped=True,
        received=earlier.received_units,
        expected=earlier.expected_units,
        version=max(version_numbers(manifest_path.parent / VERSIONS), default=None),
    )


def run_report(
    request: ReportRequest,
    *,
    setup: Setup | None = None,
    waiting: Callable[[], None] | None = None,
    run_step: StepRunner = in_process,
    progress: Progress = _quiet,
) -> ReportResult:
    """The whole report for one province and period. ``setup``: the province's, if already loaded;
    ``waiting`` is called if another run of the same period holds the lock; ``run_step`` runs each step
    (the flow makes each one a Prefect task); ``progress`` is told each step as it starts. A mail failure
    is reported in the result's ``delivery`` after everything else is written."""
    if setup is None:
        progress("đọc cấu hình")
        setup = run_step(load_setup, request.inputs, request.templates)
    reported_by_the_new_units(setup, request.period)  # before the lock makes the period's folder
    with period_lock(request.outputs, setup, request.period, waiting):
        return _run_locked(request, setup, run_step, progress)


def _run_locked(request: ReportRequest, setup: Setup, run: StepRunner, say: Progress) -> ReportResult:
    """run_report's steps, under the period's lock."""
    period, when, number = request.period, request.report_date, request.number
    paths = output_paths(request.outputs, setup, period)
    digest = run(report_digest, setup.inputs, setup.sources, period, when, number, request.store)
    sign = signs_reports(setup.province) if request.sign is None else request.sign
    if not request.force and not request.deliver:
        earlier = earlier_result(paths, digest)
        if earlier is not None:
            say("số liệu không đổi từ lần lập trước: không cần lập lại")
            if sign:  # the kept PDF gets the signatures it lacks, as the next version
                signing = signed_unchanged(earlier.pdf, setup.province, setup.inputs, request.started_by)
                newest = max(version_numbers(paths[0].parent / VERSIONS), default=None)
                return replace(earlier, signing=signing, version=newest)
            return earlier
    say(f"đọc {submission_count(setup, period)} tệp báo cáo của đơn vị")
    collection = run(collection_for, setup, period, request.store)
    say("tổng hợp số liệu")
    figures = run(figures_for, setup, collection, period)
    trend = run(trend_for, setup, collection, period)
    say("soạn nội dung báo cáo")
    context = run(context_for, setup, collection, figures, period, when, number, trend)
    say("vẽ biểu đồ")
    context = run(draw_charts, context)
    note = VersionNote(request.started_by, when, number, digest)
    written = run(write_documents, setup, collection, figures, period, context, paths, note, say, sign)
    version = written.version
    delivery = Delivery("not-requested")
    # An unsigned report is not sent out when a signed one was asked for: it waits for the token.
    if request.deliver and not written.signing.failed:
        say("đăng và gửi thư báo cáo")
        publish_to = publish_folder(request.outputs, setup)
        delivery = run(deliver_report, setup, collection, period, context, paths, publish_to, version)
        folder = paths[0].parent
        published = publish_to if published_copies(folder, version, publish_to) else None
        mark_delivered(folder, version, published, delivery.recipients if delivery.status == "sent" else None)
    return summarise(
        setup, collection, figures, period, paths, written.manifest, delivery, version, written.signing
    )
