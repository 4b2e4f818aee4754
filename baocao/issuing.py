"""The văn thư's step: the number of issue (and the date, when it was left blank too) written into the
blanks the report left for them, as part of the agency's signature.

A report run without ``--number`` reads "Số:       /BC-STTTT" in its header and "Kèm theo Báo cáo số
/BC-STTTT" over each annex. When the văn thư signs for the agency with a number, the agency's signature
field gets, besides the seal, one widget per blank showing the number right before "/BC-…", in the line's
own size (Times New Roman's metric clone, embedded). The widgets are part of the signature's field and of its
incremental update, so the agency's signature covers them, and the leader's earlier signature stays valid:
pyHanko's diff policy accepts the widgets of a new signature field (FORM_FILLING), where a free annotation or
an overlay on the page's content would count as a change to what the leader signed.

The date is checked, not rewritten: the report prints its date (``baocao run --date``); a date of issue that
differs from it is refused, since covering printed text would leave the old date in the text layer.
"""

from __future__ import annotations

import asyncio
import io
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import pdfplumber
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes

from baocao.errors import SigningError
from baocao.periods import official_date
from baocao.sign import (
    FIELD_NAMES,
    SERIF,
    Appearance,
    Box,
    ScaledFont,
    pdf_signer_for,
    refuse_signed,
    seal_style,
    serif_1000,
    stamps_of,
    without_producer,
)

SERIF_ITALIC = SERIF.replace("Regular", "Italic")
# pyHanko's PDF object constructors and writer methods carry no type hints: used through Any.
pdf_objects: Any = generic
PRINT = 4  # annotation flag: printed
LOCKED = 128  # annotation flag: not to be moved or deleted


@dataclass(frozen=True)
class Issue:
    """What the văn thư gives at the agency's signature: the number of issue and, to check, the date."""

    number: int
    date: date | None = None

    @property
    def text(self) -> str:
        """'05': zero-padded below 10, as context.document_number prints a number."""
        return f"{self.number:02d}"


@dataclass(frozen=True)
class Fill:
    """Text to show in a blank: its page, the blank's box (PDF points, y up), baseline and size."""

    page: int
    box: Box
    baseline: float
    text: str
    size: float
    italic: bool = False


def _blank_pattern(abbreviation: str) -> str:
    return rf"(?:Số:|số)\s*(\d*)\s*/BC-{re.escape(abbreviation)}"


def number_fills(pdf: bytes, abbreviation: str, issue: Issue) -> list[Fill]:
    """A fill for each blank number ("Số:       /BC-STTTT") of ``pdf``; [] when the document already
    shows this number; SigningError when it shows another or has no place for a number."""
    found: list[Fill] = []
    numbers: set[int] = set()
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for index, page in enumerate(document.pages):
            for match in page.search(_blank_pattern(abbreviation), regex=True, return_chars=True):
                chars = match["chars"]
                slash = next(i for i, c in enumerate(chars) if c["text"] == "/")
                digits = "".join(c["text"] for c in chars[:slash] if c["text"].isdigit())
                if digits:
                    numbers.add(int(digits))
                    continue
                before, after = chars[slash - 1], chars[slash]
                baseline = float(after["matrix"][5])
                size = round(float(after["size"]), 1)
                box = Box(float(before["x1"]), baseline - 0.3 * size, float(after["x0"]), baseline + size)
                italic = "italic" in str(after["fontname"]).lower()
                found.append(Fill(index, box, baseline, issue.text, size, italic))
    other = sorted(n for n in numbers if n != issue.number)
    if other:
        raise SigningError(
            f"tệp đã ghi số {other[0]:02d}/BC-{abbreviation}: không ghi số {issue.text} đè lên"
        )
    if not found and not numbers:
        raise SigningError(f"không tìm thấy chỗ ghi số văn bản ('Số: …/BC-{abbreviation}') trong tệp PDF")
    return found


def check_date(pdf: bytes, when: date) -> None:
    """SigningError unless the date printed at the top of the first page is ``when``."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        page = document.pages[0]
        dates = page.search(r"ngày\s+\d+\s+tháng\s+\d+\s+năm\s+\d{4}", regex=True)
    if not dates:
        raise SigningError("không tìm thấy ngày ban hành ('ngày … tháng … năm …') ở trang đầu")
    printed = re.sub(r"\s+", " ", min(dates, key=lambda m: m["top"])["text"])
    if printed != official_date(when):
        raise SigningError(
            f"tệp ghi {printed}, khác ngày ban hành {official_date(when)}: không ghi đè ngày đã in; "
            f"lập lại báo cáo với --date {when.isoformat()} rồi ký"
        )


def _appearance(writer: Any, fill: Fill) -> Any:
    """The form XObject of a fill: its text, black, right-aligned to the box, on the line's baseline."""
    font = ScaledFont(serif_1000("0123456789", SERIF_ITALIC if fill.italic else SERIF), round(fill.size))
    engine = font.create_font_engine(writer)
    shaped = engine.shape(fill.text)
    width, height = fill.box.x1 - fill.box.x0, fill.box.y1 - fill.box.y0
    x = max(0.0, width - shaped.x_advance * fill.size)
    y = fill.baseline - fill.box.y0
    ops = b"BT /F1 %g Tf 0 g 1 0 0 1 %g %g Tm %s ET" % (fill.size, x, y, shaped.graphics_ops)
    stream = pdf_objects.StreamObject(
        {
            pdf_name("/Type"): pdf_name("/XObject"),
            pdf_name("/Subtype"): pdf_name("/Form"),
            pdf_name("/BBox"): pdf_objects.ArrayObject(
                pdf_objects.FloatObject(v) for v in (0, 0, width, height)
            ),
            pdf_name("/Resources"): pdf_objects.DictionaryObject(
                {pdf_name("/Font"): pdf_objects.DictionaryObject({pdf_name("/F1"): engine.as_resource()})}
            ),
        },
        stream_data=ops,
    )
    return writer.add_object(stream)


def add_widgets(writer: Any, field_name: str, fills: list[Fill]) -> None:
    """Each fill as one more widget of the signature field ``field_name`` (already in ``writer``)."""
    (_, _, field_ref), *_ = fields.enumerate_sig_fields(writer, with_name=field_name)
    field = field_ref.get_object()
    for fill in fills:
        page_ref = writer.find_page_for_modification(fill.page)[0]
        widget = pdf_objects.DictionaryObject(
            {
                pdf_name("/Type"): pdf_name("/Annot"),
                pdf_name("/Subtype"): pdf_name("/Widget"),
                pdf_name("/F"): pdf_objects.NumberObject(PRINT | LOCKED),
                pdf_name("/Rect"): pdf_objects.ArrayObject(
                    pdf_objects.FloatObject(round(v, 2))
                    for v in (fill.box.x0, fill.box.y0, fill.box.x1, fill.box.y1)
                ),
                pdf_name("/P"): page_ref,
                pdf_name("/AP"): pdf_objects.DictionaryObject({pdf_name("/N"): _appearance(writer, fill)}),
            }
        )
        widget_ref = writer.add_object(widget)
        field["/Kids"].append(widget_ref)
        writer.register_annotation(page_ref, widget_ref)


async def _signed(pdf_signer: signers.PdfSigner, writer: IncrementalPdfFileWriter, fills: list[Fill]) -> Any:
    """pyHanko's sign_pdf, with the fills added to the field once it exists and before it is hashed."""
    session = pdf_signer.init_signing_session(writer)
    info = await session.perform_presign_validation(writer)
    reserved = await session.estimate_signature_container_size(info)
    tbs = session.prepare_tbs_document(validation_info=info, bytes_reserved=reserved)
    add_widgets(writer, str(pdf_signer.signature_meta.field_name), fills)
    prepared, output = tbs.digest_tbs_document(output=io.BytesIO())
    attrs = PdfCMSSignedAttributes(signing_time=session.system_time)
    post = await tbs.perform_signature(prepared.document_digest, attrs)
    await post.post_signature_processing(output)
    return output


def sign_issued(
    pdf: bytes,
    appearance: Appearance,
    title: str,
    name: str,
    agency: signers.Signer,
    issue: Issue,
    abbreviation: str,
) -> bytes:
    """The agency's signature (the seal over the signer's image, as sign.sign_report puts it) with the
    number of issue in every blank of ``pdf``; the date, if given, must be the one printed."""
    refuse_signed(pdf, ["agency"])
    if issue.date is not None:
        check_date(pdf, issue.date)
    fills = number_fills(pdf, abbreviation, issue)
    stamps = stamps_of(pdf, appearance, title, name)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    without_producer(writer)
    style = seal_style(appearance.seal_image)
    pdf_signer = pdf_signer_for(
        agency, FIELD_NAMES["agency"], stamps.page, stamps.seal, style, appearance.location, widget_apart=True
    )
    try:
        output = asyncio.run(_signed(pdf_signer, writer, fills))
    except (PyHankoSigningError, ValueError) as exc:
        raise SigningError(f"không ký được tệp PDF: {exc}") from exc
    return bytes(output.getvalue())
