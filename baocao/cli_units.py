"""``baocao units`` and ``baocao crosswalk``: the 2025 unit list (34 provinces, 3,321 communes) and a province's
crosswalk to the units it was made from."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from baocao.cli_base import out


def _number(value: float | None, decimals: int = 0) -> str:
    """A figure with Vietnamese separators, or a dash."""
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def units(
    province: Annotated[
        str | None,
        typer.Argument(help="A province ('Lào Cai', 'lao-cai' or its code): its communes; default: the 34."),
    ] = None,
) -> None:
    """List the administrative units in force since 1 July 2025 (bundled public data, inputs/units-2025)."""
    from rich.table import Table

    from baocao.units import load_country, province_named

    country = load_country()
    since = country.in_force.strftime("%d/%m/%Y")
    if province is None:
        table = Table("Mã", "Tỉnh, thành phố", "Dân số", "Diện tích (km²)", "Số ĐVHC cấp xã", "Hình thành từ")
        for p in country.provinces:
            table.add_row(
                p.code,
                f"{p.kind} {p.name}",
                _number(p.population),
                _number(p.area_km2, 2),
                str(len(p.communes)),
                ", ".join(p.predecessors) if p.merged else "giữ nguyên",
            )
        out.print(table)
        out.print(
            f"{len(country.provinces)} tỉnh, thành phố; {_number(country.commune_count)} đơn vị hành chính cấp xã; "
            f"danh mục có hiệu lực từ {since}.",
            highlight=False,
        )
        return
    found = province_named(country, province)
    table = Table("Mã", "Tên", "Loại", "Dân số", "Diện tích (km²)", "Hình thành từ")
    for c in found.communes:
        parts = [link.old_name + ("" if link.full else " (một phần)") for link in c.links]
        table.add_row(c.code, c.name, c.kind, _number(c.population), _number(c.area_km2, 2), ", ".join(parts))
    out.print(table)
    out.print(
        f"{found.kind.capitalize()} {found.name}: {len(found.communes)} đơn vị hành chính cấp xã; "
        f"danh mục có hiệu lực từ {since}.",
        highlight=False,
    )


def crosswalk(
    province: Annotated[str, typer.Argument(help="A province of 2025 ('Lào Cai', 'lao-cai' or its code).")],
    output: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Tệp cần ghi; mặc định: crosswalk-<tỉnh>.csv tại thư mục hiện tại.", dir_okay=False
        ),
    ] = None,
) -> None:
    """Write the province's crosswalk: which old units make up each new commune, and with what share."""
    from baocao.crosswalk import crosswalk_of, write_crosswalk
    from baocao.units import load_country, province_named, short_name

    country = load_country()
    found = province_named(country, province)
    made = crosswalk_of(country, found)
    target = output or Path(f"crosswalk-{found.code}.csv")
    write_crosswalk(made, target)
    partial = sum(row.link == "partial" for row in made.rows)
    olds = ", ".join(f"{short_name(p)} (cũ)" for p in made.predecessors)
    out.print(
        f"{target}: {len({r.new_code for r in made.rows})} đơn vị cấp xã mới của {found.kind} {found.name}, "
        f"hình thành từ {len({r.old_code for r in made.rows})} đơn vị cấp xã cũ thuộc {olds}; "
        f"{partial} liên kết một phần (trọng số theo dân số, sửa được trong tệp).",
        highlight=False,
    )
    for line in made.unplaced:
        out.print(f"  không xác định được huyện cũ của: {line}", highlight=False)
