"""HTML/PDF renderer: the report context into templates/report.html.j2 + report.css, printed by WeasyPrint."""

from __future__ import annotations

import ctypes.util
import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from baocao.errors import RenderError
from baocao.files import write_bytes_atomic


@contextmanager
def sonames_only() -> Iterator[None]:
    """On Linux, while WeasyPrint loads pango, harfbuzz, fontconfig...: no ``ctypes.util.find_library``.

    WeasyPrint tries several names per library (Windows', macOS', Linux's); for each name that does not load,
    cffi asks find_library, which on Linux spawns ldconfig, gcc and ld (about 200 processes, 0.2 s of CPU
    per import). Each list also holds the library's Linux soname (``libpango-1.0.so.0``), which dlopen loads
    by itself, and find_library would only have answered that same soname: here it answers "not found" at
    once, so cffi moves on to it."""
    if not sys.platform.startswith("linux"):
        yield
        return
    real = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        yield
    finally:
        ctypes.util.find_library = real


with sonames_only():
    from weasyprint import HTML, URLFetcher

HTML_TEMPLATE = "report.html.j2"


class TemplatesOnlyFetcher(URLFetcher):  # type: ignore[misc]
    """Fetches only data: URLs and files inside the templates folder: a report never reaches the network."""

    def __init__(self, root: Path) -> None:
        super().__init__(allowed_protocols=("file", "data"))
        self.root = root.resolve()

    def fetch(self, url: str, headers: Any = None) -> Any:
        if url.startswith("file:"):
            path = Path(unquote(urlsplit(url).path)).resolve()
            if not path.is_relative_to(self.root):
                raise ValueError(f"refusing to read {path}: outside {self.root}")
        return super().fetch(url, headers)


def render_html(context: dict[str, Any], templates: Path) -> str:
    """The report as HTML (escaped, StrictUndefined)."""
    # Sandboxed: a department edits this template; it must not reach Python's internals.
    env = SandboxedEnvironment(
        loader=FileSystemLoader(templates),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    try:
        return env.get_template(HTML_TEMPLATE).render(**context)
    except TemplateError as exc:
        raise RenderError(f"HTML template {HTML_TEMPLATE}: {exc}") from exc


def render_pdf(context: dict[str, Any], templates: Path, target: Path) -> Path:
    """Render the report context to a PDF/A-3b at ``target`` (written atomically)."""
    html = render_html(context, templates)
    document = HTML(
        string=html, base_url=str(templates.resolve()) + "/", url_fetcher=TemplatesOnlyFetcher(templates)
    )
    try:
        with frozen_heap():
            pdf = document.write_pdf(pdf_variant="pdf/a-3b")
        write_bytes_atomic(target, pdf)
    except OSError as exc:
        raise RenderError(f"could not write {target.name}: {exc}") from exc
    return target


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Rendering makes hundreds of thousands of objects, and each full collection of the garbage collector
    would walk every module, DataFrame and string the process already holds (1.2x on the PDF): those are
    moved out of its sight for the rendering, and back after. (A youngest generation of 10,000 objects
    instead of 700 gave 1.4x, for 50 MB more at the peak instead of 29: left out, for national runs' memory.)"""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
