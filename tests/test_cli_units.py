"""``baocao units`` and ``baocao crosswalk`` as staff use them."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from baocao.cli import app
from baocao.crosswalk import read_crosswalk

runner = CliRunner()


def test_units_lists_the_34_provinces_with_the_list_s_date() -> None:
    result = runner.invoke(app, ["units"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "34 tỉnh, thành phố; 3.321 đơn vị hành chính cấp xã" in result.output
    assert "hiệu lực từ 01/07/2025" in result.output
    assert "1.778.785" in result.output  # new Lào Cai's population, Vietnamese separators


def test_units_of_a_province_lists_its_communes() -> None:
    result = runner.invoke(app, ["units", "lao-cai"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "Tỉnh Lào Cai: 99 đơn vị hành chính cấp xã" in result.output
    assert "Cam Đường" in result.output


def test_units_of_an_unknown_province_is_one_line_in_vietnamese() -> None:
    result = runner.invoke(app, ["units", "Yên Bái"])
    assert result.exit_code == 1
    assert "không có tỉnh, thành phố nào tên “Yên Bái”" in result.output
    assert "Traceback" not in result.output


def test_crosswalk_writes_the_file_and_says_what_it_holds(tmp_path: Path) -> None:
    target = tmp_path / "lao-cai" / "crosswalk.csv"
    target.parent.mkdir()
    result = runner.invoke(app, ["crosswalk", "Lào Cai", "--out", str(target)], terminal_width=200)
    assert result.exit_code == 0, result.output
    rows = read_crosswalk(target)
    assert len({r.new_code for r in rows}) == 99 and len({r.old_code for r in rows}) == 319
    assert "99 đơn vị cấp xã mới của tỉnh Lào Cai" in result.output
    assert "Lào Cai (cũ), Yên Bái (cũ)" in result.output
