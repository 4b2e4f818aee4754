"""A province's configuration (``inputs/<province>/province.yaml``): its units, agency, signer, plans,
calendar and layout; loading and validation against the catalogue."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import (
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from baocao.catalogue import Catalogue, ConfigModel, nfc, read_yaml, validation_message
from baocao.errors import ConfigError
from baocao.periods import Calendar, Period, deadline

# The customary order of unit kinds in running text ("các huyện, thị xã, thành phố"); other kinds are allowed.
UNIT_KIND_ORDER = ("huyện", "quận", "thị xã", "thành phố", "xã", "phường", "thị trấn", "đặc khu")


class Named(ConfigModel):
    """A unit of the administration by name and kind ('huyện' 'Bát Xát'), both NFC-normalised."""

    name: str
    kind: str = Field(min_length=1)

    @field_validator("name", "kind", mode="before")
    @classmethod
    def _nfc(cls, value: Any) -> Any:
        return nfc(value) if isinstance(value, str) else value

    @property
    def full_name(self) -> str:
        """'huyện Bát Xát', 'thành phố Lào Cai', 'xã Tả Van', 'tỉnh Yên Bái'."""
        return f"{self.kind} {self.name}"


class Unit(Named):
    """A reporting unit (a district until mid-2025, a commune or ward since)."""

    code: str
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
            raise ValueError(f"mã đơn vị {value!r} chỉ gồm chữ cái không dấu, chữ số, '-' hoặc '_'")
        return value

    @property
    def people_committee(self) -> str:
        """'UBND huyện Bát Xát': how the seeds attribute a unit's proposals."""
        return f"UBND {self.full_name}"

    def population_in(self, year: int) -> int | None:
        """Population for ``year``, else the latest earlier year given, else None."""
        years = sorted(y for y in self.population if y <= year)
        return self.population[years[-1]] if years else None


class Agency(ConfigModel):
    """The issuing agency."""

    name: str
    abbreviation: str
    short_name: str | None = None


class Signer(ConfigModel):
    """Who signs: 'GIÁM ĐỐC', or 'KT. GIÁM ĐỐC' over 'PHÓ GIÁM ĐỐC'."""

    name: str
    title: str = "GIÁM ĐỐC"
    on_behalf_of: str | None = None


class MailList(ConfigModel):
    """Who receives the finished documents by e-mail."""

    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()

    @field_validator("to", "cc")
    @classmethod
    def _addresses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for address in value:
            local, _, domain = address.partition("@")
            if not local or "." not in domain or any(c in address for c in " ,;<>"):
                raise ValueError(f"không phải địa chỉ thư điện tử: {address!r}")
        return value

    @property
    def everyone(self) -> tuple[str, ...]:
        """To and Cc together."""
        return (*self.to, *self.cc)


class Layout(ConfigModel):
    """Page margins and body size, within the ranges of Nghị định 30/2020 (Phụ lục I)."""

    top_mm: float = Field(default=20, ge=20, le=25)
    bottom_mm: float = Field(default=20, ge=20, le=25)
    left_mm: float = Field(default=30, ge=30, le=35)
    right_mm: float = Field(default=15, ge=15, le=20)
    body_pt: float = Field(default=14, ge=13, le=14)
    # Above this many units the per-unit annex tables are left to the XLSX (see annexes.annexes).
    annex_units_max: int = Field(default=40, ge=1)
    # Above this many units a note is attributed by count ("(15 xã, phường)"), not by a list of names.
    named_units_max: int = Field(default=10, ge=1)


class SigningKey(ConfigModel):
    """Where one signature's key is: a PKCS#11 token (the usual USB token) or a PKCS#12 file; the PIN or
    passphrase from the environment variable ``pin_env`` or the file ``pin_file``, else asked for."""

    pkcs11_module: str | None = None  # e.g. /usr/lib/x86_64-linux-gnu/libsofthsm2.so, the token's driver
    slot: int | None = Field(default=None, ge=0)  # the module's n-th slot (0 = the first)
    token_label: str | None = None
    key_label: str | None = None
    cert_label: str | None = None
    pkcs12: str | None = None  # a file in the province folder, or an absolute path
    pin_env: str | None = None  # the name of the environment variable holding the PIN (never the PIN)
    pin_file: str | None = None  # a file holding the PIN (a secret mounted by the service)

    @model_validator(mode="after")
    def _one_source(self) -> SigningKey:
        if (self.pkcs11_module is None) == (self.pkcs12 is None):
            raise ValueError("khóa ký số cần đúng một trong hai: pkcs11_module hoặc pkcs12")
        return self


class Signing(ConfigModel):
    """Digital signatures of the report's PDF (baocao sign, baocao run --sign): images, keys, trust roots."""

    signature_image: str = "chu-ky.png"  # the signer's signature: blue, transparent PNG
    seal_image: str = "con-dau.png"  # the agency's seal: red, transparent PNG
    seal_mm: float = Field(default=36, ge=20, le=60)  # the seal's real diameter
    trust_roots: tuple[str, ...] = ()  # PEM/DER root certificates baocao verify trusts
    signer: SigningKey | None = None  # the leader's key
    agency: SigningKey | None = None  # the agency's key (held by the văn thư)
    sign_reports: bool = False  # baocao run and the scheduled flow sign without being asked


class PredecessorProvince(Named):
    """An old province (before 1 July 2025) whose units' figures are the new province's history: its own
    folder (a province.yaml listing its districts, and their submissions)."""

    kind: str = "tỉnh"
    folder: str  # relative to the new province's folder, or absolute


class Predecessors(ConfigModel):
    """The old provinces a 2025 province was made from, the last quarter they reported, and the crosswalk
    that maps their units to the new ones (generated by ``baocao crosswalk``, editable)."""

    last_quarter: str
    crosswalk: str = "crosswalk.csv"
    provinces: tuple[PredecessorProvince, ...] = Field(min_length=1)

    @field_validator("last_quarter", mode="before")
    @classmethod
    def _quarter(cls, value: Any) -> Any:
        text = str(value).strip()
        try:
            period = Period.parse(text)
        except ValueError as exc:
            raise ValueError(f"last_quarter {text!r} không phải một quý, ví dụ 2025-Q2") from exc
        if period.kind != "quarter":
            raise ValueError(f"last_quarter {text!r} không phải một quý, ví dụ 2025-Q2")
        return period.code

    @property
    def last(self) -> Period:
        """The last quarter the old units reported."""
        return Period.parse(self.last_quarter)


class Province(ConfigModel):
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
    signing: Signing | None = None
    predecessors: Predecessors | None = None  # the old provinces of a 2025 province (baocao.history)
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
            raise ValueError(f"mã đơn vị bị trùng: {', '.join(duplicates)}")
        if not self.units:
            raise ValueError("tỉnh cần có ít nhất một đơn vị báo cáo")
        if self.code in codes:
            raise ValueError(f"mã tỉnh {self.code!r} trùng với mã một đơn vị; dòng toàn tỉnh cần mã riêng")
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

    def reports(self, quarter: Period) -> bool:
        """Whether the province's own units report ``quarter`` (not one their predecessors reported)."""
        return self.predecessors is None or quarter > self.predecessors.last

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
        return kinds_phrase(u.kind for u in self.units)


def kinds_phrase(kinds: Iterable[str]) -> str:
    """'xã, phường': the kinds named once each, in the customary order."""
    present = list(dict.fromkeys(kinds))
    known = [k for k in UNIT_KIND_ORDER if k in present]
    return ", ".join(known + [k for k in present if k not in UNIT_KIND_ORDER])


def load_province(path: Path, catalogue: Catalogue | None = None) -> Province:
    """Read and check a province configuration (``province.yaml``), against the catalogue if given."""
    data = read_yaml(path)
    try:
        province = Province.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(validation_message(exc), path) from exc
    if catalogue is not None:
        known = {i.code for i in (*catalogue.indicators, *catalogue.department)}
        unknown = sorted(_plan_codes(province) - known)
        if unknown:
            raise ConfigError(f"kế hoạch ghi chỉ tiêu không có trong danh mục: {', '.join(unknown)}", path)
        unknown_fields = sorted(set(province.standing_tasks) - {f.code for f in catalogue.fields})
        if unknown_fields:
            raise ConfigError(f"standing_tasks ghi lĩnh vực không có: {', '.join(unknown_fields)}", path)
    return province


def _plan_codes(province: Province) -> set[str]:
    codes: set[str] = set()
    plan_maps: Iterable[dict[int, dict[str, float]]] = [province.plans, *(u.plans for u in province.units)]
    for plans in plan_maps:
        for targets in plans.values():
            codes.update(targets)
    return codes
