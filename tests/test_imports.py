"""Every module of ``baocao/`` and ``flows/`` imports on its own, the project's modules import one another
without a cycle, and the light commands start without the heavy libraries.

The graph is read from the source (module-level ``import`` statements, ``if TYPE_CHECKING:`` blocks included:
an annotation that needs a caller's type is an arrow pointing up all the same). Importing ``a.b.c`` runs
``a/b/__init__.py`` first, so it is an arrow to ``a.b`` as well, unless the importing module lives in that
package (whose ``__init__`` is then already running).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("baocao", "flows")
# None left: a cycle found later is named here only with the issue that removes it.
KNOWN_CYCLES: set[frozenset[str]] = set()


def module_files() -> dict[str, Path]:
    """Every module of the project's packages, by dotted name."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = module_files()


def _module_level(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """Import statements that run (or are type-checked) at import time: not those inside functions."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If | ast.Try):
            blocks = [node.body, node.orelse]
            if isinstance(node, ast.Try):
                blocks += [h.body for h in node.handlers] + [node.finalbody]
            for block in blocks:
                yield from _module_level(block)


def _with_packages(importer: str, target: str) -> set[str]:
    """``target`` and the packages importing it runs first, within the project."""
    parts = target.split(".")
    out = {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
    own = importer if MODULES[importer].name == "__init__.py" else importer.rpartition(".")[0]
    return {m for m in out if m in MODULES and not (own == m or own.startswith(m + "."))}


def imports_of(name: str) -> set[str]:
    """The project modules that module ``name`` imports at module level."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in _module_level(tree.body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found |= _with_packages(name, alias.name)
            continue
        base = node.module or ""
        if node.level:
            package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
            for _ in range(node.level - 1):
                package = package.rpartition(".")[0]
            base = f"{package}.{base}" if base else package
        found |= _with_packages(name, base)
        for alias in node.names:
            if f"{base}.{alias.name}" in MODULES:  # ``from pkg import module``
                found |= _with_packages(name, f"{base}.{alias.name}")
            elif base in MODULES:  # a name defined by the package's __init__: an arrow to it
                found.add(base)
    found.discard(name)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return out


def test_the_import_graph_is_read_from_the_source() -> None:
    graph = {name: imports_of(name) for name in MODULES}
    assert "baocao.intake.rules" in graph["baocao.intake"]
    assert "baocao.intake" not in graph["baocao.intake.rules"]  # its own package: already running
    assert "baocao.intake" in graph["baocao.store"]  # from baocao.intake import Submission
    assert {"baocao.intake", "baocao.intake.read"} <= graph["baocao.held"]  # the package runs first
    # A cycle is found where there is one.
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles() -> None:
    graph = {name: imports_of(name) for name in MODULES}
    found = cycles(graph)
    assert [c for c in found if frozenset(c) not in KNOWN_CYCLES] == [], f"import cycles: {found}"
    gone = KNOWN_CYCLES - {frozenset(c) for c in found}
    assert not gone, f"no longer a cycle, remove it from KNOWN_CYCLES: {[sorted(c) for c in gone]}"


IMPORT_EACH = """
import importlib, json, os, sys
names, outside = json.loads(sys.argv[1]), json.loads(sys.argv[2])
for statement in outside:  # run once here, not per module: only the project's own modules are at stake
    try:
        exec(statement, {})
    except ImportError:
        pass
assert not any(m.split(".")[0] in ("baocao", "flows") for m in sys.modules)
failed = []
for name in names:
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # a fresh interpreter as far as the project is concerned
        os.close(read)
        try:
            importlib.import_module(name)
        except BaseException as exc:
            os.write(write, f"{name}: {type(exc).__name__}: {exc}".encode())
            os._exit(1)
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        message = pipe.read()
    _, status = os.waitpid(child, 0)
    if status:
        failed.append(message or f"{name}: exit status {status}")
print("\\n".join(failed))
"""


def outside_imports() -> list[str]:
    """The module-level import statements of libraries outside the project, as source lines."""
    found = set()
    for path in MODULES.values():
        for node in _module_level(ast.parse(path.read_text(encoding="utf-8")).body):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if isinstance(node, ast.ImportFrom) and node.level:
                continue
            if not any(n.split(".")[0] in (*PACKAGES, "__future__") for n in names):
                found.add(ast.unparse(node))
    return sorted(found)


@pytest.mark.slow
def test_every_module_imports_on_its_own() -> None:
    """Each module in a process of its own (forked after the outside libraries are loaded, which keeps this
    fast): ``import baocao.quality`` alone used to fail on a cycle with ``baocao.intake``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    arguments = [json.dumps(sorted(MODULES)), json.dumps(outside_imports())]
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_EACH, *arguments], capture_output=True, text=True, cwd=ROOT, env=env
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"modules that do not import alone:\n{done.stdout}"


# What a command may not load if it does not use it: the renderers, Prefect, the data frames, the XLSX writers.
HEAVY = {
    "prefect",
    "weasyprint",
    "matplotlib",
    "docxtpl",
    "docx",
    "pandas",
    "numpy",
    "openpyxl",
    "xlsxwriter",
}
SAMPLE_FILE = ROOT / "inputs" / "lao-cai" / "submissions" / "2024-Q2" / "BATXAT.xlsx"

RECORD_MODULES = """
import atexit, json, sys
record = sys.argv[1]
def write():
    with open(record, "w") as out:
        json.dump(sorted({name.split(".")[0] for name in sys.modules}), out)
atexit.register(write)
sys.argv = ["baocao", *sys.argv[2:]]
from baocao.cli import app
app()
"""


def loaded_by(tmp_path: Path, *arguments: str) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """Run ``baocao ARGUMENTS`` in a fresh interpreter; the top-level packages it loaded, and the run."""
    record = tmp_path / "modules.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", RECORD_MODULES, str(record), *arguments],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )
    return set(json.loads(record.read_text())), done


def test_help_loads_no_heavy_library(tmp_path: Path) -> None:
    loaded, done = loaded_by(tmp_path, "--help")
    assert done.returncode == 0, done.stderr
    assert "check" in done.stdout and "review" in done.stdout  # every command is listed all the same
    assert loaded & HEAVY == set()


def test_check_loads_no_renderer_prefect_or_pandas(tmp_path: Path) -> None:
    loaded, done = loaded_by(tmp_path, "check", str(SAMPLE_FILE))
    assert done.returncode == 0, done.stderr
    assert "BATXAT 2024-Q2): hợp lệ, 40 chỉ tiêu" in done.stdout
    assert loaded & HEAVY == set()


@pytest.mark.slow
def test_run_without_prefect_never_imports_prefect(tmp_path: Path) -> None:
    arguments = ("run", "--no-prefect", "--period", "2024-Q2", "--date", "2024-07-10")
    loaded, done = loaded_by(tmp_path, *arguments, "--outputs", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "lao-cai" / "2024-Q2" / "BC-2024-Q2-STTTT.pdf").is_file()
    assert "prefect" not in loaded
    assert {"weasyprint", "pandas"} <= loaded  # the record is of this run: it rendered
