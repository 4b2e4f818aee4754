"""National runs: every province folder under a root, each failure isolated, then the ministry's roll-up.

The roll-up treats the provinces as its units. Its figures come from what each province's run recorded in
its manifest (per quarter, the sums of the units' submitted figures), so the provinces are not read twice
and a province skipped as unchanged still counts. Derived indicators (ratios, densities, plan percentages)
are recomputed from those sums by the same aggregation as a province's, never averaged.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml

from baocao.catalogue import load_catalogue
from baocao.collection import collection_of
from baocao.errors import BaocaoError, ConfigError
from baocao.files import file_sha256
from baocao.intake import Intake, Submission, intake_of
from baocao.paths import ingest_folder
from baocao.periods import Period
from baocao.phrases import Phrases, load_phrases
from baocao.provenance import Manifest, inputs_digest, read_manifest, unchanged
from baocao.province import Province, load_province
from baocao.report import (
    ReportRequest,
    context_for,
    draw_charts,
    figures_for,
    output_paths,
    period_lock,
    report_digest,
    run_report,
    trend_for,
    write_documents,
)
from baocao.setup import TEMPLATES, Setup, load_setup, setup_sources
from baocao.signing import keys_configured
from baocao.versions import VersionNote
from baocao.yamlfile import parse_yaml

NATIONAL = "national.yaml"
ROLLUP = "toan-quoc"
ROLLUP_NAME = "Toàn quốc"
Status = Literal["written", "unchanged", "failed"]
STARTED_BY = "national"  # who the versions of a national run record as having started them


@dataclass(frozen=True)
class Outcome:
    """What became of one province (or of the roll-up) in a national run: plain data, picklable."""

    folder: str
    name: str
    status: Status
    seconds: float
    received: int = 0
    expected: int = 0
    warnings: int = 0
    documents: tuple[str, ...] = ()
    manifest: str | None = None
    error: str | None = None
    signing: str = ""  # with --sign: signed, already signed, or why not (in Vietnamese)
    signing_failed: bool = False  # signing was asked for and did not happen


@dataclass(frozen=True)
class NationalJob:
    """What every report of one national run shares (plain data, picklable for the workers)."""

    period: Period
    outputs: Path
    report_date: date
    number: int | None = None
    templates: Path = TEMPLATES
    force: bool = False  # make every report again, current or not
    sign: bool | None = None  # sign each province whose keys are configured; None: each one's sign_reports
    refused: Mapping[str, str] = field(default_factory=dict)  # folder name -> why it is not signed


@dataclass
class NationalRun:
    """All the provinces' outcomes and the roll-up's."""

    provinces: list[Outcome] = field(default_factory=list)
    rollup: Outcome | None = None

    @property
    def failed(self) -> list[Outcome]:
        """The provinces (and roll-up) that produced nothing."""
        every = [*self.provinces, *([self.rollup] if self.rollup else [])]
        return [o for o in every if o.status == "failed"]


def province_folders(root: Path) -> list[Path]:
    """The province folders under ``root`` (those holding a province.yaml), by name."""
    if not root.is_dir():
        raise ConfigError("không có thư mục này", root)
    folders = sorted(p for p in root.iterdir() if p.is_dir() and (p / "province.yaml").is_file())
    if not folders:
        raise ConfigError("không có thư mục tỉnh nào (có province.yaml) ở đây", root)
    by_code: dict[str, list[str]] = {}
    for folder in folders:
        by_code.setdefault(_code_of(folder), []).append(folder.name)
    twice = {code: names for code, names in by_code.items() if code and len(names) > 1}
    if twice:
        said = "; ".join(f"{code}: {', '.join(names)}" for code, names in twice.items())
        raise ConfigError(
            f"các thư mục tỉnh trùng mã tỉnh ({said}); mỗi tỉnh một thư mục (tỉnh sau sắp xếp năm 2025 đặt "
            "trong thư mục riêng, ví dụ inputs/2025/)",
            root,
        )
    return folders


def _code_of(folder: Path) -> str:
    """A province folder's code, read without the whole configuration (it is checked when run)."""
    from baocao.catalogue import read_yaml

    try:
        data = read_yaml(folder / "province.yaml")
    except ConfigError:
        return ""
    return str(data.get("code", "")) if isinstance(data, dict) else ""


def name_of(folder: Path) -> str:
    """The province's name from its province.yaml, else the folder's name."""
    try:
        data = parse_yaml((folder / "province.yaml").read_text(encoding="utf-8"))
        return str(data["name"])
    except Exception:  # the run itself reports what is wrong with the file
        return folder.name


def _message(exc: Exception) -> str:
    """A failure as the summary table shows it: a domain error's own words, else the exception's type too."""
    return str(exc) if isinstance(exc, BaocaoError) else f"{type(exc).__name__}: {exc}"


def _manifests(folder: Path, period: Period) -> list[Path]:
    """The report manifests of ``period`` in an outputs folder (one, unless the agency was renamed)."""
    return sorted(folder.glob(f"BC-{period.code}-*.manifest.json")) if folder.is_dir() else []


def _unchanged(folder: str, name: str, manifest: Path, earlier: Manifest, start: float) -> Outcome:
    """The outcome of a report left as it was, from its manifest."""
    return Outcome(
        folder,
        name,
        "unchanged",
        time.perf_counter() - start,
        received=earlier.received_units,
        expected=earlier.expected_units,
        documents=tuple(str(manifest.parent / doc) for doc in earlier.documents),
        manifest=str(manifest),
    )


def unchanged_outcome(inputs: Path, job: NationalJob) -> Outcome | None:
    """The outcome of a province whose last report is still current, judged from hashes alone (no
    configuration parsed, no workbook opened, no worker started); None if it must be made."""
    start = time.perf_counter()
    period, outputs, slug = job.period, job.outputs, inputs.resolve().name
    manifests = _manifests(outputs / slug / period.code, period)
    if len(manifests) != 1:
        return None
    try:
        sources = setup_sources(inputs, job.templates)
        digest = report_digest(
            inputs, sources, period, job.report_date, job.number, ingest_folder(outputs, inputs)
        )
    except OSError:
        return None
    earlier = unchanged(manifests[0], digest)
    if earlier is None:
        return None
    return _unchanged(inputs.name, earlier.province or inputs.name, manifests[0], earlier, start)


def province_outcome(inputs: Path, job: NationalJob) -> Outcome:
    """One province's report through the ingest store, skipped if unchanged; never raises."""
    start = time.perf_counter()
    name = name_of(inputs)
    try:
        request = ReportRequest(
            inputs,
            job.period,
            job.outputs,
            job.report_date,
            job.number,
            job.templates,
            force=job.force,
            started_by=STARTED_BY,
        )
        sign, why_not = signing_asked(inputs, job)
        result = run_report(replace(request, sign=sign))
    except Exception as exc:  # one province's failure must not stop the others
        return Outcome(inputs.name, name, "failed", time.perf_counter() - start, error=_message(exc))
    signing = result.signing
    return Outcome(
        inputs.name,
        name,
        "unchanged" if result.skipped else "written",
        time.perf_counter() - start,
        received=result.received,
        expected=result.expected,
        warnings=result.warnings,
        documents=tuple(str(p) for p in result.paths),
        manifest=str(result.manifest) if result.manifest else None,
        signing=why_not or signing.message,
        signing_failed=refused(sign, why_not) or signing.failed,
    )


def refused(sign: bool | None, why_not: str) -> bool:
    """Whether signing_asked's answer is a refusal of a --sign (a shared PIN variable), not keys that were
    never configured."""
    return bool(why_not) and sign is False


def signing_asked(inputs: Path, job: NationalJob) -> tuple[bool | None, str]:
    """Whether this province's report is signed, and why not when --sign asked for it: its keys are not
    configured, or their PIN variable is shared with another province's (job.refused)."""
    if not job.sign:
        return job.sign, ""
    if inputs.name in job.refused:
        return False, job.refused[inputs.name]
    if not keys_configured(load_province(inputs / "province.yaml")):
        return (
            None,
            "không ký số: chưa cấu hình khóa ký (signing.signer và signing.agency trong province.yaml)",
        )
    return True, ""


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def national_province(config: Mapping[str, Any], provinces: Sequence[Province]) -> Province:
    """The roll-up's configuration: the ministry's header and signer from ``config``, the provinces as
    units, each with the sum of its units' population."""
    units = []
    for prov in provinces:
        years = sorted({y for u in prov.units for y in u.population})
        population = {y: sum(u.population_in(y) or 0 for u in prov.units) for y in years}
        units.append({"code": prov.code, "name": prov.name, "kind": prov.kind, "population": population})
    data = {k: v for k, v in config.items() if k != "phrases"}
    data["units"] = units
    data.setdefault("layout", {"annex_units_max": 40})
    return Province.model_validate(data)


def rollup_intake(totals: Mapping[str, Mapping[str, Any]], name_of: Mapping[str, str]) -> Intake:
    """An intake with one accepted submission per province and quarter, from the provinces' manifests'
    ``totals`` (province code -> quarter -> {values, estimates})."""
    subs = [
        Submission(
            path=Path(f"{name_of[code]} {quarter}"),
            unit=code,
            period=quarter,
            values={k: float(v) for k, v in entry["values"].items()},
            estimates=frozenset(entry["estimates"]),
        )
        for code, quarters in totals.items()
        for quarter, entry in quarters.items()
    ]
    return intake_of(subs)


def national_setup(root: Path, templates: Path, provinces: Sequence[Province]) -> Setup:
    """Configuration of the roll-up: ROOT/national.yaml if there is one, else templates/national.yaml."""
    path = root / NATIONAL if (root / NATIONAL).is_file() else templates / NATIONAL
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        catalogue = load_catalogue(templates / "indicators.yaml")
        province = national_province(config, provinces)
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise ConfigError(f"cấu hình tổng hợp toàn quốc không dùng được: {exc}", path) from exc
    base = load_phrases(templates / "phrases.yaml")
    phrases = Phrases(_merge(base.data, config.get("phrases") or {}), source=str(path))
    layout = tuple(templates / n for n in ("report.docx", "report.html.j2", "report.css", "phrases.yaml"))
    sources = (path, templates / "indicators.yaml", *layout)
    return Setup(root / ROLLUP, templates, catalogue, province, phrases, sources)


def rollup_outcome(root: Path, folders: Sequence[Path], job: NationalJob) -> Outcome:
    """The national roll-up from the provinces' manifests for the job's period; never raises."""
    start = time.perf_counter()
    try:
        return _rollup(root, folders, job, start)
    except Exception as exc:  # reported in the summary like a province's failure
        return Outcome(ROLLUP, ROLLUP_NAME, "failed", time.perf_counter() - start, error=_message(exc))


def _rollup(root: Path, folders: Sequence[Path], job: NationalJob, start: float) -> Outcome:
    period, outputs, templates = job.period, job.outputs, job.templates
    manifests = {}
    for folder in folders:
        found = _manifests(outputs / folder.resolve().name / period.code, period)
        if found:
            manifests[folder] = found[-1]
    if not manifests:
        raise ConfigError(f"chưa tỉnh nào có báo cáo {period.label} để tổng hợp", root)
    config = root / NATIONAL if (root / NATIONAL).is_file() else templates / NATIONAL
    layout = [templates / n for n in ("indicators.yaml", "phrases.yaml", "report.docx", "report.html.j2")]
    digest = inputs_digest(
        period=period,
        report_date=job.report_date,
        number=job.number,
        sources=[config, *layout, templates / "report.css", *(f / "province.yaml" for f in folders)],
        submissions={str(p.relative_to(outputs)): _totals_sha(p) for p in manifests.values()},
    )
    earlier_manifest = next(iter(_manifests(outputs / ROLLUP / period.code, period)), None)
    earlier = None if job.force or earlier_manifest is None else unchanged(earlier_manifest, digest)
    if earlier is not None and earlier_manifest is not None:
        return _unchanged(ROLLUP, ROLLUP_NAME, earlier_manifest, earlier, start)
    provinces, totals = [], {}
    for one in folders:
        try:
            prov = load_setup(one, templates).province
        except BaocaoError:
            continue  # its failure is already in the summary
        provinces.append(prov)
        recorded = read_manifest(manifests[one]) if one in manifests else None
        if recorded is not None:
            totals[prov.code] = recorded.totals
    if not provinces:
        raise ConfigError("không đọc được tỉnh nào", root)
    setup = national_setup(root, templates, provinces)
    paths = output_paths(outputs, setup, period)
    with period_lock(outputs, setup, period):
        intake = rollup_intake(totals, {p.code: p.name for p in provinces})
        # The provinces are the units: no deadlines of their own, no notes, no review of their own.
        collection = collection_of(setup, intake, period, timeliness=False)
        states = collection.states
        figures = figures_for(setup, collection, period)
        trend = trend_for(setup, collection, period)
        context = context_for(setup, collection, figures, period, job.report_date, job.number, trend)
        note = VersionNote(STARTED_BY, job.report_date, job.number, digest)
        write_documents(setup, collection, figures, period, draw_charts(context), paths, note)
    return Outcome(
        ROLLUP,
        ROLLUP_NAME,
        "written",
        time.perf_counter() - start,
        received=sum(s.state == "received" for s in states),
        expected=len(states),
        documents=tuple(str(p) for p in paths),
        manifest=str(paths[0].with_suffix(".manifest.json")),
    )


def _totals_sha(manifest: Path) -> str:
    """What of a province's manifest the roll-up depends on: its totals (not its generation time)."""
    data = read_manifest(manifest)
    if data is None:
        return file_sha256(manifest)
    text = json.dumps(data.totals, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
