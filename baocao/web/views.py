"""Pure: what the portal's pages show, from the project's own statuses, stored versions, held versions and
findings (no I/O, no web framework: the page modules read, these functions shape)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from baocao.held import HeldVersion
from baocao.intake.model import QuarterStatus, Submission
from baocao.periods import VIETNAM, Calendar, Period, latest_period, working_days_late
from baocao.province import Province
from baocao.store import Rejection, StoredVersion

_STAMP = re.compile(r"^\d{8}T\d{6}-")
ACTION_WORDS = {
    "login": "Đăng nhập",
    "login-failed": "Đăng nhập sai",
    "login-refused": "Đăng nhập bị chặn",
    "logout": "Đăng xuất",
    "upload": "Gửi báo cáo",
    "form-download": "Tải mẫu",
    "download": "Tải văn bản",
    "run-start": "Lập báo cáo",
    "run-done": "Báo cáo xong",
    "run-failed": "Báo cáo lỗi",
    "review-accept": "Chấp nhận số liệu",
    "review-reject": "Loại số liệu",
    "held-confirm": "Xác nhận bản chờ",
    "held-reject": "Từ chối bản chờ",
    "remind": "Nhắc đơn vị",
    "remind-failed": "Nhắc đơn vị lỗi",
    "user-add": "Thêm tài khoản",
    "user-reset": "Đặt lại mật khẩu",
}
STATE_WORDS = {
    "on_time": "Đúng hạn",
    "late": "Chậm",
    "undated": "Đã nhận",
    "missing": "Chưa gửi",
    "rejected": "Có lỗi",
    "held": "Chờ xác nhận",
}


@dataclass(frozen=True)
class Cell:
    """One unit's state for one quarter, as a board or a clerk's page shows it."""

    quarter: str
    label: str
    state: str  # a STATE_WORDS key: the css class too
    text: str
    deadline: date
    received_on: date | None = None


def state_text(status: QuarterStatus) -> str:
    """'Đúng hạn', 'Chậm 2 ngày làm việc', 'Chưa gửi', 'Có lỗi'."""
    if status.state == "late":
        return f"Chậm {status.days_late} ngày làm việc"
    return STATE_WORDS[status.state]


def cell_of(status: QuarterStatus, held: Sequence[HeldVersion]) -> Cell:
    """The cell of a quarter status; a version held for confirmation shows on it."""
    label = Period.parse(status.quarter).label
    waiting = [h for h in held if h.unit == status.unit and h.quarter == status.quarter]
    state: str = status.state
    text = state_text(status)
    if waiting:
        state, text = "held", f"{text} · chờ xác nhận" if status.state != "missing" else STATE_WORDS["held"]
    return Cell(status.quarter, label, state, text, status.deadline, status.received_on)


@dataclass(frozen=True)
class BoardRow:
    """One unit's line of the period board."""

    unit: str
    name: str
    cells: tuple[Cell, ...]


def board_rows(
    province: Province, statuses: Sequence[QuarterStatus], held: Sequence[HeldVersion]
) -> list[BoardRow]:
    """Units × quarters of a period, in the province's order."""
    rows = []
    for unit in province.units:
        cells = tuple(cell_of(s, held) for s in statuses if s.unit == unit.code)
        rows.append(BoardRow(unit.code, capitalised(unit.full_name), cells))
    return rows


# Above this many units the board first shows only those with a quarter not on time (a 99-commune board is
# 4,000 pixels long, and staff look for the few that need chasing); a link shows every unit.
BOARD_FOLD = 20
SETTLED = frozenset({"on_time", "undated"})


def rows_to_show(rows: Sequence[BoardRow], every: bool) -> list[BoardRow]:
    """The board's rows: all of them for a small province or when asked, else those needing attention."""
    if every or len(rows) <= BOARD_FOLD:
        return list(rows)
    return [r for r in rows if any(c.state not in SETTLED for c in r.cells)]


def board_counts(rows: Sequence[BoardRow]) -> dict[str, int]:
    """How many cells are in each state."""
    counts = dict.fromkeys(STATE_WORDS, 0)
    for row in rows:
        for cell in row.cells:
            counts[cell.state] += 1
    return counts


def open_quarters(today: date, calendar: Calendar, count: int = 4) -> list[Period]:
    """The quarter in progress and the ``count - 1`` latest ended ones, newest first: what a clerk sends."""
    ended = latest_period("quarter", today, calendar)
    following = (
        Period.quarter(ended.year, ended.first_quarter + 1)
        if ended.first_quarter < 4
        else Period.quarter(ended.year + 1, 1)
    )
    return [following, *reversed(ended.previous_quarters(count - 1))]


@dataclass(frozen=True)
class HistoryRow:
    """One file a unit sent: accepted (a stored version), held, or set aside."""

    quarter: str
    label: str
    received: datetime
    file: str
    outcome: str  # "accepted", "held", "rejected"
    text: str
    kind: str  # "Số ước tính" / "Số thực hiện" / ""
    timeliness: str


def _timeliness(province: Province, quarter: str, received: datetime) -> str:
    due = province.deadline(Period.parse(quarter))
    late = working_days_late(due, received.astimezone(VIETNAM).date(), frozenset(province.holidays))
    return "Đúng hạn" if not late else f"Chậm {late} ngày làm việc"


def unit_history(
    province: Province,
    unit: str,
    versions: Iterable[StoredVersion],
    held: Iterable[HeldVersion],
    rejections: Iterable[Rejection],
) -> list[HistoryRow]:
    """Every file the unit sent, newest first, each against its quarter's deadline."""
    waiting = {h.sha256 for h in held if h.unit == unit}
    rows = []
    for v in versions:
        if v.unit != unit or not v.quarter:
            continue
        pending = v.sha256 in waiting
        rows.append(
            HistoryRow(
                v.quarter,
                Period.parse(v.quarter).label,
                v.received,
                v.original_name,
                "held" if pending else "accepted",
                "Chờ Sở xác nhận" if pending else "Đã nhận",
                f"Số ước tính ({v.estimates} chỉ tiêu)" if v.estimates else "Số thực hiện",
                _timeliness(province, v.quarter, v.received),
            )
        )
    for r in rejections:
        if r.unit != unit:
            continue
        quarter = r.quarter or ""
        received = datetime.fromisoformat(r.received_at)
        rows.append(
            HistoryRow(
                quarter,
                Period.parse(quarter).label if quarter else "–",
                received,
                _STAMP.sub("", r.file.rsplit("/", 1)[-1]),  # the inbox's "<stamp>-" prefix
                "rejected",
                f"Có lỗi ({len(r.errors)})",
                "",
                "",  # a file set aside counts for no deadline
            )
        )
    return sorted(rows, key=lambda r: r.received, reverse=True)


@dataclass(frozen=True)
class FindingRow:
    """One finding of an uploaded file, with its sheet and cell apart."""

    severity: str  # "error" or "warning"
    sheet: str
    cell: str
    message: str


def finding_rows(subs: Iterable[Submission]) -> list[FindingRow]:
    """The findings of the submissions read from one file: errors first, each once."""
    seen: dict[tuple[str, str, str, str], None] = {}
    for sub in subs:
        for f in sub.findings:
            where = f.where
            cell = where.cell or (f"dòng {where.row}" if where.row is not None else "")
            seen.setdefault((f.severity, where.sheet or "", cell, f.message), None)
    rows = [FindingRow(*key) for key in seen]
    return sorted(rows, key=lambda r: r.severity != "error")


def typed_date(text: str) -> date | None:
    """A date as staff type it, 05/01/2025 (or 5/1/2025, or 2025-01-05); None when empty; ValueError if it is
    not a date."""
    text = text.strip()
    if not text:
        return None
    if "/" in text:
        day, month, year = (int(part) for part in text.split("/"))
        return date(year, month, day)
    return date.fromisoformat(text)


def capitalised(name: str) -> str:
    """'huyện Bắc Hà' -> 'Huyện Bắc Hà' (a name opening a table cell)."""
    return name[:1].upper() + name[1:]


def year_rows(periods: Sequence[Period]) -> list[tuple[int, list[Period]]]:
    """The periods by year, newest year first, each year's in the order of the calendar."""
    years = sorted({p.year for p in periods}, reverse=True)
    order = {(1, 1): 0, (2, 2): 1, (1, 2): 2, (3, 3): 3, (1, 3): 4, (4, 4): 5, (3, 4): 6, (1, 4): 7}
    return [
        (
            y,
            sorted(
                (p for p in periods if p.year == y), key=lambda p: order[(p.first_quarter, p.last_quarter)]
            ),
        )
        for y in years
    ]


def period_choices(today: date, calendar: Calendar, years: int = 3) -> list[Period]:
    """Periods staff may open, newest first: the quarters, halves, nine months and years of recent years that
    have begun."""
    spans = ((1, 4), (1, 3), (3, 4), (4, 4), (3, 3), (1, 2), (2, 2), (1, 1))
    return [
        Period(year, first, last)
        for year in range(today.year, today.year - years, -1)
        for first, last in spans
        if Period(year, first, last).start(calendar) <= today
    ]
