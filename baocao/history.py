"""Pure: a 2025 province's figures before the change, carried from its predecessors' units through the
crosswalk (no I/O: the files are read in baocao.predecessors).

shares_of(province, olds, rows)        -> History: which old unit gives which share of its figures to which
                                          new unit, and what matches nothing (findings)
carried_records(history, records, qs)  -> Carried: the old units' records of the quarters up to the last one
                                          they reported, as records of the new units
carried_populations(history, olds)     -> each new unit's population in the years the old units give
with_populations(province, people)     -> the province with those populations where it gives none itself

A new unit made only of whole old units (every share 1) carries exact figures; any part of an old unit makes
its carried figures an *estimated comparison* (weighted by the crosswalk's shares: population by default).
Each old unit's shares are scaled to add up to 1, so the province's carried figures are the predecessors' own
sums. Stocks and flows are carried as they are; ratios and densities are computed afterwards from the carried
terms and populations, as everywhere else (never summed).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from baocao.crosswalk import CrosswalkRow
from baocao.periods import Period
from baocao.province import Province, Unit
from baocao.units import name_key

FindingKind = Literal["old_unmatched", "new_unmatched", "old_absent", "new_absent", "shares"]
# Kinds of old units a crosswalk names with their kind ("Huyện Bát Xát"), tried without it when no name matches.
OLD_KINDS = ("huyen ", "thi xa ", "quan ", "thanh pho ", "xa ", "phuong ", "thi tran ")
WHOLE = 1 - 1e-6


@dataclass(frozen=True)
class OldUnit:
    """A reporting unit of a predecessor (an old district, or an old commune)."""

    province: str  # the predecessor's name as province.yaml gives it: "Yên Bái"
    code: str  # its code in the predecessor's own folder: "VANYEN"
    name: str  # "huyện Văn Yên"
    kind: str = "huyện"


@dataclass(frozen=True)
class Share:
    """The share of an old unit's figures that a new unit takes."""

    old: OldUnit
    new_unit: str
    share: float

    @property
    def whole(self) -> bool:
        """Whether the whole of the old unit went into the new one."""
        return self.share >= WHOLE


@dataclass(frozen=True)
class HistoryFinding:
    """Something the crosswalk and the units do not agree on: ``subject`` names the unit(s) concerned."""

    kind: FindingKind
    subject: str


@dataclass(frozen=True)
class History:
    """How the predecessors' units map to the new ones."""

    last_quarter: Period
    predecessors: tuple[str, ...]  # "tỉnh Lào Cai", "tỉnh Yên Bái"
    shares: tuple[Share, ...]
    findings: tuple[HistoryFinding, ...] = ()

    @property
    def estimated(self) -> frozenset[str]:
        """New units whose carried figures are weighted parts of old units (estimated comparisons)."""
        return frozenset(s.new_unit for s in self.shares if not s.whole)

    @property
    def carried_units(self) -> frozenset[str]:
        """New units that take something from an old unit."""
        return frozenset(s.new_unit for s in self.shares)

    def before_change(self, quarter: Period) -> bool:
        """Whether ``quarter`` was reported by the old units."""
        return quarter <= self.last_quarter

    def crosses(self, period: Period) -> bool:
        """Whether any quarter of ``period`` was reported by the old units."""
        return any(self.before_change(q) for q in period.quarters)


@dataclass(frozen=True)
class Lack:
    """A quarter an old unit did not report (nothing accepted): its share of the new units is missing."""

    old: OldUnit
    quarter: str


@dataclass(frozen=True, eq=False)
class Carried:
    """The old units' records as the new units' (columns unit, period, indicator, value, is_estimate,
    complete), the quarters old units lack, and the history they were carried through."""

    history: History
    records: pd.DataFrame
    lacking: tuple[Lack, ...] = ()


def _district_key(name: str) -> str:
    """An old unit's name without its kind: 'Huyện Văn Yên' -> 'van yen'."""
    key = name_key(name)
    for kind in OLD_KINDS:
        if key.startswith(kind):
            return key[len(kind) :]
    return key


def _old_match(unit: Unit, rows: Sequence[CrosswalkRow]) -> tuple[str, str] | None:
    """What a predecessor's unit is in its province's crosswalk rows: ('district', code) or ('commune', code);
    by code, then by kind and name, then (districts) by name alone where only one old district has it."""
    for level, code_field, name_field in (
        ("district", "old_district_code", "old_district"),
        ("commune", "old_code", "old_name"),
    ):
        if any(getattr(r, code_field) == unit.code for r in rows):
            return level, unit.code
        full, bare = name_key(unit.full_name), _district_key(unit.full_name)
        named = {getattr(r, code_field) for r in rows if name_key(getattr(r, name_field)) == full}
        if len(named) != 1 and level == "district":
            named = {getattr(r, code_field) for r in rows if _district_key(getattr(r, name_field)) == bare}
        if len(named) == 1:
            return level, str(named.pop())
    return None


def _new_codes(province: Province, rows: Sequence[CrosswalkRow]) -> dict[str, str]:
    """Crosswalk new code -> the province's unit code: the same code, else the same kind and name."""
    by_name = {name_key(u.full_name): u.code for u in province.units}
    codes = set(province.unit_codes)
    out = {}
    for row in rows:
        if row.new_code in codes:
            out[row.new_code] = row.new_code
        elif name_key(row.new_name) in by_name:
            out[row.new_code] = by_name[name_key(row.new_name)]
    return out


def _raw_shares(
    unit: Unit, rows: Sequence[CrosswalkRow], new_codes: Mapping[str, str]
) -> tuple[dict[str, float], float] | None:
    """A predecessor unit's shares by new unit code, and the total the file gives it (before scaling)."""
    found = _old_match(unit, rows)
    if found is None:
        return None
    level, code = found
    given: dict[str, float] = defaultdict(float)
    total = 0.0
    for row in rows:
        if (row.old_district_code if level == "district" else row.old_code) != code:
            continue
        share = row.district_share if level == "district" else row.weight
        total += share
        if row.new_code in new_codes:
            given[new_codes[row.new_code]] += share
    return dict(given), total


def shares_of(
    province: Province, olds: Sequence[tuple[str, str, Province]], rows: Sequence[CrosswalkRow]
) -> tuple[list[Share], list[HistoryFinding]]:
    """The shares of every predecessor unit, from ``olds`` (name, kind, the predecessor's configuration),
    and the findings: old units the crosswalk does not name, new units given nothing, old districts of the
    crosswalk no predecessor lists, crosswalk communes the province does not list, shares not adding up."""
    new_codes = _new_codes(province, rows)
    shares: list[Share] = []
    findings: list[HistoryFinding] = []
    matched: set[tuple[str, str]] = set()  # (level, code) of the crosswalk's old units some unit matched
    for name, kind, old in olds:
        own = [r for r in rows if name_key(r.old_province) == name_key(f"{kind} {name}")]
        for unit in old.units:
            found = _old_match(unit, own)
            got = _raw_shares(unit, own, new_codes)
            if found is None or got is None or not got[0]:
                findings.append(HistoryFinding("old_unmatched", f"{unit.full_name} ({kind} {name} cũ)"))
                continue
            matched.add(found)
            given, total = got
            if abs(total - 1) > 1e-3:
                findings.append(HistoryFinding("shares", f"{unit.full_name} ({kind} {name} cũ): {total:.4g}"))
            scale = sum(given.values())
            who = OldUnit(name, unit.code, unit.full_name, unit.kind)
            shares += [Share(who, new, value / scale) for new, value in given.items() if value > 0]
    covered = {s.new_unit for s in shares}
    findings += [
        HistoryFinding("new_unmatched", u.full_name) for u in province.units if u.code not in covered
    ]
    absent = {
        f"{r.old_district or r.old_name} ({r.old_province or '?'})"
        for r in rows
        if ("district", r.old_district_code) not in matched and ("commune", r.old_code) not in matched
    }
    findings += [HistoryFinding("old_absent", a) for a in sorted(absent)]
    absent_new = sorted({r.new_name for r in rows if r.new_code not in new_codes})
    findings += [HistoryFinding("new_absent", n) for n in absent_new]
    return shares, findings


def history_of(
    province: Province,
    olds: Sequence[tuple[str, str, Province]],
    rows: Sequence[CrosswalkRow],
    last_quarter: Period,
) -> History:
    """The history of ``province``: its predecessors ``olds`` (name, kind, configuration) mapped through the
    crosswalk ``rows``, up to ``last_quarter``."""
    shares, findings = shares_of(province, olds, rows)
    names = tuple(f"{kind} {name}" for name, kind, _ in olds)
    return History(last_quarter, names, tuple(shares), tuple(findings))


CARRIED_COLUMNS = ["unit", "period", "indicator", "value", "is_estimate", "complete"]


def carried_records(
    history: History, records: Mapping[str, pd.DataFrame], quarters: Iterable[Period] = ()
) -> Carried:
    """The predecessors' ``records`` (by predecessor name; unit, period, indicator, value, is_estimate) of the
    quarters up to the last one they reported, as records of the new units: each old figure times its share,
    summed per new unit. A new unit's figure lacks a part (``complete`` false) where one of the old units it
    takes from sent nothing for that indicator and quarter. ``lacking``: old units with nothing accepted in a
    quarter of ``quarters`` (up to the last one)."""
    by_old = pd.DataFrame(
        [(s.old.province, s.old.code, s.new_unit, s.share) for s in history.shares],
        columns=["province", "old", "unit", "share"],
    )
    frames = []
    for name, frame in records.items():
        before = frame[[Period.parse(str(q)) <= history.last_quarter for q in frame["period"]]]
        frames.append(before.assign(province=name).rename(columns={"unit": "old"}))
    sent = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if sent.empty or by_old.empty:
        empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in _DTYPES.items()})
        return Carried(history, empty, _lacking(history, sent, quarters))
    if "complete" not in sent:
        sent = sent.assign(complete=True)
    joined = sent.merge(by_old, on=["province", "old"], how="inner")
    joined["value"] = joined["value"] * joined["share"]
    grouped = (
        joined.groupby(["unit", "period", "indicator"], observed=True)
        .agg(
            value=("value", "sum"),
            is_estimate=("is_estimate", "any"),
            parts_complete=("complete", "all"),
            n=("old", "size"),
        )
        .reset_index()
    )
    expected = by_old.groupby("unit").size()
    grouped["complete"] = grouped["parts_complete"] & (
        grouped["n"].to_numpy() == expected.reindex(grouped["unit"]).to_numpy()
    )
    out = grouped[CARRIED_COLUMNS].astype(_DTYPES)
    return Carried(history, out.reset_index(drop=True), _lacking(history, sent, quarters))


_DTYPES = {
    "unit": "string",
    "period": "string",
    "indicator": "string",
    "value": "float64",
    "is_estimate": "bool",
    "complete": "bool",
}


def _lacking(history: History, sent: pd.DataFrame, quarters: Iterable[Period]) -> tuple[Lack, ...]:
    """Old units (of the shares) with no record at all in a quarter of ``quarters`` up to the last one."""
    have = (
        set(zip(sent["province"], sent["old"].astype(str), sent["period"].astype(str), strict=True))
        if not sent.empty
        else set()
    )
    olds = list(dict.fromkeys(s.old for s in history.shares))
    return tuple(
        Lack(old, q.code)
        for q in sorted(quarters)
        if history.before_change(q)
        for old in olds
        if (old.province, old.code, q.code) not in have
    )


def with_carried(records: pd.DataFrame, carried: Carried) -> pd.DataFrame:
    """The province's own records and the carried ones; where a new unit sent a quarter itself, its own
    figures count and nothing is carried into that quarter."""
    if carried.records.empty:
        return records
    own = set(zip(records["unit"].astype(str), records["period"].astype(str), strict=True))
    keys = zip(carried.records["unit"].astype(str), carried.records["period"].astype(str), strict=True)
    kept = carried.records[[key not in own for key in keys]]
    base = records if "complete" in records else records.assign(complete=True)
    return pd.concat([base, kept[base.columns]], ignore_index=True)


def _split(total: int, shares: Sequence[tuple[str, float]]) -> dict[str, int]:
    """``total`` people split by ``shares`` into whole numbers that add up to it (largest remainders)."""
    exact = [(unit, total * share) for unit, share in shares]
    out = {unit: int(value) for unit, value in exact}
    rest = total - sum(out.values())
    by_remainder = sorted(exact, key=lambda pair: (-(pair[1] - int(pair[1])), pair[0]))
    for unit, _ in by_remainder[:rest]:
        out[unit] += 1
    return out


def carried_populations(history: History, olds: Mapping[str, Province]) -> dict[str, dict[int, int]]:
    """Each new unit's population in the years its old units give one: their populations split by the same
    shares as their figures (whole people, each old unit's population given out exactly)."""
    by_old: dict[OldUnit, list[tuple[str, float]]] = defaultdict(list)
    for share in history.shares:
        by_old[share.old].append((share.new_unit, share.share))
    people: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for old, shares in by_old.items():
        unit = olds[old.province].unit(old.code)
        for year, total in unit.population.items():
            for new, part in _split(total, shares).items():
                people[new][year] += part
    return {unit: dict(years) for unit, years in people.items()}


def with_populations(province: Province, people: Mapping[str, Mapping[int, int]]) -> Province:
    """The province with the carried populations of the years a unit does not give itself."""
    if not people:
        return province
    data = province.model_dump()
    for unit in data["units"]:
        carried = people.get(unit["code"], {})
        unit["population"] = {**carried, **unit["population"]}
    return Province.model_validate(data)
