"""Scanned and photographed pages as image files, read by OCR (``qa.ingest.ocr``).

A ``.jpg/.jpeg/.png/.tif/.tiff/.bmp`` is one page (a TIFF: each frame a page), turned upright
by its EXIF orientation (a phone photo), recognised, laid out in reading order
(``qa.ingest.scan``) and made into paragraphs by the rules of a PDF's text layer.
"""

from __future__ import annotations

import io

from qa.errors import DocumentError
from qa.ingest.blocks import Extracted, Removal
from qa.ingest.ocr import recognise_pages
from qa.ingest.pdf import paged_paragraphs
from qa.ingest.scan import layout_lines, ocr_reading

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp")
MAX_FRAMES = 200  # pages of one TIFF
MAX_PIXELS = 80_000_000  # a 300 dpi A0 scan; a bigger image is refused, not read for minutes


def read_image(data: bytes, source: str) -> Extracted:
    """The text of a scanned or photographed page (a TIFF's frames are its pages)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        frames = min(getattr(image, "n_frames", 1), MAX_FRAMES)
        if image.width * image.height > MAX_PIXELS:
            raise DocumentError(
                f"{source}: the image is {image.width}×{image.height} pixels, over {MAX_PIXELS:,}; "
                "scan it at 300 dpi or less."
            )

        def render(page: int) -> Image.Image:
            image.seek(page - 1)
            return ImageOps.exif_transpose(image.convert("RGB"))

        pages = recognise_pages(data, range(1, frames + 1), render, source)
    except (UnidentifiedImageError, OSError, EOFError, SyntaxError) as exc:
        raise DocumentError(f"{source}: is not a readable image ({type(exc).__name__}: {exc}).") from exc
    removed: list[Removal] = []
    blocks = paged_paragraphs([layout_lines(pages[n]) for n in sorted(pages)], removed)
    if not any(char.isalnum() for block in blocks for char in block.text):
        raise DocumentError(
            f"{source}: no text was recognised in the image (a photo without writing, or too blurred); "
            "scan the page at 300 dpi or add its text as .txt."
        )
    return Extracted.of_blocks(blocks, removed=tuple(removed), reading=ocr_reading("", pages))
