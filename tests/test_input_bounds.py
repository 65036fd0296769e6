"""Malformed input is refused with a 4xx naming the field, never a server error, and text
is bounded and free of control characters the same way on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from snicert import stages
from snicert.db import engine as db
from snicert.db.models import Application, AuditEvent, Business, Nonconformity, User
from snicert.errors import InvalidInput
from snicert.services import accounts, applications, decisions, lab, sessions, text
from snicert.web.app import create_app
from tests.world import World

HUGE = 2**63  # past every 64-bit integer column
MEGABYTE = "x" * 2**20


def count(model: Any) -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(model))


def client(w: World | None = None, user: str | None = None) -> TestClient:
    """In-process client; server exceptions come back as 500s (what a caller would see)."""
    headers = {}
    if user is not None:
        with db.transaction() as s:
            token, _ = sessions.create_api_token(s, s.get(User, w.users[user]), "test")
        headers["Authorization"] = f"Bearer {token}"
    return TestClient(create_app(), headers=headers, raise_server_exceptions=False)


def refused(r: Any, field: str | None = None, status: int = 422) -> dict[str, Any]:
    """A Problem body: detail text, and the field at fault when one is named."""
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert isinstance(body["detail"], str)
    if field is not None:
        assert body["field"] == field, body
    return body


@pytest.fixture
def w(home) -> World:
    return World().setup_staff()


@pytest.fixture
def at_sampling(w: World) -> int:
    app_id = w.new_application("emping")
    w.advance_to(app_id, "sampling")
    stages.plan_samples(app_id)
    return app_id


@pytest.fixture
def open_nc(w: World) -> int:
    app_id = w.new_application("abon")
    w.advance_to(app_id, "document_review")
    with db.transaction() as s:
        items = s.get(Application, app_id).checklist_snapshot["document_items"]
    w.review_all(app_id, nonconform={items[0]["id"]})
    with db.transaction() as s:
        return applications.open_nonconformities(s, app_id)[0].id


# --- former server errors ---------------------------------------------------------------

BAD_BODIES = [
    ({"content": b""}, "body"),  # no body at all
    ({"content": b"{", "headers": {"content-type": "application/json"}}, "body"),
    ({"json": []}, "body"),
    ({"json": "text"}, "body"),
]


@pytest.mark.parametrize(("kwargs", "field"), BAD_BODIES)
def test_missing_or_malformed_json_bodies_are_422(
    w: World, at_sampling: int, open_nc: int, kwargs: dict[str, Any], field: str
) -> None:
    applicant = client(w, "applicant1")  # open_nc's applicant (at_sampling's is applicant0)
    sampler = client(w, "sampler")
    before = count(AuditEvent)
    refused(applicant.post("/api/v1/applications", **kwargs), field)
    refused(applicant.post(f"/api/v1/nonconformities/{open_nc}/answer", **kwargs), field)
    refused(sampler.post(f"/api/v1/applications/{at_sampling}/sampling", **kwargs), field)
    assert count(AuditEvent) == before


def test_wrongly_shaped_fields_are_422_naming_them(w: World, at_sampling: int) -> None:
    w.applicant("abon")
    r = client(w, "applicant1").post(
        "/api/v1/applications",
        json={
            "product": "abon",
            "brand": "Abon Sapi",
            "production_site": "Oebobo",
            "variants": {"rasa": "pedas"},
        },
    )
    refused(r, "variants")
    r = client(w, "sampler").post(
        f"/api/v1/applications/{at_sampling}/sampling",
        json={"seals": ["SG-1", "SG-2"], "location": "Oebobo"},
    )
    refused(r, "seals")
    assert w.app(at_sampling).state == "sampling"


@pytest.mark.parametrize(
    ("user", "path"),
    [
        ("reviewer", f"/api/v1/applications/{HUGE}"),
        ("reviewer", f"/applications/{HUGE}"),
        ("reviewer", f"/documents/{HUGE}"),
        ("analyst", f"/api/v1/lab/applications/{HUGE}"),
        ("reviewer", f"/api/v1/applications/{HUGE}/review"),
        ("reviewer", f"/review/{HUGE}"),
        ("reviewer", "/api/v1/applications/0"),
        ("verifier", f"/lab/results/{HUGE}/verify"),
        (None, f"/api/v1/directory?offset={HUGE}"),
        (None, f"/directory?offset={HUGE}"),
        (None, "/api/v1/directory?offset=-1"),
    ],
)
def test_ids_and_offsets_out_of_range_are_422(w: World, user: str | None, path: str) -> None:
    b = client(w, user)
    r = b.post(path) if path.endswith("/verify") else b.get(path)
    refused(r, "offset" if "offset" in path else None)


def test_ids_in_bodies_are_bounded(w: World, open_nc: int) -> None:
    r = client(w, "applicant0").post(
        f"/api/v1/nonconformities/{open_nc}/answer", json={"text": "Sudah", "document_id": HUGE}
    )
    refused(r, "document_id")


@pytest.mark.parametrize("bad", ["%00", "a%00b", "%1B", "x" * 201])
def test_nul_controls_and_overlong_search_terms(w: World, bad: str) -> None:
    public = client()
    for param in ("q", "city", "sni"):
        refused(public.get(f"/api/v1/directory?{param}={bad}"), param)
        page = public.get(f"/directory?{param}={bad}")
        assert page.status_code == 422 and "Kata pencarian tidak dapat dipakai" in page.text
    # a certificate number that cannot exist is simply not found
    assert public.get(f"/api/v1/certificates/SNI-{bad}").status_code == 404
    assert public.get(f"/verify/{bad}").status_code == 404


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("brand", "x" * 100_000),  # (a megabyte is refused 413 before it is parsed)
        ("brand", "Abon\x00Sapi"),
        ("production_site", "x" * 501),
        ("variants", "pedas\nmanis"),
        ("brand", "Abon \ud800"),
    ],
)
def test_application_text_over_the_limit_or_with_controls(w: World, field: str, value: str) -> None:
    w.applicant("abon")
    body = {"product": "abon", "brand": "Abon Sapi", "production_site": "Oebobo", field: value}
    applicant = client(w, "applicant0")
    before = count(Application), count(AuditEvent)
    content = json.dumps(body)  # a lone surrogate travels as the escape \\ud800
    r = applicant.post(
        "/api/v1/applications", content=content, headers={"content-type": "application/json"}
    )
    refused(r, field)
    assert (count(Application), count(AuditEvent)) == before


def test_answer_and_sampling_text_limits(w: World, at_sampling: int, open_nc: int) -> None:
    refused(
        client(w, "applicant1").post(
            f"/api/v1/nonconformities/{open_nc}/answer", json={"text": "x" * (text.LONG_TEXT + 1)}
        ),
        "text",
    )
    with db.transaction() as s:
        codes = [x.code for x in lab.samples_of(s, at_sampling)]
    sampler = client(w, "sampler")
    r = sampler.post(
        f"/api/v1/applications/{at_sampling}/sampling",
        json={"seals": {c: "S" * 61 for c in codes}, "location": "Oebobo"},
    )
    refused(r, f"seals.{codes[0]}")
    r = sampler.post(
        f"/api/v1/applications/{at_sampling}/sampling",
        json={"seals": {c: "SG-1" for c in codes}, "location": "Oe\x00bobo"},
    )
    refused(r, "location")
    assert w.app(at_sampling).state == "sampling"
    with db.transaction() as s:
        assert all(x.seal_number is None for x in lab.samples_of(s, at_sampling))


# --- the text rules themselves -----------------------------------------------------------


def test_clean_limits_controls_and_lines() -> None:
    assert text.clean("brand", "  Abon  ", Application.brand) == "Abon"
    assert text.clean("brand", "é" * 200, Application.brand) == "é" * 200  # characters
    with pytest.raises(InvalidInput, match="at most 200 characters") as exc:
        text.clean("brand", "é" * 201, Application.brand)
    assert exc.value.field == "brand"
    for bad in ("a\x00", "a\tb", "a\nb", "a\x1bb", "a\x7f", "a\x85b", "\udfff"):
        with pytest.raises(InvalidInput, match="hidden character"):
            text.clean("brand", bad, Application.brand)
    assert (
        text.clean("reason", "satu\r\n\tdua", Nonconformity.description, multiline=True)
        == "satu\n\tdua"
    )
    with pytest.raises(InvalidInput, match="hidden character"):
        text.clean("reason", "satu\x00", Nonconformity.description, multiline=True)
    assert text.limit_of(Nonconformity.description) == text.LONG_TEXT
    with pytest.raises(InvalidInput, match="Required") as empty:
        text.clean("reason", "  ", text.LONG_TEXT, required=True)
    assert empty.value.key == "required"
    assert text.optional("variants", " ", Application.variants) is None
    with pytest.raises(InvalidInput, match="must be text"):
        text.clean("brand", {"a": 1}, Application.brand)


def test_limits_follow_the_columns_on_this_backend(w: World) -> None:
    """A value at the column's length is stored (PostgreSQL would refuse one more), one
    character more is refused before the database sees it, on SQLite too."""
    name = w.applicant("abon")
    with db.transaction() as s:
        app = applications.create(s, w.user(s, name), "abon", "B" * 200, "S" * 500, "V" * 500)
        app_id = app.id
    with db.transaction() as s:
        assert len(s.get(Application, app_id).brand) == 200
    for field, args in (
        ("brand", ("B" * 201, "S")),
        ("brand", (MEGABYTE, "S")),
        ("production_site", ("B", "S" * 501)),
    ):
        with pytest.raises(InvalidInput) as exc, db.transaction() as s:
            applications.create(s, w.user(s, name), "abon", *args)
        assert exc.value.field == field


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("business_name", {"business_name": MEGABYTE}),
        ("address", {"address": "Jl. \x00"}),
        ("name", {"name": "N" * 201}),
        ("email", {"email": "a\x00@umkm.example"}),
        ("phone", {"phone": "0" * 41}),
    ],
)
def test_registration_text_is_bounded(home, field: str, kwargs: dict[str, str]) -> None:
    form = {
        "email": "baru@umkm.example",
        "name": "Ina",
        "password": "rahasia-123",
        "business_name": "UD Ina",
        "nib": "1234567890123",
        "address": "Oebobo",
        "phone": "0812 3456 7890",
        **kwargs,
    }
    with pytest.raises(InvalidInput) as exc, db.transaction() as s:
        accounts.register_applicant(s, **form)
    assert exc.value.field == field
    assert count(Business) == 0


def test_staff_reasons_are_bounded(w: World) -> None:
    app_id = w.new_application("abon")
    w.advance_to(app_id, "decision")
    for reason in ("x" * (text.LONG_TEXT + 1), "Memenuhi\x00"):
        with pytest.raises(InvalidInput) as exc, db.transaction() as s:
            decisions.decide(s, w.user(s, "decider"), app_id, "grant", reason)
        assert exc.value.field == "reason"
    with db.transaction() as s:
        d = decisions.decide(
            s, w.user(s, "decider"), app_id, "grant", "Memenuhi persyaratan.\nLengkap."
        )
        assert d.reason == "Memenuhi persyaratan.\nLengkap."


def test_over_long_result_on_the_lab_page_is_shown_at_its_field(w: World) -> None:
    from tests.test_web_staff import error_next_to, sign_in

    app_id = w.new_application("abon")
    w.advance_to(app_id, "testing")
    w.receive_samples(app_id)
    analyst = sign_in(create_app(), "analyst@lspro.example")
    form = {"moisture.value": "5" * 201, "moisture.unit": "%"}
    r = analyst.post(f"/lab/applications/{app_id}/results", form)
    assert r.status_code == 422
    assert "paling banyak 200 karakter (sekarang 201)" in error_next_to(r.text, "f-moisture-value")
    r = analyst.post(f"/lab/applications/{app_id}/results", {**form, "moisture.value": "5\x1b"})
    assert r.status_code == 422
    assert "karakter tersembunyi" in error_next_to(r.text, "f-moisture-value")
    r = analyst.post(f"/lab/applications/{app_id}/results?lang=en", form)
    assert "at most 200 characters (now 201)" in error_next_to(r.text, "f-moisture-value")


@pytest.mark.parametrize(
    "typed", ["a\x00b@umkm.example", "x" * 5000 + "@umkm.example", "reviewer@lspro.example\x00"]
)
def test_sign_in_with_nul_or_over_long_email_is_refused_not_a_500(w: World, typed: str) -> None:
    c = client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)[1]
    r = c.post(
        "/login",
        data={"email": typed, "password": "rahasia-123", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 401  # no account has that e-mail, so not the reviewer either
