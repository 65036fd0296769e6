"""Printable sample labels (PNG): code, product, date, seal line and a QR code of the code."""

from __future__ import annotations

import io
from functools import cache

import segno
from PIL import Image, ImageDraw, ImageFont

FONT_DIR = "/usr/share/fonts/truetype/dejavu"
SIZE = (600, 300)  # 50 x 25 mm at 300 dpi


@cache
def font(size: int, bold: bool = False) -> ImageFont.ImageFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    try:
        return ImageFont.truetype(f"{FONT_DIR}/{name}", size)
    except OSError:  # DejaVu missing: Pillow's built-in font still gives a usable label
        return ImageFont.load_default(size)


def sample_label(code: str, product: str, purpose: str, taken: str, amount: str | None) -> bytes:
    # Greyscale: a label is printed black on white, and a third of RGB's bytes to encode.
    img = Image.new("L", SIZE, "white")
    draw = ImageDraw.Draw(img)
    qr = segno.make(code, error="m")
    buf = io.BytesIO()
    qr.save(buf, kind="png", scale=6, border=2)
    qr_img = Image.open(io.BytesIO(buf.getvalue())).convert("L")
    qr_img = qr_img.resize((260, 260), Image.NEAREST)
    img.paste(qr_img, (SIZE[0] - 280, 20))
    draw.text((20, 20), code, font=font(30, bold=True), fill="black")
    draw.text((20, 70), product, font=font(24), fill="black")
    kind = "Contoh uji / test sample" if purpose == "test" else "Contoh arsip / retained"
    draw.text((20, 110), kind, font=font(20), fill="black")
    draw.text((20, 145), f"Tanggal / date: {taken}", font=font(20), fill="black")
    if amount:
        draw.text((20, 180), f"Jumlah / amount: {amount}", font=font(20), fill="black")
    draw.text((20, 240), "Segel / seal: ______________", font=font(20), fill="black")
    draw.rectangle([0, 0, SIZE[0] - 1, SIZE[1] - 1], outline="black", width=3)
    out = io.BytesIO()
    img.save(out, "PNG", optimize=False)
    return out.getvalue()
