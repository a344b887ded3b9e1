"""Images for the sandbox: sample photos for tests, and the sizes Telegram derives from a photo."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, UnidentifiedImageError

# Telegram keeps a photo in a few sizes; the bot picks one (usually the largest) to download.
THUMBNAIL_SIDES = (90, 320, 800)


@dataclass(frozen=True, slots=True)
class ImageSize:
    """One stored rendition of a photo."""

    width: int
    height: int
    data: bytes


@lru_cache(maxsize=64)
def sample_jpeg(
    width: int = 640, height: int = 480, color: tuple[int, int, int] = (200, 80, 40), label: str = ""
) -> bytes:
    """A small JPEG, the same bytes for the same arguments (cached: tests make many)."""
    return _sample(width, height, color, label, "JPEG")


@lru_cache(maxsize=64)
def sample_png(
    width: int = 64, height: int = 64, color: tuple[int, int, int] = (40, 120, 200), label: str = ""
) -> bytes:
    """A small PNG, the same bytes for the same arguments."""
    return _sample(width, height, color, label, "PNG")


def _sample(width: int, height: int, color: tuple[int, int, int], label: str, fmt: str) -> bytes:
    image = Image.new("RGB", (width, height), color)
    if label:
        # A label makes photos distinguishable, so file_unique_id differs between samples.
        ImageDraw.Draw(image).text((4, 4), label, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, quality=80) if fmt == "JPEG" else image.save(buffer, format=fmt)
    return buffer.getvalue()


def image_dimensions(data: bytes) -> tuple[int, int] | None:
    """Width and height read from the image header, or None when the bytes are not an image."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except (UnidentifiedImageError, OSError, ValueError):
        return None


def photo_sizes(data: bytes) -> list[ImageSize] | None:
    """Renditions from smallest to largest, the last being the original; None if not an image."""
    dimensions = image_dimensions(data)
    if dimensions is None:
        return None
    sizes = [_thumbnail(data, side) for side in THUMBNAIL_SIDES if max(dimensions) > side]
    sizes.append(ImageSize(dimensions[0], dimensions[1], data))
    return sizes


def _thumbnail(data: bytes, side: int) -> ImageSize:
    with Image.open(io.BytesIO(data)) as image:
        # For a JPEG the decoder can downscale while reading: far cheaper than a full decode.
        image.draft("RGB", (side, side))
        image.thumbnail((side, side))
        small = image if image.mode in ("RGB", "L") else image.convert("RGB")
        buffer = io.BytesIO()
        small.save(buffer, format="JPEG", quality=70)
        return ImageSize(small.width, small.height, buffer.getvalue())
