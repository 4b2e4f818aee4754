"""Pure: figures, unit states and notes -> the report's sections, worded from ``templates/phrases.yaml``.

A section is a plain dict: ``{"heading": str, "paragraphs": [str], "subsections": [{"heading", "paragraphs"}]}``.
Paragraphs starting with "- " are list items, as Vietnamese administrative documents write them. This module
writes the lead and I. Kết quả đạt được; sections II-IV are in ``baocao.sections``.
"""

from __future__ import annotations

from collections.abc import Sequence

from baocao.catalogue import Indicator
from baocao.coverage import UnitGap, indicator_gaps, needed_quarters, raw_inputs
from baocao.department_text import department_results
from baocao.figure import Figure
from baocao.history_text import history_paragraphs
from baocao.periods import Period, roman
from baocao.sections import limitations_section, proposals_section, tasks_section
from baocao.story import (
    Section,
    Story,
    count_noun,
    folded_notes,
    late_phrase,
    quarters_text,
    stock_period,
    summary_line,
    verb_for,
)
from baocao.vietnamese import capitalize_first, join, lower_first, number

__all__ = [
    "Story",
    "lead_paragraphs",
    "limitations_section",
    "proposals_section",
    "report_sections",
    "results_section",
    "summary_line",
    "tasks_section",
]


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
    late = late_phrase(story)
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
    return [lead, status, *history_paragraphs(story)]


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
    text = _coverage_text(story, ind, period, skip)
    return f" ({text})" if text else ""


def _coverage_text(story: Story, ind: Indicator, period: Period, skip: set[str] | None = None) -> str:
    """'chưa bao gồm số liệu quý I/2024 của huyện Nậm Pồ', or ''."""
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
    return story.phrases.say("coverage.excluded", items="; ".join(items)) if items else ""


# --- I. Results ------------------------------------------------------------------------------------------


def _growth(story: Story, ind: Indicator, fig: Figure) -> str | None:
    """'tăng 9% so với cùng kỳ năm 2023' ('so với năm 2023' in a year report); rates change in points."""
    p, last_year = story.phrases, story.period.year - 1
    delta = fig.change if ind.kind == "ratio" else fig.yoy_pct
    if delta is None:
        return None
    against = "compared_year" if story.period.kind == "year" else "compared_same_period"
    # Across the 2025 change: "so với cùng kỳ năm 2024 của tỉnh Lào Cai và tỉnh Yên Bái (cũ)".
    if story.crosses(story.period.same_period_last_year):
        compared = p.say(f"history.{against}", last_year=last_year, predecessors=story.predecessors_phrase())
    else:
        compared = p.say(f"indicator.{against}", last_year=last_year)
    words = {"last_year": last_year, "compared": compared}
    if abs(delta) < 0.05:
        return _with_base_note(p.say("indicator.growth_flat", **words), story, fig)
    if ind.kind == "ratio":
        key = "indicator.points_up" if delta > 0 else "indicator.points_down"
        return _with_base_note(p.say(key, points=number(abs(delta), 1), **words), story, fig)
    key = "indicator.growth_up" if delta > 0 else "indicator.growth_down"
    return _with_base_note(p.say(key, pct=number(abs(delta), 1), **words), story, fig)


def _plan_clause(story: Story, plan_pct: float) -> str:
    """'đạt 96,7% kế hoạch năm'; above 100% 'vượt kế hoạch'; at the year's end below 100% 'chưa hoàn thành'."""
    key = "indicator.plan"
    if plan_pct >= 100:
        key = "indicator.plan_exceeded"
    elif story.period.year_fraction >= 1:
        key = "indicator.plan_not_met"
    return story.phrases.say(key, pct=number(plan_pct, 2))


def _with_base_note(growth: str, story: Story, fig: Figure) -> str:
    """The growth, then ' (so sánh trên cùng 8 đơn vị …)' when the comparison leaves out units that reported
    this period; after a bracket already closing the growth ('… tỉnh Yên Bái (cũ)'), ', so sánh …' instead of
    a second bracket in a row."""
    if not 0 < fig.base_units < fig.units_reported:
        return growth
    note = story.phrases.say("coverage.base", count=fig.base_units)
    return f"{growth}, {note}" if growth.endswith(")") else f"{growth} ({note})"


def indicator_sentence(
    story: Story,
    ind: Indicator,
    attached: Sequence[Indicator] = (),
    parts: Sequence[Indicator] = (),
    variant: int = 0,
) -> str:
    """One sentence about a province figure: value, growth, year to date, plan, densities, parts; worded with
    the ``variant``-th wording of its phrase, so that sentences in a row do not all read alike."""
    p, period, fig = story.phrases, story.period, story.fig(ind.code)
    if fig.value is None:
        return capitalize_first(p.say("indicator.no_data", name=ind.name, period=period.label)) + "."
    verb = verb_for(story, fig.is_estimate)
    value = number(fig.value, ind.decimals)
    if ind.kind == "ratio":
        num, den = story.catalogue.get(ind.numerator or ""), story.catalogue.get(ind.denominator or "")
        n, d = story.fig(num.code).value, story.fig(den.code).value
        detail = (
            f"{number(n)}/{number(d)} {den.unit}"
            if num.unit == den.unit
            else f"{number(n)} {num.unit}/{number(d)} {den.unit}"
        )
        # What the rate lacks goes inside its bracket of terms, not in a second bracket.
        lacking = _coverage_text(story, ind, period)
        detail += f"; {lacking}" if lacking else ""
        main = p.say("indicator.ratio", name=ind.name, verb=verb, value=value, detail=detail)
    elif ind.kind == "density":
        main = p.say("indicator.density_alone", name=ind.name, verb=verb, value=value, unit=ind.unit)
    else:
        time_rule = story.catalogue.time_rule(ind.code)
        shown_period = period.label if time_rule == "flow" else stock_period(period)
        words = {"name": ind.name, "period": shown_period, "verb": verb, "value": value, "unit": ind.unit}
        noun = count_noun(ind.name, ind.unit)
        scope = story.province.total_label[:1].lower() + story.province.total_label[1:]
        if ind.code in p.raw("indicator").get("by_code", {}):
            # The indicator's own verb where "đạt" does not fit: "toàn tỉnh phát sóng 4.313 giờ phát thanh".
            own = {
                **words,
                "scope": scope,
                "est": p.say("indicator.estimate_word") + " " if fig.is_estimate else "",
            }
            main = p.say_variant(f"indicator.by_code.{ind.code}", variant, own)
        elif time_rule == "stock" and noun and variant % 2:
            # "Đến cuối quý II/2024, toàn tỉnh có 2.224 trạm thu phát sóng di động (BTS)".
            has = p.say("indicator.has_estimate" if fig.is_estimate else "indicator.has")
            main = p.say(
                "indicator.stock_count", period=shown_period, scope=scope, has=has, value=value, noun=noun
            )
        else:
            main = p.say_variant(f"indicator.{time_rule}", variant, words)
    if ind.kind != "ratio":
        main += _coverage_note(story, ind, period)
    # Growth for the key figures only: the body says what they mean, Phụ lục I holds every comparison.
    extras = [x for x in [_growth(story, ind, fig)] if x] if ind.key else []
    for dens in attached:
        density = story.fig(dens.code).value
        if density is not None:
            extras.append(p.say("indicator.density", value=number(density, dens.decimals), unit=dens.unit))
    sentence = ", ".join([main, *extras])
    # The parts belong to the period's value: said right after it, before any year-to-date clause.
    clauses = [sentence, *_parts_clause(story, parts)]
    ytd_period = period.year_to_date
    is_flow = story.catalogue.time_rule(ind.code) == "flow"
    has_ytd = is_flow and ytd_period != period and fig.ytd_value is not None
    if has_ytd:
        said = {q.code for q in period.quarters}
        clauses.append(
            p.say(
                "indicator.ytd",
                period=ytd_period.label,
                verb=verb_for(story, fig.ytd_is_estimate),
                value=number(fig.ytd_value, ind.decimals),
                unit=ind.unit,
            )
            + _coverage_note(story, ind, ytd_period, skip=said)
        )
    if fig.plan_pct is not None:
        plan = _plan_clause(story, fig.plan_pct)
        # The plan share is of the year to date when there is one, else of the period's own value.
        if has_ytd:
            clauses[-1] += f", {plan}"
        else:
            clauses[0] += f", {plan}"
    return capitalize_first("; ".join(clauses)) + "."


def _parts_clause(story: Story, parts: Sequence[Indicator]) -> list[str]:
    """'trong đó A x, B y' for the parts that have a value, or nothing."""
    texts = []
    for part in parts:
        part_value = story.fig(part.code).value
        if part_value is not None:
            texts.append(
                story.phrases.say(
                    "indicator.part",
                    name=part.name,
                    value=number(part_value, part.decimals),
                    unit=part.unit,
                )
            )
    return [story.phrases.say("indicator.parts", parts=", ".join(texts))] if texts else []


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
    sentences: list[str] = []
    order = [f.code for f in story.catalogue.fields].index(field_code)
    for ind in inds:
        if ind.code in folded or not in_body(ind):
            continue
        attached = [d for d in inds if d.kind == "density" and d.base == ind.code]
        parts = [c for c in inds if c.parent == ind.code]
        if ind.kind == "sum":
            parts = [story.catalogue.get(c) for c in ind.parts if c in codes] + parts
        # Alternate the wordings sentence by sentence, starting one further in each field.
        sentences.append(indicator_sentence(story, ind, attached, parts, order + len(sentences) + 1))
    field_name = next(f.name for f in story.catalogue.fields if f.code == field_code)
    if inds and all(story.fig(i.code).value is None for i in inds):
        return [story.phrases.say("indicator.field_no_data", field=field_name, period=story.period.label)]
    if inds and not sentences:
        return [story.phrases.say("indicator.field_in_annex", field=field_name)]
    return sentences


def in_body(ind: Indicator) -> bool:
    """Whether the body speaks of an indicator: the catalogue's key figures, planned ones and rates; the others
    are in Phụ lục I (a body reciting every figure is what the seeds never do)."""
    return ind.key or ind.plan or ind.kind == "ratio"


def results_section(story: Story, number_: int) -> Section:
    """I. Kết quả đạt được: the lead figures, general highlights, then each field."""
    p = story.phrases
    fields = list(story.catalogue.fields)
    lead_field, other_fields = fields[0], fields[1:]
    lead_has_data = any(
        story.fig(i.code).value is not None for i in story.catalogue.in_field(lead_field.code)
    )
    paragraphs = [" ".join(field_sentences(story, lead_field.code))] if lead_has_data else []
    highlights = folded_notes(story, "highlights")
    subsections = []
    general = [h for h in highlights if h[0] is None or h[0] == lead_field.code]
    # The department's own work opens "Kết quả chung" and each field, before the units' (as the seeds do).
    own = department_results(story, lead_field.code, notes_of=(None, lead_field.code))
    if general or own:
        paras = [p.say("general", period=story.period.label, unit_kinds=story.province.unit_kinds_phrase)]
        paras += own
        if general and own:
            paras.append(p.say("headings.local"))
        paras += [f"- {text} ({story.attribution(units)})." for _, text, units in general]
        subsections.append({"heading": p.say("headings.general"), "paragraphs": paras})
    for fdef in other_fields:
        paras = [*department_results(story, fdef.code), " ".join(field_sentences(story, fdef.code))]
        local = [h for h in highlights if h[0] == fdef.code]
        if local:
            # One paragraph: a label line and one-line bullets under each of nine fields fill a page.
            said = "; ".join(f"{lower_first(text)} ({story.attribution(units)})" for _, text, units in local)
            paras.append(p.say("headings.local_line", items=said))
        subsections.append({"heading": fdef.name, "paragraphs": paras})
    for i, sub in enumerate(subsections, start=1):
        sub["heading"] = f"{i}. {sub['heading']}"
    return {
        "heading": f"{roman(number_)}. {p.say('headings.results')}",
        "paragraphs": paragraphs,
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
