"""The ingest store: parsed once per content hash, same intake as a direct read, one changed file re-parsed."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from baocao.ingest import FILES, PARSED, collect_cached
from baocao.intake import collect, records_frame
from baocao.periods import Period
from baocao.report import Setup, load_setup

QUARTERS = [Period.parse(q) for q in ("2024-Q1", "2024-Q2")]


def _cached(setup: Setup, cache: Path) -> tuple[int, list[tuple[object, ...]]]:
    intake, fresh = collect_cached(
        setup.submissions, QUARTERS, setup.catalogue, setup.province, cache, rules=setup.rules.rules
    )
    rows = sorted(records_frame(intake.accepted.values()).itertuples(index=False, name=None))
    return fresh, rows


@pytest.fixture
def setup_copy(sample_inputs_copy: Path) -> Setup:
    """The sample province in a writable folder."""
    return load_setup(sample_inputs_copy)


def test_cache_gives_the_direct_read_and_parses_each_file_once(setup_copy: Setup, tmp_path: Path) -> None:
    direct = collect(
        setup_copy.submissions,
        QUARTERS,
        setup_copy.catalogue,
        setup_copy.province,
        rules=setup_copy.rules.rules,
    )
    expected = sorted(records_frame(direct.accepted.values()).itertuples(index=False, name=None))
    files = sum(1 for q in QUARTERS for _ in (setup_copy.submissions / q.code).iterdir())
    cache = tmp_path / "cache"

    fresh, rows = _cached(setup_copy, cache)
    assert (fresh, rows) == (files, expected)
    assert (cache / FILES).is_file() and (cache / PARSED).is_file()
    fresh, rows = _cached(setup_copy, cache)
    assert (fresh, rows) == (0, expected)


def test_one_changed_workbook_is_the_only_one_parsed_again(setup_copy: Setup, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _cached(setup_copy, cache)
    path = setup_copy.submissions / "2024-Q2" / "BATXAT.xlsx"
    book = openpyxl.load_workbook(path)
    sheet = book["Số liệu"]
    row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 2).value == "BC03")
    sheet.cell(row, 5).value = 9876.5
    book.save(path)

    fresh, rows = _cached(setup_copy, cache)
    assert fresh == 1
    assert ("BATXAT", "2024-Q2", "BC03", 9876.5, False) in rows


def test_touching_a_file_without_changing_it_parses_nothing(setup_copy: Setup, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _cached(setup_copy, cache)
    path = setup_copy.submissions / "2024-Q1" / "SAPA.xlsx"
    copy = tmp_path / "copy.xlsx"
    shutil.copy2(path, copy)
    path.unlink()
    shutil.copyfile(copy, path)  # new inode and mtime, same content
    os.utime(path, None)
    fresh, _ = _cached(setup_copy, cache)
    assert fresh == 0


def test_a_damaged_cache_is_rebuilt(setup_copy: Setup, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _, expected = _cached(setup_copy, cache)
    (cache / PARSED).write_bytes(b"not parquet")
    fresh, rows = _cached(setup_copy, cache)
    assert fresh > 0 and rows == expected


def test_changed_rules_parse_everything_again(setup_copy: Setup, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first, _ = _cached(setup_copy, cache)
    fewer = replace(
        setup_copy, rules=setup_copy.rules.model_copy(update={"rules": setup_copy.rules.rules[1:]})
    )
    _, fresh = collect_cached(
        fewer.submissions, QUARTERS, fewer.catalogue, fewer.province, cache, rules=fewer.rules.rules
    )
    assert fresh == first
