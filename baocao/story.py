"""Pure: what the narrative is told about (the period, its figures, states, notes, gaps and flags) and the
small wording helpers every section shares."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from baocao.catalogue import Catalogue
from baocao.coverage import Gap
from baocao.figure import Figure, FigureRows, absent
from baocao.history import Carried
from baocao.intake.cells import fold
from baocao.intake.layout import NoteSection
from baocao.intake.model import DepartmentReport, Note, UnitState
from baocao.periods import Period
from baocao.phrases import Phrases
from baocao.province import Province, kinds_phrase
from baocao.review import Flag
from baocao.vietnamese import join

Section = dict[str, Any]


@dataclass(frozen=True)
class Story:
    """What the narrative is told about: the period, its figures, states and notes."""

    catalogue: Catalogue
    province: Province
    period: Period
    figures: FigureRows
    states: Sequence[UnitState]
    notes: Sequence[tuple[str, Note]]
    phrases: Phrases
    date_text: str
    gaps: Sequence[Gap] = ()  # submitted figures of the year to date (and so of the period) not used
    flags: Sequence[Flag] = ()  # figures questioned by the checks, with staff's decisions
    department: DepartmentReport | None = (
        None  # the department's own work over the period, if it has a workbook
    )
    history: Carried | None = None  # a 2025 province's predecessors' figures, carried to its units

    def crosses(self, period: Period) -> bool:
        """Whether figures of ``period`` come from the predecessors (quarters before the change)."""
        return self.history is not None and self.history.history.crosses(period)

    def predecessors_phrase(self) -> str:
        """'tỉnh Lào Cai và tỉnh Yên Bái': the old provinces, in province.yaml's order."""
        return join(list(self.history.history.predecessors)) if self.history is not None else ""

    def fig(self, code: str, unit: str | None = None) -> Figure:
        """The figure row of an indicator for the province (or a unit); an empty one if there is none."""
        key = (unit or self.province.code, code)
        return self.figures.get(key) or absent(*key)

    def unit_name(self, code: str) -> str:
        """'huyện Bát Xát' for a unit code."""
        return self.province.unit(code).full_name

    def units_phrase(self, codes: Iterable[str]) -> str:
        """'huyện Bát Xát, thị xã Sa Pa và huyện Si Ma Cai'."""
        return join([self.unit_name(c) for c in codes])

    def attribution(self, codes: Iterable[str]) -> str:
        """Who said a note: their names, or above ``layout.named_units_max`` their count ('15 xã, phường')."""
        chosen = list(codes)
        if len(chosen) <= self.province.layout.named_units_max:
            return self.units_phrase(chosen)
        kinds = kinds_phrase(self.province.unit(c).kind for c in chosen)
        return self.phrases.say("attribution.many", count=len(chosen), kinds=kinds)


def late_groups(story: Story) -> list[tuple[tuple[str, ...], list[str]]]:
    """The units that sent some quarter late, grouped by the quarters they sent late (in the states' order)."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for state in story.states:
        if state.state in ("received", "partial") and state.late_quarters:
            groups.setdefault(state.late_quarters, []).append(state.unit)
    return list(groups.items())


def late_phrase(story: Story) -> str:
    """'huyện Bảo Yên (quý IV/2024)' in a longer period's lead; just the units where the quarters are all of it."""
    whole = tuple(q.code for q in story.period.quarters)
    parts = []
    for quarters, units in late_groups(story):
        names = story.units_phrase(units)
        parts.append(names if quarters == whole else f"{names} ({quarters_text(quarters)})")
    return join(parts)


def ok(value: Any) -> bool:
    """Whether a figure field holds a value (not None, not NaN)."""
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def summary_line(period: Period, phrases: Phrases) -> str:
    """The trích yếu: 'Kết quả công tác quý II/2024 và nhiệm vụ trọng tâm quý III/2024'."""
    key = {"quarter": "quarter", "nine_months": "nine_months", "year": "year"}.get(period.kind)
    if key is None:
        key = "first_half" if period.first_quarter == 1 else "second_half"
    return phrases.say(f"summary.{key}", period=period.label, next=period.next.label, year=period.year)


def stock_period(period: Period) -> str:
    """How a stock's moment is named: the year, or the last quarter of a shorter period."""
    return period.label if period.kind == "year" else period.end_quarter.label


def quarters_text(quarters: Sequence[str]) -> str:
    """'quý I/2024' or 'quý I/2024 và quý II/2024'."""
    return join([Period.parse(q).label for q in quarters])


def verb_for(story: Story, estimate: bool) -> str:
    """'ước đạt' for an estimate, 'đạt' otherwise."""
    return str(story.phrases.raw("indicator.estimate" if estimate else "indicator.actual"))


def count_noun(name: str, unit: str) -> str | None:
    """What a stock counts, to say 'toàn tỉnh có 92 máy chủ tại các cơ quan nhà nước': the indicator's name
    without 'Số'/'Tổng số', when it begins with its unit of measure (None otherwise: the name is kept)."""
    noun = name
    for prefix in ("Tổng số ", "Số "):
        if noun.startswith(prefix):
            noun = noun[len(prefix) :]
            break
    noun = noun[:1].lower() + noun[1:]
    return noun if fold(noun).startswith(fold(unit) + " ") else None


def near_duplicate(a: str, b: str, threshold: float = 0.88) -> bool:
    """Whether two folded texts say the same with small differences (a word, a typo, word order)."""
    if a == b:
        return True
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return (
        matcher.real_quick_ratio() >= threshold
        and matcher.quick_ratio() >= threshold
        and matcher.ratio() >= threshold
    )


def covered_by(short: str, long: str, share: float = 0.8) -> bool:
    """Whether almost every word of one folded text is in another: the same task said at more length."""
    words, other = short.split(), set(long.split())
    if len(words) > len(other):
        words, other = long.split(), set(short.split())
    return bool(words) and sum(w in other for w in words) / len(words) >= share


def folded_notes(story: Story, section: NoteSection) -> list[tuple[str | None, str, list[str]]]:
    """Notes of one section as (field, text, units): the same text from several units (or quarters), compared
    without diacritics, punctuation or case and allowing small differences, folded into one."""
    groups: dict[str, tuple[str | None, str, list[str]]] = {}
    for unit, note in story.notes:
        if note.section != section:
            continue
        key = fold(note.text)
        if key not in groups:
            key = next((k for k in groups if near_duplicate(key, k)), key)
        if key not in groups:
            groups[key] = (note.field, note.text.rstrip(" .;"), [])
        if unit not in groups[key][2]:
            groups[key][2].append(unit)
    order = {f.code: i for i, f in enumerate(story.catalogue.fields)}
    return sorted(groups.values(), key=lambda g: order.get(g[0] or "", -1))
