"""One page layout, drawn twice: on a Pillow image (PNG) and on an fpdf2 page (vector PDF).

Coordinates are millimetres from the top-left corner; text is placed by its baseline.
The content (bilingual rows) comes from certificates/wording.yaml via `model()`, which the
HTML templates use too.

Fonts: the PNG uses DejaVu Sans (system font, full Unicode); the PDF uses the standard
Helvetica with Windows-1252 encoding (no font embedding: embedding a TrueType font with
fpdf2 costs over 100 ms per file). A character outside Windows-1252 is transliterated in
the PDF's visible text only; the signed credential inside the PDF keeps the exact data.
"""

from __future__ import annotations

import io
import os
import struct
import unicodedata
import zlib
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import yaml
from PIL import Image, ImageDraw, ImageFont, ImageOps

from snicert import settings

REPO_ROOT = Path(__file__).resolve().parents[2]
FONT_DIR = Path(os.environ.get("SNICERT_FONT_DIR", "/usr/share/fonts/truetype/dejavu"))
FONT_FILES = {
    "": "DejaVuSans.ttf",
    "B": "DejaVuSans-Bold.ttf",
    "I": "DejaVuSans-Oblique.ttf",
    "BI": "DejaVuSans-BoldOblique.ttf",
}

NAVY = (31, 58, 104)
GOLD = (176, 141, 60)
INK = (25, 25, 30)
GREY = (95, 100, 110)
WHITE = (255, 255, 255)
PALE = (246, 243, 235)

A4 = (210.0, 297.0)
LABEL = (70.0, 40.0)
PT = 25.4 / 72  # millimetres per point


def templates_dir() -> Path:
    """The certificates/ folder (templates, wording); SNICERT_CERT_TEMPLATES overrides."""
    return Path(os.environ.get("SNICERT_CERT_TEMPLATES", REPO_ROOT / "certificates"))


@cache
def _wording(folder: str) -> dict[str, Any]:
    with open(Path(folder) / "wording.yaml", encoding="utf-8") as fh:
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def wording() -> dict[str, Any]:
    return _wording(str(templates_dir()))


@cache
def _mark(folder: str) -> Image.Image | None:
    """certificates/sni-mark.png, when the certification body has put the official mark
    artwork there; otherwise the mark area is drawn as a labelled placeholder."""
    path = Path(folder) / "sni-mark.png"
    if not path.exists():
        return None
    with Image.open(path) as im:
        return _flatten(im)


def mark_image() -> Image.Image | None:
    return _mark(str(templates_dir()))


# --- content -------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    text: str
    lang: str = "id"  # "en" lines are shown second, in italic grey
    bold: bool = False


@dataclass(frozen=True)
class Row:
    key: str
    label_id: str
    label_en: str
    lines: tuple[Line, ...]


def _date(text: str | None, lang: str) -> str:
    if not text:
        return ""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is not None:
        moment = moment.astimezone(settings.current().zone)
    return f"{moment.day} {wording()['months'][lang][moment.month - 1]} {moment.year}"


def model(data: dict[str, Any], kid: str, verify_url: str, issuer: str) -> dict[str, Any]:
    """Everything the three forms show, in display order, Indonesian before English."""
    w = wording()
    r = w["rows"]
    holder, product = data["holder"], data["product"]

    def row(key: str, *lines: Line) -> Row:
        return Row(key, r[key]["id"], r[key]["en"], tuple(x for x in lines if x.text))

    address = ", ".join(
        x for x in (holder.get("address"), holder.get("city"), holder.get("province")) if x
    )
    product_lines = [Line(product["name"]["id"], bold=True), Line(product["name"]["en"], "en")]
    if product.get("variants"):
        product_lines.append(
            Line(f"{w['variants']['id']} / {w['variants']['en']}: {product['variants']}")
        )
    scheme = str(data.get("scheme"))
    scheme_text = w["scheme"].get(scheme) or {
        k: v.format(scheme=scheme) for k, v in w["scheme"]["other"].items()
    }
    scope = data.get("scope")
    if isinstance(scope, dict):
        scope_lines = [Line(scope.get("id", "")), Line(scope.get("en", ""), "en")]
    else:
        scope_lines = [
            Line(w["lot"]["id"].format(lot=scope or "-")),
            Line(w["lot"]["en"].format(lot=scope or "-"), "en"),
        ]
    issued_id, issued_en = _date(data["issued_at"], "id"), _date(data["issued_at"], "en")
    if data.get("valid_until"):
        until = [Line(_date(data["valid_until"], "id"), bold=True)]
        if _date(data["valid_until"], "en") != until[0].text:
            until.append(Line(_date(data["valid_until"], "en"), "en"))
    else:
        until = [Line(w["lot_only"]["id"], bold=True), Line(w["lot_only"]["en"], "en")]
    checklist = data.get("checklist") or {}
    fill = {
        "application": data.get("application") or "-",
        "checklist": checklist.get("product", "-"),
        "version": checklist.get("version", "-"),
    }
    rows = [
        row(
            "holder",
            Line(holder["name"], bold=True),
            Line(f"{w['nib']['id']} {holder['nib']}" if holder.get("nib") else ""),
            Line(address),
        ),
        row("production_site", Line(data.get("production_site") or "")),
        row("brand", Line(data.get("brand") or "", bold=True)),
        row("product", *product_lines),
        row(
            "standards",
            *(Line(f"{s['number']} \u2014 {s['title']}") for s in data.get("standards") or []),
        ),
        row("scheme", Line(scheme_text["id"]), Line(scheme_text["en"], "en")),
        row("scope", *scope_lines),
        row("issued", Line(issued_id), Line(issued_en if issued_en != issued_id else "", "en")),
        row("valid_until", *until),
        row(
            "basis",
            Line(w["basis"]["id"].format(**fill)),
            Line(w["basis"]["en"].format(**fill), "en"),
        ),
    ]
    body = data.get("certification_body") or {}
    signatory = body.get("signatory") or {}
    accreditation = (
        (f"{w['accreditation']['id']} / {w['accreditation']['en']} {body['accreditation']}")
        if body.get("accreditation")
        else ""
    )
    return {
        "w": w,
        "body": {"address": body.get("address") or "", "accreditation": accreditation},
        "signatory": {
            "name": signatory.get("name") or "",
            "title": signatory.get("title") or "",
            "place_date": w["signatory"]["id"].format(date=issued_id),
        },
        "number": data["number"],
        "rows": rows,
        "kid": kid,
        "verify_url": verify_url,
        "issuer": issuer,
        "issued": issued_id,
        "standards": [s["number"] for s in data.get("standards") or []],
        "holder": holder["name"],
        "nib": holder.get("nib"),
        "brand": data.get("brand") or "",
        "product": product["name"],
        "signed": {k: v.format(issuer=issuer, kid=kid) for k, v in w["signed"].items()},
    }


# --- photo -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Photo:
    image: Image.Image  # RGB, sized for the PDF box at 300 dpi
    jpeg: bytes  # the same image as JPEG (PDF embeds it as is, HTML as a data: URI)


def _flatten(im: Image.Image) -> Image.Image:
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        bg = Image.new("RGB", rgba.size, WHITE)
        bg.paste(rgba, mask=rgba.getchannel("A"))
        return bg
    return im.convert("RGB")


PHOTO_BOX = (56.0, 56.0)  # mm, on the A4 page


def prepare_photo(
    data: bytes | None, box_mm: tuple[float, float] = PHOTO_BOX, dpi: int = 300
) -> Photo | None:
    """Decode a JPEG/PNG photo, turn it upright (EXIF), and shrink it to fit the box."""
    if not data:
        return None
    target = (round(box_mm[0] / 25.4 * dpi), round(box_mm[1] / 25.4 * dpi))
    try:
        im = Image.open(io.BytesIO(data))
        if im.format == "JPEG":
            im.draft("RGB", target)  # DCT scaling: decode big phone photos at 1/2..1/8 size
        im = ImageOps.exif_transpose(im)
        im = _flatten(im)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ValueError(f"the product photo cannot be read: {exc}") from exc
    im.thumbnail(target, Image.Resampling.LANCZOS, reducing_gap=2.0)
    out = io.BytesIO()
    im.save(out, "JPEG", quality=88)
    return Photo(im, out.getvalue())


def fit(size: tuple[int, int], box: tuple[float, float]) -> tuple[float, float]:
    scale = min(box[0] / size[0], box[1] / size[1])
    return size[0] * scale, size[1] * scale


# --- canvases --------------------------------------------------------------------------


class Canvas(Protocol):
    def width(self, s: str, size: float, style: str = "") -> float: ...
    def text(
        self,
        x: float,
        y: float,
        s: str,
        size: float,
        style: str = "",
        color: tuple[int, int, int] = INK,
        align: str = "L",
    ) -> None: ...
    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        stroke: tuple[int, int, int] | None = None,
        fill: tuple[int, int, int] | None = None,
        lw: float = 0.3,
    ) -> None: ...
    def line(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        color: tuple[int, int, int],
        lw: float = 0.3,
    ) -> None: ...
    def image(self, photo: Photo | Image.Image, x: float, y: float, w: float, h: float) -> None: ...
    def qr(self, matrix: list[bytes], x: float, y: float, size: float) -> None: ...


@cache
def pil_font(style: str, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(
        str(FONT_DIR / FONT_FILES[style]), px, layout_engine=ImageFont.Layout.BASIC
    )


class PngCanvas:
    def __init__(self, size_mm: tuple[float, float], dpi: int):
        self.dpi, self.k = dpi, dpi / 25.4
        self.img = Image.new("RGB", (round(size_mm[0] * self.k), round(size_mm[1] * self.k)), WHITE)
        self.draw = ImageDraw.Draw(self.img)

    def _font(self, size: float, style: str) -> ImageFont.FreeTypeFont:
        return pil_font(style, max(6, round(size * self.dpi / 72)))

    def width(self, s: str, size: float, style: str = "") -> float:
        return self._font(size, style).getlength(s) / self.k

    def text(self, x, y, s, size, style="", color=INK, align="L") -> None:
        self.draw.text(
            (x * self.k, y * self.k),
            s,
            font=self._font(size, style),
            fill=color,
            anchor={"L": "ls", "C": "ms", "R": "rs"}[align],
        )

    def rect(self, x, y, w, h, stroke=None, fill=None, lw=0.3) -> None:
        k = self.k
        self.draw.rectangle(
            [round(x * k), round(y * k), round((x + w) * k), round((y + h) * k)],
            outline=stroke,
            fill=fill,
            width=max(1, round(lw * k)) if stroke else 0,
        )

    def line(self, x1, y1, x2, y2, color, lw=0.3) -> None:
        k = self.k
        self.draw.line(
            [(x1 * k, y1 * k), (x2 * k, y2 * k)], fill=color, width=max(1, round(lw * k))
        )

    def image(self, photo, x, y, w, h) -> None:
        im = photo.image if isinstance(photo, Photo) else photo
        size = (max(1, round(w * self.k)), max(1, round(h * self.k)))
        if im.size != size:
            im = im.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
        self.img.paste(im, (round(x * self.k), round(y * self.k)))

    def qr(self, matrix, x, y, size) -> None:
        """Whole pixels per module (sharp edges decode reliably), centred in the box."""
        n = len(matrix)
        module = max(1, int(size * self.k) // n)
        small = Image.frombytes("L", (n, n), b"".join(matrix))
        big = small.resize((n * module, n * module), Image.Resampling.NEAREST)
        off = (size * self.k - n * module) / 2
        self.img.paste(big, (round(x * self.k + off), round(y * self.k + off)))

    def png(self, text_chunks: bytes = b"") -> bytes:
        return encode_png(self.img, self.dpi, text_chunks)


def encode_png(img: Image.Image, dpi: int, text_chunks: bytes = b"") -> bytes:
    """An RGB image as PNG, with filter type None on every row and zlib level 1.

    Pillow's own PNG writer picks a filter per row (adaptive), which costs about twice
    as long for this kind of page (flat colours, text) and saves under 3 % in size. The
    rows come out of Pillow with one padding byte each; shifting the buffer by one byte
    turns that padding into the filter byte of the next row.
    """
    from snicert.certs.embed import PNG_SIGNATURE, png_chunk

    w, h = img.size
    raw = memoryview(img.tobytes("raw", ("RGB", 3 * w + 1)))  # each row + one zero byte
    deflate = zlib.compressobj(1)
    idat = deflate.compress(b"\0") + deflate.compress(raw[:-1]) + deflate.flush()
    ppm = round(dpi / 0.0254)
    return b"".join(
        [
            PNG_SIGNATURE,
            png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)),
            png_chunk(b"pHYs", struct.pack(">IIB", ppm, ppm, 1)),
            text_chunks,
            png_chunk(b"IDAT", idat),
            png_chunk(b"IEND", b""),
        ]
    )


@cache
def _cp1252_ok(ch: str) -> bool:
    try:
        ch.encode("cp1252")
        return True
    except UnicodeEncodeError:
        return False


def pdf_safe(s: str) -> str:
    """Visible PDF text in Windows-1252: accents kept, other letters transliterated."""
    if s.isascii() or all(_cp1252_ok(c) for c in s):
        return s
    out = []
    for ch in s:
        if _cp1252_ok(ch):
            out.append(ch)
            continue
        base = "".join(
            c
            for c in unicodedata.normalize("NFKD", ch)
            if not unicodedata.combining(c) and _cp1252_ok(c)
        )
        out.append(base or "?")
    return "".join(out)


class PdfCanvas:
    def __init__(self, size_mm: tuple[float, float]):
        from fpdf import FPDF

        self.pdf = pdf = FPDF(unit="mm", format=size_mm)
        pdf.core_fonts_encoding = "windows-1252"
        pdf.set_auto_page_break(False)
        pdf.set_margin(0)
        pdf.add_page()
        self._font: tuple[str, float] | None = None
        self._fill: tuple[int, int, int] | None = None

    def _set_font(self, size: float, style: str) -> None:
        if self._font != (style, size):
            self.pdf.set_font("helvetica", style, size)
            self._font = (style, size)

    def width(self, s: str, size: float, style: str = "") -> float:
        # The font's own metrics, without get_string_width's per-call text fragmenting:
        # a report measures ~1,600 strings while wrapping (measured 32 -> 12 ms per report).
        # Equal to it here: no character spacing or stretching is ever set.
        self._set_font(size, style)
        text = self.pdf.normalize_text(pdf_safe(s))  # to the font encoding, as fpdf does
        return self.pdf.current_font.get_text_width(text, size, None)[1] / self.pdf.k

    def text(self, x, y, s, size, style="", color=INK, align="L") -> None:
        s = pdf_safe(s)
        self._set_font(size, style)
        if align != "L":
            w = self.pdf.get_string_width(s)
            x -= w / 2 if align == "C" else w
        self.pdf.set_text_color(*color)
        self.pdf.text(x, y, s)

    def _fill_color(self, color: tuple[int, int, int]) -> None:
        if self._fill != color:
            self.pdf.set_fill_color(*color)
            self._fill = color

    def rect(self, x, y, w, h, stroke=None, fill=None, lw=0.3) -> None:
        if stroke:
            self.pdf.set_draw_color(*stroke)
            self.pdf.set_line_width(lw)
        if fill:
            self._fill_color(fill)
        self.pdf.rect(x, y, w, h, style=("D" if stroke else "") + ("F" if fill else ""))

    def line(self, x1, y1, x2, y2, color, lw=0.3) -> None:
        self.pdf.set_draw_color(*color)
        self.pdf.set_line_width(lw)
        self.pdf.line(x1, y1, x2, y2)

    def image(self, photo, x, y, w, h) -> None:
        if isinstance(photo, Photo):
            self.pdf.image(io.BytesIO(photo.jpeg), x, y, w, h)
        else:
            self.pdf.image(photo, x, y, w, h)

    def qr(self, matrix, x, y, size) -> None:
        """Dark modules as filled rectangles, one per horizontal run (vector, sharp)."""
        n = len(matrix)
        m = size / n
        self._fill_color((0, 0, 0))
        for row_i, row in enumerate(matrix):
            col = 0
            while col < n:
                if row[col] == 0:
                    start = col
                    while col < n and row[col] == 0:
                        col += 1
                    self.pdf.rect(x + start * m, y + row_i * m, (col - start) * m, m, style="F")
                else:
                    col += 1


def qr_matrix(url: str) -> list[bytes]:
    """Rows of the QR symbol with its 4-module quiet zone: 0 = dark, 255 = light."""
    import segno

    qr = segno.make(url, error="m", micro=False)
    return [bytes(0 if v else 255 for v in row) for row in qr.matrix_iter(scale=1, border=4)]


def wrap(c: Canvas, text: str, width: float, size: float, style: str = "") -> list[str]:
    """Greedy word wrap by the canvas's own font metrics (memoised per canvas: the rows are
    measured once to fit the page, then drawn)."""
    memo: dict[tuple[str, float, float, str], list[str]] = c.__dict__.setdefault("_wrap", {})
    key = (text, width, size, style)
    if key not in memo:
        memo[key] = _wrap(c, text, width, size, style)
    return memo[key]


def _wrap(c: Canvas, text: str, width: float, size: float, style: str) -> list[str]:
    if c.width(text, size, style) <= width:
        return [text]
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}" if current else word
        if current and c.width(trial, size, style) > width:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    return lines


# --- the certificate page --------------------------------------------------------------

BODY_X, BODY_W, BODY_TOP, BODY_BOTTOM = 18.0, 110.0, 78.0, 236.0
SIGN_TOP = 241.0  # the signatory's block, below the rows in the left column


def _rows(c: Canvas, rows: list[Row], scale: float, draw: bool) -> float:
    """Draw (or only measure) the bilingual rows; returns the y below the last one."""
    y = BODY_TOP
    label_size, value_size, en_size = 7.6 * scale, 10.0 * scale, 8.8 * scale
    for row in rows:
        y += label_size * PT * 1.1
        if draw:
            c.text(BODY_X, y, row.label_id, label_size, "B", NAVY)
            dx = c.width(row.label_id + "  /  ", label_size, "B")
            c.text(BODY_X + dx - c.width("/  ", label_size, "B"), y, "/", label_size, "B", GOLD)
            c.text(BODY_X + dx, y, row.label_en, label_size, "I", GREY)
        y += 1.0 * scale
        for line in row.lines:
            en = line.lang == "en"
            size = en_size if en else value_size
            style = "I" if en else ("B" if line.bold else "")
            for part in wrap(c, line.text, BODY_W, size, style):
                y += size * PT * 1.28
                if draw:
                    c.text(BODY_X, y, part, size, style, GREY if en else INK)
        y += 3.2 * scale
    return y


def draw_certificate(c: Canvas, m: dict[str, Any], photo: Photo | None, qr: list[bytes]) -> None:
    w = m["w"]
    W, H = A4
    c.rect(7, 7, W - 14, H - 14, stroke=NAVY, lw=1.2)
    c.rect(9.5, 9.5, W - 19, H - 19, stroke=GOLD, lw=0.4)
    _mark_area(c, 18, 16, 30, w, mark_image())
    cx = (52 + 192) / 2
    c.text(cx, 25, w["title"]["id"], 14.5, "B", NAVY, "C")
    c.text(cx, 31.5, f"({w['short_title']['id']})", 10.5, "B", NAVY, "C")
    c.text(cx, 37.5, w["title"]["en"], 9.5, "I", GREY, "C")
    c.text(cx, 43.5, m["issuer"], 8.5, "", INK, "C")
    about = " \u00b7 ".join(x for x in (m["body"]["address"], m["body"]["accreditation"]) if x)
    about_size = 6.6
    while about_size > 4.5 and c.width(about, about_size) > 140:
        about_size -= 0.2
    c.text(cx, 47.6, about, about_size, "", GREY, "C")
    c.line(18, 51, 192, 51, GOLD, 0.5)
    c.text(W / 2, 58.5, f"{w['number']['id']} / {w['number']['en']}", 8.5, "", GREY, "C")
    c.text(W / 2, 67, m["number"], 19, "B", NAVY, "C")
    c.line(18, 72, 192, 72, GOLD, 0.3)

    scale = 1.0
    while scale > 0.6 and _rows(c, m["rows"], scale, draw=False) > BODY_BOTTOM:
        scale -= 0.05
    _rows(c, m["rows"], scale, draw=True)
    _signatory(c, m)

    # right column: photo, then the QR code
    px, pw = 136.0, PHOTO_BOX[0]
    c.rect(px, BODY_TOP, pw, PHOTO_BOX[1], fill=PALE)
    if photo is not None:
        iw, ih = fit(photo.image.size, PHOTO_BOX)
        c.image(photo, px + (pw - iw) / 2, BODY_TOP + (PHOTO_BOX[1] - ih) / 2, iw, ih)
    else:
        c.text(px + pw / 2, BODY_TOP + 27, w["no_photo"]["id"], 8, "", GREY, "C")
        c.text(px + pw / 2, BODY_TOP + 31, w["no_photo"]["en"], 7.5, "I", GREY, "C")
    c.rect(px, BODY_TOP, pw, PHOTO_BOX[1], stroke=NAVY, lw=0.3)
    cap_y = BODY_TOP + PHOTO_BOX[1] + 4
    c.text(px + pw / 2, cap_y, w["photo"]["id"], 7.5, "", GREY, "C")
    c.text(px + pw / 2, cap_y + 3.3, w["photo"]["en"], 7, "I", GREY, "C")

    qr_size, qr_y = 42.0, 196.0
    c.qr(qr, px + (pw - qr_size) / 2, qr_y, qr_size)
    y = qr_y + qr_size + 1.5
    for part in wrap(c, w["qr"]["id"], pw, 7.2):
        y += 3.1
        c.text(px + pw / 2, y, part, 7.2, "", INK, "C")
    for part in wrap(c, w["qr"]["en"], pw, 6.8, "I"):
        y += 2.9
        c.text(px + pw / 2, y, part, 6.8, "I", GREY, "C")
    url = m["verify_url"]
    url_size = 6.2
    while url_size > 4 and c.width(url, url_size) > pw + 4:
        url_size -= 0.2
    c.text(px + pw / 2, y + 3.4, url, url_size, "", NAVY, "C")

    c.line(18, 266, 192, 266, GOLD, 0.5)
    y = 271.0
    for key, size, style, color in (("id", 7.2, "", INK), ("en", 6.8, "I", GREY)):
        for part in wrap(c, m["signed"][key], 174, size, style):
            c.text(W / 2, y, part, size, style, color, "C")
            y += 3.0
    for key, size, style, color in (("id", 7.0, "", INK), ("en", 6.6, "I", GREY)):
        for part in wrap(c, w["status_note"][key], 174, size, style):
            c.text(W / 2, y, part, size, style, color, "C")
            y += 3.0


def _signatory(c: Canvas, m: dict[str, Any]) -> None:
    """Place and date, the signatory's title, the electronic-signature note, the name."""
    sig, w = m["signatory"], m["w"]
    y = SIGN_TOP
    c.text(BODY_X, y, sig["place_date"], 8.2, "", INK)
    y += 4.0
    for part in wrap(c, sig["title"], BODY_W, 8.6, "B")[:2]:
        c.text(BODY_X, y, part, 8.6, "B", NAVY)
        y += 3.8
    c.text(BODY_X, y + 2.4, f"{w['e_signed']['id']} / {w['e_signed']['en']}", 6.8, "I", GREY)
    y += 9.0
    name = wrap(c, sig["name"], BODY_W, 9.6, "B")[0] if sig["name"] else ""
    c.text(BODY_X, y, name, 9.6, "B", INK)
    c.line(BODY_X, y + 1.2, BODY_X + max(40.0, c.width(name, 9.6, "B")), y + 1.2, INK, 0.25)


def _mark_area(
    c: Canvas, x: float, y: float, size: float, w: dict[str, Any], mark: Image.Image | None
) -> None:
    if mark is not None:
        iw, ih = fit(mark.size, (size, size))
        c.image(mark, x + (size - iw) / 2, y + (size - ih) / 2, iw, ih)
        return
    c.rect(x, y, size, size, stroke=NAVY, lw=0.5)
    c.text(x + size / 2, y + size * 0.55, "SNI", size * 0.9, "B", NAVY, "C")
    c.text(x + size / 2, y + size * 0.78, w["mark_area"]["id"], size * 0.19, "", GREY, "C")
    c.text(x + size / 2, y + size * 0.9, w["mark_area"]["en"], size * 0.19, "I", GREY, "C")


# --- the product label -----------------------------------------------------------------


def draw_label(c: Canvas, m: dict[str, Any], qr: list[bytes]) -> None:
    """A 70 x 40 mm label: SNI mark area with the SNI number(s), certificate number, holder
    and a QR code to the verification page."""
    w = m["w"]
    W, H = LABEL
    c.rect(0.6, 0.6, W - 1.2, H - 1.2, stroke=NAVY, lw=0.4)
    _mark_area(c, 4, 4, 16, w, mark_image())
    x, tw = 23.0, 19.0
    y = 7.0
    for part in wrap(c, m["brand"], tw, 6.2, "B")[:3]:
        c.text(x, y, part, 6.2, "B", NAVY)
        y += 2.6
    for part in wrap(c, m["product"]["id"], tw, 5.2)[:2]:
        c.text(x, y, part, 5.2, "", INK)
        y += 2.2
    y = 24.5
    for number in m["standards"][:2]:
        c.text(4, y, number, 6.6, "B", INK)
        y += 2.8
    c.text(
        4,
        y + 0.6,
        f"{w['label']['certificate']['id']} / {w['label']['certificate']['en']}",
        4.2,
        "",
        GREY,
    )
    c.text(4, y + 3.4, m["number"], 6.4, "B", NAVY)
    holder = wrap(c, m["holder"], 37, 4.8)[0]
    c.text(4, min(y + 6.2, H - 2.2), holder, 4.8, "", INK)
    q = 23.0
    c.qr(qr, W - q - 2.5, 2.5, q)
    c.text(W - 2.5 - q / 2, 28.5, w["label"]["scan"]["id"], 4.4, "", INK, "C")
    c.text(W - 2.5 - q / 2, 30.8, w["label"]["scan"]["en"], 4.2, "I", GREY, "C")
