"""Data quality: validation rules over indicator codes (data, in rules.yaml) and outliers against a unit's own
history. Both become findings on the submission they concern, so the report and `baocao status` show them.

A rule compares two expressions over one submission's codes: ``left``, ``op``, ``right``, e.g.
``IN02 <= IN01`` or ``VT01 + VT02 <= 2 * CN07``. Expressions hold codes, numbers, + - * / and parentheses;
they are parsed here, never evaluated as Python.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from statistics import median
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from baocao.catalogue import Catalogue
from baocao.errors import ConfigError, Location
from baocao.intake.layout import SHEET_DATA
from baocao.intake.model import Finding, Submission
from baocao.periods import Period
from baocao.vietnamese import number

_TOKEN = re.compile(r"\s*(?:(?P<code>[A-Za-z]{2,4}\d{2,3})|(?P<num>\d+(?:\.\d+)?)|(?P<op>[-+*/()]))")
_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": lambda a, b: a <= b + 1e-9,
    "<": lambda a, b: a < b,
    ">=": lambda a, b: a >= b - 1e-9,
    ">": lambda a, b: a > b,
    "==": lambda a, b: math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9),
}


class MissingValue(Exception):
    """An expression needs a code the submission has no value for."""


def tokens(expression: str) -> list[tuple[str, str]]:
    """('code'|'num'|'op', text) tokens of an expression; ValueError on anything else."""
    out, position = [], 0
    text = expression.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ValueError(f"cannot read {text[position:]!r} in {expression!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind).upper() if kind == "code" else match.group(kind)))
        position = match.end()
        while position < len(text) and text[position].isspace():
            position += 1
    return out


def evaluate(expression: str, values: Mapping[str, float], missing_as_zero: bool = False) -> float:
    """The expression's value (recursive descent: + - over * / over atoms)."""
    items = tokens(expression)
    position = 0

    def atom() -> float:
        nonlocal position
        kind, text = items[position]
        position += 1
        if kind == "num":
            return float(text)
        if kind == "code":
            if text not in values:
                if missing_as_zero:
                    return 0.0
                raise MissingValue(text)
            return float(values[text])
        if text == "(":
            value = sum_()
            position += 1  # ")"
            return value
        if text == "-":
            return -atom()
        raise ValueError(f"unexpected {text!r} in {expression!r}")

    def product() -> float:
        nonlocal position
        value = atom()
        while position < len(items) and items[position][1] in "*/":
            operator = items[position][1]
            position += 1
            right = atom()
            value = value * right if operator == "*" else (value / right if right else math.inf)
        return value

    def sum_() -> float:
        nonlocal position
        value = product()
        while position < len(items) and items[position][1] in "+-":
            operator = items[position][1]
            position += 1
            right = product()
            value = value + right if operator == "+" else value - right
        return value

    result = sum_()
    if position != len(items):
        raise ValueError(f"unexpected {items[position][1]!r} in {expression!r}")
    return result


class Rule(BaseModel):
    """One validation rule."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    left: str
    op: Literal["<=", "<", ">=", ">", "=="]
    right: str
    missing: Literal["skip", "zero", "error"] = "skip"
    severity: Literal["error", "warning"] = "warning"

    @field_validator("left", "right")
    @classmethod
    def _parses(cls, value: str) -> str:
        tokens(value)
        return value

    def codes(self) -> set[str]:
        """Every indicator code the rule reads."""
        return {text for kind, text in tokens(self.left) + tokens(self.right) if kind == "code"}

    def questioned(self) -> tuple[str, ...]:
        """The codes a broken rule casts doubt on: those of its left side (the figure it checks)."""
        return tuple(dict.fromkeys(text for kind, text in tokens(self.left) if kind == "code"))


class Outliers(BaseModel):
    """When a figure differs too much from the unit's own history."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stock_low: float = Field(default=0.5, gt=0, lt=1)
    stock_high: float = Field(default=3.0, gt=1)
    flow_factor: float = Field(default=3.0, gt=1)
    flow_history: int = Field(default=4, ge=2, le=12)
    min_base: float = Field(default=10.0, ge=0)


class RuleSet(BaseModel):
    """The contents of rules.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: tuple[Rule, ...] = ()
    outliers: Outliers = Field(default_factory=Outliers)


def load_rules(path: Path, catalogue: Catalogue) -> RuleSet:
    """Read rules.yaml and check that every code it names is in the catalogue."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        rules = RuleSet.model_validate(data)
    except FileNotFoundError:
        return RuleSet()
    except (yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"not a valid rules file: {exc}", path) from exc
    for rule in rules.rules:
        unknown = sorted(c for c in rule.codes() if c not in catalogue)
        if unknown:
            raise ConfigError(f"rule {rule.name!r} names unknown indicators: {', '.join(unknown)}", path)
    return rules


def rule_findings(sub: Submission, rules: Iterable[Rule]) -> list[Finding]:
    """The findings of the rules that one submission breaks."""
    where = Location(sub.path.name, SHEET_DATA)
    out = []
    for rule in rules:
        try:
            left = evaluate(rule.left, sub.values, rule.missing == "zero")
            right = evaluate(rule.right, sub.values, rule.missing == "zero")
        except MissingValue as missing:
            if rule.missing == "error":
                out.append(Finding(rule.severity, where, f'quy tắc "{rule.name}": thiếu số liệu {missing}'))
            continue
        if not _OPERATORS[rule.op](left, right):
            # Names, not codes: the message reaches leaders through the report.
            message = f'quy tắc "{rule.name}" không thỏa ({number(left, 2)} so với {number(right, 2)})'
            note = f"theo tiêu chí kiểm tra: {rule.name[:1].lower()}{rule.name[1:]}"
            out.append(Finding(rule.severity, where, message, rule.questioned(), note))
    return out


def outlier_findings(
    sub: Submission, history: Sequence[Submission], catalogue: Catalogue, settings: Outliers
) -> list[Finding]:
    """Warnings for figures far from the same unit's earlier quarters (``history``: oldest first)."""
    where = Location(sub.path.name, SHEET_DATA)
    quarter = Period.parse(sub.period or "")
    out = []
    for code, value in sub.values.items():
        indicator = catalogue.get(code)
        if indicator.kind == "stock" and history and code in history[-1].values:
            before = history[-1].values[code]
            if (
                max(before, value) >= settings.min_base
                and before > 0
                and not (settings.stock_low <= value / before <= settings.stock_high)
            ):
                change = "giảm hơn một nửa" if value < before else f"tăng gấp {number(value / before, 1)} lần"
                previous = Period.parse(history[-1].period or "").label if history[-1].period else "quý trước"
                out.append(
                    Finding(
                        "warning",
                        where,
                        (
                            f'"{indicator.name}" {change} so với {previous} '
                            f"({number(before, indicator.decimals)} → {number(value, indicator.decimals)})"
                        ),
                        (code,),
                        f"{change} so với {previous}, từ {number(before, indicator.decimals)} {indicator.unit}",
                    )
                )
        elif indicator.kind == "flow":
            past = [h.values[code] for h in history[-settings.flow_history :] if code in h.values]
            if len(past) >= 2:
                usual = median(past)
                if usual >= settings.min_base and not (
                    usual / settings.flow_factor <= value <= usual * settings.flow_factor
                ):
                    out.append(
                        Finding(
                            "warning",
                            where,
                            (
                                f'"{indicator.name}" {quarter.label} là {number(value, indicator.decimals)}, '
                                f"khác xa mức thường thấy của đơn vị (khoảng {number(usual, indicator.decimals)})"
                            ),
                            (code,),
                            f"mức thường thấy của đơn vị khoảng {number(usual, indicator.decimals)} {indicator.unit}",
                        )
                    )
    return out
