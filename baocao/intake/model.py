"""What intake produces: submissions, their notes, and findings about them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from baocao.errors import Location
from baocao.intake.layout import DeptNoteSection, NoteSection
from baocao.periods import VIETNAM

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Expected:
    """What a file's place says about it: the unit (file name) and quarter (folder), when known."""

    unit: str | None = None
    period: str | None = None


@dataclass(frozen=True)
class Note:
    """One line of a unit's notes: section, text, optional field code."""

    section: NoteSection
    text: str
    field: str | None = None


@dataclass(frozen=True)
class Finding:
    """A problem found in a submission: errors set it aside, warnings are reported."""

    severity: Severity
    where: Location
    message: str
    codes: tuple[str, ...] = ()  # the figures it questions: a warning on them holds them out of the totals
    note: str = ""  # why, as a clause for the report's prose ("mức thường thấy của đơn vị khoảng 3.668 bản")

    def __str__(self) -> str:
        label = "Lỗi" if self.severity == "error" else "Lưu ý"
        return f"{label} – {self.where.describe()}: {self.message}"


@dataclass(frozen=True)
class Submission:
    """One unit's figures and notes for one quarter, as read from one file (frozen: the stages after reading
    make new ones with ``dataclasses.replace``, so what was collected is never changed under them)."""

    path: Path
    unit: str | None
    period: str | None
    values: Mapping[str, float] = field(default_factory=dict)  # a dict never changed after reading
    estimates: frozenset[str] = frozenset()
    notes: tuple[Note, ...] = ()
    person: str | None = None
    prepared_on: date | None = None
    received_at: datetime | None = None
    sha256: str | None = None
    findings: tuple[Finding, ...] = ()
    # CSV: the file's physical lines (0-based: header, then this unit's records) this submission was read
    # from, so that the store keeps a unit's part of a multi-unit file as the very lines it sent.
    source_lines: tuple[int, ...] = ()

    def with_findings(self, extra: Iterable[Finding]) -> Submission:
        """The same submission with more findings (a new object; this one is unchanged)."""
        added = tuple(extra)
        return replace(self, findings=self.findings + added) if added else self

    @property
    def errors(self) -> list[Finding]:
        """Findings that set the submission aside."""
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        """Findings that are reported but do not set the submission aside."""
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def received_on(self) -> date | None:
        """When it arrived: the store's receipt time if known, else the date the unit wrote on the form."""
        return self.received_at.astimezone(VIETNAM).date() if self.received_at else self.prepared_on

    @property
    def accepted(self) -> bool:
        """Whether the submission has no error and names a unit and a period."""
        return not self.errors and self.unit is not None and self.period is not None


@dataclass
class SubmissionDraft:
    """A submission while its file is read (the readers fill it in); ``freeze()`` gives the Submission."""

    path: Path
    unit: str | None
    period: str | None
    values: dict[str, float] = field(default_factory=dict)
    estimates: set[str] = field(default_factory=set)
    notes: list[Note] = field(default_factory=list)
    person: str | None = None
    prepared_on: date | None = None
    findings: list[Finding] = field(default_factory=list)
    source_lines: tuple[int, ...] = ()

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

    def freeze(self) -> Submission:
        return Submission(
            path=self.path,
            unit=self.unit,
            period=self.period,
            values=dict(self.values),
            estimates=frozenset(self.estimates),
            notes=tuple(self.notes),
            person=self.person,
            prepared_on=self.prepared_on,
            findings=tuple(self.findings),
            source_lines=self.source_lines,
        )


# received: every quarter of the period accepted; partial: some; rejected/missing: none (some files set aside /
# nothing sent).
UnitStateName = Literal["received", "partial", "missing", "rejected"]


@dataclass(frozen=True)
class UnitState:
    """Whether a unit's submissions for a report's period arrived and were accepted."""

    unit: str
    state: UnitStateName
    reasons: tuple[Finding, ...] = ()  # the errors that set its files of the period aside
    files: tuple[str, ...] = ()
    warnings: tuple[Finding, ...] = ()  # warnings on the submission as a whole (not on one figure)
    late: bool = False
    missing_quarters: tuple[str, ...] = ()  # quarters of the period with nothing sent
    rejected_quarters: tuple[str, ...] = ()  # quarters whose files were all set aside for errors
    late_quarters: tuple[str, ...] = ()  # quarters whose accepted file came after the deadline


QuarterState = Literal["on_time", "late", "undated", "missing", "rejected"]


@dataclass(frozen=True)
class QuarterStatus:
    """One unit's submission for one quarter: which file, when, against which deadline, in what state."""

    unit: str
    quarter: str
    state: QuarterState
    deadline: date
    file: str | None = None
    received_on: date | None = None
    estimates: int = 0
    warnings: int = 0
    errors: tuple[Finding, ...] = ()
    remarks: tuple[str, ...] = ()
    days_late: int = 0  # working days after the deadline (0 unless late)


@dataclass(frozen=True)
class Proposal:
    """A proposal of the department, to whom it is addressed ('UBND tỉnh', 'Bộ Thông tin và Truyền thông')."""

    text: str
    addressee: str | None = None
    field: str | None = None


@dataclass(frozen=True)
class Task:
    """A task for the next period: who leads it (đơn vị chủ trì) and by when (thời hạn)."""

    text: str
    owner: str | None = None
    deadline: date | None = None
    field: str | None = None


@dataclass(frozen=True)
class DepartmentReport:
    """The department's own work for a period: its figures, notes, proposals and next tasks.

    ``notes`` maps (section, field code or None) to texts in the order written; sections are 'results'
    (kết quả), 'limitations' (tồn tại, hạn chế) and 'causes' (nguyên nhân). Figures are the province's.
    """

    period: str
    figures: Mapping[str, float] = field(default_factory=dict)
    estimates: frozenset[str] = frozenset()
    notes: Mapping[tuple[DeptNoteSection, str | None], tuple[str, ...]] = field(default_factory=dict)
    proposals: tuple[Proposal, ...] = ()
    tasks: tuple[Task, ...] = ()
    person: str | None = None
    prepared_on: date | None = None
    quarters: tuple[str, ...] = ()  # the quarters read (one for a quarter's workbook)
    missing_quarters: tuple[str, ...] = ()  # quarters of the period without a usable workbook
    incomplete: frozenset[str] = frozenset()  # figures lacking one of the period's quarters
    files: tuple[str, ...] = ()
    quarter_figures: tuple[Mapping[str, float], ...] = ()  # each quarter's own figures, in a merged report

    def section_notes(self, section: DeptNoteSection) -> list[tuple[str | None, str]]:
        """(field code or None, text) of one section, fields in the order first written."""
        return [(f, text) for (s, f), texts in self.notes.items() if s == section for text in texts]
