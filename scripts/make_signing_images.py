"""Write the sample province's signature and seal images (configuration files of the province, committed):
``chu-ky.png``, the leader's handwritten signature (blue, transparent), and ``con-dau.png``, the agency's
round seal (red, transparent), both marked as specimens ("MẪU") so that nobody takes them for real ones.

Drawn at 4x and scaled down, for smooth edges; the same every time (no randomness).

    .venv/bin/python scripts/make_signing_images.py [--inputs inputs/lao-cai]
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
DPI = 300
SUPERSAMPLE = 4
BLUE = (20, 40, 170, 255)  # ballpoint blue
RED = (214, 28, 36, 255)  # seal ink
BOLD = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf"
SANS_BOLD = "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf"


def px(mm: float) -> int:
    """Pixels at DPI, supersampled, for a length in millimetres."""
    return round(mm / 25.4 * DPI * SUPERSAMPLE)


def signature_image(width_mm: float = 48, height_mm: float = 20) -> Image.Image:
    """A cursive-looking scrawl: a looped stroke, a falling tail and an underline swash."""
    w, h = px(width_mm), px(height_mm)
    image = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    stroke = max(1, px(0.55))
    points: list[tuple[float, float]] = []
    steps = 900
    for i in range(steps + 1):
        t = i / steps
        # A trochoid: loops along a rising line, the first one tall, the later ones smaller; slanted.
        angle = t * 2 * math.pi * 3.6
        loop = (0.40 - 0.26 * t) * h * math.sin(angle)
        x = 0.10 * w + t * 0.66 * w + 0.05 * w * math.cos(angle) + 0.35 * loop
        y = 0.60 * h - t * 0.14 * h - loop
        points.append((x, y))
    for i in range(200 + 1):  # the tail: down and out to the right
        t = i / 200
        points.append((0.78 * w + t * 0.16 * w, 0.42 * h + 0.30 * h * math.sin(t * math.pi * 0.9)))
    draw.line(points, fill=BLUE, width=stroke, joint="curve")
    swash = [
        (0.12 * w + t / 100 * 0.80 * w, 0.86 * h - 0.10 * h * math.sin(t / 100 * math.pi)) for t in range(101)
    ]
    draw.line(swash, fill=BLUE, width=stroke, joint="curve")
    return image.resize((w // SUPERSAMPLE, h // SUPERSAMPLE), Image.Resampling.LANCZOS)


def _text_on_arc(
    image: Image.Image, text: str, font: ImageFont.FreeTypeFont, radius: float, span_deg: float
) -> None:
    """Letters around the top of a circle centred in ``image``, upright towards the centre."""
    cx, cy = image.width / 2, image.height / 2
    widths = [font.getlength(c) for c in text]
    total = sum(widths)
    angle = -90 - span_deg / 2  # degrees, 0 = east, clockwise on screen
    for char, width in zip(text, widths, strict=True):
        step = span_deg * width / total
        middle = math.radians(angle + step / 2)
        size = int(font.size * 1.6)
        tile = Image.new("RGBA", (size, size), (0, 0, 0, 0))
        ImageDraw.Draw(tile).text((size / 2, size / 2), char, font=font, fill=RED, anchor="mm")
        tile = tile.rotate(-(math.degrees(middle) + 90), resample=Image.Resampling.BICUBIC)
        x = cx + radius * math.cos(middle) - size / 2
        y = cy + radius * math.sin(middle) - size / 2
        image.alpha_composite(tile, (round(x), round(y)))
        angle += step


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float) -> None:
    """A five-pointed star."""
    points = []
    for k in range(10):
        radius = r if k % 2 == 0 else r * 0.4
        a = math.radians(-90 + k * 36)
        points.append((cx + radius * math.cos(a), cy + radius * math.sin(a)))
    draw.polygon(points, fill=RED)


def seal_image(rim: str, centre: tuple[str, ...], diameter_mm: float = 36) -> Image.Image:
    """A round seal: two rings, ``rim`` along the top, stars on the sides, ``centre`` lines in the middle."""
    d = px(diameter_mm)
    image = Image.new("RGBA", (d, d), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    outer = px(0.9)
    draw.ellipse((outer / 2, outer / 2, d - outer / 2, d - outer / 2), outline=RED, width=outer)
    inner_gap = px(5.6)
    draw.ellipse((inner_gap, inner_gap, d - inner_gap, d - inner_gap), outline=RED, width=px(0.4))
    rim_font = ImageFont.truetype(SANS_BOLD, px(2.7))
    _text_on_arc(image, rim, rim_font, radius=d / 2 - px(3.1), span_deg=240)
    for side in (-1, 1):  # stars where the rim text ends
        a = math.radians(90 + side * 55)
        r = d / 2 - px(3.1)
        _star(draw, d / 2 + r * math.cos(a), d / 2 + r * math.sin(a), px(1.3))
    centre_font = ImageFont.truetype(BOLD, px(2.4))
    line_height = px(3.2)
    top = d / 2 - line_height * (len(centre) - 1) / 2
    for i, line in enumerate(centre):
        draw.text((d / 2, top + i * line_height), line, font=centre_font, fill=RED, anchor="mm")
    _star(draw, d / 2, d / 2 + px(7.5), px(1.1))
    return image.resize((d // SUPERSAMPLE, d // SUPERSAMPLE), Image.Resampling.LANCZOS)


def in_ink(image: Image.Image, ink: tuple[int, int, int, int]) -> Image.Image:
    """``image``'s coverage (alpha) in one solid ink: the colour channels are then constant and the PNG,
    and the PDF image made of it, compress to almost nothing; edges stay smooth through the alpha."""
    solid = Image.new("RGBA", image.size, ink)
    solid.putalpha(image.getchannel("A"))
    return solid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=Path, default=ROOT / "inputs" / "lao-cai")
    args = parser.parse_args()
    in_ink(signature_image(), BLUE).save(args.inputs / "chu-ky.png", dpi=(DPI, DPI), optimize=True)
    seal = seal_image("ỦY BAN NHÂN DÂN TỈNH LÀO CAI", ("SỞ THÔNG TIN", "VÀ TRUYỀN THÔNG", "MẪU"))
    in_ink(seal, RED).save(args.inputs / "con-dau.png", dpi=(DPI, DPI), optimize=True)
    for name in ("chu-ky.png", "con-dau.png"):
        print(args.inputs / name)


if __name__ == "__main__":
    main()
