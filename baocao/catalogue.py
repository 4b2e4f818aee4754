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
            raise ValueError(f"{self.code}: chỉ tiêu tỷ lệ cần 'numerator' (tử số) và 'denominator' (mẫu số)")
        if self.kind == "density" and not self.base:
            raise ValueError(f"{self.code}: chỉ tiêu mật độ cần 'base' (chỉ tiêu hiện có tính trên 100 dân)")
        if self.kind == "sum" and len(self.parts) < 2:
            raise ValueError(f"{self.code}: chỉ tiêu tổng cần ít nhất hai 'parts' (thành phần)")
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
            raise ValueError(
                f"khoảng giá trị: min {self.min} phải là số hữu hạn, không lớn hơn max {self.max}"
            )
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
            raise ValueError(f"mã chỉ tiêu bị trùng: {', '.join(duplicates)}")
        field_codes = {f.code for f in self.fields}
        by_code = {i.code: i for i in self.indicators}
        for ind in self.indicators:
            if ind.field not in field_codes:
                raise ValueError(f"{ind.code}: không có lĩnh vực {ind.field!r}")
            for ref in (*ind.inputs, *([ind.parent] if ind.parent else [])):
                if ref not in by_code:
                    raise ValueError(f"{ind.code}: dẫn đến chỉ tiêu không có {ref!r}")
            if ind.kind == "density":
                base = by_code[ind.base or ""]
                parts_kind = {by_code[p].kind for p in base.parts} if base.kind == "sum" else {base.kind}
                if parts_kind != {"stock"}:
                    raise ValueError(f"{ind.code}: chỉ tiêu gốc của mật độ phải là chỉ tiêu hiện có (stock)")
            if ind.kind == "sum":
                kinds = {by_code[p].kind for p in ind.parts}
                if len(kinds) != 1 or not kinds <= SUBMITTED_KINDS:
                    raise ValueError(
                        f"{ind.code}: các thành phần của tổng phải cùng là chỉ tiêu phát sinh (flow) hoặc cùng là hiện có (stock)"
                    )
            if ind.kind == "ratio" and not all(by_code[r].submitted for r in ind.inputs):
                raise ValueError(f"{ind.code}: tử số và mẫu số phải là chỉ tiêu đơn vị báo cáo")
            try:
                Range(**self._range_of(ind))  # an indicator's own min/max must make a range too
            except ValidationError as exc:
                raise ValueError(f"{ind.code}: min/max: {validation_message(exc)}") from None
        for chart in self.charts:
            if chart.indicator not in by_code:
                raise ValueError(f"charts: không có chỉ tiêu {chart.indicator!r}")
        self._check_department(field_codes, set(by_code))
        return self

    def _check_department(self, field_codes: set[str], unit_codes: set[str]) -> None:
        own = [i.code for i in self.department]
        twice = sorted({c for c in own if own.count(c) > 1} | (set(own) & unit_codes))
        if twice:
            raise ValueError(f"mã chỉ tiêu bị trùng: {', '.join(twice)}")
        for ind in self.department:
            if ind.source != "department":
                raise ValueError(f"{ind.code}: chỉ tiêu trong mục 'department' cần source: department")
            if ind.kind not in SUBMITTED_KINDS:
                # The department reports figures; nothing derived is computed from them.
                raise ValueError(
                    f"{ind.code}: chỉ tiêu của Sở phải là chỉ tiêu phát sinh (flow) hoặc hiện có (stock)"
                )
            if ind.field not in field_codes:
                raise ValueError(f"{ind.code}: không có lĩnh vực {ind.field!r}")
            if ind.parent and ind.parent not in own:
                raise ValueError(f"{ind.code}: chỉ tiêu cha {ind.parent!r} phải là chỉ tiêu của Sở")
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
        raise ConfigError("không tìm thấy tệp", path) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"không phải văn bản UTF-8 ({exc.reason})", path) from exc
    try:
        return parse_yaml(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"không phải YAML hợp lệ: {exc}", path) from exc


# Pydantic's messages are English; the people who edit the configuration read Vietnamese. Types not listed
# keep pydantic's own words.
_PYDANTIC_WORDS = {
    "missing": "thiếu mục này",
    "extra_forbidden": "mục không có trong cấu hình (viết sai tên?)",
    "int_parsing": "cần một số nguyên",
    "int_type": "cần một số nguyên",
    "int_from_float": "cần một số nguyên",
    "float_parsing": "cần một số",
    "float_type": "cần một số",
    "string_type": "cần một đoạn văn bản",
    "bool_parsing": "cần true hoặc false",
    "bool_type": "cần true hoặc false",
    "date_parsing": "cần một ngày dạng YYYY-MM-DD",
    "date_from_datetime_parsing": "cần một ngày dạng YYYY-MM-DD",
    "date_type": "cần một ngày dạng YYYY-MM-DD",
    "list_type": "cần một danh sách",
    "dict_type": "cần một bảng các mục (tên: giá trị)",
    "model_type": "cần một bảng các mục (tên: giá trị)",
    "greater_than": "cần lớn hơn {gt}",
    "greater_than_equal": "cần từ {ge} trở lên",
    "less_than": "cần nhỏ hơn {lt}",
    "less_than_equal": "cần không quá {le}",
    "string_too_short": "cần ít nhất {min_length} ký tự",
    "string_too_long": "cần không quá {max_length} ký tự",
    "too_short": "cần ít nhất {min_length} mục",
    "too_long": "cần không quá {max_length} mục",
    "literal_error": "cần một trong: {expected}",
    "enum": "cần một trong: {expected}",
    "string_pattern_mismatch": "không đúng dạng {pattern}",
}


def _vietnamese(err: Any) -> str:
    """One pydantic error in Vietnamese; a validator's own (Vietnamese) message without pydantic's prefix."""
    context = err.get("ctx") or {}
    if err["type"] in ("value_error", "assertion_error") and "error" in context:
        return str(context["error"])
    words = _PYDANTIC_WORDS.get(err["type"])
    if words is None:
        return str(err["msg"])
    try:
        return words.format(**context)
    except (KeyError, IndexError):
        return str(err["msg"])


def validation_message(exc: ValidationError) -> str:
    """The first errors of a configuration file, each with where it is ("units.0.code: …"), in Vietnamese."""
    lines = []
    for err in exc.errors()[:10]:
        where = ".".join(str(p) for p in err["loc"])
        message = _vietnamese(err)
        lines.append(f"{where}: {message}" if where else message)
    return "; ".join(lines)


def load_catalogue(path: Path) -> Catalogue:
    """Read and check an indicator catalogue (``indicators.yaml``)."""
    data = read_yaml(path)
    try:
        return Catalogue.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(validation_message(exc), path) from exc
