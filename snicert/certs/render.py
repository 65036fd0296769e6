"""Render a certificate: signed JSON credential, HTML, A4 PDF (vector), A4 PNG and a
product label PNG, all from the certificate data dict, the product photo and the key.

Pure functions: nothing is written to disk here (outputs.write does that).

A4 PNG: 1240 x 1754 px, 150 dpi (the PDF is the print form). Label PNG: 70 x 40 mm at
300 dpi = 827 x 472 px.
"""

from __future__ import annotations

import base64
import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from snicert.certs import embed, layout
from snicert.certs.credential import issuer_name, public_url, sign_certificate, verify_url
from snicert.certs.keys import KeyPair
from snicert.templating import environment

PNG_DPI = 150
LABEL_DPI = 300
A4_PX = (round(layout.A4[0] / 25.4 * PNG_DPI), round(layout.A4[1] / 25.4 * PNG_DPI))
LABEL_PX = (round(layout.LABEL[0] / 25.4 * LABEL_DPI), round(layout.LABEL[1] / 25.4 * LABEL_DPI))

MEDIA_TYPES = {
    "json": "application/vc",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "png": "image/png",
    "label_png": "image/png",
    "label_html": "text/html; charset=utf-8",
}
FILE_NAMES = {
    "json": "certificate.json",
    "html": "certificate.html",
    "pdf": "certificate.pdf",
    "png": "certificate.png",
    "label_png": "label.png",
    "label_html": "label.html",
}


@dataclass(frozen=True)
class Rendered:
    number: str
    kid: str
    verify_url: str
    credential: dict[str, Any]  # the signed W3C VC
    json: bytes
    html: bytes
    pdf: bytes
    png: bytes
    label_png: bytes
    label_html: bytes

    def files(self) -> list[tuple[str, str, bytes, str]]:
        """(kind, file name, bytes, media type) of every form, for outputs.write."""
        return [
            (kind, FILE_NAMES[kind], getattr(self, kind), MEDIA_TYPES[kind]) for kind in FILE_NAMES
        ]


@cache
def _env(folder: str) -> Environment:
    return environment(FileSystemLoader(folder), undefined=StrictUndefined)


def templates() -> Environment:
    return _env(str(layout.templates_dir()))


def qr_svg(matrix: list[bytes]) -> Markup:
    """Inline SVG of the QR matrix: one path, a rectangle per run of dark modules."""
    n = len(matrix)
    parts = []
    for y, row in enumerate(matrix):
        x = 0
        while x < n:
            if row[x] == 0:
                start = x
                while x < n and row[x] == 0:
                    x += 1
                parts.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}" '
        f'shape-rendering="crispEdges" role="img" aria-label="QR">'
        f'<rect width="{n}" height="{n}" fill="#fff"/><path d="{"".join(parts)}"/></svg>'
    )


def render_html(
    m: dict[str, Any], photo: layout.Photo | None, qr: list[bytes], credential_text: str
) -> bytes:
    photo_uri = (
        "data:image/jpeg;base64," + base64.b64encode(photo.jpeg).decode("ascii")
        if photo is not None
        else None
    )
    html = (
        templates()
        .get_template("certificate.html.j2")
        .render(
            m=m,
            photo_uri=photo_uri,
            qr_svg=qr_svg(qr),
            credential=Markup(embed.html_script(credential_text)),
        )
    )
    return html.encode("utf-8")


def render_label_html(m: dict[str, Any], qr: list[bytes], credential_text: str) -> bytes:
    return (
        templates()
        .get_template("label.html.j2")
        .render(m=m, qr_svg=qr_svg(qr), credential=Markup(embed.html_script(credential_text)))
        .encode("utf-8")
    )


def _meta(m: dict[str, Any]) -> tuple[str, str, str]:
    w = m["w"]
    title = f"{w['short_title']['id']} {m['number']}"
    subject = f"{w['title']['id']} / {w['title']['en']}: {m['holder']}, {m['brand']}"
    keywords = "; ".join([m["number"], *m["standards"], m["kid"]])
    return title, subject, keywords


def render_pdf(
    m: dict[str, Any],
    photo: layout.Photo | None,
    qr: list[bytes],
    credential_text: str,
    issued_at: str,
) -> bytes:
    canvas = layout.PdfCanvas(layout.A4)
    layout.draw_certificate(canvas, m, photo, qr)
    pdf = canvas.pdf
    title, subject, keywords = _meta(m)
    pdf.set_title(title)
    pdf.set_subject(subject)
    pdf.set_author(m["issuer"])
    pdf.set_keywords(keywords)
    pdf.set_creator("snicert")
    created = datetime.fromisoformat(issued_at)
    pdf.set_creation_date(created)
    pdf.set_xmp_metadata(
        embed.xmp_packet(
            credential_text, title, subject, keywords, m["issuer"], created.isoformat()
        )
    )
    return bytes(pdf.output())


def render_png(
    m: dict[str, Any], photo: layout.Photo | None, qr: list[bytes], credential_text: str
) -> bytes:
    canvas = layout.PngCanvas(layout.A4, PNG_DPI)
    layout.draw_certificate(canvas, m, photo, qr)
    return canvas.png(embed.png_text_chunks(credential_text, _meta(m)[0]))


def render_label_png(m: dict[str, Any], qr: list[bytes], credential_text: str) -> bytes:
    canvas = layout.PngCanvas(layout.LABEL, LABEL_DPI)
    layout.draw_label(canvas, m, qr)
    return canvas.png(embed.png_text_chunks(credential_text, _meta(m)[0]))


def render_certificate(
    data: dict[str, Any],
    photo: bytes | None,
    key: KeyPair,
    *,
    base_url: str | None = None,
    issuer: str | None = None,
    credential: dict[str, Any] | None = None,
) -> Rendered:
    """Sign the certificate data and render every form.

    data: Certificate.data as stored by services.certificates.issue.
    photo: the product photo (JPEG/PNG bytes) from the dossier, or None.
    key: the signing key (keys.ensure_keypair()).
    base_url: public site for the QR code and the credential ids (default: the public_url
    setting).
    credential: an already signed credential to embed instead of signing `data` (tests use
    it to build forged files; normal callers leave it None).
    """
    base = (base_url or public_url()).rstrip("/")
    issuer = issuer or issuer_name(data)
    vc = credential if credential is not None else sign_certificate(data, key, base, issuer)
    number = data["number"]
    url = verify_url(number, base)
    text = embed.credential_json(vc, indent=None)
    m = layout.model(data, key.kid, url, issuer)
    pic = layout.prepare_photo(photo)
    qr = layout.qr_matrix(url)
    page = layout.PngCanvas(layout.A4, PNG_DPI)
    layout.draw_certificate(page, m, pic, qr)
    # PNG compression (zlib, which releases the GIL) overlaps the PDF, HTML and label work
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="snicert-png") as pool:
        png = pool.submit(page.png, embed.png_text_chunks(text, _meta(m)[0]))
        pdf = render_pdf(m, pic, qr, text, data["issued_at"])
        label_png = render_label_png(m, qr, text)
        html = render_html(m, pic, qr, text)
        return Rendered(
            number=number,
            kid=key.kid,
            verify_url=url,
            credential=vc,
            json=(embed.credential_json(vc) + "\n").encode("utf-8"),
            html=html,
            pdf=pdf,
            png=png.result(),
            label_png=label_png,
            label_html=render_label_html(m, qr, text),
        )


def png_with_credential(png: bytes, credential: dict[str, Any]) -> bytes:
    """Re-save a PNG with Pillow carrying another credential (tools and tests)."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        im.load()
        out = io.BytesIO()
        im.save(
            out,
            "PNG",
            pnginfo=embed.png_info(
                embed.credential_json(credential, None), im.info.get("Title", "")
            ),
        )
    return out.getvalue()
