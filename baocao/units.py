"""Vietnam's administrative units after the 2025 restructuring: 34 provinces, 3,321 communes, and what each
was made from (real public data bundled in inputs/units-2025/, see its README and licences).

The official codes and the links (full or partial) come from ``merges-2025.json``; names of the old districts
from ``legacy-to-2025.csv``; population and area from ``provinces-2025.csv`` and ``communes-2025.csv``, which
use other codes, so those are matched on the name within the province (exactly, then without diacritics, since
the sources spell "Hòa" and "Hoà" differently).
"""

from __future__ import annotations

import csv
import json
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from types import MappingProxyType

from baocao.errors import ConfigError
from baocao.paths import PROJECT_ROOT

UNITS_2025 = PROJECT_ROOT / "inputs" / "units-2025"
IN_FORCE = date(2025, 7, 1)  # Nghị quyết 202/2025/QH15 and the Ủy ban Thường vụ Quốc hội's resolutions
PREFIXES = ("thủ đô ", "thành phố ", "tỉnh ", "phường ", "xã ", "đặc khu ", "thị trấn ")


@dataclass(frozen=True)
class OldCommune:
    """A commune-level unit before 1 July 2025, with its district and province."""

    code: str
    name: str  # with its kind: "Phường Duyên Hải"
    district_code: str
    district: str  # "Thành phố Lào Cai"
    province: str  # "Tỉnh Lào Cai"


@dataclass(frozen=True)
class Link:
    """One old commune (or the part of it) that went into a new one."""

    old_code: str
    old_name: str
    full: bool  # False: only part of the old commune went into this one


@dataclass(frozen=True)
class Commune:
    """A commune-level unit from 1 July 2025 (xã, phường or đặc khu)."""

    code: str
    name: str  # without its kind: "Lào Cai"
    kind: str  # "xã", "phường", "đặc khu"
    population: int | None
    area_km2: float | None
    links: tuple[Link, ...]

    @property
    def full_name(self) -> str:
        """'Phường Lào Cai'."""
        return f"{self.kind[:1].upper()}{self.kind[1:]} {self.name}"


@dataclass(frozen=True)
class NewProvince:
    """A province or centrally governed city from 1 July 2025."""

    code: str
    name: str  # without its kind: "Lào Cai"
    kind: str  # "tỉnh" or "thành phố"
    population: int | None
    area_km2: float | None
    predecessors: tuple[str, ...]  # the old provinces it was made from, with their kind: "Tỉnh Yên Bái"
    communes: tuple[Commune, ...]

    @property
    def merged(self) -> bool:
        """Whether it was made from more than one old province."""
        return len(self.predecessors) > 1


@dataclass(frozen=True)
class Country:
    """The unit list in force from ``in_force``, with the old communes its links name."""

    in_force: date
    provinces: tuple[NewProvince, ...]
    old_communes: Mapping[str, OldCommune]
    old_districts: Mapping[str, OldCommune]  # by three-digit code; each stands for itself (island districts)

    @property
    def commune_count(self) -> int:
        """How many commune-level units the country has."""
        return sum(len(p.communes) for p in self.provinces)


def name_key(name: str) -> str:
    """A name without its kind, case, diacritics or spacing differences: 'Tỉnh Thanh Hoá' -> 'thanh hoa'."""
    text = " ".join(unicodedata.normalize("NFC", name).lower().split())
    for prefix in PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    text = text.replace("đ", "d").replace("’", "'").replace("‘", "'").replace("`", "'")
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def short_name(name: str) -> str:
    """The name without its kind: 'Thành phố Hà Nội' -> 'Hà Nội'."""
    text = " ".join(unicodedata.normalize("NFC", name).split())
    for prefix in PREFIXES:
        if text.lower().startswith(prefix):
            return text[len(prefix) :]
    return text


def vietnamese_number(text: str) -> float | None:
    """'8.718.000' -> 8718000.0 and '3.359,80' -> 3359.8 (Vietnamese separators); '' -> None."""
    text = text.strip()
    if not text:
        return None
    if "," in text or text.count(".") > 1 or (text.count(".") == 1 and len(text.split(".")[1]) == 3):
        text = text.replace(".", "").replace(",", ".")
    return float(text)


def _read_csv(path: Path) -> list[dict[str, str]]:
    """The rows of a bundled CSV file."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return list(csv.DictReader(handle))
    except OSError as exc:
        raise ConfigError(f"không đọc được danh mục đơn vị hành chính {path}: {exc}") from exc


def _by_name(rows: Iterable[dict[str, str]], name_field: str) -> dict[str, dict[str, str]]:
    """Rows keyed by the name key of ``name_field``."""
    return {name_key(row[name_field]): row for row in rows}


def _commune_facts(rows: list[dict[str, str]]) -> dict[tuple[str, str, str], dict[str, str]]:
    """communes-2025.csv keyed by (province key, kind, name key)."""
    return {(name_key(r["tentinh"]), r["loai"].lower(), name_key(r["tenhc"])): r for r in rows}


def _old_communes(rows: list[dict[str, str]]) -> dict[str, OldCommune]:
    """legacy-to-2025.csv as old communes by their five-digit code."""
    found: dict[str, OldCommune] = {}
    for row in rows:
        if not row["wardCode"]:
            continue
        code = f"{int(float(row['wardCode'])):05d}"
        found[code] = OldCommune(
            code=code,
            name=row["ward"],
            district_code=f"{int(row['districtCode']):03d}",
            district=row["district"],
            province=row["province"],
        )
    return found


def _kind_and_name(name: str) -> tuple[str, str]:
    """'Phường Lào Cai' -> ('phường', 'lao cai')."""
    kind = name[: len(name) - len(short_name(name))].strip().lower() or "xã"
    return kind, name_key(name)


def _old_districts(rows: list[dict[str, str]]) -> dict[str, OldCommune]:
    """legacy-districts.csv by three-digit code."""
    return {
        r["Mã"]: OldCommune(r["Mã"], r["Tên"], r["Mã"], r["Tên"], r["Tỉnh / Thành Phố"])
        for r in rows
        if r.get("Mã")
    }


def _commune(level2: Mapping[str, object], facts: Mapping[str, str] | None) -> Commune:
    """One new commune from merges-2025.json and its row of communes-2025.csv (None: not matched)."""
    name = str(level2["name"])
    kind, _ = _kind_and_name(name)
    merges = level2["merges"]
    assert isinstance(merges, list)
    return Commune(
        code=str(level2["level2_id"]),
        name=short_name(name),
        kind=kind,
        population=_int(_number(facts["dansonguoi"])) if facts else None,
        area_km2=_number(facts["dientichkm2"]) if facts else None,
        links=tuple(Link(str(m["old_id"]), str(m["name"]), m["type"] == "full") for m in merges),
    )


def _number(text: str) -> float | None:
    """A figure of the data files, None where they say "đang cập nhật" (being updated) or nothing."""
    try:
        return vietnamese_number(text)
    except ValueError:
        return None


def _int(value: float | None) -> int | None:
    """A whole number, or None."""
    return None if value is None else int(value)


@cache
def load_country(folder: Path = UNITS_2025) -> Country:
    """The 2025 unit list from the bundled data files."""
    try:
        merges = json.loads((folder / "merges-2025.json").read_text(encoding="utf-8"))["data"]
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigError(f"không đọc được danh mục đơn vị hành chính {folder}: {exc}") from exc
    province_facts = _by_name(_read_csv(folder / "provinces-2025.csv"), "tentinh")
    commune_facts = _commune_facts(_read_csv(folder / "communes-2025.csv"))
    provinces = []
    for level1 in merges:
        key = name_key(level1["name"])
        facts = province_facts.get(key)
        kind = "thành phố" if level1["name"].lower().startswith("thành phố") else "tỉnh"
        communes = tuple(
            _commune(level2, commune_facts.get((key, *_kind_and_name(level2["name"]))))
            for level2 in level1["level2s"]
        )
        provinces.append(
            NewProvince(
                code=level1["level1_id"],
                name=short_name(level1["name"]),
                kind=kind,
                population=_int(_number(facts["dansonguoi"])) if facts else None,
                area_km2=_number(facts["dientichkm2"]) if facts else None,
                predecessors=tuple(m["name"] for m in level1["merges"]),
                communes=communes,
            )
        )
    old = _old_communes(_read_csv(folder / "legacy-to-2025.csv"))
    districts = _old_districts(_read_csv(folder / "legacy-districts.csv"))
    return Country(IN_FORCE, tuple(provinces), MappingProxyType(old), MappingProxyType(districts))


def province_named(country: Country, name: str) -> NewProvince:
    """The province called ``name`` ('Lào Cai', 'tỉnh Lào Cai', 'lao-cai' or its code '15')."""
    wanted = name_key(name.replace("-", " "))
    for province in country.provinces:
        if wanted in (name_key(province.name), province.code, province.code.lstrip("0")):
            return province
    known = ", ".join(p.name for p in country.provinces)
    raise ConfigError(f"không có tỉnh, thành phố nào tên “{name}” trong danh mục 2025 (có: {known})")
