"""Complaints and appeals on the web: an anonymous visitor's complaint through the page and
the API (bad input refused), the rate limit, the tracking page showing nothing private,
officials handling it, and an applicant's appeal from the application page."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from snicert.db import engine as db
from snicert.db.models import Appeal, Certificate, Complaint
from snicert.roles import Role
from snicert.services import accounts, decisions, sessions
from snicert.web.app import create_app
from tests.test_web_staff import sign_in
from tests.world import World

PRIVATE = ("Yuliana Benu", "yuliana@example.id", "+6281234567890", "Rahasia pemeriksaan")


@pytest.fixture
def world(home) -> World:
    w = World().setup_staff()
    with db.transaction() as s:
        user, _ = accounts.create_staff(
            s,
            w.user(s, "reviewer"),
            "handler@lspro.example",
            "Handler",
            {Role.OFFICIAL},
            "rahasia-123",
        )
        user.must_change_password = False
        w.users["handler"] = user.id
    return w


@pytest.fixture
def web(world: World) -> FastAPI:
    return create_app()


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]*)"', html)[1]


def count() -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(Complaint))


def certificate(world: World) -> str:
    app_id = world.new_application("abon")
    world.advance_to(app_id, "certified")
    with db.reading() as s:
        return s.scalar(select(Certificate.number).where(Certificate.application_id == app_id))


def test_anonymous_complaint_through_the_page(world: World, web: FastAPI) -> None:
    number = certificate(world)
    client = TestClient(web, base_url="https://testserver")
    r = client.get(f"/verify/{number}")
    assert f"/complaints/new?certificate={number}" in r.text
    assert "/complaints/new" in client.get("/").text
    form = client.get(f"/complaints/new?certificate={number}")
    assert form.status_code == 200 and f'value="{number}"' in form.text
    good = {
        "csrf_token": _token(form.text),
        "subject": "certificate",
        "certificate_number": number,
        "text": "Abon ini berbau tengik.",
        "contact_name": PRIVATE[0],
        "contact_email": PRIVATE[1],
        "contact_phone": "081234567890",
    }
    for field, bad in [
        ("text", ""),
        ("text", "x" * 4001),
        ("text", "nul\x00byte"),
        ("contact_email", "bukan-email"),
        ("certificate_number", "SNI-XXX-2026-0001"),
    ]:
        r = client.post("/complaints/new", data={**good, field: bad}, follow_redirects=False)
        assert r.status_code == 422, (field, bad)
        assert f'id="{field}-error"' in r.text
    r = client.post("/complaints/new", data={**good, "csrf_token": "x"}, follow_redirects=False)
    assert r.status_code == 403
    assert count() == 0
    r = client.post("/complaints/new", data=good, follow_redirects=False)
    assert r.status_code == 303
    url = r.headers["location"]
    code = re.fullmatch(r"/complaints/([A-Z0-9-]{19})\?new=1", url)[1]
    page = client.get(url)
    assert (
        page.status_code == 200 and code in page.text and 'data-status="acknowledged"' in page.text
    )
    assert TestClient(web).get(f"/complaints/{code.lower()}").status_code == 200  # any browser
    assert TestClient(web).get("/complaints/AAAA-BBBB-CCCC-DDDD").status_code == 404


def test_anonymous_complaint_through_the_api(world: World, web: FastAPI) -> None:
    client = TestClient(web)
    good = {"subject": "lspro", "text": "Loket tutup sebelum jam layanan berakhir."}
    for bad in (
        {"text": ""},
        {"text": "x" * 4001},
        {"text": "nul\x00byte"},
        {"contact_email": "bukan-email"},
        {"subject": "tetangga"},
        {"subject": "certificate"},  # without its number
    ):
        r = client.post("/api/v1/complaints", json={**good, **bad})
        assert r.status_code == 422, bad
        assert r.json()["field"]
    assert count() == 0
    r = client.post("/api/v1/complaints", json={**good, "contact_email": "a@b.id"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "acknowledged" and body["url"].endswith(body["tracking"])
    assert "contact_email" not in body
    r = client.get(f"/api/v1/complaints/{body['tracking']}")
    assert r.json()["number"] == body["number"] and "tracking" not in r.json()
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/complaints" in paths and "/api/v1/applications/{app_id}/appeals" in paths


def test_complaints_rate_limited_per_address(world: World, web: FastAPI) -> None:
    client = TestClient(web)
    body = {"subject": "lspro", "text": "Pelayanan lambat."}
    for _ in range(sessions.COMPLAINTS.attempts):
        assert client.post("/api/v1/complaints", json=body).status_code == 201
    r = client.post("/api/v1/complaints", json=body)
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    form = client.get("/complaints/new")
    r = client.post(
        "/complaints/new", data={**body, "csrf_token": _token(form.text)}, follow_redirects=False
    )
    assert r.status_code == 429 and "text/html" in r.headers["content-type"]
    assert count() == sessions.COMPLAINTS.attempts


def test_officials_handle_it_and_the_tracking_page_shows_nothing_private(
    world: World, web: FastAPI
) -> None:
    number = certificate(world)
    r = TestClient(web).post(
        "/api/v1/complaints",
        json={
            "subject": "certificate",
            "certificate_number": number,
            "text": "Abon ini berbau tengik.",
            "contact_name": PRIVATE[0],
            "contact_email": PRIVATE[1],
            "contact_phone": "081234567890",
        },
    )
    code = r.json()["tracking"]
    with db.reading() as s:
        cid = s.scalar(select(Complaint.id))
    decider = sign_in(web, "decider@lspro.example")
    assert r.json()["number"] in decider.get("/official/complaints?status=acknowledged").text
    assert (
        decider.get("/official/complaints?status=closed").text.count("/official/complaints/") == 0
    )
    r = decider.post(f"/official/complaints/{cid}/take")
    # involved: refused with the reason, in the person's words
    assert r.status_code == 403 and "sudah memutuskan permohonan" in r.text
    assert "decided on" not in r.text
    handler = sign_in(web, "handler@lspro.example")
    assert handler.post(f"/official/complaints/{cid}/take").status_code == 303
    r = handler.post(f"/official/complaints/{cid}/investigate", {"note": ""})
    assert r.status_code == 422 and 'id="f-note-error"' in r.text
    note = {"note": f"{PRIVATE[3]}: sampel pasar tengik."}
    assert handler.post(f"/official/complaints/{cid}/investigate", note).status_code == 303
    page = handler.get(f"/official/complaints/{cid}").text
    assert PRIVATE[1] in page and PRIVATE[3] in page  # officials see it all
    close = {"outcome": "upheld", "action": "suspension", "public_outcome": "Terbukti; dibekukan."}
    assert handler.post(f"/official/complaints/{cid}/close", close).status_code == 303
    with db.reading() as s:
        assert s.scalar(select(Certificate.status)) == "suspended"
    for lang in ("id", "en"):
        html = TestClient(web).get(f"/complaints/{code}?lang={lang}").text
        assert "Terbukti; dibekukan." in html and 'data-status="closed"' in html
        for private in (*PRIVATE, "Handler", "Abon ini berbau tengik"):
            assert private not in html
    public = TestClient(web).get(f"/api/v1/complaints/{code}").json()
    assert public["status"] == "closed" and public["outcome"] == "upheld"
    assert not any(p in str(public) for p in PRIVATE)


def test_an_applicant_appeals_a_refusal_from_the_application_page(
    world: World, web: FastAPI
) -> None:
    app_id = world.new_application("abon")
    world.advance_to(app_id, "decision", failing={"moisture"})
    with db.transaction() as s:
        decisions.decide(s, world.user(s, "decider"), app_id, "refuse", "Kadar air tinggi.")
    owner = sign_in(web, "applicant0@umkm.example")
    page = owner.get(f"/applications/{app_id}").text
    assert f'action="/applications/{app_id}/appeal"' in page
    r = owner.post(f"/applications/{app_id}/appeal", {"kind": "refusal", "grounds": ""})
    assert r.status_code == 422
    r = owner.post(f"/applications/{app_id}/appeal", {"kind": "refusal", "grounds": "Uji ulang."})
    assert r.status_code == 303
    page = owner.get(f"/applications/{app_id}").text
    assert 'data-appeal="acknowledged"' in page and '/appeal"' not in page
    r = owner.api(
        "POST",
        f"/api/v1/applications/{app_id}/appeals",
        json={"kind": "refusal", "grounds": "lagi"},
    )
    assert r.status_code == 409
    assert owner.api("GET", f"/api/v1/applications/{app_id}/appeals").json()[0]["status"] == (
        "acknowledged"
    )
    with db.reading() as s:
        aid = s.scalar(select(Appeal.id))
    decider = sign_in(web, "decider@lspro.example")
    assert decider.post(f"/official/appeals/{aid}/take").status_code == 403
    handler = sign_in(web, "handler@lspro.example")
    assert handler.post(f"/official/appeals/{aid}/take").status_code == 303
    r = handler.post(f"/official/appeals/{aid}/decide", {"outcome": "overturn", "reasons": "x"})
    assert r.status_code == 422 and 'id="f-next_step-error"' in r.text
    decide = {"outcome": "uphold", "reasons": "Hasil uji sah; metode sesuai SNI."}
    assert handler.post(f"/official/appeals/{aid}/decide", decide).status_code == 303
    assert 'data-appeal="upheld"' in owner.get(f"/applications/{app_id}").text
