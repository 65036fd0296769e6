"""The applicant's dossier page: the counter of mandatory documents, each document's guidance,
errors and success at the document, submission held until complete (page and API), the
findings answered on one page with the corrected file stored as the document concerned,
and the downloads (test report, evaluation summary) for the case's own business."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from snicert import evaluation_report, synthetic
from snicert.catalog import default_catalog
from snicert.db import engine as db
from snicert.db.models import Document, Nonconformity, NonconformityResponse
from snicert.reports import render_test_report
from snicert.services import applications
from snicert.services.guards import application
from snicert.web.app import create_app
from snicert.web.routes.applicant import answers_limit
from tests.test_web_staff import Browser, email, sign_in
from tests.world import World

SPECS = default_catalog().product("abon").model_dump(mode="json")["documents"]
MANDATORY = [d for d in SPECS if d["mandatory"]]


@pytest.fixture
def web(home) -> FastAPI:
    return create_app()


@pytest.fixture
def w(home) -> World:
    return World().setup_staff()


def upload(b: Browser, app_id: int, spec: dict, name: str | None = None, data: bytes | None = None):
    if data is None:
        name, data = synthetic.document(spec, "abon", "UMKM")
    return b.client.post(
        f"/applications/{app_id}/documents",
        data={"kind": spec["id"], "csrf_token": b.csrf},
        files={"file": (name, data)},
        follow_redirects=False,
    )


def counter(html: str) -> tuple[int, int]:
    m = re.search(r'id="doc-counter" data-uploaded="(\d+)" data-mandatory="(\d+)"', html)
    return int(m[1]), int(m[2])


def block(html: str, kind: str) -> str:
    """The page's part for one document (its <li>)."""
    return html.split(f'id="doc-{kind}"', 1)[1].split("</li>", 1)[0]


def test_the_counter_moves_and_submit_waits_until_complete(w: World, web) -> None:
    app_id = w.new_application("abon", documents=False)
    b = sign_in(web, email("applicant0"))
    page = b.get(f"/applications/{app_id}").text
    assert counter(page) == (0, len(MANDATORY))
    assert "0 dari 12 dokumen wajib" in page
    assert "0 dari 12 dokumen wajib" in b.get("/me").text
    assert re.search(r'<button type="submit" id="submit-dossier" disabled', page)
    why = re.search(r'id="submit-why">([^<]*)<', page)[1]
    assert why.startswith(f"Belum bisa diajukan. Masih kurang {len(MANDATORY)} dokumen wajib: ")
    # each document: its guidance note, marked required or optional
    brand = next(d for d in SPECS if d["id"] == "brand_registration")
    assert brand["note"]["id"] in block(page, "brand_registration")
    optional = next(d for d in SPECS if not d["mandatory"])
    assert "Tidak wajib" in block(page, optional["id"]) and "Wajib" in block(page, "npwp")

    for n, spec in enumerate(SPECS, 1):
        r = upload(b, app_id, spec)
        # post/redirect/get: the page says so at the document
        assert r.status_code == 303
        assert (
            r.headers["location"] == f"/applications/{app_id}?saved={spec['id']}#doc-{spec['id']}"
        )
        page = b.get(r.headers["location"].split("#")[0]).text
        done = sum(1 for d in SPECS[:n] if d["mandatory"])
        assert counter(page) == (done, len(MANDATORY))
        saved = re.findall(r'class="notice saved" role="status">([^<]*)<', page)
        assert len(saved) == 1 and spec["id"] in block(page, spec["id"]) and saved[0] in page
        assert "sudah tersimpan" in block(page, spec["id"])
    assert re.search(r'<button type="submit" id="submit-dossier">', page)
    me = b.get("/me").text  # the home counts too
    assert f'data-uploaded="{len(MANDATORY)}">{len(MANDATORY)} dari 12 dokumen wajib' in me
    assert "Semua dokumen wajib sudah lengkap" in page


def test_a_bad_file_is_refused_at_its_document(w: World, web) -> None:
    app_id = w.new_application("abon", documents=False)
    b = sign_in(web, email("applicant0"))
    npwp = next(d for d in SPECS if d["id"] == "npwp")
    r = upload(b, app_id, npwp, "npwp.pdf", b"GIF89a not a pdf")
    assert r.status_code == 422
    at = block(r.text, "npwp")
    assert 'id="err-npwp"' in at and "bukan jenis yang diterima" in at and "npwp.pdf" in at
    assert 'aria-invalid="true"' in at
    assert 'id="page-error"' not in r.text  # not at the top of the page
    assert counter(r.text) == (0, len(MANDATORY))
    # in English too
    r = b.client.post(
        f"/applications/{app_id}/documents?lang=en",
        data={"kind": "npwp", "csrf_token": b.csrf},
        files={"file": ("<b>x</b>.pdf", b"")},
    )
    assert "The file is empty." in block(r.text, "npwp")
    assert "<b>x</b>" not in r.text and "&lt;b&gt;x&lt;/b&gt;.pdf" in r.text  # escaped


def test_the_service_refuses_an_incomplete_dossier(w: World, web) -> None:
    app_id = w.new_application("abon", documents=False)
    b = sign_in(web, email("applicant0"))
    for spec in MANDATORY[:-2]:
        upload(b, app_id, spec)
    # a forged submit from the page: refused, saying what is missing
    r = b.post(f"/applications/{app_id}/submit", {"agreement_version": "1"})
    assert r.status_code == 422 and 'data-state="draft"' in r.text
    names = ", ".join(d["name"]["id"] for d in MANDATORY[-2:])
    assert f"Masih kurang 2 dokumen wajib: {names}." in r.text
    api = b.api("POST", f"/api/v1/applications/{app_id}/submit", json={"agreement_version": 1})
    assert api.status_code == 422
    body = api.json()
    assert body["field"] == "documents"
    assert body["message"] == f"Belum bisa diajukan. Masih kurang 2 dokumen wajib: {names}."
    assert all(f"'{d['id']}'" in body["detail"] for d in MANDATORY[-2:])
    info = b.api("GET", f"/api/v1/applications/{app_id}").json()
    assert info["dossier"]["missing"] == [d["id"] for d in MANDATORY[-2:]]
    assert info["dossier"]["uploaded"] == len(MANDATORY) - 2


def _findings(w: World, app_id: int) -> tuple[dict, dict]:
    """Two review findings: one about the NPWP (a document), one about another item."""
    w.submit(app_id)
    w.advance_to(app_id, "document_review")
    items = w.app(app_id).checklist_snapshot["document_items"]
    npwp = next(i for i in items if i.get("document") == "npwp")
    other = next(i for i in items if i.get("document") not in ("npwp", None))
    w.review_all(app_id, nonconform={npwp["id"], other["id"]})
    return npwp, other


def _nc_ids(app_id: int) -> dict[str, int]:
    with db.reading() as s:
        return {
            n.item_id: n.id
            for n in s.scalars(select(Nonconformity).where(Nonconformity.application_id == app_id))
        }


def test_findings_answered_on_one_page_with_the_document(w: World, web) -> None:
    app_id = w.new_application("abon")
    npwp, other = _findings(w, app_id)
    ids = _nc_ids(app_id)
    b = sign_in(web, email("applicant0"))
    page = b.get(f"/applications/{app_id}").text
    form = page.split('id="answers-form"', 1)[1].split("</form>", 1)[0]
    assert form.count("<fieldset") == 2 and form.count("<textarea") == 2
    assert npwp["text"]["id"] in form and npwp["id"] not in form  # words, not ids
    assert (
        f'name="file.{ids[npwp["id"]]}"' in form and "Lampirkan NPWP yang sudah diperbaiki" in form
    )

    # one empty answer and a bad file: both at their findings, nothing stored, text kept
    before = _counts(app_id)
    r = b.client.post(
        f"/applications/{app_id}/answers",
        data={
            "csrf_token": b.csrf,
            f"text.{ids[npwp['id']]}": "NPWP <baru> dilampirkan",
            f"text.{ids[other['id']]}": "  ",
        },
        files={f"file.{ids[npwp['id']]}": ("npwp.pdf", b"GIF89a no")},
    )
    assert r.status_code == 422
    assert f'id="nc-{ids[npwp["id"]]}-file-err"' in r.text
    assert f'id="nc-{ids[other["id"]]}-text-err"' in r.text
    assert "Tuliskan apa yang sudah Anda perbaiki." in r.text
    summary = r.text.split('id="answers-errors"', 1)[1].split("</div>", 1)[0]
    assert all(f'href="#nc-{ids[i["id"]]}"' in summary for i in (npwp, other))
    assert "NPWP &lt;baru&gt; dilampirkan</textarea>" in r.text  # kept, escaped
    assert _counts(app_id) == before

    name, data = synthetic.document(next(d for d in SPECS if d["id"] == "npwp"), "abon", "X", 5)
    r = b.client.post(
        f"/applications/{app_id}/answers",
        data={
            "csrf_token": b.csrf,
            f"text.{ids[npwp['id']]}": "NPWP baru dilampirkan",
            f"text.{ids[other['id']]}": "Sudah diperbaiki",
        },
        files={f"file.{ids[npwp['id']]}": (f"baru-{name}", data)},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].endswith("?saved=answers")
    with db.reading() as s:
        assert application(s, app_id).state == "document_review"
        doc = applications.latest_documents(s, app_id)["npwp"]
        assert doc.filename == f"baru-{name}"  # stored as the dossier's NPWP
        resp = s.scalar(
            select(NonconformityResponse).where(
                NonconformityResponse.nonconformity_id == ids[npwp["id"]]
            )
        )
        assert resp.document_id == doc.id
    page = b.get(r.headers["location"]).text
    assert "Jawaban Anda sudah terkirim" in page
    answered = page.split('class="cards answered"', 1)[1].split("</ul>", 1)[0]
    assert f"baru-{name}" in answered and "Dokumen #" not in answered
    # the reviewer sees the answer's file by its name too
    review = sign_in(web, email("reviewer")).get(f"/review/{app_id}").text
    assert f"baru-{name}</a>" in review and "Dokumen #" not in review


def _counts(app_id: int) -> tuple[int, int]:
    with db.reading() as s:
        docs = len(s.scalars(select(Document.id).where(Document.application_id == app_id)).all())
        answers = len(s.scalars(select(NonconformityResponse.id)).all())
    return docs, answers


def test_screening_finding_says_the_document_is_there_once_uploaded(w: World, web) -> None:
    app_id = w.new_application("abon")
    w.submit_with_gaps(app_id, {"npwp"})
    with db.transaction() as s:
        applications.screen(s, w.user(s, "system"), app_id)
    assert w.app(app_id).state == "nonconformity"
    b = sign_in(web, email("applicant0"))
    page = b.get(f"/applications/{app_id}").text
    assert "Dokumen wajib belum ada: NPWP" in page
    npwp = next(d for d in SPECS if d["id"] == "npwp")
    assert upload(b, app_id, npwp).status_code == 303
    page = b.get(f"/applications/{app_id}").text
    assert "Dokumen wajib belum ada" not in page and "Dokumen sudah diunggah ulang" in page


def test_downloads_for_the_owner_only(w: World, web) -> None:
    app_id = w.new_application("abon")
    w.advance_to(app_id, "certified")
    with db.transaction() as s:
        render_test_report(s, application(s, app_id))
        evaluation_report.render(s, application(s, app_id))
    b = sign_in(web, email("applicant0"))
    page = b.get(f"/applications/{app_id}").text
    for link in ("test-report.pdf", "evaluation-report", "certificate.pdf"):
        assert f'href="/applications/{app_id}/{link}"' in page
    report = b.get(f"/applications/{app_id}/evaluation-report")
    assert report.status_code == 200 and report.content.startswith(b"%PDF-")
    assert "sandbox" in report.headers["content-security-policy"]
    w.applicant("abon")  # applicant1, another business
    other = sign_in(web, email("applicant1"))
    assert other.get(f"/applications/{app_id}/evaluation-report").status_code == 404
    assert other.get(f"/applications/{app_id}/test-report.pdf").status_code == 404


def test_the_findings_form_takes_a_file_at_each_finding(w: World, web) -> None:
    """Two files together larger than one document's upload limit reach the service (which
    holds each to its own document's limit); only a body past the form's own bound is 413."""
    app_id = w.new_application("abon")
    npwp, other = _findings(w, app_id)
    ids = _nc_ids(app_id)
    b = sign_in(web, email("applicant0"))
    junk = b"%PDF-1.4\n" + b"0" * (6 * 2**20)  # 6 MB each: over NPWP's 5 MB, unreadable
    r = b.client.post(
        f"/applications/{app_id}/answers",
        data={
            "csrf_token": b.csrf,
            f"text.{ids[npwp['id']]}": "a",
            f"text.{ids[other['id']]}": "b",
        },
        files={
            f"file.{ids[npwp['id']]}": ("a.pdf", junk),
            f"file.{ids[other['id']]}": ("b.pdf", junk),
        },
    )
    assert r.status_code == 422, r.status_code
    assert f'id="nc-{ids[npwp["id"]]}-file-err"' in r.text
    assert f'id="nc-{ids[other["id"]]}-file-err"' in r.text
    huge = b.client.post(
        f"/applications/{app_id}/answers",
        content=b"x" * 10,
        headers={"Content-Length": str(answers_limit() + 1), "Content-Type": "text/plain"},
    )
    assert huge.status_code == 413
