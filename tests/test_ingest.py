"""The ingest store: parsed once per content hash, same intake as a direct read, one changed file re-parsed."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import replace
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from baocao.ingest import FILES, PARSED, RACY_NS, collect_cached
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


def test_a_file_rewritten_at_once_with_the_same_size_and_time_is_read_again(
    setup_copy: Setup, tmp_path: Path
) -> None:
    # A correction saved in the same timestamp tick as the hashing, same size: size and mtime cannot tell.
    cache = tmp_path / "cache"
    path = setup_copy.submissions / "2024-Q2" / "SAPA.xlsx"
    path.unlink()
    csv = path.with_suffix(".csv")
    csv.write_text("unit,period,indicator,value\nSAPA,2024-Q2,BC01,111\n", encoding="utf-8")
    stamp = csv.stat().st_mtime_ns
    _, rows = _cached(setup_copy, cache)
    assert ("SAPA", "2024-Q2", "BC01", 111.0, False) in rows

    csv.write_text("unit,period,indicator,value\nSAPA,2024-Q2,BC01,222\n", encoding="utf-8")
    os.utime(csv, ns=(stamp, stamp))
    fresh, rows = _cached(setup_copy, cache)
    assert fresh == 1
    assert ("SAPA", "2024-Q2", "BC01", 222.0, False) in rows


def test_a_file_old_when_hashed_is_trusted_by_size_and_time(setup_copy: Setup, tmp_path: Path) -> None:
    # Files already settled when hashed are not read again: the same intake from the table alone.
    cache = tmp_path / "cache"
    hour_ago = time.time_ns() - 3_600 * 10**9
    for path in setup_copy.submissions.glob("2024-Q[12]/*"):
        os.utime(path, ns=(hour_ago, hour_ago))
    _, expected = _cached(setup_copy, cache)
    known = pd.read_parquet(cache / FILES)
    assert (known["mtime_ns"] + RACY_NS <= known["checked_ns"]).all()
    fresh, rows = _cached(setup_copy, cache)
    assert (fresh, rows) == (0, expected)


def test_a_unit_left_out_of_the_province_parses_everything_again(setup_copy: Setup, tmp_path: Path) -> None:
    # Which units exist decides the findings ("unknown unit"), so it is part of what a parse depends on.
    cache = tmp_path / "cache"
    first, rows = _cached(setup_copy, cache)
    assert any(r[0] == "BATXAT" for r in rows)
    units = [u for u in setup_copy.province.units if u.code != "BATXAT"]
    fewer = setup_copy.province.model_copy(update={"units": units})
    intake, fresh = collect_cached(
        setup_copy.submissions, QUARTERS, setup_copy.catalogue, fewer, cache, rules=setup_copy.rules.rules
    )
    assert fresh == first
    assert not any(unit == "BATXAT" for unit, _ in intake.accepted)


def test_csv_only_submissions_come_back_from_the_store_as_read(setup_copy: Setup, tmp_path: Path) -> None:
    # CSV has no preparer and no date: a Parquet column of nulls only reads back as NaN, not None.
    quarter = setup_copy.submissions / "2024-Q1"
    shutil.rmtree(quarter)
    quarter.mkdir()
    for unit in ("SAPA", "BACHA"):
        (quarter / f"{unit}.csv").write_text(
            f"unit,period,indicator,value\n{unit},2024-Q1,BC01,7\n", encoding="utf-8"
        )

    def read(quarters: list[Period]) -> list[tuple[str, str, str | None, object]]:
        intake, _ = collect_cached(
            setup_copy.submissions, quarters, setup_copy.catalogue, setup_copy.province, tmp_path / "c"
        )
        return sorted((s.period, s.unit, s.person, s.prepared_on) for s in intake.submissions if s.unit)

    csv_only = [("2024-Q1", "BACHA", None, None), ("2024-Q1", "SAPA", None, None)]
    assert read(QUARTERS[:1]) == csv_only
    # Then a run of both quarters adds the workbooks' rows (with a preparer and a date) to that table.
    both = read(QUARTERS)
    assert [r for r in both if r[0] == "2024-Q1"] == csv_only
    assert all(r[2] and r[3] for r in both if r[0] == "2024-Q2")
    assert read(QUARTERS) == both
