"""baocao.sign: the appearance of Nghị định 30 (the signer's image between title and name, the seal over its
left third, the annex's signature at the top right) on a report rendered through the real template, signed
with PKCS#12 keys of the test's own CA and checked with pyHanko, poppler's pdfsig and pdfplumber."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pdfplumber
import pytest
from fontTools.ttLib import TTFont
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from baocao import sign
from baocao.errors import SigningError
from baocao.keys import KeySource, opened_key
from tests.signing_support import (
    APPEARANCE,
    PASSWORD,
    OwnCA,
    make_ca,
    p12_keys,
    short_report,
    signed_report,
    stamp_font_widths,
    stamp_lines,
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The module's working folder."""
    return tmp_path_factory.mktemp("sign")


@pytest.fixture(scope="module")
def ca(folder: Path) -> OwnCA:
    """The test's own root CA."""
    return make_ca(folder)


@pytest.fixture(scope="module")
def keys(ca: OwnCA, folder: Path) -> dict[str, KeySource]:
    """PKCS#12 files of the leader and of the agency, issued by the test CA."""
    return p12_keys(ca, folder)


@pytest.fixture(scope="module")
def report(folder: Path) -> bytes:
    """An unsigned short report (PDF/A-3b)."""
    return short_report(folder / "report.pdf").read_bytes()


@pytest.fixture(scope="module")
def signed(report: bytes, keys: dict[str, KeySource], folder: Path) -> bytes:
    """The report signed by the leader, then by the agency; also saved as signed.pdf."""
    return signed_report(report, keys, folder / "signed.pdf")


def test_stamp_boxes_put_the_image_in_the_gap_and_the_seal_over_its_left_third() -> None:
    # Worked by hand: gap 200 -> 124 pt, 2 pt padding, 10 pt for the time line: the image is 62 pt high
    # (at 2.4:1, 148.8 pt wide, centred on x = 400); the 36 mm seal (102.05 pt) ends 148.8 / 3 = 49.6 pt
    # into it and is centred on its middle, y = (136 + 198) / 2 = 167.
    stamps = sign.stamp_boxes(sign.Block(3, 400.0, 200.0, 124.0), (600, 250), 36)
    assert stamps.page == 3
    assert (stamps.signer.y0, stamps.signer.y1) == (126.0, 198.0)
    image = stamps.image
    assert (image.x0, image.y0, image.x1, image.y1) == pytest.approx((325.6, 136.0, 474.4, 198.0))
    seal = stamps.seal
    assert seal.x1 == pytest.approx(325.6 + 49.6)
    assert seal.x1 - seal.x0 == pytest.approx(36 / 25.4 * 72)
    assert seal.y1 - seal.y0 == pytest.approx(36 / 25.4 * 72)
    assert (seal.y0 + seal.y1) / 2 == pytest.approx(167.0)


def test_the_stamp_font_is_rescaled_to_1000_units_per_em() -> None:
    original = TTFont(sign.SERIF)
    assert original["head"].unitsPerEm == 2048  # the trap: Liberation has 2048 units per em
    scaled = TTFont(io.BytesIO(sign.serif_1000("Số")))
    assert scaled["head"].unitsPerEm == 1000
    glyph = original.getBestCmap()[ord("S")]
    expected = original["hmtx"][glyph][0] * 1000 / 2048
    assert scaled["hmtx"][scaled.getBestCmap()[ord("S")]][0] == pytest.approx(expected, abs=1)


def test_vietnam_iso_is_utc_plus_seven() -> None:
    assert sign.vietnam_iso(datetime(2026, 12, 2, 23, 0, 0, tzinfo=sign.VIETNAM) - timedelta(hours=7)) == (
        "2026-12-02T16:00:00+07:00"
    )
    assert sign.vietnam_iso(datetime(2026, 12, 2, 10, 30, 5, tzinfo=sign.ZoneInfo("UTC"))) == (
        "2026-12-02T17:30:05+07:00"
    )


def test_the_signature_block_is_found_between_title_and_name(report: bytes) -> None:
    block = sign.signature_block(report, "GIÁM ĐỐC", "Nguyễn Đức Minh")
    assert block.page == 0
    # The template leaves 26 mm (.signer-space) between the two lines, plus the lines' own leading.
    assert 26 * sign.MM <= block.top - block.bottom <= 32 * sign.MM
    assert block.centre_x > 595 / 2  # the signer's column, right of "Nơi nhận"


def test_a_deputy_signing_on_behalf_gets_the_gap_under_the_last_title_line(folder: Path) -> None:
    pdf = short_report(folder / "deputy.pdf", "PHÓ GIÁM ĐỐC", "Lê Thị Hoa", delegation="KT. GIÁM ĐỐC")
    data = pdf.read_bytes()
    block = sign.signature_block(data, "PHÓ GIÁM ĐỐC", "Lê Thị Hoa")
    with pdfplumber.open(io.BytesIO(data)) as document:
        page = document.pages[0]
        (deputy,) = page.search("PHÓ GIÁM ĐỐC")
        (name,) = page.search("Lê Thị Hoa")
    height = float(page.height)
    assert block.top == pytest.approx(height - deputy["bottom"])
    assert block.bottom == pytest.approx(height - name["top"])


def test_a_pdf_without_the_signers_name_is_refused(report: bytes) -> None:
    with pytest.raises(SigningError, match="không tìm thấy khối chữ ký"):
        sign.signature_block(report, "GIÁM ĐỐC", "Trần Văn Khác")


def _statuses(data: bytes, roots: list[object]) -> list[object]:
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
    return [validate_pdf_signature(s, context) for s in reader.embedded_signatures]


def test_pyhanko_validates_both_signatures(signed: bytes, ca: OwnCA) -> None:
    from asn1crypto import x509 as asn1

    root = asn1.Certificate.load(ca.root.cert.public_bytes(encoding=_der()))
    reader = PdfFileReader(io.BytesIO(signed), strict=False)
    names = [s.field_name for s in reader.embedded_signatures]
    assert names == ["ChuKyLanhDao", "ChuKyCoQuan"]
    assert [str(s.sig_object["/SubFilter"]) for s in reader.embedded_signatures] == [
        "/ETSI.CAdES.detached"
    ] * 2
    leader, agency = _statuses(signed, [root])
    for status in (leader, agency):
        assert status.intact and status.valid and status.trusted and status.bottom_line  # type: ignore[attr-defined]
    assert agency.coverage == SignatureCoverageLevel.ENTIRE_FILE  # type: ignore[attr-defined]
    assert leader.coverage == SignatureCoverageLevel.ENTIRE_REVISION  # type: ignore[attr-defined]
    assert leader.modification_level == ModificationLevel.FORM_FILLING  # type: ignore[attr-defined]
    assert leader.signing_cert.subject.native["common_name"] == "Nguyễn Đức Minh"  # type: ignore[attr-defined]


def _der() -> object:
    from cryptography.hazmat.primitives.serialization import Encoding

    return Encoding.DER


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils not installed")
def test_pdfsig_lists_both_signatures(signed: bytes, folder: Path) -> None:
    path = folder / "signed.pdf"
    text = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False).stdout
    # pdfsig always exits 0 (STACK.md): its text says it all.
    blocks = re.split(r"^Signature #\d+:", text, flags=re.M)[1:]
    assert len(blocks) == 2
    assert "Signature Field Name: ChuKyLanhDao" in blocks[0]
    assert "Signer Certificate Common Name: Nguyễn Đức Minh" in blocks[0]
    assert "Signature Field Name: ChuKyCoQuan" in blocks[1]
    assert "Total document signed" in blocks[1]
    for block in blocks:
        assert "Signature Validation: Signature is Valid." in block
        assert "ETSI.CAdES.detached" in block


def test_the_signed_file_keeps_its_text_and_shows_the_time_in_vietnam_time(signed: bytes) -> None:
    with pdfplumber.open(io.BytesIO(signed)) as pdf:
        text = pdf.pages[0].extract_text()
    assert "Toàn tỉnh có 1.245 trạm thu phát sóng di động" in text
    assert "Nguyễn Đức Minh" in text and "GIÁM ĐỐC" in text
    (leader, _) = _statuses(signed, [])
    when = leader.signer_reported_dt  # type: ignore[attr-defined]
    reader = PdfFileReader(io.BytesIO(signed), strict=False)
    first = next(iter(reader.embedded_signatures))
    # The stamp's time is the signature's own, in Vietnam time.
    assert stamp_lines(first.sig_field) == [f"Ký số: {sign.vietnam_iso(when)}"]
    assert sign.vietnam_iso(when).endswith("+07:00")


def test_the_signed_file_stays_pdf_a_3b(signed: bytes) -> None:
    reader = PdfFileReader(io.BytesIO(signed), strict=False)
    xmp = reader.root["/Metadata"].get_object().data.decode("utf-8")
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    info = reader.trailer["/Info"]
    producer = re.search(r'pdf:Producer="([^"]*)"', xmp)
    # PDF/A: Info's Producer, if any, must be XMP's.
    assert "/Producer" not in info or (producer and str(info["/Producer"]) == producer.group(1))
    assert "/OutputIntents" in reader.root


def test_the_stamps_sit_between_title_and_name_and_the_seal_is_36_mm(signed: bytes) -> None:
    reader = PdfFileReader(io.BytesIO(signed), strict=False)
    rects = {s.field_name: [float(v) for v in s.sig_field["/Rect"]] for s in reader.embedded_signatures}
    with pdfplumber.open(io.BytesIO(signed)) as pdf:
        page = pdf.pages[0]
        height = float(page.height)
        (title,) = [m for m in page.search("GIÁM ĐỐC") if m["x0"] > 300]
        (name,) = page.search("Nguyễn Đức Minh")
    x0, y0, x1, y1 = rects["ChuKyLanhDao"]
    assert height - title["bottom"] >= y1 and y0 >= height - name["top"]  # covers neither line
    sx0, sy0, sx1, sy1 = rects["ChuKyCoQuan"]
    assert sx1 - sx0 == pytest.approx(36 * sign.MM, abs=1) and sy1 - sy0 == pytest.approx(36 * sign.MM, abs=1)
    assert x0 < sx1 < (x0 + x1) / 2  # the seal reaches into the left part of the signer's stamp


def test_the_stamp_page_shows_blue_ink_in_the_gap_and_red_ink_in_the_seal(
    signed: bytes, folder: Path
) -> None:
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            str(folder / "signed.pdf"),
            str(folder / "page"),
        ],
        check=True,
    )
    (png,) = folder.glob("page*.png")
    image = Image.open(png).convert("RGB")
    scale = 60 / 72
    reader = PdfFileReader(io.BytesIO(signed), strict=False)
    rects = {s.field_name: [float(v) for v in s.sig_field["/Rect"]] for s in reader.embedded_signatures}

    def count(rect: list[float], ink: str) -> int:
        x0, y0, x1, y1 = rect
        height = image.height / scale
        box = (int(x0 * scale), int((height - y1) * scale), int(x1 * scale), int((height - y0) * scale))
        pixels = list(image.crop(box).get_flattened_data())
        if ink == "blue":
            return sum(b > 120 and r < 110 and g < 120 for r, g, b in pixels)
        return sum(r > 150 and g < 100 and b < 100 for r, g, b in pixels)

    assert count(rects["ChuKyLanhDao"], "blue") > 150
    assert count(rects["ChuKyCoQuan"], "red") > 300


def test_an_annex_gets_the_agencys_signature_at_the_top_right_in_times_10(
    report: bytes, keys: dict[str, KeySource], folder: Path
) -> None:
    with opened_key(keys["agency"], PASSWORD) as agency:
        data = sign.sign_annex(report, agency, "05/BC-STTTT", "Sở Thông tin và Truyền thông tỉnh Lào Cai")
    (folder / "annex.pdf").write_bytes(data)
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    (only,) = reader.embedded_signatures
    assert only.field_name == sign.ANNEX_FIELD
    _, y0, x1, y1 = (float(v) for v in only.sig_field["/Rect"])
    assert x1 == pytest.approx(595.28 - 15 * sign.MM, abs=1)
    assert y1 == pytest.approx(841.89 - 5 * sign.MM, abs=1)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        highest = min(c["top"] for c in page.chars)
    assert page.height - highest < y0  # in the top margin, above the header's first line
    lines = stamp_lines(only.sig_field)
    assert lines[:2] == ["Sở Thông tin và Truyền thông tỉnh Lào Cai", "Số: 05/BC-STTTT"]
    assert re.fullmatch(r"Thời gian ký: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", lines[2])
    stream = only.sig_field["/AP"]["/N"].data
    assert b"/F1 10 Tf" in stream  # 10 pt
    font = only.sig_field["/AP"]["/N"]["/Resources"]["/Font"]["/F1"]
    assert "LiberationSerif" in str(font["/BaseFont"])  # Times New Roman's metric clone, embedded
    # The units-per-em trap: widths in 1000-unit glyph space. Times' digits are 500 wide (1024 of 2048
    # units, which the trap would write as 1024), and no glyph of these lines is wider than an em.
    widths = stamp_font_widths(only.sig_field)
    assert 500 in widths and max(widths) <= 1000


def test_signing_twice_as_the_same_role_is_refused(signed: bytes, keys: dict[str, KeySource]) -> None:
    with (
        opened_key(keys["signer"], PASSWORD) as leader,
        pytest.raises(SigningError, match="đã có chữ ký số của lãnh đạo"),
    ):
        sign.sign_report(signed, APPEARANCE, "GIÁM ĐỐC", "Nguyễn Đức Minh", signer=leader)
