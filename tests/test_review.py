"""Tests of baocao.review and `baocao review`: questioned figures stay out of the totals until staff accept
them, decisions are data (who, when, why) that reach the manifest and the digest.

Expected totals are sums of the sample workbooks read with openpyxl (tests/support.py), not the code under
test. In the sample's 2024-Q4, huyện Si Ma Cai's 708 computers break the rule "at most 1.5 computers per
employee" and huyện Bắc Hà's 22,446 books are far from its usual ~3,668: both are held.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from baocao.cli import app
from baocao.errors import ConfigError, Location
from baocao.intake.model import Finding, Submission
from baocao.periods import Period
from baocao.report import ReportRequest, collection_for, figures_for, load_setup, report_digest, run_report
from baocao.review import (
    Decision,
    decide,
    flags_of,
    held_out,
    read_decisions,
    record_decision,
    with_decisions,
)
from baocao.store import TZ
from tests.support import docx_text, openpyxl_figures, vn

Q4 = Period.parse("2024-Q4")
runner = CliRunner()


def province_sum(inputs: Path, quarter: str, code: str, leave_out: tuple[str, ...] = ()) -> float:
    """The sum of one figure over a quarter's workbooks, read with openpyxl, some units left out."""
    total = 0.0
    for path in sorted((inputs / "submissions" / quarter).glob("*.xlsx")):
        if path.stem not in leave_out:
            total += openpyxl_figures(path).get(code, (0.0, False))[0]
    return total


def province_value(inputs: Path, period: Period, code: str) -> float:
    setup = load_setup(inputs)
    intake = collection_for(setup, period)
    figures = figures_for(setup, intake, period)
    row = figures[(figures["unit"] == setup.province.code) & (figures["indicator"] == code)]
    return float(row["value"].iloc[0])


def sub(unit: str, quarter: str, values: dict[str, float], *findings: Finding) -> Submission:
    return Submission(path=Path(f"{unit}.xlsx"), unit=unit, period=quarter, values=values, findings=findings)


def warning(*codes: str) -> Finding:
    return Finding("warning", Location("x.xlsx"), "lạ", codes, "lý do")


def test_flags_come_from_warnings_that_name_figures() -> None:
    subs = [
        sub("A", "2024-Q4", {"CN10": 708.0, "CN07": 322.0}, warning("CN10")),
        sub("B", "2024-Q4", {"IP02": 5.0}, Finding("warning", Location("y.xlsx"), "tệp thừa")),  # no figure
        sub("C", "2024-Q4", {"IP02": 5.0}, warning("IP02"), Finding("error", Location("z.xlsx"), "hỏng")),
    ]
    flags = flags_of(subs)
    # C is set aside for its error, B's warning names no figure: only A's computers are questioned.
    assert [(f.unit, f.indicator, f.value, f.reason) for f in flags] == [("A", "CN10", 708.0, "lý do")]
    assert held_out(flags) == {("A", "2024-Q4", "CN10"): "held"}


def test_the_latest_decision_on_the_same_value_counts() -> None:
    flags = flags_of([sub("A", "2024-Q4", {"CN10": 708.0}, warning("CN10"))])
    at = datetime(2025, 1, 8, 9, 0, tzinfo=TZ)
    accept = decide(flags, "A", "CN10", ["2024-Q4"], "accept", "Lan", "đã gọi điện xác minh", at)
    reject = decide(flags, "A", "CN10", ["2024-Q4"], "reject", "Minh", "nhầm đơn vị tính", at)
    assert [f.state for f in with_decisions(flags, accept)] == ["accepted"]
    assert held_out(with_decisions(flags, accept)) == {}
    assert held_out(with_decisions(flags, [*accept, *reject])) == {("A", "2024-Q4", "CN10"): "rejected"}
    # A decision on another value (the unit has since sent 700) does not decide the new one.
    stale = [Decision("A", "2024-Q4", "CN10", 700.0, "accept", "Lan", at.isoformat(), "cũ")]
    assert [f.state for f in with_decisions(flags, stale)] == ["held"]
    # Nothing flagged for another unit or quarter: no decision is made.
    assert decide(flags, "B", "CN10", ["2024-Q4"], "accept", "Lan", "x", at) == []
    assert decide(flags, "A", "CN10", ["2024-Q3"], "accept", "Lan", "x", at) == []


def test_decisions_round_trip_and_a_broken_line_is_named(tmp_path: Path) -> None:
    decision = Decision(
        "A", "2024-Q4", "CN10", 708.0, "accept", "Nguyễn Văn Lan", "2025-01-08T09:00:00+07:00", "ok"
    )
    record_decision(tmp_path, decision)
    assert read_decisions(tmp_path) == [decision]
    (tmp_path / "review.jsonl").write_text('{"unit": "A"}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="dòng 1"):
        read_decisions(tmp_path)


@pytest.mark.slow
def test_held_figures_are_out_of_the_totals_until_accepted(sample_inputs_copy: Path) -> None:
    inputs = sample_inputs_copy
    # Held: the province's computers and books leave out Si Ma Cai's and Bắc Hà's figures.
    assert province_value(inputs, Q4, "CN10") == pytest.approx(
        province_sum(inputs, "2024-Q4", "CN10", ("SIMACAI",))
    )
    assert province_value(inputs, Q4, "IP02") == pytest.approx(
        province_sum(inputs, "2024-Q4", "IP02", ("BACHA",))
    )
    before = report_digest(inputs, load_setup(inputs).sources, Q4, date(2025, 1, 10), None)

    listing = runner.invoke(
        app, ["review", "list", "--period", "2024-Q4", "--inputs", str(inputs)], env={"COLUMNS": "250"}
    )
    assert listing.exit_code == 0, listing.output
    assert (
        "Si Ma Cai (SIMACAI)" in listing.output
        and "CN10" in listing.output
        and "đang rà soát" in listing.output
    )
    assert "Bắc Hà (BACHA)" in listing.output and "IP02" in listing.output

    args = ["--period", "2024-Q4", "--inputs", str(inputs), "--by", "Nguyễn Thị Lan"]
    done = runner.invoke(
        app,
        [
            "review",
            "accept",
            "--unit",
            "simacai",
            "--indicator",
            "CN10",
            "--why",
            "Đã xác minh với UBND huyện",
            *args,
        ],
    )
    assert done.exit_code == 0, done.output
    assert "đã chấp nhận: SIMACAI CN10 quý IV/2024 = 708" in done.output
    done = runner.invoke(
        app,
        ["review", "reject", "--unit", "BACHA", "--indicator", "IP02", "--why", "Nhầm đơn vị tính", *args],
    )
    assert done.exit_code == 0, done.output

    # Accepted: counted again. Rejected: still out, and said so.
    assert province_value(inputs, Q4, "CN10") == pytest.approx(province_sum(inputs, "2024-Q4", "CN10"))
    assert province_value(inputs, Q4, "IP02") == pytest.approx(
        province_sum(inputs, "2024-Q4", "IP02", ("BACHA",))
    )
    decisions = read_decisions(inputs)
    assert [(d.unit, d.decision, d.by, d.why) for d in decisions] == [
        ("SIMACAI", "accept", "Nguyễn Thị Lan", "Đã xác minh với UBND huyện"),
        ("BACHA", "reject", "Nguyễn Thị Lan", "Nhầm đơn vị tính"),
    ]
    # The decisions change the digest, so an unchanged-skip never keeps the old documents.
    assert report_digest(inputs, load_setup(inputs).sources, Q4, date(2025, 1, 10), None) != before

    result = run_report(ReportRequest(inputs, Q4, inputs.parent / "out", date(2025, 1, 10)))
    manifest = json.loads(result.manifest.read_text(encoding="utf-8")) if result.manifest else {}
    review = {(r["unit"], r["indicator"]): r for r in manifest["review"]}
    assert review["SIMACAI", "CN10"]["state"] == "accepted"
    assert review["SIMACAI", "CN10"]["decision"]["by"] == "Nguyễn Thị Lan"
    assert review["BACHA", "IP02"]["state"] == "rejected"
    text = docx_text(result.docx)
    assert (
        "Số liệu về số bản sách phát hành quý IV/2024 của huyện Bắc Hà (22.446 bản) không được chấp nhận"
        in text
    )
    assert "(Nhầm đơn vị tính)" in text
    assert "Si Ma Cai, đang rà soát" not in text
    # The national roll-up's totals leave out what the report leaves out.
    books = manifest["totals"]["2024-Q4"]["values"]["IP02"]
    assert books == pytest.approx(province_sum(inputs, "2024-Q4", "IP02", ("BACHA",)))


def test_review_errors_are_one_clear_line(sample_inputs_copy: Path) -> None:
    args = ["--period", "2024-Q4", "--inputs", str(sample_inputs_copy), "--why", "x"]
    nothing = runner.invoke(app, ["review", "accept", "--unit", "SAPA", "--indicator", "CN10", *args])
    assert nothing.exit_code == 1
    assert (
        "không có số liệu nào của đơn vị SAPA, chỉ tiêu CN10 cần rà soát trong quý IV/2024" in nothing.output
    )
    assert "Traceback" not in nothing.output
    (sample_inputs_copy / "review.jsonl").write_text("not json\n", encoding="utf-8")
    broken = runner.invoke(
        app, ["review", "list", "--period", "2024-Q4", "--inputs", str(sample_inputs_copy)]
    )
    assert broken.exit_code == 1 and "review.jsonl" in broken.output and "Traceback" not in broken.output


@pytest.mark.slow
def test_a_year_with_a_missing_quarter_end_to_end(sample_inputs_copy: Path) -> None:
    """Huyện Bát Xát sent 2024-Q2..Q4 but not Q1: the year counts the three quarters it sent."""
    inputs = sample_inputs_copy
    next((inputs / "submissions" / "2024-Q1").glob("BATXAT.*")).unlink()
    result = run_report(ReportRequest(inputs, Period.parse("2024"), inputs.parent / "out", date(2025, 1, 10)))
    text = docx_text(result.docx)
    quarters = [f"2024-Q{q}" for q in range(1, 5)]
    year = sum(province_sum(inputs, q, "BC03") for q in quarters)
    assert (
        f"Doanh thu bưu chính năm 2024 ước đạt {vn(year, 2)} tỷ đồng (chưa bao gồm số liệu quý I/2024 của huyện Bát Xát)"
        in text
    )
    # Growth like for like: the eight units complete in both years.
    now = sum(province_sum(inputs, q, "BC03", ("BATXAT",)) for q in quarters)
    before = sum(province_sum(inputs, q.replace("2024", "2023"), "BC03", ("BATXAT",)) for q in quarters)
    growth = (now / before - 1) * 100
    assert (
        f"tăng {vn(growth, 1)}% so với năm 2023 (so sánh trên cùng 8 đơn vị có đủ số liệu của cả hai kỳ)"
        in text
    )
    # Plan progress on what was received: the year's plan is 172.
    assert f"đạt {vn(year / 172 * 100, 2)}% kế hoạch năm" in text
    # The lead names the quarter, and never says the unit sent no year report.
    assert "huyện Bát Xát chưa gửi báo cáo quý I/2024" in text
    assert "Số liệu toàn tỉnh dưới đây chưa bao gồm số liệu quý I/2024 của huyện Bát Xát." in text
    assert "chưa gửi báo cáo năm" not in text
    # The annex's "Cùng kỳ" is last year over the same base as the growth, marked (b).
    assert f"{vn(before, 2)} (b)" in text


def test_held_versions_are_listed_and_decided_through_review(sample_inputs_copy: Path) -> None:
    from baocao.store import process_inbox
    from tests.test_store import at, drop

    inputs = sample_inputs_copy
    (inputs / "inbox").mkdir()
    setup = load_setup(inputs)
    drop(setup, "BATXAT", "BATXAT.xlsx", {"BC01": 33, "BC03": 4.25})
    process_inbox(inputs, setup.catalogue, setup.province, now=at(18))
    actual = (inputs / "submissions" / "2025-Q1" / "BATXAT.xlsx").read_bytes()
    drop(setup, "BATXAT", "uoc.xlsx", {"BC01": 33, "BC03": 4.5}, estimates=frozenset({"BC03"}))
    result = process_inbox(inputs, setup.catalogue, setup.province, now=at(19))
    [held] = result.held

    listing = runner.invoke(app, ["review", "list", "--period", "2025-Q1", "--inputs", str(inputs)])
    assert listing.exit_code == 0, listing.output
    assert "bản chờ xác nhận huyện Bát Xát, quý I/2025: tệp uoc.xlsx" in listing.output
    assert "BC03: 4,25 (thực hiện) → 4,5 (ước)" in listing.output
    assert f"--version {held.sha256[:12]}" in listing.output

    unknown = runner.invoke(
        app, ["review", "confirm", "--version", "abcdef", "--why", "x", "--inputs", str(inputs)]
    )
    assert unknown.exit_code == 1 and "không có bản nào đang chờ xác nhận" in unknown.output
    args = [
        "--version",
        held.sha256[:12],
        "--why",
        "Đơn vị xác nhận số ước",
        "--by",
        "Lan",
        "--inputs",
        str(inputs),
    ]
    done = runner.invoke(app, ["review", "confirm", *args])
    assert done.exit_code == 0, done.output
    assert "đã xác nhận, từ nay là báo cáo được dùng: tệp uoc.xlsx (huyện Bát Xát, quý I/2025)" in done.output
    # The confirmed version is now the unit's current file; the actual it replaced is still in the store.
    current = (inputs / "submissions" / "2025-Q1" / "BATXAT.xlsx").read_bytes()
    assert current == (inputs / "store" / held.path).read_bytes() != actual
    again = runner.invoke(app, ["review", "list", "--period", "2025-Q1", "--inputs", str(inputs)])
    assert "bản chờ xác nhận" not in again.output


@pytest.mark.parametrize("calendar", ["administrative", pytest.param("statistical", marks=pytest.mark.slow)])
@pytest.mark.parametrize(
    ("code", "quarters", "lacks"),
    [
        # (period, its quarters, what the BC03 sentence must say is missing: Bát Xát lacks 2024-Q1).
        # The fast lane keeps the quarter that lacks a unit and a half-year that lacks one of its quarters.
        ("2024-Q1", [1], " (chưa bao gồm số liệu của huyện Bát Xát)"),
        pytest.param("2024-Q2", [2], "", marks=pytest.mark.slow),
        ("2024-H1", [1, 2], " (chưa bao gồm số liệu quý I/2024 của huyện Bát Xát)"),
        pytest.param(
            "2024-9M",
            [1, 2, 3],
            " (chưa bao gồm số liệu quý I/2024 của huyện Bát Xát)",
            marks=pytest.mark.slow,
        ),
        pytest.param("2024-H2", [3, 4], "", marks=pytest.mark.slow),
        pytest.param(
            "2024",
            [1, 2, 3, 4],
            " (chưa bao gồm số liệu quý I/2024 của huyện Bát Xát)",
            marks=pytest.mark.slow,
        ),
    ],
)
def test_one_unit_missing_one_quarter_in_every_period_kind(
    sample_inputs_copy: Path, calendar: str, code: str, quarters: list[int], lacks: str
) -> None:
    import yaml

    from baocao.report import context_for

    inputs = sample_inputs_copy
    config = yaml.safe_load((inputs / "province.yaml").read_text(encoding="utf-8"))
    config["calendar"] = calendar
    (inputs / "province.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    next((inputs / "submissions" / "2024-Q1").glob("BATXAT.*")).unlink()
    setup, period = load_setup(inputs), Period.parse(code)
    intake = collection_for(setup, period)
    context = context_for(setup, intake, figures_for(setup, intake, period), period, date(2025, 1, 10))
    text = "\n".join(
        [
            *context["lead"],
            *(p for s in context["sections"] for sub in [s, *s["subsections"]] for p in sub["paragraphs"]),
        ]
    )
    value = sum(province_sum(inputs, f"2024-Q{q}", "BC03") for q in quarters)
    verb = (
        "ước đạt"
        if any(
            openpyxl_figures(p)["BC03"][1]
            for q in quarters
            for p in (inputs / "submissions" / f"2024-Q{q}").glob("*.xlsx")
        )
        else "đạt"
    )
    assert f"Doanh thu bưu chính {period.label} {verb} {vn(value, 2)} tỷ đồng{lacks}" in text
    # The year to date of a later quarter names the quarter it lacks.
    if code in ("2024-Q2", "2024-Q3"):
        assert "(chưa bao gồm số liệu quý I/2024 của huyện Bát Xát)" in text
    if code == "2024-Q1":
        assert "huyện Bát Xát chưa gửi báo cáo" in text
    elif 1 in quarters:
        assert "huyện Bát Xát chưa gửi báo cáo quý I/2024" in text
    else:
        assert "Bát Xát chưa gửi" not in text
