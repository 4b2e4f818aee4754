"""Shared fixtures: the real catalogue, the sample province and its real submission files."""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
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


def _private_prefect_home() -> None:
    """Each pytest process (each xdist worker) gets a PREFECT_HOME of its own, removed at exit, before Prefect
    is imported: a `baocao serve` the user keeps running (noted in ~/.prefect) is never taken by a test's run,
    parallel workers share no SQLite database, and no PREFECT_API_URL of the caller's shell or profile sends
    the tests' runs to a real server."""
    home = tempfile.mkdtemp(prefix="baocao-test-prefect-")
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    os.environ["PREFECT_HOME"] = home
    os.environ.pop("PREFECT_API_URL", None)
    os.environ.pop("PREFECT_PROFILE", None)


_private_prefect_home()
apply_prefect_defaults()
# The CLI's rich consoles fix their width at import from COLUMNS when it is set (an xdist worker has
# COLUMNS=80): without it they follow the COLUMNS a test gives CliRunner, as in a plain run.
os.environ.pop("COLUMNS", None)
os.environ.pop("LINES", None)

RESOURCES = Path(__file__).parent / "resources"

# --- pytest-xdist (`-n 2 --dist loadfile`, as scripts/test.sh runs the suite) --------------------------------
# Each module runs whole on one worker: its module-scoped fixtures are made once and its tests keep their order
# (test_serve.py stops its server in its last test). The modules that start servers, the Prefect test harness,
# Dask workers or a browser are one unit of work, run one after another on one worker: never two server starts
# or timing-sensitive browser runs at once, and one harness and one national sample per session. A plain
# `pytest` run (no -n) is not affected.
# (`--dist loadgroup` and `xdist_group` marks would say this, but xdist 3.8 groups by rewriting the node id,
# which pytest 9.2 ignores: every test is then a group of its own. The units are made here from the file names.)
SERVERS = "servers"
SERVER_MODULES = frozenset(
    {
        "test_serve.py",  # `baocao serve`: a Prefect server, served deployments, Chromium
        "test_workpool.py",  # PostgreSQL, a Prefect server, two process workers
        "test_postgres.py",  # PostgreSQL, a Prefect server, the portal
        "test_web_browser.py",  # `baocao web` and Chromium
        "test_dask.py",  # a Dask scheduler and two workers, the Prefect harness
        "test_flow.py",  # the Prefect harness
        "test_national.py",  # the Prefect harness; the national sample shared with test_dask.py
        "test_signing.py",  # one test on the Prefect harness
    }
)


def work_unit(nodeid: str) -> str:
    """The unit of work a test belongs to under xdist: its module's file, or the servers unit."""
    path = nodeid.split("::")[0]
    return SERVERS if Path(path).name in SERVER_MODULES else path


@pytest.hookimpl(optionalhook=True)  # an xdist hook: pytest without xdist does not know it
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadfile`, with the server modules as one unit (see above)."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModuleScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    # The work queue in the order pytest_collection_modifyitems gives it, not sorted by test count (which
    # hands out the few long server tests last and leaves the other worker idle at the end).
    config.option.loadscopereorder = False
    return ModuleScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In an xdist worker: the servers unit first (it is the longest), then the modules with the most slow
    tests, then the rest in file order; a module's tests keep their order."""
    if not hasattr(config, "workerinput"):
        return
    slow: dict[str, int] = {}
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        unit = work_unit(item.nodeid)
        first.setdefault(unit, index)
        slow[unit] = slow.get(unit, 0) + (item.get_closest_marker("slow") is not None)

    def order(item: pytest.Item) -> tuple[bool, int, int]:
        unit = work_unit(item.nodeid)
        return (unit != SERVERS, -slow[unit], first[unit])

    items.sort(key=order)  # stable


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
