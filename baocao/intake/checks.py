"""Checks shared by the Excel and CSV readers: one value at a time, the missing ones, text made safe."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

from baocao.catalogue import Catalogue
from baocao.errors import Location
from baocao.intake import layout as L
from baocao.intake.cells import BIDI_CONTROLS, CellValueError, cell_text, parse_number, parse_status
from baocao.intake.model import Finding, SubmissionDraft

MAX_NOTE_CHARS = 4000


Adder = Callable[[str, Location, str], None]


def adder(sub: SubmissionDraft) -> Adder:
    def add(severity: str, where: Location, message: str) -> None:
        sub.findings.append(Finding(severity, where, message))  # type: ignore[arg-type]

    return add


def take_value(
    sub: SubmissionDraft,
    catalogue: Catalogue,
    code: str,
    raw: Any,
    status: Any,
    where: Location,
    status_where: Location | None,
    seen: dict[str, tuple[float, str]],
    add: Adder,
) -> None:
    if catalogue.is_department(code):
        if raw is not None:
            # Not an error: one stray figure must not set a unit's whole submission aside.
            own = catalogue.department_indicator(code)
            add(
                "warning",
                where,
                f"{code} ({own.name}) là chỉ tiêu do Sở tự tổng hợp, đơn vị không báo cáo; giá trị nhập bị bỏ qua",
            )
        return
    if code not in catalogue:
        if raw is not None:
            add("error", where, f'mã chỉ tiêu "{code}" không có trong danh mục chỉ tiêu; kiểm tra lại mã')
        return
    indicator = catalogue.get(code)
    if not indicator.submitted:
        if raw is not None:
            add("warning", where, f"{code} ({indicator.name}) được tính tự động; giá trị nhập bị bỏ qua")
        return
    label = f'chỉ tiêu {code} "{indicator.name}"'
    try:
        value, note = parse_number(raw)
    except CellValueError as exc:
        add("error", where, f"{label}: {exc}")
        return
    if value is None:
        return
    if note:
        add("warning", where, f"{label}: {note}")
    if value < 0:
        add("error", where, f"{label}: giá trị âm ({raw}); cần một số không âm")
        return
    low, high = catalogue.bounds(code)
    if not low <= value <= high:
        # Bounded before it is stored: an absurd figure (1e300) once crashed every later run of a province.
        add(
            "error",
            where,
            f"{label}: giá trị {shown_number(value)} nằm ngoài khoảng hợp lý của chỉ tiêu "
            f"({shown_number(low)} – {shown_number(high)} {indicator.unit}); kiểm tra lại số đã nhập",
        )
        return
    if code in seen:
        previous, previous_cell = seen[code]
        if previous != value:
            add(
                "error",
                where,
                f"{label} đã có ở ô {previous_cell} với giá trị khác ({previous:g}); chỉ giữ một dòng",
            )
        else:
            add("warning", where, f"{label} bị nhập lặp lại (đã có ở ô {previous_cell})")
        return
    seen[code] = (value, where.cell or (f"dòng {where.row}" if where.row else ""))
    estimate = parse_status(status)
    if estimate is None:
        add(
            "warning",
            status_where or where,
            f'{label}: tình trạng "{cell_text(status)}" không rõ; cần "{L.STATUS_ACTUAL}" hoặc "{L.STATUS_ESTIMATE}", '
            "tạm coi là số ước",
        )
        estimate = True
    sub.values[code] = value
    if estimate:
        sub.estimates.add(code)


def shown_number(value: float) -> str:
    """A number the Vietnamese way for messages (1.000.000; 1e+300 stays short)."""
    if abs(value) >= 1e15:
        return f"{value:.3g}"
    if value.is_integer():
        return f"{value:,.0f}".replace(",", ".")
    return f"{value:,.4f}".rstrip("0").replace(",", " ").replace(".", ",").replace(" ", ".")


def report_missing(
    sub: SubmissionDraft, catalogue: Catalogue, where: Location, seen: dict[str, Any], add: Adder
) -> None:
    missing = [i.code for i in catalogue.submitted if i.code not in seen]
    if missing:
        shown = ", ".join(missing[:12]) + (
            f" và {len(missing) - 12} chỉ tiêu khác" if len(missing) > 12 else ""
        )
        add("warning", where, f"chưa có số liệu {len(missing)} chỉ tiêu: {shown}")


def clean_text(text: str) -> str:
    """Text without control characters (those XML cannot hold, and bidirectional ones); whitespace collapsed."""
    kept = "".join(
        ch
        for ch in text
        if ch in "\t\n" or (unicodedata.category(ch) not in ("Cc", "Cs", "Co") and ch not in BIDI_CONTROLS)
    )
    return " ".join(kept.split())
