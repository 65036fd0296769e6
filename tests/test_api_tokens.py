"""API tokens: expiry, listing and revocation by their owner; signing out (here or
everywhere) and changing the password."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select

from snicert import clock
from snicert.db import engine as db
from snicert.db.models import AuditEvent, WebSession
from snicert.services import accounts
from snicert.web.app import create_app
from tests.world import World


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


class Browser:
    """A browser signed in as `email`, with its session's CSRF token."""

    def __init__(self, email: str, password: str = "rahasia-123") -> None:
        self.client = TestClient(create_app(), base_url="https://testserver")
        form = self.client.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)[1]
        r = self.client.post(
            "/login",
            data={"email": email, "password": password, "csrf_token": token},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        self.csrf = re.search(r'name="csrf_token" value="([^"]+)"', self.client.get("/me").text)[1]

    def api(self, method: str, path: str, **kw):
        return self.client.request(method, path, headers={"X-CSRF-Token": self.csrf}, **kw)

    def new_token(self, name: str = "SISPK export", **form) -> dict:
        r = self.api("POST", "/api/v1/tokens", data={"name": name, **form})
        assert r.status_code == 201, r.text
        return r.json()


def _me(token: str) -> int:
    bare = TestClient(create_app())  # no cookies: the token alone authenticates
    return bare.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code


def _actions(action: str) -> list[AuditEvent]:
    with db.transaction() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.fixture
def reviewer(home) -> Browser:
    World().setup_staff()
    return Browser("reviewer@lspro.example")


def test_a_token_expires_after_the_days_chosen(reviewer: Browser) -> None:
    default = reviewer.new_token("default")
    short = reviewer.new_token("short", days="7")
    assert _me(default["token"]) == _me(short["token"]) == 200
    assert len(_actions("api_token.created")) == 2
    for days in ("0", "366", "x"):  # while the session is valid: a body is read only then
        r = reviewer.api("POST", "/api/v1/tokens", data={"name": "n", "days": days})
        assert r.status_code == 422, days
    clock.advance(timedelta(days=7, seconds=1))
    assert _me(short["token"]) == 401 and _me(default["token"]) == 200
    clock.advance(timedelta(days=83))
    assert _me(default["token"]) == 401  # 90 days by default


def test_owner_lists_and_revokes_tokens(reviewer: Browser) -> None:
    first, second = reviewer.new_token("first"), reviewer.new_token("second", days="30")
    assert _me(first["token"]) == 200
    listed = reviewer.api("GET", "/api/v1/tokens").json()
    assert [t["name"] for t in listed] == ["second", "first"]
    assert set(listed[0]) == {
        "id",
        "name",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    }  # never the token
    assert listed[1]["last_used_at"] is not None and listed[0]["last_used_at"] is None
    assert first["token"] not in str(listed) and second["token"] not in str(listed)

    other = Browser("sampler@lspro.example")
    assert other.api("GET", "/api/v1/tokens").json() == []
    assert other.api("DELETE", f"/api/v1/tokens/{first['id']}").status_code == 404
    assert reviewer.client.delete(f"/api/v1/tokens/{first['id']}").status_code == 403  # CSRF
    assert _me(first["token"]) == 200

    r = reviewer.api("DELETE", f"/api/v1/tokens/{first['id']}")
    assert r.status_code == 200 and r.json()["revoked_at"] is not None
    assert _me(first["token"]) == 401 and _me(second["token"]) == 200
    assert reviewer.api("DELETE", f"/api/v1/tokens/{first['id']}").status_code == 200
    # recorded once: revoking again changes nothing
    assert [e.entity_id for e in _actions("api_token.revoked")] == [first["id"]]
    assert reviewer.api("DELETE", "/api/v1/tokens/99999").status_code == 404


def test_signing_out_keeps_tokens_and_signing_out_everywhere_ends_all(reviewer: Browser) -> None:
    token = reviewer.new_token()["token"]
    second_browser = Browser("reviewer@lspro.example")
    r = reviewer.client.post("/logout", data={"csrf_token": reviewer.csrf}, follow_redirects=False)
    assert r.status_code == 303 and reviewer.client.get("/api/v1/me").status_code == 401
    assert _me(token) == 200 and second_browser.client.get("/api/v1/me").status_code == 200

    r = second_browser.client.post(
        "/logout",
        data={"csrf_token": second_browser.csrf, "everywhere": "1"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and _me(token) == 401
    assert second_browser.client.get("/api/v1/me").status_code == 401
    with db.reading() as s:
        assert s.scalar(select(WebSession)) is None
    [event] = _actions("user.signed_out_everywhere")
    assert json.loads(event.data)["tokens_revoked"] == 1
    assert json.loads(event.data)["sessions_ended"] == 1


def test_changing_the_password_ends_every_session_and_token(reviewer: Browser) -> None:
    token = reviewer.new_token()["token"]
    elsewhere = Browser("reviewer@lspro.example")
    wrong = reviewer.api(
        "POST",
        "/api/v1/password",
        data={"current_password": "salah-salah", "new_password": "kain-tenun-ikat-sabu"},
    )
    assert wrong.status_code == 403 and _me(token) == 200
    weak = reviewer.api(
        "POST",
        "/api/v1/password",
        data={"current_password": "rahasia-123", "new_password": "password1"},
    )
    assert weak.status_code == 422 and weak.json()["field"] == "password"
    ok = reviewer.api(
        "POST",
        "/api/v1/password",
        data={"current_password": "rahasia-123", "new_password": "kain-tenun-ikat-sabu"},
    )
    assert ok.status_code == 200 and _me(token) == 401
    assert reviewer.client.get("/api/v1/me").status_code == 401
    assert elsewhere.client.get("/api/v1/me").status_code == 401
    assert len(_actions("user.password_changed")) == 1
    Browser("reviewer@lspro.example", "kain-tenun-ikat-sabu")  # the new password works
