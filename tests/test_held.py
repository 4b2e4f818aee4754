"""Versions held for confirmation: an estimate over an actual, or a late change, is stored but not published
until staff confirm it; every decision is recorded."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from baocao.errors import BaocaoError
from baocao.held import confirm_held, held_versions, reject_held
from baocao.periods import Period
from baocao.report import load_setup
from baocao.store import TZ, process_inbox, read_index
from tests.support import openpyxl_figures
from tests.test_store import at, drop

Q4 = Period.parse("2024-Q4")


@pytest.fixture
def province_dir(sample_inputs_copy: Path) -> Path:
    (sample_inputs_copy / "inbox").mkdir()
    return sample_inputs_copy


def published(province_dir: Path, unit: str, quarter: str = "2025-Q1") -> Path:
    return province_dir / "submissions" / quarter / f"{unit}.xlsx"


def content(path: Path) -> tuple[dict[str, float], frozenset[str]]:
    """A published workbook's values and estimates, read with openpyxl."""
    figures = openpyxl_figures(path)
    return {c: v for c, (v, _) in figures.items()}, frozenset(c for c, (_, e) in figures.items() if e)


def test_an_estimate_over_an_actual_is_held_not_published(province_dir: Path) -> None:
    setup = load_setup(province_dir)
    drop(setup, "BATXAT", "BATXAT.xlsx", {"BC01": 33, "BC03": 4.25})
    process_inbox(province_dir, setup.catalogue, setup.province, now=at(18))
    actual = published(province_dir, "BATXAT").read_bytes()

    estimate = drop(setup, "BATXAT", "uoc.xlsx", {"BC01": 33, "BC03": 4.5}, estimates=frozenset({"BC03"}))
    sent = estimate.read_bytes()
    result = process_inbox(province_dir, setup.catalogue, setup.province, now=at(19))
    assert result.accepted == [] and [v.original_name for v in result.held] == ["uoc.xlsx"]
    assert published(province_dir, "BATXAT").read_bytes() == actual  # the actual still counts
    [held] = held_versions(province_dir)
    assert (held.unit, held.quarter, held.original_name) == ("BATXAT", "2025-Q1", "uoc.xlsx")
    assert held.reason == "thay số thực hiện đã báo cáo bằng số ước (BC03)"
    assert held.changes == ("BC03: 4,25 (thực hiện) → 4,5 (ước)",)
    assert (province_dir / "store" / result.held[0].path).read_bytes() == sent  # nothing lost
    assert not estimate.exists()
    [feedback] = (province_dir / "inbox" / "held").iterdir()
    text = feedback.read_text(encoding="utf-8")
    assert (
        "ĐÃ NHẬN" in text and "đang chờ Sở xác nhận" in text and "BC03: 4,25 (thực hiện) → 4,5 (ước)" in text
    )


def test_confirming_publishes_and_records_who_when_why(province_dir: Path) -> None:
    setup = load_setup(province_dir)
    drop(setup, "BATXAT", "BATXAT.xlsx", {"BC03": 4.25})
    process_inbox(province_dir, setup.catalogue, setup.province, now=at(18))
    drop(setup, "BATXAT", "uoc.xlsx", {"BC03": 4.5}, estimates=frozenset({"BC03"}))
    [version] = process_inbox(province_dir, setup.catalogue, setup.province, now=at(19)).held

    decision = confirm_held(province_dir, version.sha256, "Nguyễn Văn A", "đơn vị xin điều chỉnh")
    assert openpyxl_figures(published(province_dir, "BATXAT"))["BC03"] == (4.5, True)
    assert held_versions(province_dir) == []
    [line] = (province_dir / "store" / "decisions.jsonl").read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert (record["sha256"], record["decision"], record["who"], record["why"]) == (
        version.sha256,
        "confirmed",
        "Nguyễn Văn A",
        "đơn vị xin điều chỉnh",
    )
    assert datetime.fromisoformat(record["at"]).tzinfo is not None and decision.at == record["at"]
    with pytest.raises(BaocaoError, match="không có bản nào đang chờ xác nhận"):
        confirm_held(province_dir, version.sha256, "Nguyễn Văn A", "lần nữa")


def test_rejecting_keeps_it_stored_and_never_published(province_dir: Path) -> None:
    setup = load_setup(province_dir)
    drop(setup, "SAPA", "SAPA.xlsx", {"BC03": 2.0})
    process_inbox(province_dir, setup.catalogue, setup.province, now=at(18))
    before = published(province_dir, "SAPA").read_bytes()
    drop(setup, "SAPA", "SAPA-uoc.xlsx", {"BC03": 2.5}, estimates=frozenset({"BC03"}))
    [version] = process_inbox(province_dir, setup.catalogue, setup.province, now=at(19)).held
    with pytest.raises(BaocaoError, match="người quyết định và lý do"):
        reject_held(province_dir, version.sha256, " ", "")
    reject_held(province_dir, version.sha256, "Trần Thị B", "số ước không thay số thực hiện")
    assert published(province_dir, "SAPA").read_bytes() == before
    assert held_versions(province_dir) == []
    assert version.sha256 in {v.sha256 for v in read_index(province_dir)}
    assert (province_dir / "store" / version.path).is_file()
    # The same file dropped again is a duplicate: still not published.
    (province_dir / "inbox" / "lai.xlsx").write_bytes((province_dir / "store" / version.path).read_bytes())
    again = process_inbox(province_dir, setup.catalogue, setup.province, now=at(20))
    assert again.duplicates == ["lai.xlsx"] and published(province_dir, "SAPA").read_bytes() == before


def test_a_file_naming_an_old_quarter_does_not_replace_its_actuals(province_dir: Path) -> None:
    # The incident: during 2025-Q1 an inbox file whose period cell said 2024-Q4 (reported long ago, all
    # actual) carried an estimate; it replaced the quarter's actuals silently.
    setup = load_setup(province_dir)
    old = published(province_dir, "SAPA", "2024-Q4")
    before = old.read_bytes()
    figures, estimates = content(old)
    assert (figures["VT02"], "VT02" in estimates) == (68636, False)
    drop(setup, "SAPA", "SAPA.xlsx", {**figures, "VT02": 70000}, estimates | {"VT02"}, quarter=Q4)
    result = process_inbox(province_dir, setup.catalogue, setup.province, now=at(18))
    [held] = held_versions(province_dir)
    assert [v.quarter for v in result.held] == ["2024-Q4"] and old.read_bytes() == before
    assert held.reason == (
        "thay số thực hiện đã báo cáo bằng số ước (VT02); "
        "sửa số liệu của quý đã quá hạn gửi 88 ngày (hạn 20/12/2024)"
    )
    assert held.changes == ("VT02: 68.636 (thực hiện) → 70.000 (ước)",)
    assert [v.sha256 for v in read_index(province_dir)] == [held.sha256]  # the placed file is untouched

    confirm_held(province_dir, held.sha256, "Nguyễn Văn A", "đơn vị xác nhận bằng công văn")
    [placed] = [v for v in read_index(province_dir) if v.sha256 != held.sha256]
    assert (province_dir / "store" / placed.path).read_bytes() == before  # kept before it is replaced
    assert placed.received < datetime.fromisoformat(held.received_at)
    assert openpyxl_figures(old)["VT02"] == (70000, True)


def test_a_late_change_is_held_but_a_late_identical_file_is_not(province_dir: Path) -> None:
    setup = load_setup(province_dir)
    old = published(province_dir, "BACHA", "2024-Q4")
    figures, estimates = content(old)
    drop(setup, "BACHA", "BACHA.xlsx", figures, estimates, quarter=Q4)  # same figures, other bytes
    same = process_inbox(province_dir, setup.catalogue, setup.province, now=at(3, month=2))
    assert len(same.accepted) == 1 and same.held == []
    drop(setup, "BACHA", "BACHA.xlsx", {**figures, "BC01": 26}, estimates, quarter=Q4)
    late = process_inbox(province_dir, setup.catalogue, setup.province, now=at(3, month=2))
    [held] = held_versions(province_dir)
    assert (
        late.accepted == [] and held.reason == "sửa số liệu của quý đã quá hạn gửi 45 ngày (hạn 20/12/2024)"
    )
    assert held.changes == ("BC01: 25 (thực hiện) → 26 (thực hiện)",)


def test_a_change_within_the_provinces_grace_is_published(province_dir: Path) -> None:
    config = province_dir / "province.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "\nhold_after_days: 60\n", encoding="utf-8")
    setup = load_setup(province_dir)
    assert setup.province.hold_after_days == 60
    old = published(province_dir, "BACHA", "2024-Q4")
    figures, estimates = content(old)
    drop(setup, "BACHA", "BACHA.xlsx", {**figures, "BC01": 26}, estimates, quarter=Q4)
    result = process_inbox(
        province_dir, setup.catalogue, setup.province, now=datetime(2025, 2, 3, 9, tzinfo=TZ)
    )
    assert len(result.accepted) == 1 and result.held == [] and held_versions(province_dir) == []
    assert openpyxl_figures(old)["BC01"] == (26, False)


def test_a_held_version_cannot_be_confirmed_over_a_newer_one(province_dir: Path) -> None:
    setup = load_setup(province_dir)
    drop(setup, "BAOYEN", "BAOYEN.xlsx", {"BC03": 5.0})
    process_inbox(province_dir, setup.catalogue, setup.province, now=at(18))
    drop(setup, "BAOYEN", "uoc.xlsx", {"BC03": 5.5}, estimates=frozenset({"BC03"}))
    [version] = process_inbox(province_dir, setup.catalogue, setup.province, now=at(19)).held
    drop(setup, "BAOYEN", "chinh-thuc.xlsx", {"BC03": 5.25})
    [newer] = process_inbox(province_dir, setup.catalogue, setup.province, now=at(20)).accepted
    with pytest.raises(BaocaoError, match=r"bản mới hơn \(chinh-thuc.xlsx, nhận 20/03/2025\)"):
        confirm_held(province_dir, version.sha256, "Nguyễn Văn A", "nhầm")
    assert openpyxl_figures(published(province_dir, "BAOYEN"))["BC03"] == (5.25, False)
    assert [h.sha256 for h in held_versions(province_dir)] == [version.sha256]
    assert newer.original_name == "chinh-thuc.xlsx"
