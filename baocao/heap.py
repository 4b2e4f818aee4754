"""The garbage collector around the two things that make the most objects and free few: importing the
libraries of a report (pandas, matplotlib, WeasyPrint...) and WeasyPrint's rendering.

Importing makes about 300,000 long-lived objects, and each full collection walks all of them while the
imports run and afterwards: a quarter of a second of CPU per ``baocao run`` to free 3,000 of them.
"""

from __future__ import annotations

import gc
import importlib
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def settled_imports() -> Iterator[None]:
    """Import with the collector off, then freeze what exists (the modules and their objects: no collection
    walks them again). Once per process, before its work: whatever is garbage at that moment (the imports
    leave about 3,000 objects in cycles) stays until the process exits."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def import_settled(module: str) -> None:
    """Import ``module`` (and all it imports) settled: a worker process's initializer. This module imports
    nothing heavy, so that a spawned worker reaches it before the libraries."""
    with settled_imports():
        importlib.import_module(module)


_settled: set[str] = set()


def settled_once(module: str) -> None:
    """``import_settled(module)`` the first time a process asks: for worker processes that others start
    (Prefect's process pool, Dask), where no initializer of ours runs before the first task."""
    if module not in _settled:
        _settled.add(module)
        import_settled(module)


@contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection while WeasyPrint renders: it makes hundreds of thousands of objects, and each
    full collection would walk every module, DataFrame and string the process holds as well (1.2x on the
    PDF when those were frozen instead, 1.28x with the collector off). What the rendering leaves in
    reference cycles (about 55,000 objects, 5 MB for the sample report) waits for the next collection."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
