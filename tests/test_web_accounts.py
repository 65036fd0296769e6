"""Accounts on the web: registration, sign-in, CSRF, rate limiting, API tokens."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from snicert import clock
from snicert.db import engine as db
from snicert.db.models import AuditEvent, Business, User
from snicert.web.app import create_app
from tests.world import World

GOOD = {
    "name": "Maria Ndolu",
    "email": "maria@umkm.example",
    "phone": "+62 812 1111 2222",
    "password": "rahasia-123",
    "business_name": "UMKM Abon Maria",
    "nib": "9100000000001",
    "address": "Jl. El Tari No. 5, Kel. Oebobo",
    "city": "Kota Kupang",
}


@pytest.fixture
def client(home) -> TestClient:
    return TestClient(create_app(), base_url="https://testserver")


def _csrf(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def _count(model) -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_register_signs_in_and_shows_own_applications(client: TestClient) -> None:
    token = _csrf(client, "/register")
    r = client.post("/register", data={**GOOD, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/me"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie
    me = client.get("/api/v1/me").json()
    assert me["email"] == GOOD["email"] and me["roles"] == ["applicant"]
    assert "Maria Ndolu" in client.get("/me").text
    with db.transaction() as s:
        assert s.scalar(select(Business.nib)) == GOOD["nib"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("nib", "12345", "13 digits"),
        ("email", "not-an-email", "not an e-mail"),
        ("password", "short", "at least 8"),
    ],
)
def test_register_errors_stand_next_to_the_field(client, field, value, message) -> None:
    token = _csrf(client, "/register")
    r = client.post("/register", data={**GOOD, field: value, "csrf_token": token})
    assert r.status_code == 422
    assert re.search(rf'id="{field}-error">[^<]*{message}', r.text), r.text
    assert 'aria-invalid="true"' in r.text
    assert _count(User) == 1 and _count(Business) == 0  # only the system user


def test_forms_without_csrf_are_refused_and_change_nothing(client: TestClient) -> None:
    before = _count(AuditEvent)
    assert client.post("/register", data=GOOD).status_code == 403
    assert client.post("/register", data={**GOOD, "csrf_token": "forged"}).status_code == 403
    assert client.post("/login", data={"email": "x@y.example", "password": "z"}).status_code == 403
    assert _count(User) == 1 and _count(AuditEvent) == before
    # signed in: logout and token creation need the session's token
    token = _csrf(client, "/register")
    client.post("/register", data={**GOOD, "csrf_token": token})
    assert client.post("/api/v1/tokens", data={"name": "x"}).status_code == 403
    assert client.post("/logout", data={"csrf_token": "nope"}).status_code == 403
    assert client.get("/api/v1/me").status_code == 200  # still signed in


def test_sign_in_and_out(client: TestClient) -> None:
    World().setup_staff()  # reviewer@lspro.example / rahasia-123
    token = _csrf(client, "/login")
    bad = client.post(
        "/login", data={"email": "reviewer@lspro.example", "password": "salah", "csrf_token": token}
    )
    assert bad.status_code == 401 and "salah" in bad.text
    ok = client.post(
        "/login",
        data={"email": "reviewer@lspro.example", "password": "rahasia-123", "csrf_token": token},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert client.get("/api/v1/me").json()["roles"] == ["official"]
    session_csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/me").text)[1]
    assert client.post("/logout", data={"csrf_token": session_csrf}).status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_failed_sign_ins_are_limited(client: TestClient) -> None:
    World().setup_staff()
    token = _csrf(client, "/login")
    for _ in range(5):
        r = client.post(
            "/login",
            data={"email": "reviewer@lspro.example", "password": "salah", "csrf_token": token},
        )
        assert r.status_code == 401
    blocked = client.post(
        "/login",
        data={"email": "reviewer@lspro.example", "password": "rahasia-123", "csrf_token": token},
    )
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers


def test_sign_in_limit_is_shared_by_web_processes_and_ends(client: TestClient) -> None:
    """Failures counted by one process block the next sign-in in another (the count lives
    in the database), per e-mail whatever the address; after the window it is allowed."""
    World().setup_staff()
    token = _csrf(client, "/login")
    for _ in range(5):
        assert (
            client.post(
                "/login",
                data={"email": "reviewer@lspro.example", "password": "salah", "csrf_token": token},
            ).status_code
            == 401
        )
    other = TestClient(
        create_app(), base_url="https://testserver", client=("203.0.113.9", 5000)
    )  # another process, another address
    other_token = _csrf(other, "/login")
    good = {"email": "reviewer@lspro.example", "password": "rahasia-123", "csrf_token": other_token}
    assert other.post("/login", data=good, follow_redirects=False).status_code == 429
    clock.advance(timedelta(minutes=15, seconds=1))
    assert other.post("/login", data=good, follow_redirects=False).status_code == 303


def test_api_tokens(client: TestClient) -> None:
    World().setup_staff()
    token = _csrf(client, "/login")
    client.post(
        "/login",
        data={"email": "reviewer@lspro.example", "password": "rahasia-123", "csrf_token": token},
    )
    session_csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/me").text)[1]
    made = client.post(
        "/api/v1/tokens", data={"name": "SISPK export"}, headers={"X-CSRF-Token": session_csrf}
    )
    assert made.status_code == 201
    api_token = made.json()["token"]
    bare = TestClient(create_app())  # no cookies: the token alone authenticates
    assert bare.get("/api/v1/me").status_code == 401
    me = bare.get("/api/v1/me", headers={"Authorization": f"Bearer {api_token}"})
    assert me.status_code == 200 and me.json()["email"] == "reviewer@lspro.example"
    assert bare.get("/api/v1/me", headers={"Authorization": "Bearer snc_forged"}).status_code == 401
