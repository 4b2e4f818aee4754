"""A 2025 province folder with predecessors, built of real files in tmp_path (province.yaml files, the
crosswalk CSV, the old districts' and the new communes' CSV submissions), read through the same intake as a
province's own: figures, the report's text and the XLSX's Kiểm tra sheet. Figures worked by hand (see
tests/test_history.py for the same province): tỉnh Một's huyện Đông wholly into phường An, its huyện Tây a
quarter into xã Bình and three quarters into xã Cường; tỉnh Hai's thị xã Nam wholly into xã Cường; xã Dũng
is in the new list but the crosswalk gives it nothing."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import load_workbook

from baocao.crosswalk import Crosswalk, CrosswalkRow, write_crosswalk
from baocao.errors import ConfigError
from baocao.periods import Period
from baocao.report import (
    collection_for,
    context_for,
    figures_for,
    load_setup,
    report_digest,
    write_xlsx,
)

AGENCY = {"name": "Sở Khoa học và Công nghệ", "abbreviation": "SKHCN"}
ROWS = [
    CrosswalkRow("A", "Phường An", "Tỉnh Một", "D1", "Huyện Đông", "D11", "Xã X", "full", 1.0, 1.0),
    CrosswalkRow("B", "Xã Bình", "Tỉnh Một", "D2", "Huyện Tây", "D21", "Xã Y", "partial", 0.25, 0.25),
    CrosswalkRow("C", "Xã Cường", "Tỉnh Một", "D2", "Huyện Tây", "D21", "Xã Y", "partial", 0.75, 0.75),
    CrosswalkRow("C", "Xã Cường", "Tỉnh Hai", "E1", "Thị xã Nam", "E11", "Xã Z", "full", 1.0, 1.0),
]
# The old districts' quarters (revenue BC03, fixed broadband IN01), and the new communes' 2025-Q3.
OLD = {
    ("mot", "DONG"): {"BC03": 10, "IN01": 1000},
    ("mot", "TAY"): {"BC03": 8, "IN01": 400},
    ("hai", "NAM"): {"BC03": 6, "IN01": 900},
}
NEW = {"A": {"BC03": 12, "IN01": 1100}, "B": {"BC03": 3, "IN01": 110}, "C": {"BC03": 15, "IN01": 1290}}


def _yaml(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _csv(path: Path, unit: str, quarter: str, values: dict[str, float]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["unit,period,indicator,value,status"]
    lines += [f"{unit},{quarter},{code},{value:g},thực hiện" for code, value in values.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _old_province(folder: Path, code: str, name: str, units: list[dict[str, Any]]) -> None:
    _yaml(
        folder / "province.yaml",
        {"code": code, "name": name, "agency": AGENCY, "units": units, "signer": {"name": "Lê Văn C"}},
    )


@pytest.fixture
def merged(tmp_path: Path) -> Path:
    """The new province folder: its communes' 2025-Q3, its predecessors' 2024-Q1 to 2025-Q2."""
    root = tmp_path / "moi"
    units = [
        {"code": "A", "name": "An", "kind": "phường", "population": {2025: 10100}},
        {"code": "B", "name": "Bình", "kind": "xã", "population": {2025: 1000}},
        {"code": "C", "name": "Cường", "kind": "xã", "population": {2025: 9100}},
        {"code": "D", "name": "Dũng", "kind": "xã", "population": {2025: 500}},
    ]
    _yaml(
        root / "province.yaml",
        {
            "code": "MOI",
            "name": "Mới",
            "agency": AGENCY,
            "units": units,
            "signer": {"name": "Nguyễn Văn A"},
            "predecessors": {
                "last_quarter": "2025-Q2",
                "crosswalk": "crosswalk.csv",
                "provinces": [
                    {"name": "Một", "kind": "tỉnh", "folder": "predecessors/mot"},
                    {"name": "Hai", "kind": "tỉnh", "folder": "predecessors/hai"},
                ],
            },
        },
    )
    write_crosswalk(Crosswalk("Mới", ("Tỉnh Một", "Tỉnh Hai"), tuple(ROWS), ()), root / "crosswalk.csv")
    _old_province(
        root / "predecessors" / "mot",
        "MOT",
        "Một",
        [
            {"code": "DONG", "name": "Đông", "kind": "huyện", "population": {2024: 10000}},
            {"code": "TAY", "name": "Tây", "kind": "huyện", "population": {2024: 4000}},
        ],
    )
    _old_province(
        root / "predecessors" / "hai",
        "HAI",
        "Hai",
        [
            {"code": "NAM", "name": "Nam", "kind": "thị xã", "population": {2024: 6000}},
            {"code": "LA", "name": "Lạ", "kind": "huyện", "population": {2024: 100}},  # not in the crosswalk
        ],
    )
    for quarter in ("2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4", "2025-Q1", "2025-Q2"):
        for (folder, unit), values in OLD.items():
            _csv(
                root / "predecessors" / folder / "submissions" / quarter / f"{unit}.csv",
                unit,
                quarter,
                values,
            )
        _csv(root / "predecessors/hai/submissions" / quarter / "LA.csv", "LA", quarter, {"BC03": 1})
    for unit, values in NEW.items():
        _csv(root / "submissions/2025-Q3" / f"{unit}.csv", unit, "2025-Q3", values)
    return root


def _report(root: Path, period: str) -> tuple[Any, Any, Any, dict[str, Any]]:
    setup = load_setup(root)
    the_period = Period.parse(period)
    collection = collection_for(setup, the_period)
    figures = figures_for(setup, collection, the_period)
    context = context_for(setup, collection, figures, the_period, date(2025, 10, 5))
    return setup, collection, figures.set_index(["unit", "indicator"]), context


def _text(context: dict[str, Any]) -> str:
    paragraphs = list(context["lead"])
    for section in context["sections"]:
        paragraphs += section["paragraphs"]
        for sub in section["subsections"]:
            paragraphs += sub["paragraphs"]
    return "\n".join(paragraphs)


def test_a_quarter_after_the_change_compares_with_the_old_provinces(merged: Path) -> None:
    _, _, figures, context = _report(merged, "2025-Q3")
    # 10 + 8 + 6 = 24 last year (Lạ's 1 goes nowhere: it matches nothing); 12 + 3 + 15 = 30 now: +25%.
    assert figures.loc[("MOI", "BC03"), "value_ly"] == pytest.approx(24)
    # xã Dũng has no comparison, so growth is on A, B and C: still 30 against 24.
    assert figures.loc[("MOI", "BC03"), "base_units"] == 3
    text = _text(context)
    assert "tăng 25% so với cùng kỳ năm 2024 của tỉnh Một và tỉnh Hai (cũ)" in text
    # The note, once: where the 2024 figures come from and which comparisons are estimates (B and C).
    assert text.count("theo bảng chuyển đổi đơn vị hành chính") == 1
    assert "số liệu so sánh của xã Bình và xã Cường là số ước tính theo tỷ lệ dân số" in text


def test_units_that_match_nothing_are_named_in_the_report_and_the_workbook(
    merged: Path, tmp_path: Path
) -> None:
    setup, collection, figures, context = _report(merged, "2025-Q3")
    limitations = "\n".join(context["sections"][1]["paragraphs"])
    assert "huyện Lạ (tỉnh Hai cũ) không khớp với đơn vị cũ nào trong bảng chuyển đổi" in limitations
    assert "xã Dũng không được ghép với đơn vị cũ nào trong bảng chuyển đổi" in limitations
    target = write_xlsx(
        setup, collection, figures.reset_index(), Period.parse("2025-Q3"), tmp_path / "x.xlsx"
    )
    rows = list(load_workbook(target, read_only=True)["Kiểm tra"].iter_rows(values_only=True))
    crosswalk_rows = [r for r in rows if r[2] == "crosswalk.csv"]
    texts = " | ".join(str(r[4]) for r in crosswalk_rows)
    assert "huyện Lạ (tỉnh Hai cũ) không khớp" in texts
    assert "xã Dũng không được ghép" in texts


def test_the_year_report_takes_its_first_half_from_the_old_units_without_holding_it_against_the_new(
    merged: Path,
) -> None:
    for quarter in ("2025-Q4",):
        for unit, values in NEW.items():
            _csv(merged / "submissions" / quarter / f"{unit}.csv", unit, quarter, values)
    _, collection, figures, context = _report(merged, "2025")
    # Q1 and Q2 from the old units (24 each), Q3 and Q4 from the new ones (30 each): 108.
    assert figures.loc[("MOI", "BC03"), "value"] == pytest.approx(108)
    # Last year: four quarters of 24.
    assert figures.loc[("MOI", "BC03"), "value_ly"] == pytest.approx(96)
    # Statuses only for the quarters after the change; xã Dũng sent nothing then.
    assert {s.quarter for s in collection.statuses} == {"2025-Q3", "2025-Q4"}
    states = {s.unit: s.state for s in collection.states}
    assert states == {"A": "received", "B": "received", "C": "received", "D": "missing"}
    assert "so với năm 2024 của tỉnh Một và tỉnh Hai (cũ)" in _text(context)


def test_a_missing_old_quarter_is_said_and_leaves_the_comparison_like_for_like(merged: Path) -> None:
    (merged / "predecessors/hai/submissions/2024-Q3/NAM.csv").unlink()
    _, _, figures, context = _report(merged, "2025-Q3")
    # C lacks Nam's part: out of the base; A and B: 12 + 3 = 15 against 10 + 2 = 12, +25% on 2 units.
    fig = figures.loc[("MOI", "BC03")]
    assert (fig["value_ly"], fig["base_value"], fig["base_units"]) == (
        pytest.approx(12),
        pytest.approx(15),
        2,
    )
    text = _text(context)
    assert "thị xã Nam (tỉnh Hai cũ) chưa gửi báo cáo quý III/2024, số liệu của các đơn vị mới" in text
    # Only what the text's figures lack: the trend's 2023-Q4, which no old unit sent, is not said.
    assert "quý IV/2023" not in text
    # After "(cũ)" the base is a clause, not a second bracket in a row.
    assert "(cũ), so sánh trên cùng 2 đơn vị có đủ số liệu của cả hai kỳ" in text
    assert ") (" not in text


def test_a_changed_old_file_changes_the_reports_digest(merged: Path) -> None:
    setup = load_setup(merged)
    period = Period.parse("2025-Q3")

    def digest() -> str:
        return report_digest(setup.inputs, setup.sources, period, date(2025, 10, 5), None)

    before = digest()
    _csv(merged / "predecessors/mot/submissions/2024-Q3/TAY.csv", "TAY", "2024-Q3", {"BC03": 9, "IN01": 400})
    assert digest() != before
    # A file of a quarter the report does not read (before its trend of eight quarters) leaves it alone.
    after = digest()
    _csv(merged / "predecessors/mot/submissions/2023-Q3/TAY.csv", "TAY", "2023-Q3", {"BC03": 9, "IN01": 400})
    assert digest() == after
    (merged / "crosswalk.csv").write_text((merged / "crosswalk.csv").read_text() + "\n", encoding="utf-8")
    assert digest() != after


def test_a_predecessor_folder_without_province_yaml_is_named(merged: Path) -> None:
    shutil.rmtree(merged / "predecessors" / "hai")
    with pytest.raises(ConfigError, match=r"predecessors/hai/province\.yaml"):
        collection_for(load_setup(merged), Period.parse("2025-Q3"))


def test_the_new_units_are_not_expected_to_send_their_predecessors_quarters(merged: Path) -> None:
    from baocao.intake import quarter_statuses
    from baocao.report import collect_for

    setup = load_setup(merged)
    year = Period.parse("2025")
    assert [q.code for q in year.quarters if setup.province.reports(q)] == ["2025-Q3", "2025-Q4"]
    # What `baocao status` and the portal's board show: no "chưa gửi" for 2025-Q1/Q2 against the communes.
    statuses = quarter_statuses(collect_for(setup, year), setup.province, year)
    sent = set(NEW)  # the communes with a 2025-Q3 file (CSV: no date, so "undated"); nothing for 2025-Q4
    expected = {(u, "2025-Q3", "undated" if u in sent else "missing") for u in setup.province.unit_codes}
    expected |= {(u, "2025-Q4", "missing") for u in setup.province.unit_codes}
    assert {(s.unit, s.quarter, s.state) for s in statuses} == expected


def test_no_form_is_made_for_a_quarter_the_old_units_reported(merged: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from baocao.cli import app

    runner = CliRunner()
    old = runner.invoke(
        app, ["template", "--period", "2025-Q2", "--inputs", str(merged), "--outputs", str(tmp_path)]
    )
    assert old.exit_code == 1 and "quý II/2025 do các đơn vị cũ báo cáo" in old.output
    new = runner.invoke(
        app, ["template", "--period", "2025-Q3", "--inputs", str(merged), "--outputs", str(tmp_path)]
    )
    assert new.exit_code == 0, new.output
    assert sorted(p.stem for p in (tmp_path / "moi" / "forms" / "2025-Q3").glob("*.xlsx")) == [
        "A",
        "B",
        "C",
        "D",
    ]
