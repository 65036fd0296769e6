"""Where the signed credential travels inside each file form, and how to read it back
without decoding pixels or page content.

  JSON  the credential itself
  PNG   an iTXt chunk, keyword "snicert-credential", UTF-8 JSON (written before IDAT)
  PDF   the document's XMP metadata packet (uncompressed, as XMP packets are meant to be
        found by byte scanning): <snicert:credential>XML-escaped JSON</snicert:credential>
  HTML  <script type="application/ld+json" id="snicert-credential">JSON</script>
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from typing import Any
from xml.sax.saxutils import escape, unescape

PNG_KEYWORD = "snicert-credential"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
XMP_NS = "urn:snicert:xmp:1.0#"
XMP_OPEN, XMP_CLOSE = b"<snicert:credential>", b"</snicert:credential>"
HTML_ID = "snicert-credential"
_HTML_RE = re.compile(
    rb'<script[^>]*\bid="' + HTML_ID.encode() + rb'"[^>]*>(.*?)</script>', re.S | re.I
)
MAX_TEXT = 4 * 1024 * 1024  # a credential is a few kB; refuse to inflate more than this


class NoCredential(ValueError):
    """The file is of a known form but carries no (single, readable) credential."""


def credential_json(credential: dict[str, Any], indent: int | None = 2) -> str:
    return json.dumps(credential, ensure_ascii=False, indent=indent)


def detect_form(data: bytes) -> str:
    if data.startswith(PNG_SIGNATURE):
        return "png"
    if data.startswith(b"%PDF-"):
        return "pdf"
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        return "json"
    if head[:1] == b"<" and (b"<html" in data[:4096].lower() or b"<!doctype" in head.lower()):
        return "html"
    raise NoCredential("not a certificate file (expected JSON, PDF, PNG or HTML)")


def extract(data: bytes) -> tuple[str, Any]:
    """(form, parsed credential JSON) of a certificate file's bytes."""
    form = detect_form(data)
    if form == "json":
        text = data.decode("utf-8-sig")
    elif form == "png":
        text = png_text(data)
    elif form == "pdf":
        text = pdf_text(data)
    else:
        found = _HTML_RE.findall(data)
        if len(found) != 1:
            raise NoCredential("no single signed credential in this HTML page")
        text = found[0].decode("utf-8")
    try:
        return form, json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise NoCredential(f"the embedded credential is not valid JSON: {exc}") from exc


# --- PNG ---------------------------------------------------------------------------------


def _inflate(raw: bytes) -> bytes:
    d = zlib.decompressobj()
    out = d.decompress(raw, MAX_TEXT)
    if d.unconsumed_tail:
        raise NoCredential("the embedded credential is too large")
    return out


def png_text(data: bytes) -> str:
    """The credential text of a PNG, reading its chunks only (no pixel decoding)."""
    if not data.startswith(PNG_SIGNATURE):
        raise NoCredential("not a PNG file")
    key = PNG_KEYWORD.encode("latin-1")
    found: list[str] = []
    pos, size = 8, len(data)
    while pos + 12 <= size:
        length, ctype = struct.unpack_from(">I4s", data, pos)
        start, end = pos + 8, pos + 8 + length
        if end + 4 > size:
            raise NoCredential("truncated PNG file")
        if ctype in (b"tEXt", b"iTXt", b"zTXt"):
            chunk = data[start:end]
            keyword, _, rest = chunk.partition(b"\0")
            if keyword == key:
                if zlib.crc32(ctype + chunk) != struct.unpack_from(">I", data, end)[0]:
                    raise NoCredential("the PNG credential chunk is corrupt (CRC mismatch)")
                found.append(_png_chunk_text(ctype, rest))
        elif ctype == b"IEND":
            break
        pos = end + 4
    if len(found) != 1:
        raise NoCredential(
            "no signed credential in this PNG"
            if not found
            else "more than one credential in this PNG"
        )
    return found[0]


def _png_chunk_text(ctype: bytes, rest: bytes) -> str:
    if ctype == b"tEXt":
        return rest.decode("latin-1")
    if ctype == b"zTXt":
        return _inflate(rest[1:]).decode("latin-1")
    flag, _method = rest[0], rest[1]
    _lang, _, rest = rest[2:].partition(b"\0")
    _tkey, _, text = rest.partition(b"\0")
    return (_inflate(text) if flag else text).decode("utf-8")


def png_chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))


def png_text_chunks(credential_text: str, title: str) -> bytes:
    """The same text chunks as png_info(), serialised (for layout.encode_png)."""
    return (
        png_chunk(b"tEXt", b"Title\0" + title.encode("latin-1", "replace"))
        + png_chunk(b"tEXt", b"Software\0snicert")
        + png_chunk(
            b"iTXt", PNG_KEYWORD.encode("latin-1") + b"\0\0\0\0\0" + credential_text.encode("utf-8")
        )
    )


def png_info(credential_text: str, title: str):
    """PngInfo with the credential (iTXt) and a few readable tEXt fields."""
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Title", title)
    info.add_text("Software", "snicert")
    info.add_itxt(PNG_KEYWORD, credential_text, lang="", tkey="", zip=False)
    return info


# --- PDF ---------------------------------------------------------------------------------


def xmp_packet(
    credential_text: str, title: str, subject: str, keywords: str, creator: str, created: str
) -> str:
    """The <x:xmpmeta> element (fpdf2 adds the <?xpacket?> wrapper)."""
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about=""\n'
        '    xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"\n'
        '    xmlns:xmp="http://ns.adobe.com/xap/1.0/"\n'
        f'    xmlns:snicert="{XMP_NS}">\n'
        f'   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li>'
        "</rdf:Alt></dc:title>\n"
        f'   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{escape(subject)}'
        "</rdf:li></rdf:Alt></dc:description>\n"
        f"   <dc:creator><rdf:Seq><rdf:li>{escape(creator)}</rdf:li></rdf:Seq></dc:creator>\n"
        f"   <pdf:Keywords>{escape(keywords)}</pdf:Keywords>\n"
        "   <pdf:Producer>snicert (fpdf2)</pdf:Producer>\n"
        f"   <xmp:CreateDate>{escape(created)}</xmp:CreateDate>\n"
        f"   <snicert:credential>{escape(credential_text)}</snicert:credential>\n"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>"
    )


def pdf_text(data: bytes) -> str:
    """The credential text of a PDF, from its XMP packet (no page content is parsed)."""
    start = data.find(XMP_OPEN)
    if start < 0:
        raise NoCredential(
            "no signed credential in this PDF's metadata (was it re-saved by another program?)"
        )
    if data.find(XMP_OPEN, start + 1) >= 0:
        raise NoCredential("more than one credential in this PDF")
    end = data.find(XMP_CLOSE, start)
    if end < 0:
        raise NoCredential("the PDF's credential metadata is truncated")
    return unescape(data[start + len(XMP_OPEN) : end].decode("utf-8"))


def html_script(credential_text: str) -> str:
    """JSON safe inside <script>: no '</' or '<!--' can end or confuse the element."""
    return credential_text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
