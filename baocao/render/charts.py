"""Charts (matplotlib, no pyplot state): chart specs from the context -> PNG, Vietnamese labels and numbers."""

from __future__ import annotations

import base64
import io
from typing import Any

from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from baocao.vietnamese import number

WIDTH_MM = 122  # two side by side on a landscape annex page
MAX_UNITS = 20
_MM = 1 / 25.4
_PAD_IN = 3 / 72  # from the figure's edges to the labels: constrained layout's default padding
_BAR = "#1f4e79"
_HIGHLIGHT = "#c55a11"
# Times New Roman's metric twin first, as in the documents; DejaVu covers Vietnamese if neither is installed.
_RC: dict[str, Any] = {
    "font.family": "serif",
    "font.serif": ["Liberation Serif", "Times New Roman", "DejaVu Serif"],
    "font.size": 8,
}


def _figure(height_mm: float) -> Figure:
    return Figure(figsize=(WIDTH_MM * _MM, height_mm * _MM), dpi=200)


def _ticks(ax: Any) -> tuple[list[float], list[float]]:
    return list(ax.get_xticks()), list(ax.get_yticks())


def _fit(figure: Figure) -> None:
    """Place the chart's axes so that they and their labels fill the figure, 3 pt from each edge.

    That is what ``layout="constrained"`` gives, measured here once from the labels' extents (measured again
    only if the new size changed the ticks): constrained layout measures twice, and savefig then draws the
    whole figure twice, once only to lay it out (1.5x the time for the same picture)."""
    renderer = FigureCanvasAgg(figure).get_renderer()  # type: ignore[no-untyped-call]
    ax = figure.axes[0]
    pad, width, height = _PAD_IN * figure.dpi, figure.bbox.width, figure.bbox.height
    for _ in range(2):
        ticks = _ticks(ax)
        box, frame = ax.get_tightbbox(renderer), ax.get_window_extent(renderer)
        if box is None:
            return
        figure.subplots_adjust(
            left=(frame.x0 - box.x0 + pad) / width,
            right=1 - (box.x1 - frame.x1 + pad) / width,
            bottom=(frame.y0 - box.y0 + pad) / height,
            top=1 - (box.y1 - frame.y1 + pad) / height,
        )
        if _ticks(ax) == ticks:
            return


def _style(ax: Any) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8)


def _units_chart(spec: dict[str, Any]) -> Figure:
    pairs = [(label, value) for label, value in zip(spec["labels"], spec["values"], strict=True)]
    known = sorted((p for p in pairs if p[1] is not None), key=lambda p: p[1])[-MAX_UNITS:]
    missing = [label for label, value in pairs if value is None]
    figure = _figure(max(40, 8 + 5.5 * (len(known) + len(missing))))
    ax = figure.subplots()
    labels = [f"{m} (chưa báo cáo)" for m in missing] + [label for label, _ in known]
    values = [0.0] * len(missing) + [v for _, v in known]
    bars = ax.barh(labels, values, color=_BAR, height=0.6)
    top = max(values) if values else 0
    for bar, value in zip(bars[len(missing) :], values[len(missing) :], strict=True):
        ax.text(
            bar.get_width() + top * 0.01,
            bar.get_y() + bar.get_height() / 2,
            number(value, spec["decimals"]),
            va="center",
            fontsize=8,
        )
    ax.set_xlim(0, top * 1.15 if top else 1)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v, spec["decimals"])))
    ax.set_xlabel(spec["unit"], fontsize=8)
    _style(ax)
    return figure


def _trend_chart(spec: dict[str, Any]) -> Figure:
    figure = _figure(55)
    ax = figure.subplots()
    values = [v if v is not None else 0.0 for v in spec["values"]]
    colors = [_HIGHLIGHT if i in spec["highlight"] else _BAR for i in range(len(values))]
    bars = ax.bar(spec["labels"], values, color=colors, width=0.6)
    top = max(values) if values else 0
    for bar, value in zip(bars, spec["values"], strict=True):
        text = "–" if value is None else number(value, spec["decimals"])
        ax.text(
            bar.get_x() + bar.get_width() / 2,
            bar.get_height() + top * 0.01,
            text,
            ha="center",
            va="bottom",
            fontsize=8,
        )
    ax.set_ylim(0, top * 1.15 if top else 1)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v, spec["decimals"])))
    ax.set_ylabel(spec["unit"], fontsize=8)
    _style(ax)
    return figure


def chart_png(spec: dict[str, Any]) -> bytes:
    """One chart spec (see baocao.context) as PNG bytes."""
    with rc_context(_RC):  # type: ignore[arg-type]
        figure = _units_chart(spec) if spec["kind"] == "units" else _trend_chart(spec)
        _fit(figure)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def with_chart_images(context: dict[str, Any]) -> dict[str, Any]:
    """The context with each chart's PNG added (base64 text, so the context stays plain JSON)."""
    annexes = []
    for annex in context["annexes"]:
        charts = [{**c, "image": base64.b64encode(chart_png(c)).decode("ascii")} for c in annex["charts"]]
        annexes.append({**annex, "charts": charts})
    return {**context, "annexes": annexes}
