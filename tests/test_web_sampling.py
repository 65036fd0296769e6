"""The sampling officer's page and API."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from snicert import stages
from snicert.db import engine as db
from snicert.services import lab
from snicert.web.app import create_app
from tests.world import World


def _signed_in(email: str) -> TestClient:
    client = TestClient(create_app())
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)[1]
    r = client.post(
        "/login",
        data={"email": email, "password": "rahasia-123", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    return client


@pytest.fixture
def waiting(home) -> tuple[World, int]:
    w = World().setup_staff()
    app_id = w.new_application("emping")
    w.advance_to(app_id, "sampling")
    stages.plan_samples(app_id)
    return w, app_id


def test_sampler_records_sealed_samples(waiting) -> None:
    w, app_id = waiting
    client = _signed_in("sampler@lspro.example")
    page = client.get("/sampling").text
    with db.transaction() as s:
        codes = [x.code for x in lab.samples_of(s, app_id)]
    assert all(code in page for code in codes)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    missing = client.post(
        f"/sampling/{app_id}",
        data={"csrf_token": csrf, f"seal_{codes[0]}": "SG-1", "location": "Oebobo"},
    )
    assert missing.status_code == 422 and "nomor segel" in missing.text
    assert w.app(app_id).state == "sampling"
    done = client.post(
        f"/sampling/{app_id}",
        data={
            "csrf_token": csrf,
            "location": "Oebobo",
            **{f"seal_{c}": f"SG-{i}" for i, c in enumerate(codes)},
        },
    )
    assert done.status_code == 200 and w.app(app_id).state == "testing"
    with db.transaction() as s:
        assert [x.seal_number for x in lab.samples_of(s, app_id)] == ["SG-0", "SG-1"]


@pytest.mark.parametrize("email", ["analyst@lspro.example", "reviewer@lspro.example"])
def test_only_samplers(waiting, email: str) -> None:
    client = _signed_in(email)
    assert client.get("/sampling").status_code == 403
    assert client.get("/api/v1/sampling").status_code == 403


def test_sampling_api_with_token(waiting) -> None:
    from snicert.services import sessions
    from snicert.services.guards import user_by_email

    w, app_id = waiting
    with db.transaction() as s:
        token, _ = sessions.create_api_token(s, user_by_email(s, "sampler@lspro.example"), "t")
    api = TestClient(create_app(), headers={"Authorization": f"Bearer {token}"})
    [item] = api.get("/api/v1/sampling").json()
    seals = {x["code"]: "SG-9" for x in item["samples"]}
    r = api.post(
        f"/api/v1/applications/{app_id}/sampling", json={"seals": seals, "location": "Kupang"}
    )
    assert r.status_code == 200 and r.json()["state"] == "testing"
