"""The indicator catalogue and a province's configuration: loading and validation.

Both are data (``templates/indicators.yaml``, ``inputs/<province>/province.yaml``); this module only reads and
checks them, so a province can add an indicator or move from districts to communes without a code change.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable
from datetime import date
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
from baocao.periods import Calendar, Period, deadline
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


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldDef(_Model):
    """A field (lĩnh vực) of the report: Bưu chính, Viễn thông, ..."""

    code: str
    name: str


class Indicator(_Model):
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


class Range(_Model):
    """The plausible values of one unit's figure for one quarter."""

    min: float = 0.0
    max: float = Field(default=DEFAULT_MAX, le=LIMIT)

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not (math.isfinite(self.min) and self.min <= self.max):
            raise ValueError(f"range min {self.min} must be finite and at most max {self.max}")
        return self


class ChartDef(_Model):
    """A chart of the report: one indicator by unit for the period, or the province over recent quarters."""

    kind: Literal["units", "trend"]
    indicator: str


class Catalogue(_Model):
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
                raise ValueError(f"{ind.code}: min/max: {_validation_message(exc)}") from None
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
                raise ValueError(f"{ind.code}: min/max: {_validation_message(exc)}") from None

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


# The customary order of unit kinds in running text ("các huyện, thị xã, thành phố"); other kinds are allowed.
UNIT_KIND_ORDER = ("huyện", "quận", "thị xã", "thành phố", "xã", "phường", "thị trấn", "đặc khu")


class Unit(_Model):
    """A reporting unit (a district until mid-2025, a commune or ward since)."""

    code: str
    name: str
    kind: str = Field(min_length=1)
    population: dict[int, int] = Field(default_factory=dict)
    plans: dict[int, dict[str, float]] = Field(default_factory=dict)
    email: str | None = None

    @field_validator("code", mode="before")
    @classmethod
    def _code_as_text(cls, value: Any) -> Any:
        # YAML reads `code: 8001` as a number; a code is text.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("code")
    @classmethod
    def _safe_code(cls, value: str) -> str:
        value = nfc(value)
        if not value or not all(c.isalnum() or c in "-_" for c in value) or not value.isascii():
            raise ValueError(f"unit code {value!r} must be ASCII letters, digits, '-' or '_'")
        return value

    @field_validator("name", "kind", mode="before")
    @classmethod
    def _nfc(cls, value: Any) -> Any:
        return nfc(value) if isinstance(value, str) else value

    @property
    def full_name(self) -> str:
        """'huyện Bát Xát', 'thành phố Lào Cai', 'xã Tả Van'."""
        return f"{self.kind} {self.name}"

    @property
    def people_committee(self) -> str:
        """'UBND huyện Bát Xát': how the seeds attribute a unit's proposals."""
        return f"UBND {self.full_name}"

    def population_in(self, year: int) -> int | None:
        """Population for ``year``, else the latest earlier year given, else None."""
        years = sorted(y for y in self.population if y <= year)
        return self.population[years[-1]] if years else None


class Agency(_Model):
    """The issuing agency."""

    name: str
    abbreviation: str
    short_name: str | None = None


class Signer(_Model):
    """Who signs: 'GIÁM ĐỐC', or 'KT. GIÁM ĐỐC' over 'PHÓ GIÁM ĐỐC'."""

    name: str
    title: str = "GIÁM ĐỐC"
    on_behalf_of: str | None = None


class MailList(_Model):
    """Who receives the finished documents by e-mail."""

    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()

    @field_validator("to", "cc")
    @classmethod
    def _addresses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for address in value:
            local, _, domain = address.partition("@")
            if not local or "." not in domain or any(c in address for c in " ,;<>"):
                raise ValueError(f"not an e-mail address: {address!r}")
        return value

    @property
    def everyone(self) -> tuple[str, ...]:
        """To and Cc together."""
        return (*self.to, *self.cc)


class Layout(_Model):
    """Page margins and body size, within the ranges of Nghị định 30/2020 (Phụ lục I)."""

    top_mm: float = Field(default=20, ge=20, le=25)
    bottom_mm: float = Field(default=20, ge=20, le=25)
    left_mm: float = Field(default=30, ge=30, le=35)
    right_mm: float = Field(default=15, ge=15, le=20)
    body_pt: float = Field(default=14, ge=13, le=14)
    # Above this many units the per-unit annex tables are left to the XLSX (see context.annexes).
    annex_units_max: int = Field(default=40, ge=1)


class Province(_Model):
    """A province's configuration: agency, units, population, plans, signer, recipients."""

    code: str
    name: str
    parent_body: str = ""
    agency: Agency
    place: str = ""
    calendar: Calendar = "administrative"
    deadline_working_days: int = Field(default=5, ge=0, le=60)
    # A changed figure this many days after a quarter's deadline waits for staff confirmation (baocao.held).
    hold_after_days: int = Field(default=30, ge=0, le=3660)
    holidays: tuple[date, ...] = ()
    units: tuple[Unit, ...]
    plans: dict[int, dict[str, float]] = Field(default_factory=dict)
    signer: Signer
    recipients: tuple[str, ...] = ()
    standing_tasks: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    participants: str | None = None
    layout: Layout = Field(default_factory=Layout)
    delivery: MailList = Field(default_factory=MailList)
    # The national roll-up (provinces as units) says "Toàn quốc" and has no "tỉnh" in its author line.
    total_label: str = "Toàn tỉnh"
    kind: str = "tỉnh"  # how the roll-up names it: "tỉnh Lào Cai", "thành phố Hà Nội"
    author: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _defaults_from_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("name"):
            data = dict(data)
            data.setdefault("parent_body", f"Ủy ban nhân dân {data.get('kind', 'tỉnh')} {data['name']}")
            data.setdefault("place", data["name"])
            agency = data.get("agency")
            if isinstance(agency, dict) and agency.get("name"):
                data.setdefault("author", f"{agency['name']} {data.get('kind', 'tỉnh')} {data['name']}")
        return data

    @model_validator(mode="after")
    def _unique_units(self) -> Province:
        codes = [u.code for u in self.units]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"unit codes used twice: {', '.join(duplicates)}")
        if not self.units:
            raise ValueError("a province needs at least one reporting unit")
        if self.code in codes:
            raise ValueError(
                f"the province code {self.code!r} is also a unit code; the province row needs its own"
            )
        return self

    _by_code: dict[str, Unit] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any, /) -> None:
        self._by_code = {u.code: u for u in self.units}

    def unit(self, code: str) -> Unit:
        """The unit with this code (KeyError if none)."""
        return self._by_code[code]

    @property
    def unit_codes(self) -> tuple[str, ...]:
        """Codes of the expected reporting units, in configuration order."""
        return tuple(u.code for u in self.units)

    def deadline(self, quarter: Period) -> date:
        """When a unit's submission for ``quarter`` is due under this province's calendar."""
        return deadline(quarter, self.calendar, self.deadline_working_days, frozenset(self.holidays))

    def plan_for(self, indicator: str, year: int, unit: str | None = None) -> float | None:
        """The annual plan target of an indicator (province-wide, or for one unit)."""
        source = self.plans if unit is None else self.unit(unit).plans
        value = source.get(year, {}).get(indicator)
        return None if value is None else float(value)

    @property
    def unit_kinds_phrase(self) -> str:
        """'huyện, thị xã, thành phố' or 'xã, phường': the kinds present, in the customary order."""
        present = list(dict.fromkeys(u.kind for u in self.units))
        known = [k for k in UNIT_KIND_ORDER if k in present]
        return ", ".join(known + [k for k in present if k not in UNIT_KIND_ORDER])


def _read_yaml(path: Path) -> Any:
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


def _validation_message(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors()[:10]:
        where = ".".join(str(p) for p in err["loc"])
        lines.append(f"{where}: {err['msg']}" if where else err["msg"])
    return "; ".join(lines)


def load_catalogue(path: Path) -> Catalogue:
    """Read and check an indicator catalogue (``indicators.yaml``)."""
    data = _read_yaml(path)
    try:
        return Catalogue.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_validation_message(exc), path) from exc


def load_province(path: Path, catalogue: Catalogue | None = None) -> Province:
    """Read and check a province configuration (``province.yaml``), against the catalogue if given."""
    data = _read_yaml(path)
    try:
        province = Province.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_validation_message(exc), path) from exc
    if catalogue is not None:
        known = {i.code for i in (*catalogue.indicators, *catalogue.department)}
        unknown = sorted(_plan_codes(province) - known)
        if unknown:
            raise ConfigError(f"plans name unknown indicators: {', '.join(unknown)}", path)
        unknown_fields = sorted(set(province.standing_tasks) - {f.code for f in catalogue.fields})
        if unknown_fields:
            raise ConfigError(f"standing_tasks name unknown fields: {', '.join(unknown_fields)}", path)
    return province


def _plan_codes(province: Province) -> set[str]:
    codes: set[str] = set()
    plan_maps: Iterable[dict[int, dict[str, float]]] = [province.plans, *(u.plans for u in province.units)]
    for plans in plan_maps:
        for targets in plans.values():
            codes.update(targets)
    return codes
