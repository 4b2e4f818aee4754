"""Reading one cell's value the way unit staff write it: numbers, statuses, labels."""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime
from typing import Any

# Spaces people type (or Excel inserts) inside numbers: ordinary, no-break, narrow no-break, thin.
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_DIGITS = re.compile(r"^\d+$")
_GROUPED = re.compile(r"^\d{1,3}(?:[.,]\d{3})+$")
# Bidirectional controls (LRM, RLM, ALM, embeddings, overrides, isolates): invisible, they reorder what is
# shown (U+202E reversed a unit's text in the PDF), so text from a unit never keeps them.
BIDI_CONTROLS = frozenset("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_BIDI = re.compile("[" + "".join(sorted(BIDI_CONTROLS)) + "]")


class CellValueError(ValueError):
    """A cell's content is not what was expected; the message is Vietnamese."""


def fold(text: str) -> str:
    """Lower-case ASCII form of a label for lenient comparison ('Khó khăn – vướng mắc' -> 'kho khan vuong mac')."""
    text = unicodedata.normalize("NFD", str(text)).replace("đ", "d").replace("Đ", "D")
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return " ".join(re.sub(r"[^0-9a-zA-Z]+", " ", text).lower().split())


def strip_bidi(text: str) -> str:
    """Text without bidirectional control characters."""
    return _BIDI.sub("", text)


def parse_number(raw: Any) -> tuple[float | None, str | None]:
    """A cell's number (None when empty) and an optional note on how an ambiguous text was read.

    Accepts numbers, and text written the Vietnamese way ("1.234,5", "1 234") or the English way
    ("1,234.5"). Raises CellValueError with a Vietnamese reason otherwise.
    """
    if raw is None:
        return None, None
    if isinstance(raw, bool):
        raise CellValueError(f"ô chứa giá trị đúng/sai ({raw}), không phải số")
    if isinstance(raw, (datetime, date)):
        raise CellValueError(f"ô chứa ngày tháng ({raw:%d/%m/%Y}), không phải số")
    if isinstance(raw, (int, float)):
        value = float(raw)
        if not math.isfinite(value):
            raise CellValueError("giá trị không hữu hạn (NaN hoặc vô cùng)")
        return value, None
    text = _SPACES.sub("", unicodedata.normalize("NFC", str(raw)))
    if _BIDI.search(text):
        # The digits shown on the unit's screen are not the digits stored: never guess which one was meant.
        raise CellValueError(
            "ô chứa ký tự điều khiển hướng chữ (ẩn), số hiển thị có thể khác số đã lưu; hãy xóa ô và gõ lại số"
        )
    if text in ("", "-", "–"):
        return None, None
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    if text.startswith("-"):
        negative, text = True, text[1:]
    if text.startswith("+"):
        text = text[1:]
    if text.endswith("%"):
        raise CellValueError(
            f'"{raw}" có ký hiệu %; chỉ nhập con số (tỷ lệ được tính tự động từ tử số và mẫu số)'
        )
    value, note = _read_digits(text, str(raw))
    if not math.isfinite(value):  # 400 digits make float('inf')
        raise CellValueError("số quá lớn, không phải một số liệu thật")
    return (-value if negative else value), note


def _read_digits(text: str, raw: str) -> tuple[float, str | None]:
    expected = "cần nhập một số, ví dụ 1234 hoặc 1.234,5"
    if not text or not re.fullmatch(r"[\d.,]+", text) or not text[0].isdigit() or not text[-1].isdigit():
        raise CellValueError(f'"{raw}" không phải là số; {expected}')
    dots, commas = text.count("."), text.count(",")
    if dots and commas:
        # Both separators: the one written last is the decimal separator.
        decimal, group = (",", ".") if text.rfind(",") > text.rfind(".") else (".", ",")
        if text.count(decimal) > 1 or not _GROUPED.match(text.split(decimal)[0]):
            raise CellValueError(f'"{raw}" không đúng cách viết số; {expected}')
        return float(text.split(decimal)[0].replace(group, "") + "." + text.split(decimal)[1]), None
    sep = "." if dots else ","
    count = dots or commas
    if count == 0:
        return float(text), None
    if count > 1:
        if not _GROUPED.match(text):
            raise CellValueError(f'"{raw}" không đúng cách viết số; {expected}')
        return float(text.replace(sep, "")), None
    head, tail = text.split(sep)
    if sep == ",":
        # A single comma is the Vietnamese decimal separator ("971,8").
        note = f'"{raw}" được hiểu là {head},{tail} (dấu phẩy là dấu thập phân)' if len(tail) == 3 else None
        return float(f"{head}.{tail}"), note
    if len(tail) == 3 and _DIGITS.match(head) and len(head) <= 3 and not head.startswith("0"):
        # "1.234": in Vietnamese writing the dot groups thousands.
        return float(head + tail), f'"{raw}" được hiểu là {head}{tail} (dấu chấm phân cách hàng nghìn)'
    return float(f"{head}.{tail}"), None


def parse_status(raw: Any) -> bool | None:
    """True for an estimate ('ước'), False for an actual figure ('thực hiện' or empty); None if unreadable."""
    if raw is None or str(raw).strip() == "":
        return False
    folded = fold(str(raw))
    if folded in {"uoc", "uoc tinh", "uoc thuc hien", "uoc dat", "u", "e", "estimate"}:
        return True
    if folded in {"thuc hien", "th", "tt", "thuc te", "chinh thuc", "actual", "a"}:
        return False
    return None


def cell_text(raw: Any, keep_bidi: bool = False) -> str:
    """A cell's content as text: NFC, stripped, without bidirectional controls; integers without '.0'."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, datetime):
        return raw.strftime("%d/%m/%Y")
    text = unicodedata.normalize("NFC", str(raw))
    return (text if keep_bidi else strip_bidi(text)).strip()


def column_letter(index: int) -> str:
    """Excel column letters for a 0-based column index (0 -> A, 27 -> AB)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_ref(row: int, col: int) -> str:
    """Excel reference for 0-based row and column ('E7')."""
    return f"{column_letter(col)}{row + 1}"
