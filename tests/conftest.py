"""Shared fixtures: the real catalogue, the sample province and its real submission files."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from baocao.catalogue import Catalogue, load_catalogue
from baocao.national import NationalRun
from baocao.phrases import Phrases, load_phrases
from baocao.province import Province, load_province
from baocao.report import SAMPLE_INPUTS, TEMPLATES, Setup, load_setup
from baocao.settings import apply_prefect_defaults

apply_prefect_defaults()

RESOURCES = Path(__file__).parent / "resources"


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    """The project's indicator catalogue (templates/indicators.yaml)."""
    return load_catalogue(TEMPLATES / "indicators.yaml")


@pytest.fixture(scope="session")
def province(catalogue: Catalogue) -> Province:
    """The bundled sample province (9 districts of Lào Cai)."""
    return load_province(SAMPLE_INPUTS / "province.yaml", catalogue)


@pytest.fixture(scope="session")
def phrases() -> Phrases:
    """The report's wording (templates/phrases.yaml)."""
    return load_phrases(TEMPLATES / "phrases.yaml")


@pytest.fixture(scope="session")
def sample_setup() -> Setup:
    """Configuration of the sample province, as a run loads it."""
    return load_setup(SAMPLE_INPUTS)


@pytest.fixture(scope="session")
def sample_submissions() -> Path:
    """The sample province's submissions folder (read-only: copy it before changing anything)."""
    return SAMPLE_INPUTS / "submissions"


@pytest.fixture
def sample_inputs_copy(tmp_path: Path) -> Path:
    """A writable copy of the sample province folder, for tests that add or break submissions."""
    target = tmp_path / "lao-cai"
    shutil.copytree(SAMPLE_INPUTS, target)
    return target


class _FailOnWarning(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def weasyprint_warnings_fail(request: pytest.FixtureRequest) -> Iterator[None]:
    """WeasyPrint logs layout and font problems as warnings: in tests they are errors (unless a test is about
    them: @pytest.mark.allow_weasyprint_warnings)."""
    if request.node.get_closest_marker("allow_weasyprint_warnings"):
        yield
        return
    handler = _FailOnWarning()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    if handler.records:
        messages = "; ".join(r.getMessage() for r in handler.records[:5])
        pytest.fail(f"WeasyPrint warned: {messages}")


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect API for the whole session (it starts in about 10 s)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def _hypothesis_profiles() -> None:
    """Fixed examples by default so CI is repeatable; BAOCAO_HYPOTHESIS_RANDOM=1 explores new ones."""
    import os

    from hypothesis import settings

    settings.register_profile("repeatable", derandomize=True, print_blob=True)
    settings.register_profile("explore", derandomize=False, print_blob=True)
    settings.load_profile("explore" if os.environ.get("BAOCAO_HYPOTHESIS_RANDOM") else "repeatable")


_hypothesis_profiles()


HOSTILE_NOTE = "Đề nghị <b>hỗ trợ</b> & {{ 7*7 }} {% if x %}kinh phí{% endif %} ]]> \x07cuối"


@pytest.fixture(scope="session")
def sample_documents(sample_setup: Setup, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The sample's 2024-Q2 report, a hostile proposal added to one unit's notes, as DOCX, PDF and XLSX."""
    from dataclasses import replace
    from datetime import date
    from types import MappingProxyType

    from baocao.intake.model import Note
    from baocao.periods import Period
    from baocao.render.charts import with_chart_images
    from baocao.render.docx import render_docx
    from baocao.render.pdf import render_pdf
    from baocao.report import (
        collect_for,
        collection_of,
        context_for,
        figures_for,
        output_paths,
        trend_for,
        write_xlsx,
    )

    period = Period.parse("2024-Q2")
    intake = collect_for(sample_setup, period)
    key = ("SAPA", "2024-Q2")
    plain = intake.accepted[key]
    hostile = replace(plain, notes=(*plain.notes, Note("proposals", HOSTILE_NOTE)))
    intake = replace(
        intake,
        submissions=tuple(hostile if s is plain else s for s in intake.submissions),
        accepted=MappingProxyType({**intake.accepted, key: hostile}),
    )
    collection = collection_of(sample_setup, intake, period)
    figures = figures_for(sample_setup, collection, period)
    trend = trend_for(sample_setup, collection, period)
    context = with_chart_images(
        context_for(sample_setup, collection, figures, period, date(2024, 7, 5), 5, trend)
    )
    docx, pdf, xlsx = output_paths(tmp_path_factory.mktemp("documents"), sample_setup, period)
    render_docx(context, TEMPLATES / "report.docx", docx)
    render_pdf(context, TEMPLATES, pdf)
    write_xlsx(sample_setup, collection, figures, period, xlsx)
    return {"context": context, "docx": docx, "pdf": pdf, "xlsx": xlsx}


@pytest.fixture(scope="session")
def national_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three provinces of three communes each, five quarters up to 2026-Q2 (read-only: copy to change).
    Shared by the national tests and the Dask test."""
    from benchmarks.national_data import write_national

    root = tmp_path_factory.mktemp("national") / "vn"
    write_national(root, units=9, quarters=5, provinces=3)
    return root


@pytest.fixture(scope="session")
def first_run(
    national_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, NationalRun, list[str]]:
    """One national run of the small set by the embedded engine (no Prefect, no Dask): its outputs folder,
    its NationalRun and the folders its progress callback was called with, in order. Read-only."""
    from datetime import date

    from baocao.national_run import run_national
    from baocao.periods import Period

    out = tmp_path_factory.mktemp("national-out")
    seen: list[str] = []
    run = run_national(
        national_root,
        Period.parse("2026-Q2"),
        out,
        date(2026, 7, 10),
        workers=2,
        on_done=lambda o: seen.append(o.folder),
    )
    return out, run, seen
