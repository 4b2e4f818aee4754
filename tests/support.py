"""Test helpers that do not use the code under test: an independent workbook reader and cell editors."""

from __future__ import annotations

import hashlib
import io
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

DATA_SHEET = "Số liệu"


def openpyxl_figures(path: Path) -> dict[str, tuple[float, bool]]:
    """Indicator code -> (value, is_estimate) read straight from a submission with openpyxl."""
    # The same sample workbooks are read by many tests (and copied into many folders): each content is
    # parsed once per session, keyed by its bytes, so a changed file is always read again.
    content = path.read_bytes()
    key = hashlib.sha256(content).hexdigest()
    if key not in _FIGURES:
        _FIGURES[key] = _read_figures(io.BytesIO(content))
    return dict(_FIGURES[key])


_FIGURES: dict[str, dict[str, tuple[float, bool]]] = {}


def _read_figures(workbook: io.BytesIO) -> dict[str, tuple[float, bool]]:
    ws = load_workbook(workbook, read_only=True, data_only=True)[DATA_SHEET]
    out: dict[str, tuple[float, bool]] = {}
    header_seen = False
    for row in ws.iter_rows(values_only=True):
        if not header_seen:
            header_seen = len(row) > 1 and row[1] == "Mã chỉ tiêu"
            continue
        cells = tuple(row) + (None,) * 6  # read-only mode gives short tuples for short rows
        code, value, status = cells[1], cells[4], cells[5]
        if code and value is not None:
            out[str(code)] = (float(value), status == "ước")
    return out


def cell_of(path: Path, code: str, column: str = "E") -> str:
    """The cell reference (e.g. 'E12') of an indicator's value in a submission's data sheet."""
    ws = load_workbook(path)[DATA_SHEET]
    for row in ws.iter_rows(min_col=2, max_col=2):
        if row[0].value == code:
            return f"{column}{row[0].row}"
    raise KeyError(code)


def set_cell(path: Path, sheet: str, ref: str, value: Any) -> None:
    """Overwrite one cell of a workbook in place (what a unit's clerk does by hand)."""
    wb = load_workbook(path)
    ws = wb[sheet]
    ws.protection.sheet = False
    ws[ref] = value
    wb.save(path)


def vn(value: float, decimals: int) -> str:
    """Vietnamese writing of a number, done independently of baocao: '1.234,5' (trailing zeros dropped)."""
    from decimal import ROUND_HALF_UP, Decimal

    quantum = Decimal(1).scaleb(-decimals)
    text = f"{Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP):,.{decimals}f}"
    if decimals:
        text = text.rstrip("0").rstrip(".")
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def docx_text(path: Path) -> str:
    """All paragraph text of a DOCX, body tables included, read with python-docx."""
    from docx import Document

    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def tidy_sheet(path: Path) -> list[dict[str, Any]]:
    """The XLSX's tidy sheet as dicts."""
    ws = load_workbook(path, read_only=True, data_only=True)["Dữ liệu"]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def read_one(path: Path, catalogue: Any, province: Any) -> Any:
    """Read one file as `baocao` does for a submission at its place (one submission expected)."""
    from baocao.intake.read import expected_from_path, read_file

    units = set(province.unit_codes)
    [sub] = read_file(path, catalogue, units, expected_from_path(path, units))
    return sub


def stop_processes(processes: Sequence[subprocess.Popen[bytes]], timeout: float = 30) -> None:
    """SIGTERM each process a fixture started, wait for all, and SIGKILL any still running after ``timeout``."""
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
