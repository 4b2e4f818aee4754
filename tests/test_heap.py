"""The garbage collector around imports and rendering: left as it was found, frozen objects kept frozen."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator

import pytest

from baocao.heap import collector_paused, settled_imports


@pytest.fixture
def collector() -> Iterator[None]:
    """The collector on and nothing frozen, before and after the test."""
    gc.unfreeze()
    gc.enable()
    yield
    gc.enable()
    gc.unfreeze()


@pytest.mark.usefixtures("collector")
def test_rendering_pauses_the_collector_and_resumes_it() -> None:
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


@pytest.mark.usefixtures("collector")
def test_rendering_leaves_a_collector_that_was_off_off() -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


@pytest.mark.usefixtures("collector")
def test_settled_imports_freeze_what_was_imported() -> None:
    with settled_imports():
        assert not gc.isenabled()
        made = [[] for _ in range(1000)]  # objects made while "importing"
    assert gc.isenabled() and gc.get_freeze_count() > len(made)


def test_settled_imports_run_no_collection_while_importing() -> None:
    """In a fresh interpreter: importing pandas and matplotlib collects several times (a full collection
    among them), and none inside settled_imports."""
    program = """
import gc
runs = []
gc.callbacks.append(lambda phase, info: phase == "start" and runs.append(info["generation"]))
from baocao.heap import settled_imports
before = len(runs)
with settled_imports():
    import pandas, matplotlib.figure
inside = len(runs) - before
import weasyprint
print(inside, len(runs))
"""
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True).stdout
    inside, after = map(int, out.split())
    assert inside == 0
    assert after > 10  # the import after it, with the collector back on
