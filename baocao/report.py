"""One province's report for one period, end to end, without Prefect: the steps the flow orchestrates.

load_setup -> collect -> figures_for -> context_for -> write_documents
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from baocao.aggregate import quarterly_series, report_figures
from baocao.catalogue import Catalogue
from baocao.context import build_context, file_stem
from baocao.coverage import Gap, period_gaps
from baocao.deliver import DeliveryError, SmtpSettings, deliver_documents, publish_folder
from baocao.department import department_for as read_department_period
from baocao.errors import RenderError
from baocao.files import exclusive, finish_staged, in_staging, staged_set, sweep_partials
from baocao.ingest import collect_cached, file_hashes
from baocao.intake import (
    Finding,
    Intake,
    Submission,
    UnitState,
    collect,
    quarter_statuses,
    unit_notes,
    unit_states,
)
from baocao.intake.department import department_path
from baocao.intake.model import DepartmentReport
from baocao.intake.rules import Outliers, outlier_findings
from baocao.periods import Period, quarters_needed, vietnam_now
from baocao.provenance import inputs_digest, manifest, unchanged, write_manifest
from baocao.render.charts import with_chart_images
from baocao.render.docx import render_docx
from baocao.render.pdf import render_pdf
from baocao.render.xlsx import render_xlsx
from baocao.review import decisions_path, held_out, review_flags, usable_records
from baocao.setup import DEFAULT_OUTPUTS as DEFAULT_OUTPUTS
from baocao.setup import PROJECT_ROOT as PROJECT_ROOT
from baocao.setup import SAMPLE_INPUTS as SAMPLE_INPUTS
from baocao.setup import TEMPLATES as TEMPLATES
from baocao.setup import Setup as Setup
from baocao.setup import latest_quarter as latest_quarter
from baocao.setup import load_setup as load_setup
from baocao.setup import setup_sources as setup_sources
from baocao.store import INDEX, REJECTED, first_versions, received_times, rejected_submissions, store_root


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
    delivery: str = "not-requested"
    skipped: bool = False
    received: int = 0
    expected: int = 0
    held: int = 0  # questioned figures of the period left out of the totals

    @property
    def paths(self) -> list[Path]:
        """The three documents, in the order people open them."""
        return [self.docx, self.pdf, self.xlsx]


def collect_for(setup: Setup, period: Period, cache: Path | None = None) -> Intake:
    """Read every submission the report on ``period`` needs (the year to date, last year, the trend);
    through the ingest store at ``cache`` if given (each file parsed once)."""
    received = received_times(setup.inputs)
    quarters = quarters_needed(period)
    if cache is not None:
        intake, _ = collect_cached(
            setup.submissions, quarters, setup.catalogue, setup.province, cache, received, setup.rules.rules
        )
    else:
        intake = collect(
            setup.submissions, quarters, setup.catalogue, setup.province, received, setup.rules.rules
        )
    intake.submissions.extend(rejected_submissions(setup.inputs))
    intake.department, findings = department_for(setup, period)
    intake.submissions.extend(department_checks(setup, findings))
    intake.first_received.update(first_versions(setup.inputs))
    add_outliers(intake, setup.catalogue, setup.rules.outliers)
    return intake


def add_outliers(intake: Intake, catalogue: Catalogue, settings: Outliers) -> None:
    """Warn, on each accepted submission, of figures far from the same unit's earlier quarters."""
    by_unit: dict[str, list[tuple[str, Submission]]] = {}
    for (unit, quarter), sub in intake.accepted.items():
        by_unit.setdefault(unit, []).append((quarter, sub))
    for subs in by_unit.values():
        ordered = [sub for _, sub in sorted(subs, key=lambda pair: Period.parse(pair[0]))]
        for index, sub in enumerate(ordered):
            sub.findings.extend(outlier_findings(sub, ordered[:index], catalogue, settings))


def department_for(setup: Setup, period: Period) -> tuple[DepartmentReport | None, list[Finding]]:
    """The department's own work over the period (``<inputs>/department/<quarter>.xlsx``) and the findings of
    its workbooks; None without any (a run without that folder is unchanged)."""
    return read_department_period(setup.inputs, period, setup.catalogue, setup.province)


def department_checks(setup: Setup, findings: Sequence[Finding]) -> list[Submission]:
    """The findings on the department's workbooks of the period, one pseudo-submission per file (no unit), so
    the XLSX's Kiểm tra sheet lists them like the units'."""
    by_file: dict[str, list[Finding]] = {}
    for finding in findings:
        by_file.setdefault(finding.where.file, []).append(finding)
    out = []
    for name, findings in by_file.items():
        sub = Submission(path=setup.inputs / "department" / name, unit=None, period=None)
        sub.findings.extend(findings)
        out.append(sub)
    return out


def gaps_for(setup: Setup, intake: Intake, period: Period) -> tuple[Gap, ...]:
    """The submitted figures of the period's year to date that the report does not use, and why."""
    reasons = held_out(review_flags(setup.inputs, intake))
    records = usable_records(setup.inputs, intake)
    return period_gaps(records, setup.catalogue, setup.province, period.year_to_date, reasons)


def figures_for(setup: Setup, intake: Intake, period: Period) -> pd.DataFrame:
    """The period's figures from the accepted submissions, questioned figures held out."""
    return report_figures(usable_records(setup.inputs, intake), setup.catalogue, setup.province, period)


def trend_for(setup: Setup, intake: Intake, period: Period) -> pd.DataFrame:
    """Province values of the trend charts' indicators over the eight quarters up to the period's end."""
    codes = sorted({c.indicator for c in setup.catalogue.charts if c.kind == "trend"})
    records = usable_records(setup.inputs, intake)
    return quarterly_series(records, setup.catalogue, setup.province, period.previous_quarters(8), codes)


def context_for(
    setup: Setup,
    intake: Intake,
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
        province=setup.province,
        period=period,
        states=unit_states(intake, setup.province, period),
        notes=unit_notes(intake, setup.province, period),
        phrases=setup.phrases,
        report_date=report_date,
        number_=number,
        trend=trend,
        statuses=quarter_statuses(intake, setup.province, period),
        gaps=gaps_for(setup, intake, period),
        flags=review_flags(setup.inputs, intake),
        department=intake.department,
    )


def output_paths(outputs: Path, setup: Setup, period: Period) -> tuple[Path, Path, Path]:
    """Where the DOCX, PDF and XLSX go: ``<outputs>/<province>/<period>/BC-<period>-<agency>.*``."""
    folder = outputs / setup.slug / period.code
    stem = file_stem(period, setup.province)
    return folder / f"{stem}.docx", folder / f"{stem}.pdf", folder / f"{stem}.xlsx"


def write_xlsx(setup: Setup, intake: Intake, figures: pd.DataFrame, period: Period, target: Path) -> Path:
    """The figures workbook, with the intake checks of the period's quarters."""
    quarters = {q.code for q in period.quarters}
    checked = [s for s in intake.submissions if s.findings and (s.period in quarters or s.period is None)]
    return render_xlsx(
        target,
        figures,
        setup.catalogue,
        setup.province,
        period,
        unit_states(intake, setup.province, period),
        checked,
    )


def summarise(intake: Intake, setup: Setup, period: Period, paths: tuple[Path, Path, Path]) -> ReportResult:
    """What a run produced, for the CLI and the flow's return value."""
    quarters = {q.code for q in period.quarters}
    rejected = [s.path.name for s in intake.rejected(quarters)]
    warnings = sum(len(s.warnings) for s in intake.submissions if s.period in quarters)
    states = tuple(unit_states(intake, setup.province, period))
    return ReportResult(
        *paths,
        states=states,
        rejected=tuple(rejected),
        warnings=warnings,
        received=sum(s.state == "received" for s in states),
        expected=len(states),
        held=sum(f.state == "held" and f.quarter in quarters for f in review_flags(setup.inputs, intake)),
    )


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
    return inputs_digest(
        period=period,
        report_date=report_date,
        number=number,
        sources=sources,
        submissions=file_hashes(inputs / "submissions", quarters_needed(period), cache),
        logs=logs,
    )


def write_provenance(
    setup: Setup,
    intake: Intake,
    figures: pd.DataFrame,
    period: Period,
    documents: Sequence[Path],
    digest: str | None = None,
) -> Path:
    """The manifest beside the documents: submission versions, configuration hashes, figures hash."""
    data = manifest(
        period=period,
        province=setup.province.name,
        intake=intake,
        figures=figures,
        sources=setup.sources,
        documents=documents,
        generated_at=vietnam_now(),
        inputs_sha256=digest,
        units=unit_states(intake, setup.province, period),
        review=review_flags(setup.inputs, intake),
    )
    return write_manifest(documents[0].with_suffix(".manifest.json"), data)


@contextmanager
def period_lock(
    outputs: Path, setup: Setup, period: Period, waiting: Callable[[], None] | None = None
) -> Iterator[None]:
    """One run per province and period at a time (a second one waits); what killed runs left is finished (a
    complete staged set) or removed first."""
    folder = outputs / setup.slug / period.code
    with exclusive(folder / ".lock", waiting):
        finish_staged(folder)
        sweep_partials(folder)
        yield


def run_report(
    inputs: Path,
    period: Period,
    outputs: Path,
    report_date: date,
    number: int | None = None,
    templates: Path = TEMPLATES,
    deliver: bool = False,
    waiting: Callable[[], None] | None = None,
    cache: Path | None = None,
    skip_unchanged: bool = False,
) -> ReportResult:
    """The whole report for one province and period, in-process (the flow runs these same steps).

    With ``deliver``, the documents are published and mailed; a mail failure is reported in the result's
    ``delivery`` ("failed: ...") after everything else is written. ``waiting`` is called if another run of the
    same period holds the lock. ``cache`` is the ingest store's folder. With ``skip_unchanged`` (and no
    delivery), nothing is rendered when the manifest shows the same inputs and untouched documents."""
    setup = load_setup(inputs, templates)
    with period_lock(outputs, setup, period, waiting):
        options = RunOptions(report_date, number, deliver, cache, skip_unchanged)
        return _run_locked(setup, period, outputs, options)


@dataclass(frozen=True)
class RunOptions:
    """How run_report was asked to run."""

    report_date: date
    number: int | None
    deliver: bool
    cache: Path | None
    skip_unchanged: bool


def write_documents(
    setup: Setup,
    intake: Intake,
    figures: pd.DataFrame,
    period: Period,
    context: dict[str, Any],
    paths: tuple[Path, Path, Path],
    digest: str,
) -> Path:
    """Render the DOCX, PDF, XLSX and the manifest into a staging folder, then swap the four in together (the
    manifest last), so that the folder holds the previous set or this one, never a mix."""
    try:
        with staged_set(paths[0].parent) as staging:
            docx, pdf, xlsx = in_staging(paths, staging)
            render_docx(context, setup.templates / "report.docx", docx)
            render_pdf(context, setup.templates, pdf)
            write_xlsx(setup, intake, figures, period, xlsx)
            write_provenance(setup, intake, figures, period, [docx, pdf, xlsx], digest)
    except OSError as exc:  # DiskFullError included: reported like a document that could not be written
        raise RenderError(f"could not write the documents: {exc}") from exc
    return paths[0].with_suffix(".manifest.json")


def _run_locked(setup: Setup, period: Period, outputs: Path, options: RunOptions) -> ReportResult:
    """run_report's steps, under the period's lock."""
    report_date, number = options.report_date, options.number
    docx, pdf, xlsx = output_paths(outputs, setup, period)
    digest = report_digest(setup.inputs, setup.sources, period, report_date, number, options.cache)
    manifest_path = docx.with_suffix(".manifest.json")
    if options.skip_unchanged and not options.deliver:
        earlier = unchanged(manifest_path, digest)
        if earlier is not None:
            return ReportResult(
                docx,
                pdf,
                xlsx,
                manifest=manifest_path,
                skipped=True,
                received=int(earlier.get("received_units", 0)),
                expected=int(earlier.get("expected_units", 0)),
            )
    intake = collect_for(setup, period, options.cache)
    figures = figures_for(setup, intake, period)
    trend = trend_for(setup, intake, period)
    context = with_chart_images(context_for(setup, intake, figures, period, report_date, number, trend))
    write_documents(setup, intake, figures, period, context, (docx, pdf, xlsx), digest)
    result = summarise(intake, setup, period, (docx, pdf, xlsx))
    result = replace(result, manifest=manifest_path)
    if options.deliver:
        try:
            status = deliver_documents(
                setup,
                intake,
                period,
                context,
                docx,
                pdf,
                publish_folder(outputs, setup),
                SmtpSettings.from_env(),
            ).status
        except DeliveryError as exc:
            status = f"failed: {exc}"
        result = replace(result, delivery=status)
    return result
