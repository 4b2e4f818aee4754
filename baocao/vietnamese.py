"""Vietnamese writing of numbers and lists, as administrative documents write them.

Numbers go through Babel's ``vi`` locale ("40.532.154", "971,8"), rounded half-up as people round.
"""

from __future__ import annotations

import decimal
import math
from collections.abc import Sequence

from babel.numbers import format_decimal

LOCALE = "vi"


def _pattern(decimals: int, fixed: bool) -> str:
    if decimals <= 0:
        return "#,##0"
    return "#,##0." + ("0" if fixed else "#") * decimals


def number(value: float | None, decimals: int = 0, fixed: bool = False, missing: str = "–") -> str:
    """'40.532.154', '971,8'; trailing zeros dropped unless ``fixed``; ``missing`` for None or NaN."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return missing
    with decimal.localcontext() as ctx:
        ctx.rounding = decimal.ROUND_HALF_UP
        exact = decimal.Decimal(repr(float(value)))
        text = str(format_decimal(exact, format=_pattern(decimals, fixed), locale=LOCALE))
    return "0" if text in ("-0", "−0") else text


def percent(value: float | None, decimals: int = 2, missing: str = "–") -> str:
    """A percentage already multiplied by 100: '30,95%', '50%' (no space before %)."""
    text = number(value, decimals, missing=missing)
    return text if text == missing else f"{text}%"


def join(items: Sequence[str], last: str = "và") -> str:
    """'A', 'A và B', 'A, B và C'."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def capitalize_first(text: str) -> str:
    """First letter upper-case, the rest untouched ('thuê bao ...' -> 'Thuê bao ...')."""
    return text[:1].upper() + text[1:] if text else text


def lower_first(text: str) -> str:
    """First letter lower-case unless the first word is an acronym ('Doanh thu' -> 'doanh thu', 'UBND' kept)."""
    words = text.split(" ", 2)
    if len(words[0]) > 1 and words[0].isupper():
        return text
    # A name of two capitalised words stays a name ('Đài Truyền thanh – Truyền hình', 'Cổng Dịch vụ công').
    if len(words) > 1 and words[0][:1].isupper() and words[1][:1].isupper():
        return text
    return text[:1].lower() + text[1:] if text else text
