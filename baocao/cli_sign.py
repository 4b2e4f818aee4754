"""``baocao sign`` and ``baocao verify``: PAdES signatures on a report's PDF, and their check.

Each command imports pyHanko when it runs (see baocao/cli_base.py). PINs are asked at the prompt, hidden,
when neither their environment variable nor their secret file has them; they are never printed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from baocao.cli_base import InputsOption, fail, out
from baocao.errors import BaocaoError
from baocao.paths import SAMPLE_INPUTS

if TYPE_CHECKING:
    from baocao.issuing import Issue
    from baocao.province import Province
    from baocao.sign import Role

PdfArgument = Annotated[Path, typer.Argument(help="Tệp PDF.", exists=True, dir_okay=False)]


class SignAs(StrEnum):
    """Which signatures ``baocao sign`` adds."""

    signer = "signer"
    agency = "agency"
    both = "both"


def ask_hidden(prompt: str) -> str:
    """A PIN typed at the terminal, not echoed."""
    return str(typer.prompt(prompt, hide_input=True))


def asker() -> Callable[[str], str] | None:
    """ask_hidden on a terminal; None when input is piped (a scheduled run has no one to ask)."""
    return ask_hidden if sys.stdin.isatty() else None


def ask_pins(province: Province, folder: Path) -> None:
    """On a terminal, ask for each configured key's PIN that neither its variable nor its file gives, and
    keep it in this process's environment only, where the run's signing step reads it."""
    from baocao.keys import pin_for
    from baocao.signing import BOTH, sources_for

    ask = asker()
    if ask is None:
        return
    try:
        sources = sources_for(province, folder, BOTH)
    except BaocaoError:
        return  # not configured: the run says so, and writes the documents unsigned
    for source in sources.values():
        if not os.environ.get(source.pin_env) and source.pin_file is None:
            pin = pin_for(source, {}, ask)
            if pin:
                os.environ[source.pin_env] = pin


def ask_pins_of_all(root: Path) -> None:
    """``baocao run --all --sign``: ask_pins for each province under ``root`` whose keys are configured,
    except those whose PIN variable another province's key shares (the run does not sign them)."""
    from baocao.national import province_folders
    from baocao.province import load_province
    from baocao.signing import keys_configured, pin_clashes

    folders = province_folders(root)
    clashes = pin_clashes(folders)
    for folder in folders:
        try:
            province = load_province(folder / "province.yaml")
        except BaocaoError:
            continue  # the run reports it
        if folder.name not in clashes and keys_configured(province):
            ask_pins(province, folder)


def sign(
    file: PdfArgument,
    inputs: InputsOption = SAMPLE_INPUTS,
    pkcs11_module: Annotated[
        Path | None,
        typer.Option(help="Thư viện PKCS#11 của thiết bị ký số (.so); mặc định: theo province.yaml."),
    ] = None,
    slot: Annotated[
        int | None, typer.Option(help="Với --pkcs11-module: khe (slot), 0 là khe đầu tiên.", min=0)
    ] = None,
    key_label: Annotated[str | None, typer.Option(help="Nhãn của khóa trên thiết bị ký số.")] = None,
    pkcs12: Annotated[
        Path | None, typer.Option(help="Tệp PKCS#12 (.p12, .pfx) thay cho thiết bị ký số.", dir_okay=False)
    ] = None,
    sign_as: Annotated[
        SignAs,
        typer.Option("--as", help="signer (lãnh đạo ký), agency (văn thư đóng dấu) hoặc both (cả hai)."),
    ] = SignAs.both,
    annex: Annotated[
        bool, typer.Option(help="Phụ lục ban hành thành tệp riêng: chữ ký số của cơ quan, không có hình.")
    ] = False,
    number: Annotated[
        str | None,
        typer.Option(
            help="Với --as agency (hoặc both): số văn bản do văn thư cấp, ví dụ 17, ghi vào chỗ trống "
            "'Số: …' của báo cáo. Với --annex: số của văn bản, ví dụ 05/BC-STTTT."
        ),
    ] = None,
    issue_date: Annotated[
        str | None,
        typer.Option(
            "--date", help="Với --number: ngày ban hành, YYYY-MM-DD; đối chiếu với ngày in trên báo cáo."
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            help="Ghi tệp PDF đã ký vào đây; mặc định: tại chỗ (báo cáo của một kỳ thành lần lập mới)."
        ),
    ] = None,
) -> None:
    """Sign a report's PDF (PAdES): the leader's signature image, then the agency's seal (and number).

    A kept version's PDF (the period's latest, or one in versions/N/) is signed into the period's next
    version, which becomes the latest set; the kept files are never rewritten."""
    from baocao.cli_versions import cli_user
    from baocao.province import load_province
    from baocao.signing import BOTH, Signers, sign_annex_file, sign_kept, sources_for

    if pkcs11_module is not None and pkcs12 is not None:
        fail("give --pkcs11-module or --pkcs12, not both")
    province = load_province(inputs / "province.yaml")
    ask = asker()
    target = output or file
    if annex:
        if not number:
            fail("--annex needs --number (the number of the document the annex belongs to)")
            return
        (source,) = sources_for(
            province, inputs, ["agency"], pkcs12=pkcs12, module=pkcs11_module, slot=slot, key_label=key_label
        ).values()
        sign_annex_file(file, province, number, source, ask=ask, target=target)
        out.print(f"đã ký số phụ lục (cơ quan): {target}", highlight=False)
        return
    roles: tuple[Role, ...] = (
        BOTH if sign_as is SignAs.both else ("signer",) if sign_as is SignAs.signer else ("agency",)
    )
    issue = issue_of(number, issue_date)
    if issue is not None and "agency" not in roles:
        fail("--number is the văn thư's: it goes with the agency's signature (--as agency or --as both)")
    sources = sources_for(
        province, inputs, roles, pkcs12=pkcs12, module=pkcs11_module, slot=slot, key_label=key_label
    )
    who = ", ".join({"signer": "lãnh đạo", "agency": "cơ quan"}[r] for r in roles)
    signed, version = sign_kept(
        file,
        province,
        inputs,
        Signers(roles, sources, ask),
        issue=issue,
        started_by=cli_user(),
        target=output,
    )
    kept = f"; lưu thành lần {version} (baocao versions)" if version is not None else ""
    numbered = f"; số {issue.text}" if issue is not None else ""
    out.print(f"đã ký số ({who}){numbered}: {signed}{kept}", highlight=False)


def issue_of(number: str | None, issue_date: str | None) -> Issue | None:
    """The văn thư's number and date of issue from the command line (None without a number)."""
    from datetime import date

    from baocao.issuing import Issue

    if number is None:
        if issue_date is not None:
            fail("--date goes with --number (the date of issue is checked when the văn thư numbers)")
        return None
    if not number.isdigit() or int(number) < 1:
        fail(f"--number {number}: the number of issue is a whole number, e.g. 17 (for Số: 17/BC-...)")
    try:
        when = date.fromisoformat(issue_date) if issue_date else None
    except ValueError:
        fail(f"--date {issue_date}: cần ngày dạng YYYY-MM-DD, ví dụ 2025-01-05")
        return None
    return Issue(int(number), when)


def verify(
    file: PdfArgument,
    inputs: Annotated[
        Path | None,
        typer.Option(
            "--inputs",
            help="Thư mục tỉnh có signing.trust_roots dùng làm chứng thư gốc tin cậy.",
            file_okay=False,
        ),
    ] = None,
    trust: Annotated[
        list[Path] | None,
        typer.Option(help="Chứng thư gốc tin cậy (PEM hoặc DER); ghi nhiều lần được.", exists=True),
    ] = None,
) -> None:
    """Check every signature of a PDF; exit status 0 only if all are valid (no online revocation check)."""
    from baocao.province import load_province
    from baocao.signing import checks_of, trust_root_paths
    from baocao.verify import report_lines

    folder = inputs or SAMPLE_INPUTS
    province = load_province(folder / "province.yaml") if (folder / "province.yaml").is_file() else None
    checks = checks_of(file, trust_root_paths(province, folder, trust or []))
    for line in report_lines(checks):
        out.print(line, highlight=False, markup=False)
    if not checks or not all(c.ok for c in checks):
        raise typer.Exit(code=1)
