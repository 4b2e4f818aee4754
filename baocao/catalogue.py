"""The indicator catalogue: loading and validation (a province's configuration is in ``baocao.province``).

Both are data (``templates/indicators.yaml``, ``inputs/<province>/province.yaml``); these modules only read and
check them, so a province can add an indicator or move from districts to communes without a code change.
"""

from __future__ import annotations

import math
import unicodedata
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from baocao.errors import ConfigError
from baocao.yamlfile import parse_yaml

IndicatorKind = Literal["flow", "stock", "ratio", "density", "sum"]
# Who reports a figure: the units (forms per unit), or the department itself (its own workbook: licences,
# inspections, training...), whose figure is the province's.
IndicatorSource = Literal["unit", "department"]
SUBMITTED_KINDS: frozenset[str] = frozenset({"flow", "stock"})
# The bound of a figure whose unit of measure the catalogue's `ranges` does not name, and the most any range
# may allow: far above any unit's quarter, far below what number formatting (Babel's Decimal) chokes on.
DEFAULT_MAX = 1e9
LIMIT = 1e15


def nfc(text: str) -> str:
    """Text in Unicode NFC with surrounding whitespace removed (Vietnamese input methods differ)."""
    return unicodedata.normalize("NFC", text).strip()


class ConfigModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldDef(ConfigModel):
    """A field (lĩnh vực) of the report: Bưu chính, Viễn thông, ..."""

    code: str
    name: str


class Indicator(ConfigModel):
    """One indicator of the catalogue and how it aggregates."""

    code: str
    name: str
    field: str
    unit: str
    kind: IndicatorKind
    decimals: int = Field(default=0, ge=0, le=4)
    plan: bool = False
    key: bool = False
    parent: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    scale: float = 100.0
    base: str | None = None
    parts: tuple[str, ...] = ()
    help: str | None = None
    min: float | None = None
    max: float | None = None
    source: IndicatorSource = "unit"

    @field_validator("code", "name", "field", "unit")
    @classmethod
    def _normalise(cls, value: str) -> str:
        return nfc(value)

    @model_validator(mode="after")
    def _kind_needs_inputs(self) -> Indicator:
        if self.kind == "ratio" and not (self.numerator and self.denominator):
            raise ValueError(f"{self.code}: a ratio needs 'numerator' and 'denominator'")
        if self.kind == "density" and not self.base:
            raise ValueError(f"{self.code}: a density needs 'base' (the stock counted per 100 inhabitants)")
        if self.kind == "sum" and len(self.parts) < 2:
            raise ValueError(f"{self.code}: a sum needs at least two 'parts'")
        return self

    @property
    def submitted(self) -> bool:
        """Whether units report this indicator (flows and stocks) rather than it being derived."""
        return self.kind in SUBMITTED_KINDS

    @property
    def inputs(self) -> tuple[str, ...]:
        """The indicators a derived indicator is computed from."""
        if self.kind == "ratio":
            return (self.numerator or "", self.denominator or "")
        if self.kind == "density":
            return (self.base or "",)
        return self.parts


class Range(ConfigModel):
    """The plausible values of one unit's figure for one quarter."""

    min: float = 0.0
    max: float = Field(default=DEFAULT_MAX, le=LIMIT)

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not (math.isfinite(self.min) and self.min <= self.max):
            raise ValueError(f"range min {self.min} must be finite and at most max {self.max}")
        return self


class ChartDef(ConfigModel):
    """A chart of the report: one indicator by unit for the period, or the province over recent quarters."""

    kind: Literal["units", "trend"]
    indicator: str


class Catalogue(ConfigModel):
    """The ordered list of fields and indicators, and the report's charts.

    ``indicators`` are the units' (and derived) ones; ``department`` the department's own, which the YAML
    lists among the others with ``source: department``: kept apart so that unit forms, checks and the
    per-unit aggregation never see them.
    """

    fields: tuple[FieldDef, ...]
    indicators: tuple[Indicator, ...]
    department: tuple[Indicator, ...] = ()
    charts: tuple[ChartDef, ...] = ()
    ranges: dict[str, Range] = Field(default_factory=dict)  # by unit of measure; "default" for the others

    @model_validator(mode="before")
    @classmethod
    def _department_apart(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("indicators"), (list, tuple)):
            return data

        def source(item: Any) -> Any:
            return item.get("source") if isinstance(item, dict) else getattr(item, "source", None)

        data = dict(data)
        items = list(data["indicators"])
        data["indicators"] = [i for i in items if source(i) != "department"]
        data["department"] = [*data.get("department", ()), *(i for i in items if source(i) == "department")]
        return data

    @field_validator("ranges")
    @classmethod
    def _nfc_keys(cls, value: dict[str, Range]) -> dict[str, Range]:
        return {nfc(k): v for k, v in value.items()}

    @model_validator(mode="after")
    def _consistent(self) -> Catalogue:
        codes = [i.code for i in self.indicators]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"indicator codes used twice: {', '.join(duplicates)}")
        field_codes = {f.code for f in self.fields}
        by_code = {i.code: i for i in self.indicators}
        for ind in self.indicators:
            if ind.field not in field_codes:
                raise ValueError(f"{ind.code}: unknown field {ind.field!r}")
            for ref in (*ind.inputs, *([ind.parent] if ind.parent else [])):
                if ref not in by_code:
                    raise ValueError(f"{ind.code}: refers to unknown indicator {ref!r}")
            if ind.kind == "density":
                base = by_code[ind.base or ""]
                parts_kind = {by_code[p].kind for p in base.parts} if base.kind == "sum" else {base.kind}
                if parts_kind != {"stock"}:
                    raise ValueError(f"{ind.code}: the base of a density must be a stock")
            if ind.kind == "sum":
                kinds = {by_code[p].kind for p in ind.parts}
                if len(kinds) != 1 or not kinds <= SUBMITTED_KINDS:
                    raise ValueError(f"{ind.code}: the parts of a sum must all be flows or all stocks")
            if ind.kind == "ratio" and not all(by_code[r].submitted for r in ind.inputs):
                raise ValueError(f"{ind.code}: numerator and denominator must be submitted indicators")
            try:
                Range(**self._range_of(ind))  # an indicator's own min/max must make a range too
            except ValidationError as exc:
                raise ValueError(f"{ind.code}: min/max: {validation_message(exc)}") from None
        for chart in self.charts:
            if chart.indicator not in by_code:
                raise ValueError(f"charts: unknown indicator {chart.indicator!r}")
        self._check_department(field_codes, set(by_code))
        return self

    def _check_department(self, field_codes: set[str], unit_codes: set[str]) -> None:
        own = [i.code for i in self.department]
        twice = sorted({c for c in own if own.count(c) > 1} | (set(own) & unit_codes))
        if twice:
            raise ValueError(f"indicator codes used twice: {', '.join(twice)}")
        for ind in self.department:
            if ind.source != "department":
                raise ValueError(f"{ind.code}: listed under 'department' needs source: department")
            if ind.kind not in SUBMITTED_KINDS:
                # The department reports figures; nothing derived is computed from them.
                raise ValueError(f"{ind.code}: a department indicator must be a flow or a stock")
            if ind.field not in field_codes:
                raise ValueError(f"{ind.code}: unknown field {ind.field!r}")
            if ind.parent and ind.parent not in own:
                raise ValueError(f"{ind.code}: parent {ind.parent!r} must be a department indicator")
            try:
                Range(**self._range_of(ind))
            except ValidationError as exc:
                raise ValueError(f"{ind.code}: min/max: {validation_message(exc)}") from None

    _by_code: dict[str, Indicator] = PrivateAttr(default_factory=dict)
    _own: dict[str, Indicator] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any, /) -> None:
        self._by_code = {ind.code: ind for ind in self.indicators}
        self._own = {ind.code: ind for ind in self.department}

    def _range_of(self, ind: Indicator) -> dict[str, float]:
        base = self.ranges.get(ind.unit) or self.ranges.get("default") or Range()
        return {
            "min": base.min if ind.min is None else ind.min,
            "max": base.max if ind.max is None else ind.max,
        }

    def bounds(self, code: str) -> tuple[float, float]:
        """The plausible (min, max) of one unit's quarterly figure: the indicator's own, else its unit's."""
        found = self._range_of(self._by_code.get(code) or self.department_indicator(code))
        return found["min"], found["max"]

    def department_indicator(self, code: str) -> Indicator:
        """The department's own indicator with this code (KeyError if none)."""
        return self._own[code]

    def is_department(self, code: str) -> bool:
        """Whether ``code`` is one of the department's own indicators (units do not report it)."""
        return code in self._own

    def department_in_field(self, field_code: str) -> tuple[Indicator, ...]:
        """The department's own indicators of one field, in catalogue order."""
        return tuple(i for i in self.department if i.field == field_code)

    def get(self, code: str) -> Indicator:
        """The indicator with this code (KeyError if none)."""
        return self._by_code[code]

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    @property
    def submitted(self) -> tuple[Indicator, ...]:
        """Indicators units report, in catalogue order."""
        return tuple(i for i in self.indicators if i.submitted)

    def in_field(self, field_code: str) -> tuple[Indicator, ...]:
        """Indicators of one field, in catalogue order."""
        return tuple(i for i in self.indicators if i.field == field_code)

    def time_rule(self, code: str) -> Literal["flow", "stock"]:
        """How an indicator aggregates over time: flows sum, everything else is read at period end."""
        ind = self.get(code)
        if ind.kind == "sum":
            return self.time_rule(ind.parts[0])
        return "flow" if ind.kind == "flow" else "stock"


def read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError("file not found", path) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text ({exc.reason})", path) from exc
    try:
        return parse_yaml(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}", path) from exc


def validation_message(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors()[:10]:
        where = ".".join(str(p) for p in err["loc"])
        lines.append(f"{where}: {err['msg']}" if where else err["msg"])
    return "; ".join(lines)


def load_catalogue(path: Path) -> Catalogue:
    """Read and check an indicator catalogue (``indicators.yaml``)."""
    data = read_yaml(path)
    try:
        return Catalogue.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(validation_message(exc), path) from exc
