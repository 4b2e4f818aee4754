"""Collection: read once, then read-only; the intake keeps its submissions by reference through pickling."""

from __future__ import annotations

import os
import pickle
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from baocao.catalogue import Catalogue
from baocao.collection import collect_for, collection_of
from baocao.intake import collect, intake_of
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
    assert intake_of(intake.submissions).accepted[("SAPA", "2024-Q2")] is chosen
