"""Pure: the department's own work in the report's voice ("Sở đã tham mưu UBND tỉnh ban hành…", "Sở đã cấp 11
giấy phép…"), from its workbook (``baocao.department``). Each function gives one section's share; without a
department workbook every one gives nothing, so the report says nothing about work it was not told of.
"""

from __future__ import annotations

import re
from datetime import date

from baocao.intake.model import Task
from baocao.story import Story, ok
from baocao.vietnamese import capitalize_first, number


def department_sentence(story: Story, field_code: str) -> str | None:
    """'Trong 6 tháng đầu năm 2024, Sở đã tham mưu UBND tỉnh ban hành 12 văn bản; …' from the department's
    figures of a field (each clause worded in phrases.yaml, department.clauses, by indicator code)."""
    dept = story.department
    if dept is None:
        return None
    clauses = []
    for ind in story.catalogue.department_in_field(field_code):
        value = dept.figures.get(ind.code)
        # "Sở đã cấp 0 giấy phép" says nothing: a zero is left to Phụ lục I.
        if value is None or not ok(value) or value == 0:
            continue
        words = {"value": number(value, ind.decimals), "unit": ind.unit, "name": ind.name}
        clauses_data = story.phrases.raw("department.clauses")
        key = f"department.clauses.{ind.code}" if ind.code in clauses_data else "department.clause"
        clauses.append(story.phrases.say(key, **words))
    if not clauses:
        return None
    return story.phrases.say("department.sentence", period=story.period.label, clauses="; ".join(clauses))


def department_results(
    story: Story, field_code: str, notes_of: tuple[str | None, ...] | None = None
) -> list[str]:
    """The department's sentence of a field's figures, then its own account of results (of ``notes_of``'s
    fields, None the general notes; the field's own by default) less the notes that only repeat those figures."""
    dept = story.department
    if dept is None:
        return []
    sentence = department_sentence(story, field_code)
    # A quarter's note repeats that quarter's figures: in a half-year the sums are not what it wrote.
    said = {
        figures[ind.code]
        for figures in (dept.figures, *dept.quarter_figures)
        for ind in story.catalogue.department_in_field(field_code)
        if ind.code in figures and ok(figures[ind.code])
    }
    notes = [text for f in notes_of or (field_code,) for text in dept.notes.get(("results", f), ())]
    return ([sentence] if sentence else []) + [
        f"- {capitalize_first(text.rstrip(' .;'))}."
        for text in notes
        if not (sentence and restates(text, said))
    ]


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def numbers_in(text: str) -> list[float]:
    """The numbers of a Vietnamese text ('03 cuộc', '1.928 thôn', '2,5 tỷ' -> 3, 1928, 2.5)."""
    values = []
    for token in _NUMBER.findall(text):
        whole, _, decimals = token.replace(".", "").partition(",")
        values.append(float(f"{whole}.{decimals}" if decimals else whole))
    return values


def restates(text: str, said: set[float]) -> bool:
    """Whether a note only repeats figures already said: it has numbers and every one of them is among ``said``
    ('Cấp 06 giấy phép xuất bản bản tin' after 'Sở đã cấp 6 giấy phép xuất bản bản tin')."""
    found = numbers_in(text)
    return bool(found) and all(any(abs(n - v) < 1e-9 for v in said) for n in found)


def department_rows(story: Story, field_code: str, first: int, with_ytd: bool) -> list[dict[str, object]]:
    """Phụ lục I rows of the department's own figures of a field (numbered from ``first``): the period's value;
    no plan, year to date or last year (its workbooks are read for the period alone)."""
    dept = story.department
    if dept is None:
        return []
    rows: list[dict[str, object]] = []
    for ind in story.catalogue.department_in_field(field_code):
        value = dept.figures.get(ind.code)
        if value is None or not ok(value):
            continue
        shown = number(value, ind.decimals) + ("*" if ind.code in dept.estimates else "")
        cells = [
            str(first + len(rows)),
            ind.name,
            ind.unit,
            "–",
            shown,
            *([""] if with_ytd else []),
            "–",
            "–",
            "–",
        ]
        rows.append({"cells": cells, "kind": "data"})
    return rows


def department_items(story: Story, section: str) -> list[tuple[str | None, str]]:
    """The department's notes of a section ('limitations', 'causes') as (field, text) list items."""
    dept = story.department
    if dept is None:
        return []
    return [
        (field, f"{capitalize_first(text.rstrip(' .;'))}.")
        for (kind, field), texts in dept.notes.items()
        if kind == section
        for text in texts
    ]


def department_proposals(story: Story) -> list[str]:
    """'Sở Thông tin và Truyền thông kiến nghị UBND tỉnh:' and its proposals, addressee by addressee."""
    dept = story.department
    if dept is None or not dept.proposals:
        return []
    by_whom: dict[str, list[str]] = {}
    for proposal in dept.proposals:
        by_whom.setdefault(proposal.addressee or "", []).append(proposal.text.rstrip(" .;"))
    out = []
    agency = story.province.agency.name
    for addressee, texts in by_whom.items():
        out.append(story.phrases.say("department.proposals_to", agency=agency, addressee=addressee))
        out += [f"- {capitalize_first(t)}." for t in texts]
    return out


def open_tasks(tasks: tuple[Task, ...], period_end: date) -> list[Task]:
    """The department's tasks still ahead at the period's end (one with a passed deadline was for this period)."""
    return [t for t in tasks if t.deadline is None or t.deadline > period_end]


def department_tasks(story: Story) -> list[tuple[str | None, str]]:
    """The department's tasks for the next period as (field, text): what, who leads it, by when."""
    dept = story.department
    if dept is None:
        return []
    # The next period starts on the first of the next month, whatever the reporting cut-off (the 14th under
    # the administrative calendar): a task due on 15/06 belongs to the first half-year, not to the second.
    end = story.period.end()
    out = []
    for task in open_tasks(dept.tasks, end):
        details = []
        if task.owner:
            details.append(story.phrases.say("department.owner", owner=task.owner))
        if task.deadline:
            details.append(story.phrases.say("department.deadline", date=f"{task.deadline:%d/%m/%Y}"))
        text = capitalize_first(task.text.rstrip(" .;"))
        out.append((task.field, f"{text} ({'; '.join(details)})." if details else f"{text}."))
    return out
