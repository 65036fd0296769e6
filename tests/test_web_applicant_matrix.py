"""Applicant and public routes for every role: who gets what, and nothing changes.

An applicant sees only their own business's applications, documents and certificates:
another business's ids answer 404, exactly as ids that exist nowhere. Staff see every
case but may not act as the applicant. The public sees verification and the directory.
"""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from snicert import evaluation_report, storage
from snicert.db import engine as db
from snicert.db.models import AuditEvent, Certificate, Document
from snicert.reports import render_test_report
from snicert.services import fees, site_audits
from snicert.services.guards import application
from snicert.web.app import create_app
from tests.test_web_staff import NONE, count, email, sign_in
from tests.world import World

ROLES = ["anonymous", "applicant0", "applicant1", "reviewer", "analyst"]


@pytest.fixture
def case(home) -> dict[str, object]:
    w = World().setup_staff()
    mine = w.new_application("abon")  # applicant0's, submitted: nothing more to upload
    w.advance_to(mine, "document_review")
    theirs = w.new_application("sasando")  # applicant1's
    w.advance_to(theirs, "document_review")
    done = w.new_application("abon", applicant="applicant0")
    w.advance_to(done, "certified")
    with db.transaction() as s:  # (the flow renders them when testing closes; World does not)
        render_test_report(s, application(s, done))
        evaluation_report.render(s, application(s, done))
    with db.reading() as s:

        def doc(app_id: int) -> int:
            return s.scalar(select(Document.id).where(Document.application_id == app_id).limit(1))

        cert = s.scalar(select(Certificate).where(Certificate.application_id == done))
        return {
            "w": w,
            "mine": mine,
            "theirs": theirs,
            "done": done,
            "cert": cert.id,
            "number": cert.number,
            "doc": doc(mine),
            "doc_theirs": doc(theirs),
            "audit": site_audits.case_audit(s, done).id,  # passed on the way
            "proof": fees.proofs(s, fees.invoice(s, mine).id)[0].id,  # paid on the way
        }


A, B, R, L = "applicant0", "applicant1", "reviewer", "analyst"


def every(status: int, anonymous: int | None = None) -> dict[str, int]:
    return {**dict.fromkeys(ROLES, status), **({"anonymous": anonymous} if anonymous else {})}


# applicant0 owns {mine} (submitted), {done} (certified: {cert}) and {doc};
# applicant1 owns {theirs} (submitted) and {doc_theirs}; staff see every case.
OWN_A = {"anonymous": 401, A: 200, B: 404, R: 200, L: 200}
OWN_B = {"anonymous": 401, A: 404, B: 200, R: 200, L: 200}
PAGE_A = {**OWN_A, "anonymous": 303}
PAGE_B = {**OWN_B, "anonymous": 303}
# (method, path, payload, expected status per role). POSTs use inputs that are refused
# (already submitted, empty product, ids that exist nowhere), so nothing may change.
MATRIX = [
    # signed-in people go from the home page to their own work (snicert.web.nav.landing)
    ("GET", "/", None, every(303, anonymous=200)),
    ("GET", "/verify/{number}", None, every(200)),
    ("GET", "/directory", None, every(200)),
    ("GET", "/api/v1/certificates/{number}", None, every(200)),
    ("GET", "/api/v1/certificates/SNI-XXX-2026-9999", None, every(404)),
    ("GET", "/api/v1/directory", None, every(200)),
    ("GET", "/api/v1/keys", None, every(200)),
    ("GET", "/openapi.json", None, every(200)),
    # only applicants start applications: staff get the 403 page
    ("GET", "/applications/new", None, {"anonymous": 303, A: 200, B: 200, R: 403, L: 403}),
    (
        "POST",
        "/applications",
        {"product": "", "brand": "x", "production_site": "y"},
        {"anonymous": 303, A: 422, B: 422, R: 403, L: 403},
    ),
    ("GET", "/applications/{mine}", None, PAGE_A),
    ("GET", "/applications/{theirs}", None, PAGE_B),
    ("GET", f"/applications/{NONE}", None, every(404, anonymous=303)),
    ("POST", "/applications/{mine}/submit", {}, {"anonymous": 303, A: 409, B: 404, R: 403, L: 403}),
    (
        "POST",
        "/applications/{theirs}/submit",
        {},
        {"anonymous": 303, A: 404, B: 409, R: 403, L: 403},
    ),
    ("POST", f"/applications/{NONE}/answers", {"text.1": "x"}, every(404, anonymous=303)),
    # withdraw: the question for the case's applicant alone; {done} is closed (certified),
    # so its applicant is told so on the case page instead (409)
    ("GET", "/applications/{mine}/withdraw", None, {**PAGE_A, R: 403, L: 403}),
    ("GET", "/applications/{theirs}/withdraw", None, {**PAGE_B, R: 403, L: 403}),
    ("GET", "/applications/{done}/withdraw", None, {**PAGE_A, A: 409, R: 403, L: 403}),
    ("GET", f"/applications/{NONE}/withdraw", None, every(404, anonymous=303)),
    ("POST", "/applications/{done}/withdraw", {}, {**PAGE_A, A: 409, R: 403, L: 403}),
    ("POST", f"/applications/{NONE}/withdraw", {}, every(404, anonymous=303)),
    # the quotation and the invoice: the business's and the staff's, nobody else's
    ("GET", "/applications/{mine}/quotation", None, PAGE_A),
    ("GET", "/applications/{theirs}/quotation", None, PAGE_B),
    ("GET", "/applications/{mine}/quotation.pdf", None, OWN_A),
    ("GET", "/applications/{theirs}/invoice.pdf", None, OWN_B),
    ("GET", "/api/v1/applications/{mine}/fees", None, OWN_A),
    ("GET", "/api/v1/agreement", None, every(200)),
    ("GET", "/payment-proofs/{proof}", None, OWN_A),
    ("GET", f"/payment-proofs/{NONE}", None, every(404, anonymous=401)),
    ("GET", "/applications/{done}/certificate.pdf", None, OWN_A),
    ("GET", "/applications/{done}/test-report.pdf", None, OWN_A),
    # the evaluation summary: the case's business and officials (not the lab)
    ("GET", "/applications/{done}/evaluation-report", None, {**OWN_A, L: 403}),
    ("GET", "/applications/{mine}/evaluation-report", None, {**OWN_A, A: 404, R: 404, L: 403}),
    ("GET", f"/applications/{NONE}/evaluation-report", None, every(404, anonymous=401)),
    # (still in document review: no test report yet, for whoever may see it)
    ("GET", "/applications/{mine}/test-report.pdf", None, {**OWN_A, A: 404, R: 404, L: 404}),
    ("GET", "/applications/{done}/certificate.json", None, OWN_A),
    ("GET", "/applications/{theirs}/certificate.pdf", None, every(404, anonymous=401)),
    ("POST", f"/certificates/{NONE}/renew", {}, every(404, anonymous=303)),
    ("GET", "/documents/{doc}", None, OWN_A),
    ("GET", "/documents/{doc_theirs}", None, OWN_B),
    ("GET", f"/documents/{NONE}", None, every(404, anonymous=401)),
    # the inline preview: its page and its sandboxed file, by the download's rule
    ("GET", "/documents/{doc}/view", None, PAGE_A),
    ("GET", "/documents/{doc_theirs}/view", None, PAGE_B),
    ("GET", f"/documents/{NONE}/view", None, every(404, anonymous=303)),
    ("GET", "/documents/{doc}/inline", None, OWN_A),
    ("GET", "/documents/{doc_theirs}/inline", None, OWN_B),
    ("GET", f"/documents/{NONE}/inline", None, every(404, anonymous=401)),
    # sample labels: staff who handle samples (the analyst and officials), never applicants
    (
        "GET",
        "/sampling/{done}/labels.pdf",
        None,
        {"anonymous": 303, A: 403, B: 403, R: 200, L: 200},
    ),
    (
        "GET",
        f"/sampling/{NONE}/labels.pdf",
        None,
        {"anonymous": 303, A: 403, B: 403, R: 404, L: 404},
    ),
    ("GET", "/api/v1/applications", None, every(200, anonymous=401)),
    (
        "POST",
        "/api/v1/applications",
        {"product": "", "brand": "x", "production_site": "y"},
        {"anonymous": 401, A: 422, B: 422, R: 403, L: 403},
    ),
    ("GET", "/api/v1/applications/{mine}", None, OWN_A),
    ("GET", "/api/v1/applications/{theirs}", None, OWN_B),
    (
        "POST",
        "/api/v1/applications/{mine}/submit",
        None,
        {"anonymous": 401, A: 409, B: 404, R: 403, L: 403},
    ),
    (
        "POST",
        "/api/v1/applications/{theirs}/submit",
        None,
        {"anonymous": 401, A: 404, B: 409, R: 403, L: 403},
    ),
    ("POST", f"/api/v1/certificates/{NONE}/renew", None, every(404, anonymous=401)),
    (
        "POST",
        "/api/v1/applications/{done}/withdraw",
        {},
        {"anonymous": 401, A: 409, B: 404, R: 403, L: 403},
    ),
    ("POST", f"/api/v1/applications/{NONE}/withdraw", {}, every(404, anonymous=401)),
    ("POST", f"/api/v1/nonconformities/{NONE}/answer", {"text": "x"}, every(404, anonymous=401)),
    ("GET", "/api/v1/tokens", None, every(200, anonymous=401)),
    # the satisfaction survey: {done} is closed, so its applicant is invited; the POSTs
    # leave every score out (422 for the applicant), and staff may not answer (403)
    ("GET", "/skm", None, every(200)),
    ("GET", "/api/v1/skm", None, every(200)),
    ("GET", "/applications/{done}/survey", None, {**PAGE_A, R: 403, L: 403}),
    ("GET", "/applications/{mine}/survey", None, {**PAGE_A, R: 403, L: 403}),
    ("GET", f"/applications/{NONE}/survey", None, every(404, anonymous=303)),
    ("POST", "/applications/{done}/survey", {}, {**PAGE_A, A: 422, R: 403, L: 403}),
    ("POST", "/applications/{mine}/survey", {}, {**PAGE_A, A: 409, R: 403, L: 403}),
    ("GET", "/api/v1/applications/{done}/survey", None, OWN_A),
    ("GET", "/api/v1/applications/{mine}/survey", None, every(404, anonymous=401)),
    (
        "POST",
        "/api/v1/applications/{done}/survey",
        {"scores": {}},
        {"anonymous": 401, A: 422, B: 404, R: 403, L: 403},
    ),
    (
        "POST",
        f"/api/v1/applications/{NONE}/survey",
        {"scores": {}},
        every(404, anonymous=401),
    ),
    ("DELETE", f"/api/v1/tokens/{NONE}", None, every(404, anonymous=401)),
    # complaints: public (refused inputs: no CSRF cookie, empty text, unknown codes);
    # appeals: {done} is certified and active, so its applicant has nothing to appeal
    ("GET", "/complaints/new", None, every(200)),
    ("POST", "/complaints/new", {"subject": "lspro", "text": "x"}, every(403)),
    ("GET", "/complaints/AAAA-BBBB-CCCC-DDDD", None, every(404)),
    ("GET", "/api/v1/complaints/AAAA-BBBB-CCCC-DDDD", None, every(404)),
    ("POST", "/api/v1/complaints", {"subject": "lspro", "text": ""}, every(422)),
    (
        "POST",
        "/applications/{done}/appeal",
        {"kind": "refusal", "grounds": "x"},
        {**PAGE_A, A: 409, R: 403, L: 403},
    ),
    (
        "POST",
        "/api/v1/applications/{done}/appeals",
        {"kind": "refusal", "grounds": "x"},
        {"anonymous": 401, A: 409, B: 404, R: 403, L: 403},
    ),
    ("GET", "/api/v1/applications/{done}/appeals", None, OWN_A),
    ("GET", "/api/v1/applications/{theirs}/appeals", None, OWN_B),
    # the site audit of {done}: its report for its business and staff; the auditor's and
    # official's pages for them alone; answers to findings that exist nowhere
    ("GET", "/audits/{audit}/report.pdf", None, OWN_A),
    ("GET", "/audits/{audit}/report.html", None, OWN_A),
    ("GET", "/audits/{audit}", None, {"anonymous": 303, A: 403, B: 403, R: 200, L: 403}),
    ("GET", f"/audit-evidence/{NONE}", None, every(404, anonymous=401)),
    (
        "POST",
        f"/audit-findings/{NONE}/answer",
        {"cause": "x", "action": "y", "deadline": "2026-12-01"},
        every(404, anonymous=303),
    ),
]


# where each signed-in role lands (asserted here, not read from snicert.web.nav)
LANDS = {A: "/me", B: "/me", R: "/dashboard", L: "/lab"}


@pytest.fixture
def web(home) -> FastAPI:
    return create_app()


@pytest.mark.parametrize("role", ROLES)
def test_every_applicant_and_public_route_for_every_role(case, web, role) -> None:
    b = sign_in(web, None if role == "anonymous" else email(role))
    before = count(AuditEvent)
    wrong = []
    for method, path, payload, expected in MATRIX:
        path = path.format(**case)
        if method == "GET":
            r = b.get(path)
        elif path.startswith("/api/"):
            r = b.api(method, path, json=payload)
        else:
            r = b.post(path, payload)
        if r.status_code != expected[role]:
            wrong.append((method, path, r.status_code, expected[role]))
        elif r.status_code == 303:
            lands = "/login" if role == "anonymous" else LANDS[role]
            assert r.headers["location"] == lands, (method, path, r.headers["location"])
    assert not wrong, wrong
    assert count(AuditEvent) == before  # nothing recorded by any of them


def test_list_shows_only_own_applications(case, web) -> None:
    mine = {
        a["id"] for a in sign_in(web, email(A)).api("GET", "/api/v1/applications").json()["items"]
    }
    assert mine == {case["mine"], case["done"]}
    staff = {
        a["id"] for a in sign_in(web, email(R)).api("GET", "/api/v1/applications").json()["items"]
    }
    assert {case["mine"], case["done"], case["theirs"]} <= staff


def test_document_download_is_the_stored_file_sent_safely(case, web) -> None:
    with db.reading() as s:
        doc = s.get(Document, case["doc"])
        name, media, data = doc.filename, doc.media_type, storage.get(doc.sha256)
    for who in (A, R):  # the owner, and the reviewer who checks the dossier
        r = sign_in(web, email(who)).get(f"/documents/{case['doc']}")
        assert r.status_code == 200 and r.content == data
        assert r.headers["content-type"].startswith(media)
        assert r.headers["content-disposition"].startswith("attachment;")
        assert name.split(".")[0] in r.headers["content-disposition"]
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["content-security-policy"] == "sandbox"
    review = sign_in(web, email(R)).get(f"/review/{case['mine']}").text
    assert f'href="/documents/{case["doc"]}"' in review
    draft = case["w"].new_application("abon", applicant=A)  # documents are listed in drafts
    with db.reading() as s:
        ids = set(s.scalars(select(Document.id).where(Document.application_id == draft)))
    page = sign_in(web, email(A)).get(f"/applications/{draft}").text
    assert ids and all(f'href="/documents/{i}"' in page for i in ids)
