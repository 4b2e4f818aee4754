"""Time a province quarter report: each core step in-process, the whole core, and the same through the flow.

    .venv/bin/python benchmarks/report.py [--period 2024-Q2] [--repeat 5]

Prints medians (seconds, wall and CPU), and beside WeasyPrint the time LibreOffice takes to convert the same
DOCX to PDF (when soffice is installed). The flow is timed in Prefect's local ephemeral mode, after one
warm-up run (the first start of the ephemeral server, 8-13 s here, is reported separately).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from baocao.settings import apply_prefect_defaults

apply_prefect_defaults()

from baocao import report as core  # noqa: E402
from baocao.periods import Period  # noqa: E402
from baocao.render.charts import with_chart_images  # noqa: E402
from baocao.render.docx import render_docx  # noqa: E402
from baocao.render.pdf import render_pdf  # noqa: E402

Timing = tuple[float, float | None]  # median wall and CPU seconds (no CPU for a single run)


def timed(fn: Callable[[], Any], repeat: int) -> tuple[Timing, Any]:
    """Median wall and CPU time of ``repeat`` calls, and the last result."""
    times, cpu, result = [], [], None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return (statistics.median(times), statistics.median(cpu)), result


def libreoffice_pdf(docx: Path, out: Path, repeat: int) -> Timing:
    """Median wall and CPU time (LibreOffice's own, a child process) of converting ``docx`` to PDF, after one
    run that makes LibreOffice's profile."""
    command = [
        "soffice",
        f"-env:UserInstallation=file://{out / 'profile'}",
        "--headless",
        "--convert-to",
        "pdf",
        "--outdir",
        str(out),
        str(docx),
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    times, cpu = [], []
    for _ in range(repeat):
        start, before = time.perf_counter(), os.times()
        subprocess.run(command, check=True, capture_output=True, timeout=300)
        after = os.times()
        times.append(time.perf_counter() - start)
        cpu.append(
            after.children_user + after.children_system - before.children_user - before.children_system
        )
    return statistics.median(times), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--period", default="2024-Q2")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-flow", action="store_true", help="skip the Prefect timings")
    args = parser.parse_args()
    period, n = Period.parse(args.period), args.repeat
    out = Path(tempfile.mkdtemp(prefix="baocao-bench-"))
    inputs, templates, when = core.SAMPLE_INPUTS, core.TEMPLATES, date(2024, 7, 5)

    rows: list[tuple[str, Timing]] = []
    t, setup = timed(lambda: core.load_setup(inputs), n)
    rows.append(("load configuration", t))
    t, intake = timed(lambda: core.collection_for(setup, period), n)
    rows.append((f"collect + validate ({len(intake.intake.submissions)} workbooks)", t))
    t, figures = timed(lambda: core.figures_for(setup, intake, period), n)
    rows.append(("aggregate", t))
    t, trend = timed(lambda: core.trend_for(setup, intake, period), n)
    rows.append(("trend (8 quarters)", t))
    t, context = timed(lambda: core.context_for(setup, intake, figures, period, when, None, trend), n)
    rows.append(("report context (narrative)", t))
    t, context = timed(lambda: with_chart_images(context), n)
    charts = sum(len(part.get("charts", ())) for part in [*context["sections"], *context["annexes"]])
    rows.append((f"charts ({charts})", t))
    docx, pdf, xlsx = core.output_paths(out, setup, period)
    t, _ = timed(lambda: render_docx(context, templates / "report.docx", docx), n)
    rows.append(("render DOCX", t))
    t, _ = timed(lambda: render_pdf(context, templates, pdf), n)
    rows.append(("render PDF (WeasyPrint)", t))
    if shutil.which("soffice"):
        rows.append(("  the same DOCX to PDF by LibreOffice", libreoffice_pdf(docx, out / "libreoffice", n)))
    t, _ = timed(lambda: core.write_xlsx(setup, intake, figures, period, xlsx), n)
    rows.append(("write XLSX", t))
    t_core, _ = timed(lambda: core.run_report(core.ReportRequest(inputs, period, out, when)), n)
    rows.append(("whole report, core in-process", t_core))

    if not args.no_flow:
        from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

        from flows.report import ReportForm, province_report

        request = ReportForm(period=period.code, inputs=inputs, outputs=out, report_date=when)

        with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            start = time.perf_counter()
            province_report(bao_cao=request)
            rows.append(("first flow run (starts the ephemeral server)", (time.perf_counter() - start, None)))
            t_flow, _ = timed(lambda: province_report(bao_cao=request), n)
            rows.append(("whole report, through the Prefect flow", t_flow))
            rows.append(("  Prefect's share (flow - core)", (t_flow[0] - t_core[0], None)))

    width = max(len(name) for name, _ in rows)
    print(f"province {setup.province.name}, period {period.code}, median of {n} runs: wall, CPU")
    for name, (wall, cpu) in rows:
        print(f"  {name:<{width}}  {wall:7.3f} s" + ("" if cpu is None else f"  {cpu:7.3f} s"))


if __name__ == "__main__":
    main()
