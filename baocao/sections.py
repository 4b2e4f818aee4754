"""Pure: sections II-IV of the briefing report (Tồn tại, hạn chế; Kiến nghị, đề xuất; Nhiệm vụ trọng tâm)."""

from __future__ import annotations

from collections.abc import Sequence

from baocao.catalogue import Indicator
from baocao.department_text import department_items, department_proposals, department_tasks
from baocao.figure import Figure
from baocao.history_text import before_label, history_items
from baocao.intake.cells import fold
from baocao.intake.model import UnitState
from baocao.periods import Period, roman
from baocao.story import (
    Section,
    Story,
    covered_by,
    folded_notes,
    late_groups,
    quarters_text,
    stock_period,
    verb_for,
)
from baocao.vietnamese import capitalize_first, join, lower_first, number

# --- II. Limitations, III. Proposals, IV. Tasks ---------------------------------------------------------


def behind_plan(story: Story) -> list[tuple[Indicator, Figure]]:
    """Flows with an annual plan whose year-to-date progress is behind the year's pace; at the year's end,
    every planned figure below 100% (the plan was not met)."""
    pace = story.period.year_fraction * 100
    margin = float(story.phrases.raw("rules.behind_plan_points"))
    out = []
    for ind in story.catalogue.indicators:
        pct = story.fig(ind.code).plan_pct
        if pct is None:
            continue
        if year_end(story):
            if pct < 100:
                out.append((ind, story.fig(ind.code)))
        elif story.catalogue.time_rule(ind.code) == "flow" and pct < pace - margin:
            out.append((ind, story.fig(ind.code)))
    return out


def year_end(story: Story) -> bool:
    """Whether the report closes the year (a year, Q4, H2 report): plans are then met or not."""
    return story.period.year_fraction >= 1


def declines(story: Story) -> list[tuple[Indicator, float]]:
    """Additive figures that fell against the same period last year by more than the rule's threshold."""
    limit = float(story.phrases.raw("rules.decline_pct"))
    out = []
    for ind in story.catalogue.indicators:
        yoy = story.fig(ind.code).yoy_pct
        if ind.kind in ("flow", "stock", "sum") and yoy is not None and yoy < -limit:
            out.append((ind, yoy))
    return out


def _first_reason(state: UnitState) -> str:
    reason = state.reasons[0].message if state.reasons else ""
    more = len(state.reasons) - 1
    return reason + (f" và {more} lỗi khác" if more > 0 else "")


def _warning_example(state: UnitState) -> str:
    return state.warnings[0].message


def flagged_items(story: Story) -> list[tuple[str | None, str]]:
    """The questioned figures of the year to date that are not in the totals: held for review or rejected."""
    p, quarters = story.phrases, {q.code for q in story.period.year_to_date.quarters}
    items: list[tuple[str | None, str]] = []
    for flag in story.flags:
        if flag.quarter not in quarters or flag.state == "accepted":
            continue
        ind = story.catalogue.get(flag.indicator)
        common = {
            "name": ind.name,
            "quarter": Period.parse(flag.quarter).label,
            "unit": story.unit_name(flag.unit),
            "value": number(flag.value, ind.decimals),
            "measure": ind.unit,
        }
        if flag.state == "held":
            text = p.say("limitations.held", reason=flag.reason, **common)
        else:
            why = flag.decision.why if flag.decision else ""
            text = p.say("limitations.rejected_figure", why=why, **common)
        # A line of its own, not run into its field's line: it names its figure and says what the Sở does.
        items.append((None, text))
    return items


def limitations_section(story: Story, number_: int) -> Section:
    """II. Tồn tại, hạn chế: who did not report, what the data shows, the units' difficulties, by field."""
    p, period = story.phrases, story.period
    items: list[tuple[str | None, str]] = []
    whole = tuple(q.code for q in period.quarters)
    for attribute, key in (("missing_quarters", "limitations.missing"), ("rejected_quarters", None)):
        groups: dict[tuple[str, ...], list[str]] = {}
        for state in story.states:
            if getattr(state, attribute):
                groups.setdefault(tuple(getattr(state, attribute)), []).append(state.unit)
        for quarters, units in groups.items():
            label = period.label if quarters == whole else quarters_text(quarters)
            if key:
                items.append((None, p.say(key, units=story.units_phrase(units), period=label)))
            else:
                for unit in units:
                    state = next(s for s in story.states if s.unit == unit)
                    text = p.say(
                        "limitations.rejected",
                        unit=story.unit_name(unit),
                        period=label,
                        reason=_first_reason(state),
                        count=max(len(state.reasons), 1),
                    )
                    items.append((None, text))
    # "Huyện Bảo Yên gửi báo cáo quý IV/2024 chậm…": the quarters sent late, not the whole year's report.
    for quarters, units in late_groups(story):
        label = period.label if quarters == whole else quarters_text(quarters)
        items.append((None, p.say("limitations.late", units=story.units_phrase(units), period=label)))
    for state in story.states:
        if state.state in ("received", "partial") and state.warnings:
            text = p.say(
                "limitations.warnings",
                unit=story.unit_name(state.unit),
                period=period.label,
                count=len(state.warnings),
                example=_warning_example(state),
            )
            items.append((None, text))
    items += flagged_items(story)
    items += history_items(story)
    for ind, fig in behind_plan(story):
        text = p.say(
            "limitations.plan_not_met" if year_end(story) else "limitations.behind_plan",
            name=ind.name,
            period=period.year_to_date.label,
            year=period.year,
            pct=number(fig.plan_pct, 2),
            pace=number(period.year_fraction * 100),
            verb=verb_for(story, fig.ytd_is_estimate),
        )
        items.append((ind.field, text))
    for ind, yoy in declines(story):
        flow = story.catalogue.time_rule(ind.code) == "flow"
        text = p.say(
            "limitations.decline" if flow else "limitations.decline_stock",
            name=ind.name,
            period=period.label if flow else stock_period(period),
            pct=number(abs(yoy), 1),
            last_year=period.year - 1,
            # "so với quý II/2023", "so với năm 2023": the same period named, not "cùng kỳ" once more.
            before=before_label(
                story,
                period.same_period_last_year,
                period.same_period_last_year.label if flow else stock_period(period.same_period_last_year),
            ),
        )
        items.append((ind.field, text))
    for field, text, units in folded_notes(story, "difficulties"):
        items.append(
            (field, p.say("limitations.attributed", text=text, units=story.attribution(units)) + ".")
        )
    items = department_items(story, "limitations") + items
    paragraphs = field_lines(story, items) if items else [p.say("limitations.none")]
    causes = department_items(story, "causes")
    if causes:
        # The causes the department gives, after the limitations, as the seeds write them.
        paragraphs += [p.say("department.causes"), *(f"- {text}" for _, text in causes)]
    heading = f"{roman(number_)}. {p.say('headings.limitations')}"
    return {"heading": heading, "paragraphs": paragraphs, "subsections": []}


_ASKING = ("de nghi", "kien nghi", "de xuat", "mong muon")


def proposals_section(story: Story, number_: int) -> Section:
    """III. Kiến nghị, đề xuất: each proposal attributed to the units that raised it."""
    p = story.phrases
    proposals = folded_notes(story, "proposals")
    paragraphs = []
    if proposals:
        # The count said is the count of items shown (the same proposal from several units is one item).
        paragraphs.append(p.say("proposals.intro", count=len(proposals)))
        for _, text, units in proposals:
            committees = "UBND " + join([story.unit_name(u) for u in units])
            key = "proposals.proposal" if fold(text).startswith(_ASKING) else "proposals.statement"
            phrase = p.say(
                key, committees=committees, text=lower_first(text) if key.endswith("proposal") else text
            )
            paragraphs.append(f"- {phrase}.")
    own = department_proposals(story)
    if not proposals and not own:
        paragraphs.append(p.say("proposals.none"))
    paragraphs += own
    return {
        "heading": f"{roman(number_)}. {p.say('headings.proposals')}",
        "paragraphs": paragraphs,
        "subsections": [],
    }


def tasks_section(story: Story, number_: int) -> Section:
    """IV. Nhiệm vụ trọng tâm kỳ tới: the department's standing tasks, what the figures call for, the units'
    own plans, grouped by field."""
    p, period, prov = story.phrases, story.period, story.province
    items: list[tuple[str | None, str]] = []
    chase: dict[tuple[str, ...], list[str]] = {}
    for state in story.states:
        lacking = tuple(sorted({*state.missing_quarters, *state.rejected_quarters}))
        if lacking:
            chase.setdefault(lacking, []).append(state.unit)
    whole = tuple(q.code for q in period.quarters)
    for lacking, units in chase.items():
        label = period.label if lacking == whole else quarters_text(lacking)
        items.append((None, p.say("tasks.missing", units=story.units_phrase(units), period=label)))
    items += department_tasks(story)
    for fdef in story.catalogue.fields:
        items += [(fdef.code, task) for task in prov.standing_tasks.get(fdef.code, ())]
    for ind, fig in behind_plan(story):
        text = p.say(
            "tasks.plan_not_met" if year_end(story) else "tasks.behind_plan",
            name=ind.name,
            period=period.year_to_date.label,
            pct=number(fig.plan_pct, 2),
            year=period.year,
        )
        items.append((ind.field, text))
    paragraphs = [p.say("tasks.intro", next=period.next.label, agency=prov.agency.name)]
    paragraphs += field_lines(story, items) if items else ["- " + p.say("tasks.none", year=period.year)]
    # The units' own plans are theirs, not the Sở's: after the Sở's, attributed, and none that repeats a task
    # above in other words.
    own = [fold(text) for _, text in items]
    units_tasks = [
        "- " + p.say("tasks.unit_task", text=text, units=story.attribution(units)) + "."
        for _, text, units in folded_notes(story, "next_tasks")
        if not any(covered_by(fold(text), o) for o in own)
    ]
    if units_tasks:
        paragraphs += [p.say("headings.unit_tasks", unit_kinds=prov.unit_kinds_phrase) + ":", *units_tasks]
    heading = p.say("headings.tasks", next=period.next.label)
    return {"heading": f"{roman(number_)}. {heading}", "paragraphs": paragraphs, "subsections": []}


def field_lines(story: Story, items: Sequence[tuple[str | None, str]]) -> list[str]:
    """List lines: the items of no field one by one, then one line per field ('- Bưu chính: đôn đốc …; kiểm
    tra …'), as the seeds list them: a page of one-line subsections would say the same at twice the length."""
    lines = [f"- {capitalize_first(text)}" for field, text in items if field is None]
    for fdef in story.catalogue.fields:
        texts = [lower_first(text.rstrip(" .;")) for field, text in items if field == fdef.code]
        if texts:
            lines.append(
                "- " + story.phrases.say("headings.field_line", field=fdef.name, items="; ".join(texts))
            )
    return lines
