"""National runs at a small size: provinces in parallel, failures isolated, the roll-up's figures, skipping
what has not changed, the CLI's table, and the same through the Prefect flow."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook
from typer.testing import CliRunner

from baocao.cli import app
from baocao.issued import issued_versions
from baocao.national import ROLLUP, NationalRun
from baocao.national_run import LocalCallback, run_national
from baocao.paths import SAMPLE_INPUTS as SAMPLE
from baocao.periods import Period
from baocao.report import report_digest, setup_sources
from tests.support import docx_text, openpyxl_figures

# National runs of three provinces (a process pool each), and one through Prefect's flow and harness.
pytestmark = pytest.mark.slow

PERIOD = Period.parse("2026-Q2")
WHEN = date(2026, 7, 10)


@pytest.fixture
def after_first_run(
    national_root: Path, first_run: tuple[Path, NationalRun, list[str]], tmp_path: Path
) -> tuple[Path, Path]:
    """Writable copies of the small set and of its first run's outputs (copied with their times)."""
    root, out = tmp_path / "vn", tmp_path / "out"
    shutil.copytree(national_root, root)
    shutil.copytree(first_run[0], out)
    return root, out


def province_sheet(xlsx: Path) -> dict[str, list[object]]:
    """Indicator code -> its row on the first sheet of a report workbook."""
    ws = load_workbook(xlsx, read_only=True, data_only=True).worksheets[0]
    return {str(row[0]): list(row) for row in ws.iter_rows(min_row=4, values_only=True) if row[0]}


def raw_sums(root: Path, quarter: str, codes: list[str]) -> dict[str, float]:
    """Sum over every commune of the country of each code's value, read with openpyxl."""
    sums = dict.fromkeys(codes, 0.0)
    for path in sorted(root.glob(f"*/submissions/{quarter}/*.xlsx")):
        figures = openpyxl_figures(path)
        for code in codes:
            sums[code] += figures[code][0]
    return sums


def population(root: Path, year: int) -> int:
    """The country's population: every commune's, from the province.yaml files."""
    total = 0
    for path in root.glob("*/province.yaml"):
        for unit in yaml.safe_load(path.read_text(encoding="utf-8"))["units"]:
            total += unit["population"][year]
    return total


def test_every_province_and_the_rollup_are_written(
    national_root: Path, first_run: tuple[Path, NationalRun, list[str]]
) -> None:
    _, run, seen = first_run
    assert [o.status for o in run.provinces] == ["written"] * 3
    assert run.rollup is not None and run.rollup.status == "written"
    assert sorted(seen) == sorted([*(p.name for p in national_root.iterdir() if p.is_dir()), ROLLUP])
    assert (run.rollup.received, run.rollup.expected) == (3, 3)
    for outcome in [*run.provinces, run.rollup]:
        assert all(Path(p).is_file() for p in outcome.documents)

    # The roll-up's figures, against sums of the raw workbooks of the whole country.
    sums = raw_sums(national_root, "2026-Q2", ["BC03", "VT01", "VT02", "VT07", "VT08"])
    last_year = raw_sums(national_root, "2025-Q2", ["BC03"])
    rows = province_sheet(Path(run.rollup.documents[2]))
    assert rows["BC03"][4] == pytest.approx(sums["BC03"])
    assert rows["BC03"][7] == pytest.approx(last_year["BC03"])
    people = population(national_root, 2026)
    assert rows["VT04"][4] == pytest.approx((sums["VT01"] + sums["VT02"]) / people * 100)
    assert rows["VT09"][4] == pytest.approx(sums["VT07"] / sums["VT08"] * 100)
    text = docx_text(Path(run.rollup.documents[0]))
    assert "VĂN PHÒNG BỘ" in text and "3/3" in text and "toàn tỉnh" not in text.lower()
    assert "Kiến nghị, đề xuất của các địa phương được tổng hợp trong báo cáo của từng tỉnh" in text


def test_an_unchanged_rerun_renders_nothing_and_one_change_redoes_one(
    after_first_run: tuple[Path, Path],
) -> None:
    root, out = after_first_run
    documents = sorted(out.glob("*/2026-Q2/BC-*"))
    stamps = {p: p.stat().st_mtime_ns for p in documents}

    again = run_national(root, PERIOD, out, WHEN, workers=2)
    assert [o.status for o in again.provinces] == ["unchanged"] * 3
    assert again.rollup is not None and again.rollup.status == "unchanged"
    assert {p: p.stat().st_mtime_ns for p in documents} == stamps
    folders = sorted(p.parent.name for p in out.glob("*/2026-Q2"))
    kept = {f: issued_versions(out, f, PERIOD.code) for f in folders}
    assert {f: [(v.version, v.started_by) for v in k] for f, k in kept.items()} == {
        f: [(1, "national")] for f in folders
    }, "a skipped report makes no version"

    # One workbook changes: its province and the roll-up are made again, the other two are not.
    changed = sorted(root.glob("*/submissions/2026-Q2/*.xlsx"))[0]
    book = load_workbook(changed)
    sheet = book["Số liệu"]
    row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 2).value == "BC03")
    # A plausible change (an outlier would be held for review and left out of the totals).
    sheet.cell(row, 5).value = float(sheet.cell(row, 5).value) + 1.5
    book.save(changed)
    third = run_national(root, PERIOD, out, WHEN, workers=2)
    statuses = {o.folder: o.status for o in third.provinces}
    province = changed.parents[2].name
    assert statuses == {f: "written" if f == province else "unchanged" for f in statuses}
    assert third.rollup is not None and third.rollup.status == "written"
    made = {f: len(issued_versions(out, f, PERIOD.code)) for f in folders}
    assert made == {f: 2 if f in (province, ROLLUP) else 1 for f in folders}
    assert province_sheet(Path(third.rollup.documents[2]))["BC03"][4] == pytest.approx(
        raw_sums(root, "2026-Q2", ["BC03"])["BC03"]
    )


def test_the_digest_covers_the_date_number_and_configuration(national_root: Path, tmp_path: Path) -> None:
    folder = sorted(p for p in national_root.iterdir() if p.is_dir())[0]
    sources = setup_sources(folder)
    base = report_digest(folder, sources, PERIOD, WHEN, None)
    assert report_digest(folder, sources, PERIOD, WHEN, None) == base
    assert report_digest(folder, sources, PERIOD, date(2026, 7, 11), None) != base
    assert report_digest(folder, sources, PERIOD, WHEN, 5) != base
    assert report_digest(folder, sources, Period.parse("2026-H1"), WHEN, None) != base
    copy = tmp_path / folder.name
    shutil.copytree(folder, copy)
    (copy / "province.yaml").write_text((copy / "province.yaml").read_text(encoding="utf-8") + "\n# x\n")
    assert report_digest(copy, setup_sources(copy), PERIOD, WHEN, None) != base


def test_a_broken_province_is_reported_and_the_others_go_on(after_first_run: tuple[Path, Path]) -> None:
    root, out = after_first_run
    broken = sorted(p for p in root.iterdir() if p.is_dir())[1]
    (broken / "province.yaml").write_text("code: [unclosed\n", encoding="utf-8")
    run = run_national(root, PERIOD, out, WHEN, workers=2)
    by_folder = {o.folder: o for o in run.provinces}
    assert by_folder[broken.name].status == "failed"
    assert "province.yaml" in (by_folder[broken.name].error or "")
    assert sorted(o.status for o in run.provinces) == ["failed", "unchanged", "unchanged"]
    assert run.rollup is not None and run.rollup.status == "written"
    assert (run.rollup.received, run.rollup.expected) == (2, 2)


def test_the_cli_prints_a_table_and_fails_when_a_province_fails(after_first_run: tuple[Path, Path]) -> None:
    root, out = after_first_run
    runner = CliRunner()
    args = ["run", "--all", "--no-prefect", "--period", "2026-Q2", "--inputs", str(root)]
    args += ["--outputs", str(out), "--date", "2026-07-10"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "đã lập 0, không đổi 3" in first.output and "Toàn quốc" in first.output

    broken = sorted(p for p in root.iterdir() if p.is_dir())[0]
    (broken / "province.yaml").write_text("name: [\n", encoding="utf-8")
    second = runner.invoke(app, args)
    assert second.exit_code == 1
    assert "đã lập 0, không đổi 2" in second.output and "không lập được 1" in second.output
    assert "province.yaml" in second.output


def test_the_national_flow_gives_the_same_documents(
    prefect_harness: None, national_root: Path, first_run: tuple[Path, NationalRun, list[str]], tmp_path: Path
) -> None:
    from flows.national import NationalRequest, national_report

    request = NationalRequest(
        period="2026-Q2", root=national_root, outputs=tmp_path / "flow", report_date=WHEN
    )
    seen: list[str] = []
    # The CLI's way in: its progress callback through the flow's process pool (pickled there to nothing).
    run = national_report(bao_cao=request, on_done=LocalCallback(lambda o: seen.append(o.folder)))
    assert [o.status for o in run.provinces] == ["written"] * 3
    assert sorted(seen[:3]) == [o.folder for o in run.provinces] and seen[3:] == [ROLLUP]
    direct = first_run[1].rollup
    assert run.rollup is not None and direct is not None
    assert province_sheet(Path(run.rollup.documents[2])) == province_sheet(Path(direct.documents[2]))


def test_a_signed_national_run_signs_each_configured_province(
    after_first_run: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """baocao run --all --sign over reports that are unchanged and unsigned: the province with its keys is
    signed into its next version, the one whose token is not plugged in says so without stopping the
    others, the one without keys is left unsigned with a word; a second run says the first is signed."""
    from baocao.signing import signatures_of
    from tests.signing_support import AGENCY, PASSWORD, SIGNER, SOFTHSM_MODULE, make_ca
    from tests.test_signing import configure

    root, out = after_first_run
    keyed, tokenless, bare = sorted(p for p in root.iterdir() if p.is_dir())
    images = {"signature_image": str(SAMPLE / "chu-ky.png"), "seal_image": str(SAMPLE / "con-dau.png")}
    ca = make_ca(keyed)
    ca.pkcs12(ca.issue(*SIGNER), keyed / "giam-doc.p12")
    ca.pkcs12(ca.issue(*AGENCY), keyed / "co-quan.p12")
    configure(
        keyed,
        {
            **images,
            "signer": {"pkcs12": "giam-doc.p12", "pin_env": "PIN_1"},
            "agency": {"pkcs12": "co-quan.p12", "pin_env": "PIN_2"},
        },
    )
    token = {"pkcs11_module": str(SOFTHSM_MODULE), "token_label": "KHONG CO", "key_label": "giam-doc"}
    configure(
        tokenless,
        {**images, "signer": {**token, "pin_env": "PIN_3"}, "agency": {**token, "pin_env": "PIN_4"}},
    )
    (root / "hsm").mkdir()
    (root / "softhsm2.conf").write_text(
        f"directories.tokendir = {root / 'hsm'}\nobjectstore.backend = file\n"
    )
    monkeypatch.setenv("SOFTHSM2_CONF", str(root / "softhsm2.conf"))
    for variable in ("PIN_1", "PIN_2", "PIN_3", "PIN_4"):
        monkeypatch.setenv(variable, PASSWORD)
    args = ["run", "--all", "--no-prefect", "--period", "2026-Q2", "--inputs", str(root)]
    args += ["--outputs", str(out), "--date", "2026-07-10"]
    unsigned = CliRunner().invoke(app, args)  # the keys are configuration: the reports are made again
    assert unsigned.exit_code == 0 and "đã lập 2, không đổi 1" in unsigned.output, unsigned.output
    args.append("--sign")
    first = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert first.exit_code == 1, first.output  # one province could not be signed
    assert "đã lập 0, không đổi 3" in first.output
    lines = " ".join(first.output.split())
    signer = load_name(keyed)
    assert (
        f"Ký số – {signer}: đã ký số" in lines
        and "(lãnh đạo và cơ quan; báo cáo không đổi, lưu thành lần 3)" in lines
    )
    assert f"Ký số – {load_name(tokenless)}: chưa ký số" in lines and "không tìm thấy thiết bị ký số" in lines
    assert f"Ký số – {load_name(bare)}: không ký số: chưa cấu hình khóa ký" in lines
    (pdf,) = (out / keyed.name / "2026-Q2").glob("*.pdf")
    assert signatures_of(pdf.read_bytes()) == ["signer", "agency"]
    kept = issued_versions(out, keyed.name, "2026-Q2")
    assert [(v.version, v.signed) for v in kept] == [(1, ()), (2, ()), (3, ("signer", "agency"))]
    for other, versions in ((tokenless, 2), (bare, 1)):
        (left,) = (out / other.name / "2026-Q2").glob("*.pdf")
        assert signatures_of(left.read_bytes()) == []
        assert len(issued_versions(out, other.name, "2026-Q2")) == versions

    second = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert "đã có chữ ký số (lãnh đạo và cơ quan) từ trước" in " ".join(second.output.split())
    assert len(issued_versions(out, keyed.name, "2026-Q2")) == 3


def load_name(folder: Path) -> str:
    """The province's name in its province.yaml."""
    return str(yaml.safe_load((folder / "province.yaml").read_text(encoding="utf-8"))["name"])


def test_two_province_folders_with_one_code_are_refused_by_name(tmp_path: Path) -> None:
    from baocao.errors import ConfigError
    from baocao.national import province_folders

    for name in ("lao-cai", "lao-cai-moi"):
        (tmp_path / name).mkdir()
        shutil.copy(SAMPLE / "province.yaml", tmp_path / name / "province.yaml")
    with pytest.raises(ConfigError, match=r"trùng mã tỉnh \(LCI: lao-cai, lao-cai-moi\)"):
        province_folders(tmp_path)
