"""Collection: read once, then read-only; the intake keeps its submissions by reference through pickling."""

from __future__ import annotations

import dataclasses
import os
import pickle
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from baocao.catalogue import Catalogue
from baocao.collection import collect_for, collection_of, with_outliers
from baocao.errors import Location
from baocao.intake import Finding, Note, Submission, collect, intake_of
from baocao.periods import Period
from baocao.province import Province
from baocao.report import Setup

PERIOD = Period.parse("2024-Q2")


def test_what_a_collection_exposes_cannot_be_changed(sample_setup: Setup) -> None:
    collection = collection_of(sample_setup, collect_for(sample_setup, PERIOD), PERIOD)
    intake = collection.intake
    sub = intake.accepted[("SAPA", "2024-Q2")]
    with pytest.raises(TypeError):
        intake.accepted[("SAPA", "2024-Q2")] = sub  # type: ignore[index]
    with pytest.raises(TypeError):
        intake.first_received[("SAPA", "2024-Q2")] = datetime.now(UTC)  # type: ignore[index]
    with pytest.raises(AttributeError):
        intake.submissions.append(sub)  # type: ignore[attr-defined]
    for name in ("flags", "statuses", "states", "notes", "gaps", "checked"):
        assert isinstance(getattr(collection, name), tuple), name
    # The accepted submissions are the very objects of the submissions tuple, not copies.
    assert all(any(s is a for s in intake.submissions) for a in intake.accepted.values())


def test_a_submission_cannot_be_changed_once_read(sample_setup: Setup) -> None:
    sub = collect_for(sample_setup, PERIOD).accepted[("SAPA", "2024-Q2")]
    with pytest.raises(dataclasses.FrozenInstanceError):
        sub.unit = "BATXAT"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        sub.received_at = datetime.now(UTC)  # type: ignore[misc]
    with pytest.raises(AttributeError):
        sub.findings.append(Finding("warning", Location("SAPA.xlsx"), "x"))  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        sub.notes.append(Note("results", "x"))  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        sub.estimates.add("BC01")  # type: ignore[attr-defined]
    # More findings make a new submission; the one collected keeps its own.
    before = sub.findings
    more = sub.with_findings([Finding("warning", Location("SAPA.xlsx"), "thêm")])
    assert more is not sub and sub.findings == before and more.findings[-1].message == "thêm"


def test_collecting_twice_gives_equal_results_and_changes_nothing(sample_setup: Setup) -> None:
    first = collect_for(sample_setup, PERIOD)
    kept = pickle.dumps(first)  # what was collected, as it was before the collection was derived from it
    collection = collection_of(sample_setup, first, PERIOD)
    second = collect_for(sample_setup, PERIOD)
    assert second.submissions == first.submissions and dict(second.accepted) == dict(first.accepted)
    # The derivation (review flags, statuses, gaps) did not touch the intake it was given.
    assert pickle.loads(kept).submissions == first.submissions
    again = collection_of(sample_setup, second, PERIOD)
    assert again.checked == collection.checked and again.flags == collection.flags
    assert again.statuses == collection.statuses and again.states == collection.states
    assert again.records.equals(collection.records)
    # A unit's findings are said once, however often its submissions go through intake_of.
    twice = intake_of(intake_of(first.submissions).submissions)
    assert twice.submissions == first.submissions


def test_intake_survives_pickling_for_process_pools(sample_setup: Setup) -> None:
    intake = collect_for(sample_setup, PERIOD)
    again = pickle.loads(pickle.dumps(intake))
    assert type(again.accepted).__name__ == "mappingproxy"
    assert sorted(again.accepted) == sorted(intake.accepted)
    assert [s.path for s in again.submissions] == [s.path for s in intake.submissions]
    # Identity inside the pickle is kept: an accepted submission is still one of the submissions.
    assert all(any(s is a for s in again.submissions) for a in again.accepted.values())
    assert dict(again.first_received) == dict(intake.first_received)


def test_newer_of_two_valid_files_is_accepted_and_says_so(
    tmp_path: Path, sample_submissions: Path, catalogue: Catalogue, province: Province
) -> None:
    folder = tmp_path / "2024-Q2"
    folder.mkdir()
    old, new = folder / "SAPA.xlsx", folder / "SAPA-sua.xlsx"
    shutil.copy(sample_submissions / "2024-Q2" / "SAPA.xlsx", old)
    shutil.copy(sample_submissions / "2024-Q2" / "SAPA.xlsx", new)
    os.utime(old, (1_700_000_000, 1_700_000_000))
    intake = collect(tmp_path, [PERIOD], catalogue, province)
    chosen = intake.accepted[("SAPA", "2024-Q2")]
    assert chosen.path == new and len(intake.submissions) == 2
    assert any("SAPA.xlsx" in f.message for f in chosen.warnings)
    # The same submissions in the same order give the same choice.
    assert intake_of(intake.submissions).accepted[("SAPA", "2024-Q2")] == chosen


def test_outliers_are_said_on_new_submissions_and_the_old_intake_is_unchanged(
    sample_setup: Setup, catalogue: Catalogue
) -> None:
    stock = next(i.code for i in catalogue.submitted if i.kind == "stock")
    # SAPA's stock: 100 in Q1, 1000 (an estimate) in Q2 – ten times, beyond the 3x the rules allow –,
    # nothing in Q3, 1000 again in Q4 (against Q2: no change, no warning).
    subs = [
        Submission(path=Path("SAPA.xlsx"), unit="SAPA", period=q, values={stock: v}, estimates=e)
        for q, v, e in [
            ("2024-Q1", 100.0, frozenset()),
            ("2024-Q2", 1000.0, frozenset({stock})),
            ("2024-Q4", 1000.0, frozenset()),
        ]
    ]
    intake = intake_of(subs)
    warned = with_outliers(intake, catalogue, sample_setup.rules.outliers)
    assert [s.findings for s in intake.submissions] == [(), (), ()]  # unchanged
    assert [[f.codes for f in s.findings] for s in warned.submissions] == [[], [(stock,)], []]
    assert warned.accepted[("SAPA", "2024-Q2")] is warned.submissions[1]
    assert warned.accepted[("SAPA", "2024-Q1")] is intake.accepted[("SAPA", "2024-Q1")]  # nothing new: same
