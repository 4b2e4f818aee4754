"""The submission form: prefilled, protected, and read back exactly as it was filled."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from baocao.catalogue import Catalogue
from baocao.intake.form import FormContent, write_form
from baocao.intake.model import Note
from baocao.periods import Period
from baocao.province import Province
from tests.support import read_one

QUARTER = Period.parse("2025-Q1")


def test_blank_form_is_prefilled_and_reads_as_empty(
    tmp_path: Path, catalogue: Catalogue, province: Province
) -> None:
    unit = province.unit("BATXAT")
    path = write_form(tmp_path / QUARTER.code / "BATXAT.xlsx", catalogue, province, unit, QUARTER)
    wb = load_workbook(path)
    assert wb.sheetnames == ["Thông tin", "Số liệu", "Ghi chú", "Hướng dẫn"]
    info = {r[0]: r[1] for r in wb["Thông tin"].iter_rows(min_row=4, max_row=9, values_only=True)}
    assert (
        info["Mã đơn vị"] == "BATXAT"
        and info["Kỳ báo cáo"] == "2025-Q1"
        and info["Tên đơn vị"] == "Huyện Bát Xát"
    )
    codes = [r[1] for r in wb["Số liệu"].iter_rows(min_row=5, values_only=True) if r[1]]
    assert codes == [i.code for i in catalogue.submitted]
    assert wb["Số liệu"].protection.sheet and not wb["Số liệu"]["E6"].protection.locked
    assert wb["Số liệu"]["B6"].protection.locked
    rules = {str(dv.sqref).split()[0][:1]: dv for dv in wb["Số liệu"].data_validations.dataValidation}
    assert rules["E"].type == "decimal" and rules["E"].formula1 == "0"
    assert rules["F"].type == "list" and "ước" in rules["F"].formula1
    sub = read_one(path, catalogue, province)
    assert sub.accepted and sub.values == {} and sub.notes == ()
    assert any(f"chưa có số liệu {len(catalogue.submitted)} chỉ tiêu" in str(w) for w in sub.warnings)


# Up to 100,000: within every indicator's range in templates/indicators.yaml (the smallest maximum).
values_strategy = st.floats(min_value=0, max_value=1e5, allow_nan=False, allow_infinity=False).map(
    lambda v: round(v, 2)
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_filled_form_round_trip(
    tmp_path: Path, catalogue: Catalogue, province: Province, data: st.DataObject
) -> None:
    codes = [i.code for i in catalogue.submitted]
    chosen = data.draw(st.lists(st.sampled_from(codes), unique=True, min_size=1))
    values = {c: data.draw(values_strategy) for c in chosen}
    estimates = frozenset(data.draw(st.lists(st.sampled_from(chosen), unique=True)))
    text = data.draw(
        st.text(
            alphabet=st.characters(min_codepoint=32, max_codepoint=0x1EF9, exclude_categories=("Cs", "Cc")),
            min_size=1,
            max_size=60,
        ).filter(lambda t: t.strip())
    )
    # The reader keeps text in NFC, as it compares and prints it.
    notes = [Note("difficulties", unicodedata.normalize("NFC", " ".join(text.split())), "VT")]
    unit = province.unit("SAPA")
    path = write_form(
        tmp_path / QUARTER.code / "SAPA.xlsx",
        catalogue,
        province,
        unit,
        QUARTER,
        FormContent(values=values, estimates=estimates, notes=notes),
    )
    sub = read_one(path, catalogue, province)
    assert sub.accepted, [str(f) for f in sub.errors]
    assert sub.values == values
    assert sub.estimates == set(estimates)
    assert list(sub.notes) == notes
