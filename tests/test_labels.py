"""Sample labels (a standard QR that decodes, nothing drawn over it, units × amount, the
seal and the time taken once recorded), the A4 sheet the sampler prints, the labels and
the test report on the web for the roles that need them, and the inline, sandboxed
preview of dossier documents."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi import FastAPI
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from snicert import labels, stages
from snicert.certs.layout import qr_matrix
from snicert.db import engine as db
from snicert.db.models import Document
from snicert.errors import PermissionDenied
from snicert.reports import render_test_report
from snicert.services import lab, papers
from snicert.services.guards import application
from snicert.web.app import create_app
from snicert.web.headers import PREVIEW_POLICY
from tests.test_certs import decode_qr
from tests.test_web_staff import email, sign_in
from tests.world import World

LONG = "Lembaga Sertifikasi Produk Dinas Perindustrian dan Perdagangan Provinsi NTT " * 2


def _label(**kw) -> labels.Label:
    base = {
        "code": "APP-2026-00001-S1",
        "lspro": "LSPro Flobamora",
        "product": "Abon sapi · Merek abon",
        "application": "APP-2026-00001",
        "purpose": "test",
        "units": 6,
        "amount": "250 g",
        "taken": None,
        "seal": None,
    }
    return labels.Label(**{**base, **kw})


def _text(pdf: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


# --- the label itself -------------------------------------------------------------------


def test_the_qr_is_a_standard_qr_a_phone_reads() -> None:
    import zxingcpp

    png = labels.sample_label(_label())
    with Image.open(io.BytesIO(png)) as im:
        [found] = zxingcpp.read_barcodes(im.convert("L"))
    # a Micro QR (what segno picks for short data by default) most phone cameras ignore
    assert found.format == zxingcpp.BarcodeFormat.QRCode and found.text == "APP-2026-00001-S1"
    side = len(qr_matrix("APP-2026-00001-S1")) - 8  # without the 4-module quiet zone
    assert side >= 21 and (side - 21) % 4 == 0  # a regular QR version (Micro: 11 to 17)


@pytest.mark.parametrize(
    "label",
    [
        _label(),
        _label(
            code="APP-2026-99999-S12",
            lspro=LONG,
            product=LONG,
            application="APP-2026-99999",
            amount="1.5 kg",
            seal="SEGEL-NOMOR-YANG-PANJANG-SEKALI-0000001",
            taken="2026-11-29 14:05 WITA",
            unit=6,
        ),
    ],
    ids=["plain", "long-texts"],
)
def test_nothing_is_drawn_over_the_qr_or_its_quiet_zone(label: labels.Label) -> None:
    """Every module of the symbol, quiet zone included, is exactly the QR's colour in the
    PNG: no text or line runs into it, however long the texts."""
    png = labels.sample_label(label)
    img = Image.open(io.BytesIO(png)).convert("L")
    matrix = qr_matrix(label.code)
    n, k = len(matrix), labels.DPI / 25.4
    x, y, size = labels.qr_box()
    module = int(size * k) // n
    off = (size * k - n * module) / 2
    x0, y0 = round(x * k + off), round(y * k + off)
    for r, row in enumerate(matrix):
        for c, value in enumerate(row):
            box = (x0 + c * module, y0 + r * module, x0 + (c + 1) * module, y0 + (r + 1) * module)
            lo, hi = img.crop(box).getextrema()
            assert lo == hi == value, (r, c)
    assert decode_qr(png) == [label.code]
    # and the text is there, left of the symbol
    left = img.crop((0, y0, x0, img.height))
    assert left.getextrema()[0] < 100


def test_amount_is_units_times_amount() -> None:
    assert _label().quantity == "6 \u00d7 250 g"
    assert _label(units=1, amount=None).quantity == "1 unit"


# --- the case's labels and their sheet ---------------------------------------------------


@pytest.fixture
def planned(home) -> tuple[World, int]:
    """An abon case at sampling with its samples planned (6 test and 6 retained units)."""
    w = World().setup_staff()
    app_id = w.new_application("abon")
    w.advance_to(app_id, "sampling")
    stages.plan_samples(app_id)
    return w, app_id


def _sheet(w: World, app_id: int, who: str = "sampler") -> list[labels.Label]:
    with db.reading() as s:
        return papers.sheet_labels(s, w.user(s, who), app_id)[1]


def test_sheet_has_a_label_per_bag_and_per_unit_and_the_seal_once_recorded(planned) -> None:
    w, app_id = planned
    items = _sheet(w, app_id)
    with db.reading() as s:
        test, retained = (x.code for x in lab.samples_of(s, app_id))
        number = application(s, app_id).number
    # each sample: its sealed bag, then its 6 units
    assert [(x.code, x.unit) for x in items] == [(test, None)] + [
        (test, u) for u in range(1, 7)
    ] + [(retained, None)] + [(retained, u) for u in range(1, 7)]
    assert {x.quantity for x in items} == {"6 \u00d7 250 g"}
    assert all(x.seal is None and x.taken is None for x in items)  # not sealed yet
    pdf = labels.label_sheet(items, number)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 2  # 14 labels, twelve a page
    text = _text(pdf)
    assert "6 \u00d7 250 g" in text and "3 dari / of 6" in text and number in text
    assert "SEGEL-" not in text and "WITA" not in text
    with db.transaction() as s:
        seals = {x.code: f"SEGEL-{x.seq}" for x in lab.samples_of(s, app_id)}
        lab.record_sampling(s, w.user(s, "sampler"), app_id, seals, "Oebobo, Kota Kupang")
    items = _sheet(w, app_id)
    assert {(x.code, x.seal) for x in items} == {(test, "SEGEL-1"), (retained, "SEGEL-2")}
    assert all(x.taken and x.taken.endswith("WITA") for x in items)
    text = _text(labels.label_sheet(items, number))
    assert "SEGEL-1" in text and "SEGEL-2" in text and "WITA" in text


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) absent")
def test_printed_sheet_qr_codes_decode(planned, tmp_path: Path) -> None:
    """The sheet as a printer would rasterise it (150 dpi): every label's QR reads."""
    import zxingcpp

    w, app_id = planned
    items = _sheet(w, app_id)
    (tmp_path / "sheet.pdf").write_bytes(labels.label_sheet(items, "x"))
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "sheet.pdf", "page"],
        cwd=tmp_path,
        check=True,
    )
    [page] = tmp_path.glob("page*.png")
    with Image.open(page) as im:
        found = zxingcpp.read_barcodes(im.convert("L"))
    assert len(found) == 12
    assert {r.format for r in found} == {zxingcpp.BarcodeFormat.QRCode}
    assert sorted(r.text for r in found) == sorted(x.code for x in items[:12])


def test_applicants_and_auditors_get_no_labels(planned) -> None:
    w, app_id = planned
    for who in ("sampler", "analyst", "verifier", "reviewer"):
        assert _sheet(w, app_id, who)
    for who in ("auditor", f"owner:{app_id}"):
        with pytest.raises(PermissionDenied), db.reading() as s:
            papers.sheet_labels(
                s, w.user(s, who) if who == "auditor" else w.owner(s, app_id), app_id
            )


# --- on the web ----------------------------------------------------------------------------


@pytest.fixture
def web(home) -> FastAPI:
    return create_app()


def test_sampler_prints_the_sheet_and_a_label_from_the_sampling_page(planned, web) -> None:
    w, app_id = planned
    b = sign_in(web, email("sampler"))
    page = b.get("/sampling").text
    assert f'href="/sampling/{app_id}/labels.pdf"' in page
    r = b.get(f"/sampling/{app_id}/labels.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"].startswith("inline")
    assert r.headers["cache-control"] == "private, no-store"  # a reprint shows the seal
    assert r.content.startswith(b"%PDF") and "6 \u00d7 250 g" in _text(r.content)
    with db.reading() as s:
        first_id, first_code = next((x.id, x.code) for x in lab.samples_of(s, app_id))
    assert f'href="/samples/{first_id}/label.png"' in page
    png = b.get(f"/samples/{first_id}/label.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert decode_qr(png.content) == [first_code]


ROLES = ["anonymous", "sampler", "analyst", "verifier", "reviewer", "auditor"]


@pytest.mark.parametrize("role", ROLES + ["owner", "other"])
def test_who_opens_labels_and_the_test_report(home, web, role) -> None:
    w = World().setup_staff()
    done = w.new_application("abon")  # applicant0's
    w.advance_to(done, "certified")
    other = w.new_application("abon")  # applicant1's: the "other" business
    with db.transaction() as s:
        render_test_report(s, application(s, done))
        sample_id = lab.samples_of(s, done)[0].id
    who = {"owner": "applicant0", "other": "applicant1", "anonymous": None}.get(role, role)
    b = sign_in(web, email(who) if who else None)
    sheet = b.get(f"/sampling/{done}/labels.pdf").status_code
    label = b.get(f"/samples/{sample_id}/label.png").status_code
    report = b.get(f"/applications/{done}/test-report.pdf")
    expected_labels = {
        "anonymous": 303,
        "sampler": 200,
        "analyst": 200,
        "verifier": 200,
        "reviewer": 200,
        "auditor": 403,
        "owner": 403,
        "other": 403,
    }[role]
    expected_report = {
        "anonymous": 401,
        "sampler": 403,
        "analyst": 200,
        "verifier": 200,
        "reviewer": 200,
        "auditor": 403,
        "owner": 200,
        "other": 404,  # another business's case does not exist for them
    }[role]
    assert (sheet, label, report.status_code) == (expected_labels, expected_labels, expected_report)
    if report.status_code == 200:
        assert report.content.startswith(b"%PDF")
    assert other  # applicant1 exists with a case of their own


def test_lab_and_evaluation_pages_link_the_labels_and_the_test_report(home, web) -> None:
    w = World().setup_staff()
    app_id = w.new_application("abon")
    w.advance_to(app_id, "evaluation")
    with db.transaction() as s:
        render_test_report(s, application(s, app_id))
    lab_page = sign_in(web, email("analyst")).get(f"/lab/applications/{app_id}").text
    assert f'href="/sampling/{app_id}/labels.pdf"' in lab_page
    assert f'href="/applications/{app_id}/test-report.pdf"' in lab_page
    evaluation = sign_in(web, email("reviewer")).get(f"/evaluation/{app_id}").text
    assert f'href="/applications/{app_id}/test-report.pdf"' in evaluation


# --- inline preview of dossier documents ----------------------------------------------------


@pytest.fixture
def dossier(home) -> tuple[World, int, dict[str, int]]:
    """A submitted abon case in document review; its documents' ids by media type."""
    w = World().setup_staff()
    app_id = w.new_application("abon")
    w.new_application("abon")  # applicant1, another business
    w.advance_to(app_id, "document_review")
    with db.reading() as s:
        docs = s.scalars(select(Document).where(Document.application_id == app_id)).all()
        by_type = {d.media_type: d.id for d in docs}
    assert {"application/pdf", "image/jpeg"} <= set(by_type)
    return w, app_id, by_type


def test_official_previews_a_pdf_and_a_photo_inline_sandboxed(dossier, web) -> None:
    w, app_id, docs = dossier
    b = sign_in(web, email("reviewer"))
    review = b.get(f"/review/{app_id}").text
    pdf_id, photo_id = docs["application/pdf"], docs["image/jpeg"]
    assert f'href="/documents/{pdf_id}/view"' in review
    assert f'href="/documents/{photo_id}/view"' in review
    view = b.get(f"/documents/{pdf_id}/view")
    assert view.status_code == 200
    # a plain frame: its content's own policy sandboxes it (an <iframe sandbox> would stop
    # Chromium's PDF viewer); the page's own policy is the strict one, with no script
    assert f'<iframe class="preview-frame" src="/documents/{pdf_id}/inline"' in view.text
    assert "script-src 'self'" in view.headers["content-security-policy"]
    assert view.headers["x-frame-options"] == "DENY"
    photo = b.get(f"/documents/{photo_id}/view").text
    assert f'<img class="preview-image" src="/documents/{photo_id}/inline"' in photo
    for doc_id, media in ((pdf_id, "application/pdf"), (photo_id, "image/jpeg")):
        r = b.get(f"/documents/{doc_id}/inline")
        assert r.status_code == 200 and r.headers["content-type"] == media
        assert r.headers["content-disposition"].startswith("inline;")
        policy = r.headers["content-security-policy"]
        assert policy == PREVIEW_POLICY and "sandbox" in policy and "script-src" not in policy
        assert "frame-ancestors 'self'" in policy
        assert r.headers["x-frame-options"] == "SAMEORIGIN"  # framed by our page only
        assert r.headers["x-content-type-options"] == "nosniff"
    # the download stays an attachment that is never framed
    download = b.get(f"/documents/{pdf_id}")
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-frame-options"] == "DENY"


def test_an_applicant_cannot_preview_another_business_document(dossier, web) -> None:
    w, app_id, docs = dossier
    doc_id = docs["application/pdf"]
    other = sign_in(web, email("applicant1"))
    assert other.get(f"/documents/{doc_id}/view").status_code == 404
    assert other.get(f"/documents/{doc_id}/inline").status_code == 404
    owner = sign_in(web, email("applicant0"))
    assert owner.get(f"/documents/{doc_id}/view").status_code == 200
    assert owner.get(f"/documents/{doc_id}/inline").status_code == 200
    anonymous = sign_in(web, None)
    assert anonymous.get(f"/documents/{doc_id}/view").status_code == 303
    assert anonymous.get(f"/documents/{doc_id}/inline").status_code == 401
