"""Reading one submission file (Excel workbook or CSV) into checked submissions.

Nothing here raises for bad content: every problem becomes a Finding naming the file, sheet and cell, in
Vietnamese, so that one unit's mistake is reported to that unit and never stops the others.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from pathlib import Path

from baocao.catalogue import Catalogue
from baocao.errors import Location, PeriodError, SubmissionError
from baocao.intake.csvfile import read_csv
from baocao.intake.model import Expected, Finding, Submission
from baocao.intake.workbook import read_workbook
from baocao.periods import Period

EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm"})
SUFFIXES = EXCEL_SUFFIXES | {".csv"}
MAX_FILE_BYTES = 20 * 1024 * 1024

__all__ = [
    "EXCEL_SUFFIXES",
    "SUFFIXES",
    "Expected",
    "expected_from_path",
    "iter_inbox_files",
    "iter_submission_files",
    "read_file",
]


def expected_from_path(path: Path, units: Collection[str]) -> Expected:
    """Unit and quarter implied by ``submissions/<quarter>/<unit>.<ext>``; None where the place says nothing."""
    try:
        period = Period.parse(path.parent.name)
        quarter = period.code if period.kind == "quarter" else None
    except PeriodError:
        quarter = None
    return Expected(unit=path.stem if path.stem in units else None, period=quarter)


def read_file(
    path: Path, catalogue: Catalogue, units: Collection[str], expected: Expected | None = None
) -> list[Submission]:
    """Read and check one file; a CSV may hold several units. Never raises for the file's content."""
    expected = expected or expected_from_path(path, units)
    try:
        if path.is_symlink():
            raise SubmissionError(
                "tệp là một liên kết (symlink) tới nơi khác; chỉ nhận tệp thật", Location(path.name)
            )
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise SubmissionError(
                f"tệp quá lớn ({size // (1024 * 1024)} MB, tối đa {MAX_FILE_BYTES // (1024 * 1024)} MB); "
                "báo cáo của một đơn vị chỉ vài chục KB",
                Location(path.name),
            )
        if path.suffix.lower() == ".csv":
            return read_csv(path, catalogue, units, expected)
        if path.suffix.lower() in EXCEL_SUFFIXES:
            return [read_workbook(path, catalogue, units, expected)]
        raise SubmissionError(
            f"không nhận loại tệp {path.suffix or '(không có phần mở rộng)'}; cần tệp Excel .xlsx hoặc .csv",
            Location(path.name),
        )
    except SubmissionError as exc:
        return [_rejected(path, expected, exc.where, exc.message)]


def _rejected(path: Path, expected: Expected, where: Location, message: str) -> Submission:
    return Submission(
        path=path, unit=expected.unit, period=expected.period, findings=(Finding("error", where, message),)
    )


def iter_submission_files(folder: Path) -> Iterable[Path]:
    """Submission files in a folder, skipping Excel lock files, hidden and partial files."""
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith(("~$", "."))
    )


def iter_inbox_files(folder: Path) -> list[Path]:
    """Every file dropped in an inbox, whatever its name (``..SAPA.xlsx``, ``.x.xlsx``, ``bao cao.doc``): each
    is taken or rejected with feedback, never left behind. Only our own half-written ``.*.part`` files are
    skipped; folders (``rejected/``, ``held/``) are not files."""
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if (p.is_file() or p.is_symlink()) and not (p.name.startswith(".") and p.name.endswith(".part"))
    )
