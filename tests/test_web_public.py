"""Public verification page, JSON endpoint and directory: status shows at once, nothing
private is shown."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from snicert import clock
from snicert.db import engine as db
from snicert.db.models import Business, Certificate
from snicert.services import certificates, public
from snicert.web.app import create_app
from tests.world import World


@pytest.fixture
def certified(home) -> tuple[World, TestClient, list[Certificate]]:
    w = World().setup_staff()
    certs = []
    for product in ("abon", "sasando"):
        app_id = w.new_application(product)
        w.advance_to(app_id, "certified")
        with db.transaction() as s:
            certs.append(s.scalar(select(Certificate).where(Certificate.application_id == app_id)))
    return w, TestClient(create_app()), certs


def test_valid_certificate_json_and_page(certified) -> None:
    _, client, (cert, _) = certified
    r = client.get(f"/api/v1/certificates/{cert.number}")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "active" and body["valid"] is True
    assert body["product"]["code"] == "abon" and body["standards"][0]["number"].startswith("SNI")
    assert body["verify_url"].endswith(f"/verify/{cert.number}")
    page = client.get(f"/verify/{cert.number}")
    assert page.status_code == 200 and "BERLAKU" in page.text
    assert 'data-status="active"' in page.text
    assert "VALID" in client.get(f"/verify/{cert.number}?lang=en").text
    assert client.get(f"/verify/{cert.number.lower()}").status_code == 200  # typed lower case


def test_nothing_private_is_shown(certified) -> None:
    _, client, (cert, _) = certified
    with db.transaction() as s:
        business = s.get(Business, cert.business_id)
        private = [business.phone, business.email, business.nib]
    body = json.dumps(client.get(f"/api/v1/certificates/{cert.number}").json())
    page = client.get(f"/verify/{cert.number}").text
    listing = client.get("/api/v1/directory").text
    for secret in private:
        assert secret and secret not in body and secret not in page and secret not in listing
    for word in ("document", "sha256", "value_text", "analyst", "moisture"):
        assert word not in body


def test_status_changes_show_at_once(certified) -> None:
    w, client, (cert, _) = certified
    assert client.get(f"/api/v1/certificates/{cert.number}").json()["valid"]  # now cached
    with db.transaction() as s:
        certificates.suspend(s, w.user(s, "reviewer"), cert.id, "Label tanpa nomor SNI")
    body = client.get(f"/api/v1/certificates/{cert.number}").json()
    assert (body["status"], body["valid"]) == ("suspended", False)
    assert body["status_reason"] == "Label tanpa nomor SNI"
    page = client.get(f"/verify/{cert.number}").text
    assert "DIBEKUKAN" in page and "Label tanpa nomor SNI" in page
    with db.transaction() as s:
        certificates.withdraw(s, w.user(s, "reviewer"), cert.id, "Produk dihentikan")
    assert client.get(f"/api/v1/certificates/{cert.number}").json()["status"] == "withdrawn"
    assert "DICABUT" in client.get(f"/verify/{cert.number}").text


def test_past_validity_is_expired_before_the_sweep_runs(certified) -> None:
    _, client, (cert, _) = certified
    assert client.get(f"/api/v1/certificates/{cert.number}").json()["valid"]  # now cached
    clock.freeze(cert.valid_until + timedelta(seconds=1))
    assert client.get(f"/api/v1/certificates/{cert.number}").json()["status"] == "expired"


def test_another_process_change_shows_within_the_cache_time(certified, monkeypatch) -> None:
    """A change committed elsewhere (another web process) cannot clear this process's
    cache: it shows once the cached answer is CACHE_SECONDS old."""
    w, client, (cert, _) = certified
    assert client.get(f"/api/v1/certificates/{cert.number}").json()["valid"]
    with monkeypatch.context() as m, db.transaction() as s:
        # as another process would do it: its commit clears its own cache, not this one's
        m.setattr(public, "forget_certificates", lambda: None)
        certificates.withdraw(s, w.user(s, "decider"), cert.id, "x")
    assert client.get(f"/api/v1/certificates/{cert.number}").json()["valid"]  # cached
    monkeypatch.setattr(public, "CACHE_SECONDS", 0.0)  # as if the answer were that old
    assert client.get(f"/api/v1/certificates/{cert.number}").json()["status"] == "withdrawn"


def test_unknown_number_is_404(certified) -> None:
    _, client, _ = certified
    assert client.get("/api/v1/certificates/SNI-XXX-2026-9999").status_code == 404
    page = client.get("/verify/SNI-XXX-2026-9999")
    assert page.status_code == 404 and "tidak ditemukan" in page.text


def test_directory_search(certified) -> None:
    w, client, (abon, sasando) = certified
    everything = client.get("/api/v1/directory").json()
    assert everything["total"] == 2
    assert [
        c["number"] for c in client.get("/api/v1/directory?product=sasando").json()["items"]
    ] == [sasando.number]
    assert client.get("/api/v1/directory?sni=3707").json()["total"] == 1
    assert client.get("/api/v1/directory?city=kupang").json()["total"] == 2
    name = abon.data["holder"]["name"]
    assert [
        c["number"]
        for c in client.get("/api/v1/directory", params={"q": name[-6:]}).json()["items"]
    ] == [abon.number]
    page = client.get("/directory?product=abon")
    assert abon.number in page.text and sasando.number not in page.text
    with db.transaction() as s:  # withdrawn certificates leave the directory
        certificates.withdraw(s, w.user(s, "reviewer"), abon.id, "Dicabut")
    assert client.get("/api/v1/directory").json()["total"] == 1


def test_public_keys_verify_the_issued_certificates(certified) -> None:
    _, client, (cert, _) = certified
    keys = client.get("/api/v1/keys").json()["keys"]
    assert cert.key_id in {k["kid"] for k in keys}


def test_openapi_lists_the_public_api(certified) -> None:
    _, client, _ = certified
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/certificates/{number}", "/api/v1/directory", "/api/v1/keys"} <= set(paths)
