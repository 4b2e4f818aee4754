"""Write the sample of a province after the 2025 restructuring: the new Lào Cai (99 communes and wards, from the
bundled 2025 unit list), its crosswalk, and its two predecessors' districts as its history.

    inputs/2025/lao-cai/
      province.yaml                  the 99 communes (official codes, 2025 populations), plans for 2025
      crosswalk.csv                  `baocao crosswalk "Lào Cai"` (population-share weights)
      submissions/2025-Q3, 2025-Q4   each commune's workbook (figures and notes)
      predecessors/lao-cai/          the old Lào Cai: the 9 districts of inputs/lao-cai (same names, codes and
                                     populations), CSV submissions 2024-Q1 … 2025-Q2
      predecessors/yen-bai/          the old Yên Bái: its 9 real districts (from the data), the same quarters

The figures are invented (the levels of scripts/make_sample.py, continued; Yên Bái's a little larger in people,
smaller in revenue); each commune's figures are its districts' expected figures times the crosswalk's shares,
with noise, so a commune is about a tenth of a district. Fixed seed: running it again writes the same files.

    .venv/bin/python scripts/make_sample_2025.py [--inputs inputs/2025/lao-cai]
"""

from __future__ import annotations

import argparse
import random
import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml
from make_sample import CITY_WEIGHT, LEVELS, NOTES, PEOPLE, SEASON, SHARES  # scripts/ is on sys.path

from baocao.catalogue import Catalogue, load_catalogue
from baocao.crosswalk import (
    crosswalk_of,
    district_shares,
    old_districts_of,
    plausible_population,
    write_crosswalk,
)
from baocao.intake.form import FormContent, write_form
from baocao.intake.model import Note
from baocao.periods import Period, add_working_days
from baocao.province import load_province
from baocao.units import Country, NewProvince, load_country, name_key, province_named, short_name

ROOT = Path(__file__).resolve().parents[1]
# Every commune has at least one of these: its People's Committee, its civil servants, a village.
EVERY_COMMUNE = ("CN02", "CN07", "VT08")
SEED = 20250701
OLD_QUARTERS = [Period.quarter(2024, q) for q in (1, 2, 3, 4)] + [Period.quarter(2025, q) for q in (1, 2)]
NEW_QUARTERS = [Period.quarter(2025, 3), Period.quarter(2025, 4)]
STEP0 = Period.quarter(2023, 1)  # the step the levels of make_sample.py start from
# Yên Bái against Lào Cai (the levels are Lào Cai's): people, and revenue-like figures.
YEN_BAI_SCALE = {"default": 1.08, "BC03": 0.85, "VT06": 0.9, "CN15": 0.8, "IP01": 0.7, "IP03": 0.7}
AGENCY = {"name": "Sở Khoa học và Công nghệ", "abbreviation": "SKHCN", "short_name": "Sở KH&CN"}
# Flows the province plans for 2025 (the year's total), stocks (the value by the year's end).
PLANNED = ("TH01", "BC03", "VT06", "CN14", "PT01", "PT03", "IP03", "IN01")
KINDS = {"thành phố": "thành phố", "thị xã": "thị xã", "huyện": "huyện"}


def _typical(province: NewProvince) -> int:
    """The province's median commune population (as the crosswalk's weights take it)."""
    populations = sorted(c.population for c in province.communes if c.population)
    return populations[len(populations) // 2]


def _step(quarter: Period) -> int:
    return (quarter.year - STEP0.year) * 4 + quarter.last_quarter - 1


def _ascii_code(name: str) -> str:
    """'Thành phố Yên Bái' -> 'YENBAI', 'Huyện Mù Căng Chải' -> 'MUCANGCHAI'."""
    return name_key(short_name(_without_kind(name))).replace(" ", "").upper()


def _without_kind(name: str) -> str:
    lowered = name.lower()
    for kind in ("huyện ", "thị xã "):
        if lowered.startswith(kind):
            return name[len(kind) :]
    return name


def _kind_of(name: str) -> str:
    lowered = name.lower()
    return next((k for k in KINDS if lowered.startswith(k + " ")), "huyện")


def expected_values(
    catalogue: Catalogue, weights: dict[str, float], city: str, step: int, scale: dict[str, float]
) -> dict[str, dict[str, float]]:
    """The districts' expected figures of one quarter (no noise), by district code."""
    out: dict[str, dict[str, float]] = {}
    city_weight = weights[city]
    for unit, weight in weights.items():
        values = {}
        for code, (level, growth) in LEVELS.items():
            factor = scale.get(code, scale["default"])
            share = weight * (CITY_WEIGHT.get(code, 1.0) if unit == city else 1.0)
            share /= 1 + (CITY_WEIGHT.get(code, 1.0) - 1) * city_weight
            values[code] = level * (1 + growth) ** step * share * factor
        for code, (parent, ratio, drift) in SHARES.items():
            values[code] = values[parent] * min(1.0, ratio * (1 + drift) ** step)
        out[unit] = values
    return out


def noisy(
    catalogue: Catalogue, values: dict[str, float], quarter: Period, rng: random.Random
) -> dict[str, float]:
    """One unit's submitted figures: flows with seasonal noise, stocks drifting a little, parts within parents."""
    out = {}
    for code, value in values.items():
        if code in SHARES:
            continue
        ind = catalogue.get(code)
        noise = (
            rng.gauss(1, 0.06) * SEASON[quarter.last_quarter] if ind.kind == "flow" else rng.gauss(1, 0.004)
        )
        out[code] = _rounded(max(0.0, value * noise), ind.decimals, rng)
        if code in EVERY_COMMUNE:
            out[code] = max(out[code], 1.0)
    for code, (parent, _, _) in SHARES.items():
        part = values[code] / values[parent] * out[parent] * rng.uniform(0.98, 1.02)
        out[code] = min(out[parent], _rounded(part, catalogue.get(code).decimals, rng))
    return out


def _rounded(value: float, decimals: int, rng: random.Random) -> float:
    """A figure to its decimals; whole counts rounded up with the chance of their fraction, so that a
    commune's 0.3 licences are 0 or 1 and the province's total is about right."""
    if decimals:
        return round(value, decimals)
    whole = int(value)
    return float(whole + (rng.random() < value - whole))


def _csv(target: Path, unit: str, quarter: Period, values: dict[str, float], estimates: set[str]) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    lines = ["unit,period,indicator,value,status"]
    for code, value in values.items():
        text = f"{value:.4f}".rstrip("0").rstrip(".").replace(".", ",")
        status = "ước" if code in estimates else "thực hiện"
        lines.append(f'{unit},{quarter.code},{code},"{text}",{status}')
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def _dump(target: Path, data: dict[str, Any], header: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110)
    target.write_text(header + text, encoding="utf-8")


def old_provinces(country: Country) -> dict[str, dict[str, Any]]:
    """The predecessors' configurations: old Lào Cai from inputs/lao-cai, old Yên Bái from the data."""
    catalogue = load_catalogue(ROOT / "templates" / "indicators.yaml")
    lao_cai = load_province(ROOT / "inputs" / "lao-cai" / "province.yaml", catalogue)
    new = province_named(country, "Lào Cai")
    made = crosswalk_of(country, new)
    # Yên Bái's districts' people: each new commune's 2025 people spread over the old communes it was made of.
    people: dict[str, float] = defaultdict(float)
    typical = _typical(new)
    for commune in new.communes:
        for link in commune.links:
            old = country.old_communes.get(link.old_code)
            if old is not None and old.province == "Tỉnh Yên Bái":
                people[old.district_code] += plausible_population(commune.population, typical) / len(
                    commune.links
                )
    yen_bai = []
    for code, name, province in old_districts_of(made.rows):
        if province != "Tỉnh Yên Bái":
            continue
        kind = _kind_of(name)
        total = people[code]
        yen_bai.append(
            {
                "code": _ascii_code(name),
                "name": short_name(_without_kind(name)),
                "kind": kind,
                "population": {2024: round(total * 0.992), 2025: round(total)},
            }
        )
    common = {
        "agency": {"name": "Sở Thông tin và Truyền thông", "abbreviation": "STTTT"},
        "signer": {"name": "—"},
    }
    return {
        "lao-cai": {
            "code": "LCI",
            "name": "Lào Cai",
            **common,
            "units": [u.model_dump(include={"code", "name", "kind", "population"}) for u in lao_cai.units],
        },
        "yen-bai": {"code": "YBI", "name": "Yên Bái", **common, "units": yen_bai},
    }


Expected = dict[tuple[str, str, str], dict[str, float]]


def write_predecessors(inputs: Path, olds: dict[str, dict[str, Any]], rng: random.Random) -> Expected:
    """Each predecessor's province.yaml and CSV submissions; returns the expected figures (no noise) by
    (folder, unit, quarter), the new quarters' included (for the communes)."""
    catalogue = load_catalogue(ROOT / "templates" / "indicators.yaml")
    expected: dict[tuple[str, str, str], dict[str, float]] = {}
    header = (
        "# A predecessor of the sample new Lào Cai (before 1 July 2025): its districts. Figures invented.\n"
    )
    for folder, data in olds.items():
        _dump(inputs / "predecessors" / folder / "province.yaml", data, header)
        units = data["units"]
        total = sum(u["population"][2024] for u in units)
        weights = {u["code"]: u["population"][2024] / total for u in units}
        scale = YEN_BAI_SCALE if folder == "yen-bai" else {"default": 1.0}
        for quarter in [*OLD_QUARTERS, *NEW_QUARTERS]:
            values = expected_values(catalogue, weights, units[0]["code"], _step(quarter), scale)
            for unit, v in values.items():
                expected[(folder, unit, quarter.code)] = v
            if quarter not in OLD_QUARTERS:
                continue
            for n, unit in enumerate(units):
                figures = noisy(catalogue, values[unit["code"]], quarter, rng)
                estimates = {"BC03", "VT06", "CN15"} if quarter.code == "2025-Q2" and n % 3 else set()
                target = (
                    inputs / "predecessors" / folder / "submissions" / quarter.code / f"{unit['code']}.csv"
                )
                _csv(target, unit["code"], quarter, figures, estimates)
    return expected


def unit_notes(rng: random.Random) -> list[Note]:
    """A few notes, as a commune's clerk writes them."""
    notes: list[Note] = []
    for section, (low, high) in {"highlights": (0, 2), "difficulties": (0, 1), "proposals": (0, 1)}.items():
        for field_code, text in rng.sample(NOTES[section], rng.randint(low, high)):
            notes.append(Note(section=section, text=_commune_words(text), field=field_code))  # type: ignore[arg-type]
    return notes


def _commune_words(text: str) -> str:
    """A district's note said of a commune (no district offices after July 2025)."""
    for old, new in (
        ("cấp huyện", "cấp xã"),
        ("Phòng Văn hóa và Thông tin", "công chức văn hóa – xã hội của xã"),
        ("Đài Truyền thanh – Truyền hình", "Trung tâm Truyền thông xã"),
    ):
        text = text.replace(old, new)
    return text


def write_sample_2025(inputs: Path) -> list[Path]:
    """Write the whole sample folder (anything there before is replaced); return the files written."""
    if inputs.exists():
        shutil.rmtree(inputs)
    rng = random.Random(SEED)
    country = load_country()
    new = province_named(country, "Lào Cai")
    made = crosswalk_of(country, new)
    write_crosswalk(made, inputs / "crosswalk.csv")
    olds = old_provinces(country)
    expected = write_predecessors(inputs, olds, rng)
    # Crosswalk district code -> (folder, unit code) of the predecessors.
    by_district: dict[str, tuple[str, str]] = {}
    for code, name, old_province in old_districts_of(made.rows):
        folder = "lao-cai" if old_province == "Tỉnh Lào Cai" else "yen-bai"
        wanted = name_key(short_name(_without_kind(name)))
        unit = next(u for u in olds[folder]["units"] if name_key(u["name"]) == wanted)
        by_district[code] = (folder, unit["code"])
    shares = district_shares(made.rows)
    typical = _typical(new)
    units = [
        {
            "code": c.code,
            "name": c.name,
            "kind": c.kind,
            "population": {2025: plausible_population(c.population, typical)},
        }
        for c in new.communes
    ]
    catalogue = load_catalogue(ROOT / "templates" / "indicators.yaml")
    write_province(inputs, units, expected, by_district, catalogue)
    province = load_province(inputs / "province.yaml", catalogue)
    flows = {i.code for i in catalogue.submitted if i.kind == "flow"}
    written = []
    for quarter in NEW_QUARTERS:
        cutoff = quarter.end(province.calendar)
        for n, unit in enumerate(province.units):
            if quarter.code == "2025-Q4" and n == 40:
                continue  # one commune that has not sent its last quarter
            base: dict[str, float] = defaultdict(float)
            for (district, commune), share in shares.items():
                if commune == unit.code:
                    for code, value in expected[(*by_district[district], quarter.code)].items():
                        base[code] += value * share
            values = noisy(catalogue, dict(base), quarter, rng)
            estimates = frozenset(flows) if quarter.code == "2025-Q4" and n % 3 else frozenset()
            late = quarter.code == "2025-Q3" and n in (17, 63)
            content = FormContent(
                values=values,
                estimates=estimates,
                notes=unit_notes(rng),
                person=PEOPLE[n % len(PEOPLE)],
                phone=f"0214.38{rng.randint(10000, 99999)}",
                prepared_on=add_working_days(cutoff, 9 if late else rng.randint(1, 4)),
            )
            target = inputs / "submissions" / quarter.code / f"{unit.code}.xlsx"
            written.append(write_form(target, catalogue, province, unit, quarter, content))
    return written


def write_province(
    inputs: Path,
    units: list[dict[str, Any]],
    expected: Expected,
    by_district: dict[str, tuple[str, str]],
    catalogue: Catalogue,
) -> dict[str, float]:
    """The new province's province.yaml, with 2025 plans a little above 2024's expected figures."""
    last_year: dict[str, float] = defaultdict(float)
    for folder, unit in set(by_district.values()):
        for quarter in OLD_QUARTERS[:4]:
            values = expected[(folder, unit, quarter.code)]
            for code in PLANNED:
                ind = catalogue.get(code)
                parts = ind.parts if ind.kind == "sum" else (code,)
                # Flows: the year's four quarters; stocks: the value at its end.
                if catalogue.time_rule(code) == "flow" or quarter.code == "2024-Q4":
                    last_year[code] += sum(values[p] for p in parts)
    plans = {
        code: round(value * (1.09 if catalogue.time_rule(code) == "flow" else 1.06), 1)
        for code, value in last_year.items()
    }
    data = {
        "code": "LCI",
        "name": "Lào Cai",
        "agency": AGENCY,
        "place": "Lào Cai",
        "calendar": "administrative",
        "deadline_working_days": 5,
        "participants": (
            "lãnh đạo Ủy ban nhân dân, công chức phụ trách văn hóa – xã hội các xã, phường; đại diện các cơ quan "
            "báo chí, doanh nghiệp bưu chính, viễn thông trên địa bàn tỉnh"
        ),
        "units": units,
        "plans": {2025: plans},
        "signer": {"name": "Nguyễn Đức Minh", "title": "GIÁM ĐỐC"},
        "recipients": [
            "Bộ Khoa học và Công nghệ (b/c);",
            "Thường trực Tỉnh ủy, HĐND tỉnh (b/c);",
            "UBND tỉnh (b/c);",
            "UBND các xã, phường;",
            "Lãnh đạo Sở;",
            "Lưu: VT, KHTC.",
        ],
        "predecessors": {
            "last_quarter": "2025-Q2",
            "crosswalk": "crosswalk.csv",
            "provinces": [
                {"name": "Lào Cai", "kind": "tỉnh", "folder": "predecessors/lao-cai"},
                {"name": "Yên Bái", "kind": "tỉnh", "folder": "predecessors/yen-bai"},
            ],
        },
    }
    header = (
        "# Sample province after the 2025 restructuring (written by scripts/make_sample_2025.py): the new Lào Cai,\n"
        "# its 99 communes and wards from inputs/units-2025 (official codes, 2025 populations); figures invented.\n"
        "# `predecessors` names the old provinces whose districts are its history (inputs/README.md).\n"
    )
    _dump(inputs / "province.yaml", data, header)
    return plans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=Path, default=ROOT / "inputs" / "2025" / "lao-cai")
    args = parser.parse_args()
    written = write_sample_2025(args.inputs)
    print(f"wrote {len(written)} commune workbooks and the predecessors' submissions under {args.inputs}")


if __name__ == "__main__":
    main()
