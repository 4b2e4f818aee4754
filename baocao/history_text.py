"""Pure: what the report says about a 2025 province's figures before the change: the note, once, on where
they come from and which comparisons are estimates, and the crosswalk's findings in section II."""

from __future__ import annotations

from baocao.history import Carried
from baocao.periods import Period
from baocao.province import UNIT_KIND_ORDER
from baocao.story import Story, quarters_text
from baocao.vietnamese import join

# Up to this many estimated units are named in the note; more are counted.
NAMED_MAX = 8


def crosses_change(story: Story) -> bool:
    """Whether the report's figures (the period, its year to date, last year's) use the old units'."""
    period = story.period
    return any(
        story.crosses(p) for p in (period, period.year_to_date, period.same_period_last_year.year_to_date)
    )


def _kinds(kinds: list[str]) -> str:
    """'huyện, thị xã, thành phố': the kinds present, in the customary order."""
    present = list(dict.fromkeys(kinds))
    known = [k for k in UNIT_KIND_ORDER if k in present]
    return ", ".join(known + [k for k in present if k not in UNIT_KIND_ORDER])


def _lacking(story: Story, carried: Carried) -> str:
    """'thị xã Nghĩa Lộ (tỉnh Yên Bái cũ) chưa gửi báo cáo quý III/2024', grouped by quarters."""
    by_unit: dict[str, list[str]] = {}
    for lack in carried.lacking:
        province = next(
            (f for f in carried.history.predecessors if f.endswith(" " + lack.old.province)),
            lack.old.province,
        )
        by_unit.setdefault(f"{lack.old.name} ({province} cũ)", []).append(lack.quarter)
    groups: dict[tuple[str, ...], list[str]] = {}
    for who, quarters in by_unit.items():
        groups.setdefault(tuple(sorted(quarters)), []).append(who)
    return "; ".join(
        story.phrases.say("history.lacking", units=join(units), quarters=quarters_text(quarters))
        for quarters, units in groups.items()
    )


def history_paragraphs(story: Story) -> list[str]:
    """The note on the figures before the change, when the report uses them (else nothing)."""
    carried = story.history
    if carried is None or not crosses_change(story):
        return []
    history = carried.history
    units = story.province.units
    estimated = [u for u in units if u.code in history.estimated]
    olds = list(dict.fromkeys(s.old for s in history.shares))
    text = story.phrases.say(
        "history.note",
        last=history.last_quarter.label,
        predecessors=story.predecessors_phrase(),
        old_kinds=_kinds([o.kind for o in olds]),
        unit_kinds=story.province.unit_kinds_phrase,
        estimated_count=len(estimated),
        total=len(units),
        estimated_names=join([u.full_name for u in estimated]) if len(estimated) <= NAMED_MAX else "",
        lacking=_lacking(story, carried),
    )
    return [text]


def history_items(story: Story) -> list[tuple[str | None, str]]:
    """Section II's lines on what the crosswalk and the units do not agree on, one per kind of finding."""
    carried = story.history
    if carried is None or not carried.history.findings or not crosses_change(story):
        return []
    by_kind: dict[str, list[str]] = {}
    for finding in carried.history.findings:
        by_kind.setdefault(finding.kind, []).append(finding.subject)
    items: list[tuple[str | None, str]] = []
    for kind, subjects in by_kind.items():
        said = story.phrases.say(f"history.finding.{kind}", subject=join(subjects))
        items.append((None, story.phrases.say("history.limitation", items=said)))
    return items


def before_label(story: Story, period: Period, label: str) -> str:
    """'quý III/2024 của tỉnh Lào Cai và tỉnh Yên Bái (cũ)' where ``period`` was reported by the old units."""
    if not story.crosses(period):
        return label
    return story.phrases.say("history.before", period=label, predecessors=story.predecessors_phrase())
