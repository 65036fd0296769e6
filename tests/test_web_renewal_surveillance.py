"""Renewal (applicant) and surveillance results (official) through the API."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from snicert import clock
from snicert.db import engine as db
from snicert.db.models import Certificate
from snicert.services import accounts, monitoring, sessions
from snicert.services.guards import user_by_email
from snicert.web.app import create_app
from tests.world import World


def _api(email: str) -> TestClient:
    with db.transaction() as s:
        token, _ = sessions.create_api_token(s, user_by_email(s, email), "test")
    return TestClient(create_app(), headers={"Authorization": f"Bearer {token}"})


def test_renewal_and_surveillance(home) -> None:
    w = World().setup_staff()
    app_id = w.new_application("tenun_ikat")
    w.advance_to(app_id, "certified")
    with db.transaction() as s:
        cert = s.scalar(select(Certificate).where(Certificate.application_id == app_id))
        owner_email = w.owner(s, app_id).email
    other = w.applicant("tenun_ikat")

    assert (
        _api(f"{other}@umkm.example").post(f"/api/v1/certificates/{cert.id}/renew").status_code
        == 404
    )
    renewed = _api(owner_email).post(f"/api/v1/certificates/{cert.id}/renew")
    assert renewed.status_code == 201
    assert renewed.json()["renewal_of"] == app_id and renewed.json()["state"] == "draft"
    assert _api(owner_email).post(f"/api/v1/certificates/{cert.id}/renew").status_code == 409

    clock.freeze(cert.issued_at + timedelta(days=340))
    with db.transaction() as s:
        [case] = monitoring.open_due_surveillance(s, accounts.system_user(s))
        case_id = case.id
    official = _api("reviewer@lspro.example")
    assert [c["id"] for c in official.get("/api/v1/surveillance").json()] == [case_id]
    assert (
        _api("analyst@lspro.example")
        .post(f"/api/v1/surveillance/{case_id}", json={"passed": False, "note": "x"})
        .status_code
        == 403
    )
    r = official.post(
        f"/api/v1/surveillance/{case_id}",
        json={"passed": False, "note": "Label tidak mencantumkan SNI"},
    )
    assert r.status_code == 200 and r.json()["status"] == "failed"
    public = TestClient(create_app()).get(f"/api/v1/certificates/{cert.number}").json()
    assert public["status"] == "suspended" and "Surveilans" in public["status_reason"]
    again = official.post(f"/api/v1/surveillance/{case_id}", json={"passed": True, "note": "ok"})
    assert again.status_code == 409
