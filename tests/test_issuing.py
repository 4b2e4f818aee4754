"""baocao.issuing: the văn thư numbers the report at the agency's signature. A report with a blank number
("Số:       /BC-STTTT") is signed by the leader, then by the agency with --number 17; the number shows in
every blank (poppler's text and the page image), both signatures stay valid (pyHanko, baocao verify,
pdfsig), the file stays PDF/A-3b as far as it can be checked here, and a kept version's PDF is signed into
the period's next version, with its number and date, listed by baocao versions."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from typer.testing import CliRunner

from baocao import issuing, sign
from baocao.cli import app
from baocao.errors import SigningError
from baocao.issued import issued_versions
from baocao.keys import KeySource, opened_key
from tests.signing_support import (
    APPEARANCE,
    PASSWORD,
    short_report,
)
from tests.test_sign import ca, folder, keys
from tests.test_signing import with_keys

runner = CliRunner()
__all__ = ["ca", "folder", "keys", "with_keys"]  # fixtures shared with test_sign and test_signing
BLANK = "Số:       /BC-STTTT"
TITLE, NAME = "GIÁM ĐỐC", "Nguyễn Đức Minh"
ISSUE = issuing.Issue(17, date(2025, 1, 10))  # short_report prints "ngày 10 tháng 01 năm 2025"


@pytest.fixture(scope="module")
def blank(folder: Path) -> bytes:
    """A short report through the real template, its number left blank for the văn thư."""
    return short_report(folder / "blank.pdf", number=BLANK).read_bytes()


@pytest.fixture(scope="module")
def by_leader(blank: bytes, keys: dict[str, KeySource]) -> bytes:
    """The blank report signed by the leader only (baocao sign --as signer)."""
    with opened_key(keys["signer"], PASSWORD) as leader:
        return sign.sign_report(blank, APPEARANCE, TITLE, NAME, signer=leader)


@pytest.fixture(scope="module")
def numbered(by_leader: bytes, keys: dict[str, KeySource], folder: Path) -> Path:
    """Then signed by the agency with number 17 (baocao sign --as agency --number 17); saved as a file."""
    with opened_key(keys["agency"], PASSWORD) as agency:
        data = issuing.sign_issued(by_leader, APPEARANCE, TITLE, NAME, agency, ISSUE, "STTTT")
    path = folder / "numbered.pdf"
    path.write_bytes(data)
    return path


def _text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_the_number_fills_the_blank_right_before_the_slash(blank: bytes) -> None:
    (fill,) = issuing.number_fills(blank, "STTTT", ISSUE)
    assert (fill.page, fill.text, fill.size, fill.italic) == (0, "17", 13.0, False)
    # The header line is 13 pt: the blank between "Số:" and "/" is wider than two digits (13 pt at most).
    assert fill.box.x1 - fill.box.x0 > 13
    assert fill.box.y0 < fill.baseline < fill.box.y1


def test_the_number_reads_in_the_document_and_both_signatures_stay_valid(
    numbered: Path, folder: Path
) -> None:
    assert "Số: 17/BC-STTTT" in _text(numbered)
    assert "Số: 17/BC-STTTT" not in _text(folder / "blank.pdf")
    reader = PdfFileReader(io.BytesIO(numbered.read_bytes()), strict=False)
    leader, agency = reader.embedded_signatures
    context = ValidationContext(trust_roots=[], allow_fetching=False)
    first = validate_pdf_signature(leader, context)
    assert first.intact and first.valid and first.coverage == SignatureCoverageLevel.ENTIRE_REVISION
    # What came after the leader's signature is a signature field with its widgets: form filling at most.
    assert first.modification_level == ModificationLevel.FORM_FILLING and first.docmdp_ok
    second = validate_pdf_signature(agency, context)
    assert second.intact and second.valid and second.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert len(agency.sig_field["/Kids"]) == 2  # the seal and the number
    checked = runner.invoke(app, ["verify", str(numbered), "--trust", str(folder / "ca.pem")])
    assert checked.exit_code == 0, checked.output
    assert "Kết quả: 2/2 chữ ký hợp lệ" in checked.output


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils not installed")
def test_pdfsig_sees_two_signatures_and_no_empty_field(numbered: Path) -> None:
    shown = subprocess.run(["pdfsig", str(numbered)], capture_output=True, text=True).stdout
    assert re.findall(r"Signature Field Name: (\w+)", shown) == ["ChuKyLanhDao", "ChuKyCoQuan"]
    assert shown.count("Signature is Valid.") == 2
    assert "not signed" not in shown  # poppler reads the widgets as the field's, not as fields of their own
    assert "Total document signed" in shown


def test_the_signed_file_is_still_pdf_a_3b_as_far_as_checked_here(numbered: Path) -> None:
    reader = PdfFileReader(io.BytesIO(numbered.read_bytes()), strict=False)
    xmp = reader.root["/Metadata"].data.decode("utf-8")
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    (intent,) = reader.root["/OutputIntents"]
    assert intent["/S"] == "/GTS_PDFA1" and "/DestOutputProfile" in intent
    assert reader.trailer["/Info"]["/Producer"] in xmp  # Info and XMP agree (STACK.md)
    assert "/Encrypt" not in reader.trailer
    assert not reader.root["/AcroForm"].get("/NeedAppearances", False)
    for page in reader.root["/Pages"]["/Kids"]:
        for annot in page.get_object().get("/Annots", []):
            annot = annot.get_object()
            assert "/N" in annot["/AP"] and annot["/F"] & 4  # an appearance, printed
    fonts = subprocess.run(["pdffonts", str(numbered)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(row.split()[-5] == "yes" for row in rows), fonts  # every font embedded
    info = subprocess.run(["pdfinfo", str(numbered)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Encrypted:\s+no", info)


def test_a_number_already_printed_is_not_written_over(keys: dict[str, KeySource], folder: Path) -> None:
    printed = short_report(folder / "05.pdf").read_bytes()  # "Số: 05/BC-STTTT"
    with pytest.raises(SigningError, match=r"tệp đã ghi số 05/BC-STTTT: không ghi số 17 đè lên"):
        issuing.number_fills(printed, "STTTT", ISSUE)
    assert issuing.number_fills(printed, "STTTT", issuing.Issue(5)) == []  # the same number: nothing to add


def test_a_date_of_issue_other_than_the_printed_one_is_refused(
    by_leader: bytes, keys: dict[str, KeySource]
) -> None:
    with opened_key(keys["agency"], PASSWORD) as agency, pytest.raises(SigningError) as refused:
        issuing.sign_issued(
            by_leader, APPEARANCE, TITLE, NAME, agency, issuing.Issue(17, date(2025, 1, 5)), "STTTT"
        )
    assert str(refused.value) == (
        "tệp ghi ngày 10 tháng 01 năm 2025, khác ngày ban hành ngày 05 tháng 01 năm 2025: không ghi đè ngày "
        "đã in; lập lại báo cáo với --date 2025-01-05 rồi ký"
    )


def test_the_number_goes_with_the_agencys_signature(folder: Path, sample_inputs_copy: Path) -> None:
    pdf = folder / "blank.pdf"
    refused = runner.invoke(
        app, ["sign", str(pdf), "--inputs", str(sample_inputs_copy), "--as", "signer", "--number", "17"]
    )
    assert refused.exit_code == 1
    assert "it goes with the agency's signature" in refused.output
    bad = runner.invoke(app, ["sign", str(pdf), "--as", "agency", "--number", "17/BC"])
    assert bad.exit_code == 1 and "a whole number" in bad.output


@pytest.mark.slow
def test_a_kept_report_is_numbered_into_the_next_version(with_keys: Path, tmp_path: Path) -> None:
    """The sample's real report (header and annexes), run without --number, then signed by the leader
    and numbered by the văn thư through baocao sign on the period's latest PDF."""
    inputs, out = with_keys, tmp_path / "out"
    where = ["--inputs", str(inputs), "--outputs", str(out)]
    made = runner.invoke(app, ["run", "--no-prefect", "--period", "2024-Q4", "--date", "2025-01-10", *where])
    assert made.exit_code == 0, made.output
    period = out / inputs.name / "2024-Q4"
    (latest,) = period.glob("*.pdf")
    first = (period / "versions" / "1" / latest.name).read_bytes()
    as_leader = runner.invoke(app, ["sign", str(latest), "--inputs", str(inputs), "--as", "signer"])
    assert as_leader.exit_code == 0, as_leader.output
    assert "lưu thành lần 2" in as_leader.output
    numbering = ["sign", str(latest), "--inputs", str(inputs), "--as", "agency", "--number", "17"]
    as_agency = runner.invoke(app, [*numbering, "--date", "2025-01-10"])
    assert as_agency.exit_code == 0, as_agency.output
    assert "số 17" in as_agency.output and "lưu thành lần 3" in as_agency.output
    text = _text(latest)
    assert "Số: 17/BC-STTTT" in text
    assert "Kèm theo Báo cáo số 17/BC-STTTT ngày 10/01/2025" in " ".join(text.split())  # the annexes too
    checked = runner.invoke(app, ["verify", str(latest), "--inputs", str(inputs)])
    assert checked.exit_code == 0, checked.output
    kept = issued_versions(out, inputs.name, "2024-Q4")
    assert [(v.version, v.report_number, v.signed, v.signed_from) for v in kept] == [
        (1, None, (), None),
        (2, None, ("signer",), 1),
        (3, 17, ("signer", "agency"), 2),
    ]
    assert kept[2].documents["pdf"].read_bytes() == latest.read_bytes()
    assert (period / "versions" / "1" / latest.name).read_bytes() == first  # a kept file is never rewritten
    manifest = json.loads(latest.with_suffix("").with_suffix(".manifest.json").read_text(encoding="utf-8"))
    from baocao.files import file_sha256

    assert manifest["documents"][latest.name] == file_sha256(latest)
    listed = runner.invoke(app, ["versions", "2024-Q4", *where])
    assert "lãnh đạo, cơ quan" in listed.output
    again = runner.invoke(app, [*numbering])
    assert again.exit_code == 1 and "đã có chữ ký số của cơ quan" in again.output
