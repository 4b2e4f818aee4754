"""Pure: figures, unit states and notes -> the report's sections, worded from ``templates/phrases.yaml``.

A section is a plain dict: ``{"heading": str, "paragraphs": [str], "subsections": [{"heading", "paragraphs"}]}``.
Paragraphs starting with "- " are list items, as Vietnamese administrative documents write them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from baocao.catalogue import Catalogue, Indicator, Province
from baocao.coverage import Gap, UnitGap, indicator_gaps, needed_quarters, raw_inputs
from baocao.intake.cells import fold
from baocao.intake.layout import NoteSection
from baocao.intake.model import Note, UnitState
from baocao.periods import Period, roman
from baocao.phrases import Phrases
from baocao.review import Flag
from baocao.vietnamese import capitalize_first, join, lower_first, number

Section = dict[str, Any]
Figures = dict[tuple[str, str], dict[str, Any]]


@dataclass(frozen=True)
class Story:
    """What the narrative is told about: the period, its figures, states and notes."""

    catalogue: Catalogue
    province: Province
    period: Period
    figures: Figures
    states: Sequence[UnitState]
    notes: Sequence[tuple[str, Note]]
    phrases: Phrases
    date_text: str
    gaps: Sequence[Gap] = ()  # submitted figures of the year to date (and so of the period) not used
    flags: Sequence[Flag] = ()  # figures questioned by the checks, with staff's decisions

    def fig(self, code: str, unit: str | None = None) -> dict[str, Any]:
        """The figure row of an indicator for the province (or a unit)."""
        return self.figures.get((unit or self.province.code, code), {})

    def unit_name(self, code: str) -> str:
        """'huyện Bát Xát' for a unit code."""
        return self.province.unit(code).full_name

    def units_phrase(self, codes: Iterable[str]) -> str:
        """'huyện Bát Xát, thị xã Sa Pa và huyện Si Ma Cai'."""
        return join([self.unit_name(c) for c in codes])


def figures_index(figures: pd.DataFrame) -> Figures:
    """Figure rows keyed by (unit, indicator), NaN turned into None."""
    records: list[dict[str, Any]] = figures.astype(object).where(figures.notna(), None).to_dict("records")  # type: ignore[assignment]
    return {(str(r["unit"]), str(r["indicator"])): r for r in records}


def _ok(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def summary_line(period: Period, phrases: Phrases) -> str:
    """The trích yếu: 'Kết quả công tác quý II/2024 và nhiệm vụ trọng tâm quý III/2024'."""
    key = {"quarter": "quarter", "nine_months": "nine_months", "year": "year"}.get(period.kind)
    if key is None:
        key = "first_half" if period.first_quarter == 1 else "second_half"
    return phrases.say(f"summary.{key}", period=period.label, next=period.next.label, year=period.year)


def _stock_period(period: Period) -> str:
    return period.label if period.kind == "year" else period.end_quarter.label


def quarters_text(quarters: Sequence[str]) -> str:
    """'quý I/2024' or 'quý I/2024 và quý II/2024'."""
    return join([Period.parse(q).label for q in quarters])


def _lacking(story: Story) -> tuple[list[str], list[str]]:
    """Who lacks what, precisely: 'huyện Nậm Pồ chưa gửi báo cáo quý I/2024'; and what the totals exclude."""
    p, period = story.phrases, story.period
    whole = [q.code for q in period.quarters]
    lacking: list[str] = []
    excluded: list[str] = []
    for key, attribute in (("missing", "missing_quarters"), ("rejected", "rejected_quarters")):
        groups: dict[tuple[str, ...], list[str]] = {}
        for state in story.states:
            quarters = tuple(getattr(state, attribute))
            if quarters:
                groups.setdefault(quarters, []).append(state.unit)
        for quarters, units in groups.items():
            shown = "" if list(quarters) == whole else quarters_text(quarters)
            lacking.append(p.say(f"completeness.{key}", units=story.units_phrase(units), quarters=shown))
            excluded.append(p.say("completeness.excluded", units=story.units_phrase(units), quarters=shown))
    return lacking, excluded


def lead_paragraphs(story: Story) -> list[str]:
    """The opening paragraph and the statement of who reported, naming who lacks which quarter."""
    p, prov = story.phrases, story.province
    agency_short = prov.agency.short_name or prov.agency.name
    lead = p.say(
        "lead",
        unit_kinds=prov.unit_kinds_phrase,
        agency=prov.agency.name,
        summary=summary_line(story.period, p),
    )
    received = [s for s in story.states if s.state == "received"]
    late = story.units_phrase(s.unit for s in story.states if s.state in ("received", "partial") and s.late)
    common = {
        "date": story.date_text,
        "agency_short": agency_short,
        "period": story.period.label,
        "expected": len(story.states),
        "late": late,
    }
    if len(received) == len(story.states):
        status = p.say("completeness.all", **common)
    else:
        lacking, excluded = _lacking(story)
        status = p.say(
            "completeness.partial",
            received=len(received),
            lacking="; ".join(lacking),
            excluded=join(excluded),
            # The wording before the partial states (a province's own phrases.yaml may still use them).
            missing=story.units_phrase(s.unit for s in story.states if s.state == "missing"),
            rejected=story.units_phrase(s.unit for s in story.states if s.state == "rejected"),
            **common,
        )
    return [lead, status]


def coverage_items(story: Story, gaps: Sequence[UnitGap], whole: set[str]) -> list[str]:
    """What a figure does not include, one phrase per kind of gap with the units it concerns; quarters are
    named unless the gap is all of ``whole`` (the quarters the figure is made of)."""
    p = story.phrases
    groups: dict[tuple[str, tuple[str, ...], str | None], list[str]] = {}
    for gap in gaps:
        groups.setdefault((gap.reason, gap.quarters, gap.part), []).append(gap.unit)
    items = []
    for (reason, quarters, part), units in groups.items():
        shown = "" if set(quarters) >= whole else quarters_text(quarters)
        key = "part" if part else reason
        name = story.catalogue.get(part).name if part else ""
        items.append(p.say(f"coverage.{key}", units=story.units_phrase(units), quarters=shown, part=name))
    return items


def _coverage_note(story: Story, ind: Indicator, period: Period, skip: set[str] | None = None) -> str:
    """' (chưa bao gồm số liệu quý I/2024 của huyện Nậm Pồ)', or '' when the figure covers everything;
    gaps in the quarters of ``skip`` (already said) are left out."""
    gaps = indicator_gaps(story.gaps, story.catalogue, story.province, ind, period)
    if skip:
        gaps = [g for g in gaps if not set(g.quarters) <= skip]
        gaps = [
            UnitGap(g.unit, g.reason, tuple(q for q in g.quarters if q not in skip), g.part) for g in gaps
        ]
    whole = {
        q.code for c in raw_inputs(story.catalogue, ind) for q in needed_quarters(story.catalogue, c, period)
    }
    items = coverage_items(story, gaps, whole)
    return f" ({story.phrases.say('coverage.excluded', items='; '.join(items))})" if items else ""


# --- I. Results ------------------------------------------------------------------------------------------


def _verb(story: Story, estimate: bool) -> str:
    return str(story.phrases.raw("indicator.estimate" if estimate else "indicator.actual"))


def _growth(story: Story, ind: Indicator, fig: dict[str, Any]) -> str | None:
    """'tăng 9% so với cùng kỳ năm 2023'; rates change in percentage points."""
    p, last_year = story.phrases, story.period.year - 1
    raw = fig.get("change") if ind.kind == "ratio" else fig.get("yoy_pct")
    if raw is None or not _ok(raw):
        return None
    delta = float(raw)
    if abs(delta) < 0.05:
        return p.say("indicator.growth_flat", last_year=last_year) + _base_note(story, fig)
    if ind.kind == "ratio":
        key = "indicator.points_up" if delta > 0 else "indicator.points_down"
        return p.say(key, points=number(abs(delta), 1), last_year=last_year) + _base_note(story, fig)
    key = "indicator.growth_up" if delta > 0 else "indicator.growth_down"
    return p.say(key, pct=number(abs(delta), 1), last_year=last_year) + _base_note(story, fig)


def _base_note(story: Story, fig: dict[str, Any]) -> str:
    """' (so sánh trên cùng 8 đơn vị …)' when the comparison leaves out units that reported this period."""
    base, reported = fig.get("base_units"), fig.get("units_reported")
    if base is not None and reported is not None and 0 < int(base) < int(reported):
        return f" ({story.phrases.say('coverage.base', count=int(base))})"
    return ""


def indicator_sentence(
    story: Story, ind: Indicator, attached: Sequence[Indicator] = (), parts: Sequence[Indicator] = ()
) -> str:
    """One sentence about a province figure: value, growth, year to date, plan, densities, parts."""
    p, period, fig = story.phrases, story.period, story.fig(ind.code)
    if not _ok(fig.get("value")):
        return capitalize_first(p.say("indicator.no_data", name=ind.name, period=period.label)) + "."
    verb = _verb(story, bool(fig["is_estimate"]))
    value = number(fig["value"], ind.decimals)
    if ind.kind == "ratio":
        num, den = story.catalogue.get(ind.numerator or ""), story.catalogue.get(ind.denominator or "")
        n, d = story.fig(num.code).get("value"), story.fig(den.code).get("value")
        detail = (
            f"{number(n)}/{number(d)} {den.unit}"
            if num.unit == den.unit
            else f"{number(n)} {num.unit}/{number(d)} {den.unit}"
        )
        main = p.say("indicator.ratio", name=ind.name, verb=verb, value=value, detail=detail)
    elif ind.kind == "density":
        main = p.say("indicator.density_alone", name=ind.name, verb=verb, value=value, unit=ind.unit)
    else:
        time_rule = story.catalogue.time_rule(ind.code)
        shown_period = period.label if time_rule == "flow" else _stock_period(period)
        main = p.say(
            f"indicator.{time_rule}",
            name=ind.name,
            period=shown_period,
            verb=verb,
            value=value,
            unit=ind.unit,
        )
    main += _coverage_note(story, ind, period)
    extras = [x for x in [_growth(story, ind, fig)] if x]
    for dens in attached:
        dfig = story.fig(dens.code)
        if _ok(dfig.get("value")):
            extras.append(
                p.say("indicator.density", value=number(dfig["value"], dens.decimals), unit=dens.unit)
            )
    sentence = ", ".join([main, *extras])
    later: list[str] = []
    ytd_period = period.year_to_date
    is_flow = story.catalogue.time_rule(ind.code) == "flow"
    if is_flow and ytd_period != period and _ok(fig.get("ytd_value")):
        said = {q.code for q in period.quarters}
        later.append(
            p.say(
                "indicator.ytd",
                period=ytd_period.label,
                verb=_verb(story, bool(fig["ytd_is_estimate"])),
                value=number(fig["ytd_value"], ind.decimals),
                unit=ind.unit,
            )
            + _coverage_note(story, ind, ytd_period, skip=said)
        )
    if _ok(fig.get("plan_pct")):
        plan = p.say("indicator.plan", pct=number(fig["plan_pct"], 2))
        if later:
            later[-1] += f", {plan}"
        else:
            sentence += f", {plan}"
    part_texts = []
    for part in parts:
        pfig = story.fig(part.code)
        if _ok(pfig.get("value")):
            part_texts.append(
                p.say(
                    "indicator.part",
                    name=part.name,
                    value=number(pfig["value"], part.decimals),
                    unit=part.unit,
                )
            )
    if part_texts:
        later.append(p.say("indicator.parts", parts=", ".join(part_texts)))
    return capitalize_first("; ".join([sentence, *later])) + "."


def field_sentences(story: Story, field_code: str) -> list[str]:
    """Sentences for a field's figures, children and densities folded into their parent's sentence."""
    inds = story.catalogue.in_field(field_code)
    codes = {i.code for i in inds}
    folded: set[str] = set()
    for ind in inds:
        if ind.kind == "ratio":
            folded.update(ind.inputs)
        if ind.kind == "sum":
            folded.update(c for c in ind.parts if c in codes)
        if ind.parent in codes or (ind.kind == "density" and ind.base in codes):
            folded.add(ind.code)
    sentences = []
    for ind in inds:
        if ind.code in folded:
            continue
        attached = [d for d in inds if d.kind == "density" and d.base == ind.code]
        parts = [c for c in inds if c.parent == ind.code]
        if ind.kind == "sum":
            parts = [story.catalogue.get(c) for c in ind.parts if c in codes] + parts
        sentences.append(indicator_sentence(story, ind, attached, parts))
    if inds and all(not _ok(story.fig(i.code).get("value")) for i in inds):
        field_name = next(f.name for f in story.catalogue.fields if f.code == field_code)
        return [story.phrases.say("indicator.field_no_data", field=field_name, period=story.period.label)]
    return sentences


def folded_notes(story: Story, section: NoteSection) -> list[tuple[str | None, str, list[str]]]:
    """Notes of one section as (field, text, units), the same text from several units folded into one."""
    groups: dict[str, tuple[str | None, str, list[str]]] = {}
    for unit, note in story.notes:
        if note.section != section:
            continue
        key = fold(note.text)
        if key not in groups:
            groups[key] = (note.field, note.text.rstrip(" .;"), [])
        if unit not in groups[key][2]:
            groups[key][2].append(unit)
    order = {f.code: i for i, f in enumerate(story.catalogue.fields)}
    return sorted(groups.values(), key=lambda g: order.get(g[0] or "", -1))


def results_section(story: Story, number_: int) -> Section:
    """I. Kết quả đạt được: the lead figures, general highlights, then each field."""
    p = story.phrases
    fields = list(story.catalogue.fields)
    lead_field, other_fields = fields[0], fields[1:]
    lead_has_data = any(
        _ok(story.fig(i.code).get("value")) for i in story.catalogue.in_field(lead_field.code)
    )
    paragraphs = [" ".join(field_sentences(story, lead_field.code))] if lead_has_data else []
    highlights = folded_notes(story, "highlights")
    subsections = []
    general = [h for h in highlights if h[0] is None or h[0] == lead_field.code]
    if general:
        subsections.append(
            {
                "heading": p.say("headings.general"),
                "paragraphs": [
                    p.say("general", period=story.period.label, unit_kinds=story.province.unit_kinds_phrase)
                ]
                + [f"- {text} ({story.units_phrase(units)})." for _, text, units in general],
            }
        )
    for fdef in other_fields:
        paras = [" ".join(field_sentences(story, fdef.code))]
        local = [h for h in highlights if h[0] == fdef.code]
        if local:
            paras.append(p.say("headings.local"))
            paras += [f"- {text} ({story.units_phrase(units)})." for _, text, units in local]
        subsections.append({"heading": fdef.name, "paragraphs": paras})
    for i, sub in enumerate(subsections, start=1):
        sub["heading"] = f"{i}. {sub['heading']}"
    return {
        "heading": f"{roman(number_)}. {p.say('headings.results')}",
        "paragraphs": paragraphs,
        "subsections": subsections,
    }


# --- II. Limitations, III. Proposals, IV. Tasks ---------------------------------------------------------


def behind_plan(story: Story) -> list[tuple[Indicator, dict[str, Any]]]:
    """Flows with an annual plan whose year-to-date progress is behind the year's pace."""
    pace = story.period.year_fraction * 100
    margin = float(story.phrases.raw("rules.behind_plan_points"))
    out = []
    for ind in story.catalogue.indicators:
        fig = story.fig(ind.code)
        if (
            story.catalogue.time_rule(ind.code) == "flow"
            and _ok(fig.get("plan_pct"))
            and fig["plan_pct"] < pace - margin
        ):
            out.append((ind, fig))
    return out


def declines(story: Story) -> list[tuple[Indicator, dict[str, Any]]]:
    """Additive figures that fell against the same period last year by more than the rule's threshold."""
    limit = float(story.phrases.raw("rules.decline_pct"))
    return [
        (ind, story.fig(ind.code))
        for ind in story.catalogue.indicators
        if ind.kind in ("flow", "stock", "sum")
        and _ok(story.fig(ind.code).get("yoy_pct"))
        and story.fig(ind.code)["yoy_pct"] < -limit
    ]


def _first_reason(state: UnitState) -> str:
    reason = state.reasons[0] if state.reasons else ""
    more = len(state.reasons) - 1
    reason = reason.split(": ", 1)[-1] if ": " in reason else reason
    return reason + (f" và {more} lỗi khác" if more > 0 else "")


def _grouped(story: Story, items: Sequence[tuple[str | None, str]]) -> tuple[list[str], list[dict[str, Any]]]:
    """List items as general paragraphs (no field) and one numbered subsection per field, in catalogue order."""
    general = [f"- {capitalize_first(text)}" for field, text in items if field is None]
    subsections: list[dict[str, Any]] = []
    for fdef in story.catalogue.fields:
        texts = [f"- {capitalize_first(text)}" for field, text in items if field == fdef.code]
        if texts:
            subsections.append({"heading": f"{len(subsections) + 1}. {fdef.name}", "paragraphs": texts})
    return general, subsections


def _warning_example(state: UnitState) -> str:
    first = state.warnings[0]
    return first.split(": ", 1)[-1] if ": " in first else first


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
        items.append((ind.field, text))
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
                    )
                    items.append((None, text))
    late = [s.unit for s in story.states if s.state in ("received", "partial") and s.late]
    if late:
        items.append((None, p.say("limitations.late", units=story.units_phrase(late), period=period.label)))
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
    for ind, fig in behind_plan(story):
        text = p.say(
            "limitations.behind_plan",
            name=ind.name,
            period=period.year_to_date.label,
            pct=number(fig["plan_pct"], 2),
            pace=number(period.year_fraction * 100),
            verb=_verb(story, bool(fig["ytd_is_estimate"])),
        )
        items.append((ind.field, text))
    for ind, fig in declines(story):
        flow = story.catalogue.time_rule(ind.code) == "flow"
        text = p.say(
            "limitations.decline" if flow else "limitations.decline_stock",
            name=ind.name,
            period=period.label if flow else _stock_period(period),
            pct=number(abs(fig["yoy_pct"]), 1),
            last_year=period.year - 1,
        )
        items.append((ind.field, text))
    for field, text, units in folded_notes(story, "difficulties"):
        items.append(
            (field, p.say("limitations.attributed", text=text, units=story.units_phrase(units)) + ".")
        )
    general, subsections = _grouped(story, items)
    if not items:
        general = [p.say("limitations.none")]
    return {
        "heading": f"{roman(number_)}. {p.say('headings.limitations')}",
        "paragraphs": general,
        "subsections": subsections,
    }


_ASKING = ("de nghi", "kien nghi", "de xuat", "mong muon")


def proposals_section(story: Story, number_: int) -> Section:
    """III. Kiến nghị, đề xuất: each proposal attributed to the units that raised it."""
    p = story.phrases
    proposals = folded_notes(story, "proposals")
    paragraphs = []
    if proposals:
        paragraphs.append(p.say("proposals.intro", count=sum(len(u) for _, _, u in proposals)))
        for _, text, units in proposals:
            committees = "UBND " + join([story.unit_name(u) for u in units])
            key = "proposals.proposal" if fold(text).startswith(_ASKING) else "proposals.statement"
            phrase = p.say(
                key, committees=committees, text=lower_first(text) if key.endswith("proposal") else text
            )
            paragraphs.append(f"- {phrase}.")
    else:
        paragraphs.append(p.say("proposals.none"))
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
    for fdef in story.catalogue.fields:
        items += [(fdef.code, task) for task in prov.standing_tasks.get(fdef.code, ())]
    for ind, fig in behind_plan(story):
        text = p.say(
            "tasks.behind_plan",
            name=ind.name,
            period=period.year_to_date.label,
            pct=number(fig["plan_pct"], 2),
            year=period.year,
        )
        items.append((ind.field, text))
    for field, text, units in folded_notes(story, "next_tasks"):
        items.append((field, p.say("tasks.unit_task", text=text, units=story.units_phrase(units)) + "."))
    general, subsections = _grouped(story, items)
    if not items:
        general = ["- " + p.say("tasks.none", year=period.year)]
    intro = p.say("tasks.intro", next=period.next.label, agency=prov.agency.name)
    heading = p.say("headings.tasks", next=period.next.label)
    return {
        "heading": f"{roman(number_)}. {heading}",
        "paragraphs": [intro, *general],
        "subsections": subsections,
    }


def report_sections(story: Story) -> list[Section]:
    """The four sections of the briefing report, in the seeds' order."""
    return [
        results_section(story, 1),
        limitations_section(story, 2),
        proposals_section(story, 3),
        tasks_section(story, 4),
    ]
