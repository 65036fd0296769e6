"""Applicants withdraw their own open application (web with a confirmation step, API), and
may only start applications for products whose checklist is approved."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from snicert.catalog import default_catalog
from snicert.db import engine as db
from snicert.db.models import Application, AuditEvent
from snicert.services import accounts, checklists, sessions
from snicert.services.guards import user_by_email
from snicert.web.app import create_app
from tests.test_web_applicant import _csrf, _new_app, _register
from tests.world import World


@pytest.fixture
def two(home) -> tuple[TestClient, TestClient]:
    a, b = TestClient(create_app()), TestClient(create_app())
    _register(a, 1)
    _register(b, 2)
    World().setup_staff()  # approves the checklists
    return a, b


def _events(action: str) -> list[dict]:
    with db.transaction() as s:
        return [
            json.loads(e.data)
            for e in s.scalars(select(AuditEvent).where(AuditEvent.action == action))
        ]


def _state(app_id: int) -> str:
    with db.transaction() as s:
        return s.get(Application, app_id).state


def _api(email: str) -> TestClient:
    with db.transaction() as s:
        token, _ = sessions.create_api_token(s, user_by_email(s, email), "app")
    return TestClient(create_app(), headers={"Authorization": f"Bearer {token}"})


def test_withdraw_asks_first_then_withdraws_once(two) -> None:
    client, other = two
    app_id = _new_app(client)
    page = client.get(f"/applications/{app_id}").text
    assert f'href="/applications/{app_id}/withdraw"' in page

    sure = client.get(f"/applications/{app_id}/withdraw")
    assert sure.status_code == 200 and "Yakin?" in sure.text
    assert "tidak dapat dilanjutkan" in sure.text and "permohonan baru" in sure.text
    assert _state(app_id) == "draft" and _events("application.withdrawn") == []  # only asked

    # another business can neither see the question nor withdraw
    assert other.get(f"/applications/{app_id}/withdraw").status_code == 404
    r = other.post(f"/applications/{app_id}/withdraw", data={"csrf_token": _csrf(other)})
    assert r.status_code == 404 and _state(app_id) == "draft"

    r = client.post(
        f"/applications/{app_id}/withdraw",
        data={"reason": "Usaha pindah lokasi", "csrf_token": _csrf(client)},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/applications/{app_id}"
    assert _state(app_id) == "withdrawn"
    [event] = _events("application.withdrawn")
    assert event["reason"] == "Usaha pindah lokasi" and event["from"] == "draft"

    page = client.get(f"/applications/{app_id}").text
    assert 'data-state="withdrawn"' in page and f"/applications/{app_id}/withdraw" not in page
    again = client.get(f"/applications/{app_id}/withdraw")  # nothing left to confirm
    assert again.status_code == 409 and "sudah ditarik sebelumnya" in again.text
    assert "Yakin?" not in again.text
    r = client.post(f"/applications/{app_id}/withdraw", data={"csrf_token": _csrf(client)})
    assert r.status_code == 409 and "Permohonan APP-" in r.text
    assert "sudah ditarik sebelumnya" in r.text
    assert len(_events("application.withdrawn")) == 1  # refused: nothing recorded twice


def test_withdraw_needs_the_session_token(two) -> None:
    client, _ = two
    app_id = _new_app(client)
    r = client.post(f"/applications/{app_id}/withdraw", data={"csrf_token": "forged"})
    assert r.status_code == 403 and _state(app_id) == "draft"


def test_withdraw_api_with_and_without_a_reason(two) -> None:
    client, _ = two
    first, second = _new_app(client), _new_app(client)
    api = _api("owner1@umkm.example")
    r = api.post(f"/api/v1/applications/{first}/withdraw", json={})
    assert r.status_code == 200 and r.json() == {"id": first, "state": "withdrawn"}
    r = api.post(f"/api/v1/applications/{second}/withdraw", json={"reason": "Belum siap"})
    assert r.status_code == 200 and _state(second) == "withdrawn"
    events = _events("application.withdrawn")
    assert len(events) == 2 and "reason" not in events[0] and events[1]["reason"] == "Belum siap"

    refused = api.post(f"/api/v1/applications/{first}/withdraw", json={})
    body = refused.json()
    assert refused.status_code == 409 and "final state" in body["detail"]
    assert body["message"].endswith("sudah ditarik sebelumnya.")
    english = api.post(f"/api/v1/applications/{first}/withdraw?lang=en", json={})
    assert english.json()["message"].endswith("has already been withdrawn.")
    too_long = api.post(f"/api/v1/applications/{first}/withdraw", json={"reason": "x" * 10_001})
    assert too_long.status_code == 422 and too_long.json()["field"] == "reason"


def test_withdraw_is_refused_in_final_states_and_for_others(two) -> None:
    client, _ = two
    certified, refused = _new_app(client), _new_app(client)
    with db.transaction() as s:  # as if the cases had run their course
        s.get(Application, certified).state = "certified"
        s.get(Application, refused).state = "refused"
    api = _api("owner1@umkm.example")
    for app_id, word in ((certified, "bersertifikat"), (refused, "ditolak")):
        r = api.post(f"/api/v1/applications/{app_id}/withdraw", json={})
        assert r.status_code == 409 and f"sudah selesai ({word})" in r.json()["message"]
        page = client.get(f"/applications/{app_id}").text
        assert f"/applications/{app_id}/withdraw" not in page  # no button on a closed case
    open_one = _new_app(client)
    assert (
        _api("owner2@umkm.example")
        .post(f"/api/v1/applications/{open_one}/withdraw", json={})
        .status_code
        == 404
    )  # another business's case does not exist for them
    assert (
        _api("reviewer@lspro.example")
        .post(f"/api/v1/applications/{open_one}/withdraw", json={})
        .status_code
        == 403
    )  # staff see it, but only its applicant may withdraw it
    assert _state(open_one) == "draft" and _events("application.withdrawn") == []


def test_only_products_open_for_application_are_offered(home) -> None:
    client = TestClient(create_app())
    _register(client, 1)
    page = client.get("/applications/new").text
    assert 'id="no-products"' in page and "<select" not in page  # nothing approved yet
    with db.transaction() as s:
        official, _ = accounts.bootstrap_official(
            s, "reviewer@lspro.example", "Reviewer", "rahasia-123"
        )
        checklists.approve(s, official, "abon", default_catalog().checklists["abon"].version)
    page = client.get("/applications/new").text
    assert re.findall(r'<option value="([^"]+)"', page) == ["abon"]

    form = {"brand": "Sasando Rote", "production_site": "Kupang", "csrf_token": _csrf(client)}
    r = client.post("/applications", data={**form, "product": "sasando"})
    assert r.status_code == 422
    assert re.search(r'id="product-error">Produk Sasando belum dibuka untuk permohonan', r.text)
    assert 'value="Sasando Rote"' in r.text  # what was typed stays
    api = _api("owner1@umkm.example")
    r = api.post("/api/v1/applications", json={**form, "product": "sasando"})
    assert r.status_code == 422 and r.json()["field"] == "product"
    assert r.json()["message"].startswith("Produk Sasando belum dibuka")
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Application)) == 0
    assert _new_app(client, "abon") > 0  # the approved one starts
