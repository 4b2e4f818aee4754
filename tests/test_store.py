"""The inbox and the versioned store: nothing lost, newest valid version counts, feedback for rejected files."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from baocao.intake import quarter_statuses
from baocao.intake.form import FormContent, write_form
from baocao.periods import Period
from baocao.report import Setup, collect_for, collection_for, figures_for, load_setup
from baocao.store import TZ, process_inbox, read_index, read_rejections
from tests.support import DATA_SHEET, cell_of, openpyxl_figures, set_cell

QUARTER = Period.parse("2025-Q1")


@pytest.fixture
def province_dir(sample_inputs_copy: Path) -> Path:
    """A writable copy of the sample province with an empty inbox."""
    (sample_inputs_copy / "inbox").mkdir()
    return sample_inputs_copy


def drop(
    setup: Setup,
    unit: str,
    name: str,
    values: dict[str, float],
    estimates: frozenset[str] = frozenset(),
    quarter: Period = QUARTER,
) -> Path:
    """A unit's filled form dropped into the inbox under any file name."""
    content = FormContent(values=values, estimates=estimates, prepared_on=date(2025, 3, 17))
    return write_form(
        setup.inputs / "inbox" / name,
        setup.catalogue,
        setup.province,
        setup.province.unit(unit),
        quarter,
        content,
    )


def at(day: int, month: int = 3, hour: int = 9) -> datetime:
    return datetime(2025, month, day, hour, 0, tzinfo=TZ)


def test_a_valid_file_is_stored_and_published(province_dir: Path) -> None:
    setup = load_setup(province_dir)
    dropped = drop(setup, "BATXAT", "bao cao quy 1 - Bat Xat.xlsx", {"BC01": 33, "BC03": 4.25})
    data = dropped.read_bytes()
    result = process_inbox(province_dir, setup.catalogue, setup.province, now=at(18))
    [version] = result.accepted
    assert (version.unit, version.quarter, version.original_name) == ("BATXAT", "2025-Q1", dropped.name)
    stored = province_dir / "store" / version.path
    assert stored.read_bytes() == data and stored.parent == province_dir / "store" / "2025-Q1" / "BATXAT"
    current = province_dir / "submissions" / "2025-Q1" / "BATXAT.xlsx"
    assert current.read_bytes() == data
    assert not dropped.exists()
    assert read_index(province_dir) == [version]
    assert version.received == at(18)


def test_the_same_file_twice_is_stored_once(province_dir: Path) -> None:
    setup = load_setup(province_dir)
    first = drop(setup, "SAPA", "SAPA.xlsx", {"BC01": 20})
    copy = first.read_bytes()
    process_inbox(province_dir, setup.catalogue, setup.province, now=at(18))
    (province_dir / "inbox" / "SAPA (1).xlsx").write_bytes(copy)
    result = process_inbox(province_dir, setup.catalogue, setup.province, now=at(19))
    assert result.accepted == [] and result.duplicates == ["SAPA (1).xlsx"]
    assert len(read_index(province_dir)) == 1


def test_a_pass_killed_before_publishing_is_completed_by_the_next(province_dir: Path) -> None:
    # The state a SIGKILL between storing and publishing leaves: the version is in the store and its index,
    # the published file is not there, and the file is still in the inbox.
    setup = load_setup(province_dir)
    dropped = drop(setup, "BATXAT", "q1.xlsx", {"BC01": 33, "BC03": 4.25})
    data = dropped.read_bytes()
    process_inbox(province_dir, setup.catalogue, setup.province, now=at(18))
    published = province_dir / "submissions" / "2025-Q1" / "BATXAT.xlsx"
    published.unlink()
    dropped.write_bytes(data)

    again = process_inbox(province_dir, setup.catalogue, setup.province, now=at(19))
    assert again.duplicates == ["q1.xlsx"] and not again.accepted
    assert published.read_bytes() == data
    assert len(read_index(province_dir)) == 1 and not dropped.exists()


def test_a_rejected_file_gets_feedback_and_is_kept(province_dir: Path) -> None:
    setup = load_setup(province_dir)
    bad = drop(setup, "BACHA", "BACHA.xlsx", {"BC01": 20, "BC03": 1.5})
    ref = cell_of(bad, "BC03")
    set_cell(bad, DATA_SHEET, ref, "một tỷ rưỡi")
    original = bad.read_bytes()
    result = process_inbox(province_dir, setup.catalogue, setup.province, now=at(18))
    [(moved, feedback)] = result.rejected
    assert moved.parent == province_dir / "inbox" / "rejected" and moved.read_bytes() == original
    text = feedback.read_text(encoding="utf-8")
    assert feedback.name == moved.name + ".loi.txt"
    assert "KHÔNG HỢP LỆ" in text and f"ô {ref}" in text and '"một tỷ rưỡi" không phải là số' in text
    assert read_index(province_dir) == []
    [rejection] = read_rejections(province_dir)
    assert (rejection.unit, rejection.quarter) == ("BACHA", "2025-Q1")
    intake = collect_for(setup, QUARTER)
    states = {r.unit: r for r in quarter_statuses(intake, setup.province, QUARTER)}
    assert states["BACHA"].state == "rejected" and any(ref in str(e) for e in states["BACHA"].errors)


@pytest.mark.slow
def test_an_actual_figure_replaces_the_estimate_and_both_are_kept(province_dir: Path) -> None:
    setup = load_setup(province_dir)
    drop(setup, "LAOCAI", "LAOCAI.xlsx", {"BC03": 12.5, "BC01": 60}, estimates=frozenset({"BC03"}))
    process_inbox(province_dir, setup.catalogue, setup.province, now=at(17))
    before = figures_for(setup, collection_for(setup, QUARTER), QUARTER)
    drop(setup, "LAOCAI", "LAOCAI-chinh-thuc.xlsx", {"BC03": 13.75, "BC01": 60})
    process_inbox(province_dir, setup.catalogue, setup.province, now=at(28))
    after = figures_for(setup, collection_for(setup, QUARTER), QUARTER)

    def bc03(figures):  # type: ignore[no-untyped-def]
        row = figures[(figures["unit"] == "LAOCAI") & (figures["indicator"] == "BC03")].iloc[0]
        return row["value"], row["is_estimate"]

    assert bc03(before) == (12.5, True)
    assert bc03(after) == (13.75, False)
    versions = read_index(province_dir)
    assert [v.original_name for v in versions] == ["LAOCAI.xlsx", "LAOCAI-chinh-thuc.xlsx"]
    assert all((province_dir / "store" / v.path).is_file() for v in versions)
    assert openpyxl_figures(province_dir / "submissions" / "2025-Q1" / "LAOCAI.xlsx")["BC03"] == (
        13.75,
        False,
    )


def test_a_hand_placed_file_is_stored_before_it_is_replaced(province_dir: Path) -> None:
    setup = load_setup(province_dir)
    placed = province_dir / "submissions" / "2024-Q4" / "SAPA.xlsx"
    original = placed.read_bytes()
    drop(setup, "SAPA", "SAPA.xlsx", {"BC01": 99}, quarter=Period.parse("2024-Q4"))
    process_inbox(province_dir, setup.catalogue, setup.province, now=at(2, month=1))
    versions = read_index(province_dir)
    assert len(versions) == 2
    assert (province_dir / "store" / versions[0].path).read_bytes() == original
    assert openpyxl_figures(placed)["BC01"] == (99.0, False)


def test_a_multi_unit_csv_is_stored_per_unit(province_dir: Path) -> None:
    setup = load_setup(province_dir)
    (province_dir / "inbox" / "tong-hop.csv").write_text(
        "unit,period,indicator,value,status\nBATXAT,2025-Q1,BC01,31,thực hiện\nSAPA,2025-Q1,BC01,22,ước\n",
        encoding="utf-8",
    )
    result = process_inbox(province_dir, setup.catalogue, setup.province, now=at(18))
    assert sorted((v.unit, v.path.endswith(".csv")) for v in result.accepted) == [
        ("BATXAT", True),
        ("SAPA", True),
    ]
    intake = collect_for(setup, QUARTER)
    assert intake.accepted[("BATXAT", "2025-Q1")].values == {"BC01": 31.0}
    assert intake.accepted[("SAPA", "2025-Q1")].estimates == {"BC01"}


def test_timeliness_uses_the_time_the_store_received_the_file(province_dir: Path) -> None:
    setup = load_setup(province_dir)
    drop(setup, "BATXAT", "BATXAT.xlsx", {"BC01": 31})  # the form says 17/3, before the deadline
    drop(setup, "SAPA", "SAPA.xlsx", {"BC01": 22})
    process_inbox(province_dir, setup.catalogue, setup.province, now=at(18))
    deadline = setup.province.deadline(QUARTER)
    late = datetime(deadline.year, deadline.month, deadline.day + 3, 9, tzinfo=TZ)
    drop(setup, "BACHA", "BACHA.xlsx", {"BC01": 10})
    process_inbox(province_dir, setup.catalogue, setup.province, now=late)
    rows = {r.unit: r for r in quarter_statuses(collect_for(setup, QUARTER), setup.province, QUARTER)}
    assert rows["BATXAT"].state == "on_time" and rows["BATXAT"].received_on == date(2025, 3, 18)
    assert rows["BACHA"].state == "late" and rows["BACHA"].received_on == late.date()
    assert rows["VANBAN"].state == "missing"


def test_index_lines_are_plain_json(province_dir: Path) -> None:
    setup = load_setup(province_dir)
    drop(setup, "SAPA", "SAPA.xlsx", {"BC01": 22})
    process_inbox(province_dir, setup.catalogue, setup.province, now=at(18))
    [line] = (province_dir / "store" / "index.jsonl").read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert (
        record["unit"] == "SAPA" and len(record["sha256"]) == 64 and record["received_at"].endswith("+07:00")
    )


MULTI_UNIT_CSV = (
    "unit,period,indicator,value,status\r\n"
    'BATXAT,2025-Q1,BC03,"3,485",thực hiện\r\n'
    'SAPA,2025-Q1,BC03,"2,5",ước\r\n'
    "\r\n"
    'BATXAT,2025-Q1,BC04,"1.234,5",thực hiện\r\n'
    'SAPA,2025-Q1,VT02,"3.485",thực hiện'  # no line end on the last line
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1258"])
def test_a_multi_unit_csv_is_kept_byte_for_byte(province_dir: Path, encoding: str) -> None:
    # "3,485" was once written back by the store as "3.485" and re-read as 3485.
    from tests.test_intake import cp1258_bytes

    setup = load_setup(province_dir)
    sent = cp1258_bytes(MULTI_UNIT_CSV) if encoding == "cp1258" else MULTI_UNIT_CSV.encode(encoding)
    (province_dir / "inbox" / "tong-hop.csv").write_bytes(sent)
    result = process_inbox(province_dir, setup.catalogue, setup.province, now=at(18))
    assert sorted(v.unit for v in result.accepted) == ["BATXAT", "SAPA"]

    intake = collect_for(setup, QUARTER)
    assert intake.accepted[("BATXAT", "2025-Q1")].values == {"BC03": 3.485, "BC04": 1234.5}
    assert intake.accepted[("SAPA", "2025-Q1")].values == {"BC03": 2.5, "VT02": 3485.0}
    assert intake.accepted[("SAPA", "2025-Q1")].estimates == {"BC03"}

    def lines(data: bytes) -> list[str]:
        text = (
            data.decode("utf-16")
            if encoding == "utf-16"
            else data.decode("utf-8-sig" if encoding != "cp1258" else "cp1258")
        )
        return text.splitlines(keepends=True)

    original_lines = lines(sent)
    for version in result.accepted:
        stored = (province_dir / "store" / version.path).read_bytes()
        current = province_dir / "submissions" / "2025-Q1" / f"{version.unit}.csv"
        assert current.read_bytes() == stored
        assert all(line in original_lines for line in lines(stored))
        assert (province_dir / "store" / version.original).read_bytes() == sent
    batxat = province_dir / "submissions" / "2025-Q1" / "BATXAT.csv"
    assert lines(batxat.read_bytes()) == [original_lines[0], original_lines[1], original_lines[4]]
    if encoding == "utf-8":
        assert batxat.read_bytes() == (
            b'unit,period,indicator,value,status\r\nBATXAT,2025-Q1,BC03,"3,485",th\xe1\xbb\xb1c hi\xe1\xbb\x87n\r\n'
            b'BATXAT,2025-Q1,BC04,"1.234,5",th\xe1\xbb\xb1c hi\xe1\xbb\x87n\r\n'
        )
    assert len(list((province_dir / "store" / "originals").iterdir())) == 1


def test_every_inbox_file_is_taken_or_rejected_whatever_its_name(province_dir: Path) -> None:
    setup = load_setup(province_dir)
    inbox = province_dir / "inbox"
    drop(setup, "SAPA", "..SAPA.xlsx", {"BC01": 20})
    drop(setup, "BACHA", ".BACHA.xlsx", {"BC01": 21})
    (inbox / "SAPA").write_bytes(b"no extension")
    (inbox / "ghi chu.txt").write_text("xin gửi báo cáo", encoding="utf-8")
    (inbox / "bao cao\u202exslx.exe").write_bytes(b"MZ")
    (inbox / "~$SAPA.xlsx").write_bytes(b"\0lock")
    ours = inbox / ".BATXAT.xlsx.0123456789ab.part"  # a half-written file of our own
    ours.write_bytes(b"partial")
    result = process_inbox(province_dir, setup.catalogue, setup.province, now=at(18))
    assert sorted(v.original_name for v in result.accepted) == ["..SAPA.xlsx", ".BACHA.xlsx"]
    rejected = sorted(moved.name.split("-", 1)[1] for moved, _ in result.rejected)
    assert rejected == ["SAPA", "bao caoxslx.exe", "ghi chu.txt", "~$SAPA.xlsx"]
    assert all(feedback.is_file() for _, feedback in result.rejected)
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == [ours.name]


def test_leftovers_of_a_killed_pass_are_swept_from_submissions_too(province_dir: Path) -> None:
    setup = load_setup(province_dir)
    # The names atomic_path gives its temporary files, as a pass killed while publishing leaves them.
    left = [
        province_dir / "submissions" / "2024-Q2" / ".BATXAT.xlsx.0123456789ab.part",
        province_dir / "inbox" / "rejected" / ".20250318T090000-x.xlsx.loi.txt.0123456789ab.part",
        province_dir / "store" / "2024-Q2" / "BATXAT" / ".20250318T090000-abc.xlsx.0123456789ab.part",
    ]
    for path in left:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"PK\x03\x04 half")
    current = sorted((province_dir / "submissions").rglob("*.xlsx"))
    process_inbox(province_dir, setup.catalogue, setup.province, now=at(18))  # an empty inbox: still swept
    assert [p for p in left if p.exists()] == []
    assert sorted((province_dir / "submissions").rglob("*.xlsx")) == current, "nothing else removed"
