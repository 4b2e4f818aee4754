"""PAdES signatures on a report's PDF with the appearance of Nghị định 30/2020 (Phụ lục I), from a PKCS#11
token or a PKCS#12 file (pyHanko).

Two signatures, in this order: the signer (the leader), whose blue signature image sits between the title
line and the name of the signature block, with the signing time (Vietnam time) under it; then the agency
(the văn thư), whose red seal, at its actual size, covers the left third of the signer's image. An annex
issued as a file of its own gets the agency's signature without image at the top right of its first page:
the document's number and the signing time in ISO 8601, Times New Roman 10, black.

Each signature is an incremental update, so the first stays valid after the second; the PDF stays PDF/A-3b
(Info /Producer is dropped, since pyHanko rewrites the XMP's Producer: STACK.md).
"""

from __future__ import annotations

import io
import logging
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import pdfplumber
from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem
from PIL import Image
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.font.api import FontEngineFactory
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.stamp import StaticStampStyle, TextStamp, TextStampStyle

from baocao.errors import SigningError

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
MM = 72 / 25.4  # PDF points per millimetre
SERIF = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"  # Times New Roman's metrics
BLUE = (0.08, 0.16, 0.67)
Role = Literal["signer", "agency"]
FIELD_NAMES: dict[Role, str] = {"signer": "ChuKyLanhDao", "agency": "ChuKyCoQuan"}
ANNEX_FIELD = "ChuKyCoQuanPhuLuc"
# A text box without pyHanko's default 10-point margins: the boxes below are measured to their text.
TIGHT = layout.SimpleBoxLayoutRule(
    x_align=layout.AxisAlignment.ALIGN_MIN, y_align=layout.AxisAlignment.ALIGN_MAX, margins=layout.Margins()
)
# pyHanko writes the signing time into the stamp in this format; the stamp turns it into Vietnam time.
_ISO_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


@dataclass(frozen=True)
class Block:
    """The empty space of the signature block, between the title line and the name (PDF points, y up)."""

    page: int
    centre_x: float
    top: float  # the bottom of the title line
    bottom: float  # the top of the name line


@dataclass(frozen=True)
class Box:
    """A rectangle on a page (PDF points, y up)."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def ints(self) -> tuple[int, int, int, int]:
        """The rectangle in whole points, as a signature field takes it."""
        return round(self.x0), round(self.y0), round(self.x1), round(self.y1)


@dataclass(frozen=True)
class Appearance:
    """What the signatures look like: the province's images and the seal's real size."""

    signature_image: Path
    seal_image: Path
    seal_mm: float = 36.0
    location: str = ""


@dataclass(frozen=True)
class Stamps:
    """Where the signer's stamp (image and time) and the seal go on the block's page."""

    page: int
    signer: Box
    image: Box  # the signer's image within its stamp
    seal: Box


def signature_block(pdf: bytes, title: str, name: str) -> Block:
    """The space between the signer's title line and name on the first page that has both (pdfplumber)."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for index, page in enumerate(document.pages):
            names = page.search(re.escape(name))
            titles = page.search(re.escape(title))
            for n in names:
                centre = (n["x0"] + n["x1"]) / 2
                above = [
                    t
                    for t in titles
                    if t["bottom"] <= n["top"] and abs((t["x0"] + t["x1"]) / 2 - centre) < 40
                ]
                if above:
                    nearest = max(above, key=lambda t: t["bottom"])
                    height = float(page.height)
                    # The first such page: the body comes before the annexes.
                    return Block(index, centre, height - nearest["bottom"], height - n["top"])
    raise SigningError(f"không tìm thấy khối chữ ký ('{title}' rồi '{name}') trong tệp PDF")


def stamp_boxes(block: Block, image_size: tuple[int, int], seal_mm: float, time_pt: float = 8) -> Stamps:
    """The signer's stamp filling the block's height (the image above, the time under it), and the seal
    of ``seal_mm`` whose right edge is a third of the way into the image, centred on it vertically."""
    pad = 2.0
    top, bottom = block.top - pad, block.bottom + pad
    width = 62 * MM
    signer = Box(block.centre_x - width / 2, bottom, block.centre_x + width / 2, top)
    text_height = round(time_pt + 2)
    aspect = image_size[0] / image_size[1]
    image_height = min(top - bottom - text_height, width / aspect)
    image_width = image_height * aspect
    x0 = block.centre_x - image_width / 2
    image = Box(x0, top - image_height, x0 + image_width, top)
    diameter = seal_mm * MM
    seal_right = image.x0 + image_width / 3
    middle = (image.y0 + image.y1) / 2
    seal = Box(seal_right - diameter, middle - diameter / 2, seal_right, middle + diameter / 2)
    return Stamps(block.page, signer, image, seal)


class ScaledFont(FontEngineFactory):
    """A TrueType font rescaled to 1000 units per em: pyHanko writes glyph widths in font units, and a
    2048-unit font (Liberation, DejaVu) would come out twice as wide (STACK.md)."""

    def __init__(self, data: bytes, size: int) -> None:
        self.data = data
        self.size = size

    def create_font_engine(self, writer: Any, obj_stream: Any = None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs:
            obj_stream = writer.prepare_object_stream()
        return GlyphAccumulator(writer, io.BytesIO(self.data), self.size, obj_stream=obj_stream)


@cache
def serif_1000(text: str, path: str = SERIF) -> bytes:
    """The serif font (Times New Roman's metric clone) cut down to ``text``'s letters, the digits and the
    signs of a time, at 1000 units per em, as TrueType bytes (the whole font takes 0.7 s to rescale)."""
    font = TTFont(path)
    # fontTools warns that it drops a FontForge timestamp table (FFTM): nothing a reader needs.
    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
    options = subset.Options()
    options.layout_features = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text + string.digits + " T:+-/.,()")
    subsetter.subset(font)
    if font["head"].unitsPerEm != 1000:
        scale_upem(font, 1000)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class VietnamTimeStampStyle(TextStampStyle):
    """A text stamp whose ``%(ts)s`` is the signing time in Vietnam time, ISO 8601."""

    timestamp_format: str = _ISO_FORMAT

    def create_stamp(self, writer: Any, box: layout.BoxConstraints, text_params: dict[str, Any]) -> TextStamp:
        params = dict(text_params)
        if "ts" in params:
            params["ts"] = vietnam_iso(datetime.strptime(params["ts"], _ISO_FORMAT))
        return TextStamp(writer=writer, style=self, box=box, text_params=params)


def vietnam_iso(moment: datetime) -> str:
    """'2026-12-02T17:13:26+07:00': a moment in Vietnam time, ISO 8601 to the second."""
    return moment.astimezone(VIETNAM).isoformat(timespec="seconds")


def signer_style(image: Path, image_box: Box, stamp: Box, time_pt: int = 8) -> TextStampStyle:
    """The signer's stamp: the image at ``image_box`` and, under it, the signing time in blue."""
    picture = PdfImage(Image.open(image))
    margins = layout.Margins(
        left=round(image_box.x0 - stamp.x0),
        right=round(stamp.x1 - image_box.x1),
        top=round(stamp.y1 - image_box.y1),
        bottom=round(image_box.y0 - stamp.y0),
    )
    text = "Ký số: %(ts)s"
    return VietnamTimeStampStyle(
        stamp_text=text,
        text_box_style=TextBoxStyle(
            font=ScaledFont(serif_1000(text), time_pt),
            font_size=time_pt,
            text_color=BLUE,
            box_layout_rule=TIGHT,
        ),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MIN,
            inner_content_scaling=layout.InnerScaling.NO_SCALING,
        ),
        background=picture,
        background_opacity=1.0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MAX,
            margins=margins,
            inner_content_scaling=layout.InnerScaling.STRETCH_TO_FIT,
        ),
        border_width=0,
    )


def seal_style(image: Path) -> StaticStampStyle:
    """The seal: its image filling the (square) field, opaque ink over the page."""
    return StaticStampStyle(
        background=PdfImage(Image.open(image)),
        background_opacity=1.0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MID,
            inner_content_scaling=layout.InnerScaling.STRETCH_TO_FIT,
        ),
        border_width=0,
    )


def annex_style(number: str, agency: str, size: int = 10) -> VietnamTimeStampStyle:
    """The agency's signature on an annex: agency, number and time, Times New Roman 10, black."""
    text = f"{agency}\nSố: {number}\nThời gian ký: %(ts)s"
    return VietnamTimeStampStyle(
        stamp_text=text,
        text_box_style=TextBoxStyle(
            font=ScaledFont(serif_1000(text), size), font_size=size, leading=size + 2, box_layout_rule=TIGHT
        ),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MAX,
            y_align=layout.AxisAlignment.ALIGN_MAX,
            inner_content_scaling=layout.InnerScaling.NO_SCALING,
        ),
        border_width=0,
    )


def without_producer(writer: IncrementalPdfFileWriter) -> None:
    """Drop Info /Producer: pyHanko rewrites the XMP's Producer, and PDF/A wants the two to agree."""
    info_ref = writer.trailer.raw_get("/Info") if "/Info" in writer.trailer else None
    if isinstance(info_ref, generic.IndirectObject):
        info = info_ref.get_object()  # type: ignore[no-untyped-call]
        if "/Producer" in info:
            del info["/Producer"]
            writer.mark_update(info_ref)


def pdf_signer_for(
    signer: signers.Signer,
    field_name: str,
    page: int,
    box: Box,
    style: Any,
    location: str = "",
    *,
    widget_apart: bool = False,
) -> signers.PdfSigner:
    """pyHanko's signer of one PAdES signature in a new visible field at ``box``; ``widget_apart``: the
    field keeps its widget in /Kids, so that more widgets can join it (baocao/issuing.py)."""
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        location=location or None,
    )
    spec = fields.SigFieldSpec(field_name, on_page=page, box=box.ints, combine_annotation=not widget_apart)
    return signers.PdfSigner(meta, signer, stamp_style=style, new_field_spec=spec)


def sign_with(pdf: bytes, pdf_signer: signers.PdfSigner) -> bytes:
    """``pdf`` with one more PAdES signature, ``pdf_signer``'s (an incremental update)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    without_producer(writer)
    out = io.BytesIO()
    try:
        pdf_signer.sign_pdf(writer, output=out)
    except (PyHankoSigningError, ValueError) as exc:
        raise SigningError(f"không ký được tệp PDF: {exc}") from exc
    return out.getvalue()


def refuse_signed(pdf: bytes, roles: Iterable[Role]) -> None:
    """SigningError if ``pdf`` already has the signature of one of ``roles``."""
    present = signed_fields(pdf)
    for role in roles:
        if FIELD_NAMES[role] in present:
            who = "lãnh đạo" if role == "signer" else "cơ quan"
            raise SigningError(f"tệp đã có chữ ký số của {who} ({FIELD_NAMES[role]}): không ký lại")


def stamps_of(pdf: bytes, appearance: Appearance, title: str, name: str) -> Stamps:
    """Where the signer's stamp and the seal go in ``pdf`` (its signature block found by its text)."""
    block = signature_block(pdf, title, name)
    with Image.open(appearance.signature_image) as picture:
        size = picture.size
    return stamp_boxes(block, size, appearance.seal_mm)


def sign_report(
    pdf: bytes,
    appearance: Appearance,
    title: str,
    name: str,
    signer: signers.Signer | None = None,
    agency: signers.Signer | None = None,
) -> bytes:
    """The report signed by the signer (image between title and name) and then by the agency (the seal over
    the image's left third); either may be left out (``--as signer`` now, ``--as agency`` later)."""
    asked: dict[Role, signers.Signer | None] = {"signer": signer, "agency": agency}
    refuse_signed(pdf, [role for role, key in asked.items() if key is not None])
    stamps = stamps_of(pdf, appearance, title, name)
    if signer is not None:
        style = signer_style(appearance.signature_image, stamps.image, stamps.signer)
        where = (FIELD_NAMES["signer"], stamps.page, stamps.signer)
        pdf = sign_with(pdf, pdf_signer_for(signer, *where, style, appearance.location))
    if agency is not None:
        style_ = seal_style(appearance.seal_image)
        where = (FIELD_NAMES["agency"], stamps.page, stamps.seal)
        pdf = sign_with(pdf, pdf_signer_for(agency, *where, style_, appearance.location))
    return pdf


def signed_fields(pdf: bytes) -> set[str]:
    """The names of the signature fields of ``pdf`` that hold a signature."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    return {str(s.field_name) for s in reader.embedded_signatures}


def annex_box(pdf: bytes, width_mm: float = 80, height_mm: float = 14) -> Box:
    """The top right corner of the first page, in its top margin: 5 mm from the top, inside the right margin."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        first = document.pages[0]
        page_width, page_height = float(first.width), float(first.height)
    x1, y1 = page_width - 15 * MM, page_height - 5 * MM
    return Box(x1 - width_mm * MM, y1 - height_mm * MM, x1, y1)


def sign_annex(
    pdf: bytes, agency: signers.Signer, number: str, agency_name: str, location: str = ""
) -> bytes:
    """An annex issued as a file of its own, signed by the agency without image: number and time at the
    top right of the first page."""
    style = annex_style(number, agency_name)
    return sign_with(pdf, pdf_signer_for(agency, ANNEX_FIELD, 0, annex_box(pdf), style, location))
