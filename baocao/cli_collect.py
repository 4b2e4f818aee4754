"""``baocao check``, ``template``, ``collect`` and ``status``: the intake side, before any report is made.

Blank forms go out (template), files come in (collect), are checked (check) and counted (status). Each
command imports what it works with when it runs (see baocao/cli_base.py).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from baocao.cli_base import InputsOption, OutputsOption, fail, out, period_of
from baocao.errors import BaocaoError
from baocao.paths import DEFAULT_OUTPUTS, SAMPLE_INPUTS
from baocao.periods import Period

if TYPE_CHECKING:
    from baocao.setup import Setup


def check(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Tệp báo cáo của đơn vị (.xlsx hoặc .csv) hoặc mẫu của Sở.", exists=True, dir_okay=False
        ),
    ],
    inputs: Annotated[
        Path | None,
        typer.Option(
            "--inputs", help="Thư mục của tỉnh; mặc định: thư mục chứa tệp, nếu không có thì tỉnh mẫu."
        ),
    ] = None,
) -> None:
    """Check submission files without running a report; exit status 1 if any has an error."""
    from baocao.intake import read_file_safely
    from baocao.intake.read import expected_from_path
    from baocao.setup import load_setup

    failed = False
    for path in files:
        try:
            setup = load_setup(inputs or _province_of(path))
        except BaocaoError as exc:
            fail(str(exc))
            return
        if _is_department_workbook(path):
            failed |= _check_department(path, setup)
            continue
        units = set(setup.province.unit_codes)
        expected = expected_from_path(path, units)
        for sub in read_file_safely(path, setup.catalogue, units, expected, rules=setup.rules.rules):
            label = f"{sub.unit or '?'} {sub.period or '?'}"
            if sub.errors:
                failed = True
                out.print(
                    f"[red]✗[/] {path} ({label}): {len(sub.errors)} lỗi, {len(sub.warnings)} lưu ý",
                    highlight=False,
                )
            else:
                out.print(
                    f"[green]✓[/] {path} ({label}): hợp lệ, {len(sub.values)} chỉ tiêu, "
                    f"{len(sub.warnings)} lưu ý",
                    highlight=False,
                )
            for finding in sub.findings:
                out.print(f"    {finding}", highlight=False)
    if failed:
        raise typer.Exit(code=1)


def _is_department_workbook(path: Path) -> bool:
    """Whether ``path`` is the department's own workbook (in a province's department/ folder, or with its
    sheet), which `check` reads as a report does rather than as a unit's submission."""
    if path.suffix.lower() != ".xlsx":
        return False
    if path.parent.name == "department" and (path.parent.parent / "province.yaml").is_file():
        return True
    from python_calamine import CalamineWorkbook

    from baocao.intake.layout import SHEET_DEPT_DATA

    try:
        return SHEET_DEPT_DATA in CalamineWorkbook.from_path(str(path)).sheet_names
    except Exception:  # not a readable workbook: the unit checks below say why
        return False


def _check_department(path: Path, setup: Setup) -> bool:
    """Check the department's workbook and print what a report would find; True if it has an error."""
    from baocao.intake.department import read_department

    report, findings = read_department(path, setup.catalogue, setup.province)
    errors = [f for f in findings if f.severity == "error"]
    warnings = len(findings) - len(errors)
    label = f"Sở, {Period.parse(report.period).label}" if report else "Sở"
    if report is None or errors:
        out.print(f"[red]✗[/] {path} ({label}): {len(errors)} lỗi, {warnings} lưu ý", highlight=False)
    else:
        out.print(
            f"[green]✓[/] {path} ({label}): hợp lệ, {len(report.figures)} chỉ tiêu, {warnings} lưu ý",
            highlight=False,
        )
    for finding in findings:
        out.print(f"    {finding}", highlight=False)
    return report is None or bool(errors)


def _province_of(path: Path) -> Path:
    for parent in path.resolve().parents:
        if (parent / "province.yaml").is_file():
            return parent
    return SAMPLE_INPUTS


def template(
    period: Annotated[str, typer.Option(help="Quý của mẫu báo cáo, ví dụ 2024-Q3.")],
    inputs: InputsOption = SAMPLE_INPUTS,
    outputs: OutputsOption = DEFAULT_OUTPUTS,
    unit: Annotated[
        list[str] | None, typer.Option(help="Chỉ các mã đơn vị này (ghi nhiều lần được).")
    ] = None,
    department: Annotated[
        bool, typer.Option("--department", help="Mẫu báo cáo của Sở thay cho mẫu của các đơn vị.")
    ] = False,
) -> None:
    """Write a blank, prefilled submission workbook per unit for a quarter (or the department's own)."""
    from rich.table import Table

    from baocao.forms import forms_folder, unit_forms
    from baocao.intake.department import department_path
    from baocao.intake.department_form import department_filename, write_department_form
    from baocao.setup import load_setup

    try:
        setup = load_setup(inputs)
        quarter = Period.parse(period)
        if quarter.kind != "quarter":
            raise BaocaoError(f"mẫu báo cáo lập theo quý: ví dụ {quarter.year}-Q{quarter.last_quarter}")
        if not setup.province.reports(quarter):
            raise BaocaoError(
                f"{quarter.label} do các đơn vị cũ báo cáo (trước khi sắp xếp đơn vị hành chính); "
                "mẫu của các đơn vị mới bắt đầu từ quý sau"
            )
        units = [setup.province.unit(u) for u in unit] if unit else list(setup.province.units)
    except KeyError as exc:
        fail(f"không có đơn vị mã {exc}")
        return
    except BaocaoError as exc:
        fail(str(exc))
        return
    folder = forms_folder(outputs, setup, quarter)
    if department:
        path = write_department_form(
            folder / department_filename(setup.province), setup.catalogue, setup.province, quarter
        )
        out.print(f"{path}\nđiền xong, lưu thành {department_path(setup.inputs, quarter)}")
        return
    table = Table("Unit", "File", show_header=True)
    for u, path in zip(units, unit_forms(setup, quarter, [u.code for u in units], folder), strict=True):
        table.add_row(u.full_name, str(path))
    out.print(table)


def _received_at(text: str | None) -> datetime | None:
    from baocao.store import TZ

    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise BaocaoError(f"--received-at cần có dạng YYYY-MM-DDTHH:MM, nhận được {text!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=TZ)


def collect(
    inputs: InputsOption = SAMPLE_INPUTS,
    received_at: Annotated[
        str | None,
        typer.Option(
            help="Thời điểm nhận tệp (YYYY-MM-DDTHH:MM, giờ Việt Nam), nếu không phải bây giờ: "
            "ví dụ thư đến trước hạn nhưng được chép vào sau."
        ),
    ] = None,
    prefect: Annotated[bool, typer.Option(help="Chạy qua Prefect.")] = True,
) -> None:
    """File the inbox: store and publish valid submissions, set the others aside with a feedback file."""
    from baocao.files import check_writable
    from baocao.setup import load_setup
    from baocao.status import held_version
    from baocao.store import process_inbox, store_root

    try:
        setup = load_setup(inputs)
        when = _received_at(received_at)
        for folder in (store_root(inputs), inputs / "submissions"):
            check_writable(folder, [])  # now, not inside Prefect, whose log would show a traceback
        if prefect:
            from flows.collect import collect_inbox

            result = collect_inbox(inputs=inputs, received_at=when)
        else:
            result = process_inbox(
                setup.inputs, setup.catalogue, setup.province, now=when, rules=setup.rules.rules
            )
    except BaocaoError as exc:
        fail(str(exc))
        return
    for version in result.accepted:
        out.print(f"[green]✓[/] {version.original_name} → {version.unit} {version.quarter}", highlight=False)
    for moved, feedback in result.rejected:
        out.print(f"[red]✗[/] {moved.name}: xem {feedback}", highlight=False)
    for name in result.duplicates:
        out.print(f"= {name}: đã nhận trước đó", highlight=False)
    for version in result.held:
        out.print(
            f"[yellow]?[/] {version.original_name} → {version.unit} {version.quarter}: {held_version(setup.phrases)}"
        )
    if not (result.accepted or result.rejected or result.duplicates or result.held):
        out.print(f"hộp thư đến trống: {inputs / 'inbox'}", highlight=False)


def status(
    period: Annotated[
        str | None, typer.Option(help="Kỳ báo cáo; mặc định: quý gần nhất đã có báo cáo.")
    ] = None,
    inputs: InputsOption = SAMPLE_INPUTS,
) -> None:
    """Who has sent, on time or late, who is missing, whose file was rejected."""
    from rich.table import Table

    from baocao.held import held_versions
    from baocao.intake import quarter_statuses
    from baocao.report import collect_for
    from baocao.setup import load_setup
    from baocao.status import arrived, counts_text, held_version, quarter_state

    try:
        setup = load_setup(inputs)
        the_period = period_of(period, setup)
        intake = collect_for(setup, the_period)
    except BaocaoError as exc:
        fail(str(exc))
        return
    rows = quarter_statuses(intake, setup.province, the_period)
    table = Table(
        "Đơn vị",
        "Kỳ",
        "Tệp",
        "Ngày nhận",
        "Hạn gửi",
        "Tình trạng",
        "Số ước",
        "Lưu ý",
        title=f"{setup.province.name} – {the_period.label}",
    )
    for column in table.columns[1:5]:
        column.no_wrap = True
    for row in rows:
        received = f"{row.received_on:%d/%m/%Y}" if row.received_on else "–"
        state = quarter_state(setup.phrases, row)
        name = setup.province.unit(row.unit).full_name
        table.add_row(
            name[:1].upper() + name[1:],
            Period.parse(row.quarter).label,
            row.file or "–",
            received,
            f"{row.deadline:%d/%m/%Y}",
            state,
            str(row.estimates),
            str(row.warnings),
        )
    out.print(table)
    out.print(f"đã nhận {arrived(rows)}/{len(rows)}: {counts_text(setup.phrases, rows)}", highlight=False)
    quarters = {q.code for q in the_period.quarters}
    for held in (h for h in held_versions(setup.inputs) if h.quarter in quarters):
        name = (
            setup.province.unit(held.unit).full_name if held.unit in setup.province.unit_codes else held.unit
        )
        out.print(
            f"  [yellow]{held_version(setup.phrases)}[/] {name}, {Period.parse(held.quarter).label}: tệp {held.original_name} "
            f"nhận {datetime.fromisoformat(held.received_at):%d/%m/%Y} – {held.reason} (mã {held.sha256[:12]})",
            highlight=False,
        )
    for row in rows:
        for error in row.errors[:3]:
            out.print(f"  [red]lỗi[/] {setup.province.unit(row.unit).full_name}: {error}", highlight=False)
        for remark in row.remarks[:5]:
            out.print(f"  lưu ý {setup.province.unit(row.unit).full_name}: {remark}", highlight=False)
