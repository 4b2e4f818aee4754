"""The prefilled submission form of a unit for a quarter: what `baocao template` writes and the portal serves."""

from __future__ import annotations

from pathlib import Path

from baocao.collection import collect_for
from baocao.intake.form import FormContent, form_filename, write_form
from baocao.periods import Period
from baocao.setup import Setup


def forms_folder(outputs: Path, setup: Setup, quarter: Period) -> Path:
    """Where a quarter's forms are written: ``<outputs>/<province>/forms/<quarter>/``."""
    return outputs / setup.slug / "forms" / quarter.code


def unit_forms(setup: Setup, quarter: Period, units: list[str], folder: Path) -> list[Path]:
    """Write each unit's workbook for ``quarter``, the previous quarter's accepted figures shown beside."""
    previous_quarter = quarter.previous_quarters(2)[0]
    last = collect_for(setup, previous_quarter).accepted
    paths = []
    for code in units:
        unit = setup.province.unit(code)
        before = last.get((code, previous_quarter.code))
        content = FormContent(previous=before.values if before else {})
        paths.append(
            write_form(folder / form_filename(unit), setup.catalogue, setup.province, unit, quarter, content)
        )
    return paths
