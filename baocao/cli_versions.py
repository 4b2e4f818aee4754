"""``baocao versions``: the kept versions of a period's documents (baocao/issued.py), as a table.

Reads the version folders only: no configuration parsed, no heavy library loaded.
"""

from __future__ import annotations

import getpass
import os
from typing import Annotated

import typer

from baocao.cli_base import InputsOption, OutputsOption, fail, out
from baocao.errors import BaocaoError
from baocao.paths import DEFAULT_OUTPUTS, SAMPLE_INPUTS
from baocao.periods import Period


def cli_user() -> str:
    """Who a command-line run records as having started it: "cli:" and $BAOCAO_USER or the login name."""
    try:
        who = os.environ.get("BAOCAO_USER") or getpass.getuser()
    except (KeyError, OSError):  # no login name known (a container without a passwd entry)
        who = "?"
    return f"cli:{who}"


def versions(
    period: Annotated[str, typer.Argument(help="Kỳ báo cáo: 2024-Q2, 2024-H1, 2024-H2, 2024-9M hoặc 2024.")],
    inputs: InputsOption = SAMPLE_INPUTS,
    outputs: OutputsOption = DEFAULT_OUTPUTS,
) -> None:
    """List the kept versions of a period's documents: number, date, signatures, who made them, published,
    mailed."""
    from rich import box
    from rich.table import Table

    from baocao.issued import issued_versions, versions_folder

    try:
        the_period = Period.parse(period)
    except BaocaoError as exc:
        fail(str(exc))
        return
    if not (inputs / "province.yaml").is_file():
        fail(f"{inputs}: không có province.yaml: --inputs phải là thư mục của một tỉnh")
    slug = inputs.resolve().name  # Setup.slug, without parsing the configuration
    kept = issued_versions(outputs, slug, the_period.code)
    folder = versions_folder(outputs, slug, the_period.code)
    if not kept:
        out.print(
            f"chưa có bản lưu nào của báo cáo {the_period.label} ({slug}, trong {folder})", highlight=False
        )
        return
    table = Table(
        "Lần",
        "Số",
        "Ngày",
        "Ký số",
        "Lập lúc",
        "Người chạy",
        "Đã đăng",
        "Đã gửi thư",
        "Tệp",
        title=f"{slug} – {the_period.label}",
        caption=f"Tệp của lần N: {folder}/N/",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    for column in table.columns:
        column.no_wrap = column.header not in ("Người chạy", "Tệp")
    for v in kept:
        table.add_row(
            str(v.version),
            str(v.report_number) if v.report_number is not None else "–",
            f"{v.report_date:%d/%m/%Y}",
            v.signed_text,
            f"{v.made_at:%d/%m/%Y %H:%M}",
            v.started_by or "không rõ",
            "có" if v.published else "–",
            "có" if v.mailed else "–",
            " ".join(kind.upper() for kind in v.documents),
        )
    out.print(table)
