"""The crosswalk of a 2025 province: which old units (old province, old district, old commune) make up each of its
new communes, fully or partly, with the share of the old unit's figures each new unit takes.

Shares (documented in inputs/README.md, editable in the generated file): the data gives each new commune's 2025
population but not the old communes', so each new commune's population is spread evenly over the old communes
(or parts) it was made from; an old commune split between several new ones gives each the share of its
estimated population that went there (``weight``), and an old district gives each new commune the share of its
estimated population that went there through its communes (``district_share``). Whole links weigh 1. A
commune whose population in the data is missing or implausible (below a tenth of the province's median or
above twenty times it: slips of the source) counts as the province's median commune.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

from baocao.errors import ConfigError
from baocao.files import write_bytes_atomic
from baocao.units import Country, NewProvince, OldCommune


@dataclass(frozen=True)
class CrosswalkRow:
    """One link: an old commune (or the part of it) in a new commune."""

    new_code: str
    new_name: str
    old_province: str
    old_district_code: str
    old_district: str
    old_code: str
    old_name: str
    link: str  # "full" or "partial"
    weight: float  # share of the old commune's figures that goes to the new commune
    district_share: float  # share of the old district's figures that goes to the new commune through it


@dataclass(frozen=True)
class Crosswalk:
    """A new province's crosswalk and what the data could not place."""

    province: str
    predecessors: tuple[str, ...]
    rows: tuple[CrosswalkRow, ...]
    unplaced: tuple[str, ...]  # old communes the links name that the old-unit list does not have


# A commune's population below a tenth of the province's median, or above twenty times it, is a slip of the
# source (xã Cốc Lầu, Lào Cai: 88 people on 136 km²; xã Yên Bình: 653,422 on 9 km²): taken as unknown.
PLAUSIBLE = (0.1, 20.0)


def plausible_population(population: int | None, typical: int) -> int:
    """A commune's population for weights: its own, or ``typical`` (the province's median) where the data has
    none or one far outside the province's range (PLAUSIBLE)."""
    low, high = PLAUSIBLE
    if population and low * typical <= population <= high * typical:
        return population
    return typical


def _contributions(province: NewProvince) -> dict[tuple[str, str], float]:
    """(old code, new code) -> the population the old unit is estimated to have given the new one."""
    populations = [c.population for c in province.communes if c.population]
    typical = sorted(populations)[len(populations) // 2] if populations else 1
    return {
        (link.old_code, commune.code): plausible_population(commune.population, typical) / len(commune.links)
        for commune in province.communes
        for link in commune.links
    }


def _district_of(code: str, country: Country) -> OldCommune:
    """The old commune with its district; an island district without communes stands for itself."""
    if code in country.old_communes:
        return country.old_communes[code]
    if len(code) <= 3 and code.zfill(3) in country.old_districts:
        return country.old_districts[code.zfill(3)]
    return OldCommune(code, "", "", "", "")


def crosswalk_of(country: Country, province: NewProvince) -> Crosswalk:
    """The crosswalk of ``province`` from the country's links."""
    given = _contributions(province)
    by_old: dict[str, float] = defaultdict(float)
    by_district: dict[str, float] = defaultdict(float)
    for (old_code, _), amount in given.items():
        by_old[old_code] += amount
        by_district[_district_of(old_code, country).district_code or old_code] += amount
    rows, unplaced = [], []
    for commune in province.communes:
        for link in commune.links:
            old = _district_of(link.old_code, country)
            if not old.district_code:
                unplaced.append(f"{link.old_name} ({link.old_code}) → {commune.full_name}")
            amount = given[(link.old_code, commune.code)]
            rows.append(
                CrosswalkRow(
                    new_code=commune.code,
                    new_name=commune.full_name,
                    old_province=old.province,
                    old_district_code=old.district_code,
                    old_district=old.district,
                    old_code=link.old_code,
                    old_name=link.old_name,
                    link="full" if link.full else "partial",
                    weight=round(amount / by_old[link.old_code], 6),
                    district_share=round(amount / by_district[old.district_code or link.old_code], 6),
                )
            )
    return Crosswalk(province.name, province.predecessors, tuple(rows), tuple(unplaced))


COLUMNS = tuple(f.name for f in fields(CrosswalkRow))


def crosswalk_csv(crosswalk: Crosswalk) -> bytes:
    """The crosswalk as a CSV file staff can open in Excel (UTF-8 with BOM)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in crosswalk.rows:
        writer.writerow([getattr(row, name) for name in COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_crosswalk(crosswalk: Crosswalk, target: Path) -> Path:
    """Write the crosswalk file (replaced whole, never half-written)."""
    write_bytes_atomic(target, crosswalk_csv(crosswalk))
    return target


def read_crosswalk(path: Path) -> tuple[CrosswalkRow, ...]:
    """A crosswalk file as staff left it; a bad row is named by its line."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            lines = list(csv.DictReader(handle))
    except OSError as exc:
        raise ConfigError(f"{path.name}: không đọc được bảng chuyển đổi đơn vị: {exc}") from exc
    rows = []
    for number, line in enumerate(lines, start=2):
        try:
            rows.append(
                CrosswalkRow(
                    **{name: line[name] for name in COLUMNS if name not in ("weight", "district_share")},
                    weight=float(line["weight"]),
                    district_share=float(line["district_share"]),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(
                f"{path.name}, dòng {number}: cần đủ các cột {', '.join(COLUMNS)}; "
                "trọng số là số thập phân (ví dụ 0.5)"
            ) from exc
    return tuple(rows)


def district_shares(rows: Iterable[CrosswalkRow]) -> dict[tuple[str, str], float]:
    """(old district code, new commune code) -> the share of the old district's figures the new one takes
    (links to an old commune of unknown district are left out: Crosswalk.unplaced names them)."""
    shares: dict[tuple[str, str], float] = defaultdict(float)
    for row in rows:
        if not row.old_district_code:
            continue
        shares[(row.old_district_code, row.new_code)] += row.district_share
    return dict(shares)


def old_districts_of(rows: Sequence[CrosswalkRow]) -> list[tuple[str, str, str]]:
    """The old districts the crosswalk names: (code, name, province), in the file's order."""
    seen: dict[str, tuple[str, str, str]] = {}
    for row in rows:
        seen.setdefault(row.old_district_code, (row.old_district_code, row.old_district, row.old_province))
    return list(seen.values())
