"""HTML/PDF renderer: the report context into templates/report.html.j2 + report.css, printed by WeasyPrint."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, select_autoescape
from jinja2.sandbox import SandboxedEnvironment
from weasyprint import HTML, URLFetcher

from baocao.errors import RenderError
from baocao.files import write_bytes_atomic

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
        write_bytes_atomic(target, document.write_pdf(pdf_variant="pdf/a-3b"))
    except OSError as exc:
        raise RenderError(f"could not write {target.name}: {exc}") from exc
    return target
