"""A national test set: the 34 provinces and 3,321 communes of 2025 (real names, kinds, codes and populations
from inputs/units-2025), with invented quarterly submissions.

Written in the documented layout (``<root>/<province>/province.yaml`` and
``submissions/<quarter>/<unit>.xlsx``), fast: the workbooks are minimal .xlsx packages written directly (inline
strings, no styles), which the reader treats like any other workbook. Not committed: the benchmark and the
scale tests generate it into a temporary folder.

    .venv/bin/python -m benchmarks.national_data ROOT [--units 3321] [--quarters 8] [--provinces 34]
"""

from __future__ import annotations

import argparse
import io
import random
import unicodedata
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import yaml

from baocao.catalogue import Catalogue, load_catalogue
from baocao.periods import Period
from baocao.report import TEMPLATES
from baocao.units import Commune, load_country

SLUGS = {"Đ": "D", "đ": "d"}
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    + "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in (1, 2, 3)
    )
    + "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_SHEETS = ("Thông tin", "Số liệu", "Ghi chú")
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    + "".join(f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>' for i, name in enumerate(_SHEETS, 1))
    + "</sheets></workbook>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships">'
    + "".join(
        f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in (1, 2, 3)
    )
    + "</Relationships>"
)


def _col(index: int) -> str:
    return "ABCDEFGH"[index]


def _sheet(rows: Sequence[Sequence[object]]) -> str:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main"><sheetData>'
    ]
    for r, row in enumerate(rows, start=1):
        out.append(f'<row r="{r}">')
        for c, value in enumerate(row):
            ref = f"{_col(c)}{r}"
            if value is None:
                continue
            if isinstance(value, (int, float)):
                out.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                out.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>')
        out.append("</row>")
    out.append("</sheetData></worksheet>")
    return "".join(out)


def workbook_bytes(unit: str, quarter: str, values: dict[str, float], catalogue: Catalogue) -> bytes:
    """A minimal but complete submission workbook."""
    info: list[list[object]] = [
        ["BÁO CÁO SỐ LIỆU"],
        [],
        [],
        ["Mã đơn vị", unit],
        ["Tên đơn vị", unit],
        ["Kỳ báo cáo", quarter],
        ["Người lập", "Nguyễn Văn A"],
    ]
    data: list[list[object]] = [
        ["SỐ LIỆU"],
        [],
        [],
        ["STT", "Mã chỉ tiêu", "Tên chỉ tiêu", "Đơn vị tính", "Giá trị", "Tình trạng"],
    ]
    for n, ind in enumerate(catalogue.submitted, start=1):
        data.append([n, ind.code, ind.name, ind.unit, values[ind.code], "thực hiện"])
    notes: list[list[object]] = [
        ["GHI CHÚ"],
        [],
        ["Mục", "Lĩnh vực", "Nội dung"],
        ["Khó khăn – vướng mắc", "Thông tin cơ sở", "Cụm loa truyền thanh xuống cấp."],
        ["Kiến nghị – đề xuất", None, "Đề nghị Sở hỗ trợ thiết bị truyền thanh."],
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        for i, rows in enumerate((info, data, notes), start=1):
            archive.writestr(f"xl/worksheets/sheet{i}.xml", _sheet(rows))
    return buffer.getvalue()


def slug(name: str) -> str:
    """'Hồ Chí Minh' -> 'ho-chi-minh'."""
    text = "".join(SLUGS.get(c, c) for c in name)
    text = unicodedata.normalize("NFD", text)
    return "-".join("".join(c for c in text if unicodedata.category(c) != "Mn").lower().split())


def _unit(commune: Commune, periods: Sequence[Period]) -> dict[str, object]:
    """A commune's entry in province.yaml (its 2025 population for every year; 8,000 where the data has none)."""
    people = commune.population or 8000
    return {
        "code": commune.code,
        "name": commune.name,
        "kind": commune.kind,
        "population": {p.year: people for p in periods},
    }


def write_national(
    root: Path,
    units: int = 3321,
    quarters: int = 8,
    provinces: int = 34,
    last: Period = Period.quarter(2026, 2),
    seed: int = 2025,
) -> list[Path]:
    """Write the national set under ``root``; the province folders."""
    catalogue = load_catalogue(TEMPLATES / "indicators.yaml")
    rng = random.Random(seed)
    chosen = load_country().provinces[:provinces]
    available = sum(len(p.communes) for p in chosen)
    # Fewer units than the provinces have (the tests' small sets): the first communes of each, spread evenly.
    per = [
        len(p.communes)
        if units >= available
        else units // len(chosen) + (1 if i < units % len(chosen) else 0)
        for i, p in enumerate(chosen)
    ]
    periods = last.previous_quarters(quarters)
    folders = []
    for province, count in zip(chosen, per, strict=True):
        folder = root / slug(province.name)
        communes = province.communes[:count]
        unit_codes = [c.code for c in communes]
        config = {
            "code": province.code,
            "name": province.name,
            "kind": province.kind,
            "agency": {"name": "Sở Khoa học và Công nghệ", "abbreviation": "SKHCN"},
            "calendar": "statistical",
            "units": [_unit(c, periods) for c in communes],
            # Plans near what the figures reach (TH01 is about 1,700 a commune a quarter).
            "plans": {periods[-1].year: {"TH01": 7000.0 * count, "CN14": 2400.0 * count}},
            "signer": {"name": "Nguyễn Văn B", "title": "PHÓ GIÁM ĐỐC", "on_behalf_of": "GIÁM ĐỐC"},
            "recipients": ["Bộ Khoa học và Công nghệ (b/c);", "UBND tỉnh (b/c);", "Lưu: VT."],
        }
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "province.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        for step, quarter in enumerate(periods):
            target = folder / "submissions" / quarter.code
            target.mkdir(parents=True, exist_ok=True)
            for unit in unit_codes:
                values = {}
                for ind in catalogue.submitted:
                    base = 50 + zlib.crc32(f"{unit}{ind.code}".encode()) % 1000  # stable across runs
                    values[ind.code] = round(base * (1 + 0.01 * step) * rng.uniform(0.95, 1.05), ind.decimals)
                for part, total in (
                    ("BC02", "BC01"),
                    ("IN02", "IN01"),
                    ("VT07", "VT08"),
                    ("CN03", "CN02"),
                    ("CN05", "CN02"),
                    ("CN08", "CN07"),
                    ("PT02", "PT01"),
                    ("PT04", "PT03"),
                    ("TC02", "TC01"),
                ):
                    values[part] = round(values[total] * 0.8, catalogue.get(part).decimals)
                values["CN10"] = round(values["CN07"] * 0.9)
                (target / f"{unit}.xlsx").write_bytes(workbook_bytes(unit, quarter.code, values, catalogue))
        folders.append(folder)
    return folders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--units", type=int, default=3321)
    parser.add_argument("--quarters", type=int, default=8)
    parser.add_argument("--provinces", type=int, default=34)
    args = parser.parse_args()
    folders = write_national(args.root, args.units, args.quarters, args.provinces)
    print(f"wrote {len(folders)} provinces under {args.root}")


if __name__ == "__main__":
    main()
