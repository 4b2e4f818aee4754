"""Validation rules as data and outliers against a unit's own history."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from baocao.catalogue import Catalogue
from baocao.cli import app
from baocao.errors import ConfigError
from baocao.intake.model import Submission
from baocao.intake.rules import (
    MissingValue,
    Outliers,
    Rule,
    evaluate,
    load_rules,
    outlier_findings,
    rule_findings,
)
from baocao.periods import Period
from baocao.report import SAMPLE_INPUTS, TEMPLATES, collection_for, context_for, figures_for, load_setup
from tests.support import DATA_SHEET, cell_of, read_one, set_cell

VALUES = {"VT01": 10.0, "VT02": 30.0, "CN07": 4.0, "IN01": 100.0, "IN02": 90.0}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("VT01", 10),
        ("VT01 + VT02", 40),
        ("2 + 3 * CN07", 14),
        ("(2 + 3) * CN07", 20),
        ("VT02 / CN07", 7.5),
        ("1.5 * CN07", 6),
        ("VT02 - VT01 - 5", 15),
        ("-VT01 + 12", 2),
        ("vt01", 10),
    ],
)
def test_expressions(expression: str, expected: float) -> None:
    assert evaluate(expression, VALUES) == pytest.approx(expected)


@pytest.mark.parametrize(
    "expression", ["VT01 +", "__import__('os')", "VT01 ** 2", "open", "VT01 VT02", "1; 2"]
)
def test_expressions_that_are_not_arithmetic(expression: str) -> None:
    with pytest.raises((ValueError, IndexError)):
        evaluate(expression, VALUES)


def test_missing_codes() -> None:
    with pytest.raises(MissingValue):
        evaluate("VT01 + BC01", VALUES)
    assert evaluate("VT01 + BC01", VALUES, missing_as_zero=True) == 10


def sub(values: dict[str, float], period: str = "2024-Q2") -> Submission:
    return Submission(path=Path("SAPA.xlsx"), unit="SAPA", period=period, values=dict(values))


@pytest.mark.parametrize(
    ("rule", "values", "expected"),
    [
        (Rule(name="r", left="IN02", op="<=", right="IN01", severity="error"), VALUES, []),
        (Rule(name="r", left="IN02", op=">", right="IN01", severity="error"), VALUES, ["error"]),
        (Rule(name="r", left="VT01 + VT02", op="==", right="40"), VALUES, []),
        (Rule(name="r", left="BC01", op="<=", right="IN01"), VALUES, []),  # missing: skip
        (Rule(name="r", left="BC01", op="<=", right="IN01", missing="error"), VALUES, ["warning"]),
        (Rule(name="r", left="BC01 + 200", op="<=", right="IN01", missing="zero"), VALUES, ["warning"]),
    ],
)
def test_rules(rule: Rule, values: dict[str, float], expected: list[str]) -> None:
    findings = rule_findings(sub(values), [rule])
    assert [f.severity for f in findings] == expected
    for finding in findings:
        assert '"r"' in finding.message and finding.where.sheet == DATA_SHEET


def test_the_rules_file_loads_and_checks_codes(tmp_path: Path, catalogue: Catalogue) -> None:
    rules = load_rules(TEMPLATES / "rules.yaml", catalogue)
    assert len(rules.rules) >= 10 and rules.outliers.flow_factor == 3
    bad = tmp_path / "rules.yaml"
    bad.write_text("rules:\n  - {name: x, left: ZZ99, op: '<=', right: IN01}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="ZZ99"):
        load_rules(bad, catalogue)
    bad.write_text("rules:\n  - {name: x, left: 'IN01 ^ 2', op: '<=', right: IN01}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="rules file"):
        load_rules(bad, catalogue)


def test_an_error_rule_sets_a_real_file_aside(tmp_path: Path, sample_submissions: Path) -> None:
    setup = load_setup(SAMPLE_INPUTS)
    path = tmp_path / "2024-Q2" / "SAPA.xlsx"
    path.parent.mkdir()
    path.write_bytes((sample_submissions / "2024-Q2" / "SAPA.xlsx").read_bytes())
    set_cell(path, DATA_SHEET, cell_of(path, "IN02"), 10**7)
    from baocao.intake import read_file_safely
    from baocao.intake.read import expected_from_path

    units = set(setup.province.unit_codes)
    [result] = read_file_safely(
        path, setup.catalogue, units, expected_from_path(path, units), rules=setup.rules.rules
    )
    assert not result.accepted
    assert any("Thuê bao cáp quang không vượt quá" in str(e) and '"Số liệu"' in str(e) for e in result.errors)
    assert read_one(path, setup.catalogue, setup.province).accepted  # without the rules the file reads


@pytest.mark.parametrize(
    ("code", "history", "value", "warns"),
    [
        ("BC01", [40.0], 19.0, True),  # a stock halves
        ("BC01", [40.0], 21.0, False),
        ("BC01", [40.0], 130.0, True),  # more than triples
        ("BC01", [4.0], 1.0, False),  # too small to judge
        ("BC03", [20.0, 22.0, 21.0, 19.0], 70.0, True),  # a flow far above its median (20.5)
        ("BC03", [20.0, 22.0, 21.0, 19.0], 55.0, False),
        ("BC03", [20.0, 22.0, 21.0, 19.0], 6.0, True),  # far below
        ("BC03", [20.0], 70.0, False),  # not enough history
    ],
)
def test_outliers(catalogue: Catalogue, code: str, history: list[float], value: float, warns: bool) -> None:
    quarters = Period.parse("2024-Q4").previous_quarters(len(history) + 1)
    past = [sub({code: v}, q.code) for v, q in zip(history, quarters[:-1], strict=True)]
    findings = outlier_findings(sub({code: value}, quarters[-1].code), past, catalogue, Outliers())
    assert bool(findings) is warns
    assert all(f.severity == "warning" and catalogue.get(code).name in f.message for f in findings)


@pytest.mark.slow
def test_a_rule_and_an_outlier_in_the_sample_report_and_status() -> None:
    setup = load_setup(SAMPLE_INPUTS)
    period = Period.parse("2024-Q4")
    intake = collection_for(setup, period)
    context = context_for(setup, intake, figures_for(setup, intake, period), period, date(2025, 1, 10))
    section = context["sections"][1]
    limitations = [p for sub in section["subsections"] for p in sub["paragraphs"]] + section["paragraphs"]
    rule = next(p for p in limitations if "huyện Si Ma Cai" in p and "máy tính" in p)
    outlier = next(p for p in limitations if "huyện Bắc Hà" in p and "sách" in p)
    # Administrative prose, not checker text; the figures are held out of the totals until reviewed.
    assert "quy tắc" not in rule and "số máy tính không quá 1,5 lần số cán bộ" in rule
    assert "(708 máy)" in rule and "Sở đang rà soát với đơn vị, chưa tổng hợp vào số liệu toàn tỉnh" in rule
    assert "quý IV/2024 của huyện Bắc Hà (22.446 bản)" in outlier
    assert "mức thường thấy của đơn vị khoảng 3.668 bản" in outlier
    status = CliRunner().invoke(app, ["status", "--period", "2024-Q4"], env={"COLUMNS": "200"})
    assert status.exit_code == 0
    assert 'lưu ý huyện Si Ma Cai: quy tắc "Số máy tính không quá 1,5 lần số cán bộ"' in status.output
    assert 'lưu ý huyện Bắc Hà: "Số bản sách phát hành" quý IV/2024' in status.output
