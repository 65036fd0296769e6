"""Uploaded images are re-encoded with Pillow: metadata (EXIF, GPS...) is dropped, the
orientation is applied, and decompression bombs or unreadable images are refused."""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps

from snicert.errors import InvalidInput

MAX_PIXELS = 40_000_000  # a 40-megapixel photo; anything larger is refused before decoding
FORMATS = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}


def reencode(data: bytes, file_type: str, filename: str) -> bytes:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            if img.width * img.height > MAX_PIXELS:
                raise Image.DecompressionBombError("too many pixels")
            img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidInput(
            "file",
            filename,
            f"image larger than {MAX_PIXELS // 10**6} "
            "megapixels (refused as a possible decompression bomb)",
        ) from None
    except Exception:
        raise InvalidInput("file", filename, "not a readable image") from None
    img = ImageOps.exif_transpose(img)
    fmt = FORMATS[file_type]
    if fmt == "JPEG" and img.mode not in ("RGB", "L"):
        img = img.convert("RGB")
    out = io.BytesIO()
    # saved without exif/icc/text chunks: nothing of the original file's metadata survives
    img.save(out, fmt, **({"quality": 90} if fmt in ("JPEG", "WEBP") else {}))
    return out.getvalue()
