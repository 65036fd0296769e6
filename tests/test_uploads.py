"""What an uploaded file must be before it is stored (snicert/uploads.py, through the
document service): risky PDFs refused, names cleaned, images decoded within the budget."""

from __future__ import annotations

import io
import threading

import pytest
from PIL import Image, ImageFile
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)
from sqlalchemy import func, select

from snicert import config, storage, synthetic, uploads
from snicert.db import engine as db
from snicert.db.models import AuditEvent, Document
from snicert.errors import InvalidInput
from snicert.messages import has
from snicert.services import applications
from tests.world import World


def _pdf(change=None) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(synthetic.pdf("Surat permohonan")))
    if change is not None:
        change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _name(value: str) -> NameObject:
    return NameObject(value)


def _action(kind: str, **entries) -> DictionaryObject:
    return DictionaryObject(
        {_name("/S"): _name(kind), **{_name(f"/{k}"): v for k, v in entries.items()}}
    )


def _open_action(action: DictionaryObject):
    def change(writer: PdfWriter) -> None:
        writer._root_object[_name("/OpenAction")] = writer._add_object(action)

    return change


def _page_annotation(annot: DictionaryObject):
    def change(writer: PdfWriter) -> None:
        writer.pages[0][_name("/Annots")] = ArrayObject([writer._add_object(annot)])

    return change


def _names_javascript(writer: PdfWriter) -> None:
    js = _action("/JavaScript", JS=TextStringObject("app.alert(1)"))
    tree = DictionaryObject(
        {_name("/Names"): ArrayObject([TextStringObject("a"), writer._add_object(js)])}
    )
    writer._root_object[_name("/Names")] = DictionaryObject({_name("/JavaScript"): tree})


def _attachment(writer: PdfWriter) -> None:
    writer.add_attachment("payload.exe", b"MZ\x90\x00 not really a program")


def _file_annotation() -> DictionaryObject:
    stream = DecodedStreamObject()
    stream.set_data(b"hidden")
    stream[_name("/Type")] = _name("/EmbeddedFile")
    spec = DictionaryObject(
        {_name("/Type"): _name("/Filespec"), _name("/F"): TextStringObject("a.txt")}
    )
    return DictionaryObject(
        {
            _name("/Type"): _name("/Annot"),
            _name("/Subtype"): _name("/FileAttachment"),
            _name("/Rect"): ArrayObject([NumberObject(0)] * 4),
            _name("/FS"): spec,
        }
    )


def _obfuscated_js() -> bytes:
    """A JavaScript action whose names are written with #xx escapes, the same length as
    before so that the cross-reference offsets still hold."""
    data = _pdf(_open_action(_action("/JavaScript", JS=TextStringObject("app.alert(1234)"))))
    old = b"/S /JavaScript\n/JS (app\\056alert\\0501234"
    new = b"/S /J#61vaScript\n/J#53 (app\\056alert\\050"
    assert len(old) == len(new) and old in data
    return data.replace(old, new)


def _encrypted(password: str):
    return lambda writer: writer.encrypt(password, algorithm="AES-128")


RISKY_PDFS = [
    (
        "JavaScript open action",
        _pdf(_open_action(_action("/JavaScript", JS=TextStringObject("app.alert(1)")))),
        "up_pdf_script",
    ),
    ("JavaScript in the name tree", _pdf(_names_javascript), "up_pdf_script"),
    ("JavaScript with #-escaped names", _obfuscated_js(), "up_pdf_script"),
    (
        "JavaScript on a link",
        _pdf(
            _page_annotation(
                DictionaryObject(
                    {
                        _name("/Type"): _name("/Annot"),
                        _name("/Subtype"): _name("/Link"),
                        _name("/Rect"): ArrayObject([NumberObject(0)] * 4),
                        _name("/A"): _action("/JavaScript", JS=TextStringObject("x()")),
                    }
                )
            )
        ),
        "up_pdf_script",
    ),
    (
        "launch action",
        _pdf(_open_action(_action("/Launch", F=TextStringObject("calc.exe")))),
        "up_pdf_launch",
    ),
    ("embedded file", _pdf(_attachment), "up_pdf_attachment"),
    ("file attachment annotation", _pdf(_page_annotation(_file_annotation())), "up_pdf_attachment"),
    ("password-protected", _pdf(_encrypted("rahasia")), "up_pdf_encrypted"),
    (
        "HTML behind a PDF header",
        b"%PDF-1.7\n<html><body><script>fetch('/me')</script></body></html>\n",
        "up_pdf_unreadable",
    ),
    ("a PDF header on nothing", b"%PDF-1.4\n" + b"\x00" * 5000, "up_pdf_unreadable"),
    ("cut short", synthetic.pdf("Surat")[:300], "up_pdf_unreadable"),
]


@pytest.fixture
def draft(home) -> tuple[World, int]:
    world = World().setup_staff()  # applications need an approved checklist
    return world, world.new_application("abon", documents=False)


def _counts() -> tuple[int, int, int]:
    with db.reading() as s:
        docs = s.scalar(select(func.count()).select_from(Document))
        events = s.scalar(select(func.count()).select_from(AuditEvent))
    blobs = (
        sum(1 for p in config.blob_dir().rglob("*") if p.is_file())
        if config.blob_dir().exists()
        else 0
    )
    return docs, events, blobs


def _attach(world: World, app_id: int, kind: str, name: str, data: bytes) -> Document:
    with db.transaction() as s:
        doc = applications.attach_document(s, world.owner(s, app_id), app_id, kind, name, data)
        s.expunge(doc)
        return doc


@pytest.mark.parametrize(("case", "data", "key"), RISKY_PDFS, ids=[c[0] for c in RISKY_PDFS])
def test_risky_pdfs_are_refused_and_nothing_is_stored(draft, case, data, key) -> None:
    world, app_id = draft
    before = _counts()
    with pytest.raises(InvalidInput) as refused:
        _attach(world, app_id, "application_form", "invoice.html", data)
    assert refused.value.field == "application_form"  # the document kind
    assert refused.value.key == key and has(key), str(refused.value)
    assert _counts() == before


@pytest.mark.parametrize(
    ("case", "change"),
    [
        ("plain", None),
        (
            "a web link",
            _page_annotation(
                DictionaryObject(
                    {
                        _name("/Type"): _name("/Annot"),
                        _name("/Subtype"): _name("/Link"),
                        _name("/Rect"): ArrayObject([NumberObject(0)] * 4),
                        _name("/A"): _action("/URI", URI=TextStringObject("https://oss.go.id")),
                    }
                )
            ),
        ),
        ("encrypted without a password", _encrypted("")),
    ],
)
def test_ordinary_pdfs_are_stored_as_sent(draft, case, change) -> None:
    world, app_id = draft
    data = _pdf(change)
    doc = _attach(world, app_id, "application_form", "surat.pdf", data)
    assert doc.media_type == "application/pdf" and storage.get(doc.sha256) == data


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("invoice\u202efdp.exe", "invoicefdp.pdf"),  # shown as "invoiceexe.pdf" before
        ("..\\..\\Windows\\surat.pdf", "surat.pdf"),
        ("/etc/passwd", "passwd.pdf"),
        ("Cafe\u0301 \u200bsurat\x00\x1b[31m.PDF", "Caf\u00e9 surat[31m.pdf"),  # NFC
        ("laporan.html", "laporan.pdf"),
        ("surat\u2066\u2069 resmi\n<b>.pdf", "surat resmi <b>.pdf"),
        ("\u202e", "dokumen.pdf"),
        ("a" * 400 + ".pdf", "a" * 251 + ".pdf"),
    ],
)
def test_stored_names_are_clean_and_end_in_the_detected_type(draft, sent, stored) -> None:
    world, app_id = draft
    doc = _attach(world, app_id, "application_form", sent, synthetic.pdf("Surat"))
    assert doc.filename == stored


def test_an_image_gets_the_extension_of_its_content(draft) -> None:
    world, app_id = draft
    doc = _attach(world, app_id, "product_photos", "foto.png", synthetic.photo("abon", "x"))
    assert (doc.filename, doc.media_type) == ("foto.jpg", "image/jpeg")


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("L", (width, height)).save(out, "PNG")  # many pixels, a small file
    return out.getvalue()


def test_an_image_over_the_pixel_budget_is_refused_before_decoding(draft, monkeypatch) -> None:
    world, app_id = draft
    decoded = []
    real_load = ImageFile.ImageFile.load
    monkeypatch.setattr(
        ImageFile.ImageFile, "load", lambda img: decoded.append(img.size) or real_load(img)
    )
    before = _counts()
    with pytest.raises(InvalidInput) as refused:
        _attach(world, app_id, "product_photos", "bom.png", _png(8000, 5001))
    assert (refused.value.field, refused.value.key) == ("product_photos", "up_image_too_large")
    assert decoded == []  # the header was enough
    assert _counts() == before


def test_an_image_within_the_budget_is_stored_shrunk(draft) -> None:
    world, app_id = draft
    doc = _attach(world, app_id, "product_photos", "besar.png", _png(8000, 5000))  # 40 MP
    stored = Image.open(io.BytesIO(storage.get(doc.sha256)))
    assert stored.format == "PNG" and max(stored.size) == uploads.STORED_MAX_SIDE
    assert stored.size == (4096, 2560)  # the proportions kept


def test_decoding_waits_for_room_in_the_memory_budget() -> None:
    budget = uploads._Budget(100)
    first_in, second_in, release = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with budget.hold(80):
            first_in.set()
            release.wait(10)

    def second() -> None:
        with budget.hold(30):
            second_in.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    assert first_in.wait(10)
    threads[1].start()
    assert not second_in.wait(0.2)  # 80 + 30 > 100: it waits
    assert budget.used == 80
    release.set()
    assert second_in.wait(10)
    for t in threads:
        t.join(10)
    assert budget.used == 0
