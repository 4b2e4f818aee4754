"""The bundled sample after the 2025 change (inputs/2025/lao-cai): its crosswalk and units against the data
files read independently with csv, its year-before figures against the predecessors' CSV files summed
independently, and one whole report rendered and read back."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
import yaml

from baocao.periods import Period
from baocao.report import (
    PROJECT_ROOT,
    ReportRequest,
    collection_for,
    figures_for,
    load_setup,
    run_report,
)
from baocao.units import UNITS_2025
from tests.support import docx_text

SAMPLE = PROJECT_ROOT / "inputs" / "2025" / "lao-cai"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_bundled_crosswalk_and_units_are_the_datas_communes() -> None:
    legacy = [r for r in _rows(UNITS_2025 / "legacy-to-2025.csv") if r["newProvince"] == "Tỉnh Lào Cai"]
    crosswalk = _rows(SAMPLE / "crosswalk.csv")
    assert {r["new_code"] for r in crosswalk} == {r["newWardCode"] for r in legacy}
    assert {r["old_code"] for r in crosswalk} == {f"{int(float(r['wardCode'])):05d}" for r in legacy}
    province = yaml.safe_load((SAMPLE / "province.yaml").read_text(encoding="utf-8"))
    assert {u["code"] for u in province["units"]} == {r["newWardCode"] for r in legacy}
    assert len(province["units"]) == 99
    # The predecessors' districts are the data's old districts of the two old provinces, by name.
    districts = {(r["province"], r["district"]) for r in legacy}
    for folder, old in (("lao-cai", "Tỉnh Lào Cai"), ("yen-bai", "Tỉnh Yên Bái")):
        units = yaml.safe_load(
            (SAMPLE / "predecessors" / folder / "province.yaml").read_text(encoding="utf-8")
        )
        named = {f"{u['kind']} {u['name']}".lower() for u in units["units"]}
        assert named == {d.lower() for p, d in districts if p == old}


def _old_sum(quarter: str, code: str) -> float:
    """The predecessors' own figures of a quarter, summed from their CSV files."""
    total = 0.0
    for path in (SAMPLE / "predecessors").glob(f"*/submissions/{quarter}/*.csv"):
        for row in _rows(path):
            if row["indicator"] == code:
                total += float(row["value"].replace(",", "."))
    return total


def test_the_year_before_of_the_sample_is_its_predecessors_sum() -> None:
    setup = load_setup(SAMPLE)
    period = Period.parse("2025-Q3")
    collection = collection_for(setup, period)
    figures = figures_for(setup, collection, period).set_index(["unit", "indicator"])
    assert not collection.past or not collection.past.history.findings
    for code in ("BC03", "IN01", "VT01", "CN14"):
        assert figures.loc[("LCI", code), "value_ly"] == pytest.approx(_old_sum("2024-Q3", code), rel=1e-9)
    # Every commune takes part of a district: every unit comparison is an estimate.
    assert collection.past is not None and collection.past.history.estimated == set(setup.province.unit_codes)


@pytest.mark.slow
def test_the_samples_quarter_after_the_change_reads_as_a_comparison_with_the_old_provinces(
    tmp_path: Path,
) -> None:
    result = run_report(ReportRequest(SAMPLE, Period.parse("2025-Q3"), tmp_path, date(2025, 10, 6)))
    text = docx_text(result.docx)
    assert "so với cùng kỳ năm 2024 của tỉnh Lào Cai và tỉnh Yên Bái (cũ)" in text
    assert text.count("chuyển sang các xã, phường mới theo bảng chuyển đổi đơn vị hành chính") == 1
    assert "99/99 đơn vị" in text


@pytest.mark.parametrize("code", ["2024-Q4", "2025-Q2", "2025-H1"])
def test_a_period_the_old_provinces_reported_is_refused(tmp_path: Path, code: str) -> None:
    from baocao.errors import ConfigError

    with pytest.raises(ConfigError) as refused:
        run_report(ReportRequest(SAMPLE, Period.parse(code), tmp_path, date(2025, 10, 6)))
    said = str(refused.value)
    assert f"{Period.parse(code).label} là kỳ báo cáo của tỉnh Lào Cai và tỉnh Yên Bái (cũ)" in said
    assert not (tmp_path / "lao-cai").exists(), "nothing is written for a refused period"


def test_the_bundled_inputs_hold_one_province_per_code() -> None:
    from baocao.national import province_folders

    # `baocao run --all` on inputs/ is the country before the change; inputs/2025/ the one after.
    assert [f.name for f in province_folders(PROJECT_ROOT / "inputs")] == ["lao-cai"]
    assert [f.name for f in province_folders(PROJECT_ROOT / "inputs" / "2025")] == ["lao-cai"]
