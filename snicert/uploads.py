"""What an uploaded file must be before it is stored: its type is taken from its content,
never its name; images are decoded under a pixel and memory budget and re-encoded (their
metadata dropped, the orientation applied); PDFs are parsed (pypdf) and refused when they
carry scripts, launch actions or attached files; the name kept for people is cleaned.

Every refusal is an InvalidInput naming the document kind as the field, with a message key
(the catalogs, snicert/locale) for the Indonesian text.
"""

from __future__ import annotations

import io
import re
import threading
import unicodedata
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from PIL import Image, ImageOps
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from snicert.errors import InvalidInput

MAGIC = {  # file type by content, never by name
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
}
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "webp": "image/webp",
}
FORMATS = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}

MAX_PIXELS = 40_000_000  # a 40-megapixel photo; anything larger is refused before decoding
STORED_MAX_SIDE = 4096  # stored images are shrunk to this: ~350 dpi on A4, enough to review
# Decoded pixels held at once by this process (Pillow keeps 4 bytes a pixel for RGB/RGBA):
# two of the largest images, as many as there are cores here; a third waits its turn.
DECODE_BUDGET = 2 * 4 * MAX_PIXELS


@dataclass(frozen=True)
class Accepted:
    file_type: str
    media_type: str
    data: bytes
    filename: str


def sniff(data: bytes) -> str | None:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    for kind, prefixes in MAGIC.items():
        if data.startswith(prefixes):
            return kind
    return None


def accept(kind: str, filename: str, data: bytes, allowed: list[str], limit_mb: float) -> Accepted:
    """Check one uploaded file for a document `kind`; what may be stored, or InvalidInput."""
    if not data:
        raise InvalidInput(kind, filename, "up_empty")
    if len(data) > limit_mb * 1024 * 1024:
        raise InvalidInput(kind, filename, "up_too_large", limit=f"{limit_mb:g}")
    file_type = sniff(data)
    if file_type not in allowed:
        raise InvalidInput(kind, filename, "up_type")
    if file_type == "pdf":
        check_pdf(kind, filename, data)
    else:
        data = reencode(kind, filename, data, file_type)
    return Accepted(file_type, MEDIA_TYPES[file_type], data, clean_name(filename, file_type))


# ---------------------------------------------------------------- names


def clean_name(filename: str, file_type: str, fallback: str = "dokumen") -> str:
    """The name shown to people: Unicode NFC, no path, no control, format or bidi
    characters (a right-to-left override shows invoice<U+202E>fdp.exe as invoiceexe.pdf),
    and the extension of the type found in the content."""
    name = unicodedata.normalize("NFC", filename).replace("\\", "/").rsplit("/", 1)[-1]
    # Any white space (tabs, line breaks) becomes a space; then Cc controls, Cf format
    # characters (bidi overrides and isolates, zero-width), surrogates and private use go.
    name = "".join(
        " " if c.isspace() else c
        for c in name
        if c.isspace() or unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co")
    )
    name = " ".join(name.split()).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if dot and stem and len(ext) <= 5 and ext.isalnum():
        name = stem.rstrip(" .")
    ext = f".{file_type}"
    return (name or fallback)[: 255 - len(ext)] + ext


# ---------------------------------------------------------------- images


class _Budget:
    """Bytes of decoded pixels this process may hold at once; a decode that does not fit
    waits until earlier ones are done."""

    def __init__(self, limit: int):
        self.limit, self.used = limit, 0
        self._cond = threading.Condition()

    @contextmanager
    def hold(self, amount: int) -> Iterator[None]:
        amount = min(amount, self.limit)
        with self._cond:
            self._cond.wait_for(lambda: self.used + amount <= self.limit)
            self.used += amount
        try:
            yield
        finally:
            with self._cond:
                self.used -= amount
                self._cond.notify_all()


decoding = _Budget(DECODE_BUDGET)


def reencode(kind: str, filename: str, data: bytes, file_type: str) -> bytes:
    """Decode the image within the pixel budget, shrink it to STORED_MAX_SIDE, and write it
    anew without the original's metadata (EXIF, GPS, text chunks, ICC)."""
    too_large = InvalidInput(kind, filename, "up_image_too_large")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=[FORMATS[file_type]])
            # The header alone tells the size: nothing is decoded before this check.
            if img.width * img.height > MAX_PIXELS:
                raise too_large
            if img.format == "JPEG":  # DCT scaling: decode at 1/2..1/8 size when that fits
                img.draft(img.mode, (STORED_MAX_SIDE, STORED_MAX_SIDE))
            with decoding.hold(img.width * img.height * 4):
                img.load()
                img.thumbnail((STORED_MAX_SIDE, STORED_MAX_SIDE))
    except InvalidInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_large from None
    except Exception:
        raise InvalidInput(kind, filename, "up_image_unreadable") from None
    img = ImageOps.exif_transpose(img)
    fmt = FORMATS[file_type]
    if fmt == "JPEG" and img.mode not in ("RGB", "L"):
        img = img.convert("RGB")
    out = io.BytesIO()
    # saved without exif/icc/text chunks: nothing of the original file's metadata survives
    img.save(out, fmt, **({"quality": 90} if fmt in ("JPEG", "WEBP") else {}))
    return out.getvalue()


# ---------------------------------------------------------------- PDFs

# Keys and action types that make a PDF do more than show pages: scripts (also inside
# XFA forms), starting programs, and files carried inside the PDF.
_SCRIPT_KEYS = {"/JS", "/JavaScript", "/XFA"}
_ATTACHMENT_KEYS = {"/EmbeddedFiles", "/EmbeddedFile", "/EF"}
_ACTIONS = {
    "/JavaScript": "script",
    "/Launch": "launch",
    "/GoToE": "attachment",
    "/ImportData": "launch",
    "/RichMediaExecute": "script",
}
_TYPES = {"/EmbeddedFile": "attachment", "/FileAttachment": "attachment", "/RichMedia": "script"}
# A browser that guesses an HTML page from its first bytes must not find one there.
_HTML = re.compile(rb"<\s*(html|head|body|script|iframe|svg|!doctype)\b", re.IGNORECASE)
MAX_PDF_OBJECTS = 500_000  # more objects than any dossier document needs


def check_pdf(kind: str, filename: str, data: bytes) -> None:
    """Parse the PDF and walk every object reachable from its trailer."""
    if _HTML.search(data[:1024]):
        raise InvalidInput(kind, filename, "up_pdf_unreadable")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise InvalidInput(kind, filename, "up_pdf_encrypted")
        if len(reader.pages) < 1:
            raise PyPdfError("no pages")
        found = _risk(reader)
    except InvalidInput:
        raise
    except Exception:  # pypdf raises many kinds on a broken file: all mean the same here
        raise InvalidInput(kind, filename, "up_pdf_unreadable") from None
    if found == "script":
        raise InvalidInput(kind, filename, "up_pdf_script")
    if found == "launch":
        raise InvalidInput(kind, filename, "up_pdf_launch")
    if found == "attachment":
        raise InvalidInput(kind, filename, "up_pdf_attachment")


def _risk(reader: PdfReader) -> str | None:
    """The first risky thing found: "script", "launch" or "attachment"."""
    seen: set[tuple[int, int]] = set()
    stack: list[object] = [reader.trailer]
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            ref = (obj.idnum, obj.generation)
            if ref in seen:
                continue
            seen.add(ref)
            if len(seen) > MAX_PDF_OBJECTS:
                raise PyPdfError("too many objects")
            stack.append(obj.get_object())
        elif isinstance(obj, DictionaryObject):  # streams too: their dictionary
            for key, value in obj.items():
                if key in _SCRIPT_KEYS:
                    return "script"
                if key in _ATTACHMENT_KEYS:
                    return "attachment"
                if isinstance(value, NameObject):
                    if key == "/S" and value in _ACTIONS:
                        return _ACTIONS[value]
                    if key in ("/Type", "/Subtype") and value in _TYPES:
                        return _TYPES[value]
                stack.append(value)
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return None
