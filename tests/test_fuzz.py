"""Fuzzing the readers: mutated workbooks and CSVs never raise, never hang.

A few hundred cases run in the normal suite; `BAOCAO_FUZZ_EXAMPLES=5000 scripts/test.sh tests/test_fuzz.py`
is the longer job (its count and result are quoted in the README's reliability section).
"""

from __future__ import annotations

import io
import os
import time
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baocao.catalogue import Catalogue
from baocao.intake.read import expected_from_path, read_file
from baocao.province import Province

EXAMPLES = int(os.environ.get("BAOCAO_FUZZ_EXAMPLES", "120"))
SOURCE = Path(__file__).resolve().parents[1] / "inputs" / "lao-cai" / "submissions" / "2024-Q2" / "SAPA.xlsx"
ORIGINAL = SOURCE.read_bytes()
with zipfile.ZipFile(SOURCE) as _zip:
    PARTS = {i.filename: _zip.read(i.filename) for i in _zip.infolist()}
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=False,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def read_bounded(path: Path, catalogue: Catalogue, province: Province) -> None:
    """read_file itself (not the safe wrapper) must return, quickly, whatever the bytes."""
    units = set(province.unit_codes)
    start = time.perf_counter()
    subs = read_file(path, catalogue, units, expected_from_path(path, units))
    assert time.perf_counter() - start < 5
    assert subs
    for sub in subs:
        for finding in sub.findings:
            assert finding.message and path.name in str(finding)
        assert all(v >= 0 for v in sub.values.values()), "a negative value is never accepted"


@FUZZ
@given(
    flips=st.lists(
        st.tuples(st.integers(0, len(ORIGINAL) - 1), st.integers(0, 255)), min_size=1, max_size=30
    ),
    cut=st.one_of(st.none(), st.integers(0, len(ORIGINAL))),
)
def test_flipped_bytes_in_a_workbook(
    tmp_path: Path, catalogue: Catalogue, province: Province, flips: list[tuple[int, int]], cut: int | None
) -> None:
    data = bytearray(ORIGINAL)
    for position, value in flips:
        data[position] = value
    path = tmp_path / "2024-Q2" / "SAPA.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(data[:cut] if cut is not None else data))
    read_bounded(path, catalogue, province)


xml_noise = st.text(alphabet=st.sampled_from(list('<>/"=&;#x01 ABCvfcsrt9\u00a0ạĐ\x00')), max_size=40)


@FUZZ
@given(
    part=st.sampled_from(sorted(PARTS)), position=st.floats(0, 1), noise=xml_noise, delete=st.integers(0, 200)
)
def test_mutated_xml_inside_the_package(
    tmp_path: Path,
    catalogue: Catalogue,
    province: Province,
    part: str,
    position: float,
    noise: str,
    delete: int,
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in PARTS.items():
            if name == part:
                at = int(len(content) * position)
                content = content[:at] + noise.encode("utf-8") + content[at + delete :]
            archive.writestr(name, content)
    path = tmp_path / "2024-Q2" / "SAPA.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    read_bounded(path, catalogue, province)


field = st.one_of(
    st.sampled_from(
        [
            "SAPA",
            "BACHA",
            "",
            "HANOI",
            "../x",
            "2024-Q2",
            "2024-Q3",
            "2024",
            "BC01",
            "VT06",
            "XX99",
            "1.234,5",
            "1,234.5",
            "-3",
            "(5)",
            "12%",
            "nan",
            "inf",
            "ước",
            "thực hiện",
            "=1+1",
        ]
    ),
    st.text(max_size=12),
)
line = st.lists(field, min_size=0, max_size=7)


@FUZZ
@given(
    header=st.sampled_from(
        ["unit,period,indicator,value,status", "unit;period;indicator;value", "don_vi,ky,chi_tieu", ""]
    ),
    rows=st.lists(line, max_size=30),
    separator=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"]),
)
def test_random_csv(
    tmp_path: Path,
    catalogue: Catalogue,
    province: Province,
    header: str,
    rows: list[list[str]],
    separator: str,
    encoding: str,
) -> None:
    text = header + "\n" + "\n".join(separator.join(r) for r in rows) + "\n"
    path = tmp_path / "2024-Q2" / "SAPA.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding, errors="replace"))
    read_bounded(path, catalogue, province)
