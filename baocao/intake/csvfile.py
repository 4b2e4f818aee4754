"""Reading the CSV long format: ``unit,period,indicator,value[,status]``, one figure per line."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Collection
from pathlib import Path

from baocao.catalogue import Catalogue
from baocao.errors import Location, PeriodError, SubmissionError
from baocao.intake import layout as L
from baocao.intake.cells import fold, strip_bidi
from baocao.intake.checks import adder, report_missing, take_value
from baocao.intake.model import Expected, Finding, Submission, SubmissionDraft
from baocao.periods import Period

MAX_LINES = 50_000
# Physical lines as io reads them with newline="" (what csv's line_num counts): ends kept, \r\n, \n or \r.
_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+")


def raw_lines(data: bytes) -> list[bytes]:
    """A CSV file's physical lines exactly as sent, ends kept: joined, they are the file byte for byte."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = "utf-16-le" if data.startswith(b"\xff\xfe") else "utf-16-be"
        text = data[2:].decode(codec)
        lines = [line.encode(codec) for line in io.StringIO(text, newline="").readlines()]
        return [data[:2] + lines[0], *lines[1:]] if lines else []
    return _LINE.findall(data)


def _decode(path: Path) -> str:
    """The CSV's text in NFC (Windows-1258 writes Vietnamese tone marks as combining characters)."""
    return unicodedata.normalize("NFC", _decode_bytes(path))


def _decode_bytes(path: Path) -> str:
    data = path.read_bytes()
    if not data.strip():
        raise SubmissionError("tệp rỗng; cần dòng tiêu đề unit,period,indicator,value", Location(path.name))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1258")
        except UnicodeDecodeError as exc:
            raise SubmissionError(
                "không đọc được bảng mã của tệp; hãy lưu dạng CSV UTF-8", Location(path.name)
            ) from exc


def read_csv(
    path: Path, catalogue: Catalogue, units: Collection[str], expected: Expected
) -> list[Submission]:
    text = _decode(path)
    if text.count("\n") > MAX_LINES:
        raise SubmissionError(
            f"tệp có hơn {MAX_LINES:,} dòng; báo cáo của một tỉnh chỉ cần vài nghìn dòng".replace(",", "."),
            Location(path.name),
        )
    first = text.splitlines()[0] if text else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    spans: list[range] = []  # the physical lines (0-based) each record was read from
    try:
        for row in reader:
            spans.append(range(spans[-1].stop if spans else 0, reader.line_num))
            rows.append(row)
    except csv.Error as exc:
        raise SubmissionError(
            f"không đọc được dòng này ({exc}); hãy lưu lại dạng CSV UTF-8",
            Location(path.name, row=reader.line_num),
        ) from exc
    header = [fold(h) for h in (rows[0] if rows else [])]
    missing = [c for c in L.CSV_COLUMNS if c not in header]
    if missing:
        raise SubmissionError(
            f"dòng tiêu đề thiếu cột {', '.join(missing)}; cần: {','.join(L.CSV_COLUMNS)}[,status]",
            Location(path.name, row=1),
        )
    col = {name: header.index(name) for name in (*L.CSV_COLUMNS, *L.CSV_OPTIONAL) if name in header}
    groups: dict[tuple[str, str], SubmissionDraft] = {}
    seen: dict[tuple[str, str], dict[str, tuple[float, str]]] = {}
    file_level = SubmissionDraft(path=path, unit=expected.unit, period=expected.period)
    lines: dict[tuple[str, str], list[int]] = {}
    for line_no, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {name: (row[i].strip() if i < len(row) else "") for name, i in col.items()}
        # Text fields lose bidirectional controls; the value keeps them, so that parse_number refuses it.
        cells = {k: v if k == "value" else strip_bidi(v).strip() for k, v in cells.items()}
        where = Location(path.name, row=line_no)
        unit, period_text = cells["unit"], cells["period"]
        target = _csv_target(path, unit, period_text, units, expected, groups, file_level, where)
        if target is None:
            continue
        key = (target.unit or "", target.period or "")
        lines.setdefault(key, list(spans[0])).extend(spans[line_no - 1])
        take_value(
            target,
            catalogue,
            cells["indicator"].upper(),
            cells["value"] or None,
            cells.get("status"),
            where,
            where,
            seen.setdefault(key, {}),
            adder(target),
        )
    for key, sub in groups.items():
        report_missing(sub, catalogue, Location(path.name), seen.get(key, {}), adder(sub))
        sub.source_lines = tuple(lines.get(key, ()))
    out = list(groups.values())
    if not out and not file_level.findings:
        file_level.findings.append(Finding("error", Location(path.name), "tệp không có dòng số liệu nào"))
    if file_level.findings or any(s.has_errors for s in out):
        # A file is one submission: an error on any line sets aside every unit it carries.
        for sub in out:
            if not sub.has_errors:
                sub.findings.append(
                    Finding(
                        "error",
                        Location(path.name),
                        "tệp có dòng lỗi (xem các lỗi khác); chưa tổng hợp số liệu của tệp này",
                    )
                )
        if file_level.findings:
            out.append(file_level)
    return [draft.freeze() for draft in out]


def _csv_target(
    path: Path,
    unit: str,
    period_text: str,
    units: Collection[str],
    expected: Expected,
    groups: dict[tuple[str, str], SubmissionDraft],
    file_level: SubmissionDraft,
    where: Location,
) -> SubmissionDraft | None:
    def fail(message: str) -> None:
        file_level.findings.append(Finding("error", where, message))

    if unit not in units:
        fail(f'đơn vị "{unit}" không có trong danh sách đơn vị báo cáo')
        return None
    if expected.unit and unit != expected.unit:
        fail(f'đơn vị "{unit}" khác với tên tệp ({expected.unit})')
        return None
    try:
        period = Period.parse(period_text)
    except PeriodError:
        fail(f'kỳ "{period_text}" không hợp lệ; cần dạng 2024-Q2')
        return None
    if period.kind != "quarter" or (expected.period and period.code != expected.period):
        fail(f"kỳ {period_text} phải là quý {expected.period or ''} của thư mục chứa tệp".replace("  ", " "))
        return None
    key = (unit, period.code)
    if key not in groups:
        groups[key] = SubmissionDraft(path=path, unit=unit, period=period.code)
    return groups[key]
