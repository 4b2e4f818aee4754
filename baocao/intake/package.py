"""Inspecting an .xlsx package before it is parsed: bounded in size and time whatever a file claims.

An .xlsx is a zip of XML parts. Before python-calamine reads it we check, from the zip's directory and the
first bytes of each sheet, that it is not a zip bomb, that no sheet claims an absurd number of rows, whether it
carries macros, and which formula cells have no stored result (Excel stores one; some tools do not).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from posixpath import dirname, join, normpath
from xml.etree import ElementTree

from baocao.errors import Location, SubmissionError

MAX_MEMBERS = 1000
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_SHEET_BYTES = 30 * 1024 * 1024
MAX_ROWS = 5000
_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "p": "http://schemas.openxmlformats.org/package/2006/relationships",
}
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension ref=\"[A-Z]+\d+(?::[A-Z]+(\d+))?\"")
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_REF = re.compile(rb"\br=\"([A-Z]+\d+)\"")
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
# A stored result has content: openpyxl saves a formula as <f>..</f><v></v>, which is no result at all.
_VALUE = re.compile(rb"<(?:\w+:)?v(?:\s[^>]*)?>[^<]")
_TEXT_RESULT = re.compile(rb"\bt=\"str\"")
_ROW = re.compile(rb"<(?:\w+:)?row\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?row>)", re.S)
_CONTENT = re.compile(rb"<(?:\w+:)?v(?:\s[^>]*)?>[^<]|<(?:\w+:)?is\b|<(?:\w+:)?f[\s>/]")


@dataclass
class Package:
    """What the inspection found."""

    sheets: dict[str, str] = field(default_factory=dict)
    has_macros: bool = False
    formulas_without_value: dict[str, set[str]] = field(default_factory=dict)


def inspect_package(path: Path, scan: Callable[[str], bool] = lambda _: False) -> Package:
    """Check the zip's shape and, in the sheets ``scan`` accepts by name, find formula cells without a stored
    result. Raises SubmissionError (Vietnamese) for a package that must not be parsed."""
    where = Location(path.name)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS:
                raise SubmissionError(f"tệp chứa {len(infos)} thành phần, bất thường với một báo cáo", where)
            unpacked = sum(i.file_size for i in infos)
            if unpacked > MAX_UNPACKED_BYTES:
                raise SubmissionError(
                    f"tệp giải nén ra {unpacked // (1024 * 1024)} MB (tệp nén bất thường, có thể là 'zip bomb'); "
                    "không đọc tệp này",
                    where,
                )
            package = Package(has_macros=any(i.filename.lower().endswith("vbaproject.bin") for i in infos))
            package.sheets = _sheet_parts(archive)
            for name, part in package.sheets.items():
                _check_sheet(archive, name, part, where)
            for name, part in package.sheets.items():
                if scan(name):
                    package.formulas_without_value[name] = _formulas_without_value(archive.read(part))
            return package
    except SubmissionError:
        raise
    except zipfile.BadZipFile as exc:
        raise SubmissionError(f"không mở được tệp Excel (tệp hỏng hoặc không đầy đủ: {exc})", where) from exc
    except Exception as exc:  # zlib, struct, XML and key errors all mean the same to a unit: a damaged file
        raise SubmissionError(
            f"tệp Excel hỏng: thiếu hoặc sai thành phần ({type(exc).__name__})", where
        ) from exc


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> zip member, from xl/workbook.xml and its relationships."""
    if "xl/workbook.xml" not in archive.namelist():
        return {}
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels_name = "xl/_rels/workbook.xml.rels"
    rels = ElementTree.fromstring(archive.read(rels_name)) if rels_name in archive.namelist() else None
    targets: dict[str, str] = {}
    if rels is not None:
        for rel in rels.findall("p:Relationship", _NS):
            target = rel.get("Target", "")
            member = (
                target.lstrip("/")
                if target.startswith("/")
                else normpath(join(dirname("xl/workbook.xml"), target))
            )
            targets[rel.get("Id", "")] = member
    sheets = {}
    for sheet in workbook.findall("m:sheets/m:sheet", _NS):
        part = targets.get(sheet.get(f"{{{_NS['r']}}}id", ""))
        if part and part in archive.namelist():
            sheets[sheet.get("name", "")] = part
    return sheets


def _check_sheet(archive: zipfile.ZipFile, name: str, part: str, where: Location) -> None:
    info = archive.getinfo(part)
    sheet = Location(where.file, name)
    if info.file_size > MAX_SHEET_BYTES:
        raise SubmissionError(
            f"trang quá lớn ({info.file_size // (1024 * 1024)} MB); báo cáo chỉ cần vài trăm dòng", sheet
        )
    with archive.open(part) as handle:
        head = handle.read(4096)
    match = _DIMENSION.search(head)
    if match and match.group(1) and int(match.group(1)) <= MAX_ROWS and info.file_size <= 4 * 1024 * 1024:
        return  # a small sheet claiming few rows: nothing to count
    # Only rows that hold something count: 10,000 blank formatted rows after the data are no data, and the
    # claimed dimension is not what python-calamine allocates.
    rows = _rows_with_content(archive.read(part))
    if rows > MAX_ROWS:
        raise SubmissionError(
            f"trang có {rows:,} dòng có dữ liệu; báo cáo chỉ cần vài trăm dòng (tối đa {MAX_ROWS:,})".replace(
                ",", "."
            ),
            sheet,
        )


def _rows_with_content(xml: bytes) -> int:
    """How many rows of a sheet's XML hold a value, an inline string or a formula."""
    return sum(1 for row in _ROW.finditer(xml) if row.group(1) and _CONTENT.search(row.group(1)))


def _formulas_without_value(xml: bytes) -> set[str]:
    """References of cells that hold a formula but no stored value (an empty text result is a value)."""
    blanks = set()
    for match in _CELL.finditer(xml):
        inner = match.group(2) or b""
        if _FORMULA.search(inner) and not _VALUE.search(inner) and not _TEXT_RESULT.search(match.group(1)):
            ref = _REF.search(match.group(1))
            if ref:
                blanks.add(ref.group(1).decode())
    return blanks
