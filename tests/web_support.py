"""Helpers of the portal's tests: a portal on a copy of the sample province, signed-in clients, real forms
filled with the sample's own figures (openpyxl, not the code under test)."""

from __future__ import annotations

import re
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy.orm import Session

from baocao.web.auth import add_user
from tests.support import DATA_SHEET, openpyxl_figures

PASSWORD = "mat-khau-thu-0123"
SAMPLE_FIGURES = Path(__file__).resolve().parents[1] / "inputs" / "lao-cai" / "submissions" / "2024-Q4"


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def add_accounts(engine: object) -> None:
    """A clerk of Bát Xát, a clerk of Sa Pa and a staff account."""
    with Session(engine) as db:  # type: ignore[call-overload]
        add_user(db, "batxat", PASSWORD, "clerk", "lao-cai", "BATXAT", "Nguyễn Văn An")
        add_user(db, "sapa", PASSWORD, "clerk", "lao-cai", "SAPA")
        add_user(db, "so", PASSWORD, "staff", name="Trần Thị Bình")
        db.commit()


def fill_form(form: Path, unit: str, target: Path, text_at: str | None = None) -> tuple[Path, str | None]:
    """The unit's 2024-Q4 figures typed into its downloaded form; with ``text_at`` (an indicator code), a
    text where that figure's number goes. Returns the file and that figure's cell reference."""
    figures = openpyxl_figures(SAMPLE_FIGURES / f"{unit}.xlsx")
    wb = load_workbook(form)
    ws = wb[DATA_SHEET]
    ws.protection.sheet = False
    where = None
    for row in ws.iter_rows(min_col=2, max_col=2):
        code = row[0].value
        if code in figures:
            ref = f"E{row[0].row}"
            ws[ref] = "mười hai" if code == text_at else figures[code][0]
            if code == text_at:
                where = ref
    wb.save(target)
    return target, where
