"""Pages made to look scanned or photographed, with their known text: for bench/ocr.py and the
OCR test fixtures (tests/fixtures/formats/generator/make_scans.py).

``render_page`` typesets paragraphs on a white page at a resolution (Noto Serif CJK, Debian's
fonts-noto-cjk, which `make browser` installs), optionally with a red masthead and rule, a
red seal over the signature, a running header and a page number, in one or two columns;
``scanned`` adds a scanner's skew, noise and JPEG compression; ``photographed`` a phone's
perspective, uneven light and blur. Everything is seeded: the same call gives the same pixels.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

SERIF = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
SERIF_BOLD = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc"
RED = (200, 20, 30)
A4 = (8.27, 11.69)  # inches
A5 = (5.83, 8.27)


@dataclass(frozen=True)
class Page:
    """A rendered page and the text a perfect reader would get from its body, paragraph by paragraph."""

    image: Image.Image
    paragraphs: tuple[str, ...]


def _font(size_pt: float, dpi: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(SERIF_BOLD if bold else SERIF, round(size_pt * dpi / 72))


def render_page(
    paragraphs: list[str],
    dpi: int = 300,
    size: tuple[float, float] = A4,
    points: float = 14,
    title: str | None = None,
    masthead: str | None = None,
    seal: str | None = None,
    header: str | None = None,
    page_number: int | None = None,
    columns: int = 1,
    column_per_paragraph: bool = False,
) -> Page:
    """The paragraphs typeset (first lines indented two characters) on a page of ``size`` inches."""
    width, height = round(size[0] * dpi), round(size[1] * dpi)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    margin = round(0.9 * dpi)
    font = _font(points, dpi)
    em = font.size
    y = round(0.7 * dpi)
    if header:
        small = _font(points * 0.7, dpi)
        draw.text((margin, y), header, font=small, fill="black")
        y += round(small.size * 2)
    if masthead:
        big = _font(points * 2, dpi, bold=True)
        text_width = draw.textlength(masthead, font=big)
        draw.text(((width - text_width) / 2, y), masthead, font=big, fill=RED)
        y += round(big.size * 1.6)
        draw.rectangle((margin, y, width - margin, y + max(2, dpi // 60)), fill=RED)
        y += round(em * 1.5)
    if title:
        bold = _font(points * 1.3, dpi, bold=True)
        text_width = draw.textlength(title, font=bold)
        draw.text(((width - text_width) / 2, y), title, font=bold, fill="black")
        y += round(bold.size * 2)
    gutter = em * 2
    column_width = (width - 2 * margin - (columns - 1) * gutter) / columns
    per_line = int(column_width // em)
    line_height = round(em * 1.6)
    top, column, kept = y, 0, []
    for paragraph in paragraphs:
        text = "\u3000\u3000" + paragraph
        lines = [text[i : i + per_line] for i in range(0, len(text), per_line)]
        if (kept and column_per_paragraph) or y + line_height * len(lines) > height - margin:
            if column + 1 >= columns:
                break  # the page is full: the rest is not on it
            column, y = column + 1, top
        x = margin + column * (column_width + gutter)
        for line in lines:
            draw.text((x, y), line, font=font, fill="black")
            y += line_height
        kept.append(paragraph)
    if seal:  # stamped ink darkens what is under it: the text stays legible through the seal
        stamp = Image.new("RGB", image.size, "white")
        _seal(
            ImageDraw.Draw(stamp),
            (width - margin - 2.2 * em * 3, y - line_height * 2),
            round(0.8 * dpi),
            seal,
            dpi,
        )
        image = ImageChops.multiply(image, stamp)
        draw = ImageDraw.Draw(image)
    if page_number is not None:
        small = _font(points * 0.8, dpi)
        label = f"- {page_number} -"
        draw.text(
            ((width - draw.textlength(label, font=small)) / 2, height - 0.6 * dpi),
            label,
            font=small,
            fill="black",
        )
    return Page(image, tuple(kept))


def _seal(draw: ImageDraw.ImageDraw, at: tuple[float, float], radius: int, name: str, dpi: int) -> None:
    """A round red seal: a ring, its name around the top, a star in the middle (over the text)."""
    x, y = at[0] + radius, at[1] + radius
    ring = max(3, dpi // 40)
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), outline=RED, width=ring)
    font = _font(radius * 72 / dpi / 3.2, dpi, bold=True)
    for i, char in enumerate(name):
        angle = math.radians(210 + i * (120 / max(1, len(name) - 1)))
        cx, cy = x + math.cos(angle) * radius * 0.72, y + math.sin(angle) * radius * 0.72
        draw.text((cx, cy), char, font=font, fill=RED, anchor="mm")
    star = [
        (x + math.cos(math.radians(-90 + k * 36)) * radius * (0.3 if k % 2 == 0 else 0.12),
         y + math.sin(math.radians(-90 + k * 36)) * radius * (0.3 if k % 2 == 0 else 0.12))
        for k in range(10)
    ]  # fmt: skip
    draw.polygon(star, fill=RED)


def scanned(
    image: Image.Image,
    skew: float = 0.0,
    noise: float = 0.0,
    quality: int = 85,
    seed: int = 0,
    gray: bool = False,
) -> Image.Image:
    """``image`` as a flatbed scanner returns it: turned by ``skew`` degrees, grain of ``noise``
    (standard deviation, 0–255), JPEG-compressed at ``quality``."""
    rng = np.random.default_rng(seed)
    out = image.rotate(skew, resample=Image.Resampling.BICUBIC, expand=False, fillcolor="white")
    if gray:
        out = out.convert("L")
    if noise:
        pixels = np.asarray(out).astype(np.float32)
        pixels += rng.normal(0, noise, pixels.shape)
        out = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    return _jpeg(out, quality)


def photographed(image: Image.Image, seed: int = 0) -> Image.Image:
    """``image`` as a phone photographs a page on a desk: seen at a slant (perspective), darker
    towards one corner, slightly blurred, on a grey background, JPEG-compressed."""
    import cv2

    rng = random.Random(seed)
    width, height = image.size
    pad = width // 10
    canvas = Image.new("RGB", (width + 2 * pad, height + 2 * pad), (110, 105, 100))
    canvas.paste(image, (pad, pad))
    w, h = canvas.size
    corners = np.float32([[pad, pad], [w - pad, pad], [w - pad, h - pad], [pad, h - pad]])
    jitter = [(rng.uniform(-0.05, 0.05) * width, rng.uniform(-0.04, 0.04) * height) for _ in range(4)]
    target = np.float32([[x + dx, y + dy] for (x, y), (dx, dy) in zip(corners, jitter, strict=True)])
    target[0] += (width * 0.04, 0)
    target[1] -= (width * 0.04, 0)  # the far edge looks narrower
    matrix = cv2.getPerspectiveTransform(corners, target)
    warped = cv2.warpPerspective(np.asarray(canvas), matrix, (w, h), borderValue=(110, 105, 100))
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    light = 1.0 - 0.35 * (xs / w) * (ys / h) + 0.05 * np.sin(xs / w * 3)
    lit = np.clip(warped.astype(np.float32) * light[..., None] * 0.95 + 8, 0, 255).astype(np.uint8)
    photo = Image.fromarray(lit).filter(ImageFilter.GaussianBlur(radius=max(0.6, width / 2500)))
    return _jpeg(photo, 80)


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    return Image.open(buffer).convert(image.mode)


def jpeg_bytes(image: Image.Image, quality: int = 70) -> bytes:
    """The image as JPEG bytes (what a scanner or phone writes)."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, dpi=(150, 150))
    return buffer.getvalue()


def image_pdf(images: list[Image.Image], dpi: int, quality: int = 60) -> bytes:
    """A PDF of page images (JPEG) and no text layer, as a scanner writes it (reportlab, no dates)."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=1)
    for image in images:
        size = (image.width * 72 / dpi, image.height * 72 / dpi)
        pdf.setPageSize(size)
        pdf.drawImage(ImageReader(io.BytesIO(jpeg_bytes(image, quality))), 0, 0, *size)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()
