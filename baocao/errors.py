"""The error hierarchy of baocao.

    BaocaoError                  anything the project raises on purpose
    ├── ConfigError              province.yaml / indicators.yaml / phrases are wrong or missing
    ├── PeriodError              a period string that is not YYYY-Qn, YYYY-H1/H2, YYYY-9M or YYYY
    ├── SubmissionError          a unit's file cannot be read at all (carries file, sheet, cell)
    ├── RenderError              a template or a document writer failed
    └── NotIssuedError           no such kept version of a report, or no such document in it
    └── SigningError             a PDF could not be signed or checked (no token, wrong PIN, unreadable file)

Domain errors carry where the problem is (file, sheet, cell) and a Vietnamese message for the people who
must fix it. They become user-facing text only at the edge (the CLI, the flow).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# Bidirectional controls in a file or sheet name would reorder the message they are quoted in.
_BIDI = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Location:
    """Where in a file a problem is: file, and optionally sheet, cell or row."""

    file: str
    sheet: str | None = None
    cell: str | None = None
    row: int | None = None

    def describe(self) -> str:
        """Vietnamese description of the place, e.g. 'tệp LC01.xlsx, trang "Số liệu", ô E7'."""
        parts = [f"tệp {_BIDI.sub('', self.file)}"]
        if self.sheet:
            parts.append(f'trang "{_BIDI.sub("", self.sheet)}"')
        if self.cell:
            parts.append(f"ô {self.cell}")
        elif self.row is not None:
            parts.append(f"dòng {self.row}")
        return ", ".join(parts)


class BaocaoError(Exception):
    """Base of every error baocao raises on purpose."""


class ConfigError(BaocaoError):
    """The configuration (province, catalogue, phrases) is missing or inconsistent."""

    def __init__(self, message: str, path: Path | str | None = None) -> None:
        self.path = str(path) if path is not None else None
        super().__init__(f"{self.path}: {message}" if self.path else message)


class PeriodError(BaocaoError, ValueError):
    """A period string or date that baocao cannot interpret."""


class SubmissionError(BaocaoError):
    """A submission file cannot be read at all; the message is Vietnamese, for unit staff."""

    def __init__(self, message: str, where: Location) -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where.describe()}: {message}")


class RenderError(BaocaoError):
    """Writing a document (DOCX, PDF, XLSX) failed."""


class NotIssuedError(BaocaoError):
    """The version or the document asked for was never issued (or is not kept)."""


class SigningError(BaocaoError):
    """A PDF could not be signed (no token, wrong PIN, no signature block) or checked; Vietnamese."""
