"""``baocao serve`` and ``deploy``: the scheduled side, on a standing Prefect server or a work pool.

Prefect is imported only when one of these commands runs (see baocao/cli_base.py).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from baocao.cli_base import OutputsOption, fail, out
from baocao.errors import BaocaoError
from baocao.paths import DEFAULT_OUTPUTS, SAMPLE_INPUTS


def serve(
    inputs: Annotated[
        list[Path] | None,
        typer.Option(
            "--inputs", help="Thư mục của tỉnh (ghi nhiều lần được); mặc định: tỉnh mẫu.", file_okay=False
        ),
    ] = None,
    outputs: OutputsOption = DEFAULT_OUTPUTS,
    port: Annotated[
        int | None,
        typer.Option(help="Cổng (port) của máy chủ Prefect trên máy này (mặc định: một cổng còn trống)."),
    ] = None,
    limit: Annotated[int, typer.Option(help="Số lần chạy cùng lúc tối đa.", min=1)] = 2,
    portal_host: Annotated[str, typer.Option(help="Địa chỉ cổng báo cáo web lắng nghe.")] = "127.0.0.1",
    portal_port: Annotated[
        int, typer.Option(help="Cổng (port) của cổng báo cáo web; 0: không mở cổng báo cáo.")
    ] = 8080,
) -> None:
    """Serve the scheduled deployments (reports on deadline days, reminders before them) until stopped.

    Without PREFECT_API_URL, starts a local Prefect server (SQLite) and stops it on exit (Ctrl-C or SIGTERM).
    """
    from baocao.setup import load_setup

    folders = inputs or [SAMPLE_INPUTS]
    try:
        for folder in folders:
            load_setup(folder)
    except BaocaoError as exc:
        fail(str(exc))
        return
    from prefect import serve as prefect_serve
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.schedules import build_deployments, local_server
    from flows.server import announced

    def run_until_stopped(api: str | None) -> None:
        if portal_port:
            _portal_thread(folders, outputs, portal_host, portal_port)
        deployments = build_deployments(folders, outputs, limit=1)
        for deployment in deployments:
            out.print(f"  {deployment.name}", highlight=False)
        prefect_serve(*deployments, limit=limit, print_starting_message=False)

    # Prefect's runner turns SIGTERM into SystemExit: the local server below is stopped either way.
    configured = os.environ.get("PREFECT_API_URL")
    try:
        if configured:
            out.print(f"Prefect API: {configured}", highlight=False)
            run_until_stopped(configured)
            return
        with local_server(port) as api, announced(api):  # `baocao run` finds it there
            # The runner's child processes read the environment; this process reads its settings.
            os.environ["PREFECT_API_URL"] = api
            with temporary_settings(updates={PREFECT_API_URL: api}):
                out.print(f"Prefect UI: {api.removesuffix('/api')}  (dừng bằng Ctrl-C)", highlight=False)
                run_until_stopped(api)
    except (KeyboardInterrupt, SystemExit):
        out.print("đã dừng", highlight=False)


def _portal_thread(folders: list[Path], outputs: Path, host: str, port: int) -> None:
    """Serve the web portal beside the deployments, its reports started through them."""
    import threading

    from baocao.cli_web import portal_app, serve_portal

    app = portal_app(folders, outputs, prefect=True)
    threading.Thread(target=serve_portal, args=(app, host, port), daemon=True, name="portal").start()
    out.print(f"Cổng báo cáo: http://{host}:{port}/", highlight=False)


def deploy(
    work_pool: Annotated[
        str, typer.Option(help="Work pool của Prefect (tạo mới, kiểu process, nếu chưa có).")
    ],
) -> None:
    """Put the province and national flows on a work pool of the Prefect server at PREFECT_API_URL; then
    start `prefect worker start --pool NAME` wherever the provinces should run."""
    if not os.environ.get("PREFECT_API_URL"):
        fail("chưa đặt PREFECT_API_URL: cần một máy chủ Prefect thường trực để triển khai")
    from flows.pool import deploy_to_pool

    for deployment_id in deploy_to_pool(work_pool):
        out.print(f"đã triển khai {deployment_id} trên work pool {work_pool}", highlight=False)
