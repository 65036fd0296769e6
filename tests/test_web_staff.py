"""Lab and official pages and API: who may call what, a whole case through the web by
staff, CSRF, and the same through the JSON API with bearer tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from snicert import clock, messages, stages, synthetic
from snicert.db import engine as db
from snicert.db.models import (
    Application,
    AuditEvent,
    Certificate,
    LabResult,
    Nonconformity,
    Sample,
    User,
)
from snicert.services import applications, dates, lab, sessions
from snicert.web.app import create_app
from tests.world import World

PASSWORD = "rahasia-123"
NONE = 999999  # an id that exists nowhere: allowed callers get 404, others 401/403


@dataclass
class Browser:
    """A signed-in browser: its cookies, and the session's CSRF token for forms."""

    client: TestClient
    csrf: str

    def get(self, path: str, **kw: Any):
        return self.client.get(path, follow_redirects=False, **kw)

    def post(self, path: str, data: dict[str, str] | None = None, csrf: bool = True, **kw):
        form = {**(data or {}), **({"csrf_token": self.csrf} if csrf else {})}
        return self.client.post(path, data=form, follow_redirects=False, **kw)

    def api(self, method: str, path: str, **kw: Any):
        headers = {"X-CSRF-Token": self.csrf} if self.csrf else {}
        return self.client.request(method, path, headers=headers, follow_redirects=False, **kw)


def _token_in(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]*)"', html)[1]


def sign_in(app: FastAPI, email: str | None) -> Browser:
    client = TestClient(app, base_url="https://testserver")
    if email is None:
        return Browser(client, "")
    token = _token_in(client.get("/login").text)
    r = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return Browser(client, _token_in(client.get("/me").text))


def email(name: str) -> str:
    return f"{name}@umkm.example" if name.startswith("applicant") else f"{name}@lspro.example"


def bearer(w: World, name: str) -> dict[str, str]:
    with db.transaction() as s:
        token, _ = sessions.create_api_token(s, s.get(User, w.users[name]), "test")
    return {"Authorization": f"Bearer {token}"}


def count(model, *where) -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def state(app_id: int) -> str:
    with db.transaction() as s:
        return s.get(Application, app_id).state


def error_next_to(html: str, field_id: str) -> str:
    """The error text shown right after the field with this id (aria-describedby)."""
    assert re.search(rf'id="{field_id}"[^>]*aria-invalid="true"', html), field_id
    m = re.search(rf'<p class="error" id="{field_id}-error">([^<]*)</p>', html)
    assert m, f"no error next to {field_id}"
    return m[1]


def send_samples(w: World, app_id: int) -> list[Sample]:
    """The sampler took and sealed the planned samples (through the service layer)."""
    with db.transaction() as s:
        samples = lab.create_samples(s, w.user(s, "system"), app_id)
        lab.record_sampling(
            s,
            w.user(s, "sampler"),
            app_id,
            {x.code: f"SEAL-{x.id}" for x in samples},
            "Gudang, Kota Kupang",
        )
        return samples


def parameters(app_id: int) -> list[dict[str, Any]]:
    with db.transaction() as s:
        return s.get(Application, app_id).checklist_snapshot["parameters"]


def answer_all(w: World, app_id: int) -> None:
    with db.transaction() as s:
        for nc in applications.open_nonconformities(s, app_id):
            applications.answer_nonconformity(s, w.owner(s, app_id), nc.id, "Sudah diperbaiki")


@pytest.fixture
def world(home) -> World:
    return World().setup_staff()


@pytest.fixture
def web(home) -> FastAPI:
    return create_app()


# --- who may call what -------------------------------------------------------------------

LAB = {"analyst", "verifier", "labboth"}
ANALYST = {"analyst", "labboth"}
VERIFIER = {"verifier", "labboth"}
OFFICIAL = {"reviewer"}
AUDITOR = {"auditor"}
AUDIT_STAFF = {"auditor", "reviewer"}
ROLES = [
    "anonymous",
    "applicant0",
    "reviewer",
    "sampler",
    "analyst",
    "verifier",
    "labboth",
    "auditor",
]
SIGNED_IN = set(ROLES) - {"anonymous"}

# (method, path, who may, status for them, form or JSON body); {app} is a real application
PAGES = [
    ("GET", "/lab", LAB, 200, None),
    ("GET", "/lab/applications/{app}", LAB, 200, None),
    ("POST", f"/lab/samples/{NONE}/receive", LAB, 404, {"seal_number": "X", "seal_intact": "1"}),
    (
        "POST",
        f"/lab/applications/{NONE}/results",
        ANALYST,
        404,
        {"moisture.value": "5", "moisture.unit": "%"},
    ),
    ("GET", "/lab/verify", VERIFIER, 200, None),
    ("POST", f"/lab/results/{NONE}/verify", VERIFIER, 404, {}),
    ("POST", f"/lab/results/{NONE}/retract", VERIFIER, 404, {"reason": "x"}),
    ("POST", f"/lab/results/{NONE}/retest", VERIFIER, 404, {"reason": "x"}),
    ("GET", "/dashboard", OFFICIAL, 200, None),
    ("GET", "/review/{app}", OFFICIAL, 200, None),
    ("POST", f"/review/{NONE}", OFFICIAL, 404, {"verdict.npwp_present": "conform"}),
    ("GET", "/evaluation/{app}", OFFICIAL, 200, None),
    ("GET", "/evaluation/{app}/report.pdf", OFFICIAL, 404, None),  # not rendered yet
    ("POST", f"/evaluation/{NONE}", OFFICIAL, 404, {}),
    ("GET", "/decision/{app}", OFFICIAL, 200, None),
    ("POST", f"/decision/{NONE}", OFFICIAL, 404, {"outcome": "grant", "reason": "x"}),
    ("GET", f"/certificates/{NONE}", OFFICIAL, 404, None),
    ("POST", f"/certificates/{NONE}/suspend", OFFICIAL, 404, {"reason": "x"}),
    ("POST", f"/certificates/{NONE}/reinstate", OFFICIAL, 404, {"reason": "x"}),
    ("POST", f"/certificates/{NONE}/withdraw", OFFICIAL, 404, {"reason": "x"}),
    ("GET", "/admin/users", OFFICIAL, 200, None),
    ("POST", "/admin/users", OFFICIAL, 422, {"email": "new@lspro.example", "name": "X"}),
    ("POST", f"/admin/users/{NONE}/disable", OFFICIAL, 404, {}),
    ("POST", f"/admin/users/{NONE}/enable", OFFICIAL, 404, {}),
    ("POST", f"/admin/users/{NONE}/reset", OFFICIAL, 404, {}),
    ("GET", "/admin/checklists", OFFICIAL, 200, None),
    ("GET", "/exports", OFFICIAL, 200, None),
    # a period ending before it starts: the form again (422), nothing exported
    (
        "POST",
        "/exports",
        OFFICIAL,
        422,
        {"what": "certificates", "from": "2026-02-01", "to": "2026-01-01"},
    ),
    ("POST", f"/admin/checklists/{NONE}/approve", OFFICIAL, 404, {}),
    ("GET", "/management-review", OFFICIAL, 200, None),
    ("GET", "/management-review/file.xlsx?from=2026-01-01&to=2026-01-31", OFFICIAL, 200, None),
    (
        "POST",
        "/management-review/actions",
        OFFICIAL,
        422,  # an action without its owner
        {"from": "2026-01-01", "to": "2026-01-31", "kind": "action", "text": "x"},
    ),
    ("POST", f"/management-review/actions/{NONE}/complete", OFFICIAL, 404, {"note": "x"}),
    ("GET", "/account/password", SIGNED_IN, 200, None),
    (
        "POST",
        "/account/password",
        SIGNED_IN,
        422,  # the two new passwords differ
        {"current_password": PASSWORD, "password": "baru-rahasia-1", "password_confirm": "x"},
    ),
    ("GET", "/notifications", SIGNED_IN, 200, None),
    ("POST", f"/notifications/{NONE}/open", SIGNED_IN, 404, {}),
    ("GET", "/notifications/preferences", SIGNED_IN, 200, None),
    (
        "POST",
        "/notifications/preferences",
        SIGNED_IN,
        422,  # a Kupang landline cannot take WhatsApp
        {"lang": "id", "whatsapp": "1", "phone": "0380 821234"},
    ),
    ("GET", "/admin/deliveries", OFFICIAL, 200, None),
    # payments: the case is in testing (paid long ago), so confirming or refusing is refused
    ("GET", "/official/payments", OFFICIAL, 200, None),
    ("GET", "/official/payments/{app}", OFFICIAL, 200, None),
    ("POST", "/official/payments/{app}/confirm", OFFICIAL, 409, {}),
    ("POST", "/official/payments/{app}/refuse", OFFICIAL, 409, {"reason": "x"}),
    ("GET", f"/official/payments/{NONE}", OFFICIAL, 404, None),
    ("GET", "/official/complaints?status=closed", OFFICIAL, 200, None),
    ("GET", f"/official/complaints/{NONE}", OFFICIAL, 404, None),
    ("POST", f"/official/complaints/{NONE}/take", OFFICIAL, 404, {}),
    ("POST", f"/official/complaints/{NONE}/close", OFFICIAL, 404, {"outcome": "upheld"}),
    ("GET", f"/official/appeals/{NONE}", OFFICIAL, 404, None),
    ("POST", f"/official/appeals/{NONE}/take", OFFICIAL, 404, {}),
    ("POST", f"/official/appeals/{NONE}/decide", OFFICIAL, 404, {"outcome": "uphold"}),
    ("POST", f"/admin/deliveries/{NONE}/retry", OFFICIAL, 404, {}),
    # the site audit: the auditor's phone pages, the official's plan
    ("GET", "/audits", AUDITOR, 200, None),
    ("GET", f"/audits/{NONE}", AUDIT_STAFF, 404, None),
    ("POST", f"/audits/{NONE}/start", AUDITOR, 404, {}),
    (
        "POST",
        f"/audits/{NONE}/findings",
        AUDITOR,
        404,
        {"item_id": "pelabelan", "grade": "minor", "description": "x"},
    ),
    ("POST", f"/audits/{NONE}/close", AUDITOR, 404, {}),
    ("POST", f"/audit-findings/{NONE}/verify", AUDITOR, 404, {"decision": "accept"}),
    ("GET", "/site-audit/{app}", OFFICIAL, 200, None),
    ("POST", "/site-audit/{app}", OFFICIAL, 422, {"planned_for": "kemarin"}),
    ("POST", f"/surveillance/{NONE}/site-audit", OFFICIAL, 404, {"planned_for": "2026-12-01"}),
    ("POST", f"/audits/{NONE}/fail", OFFICIAL, 404, {"reason": "x"}),
    ("POST", f"/audits/{NONE}/cancel", OFFICIAL, 404, {"reason": "x"}),
    # changes the holder notified, and certificates behind a newer version
    ("GET", "/official/changes?status=notified", OFFICIAL, 200, None),
    ("GET", f"/official/changes/{NONE}", OFFICIAL, 404, None),
    ("POST", f"/official/changes/{NONE}", OFFICIAL, 404, {"outcome": "no_action"}),
    ("GET", "/official/versions", OFFICIAL, 200, None),
    ("POST", f"/official/versions/{NONE}/checklist", OFFICIAL, 404, {"outcome": "no_action"}),
]
API = [
    ("POST", "/api/v1/applications/{app}/payment/confirm", OFFICIAL, 409, None),
    ("POST", "/api/v1/applications/{app}/payment/refuse", OFFICIAL, 409, {"reason": "x"}),
    ("GET", "/api/v1/lab/worklist", LAB, 200, None),
    ("GET", "/api/v1/lab/applications/{app}", LAB, 200, None),
    (
        "POST",
        f"/api/v1/samples/{NONE}/receive",
        LAB,
        404,
        {"seal_number": "X", "seal_intact": True},
    ),
    (
        "POST",
        f"/api/v1/applications/{NONE}/results",
        ANALYST,
        404,
        [{"parameter": "moisture", "value": 5, "unit": "%"}],
    ),
    ("GET", "/api/v1/lab/verification", VERIFIER, 200, None),
    ("POST", f"/api/v1/results/{NONE}/verify", VERIFIER, 404, None),
    ("POST", f"/api/v1/results/{NONE}/retract", VERIFIER, 404, {"reason": "x"}),
    ("POST", f"/api/v1/results/{NONE}/retest", VERIFIER, 404, {"reason": "x"}),
    ("GET", "/api/v1/dashboard", OFFICIAL, 200, None),
    ("GET", "/api/v1/applications/{app}/review", OFFICIAL, 200, None),
    ("POST", f"/api/v1/applications/{NONE}/review", OFFICIAL, 404, {"verdicts": {}}),
    ("GET", "/api/v1/applications/{app}/evaluation", OFFICIAL, 200, None),
    (
        "POST",
        f"/api/v1/applications/{NONE}/evaluation",
        OFFICIAL,
        404,
        {"recommendation": "refuse", "summary": "x"},
    ),
    (
        "POST",
        f"/api/v1/applications/{NONE}/decision",
        OFFICIAL,
        404,
        {"outcome": "grant", "reason": "x"},
    ),
    ("POST", f"/api/v1/certificates/{NONE}/suspend", OFFICIAL, 404, {"reason": "x"}),
    ("POST", f"/api/v1/certificates/{NONE}/reinstate", OFFICIAL, 404, {"reason": "x"}),
    ("POST", f"/api/v1/certificates/{NONE}/withdraw", OFFICIAL, 404, {"reason": "x"}),
    ("GET", "/api/v1/users", OFFICIAL, 200, None),
    (
        "POST",
        "/api/v1/users",
        OFFICIAL,
        422,
        {"email": "n@lspro.example", "name": "N", "roles": []},
    ),
    ("POST", f"/api/v1/users/{NONE}/disable", OFFICIAL, 404, None),
    ("POST", f"/api/v1/users/{NONE}/enable", OFFICIAL, 404, None),
    ("POST", f"/api/v1/users/{NONE}/reset", OFFICIAL, 404, None),
    ("GET", "/api/v1/checklists", OFFICIAL, 200, None),
    ("POST", f"/api/v1/checklists/{NONE}/approve", OFFICIAL, 404, None),
    ("GET", "/api/v1/reports/management-review?from=2026-01-01&to=2026-01-31", OFFICIAL, 200, None),
    (
        "POST",
        "/api/v1/reports/management-review/actions",
        OFFICIAL,
        422,
        {"from": "2026-01-01", "to": "2026-01-31", "kind": "action", "text": "x"},
    ),
    (
        "POST",
        f"/api/v1/reports/management-review/actions/{NONE}/complete",
        OFFICIAL,
        404,
        {"note": "x"},
    ),
    # a period ending before it starts: refused (422) for officials, nothing exported
    ("GET", "/api/v1/exports/certificates?from=2026-02-01&to=2026-01-01", OFFICIAL, 422, None),
    ("GET", "/api/v1/exports/applications?from=2026-02-01&to=2026-01-01", OFFICIAL, 422, None),
    ("GET", "/api/v1/changes", OFFICIAL, 200, None),
    (
        "POST",
        f"/api/v1/changes/{NONE}/assessment",
        OFFICIAL,
        404,
        {"outcome": "no_action", "reasons": "x"},
    ),
    ("GET", "/api/v1/versions/affected", OFFICIAL, 200, None),
    (
        "POST",
        f"/api/v1/certificates/{NONE}/version-reviews",
        OFFICIAL,
        404,
        {"basis": "checklist", "outcome": "no_action", "note": "x"},
    ),
    # the site-audit API
    ("GET", "/api/v1/site-audits", AUDIT_STAFF, 200, None),
    ("GET", f"/api/v1/site-audits/{NONE}", AUDIT_STAFF, 404, None),
    ("GET", "/api/v1/audit-findings/overdue", AUDIT_STAFF, 200, None),
    (
        "POST",
        "/api/v1/applications/{app}/site-audits",
        OFFICIAL,
        422,
        {"planned_for": "2001-01-01", "auditors": [1]},
    ),
    ("POST", f"/api/v1/site-audits/{NONE}/start", AUDITOR, 404, None),
    (
        "POST",
        f"/api/v1/site-audits/{NONE}/findings",
        AUDITOR,
        404,
        {"item_id": "x", "grade": "minor", "description": "x"},
    ),
    ("POST", f"/api/v1/site-audits/{NONE}/close", AUDITOR, 404, {}),
    ("POST", f"/api/v1/site-audits/{NONE}/fail", OFFICIAL, 404, {"reason": "x"}),
    ("POST", f"/api/v1/site-audits/{NONE}/cancel", OFFICIAL, 404, {"reason": "x"}),
    ("POST", f"/api/v1/audit-findings/{NONE}/verification", AUDITOR, 404, {"accept": True}),
    ("GET", "/api/v1/notifications", SIGNED_IN, 200, None),
    ("POST", f"/api/v1/notifications/{NONE}/read", SIGNED_IN, 404, None),
]


@pytest.mark.parametrize("role", ROLES)
def test_every_route_admits_only_its_roles(world: World, web: FastAPI, role: str) -> None:
    app_id = world.new_application("abon")  # its applicant is applicant0
    world.advance_to(app_id, "testing")
    b = sign_in(web, None if role == "anonymous" else email(role))
    before = count(AuditEvent)
    wrong = []
    for method, path, allowed, ok, payload in PAGES:
        path = path.format(app=app_id)
        r = b.get(path) if method == "GET" else b.post(path, payload)
        expected = ok if role in allowed else 303 if role == "anonymous" else 403
        if r.status_code != expected or (expected == 303 and r.headers["location"] != "/login"):
            wrong.append((method, path, r.status_code, expected))
        if role not in allowed and role != "anonymous":
            assert "text/html" in r.headers["content-type"]  # a page, not JSON
    for method, path, allowed, ok, payload in API:
        path = path.format(app=app_id)
        r = b.api(method, path, json=payload)
        expected = ok if role in allowed else 401 if role == "anonymous" else 403
        if r.status_code != expected:
            wrong.append((method, path, r.status_code, expected))
        if role not in allowed:
            assert "detail" in r.json()
    assert not wrong, wrong
    assert count(AuditEvent) == before  # nothing recorded by any of them


def test_api_refuses_bad_bearer_token(world: World, web: FastAPI) -> None:
    client = TestClient(web)
    r = client.get("/api/v1/dashboard", headers={"Authorization": "Bearer snc_forged"})
    assert r.status_code == 401
    r = client.get("/api/v1/dashboard", headers=bearer(world, "analyst"))
    assert r.status_code == 403 and "official" in r.json()["detail"]


# --- a whole case through the web, by staff ------------------------------------------------


def test_staff_take_a_case_through_the_web(world: World, web: FastAPI) -> None:
    w = world
    app_id = w.new_application("abon")
    w.advance_to(app_id, "document_review")
    reviewer, evaluator, decider = (
        sign_in(web, email(n)) for n in ("reviewer", "evaluator", "decider")
    )
    labboth, verifier = sign_in(web, email("labboth")), sign_in(web, email("verifier"))

    # document review: every item of the snapshot, its uploaded documents, three verdicts
    page = reviewer.get(f"/review/{app_id}")
    assert page.status_code == 200
    items = re.findall(r'name="verdict\.([a-z_]+)" value="conform"', page.text)
    assert "npwp_present" in items and len(items) >= 10
    assert "KB" in page.text and 'value="not_applicable"' in page.text
    verdicts = {f"verdict.{i}": "conform" for i in items}
    # a non-conformity without a comment: the error stands next to the comment field
    r = reviewer.post(f"/review/{app_id}", {**verdicts, "verdict.npwp_present": "nonconform"})
    assert r.status_code == 422
    assert messages.text("rev_err_comment", "id") in error_next_to(r.text, "f-npwp_present-comment")
    assert 'value="nonconform" checked' in r.text  # the form keeps what was chosen
    assert state(app_id) == "document_review"
    # a missing verdict is named next to its item
    partial = dict(verdicts)
    partial.pop("verdict.npwp_present")
    r = reviewer.post(f"/review/{app_id}", partial)
    assert r.status_code == 422
    assert "Setiap butir dokumen perlu penilaian" in error_next_to(r.text, "f-npwp_present-verdict")
    r = reviewer.post(
        f"/review/{app_id}",
        {
            **verdicts,
            "verdict.npwp_present": "nonconform",
            "comment.npwp_present": "NPWP tidak terbaca",
        },
    )
    assert r.status_code == 303 and state(app_id) == "nonconformity"
    assert count(Nonconformity, Nonconformity.application_id == app_id) == 1
    answer_all(w, app_id)  # the applicant corrects (their own pages, tested elsewhere)
    again = reviewer.get(f"/review/{app_id}").text
    assert "NPWP tidak terbaca" in again and "Sudah diperbaiki" in again
    assert reviewer.post(f"/review/{app_id}", verdicts).status_code == 303
    assert state(app_id) == "sampling"

    # the lab receives the sealed samples
    samples = send_samples(w, app_id)
    worklist = labboth.get("/lab").text
    assert all(x.code in worklist for x in samples)
    assert "SEAL-" not in worklist  # the recorded seal is not shown to whoever checks it
    for x in samples:
        r = labboth.post(
            f"/lab/samples/{x.id}/receive", {"seal_number": f"SEAL-{x.id}", "seal_intact": "1"}
        )
        assert r.status_code == 303
    assert count(Sample, Sample.application_id == app_id, Sample.status == "received") == 2

    # results: one row per parameter of the snapshot; a wrong unit stores nothing
    page = labboth.get(f"/lab/applications/{app_id}").text
    params = parameters(app_id)
    for p in params:
        assert f'name="{p["id"]}.value"' in page
    assert "maks. 7" in page  # the requirement as text
    rows = {}
    for p in params:
        rows[f"{p['id']}.value"] = synthetic.passing_value(p)
        rows[f"{p['id']}.unit"] = p["unit"]
    r = labboth.post(f"/lab/applications/{app_id}/results", {**rows, "moisture.unit": "kg"})
    assert r.status_code == 422
    assert "unknown unit" in error_next_to(r.text, "f-moisture-unit")
    assert 'value="kg"' in r.text and f'value="{rows["protein.value"]}"' in r.text
    assert count(LabResult) == 0
    r = labboth.post(f"/lab/applications/{app_id}/results", rows)
    assert r.status_code == 303
    assert count(LabResult, LabResult.status == "entered") == len(params)

    # four eyes: whoever entered a result may not verify it
    with db.transaction() as s:
        ids = dict(s.execute(select(LabResult.parameter_id, LabResult.id)).all())
    r = labboth.post(f"/lab/results/{ids['moisture']}/verify")
    assert r.status_code == 403
    assert "Pemisahan tugas" in r.text and "memasukkan hasil ini" in r.text
    assert "moisture" not in labboth.get("/lab/verify").text  # not offered to them either
    queue = verifier.get("/lab/verify").text
    assert all(f"/lab/results/{i}/verify" in queue for i in ids.values())
    # retract without a reason: the error stands next to that reason field
    r = verifier.post(f"/lab/results/{ids['fat']}/retract", {"reason": " "})
    assert r.status_code == 422
    assert error_next_to(r.text, f"f-{ids['fat']}-retract") == messages.text("required", "id")
    r = verifier.post(f"/lab/results/{ids['fat']}/retract", {"reason": "Salah contoh"})
    assert r.status_code == 303
    for pid, rid in ids.items():
        if pid != "fat":
            assert verifier.post(f"/lab/results/{rid}/verify").status_code == 303
    page = labboth.get(f"/lab/applications/{app_id}").text
    assert 'name="fat.value"' in page and 'name="moisture.value"' not in page
    assert (
        labboth.post(
            f"/lab/applications/{app_id}/results", {"fat.value": "20,5", "fat.unit": "% b/b"}
        ).status_code
        == 303
    )
    with db.transaction() as s:
        fat = s.scalar(
            select(LabResult.id).where(
                LabResult.parameter_id == "fat", LabResult.status == "entered"
            )
        )
    assert verifier.post(f"/lab/results/{fat}/verify").status_code == 303

    # the site audit, beside the lab work: planned by an official, done from a phone
    assert stages.close_testing(app_id) and state(app_id) == "site_audit"
    auditor = sign_in(web, email("auditor"))
    assert reviewer.get(f"/site-audit/{app_id}").status_code == 200
    day = dates.today().isoformat()
    r = reviewer.post(f"/site-audit/{app_id}", {"planned_for": "2020-01-01"})
    assert r.status_code == 422 and "Pilih tanggal dari" in error_next_to(r.text, "f-planned_for")
    r = reviewer.post(
        f"/site-audit/{app_id}", {"planned_for": day, f"auditor_{w.users['auditor']}": "on"}
    )
    assert r.status_code == 303
    [audit_id] = re.findall(r'href="/audits/(\d+)"', auditor.get("/audits").text)
    assert auditor.post(f"/audits/{audit_id}/start").status_code == 303
    photo = synthetic.photo("abon", "wastafel")
    r = auditor.client.post(
        f"/audits/{audit_id}/findings",
        data={
            "csrf_token": auditor.csrf,
            "item_id": "fasilitas_sanitasi",
            "grade": "major",
            "description": "Tidak ada sabun",
        },
        files={"photo": ("wastafel.jpg", photo, "image/jpeg")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = auditor.get(f"/audits/{audit_id}").text
    assert "Tidak ada sabun" in page and "/audit-evidence/" in page
    assert auditor.post(f"/audits/{audit_id}/close", {"summary": "Selesai"}).status_code == 303
    assert stages.site_audit_done(app_id) and state(app_id) == "evaluation"
    r = evaluator.post(f"/evaluation/{app_id}", {"recommendation": "refuse", "summary": "Tidak"})
    assert r.status_code == 409 and "temuan mayor terbuka" in r.text
    owner = sign_in(web, email("applicant0"))
    detail = owner.get(f"/applications/{app_id}").text
    [finding] = re.findall(r'action="/audit-findings/(\d+)/answer"', detail)
    r = owner.post(
        f"/audit-findings/{finding}/answer",
        {"cause": "Habis", "action": "Sabun disediakan", "deadline": day},
    )
    assert r.status_code == 303
    r = auditor.post(f"/audit-findings/{finding}/verify", {"decision": "accept"})
    assert r.status_code == 303
    assert owner.get(f"/audits/{audit_id}/report.pdf").content.startswith(b"%PDF-")
    assert state(app_id) == "evaluation"

    # evaluation: the findings, the evaluator's recommendation and summary, then the report
    page = evaluator.get(f"/evaluation/{app_id}").text
    assert "sesuai" in page and f"/evaluation/{app_id}/report.pdf" not in page  # not yet
    assert evaluator.get(f"/evaluation/{app_id}/report.pdf").status_code == 404
    r = evaluator.post(f"/evaluation/{app_id}", {"summary": ""})
    assert r.status_code == 422 and state(app_id) == "evaluation"
    assert "Pilih rekomendasi" in error_next_to(r.text, "f-recommendation")
    assert "Tulis ringkasan evaluasi" in error_next_to(r.text, "f-summary")
    summary = "Dokumen lengkap; hasil uji memenuhi SNI."
    r = evaluator.post(f"/evaluation/{app_id}", {"recommendation": "grant", "summary": summary})
    assert r.status_code == 303 and state(app_id) == "decision"
    stages.compile_evaluation(app_id)
    page = evaluator.get(f"/evaluation/{app_id}").text
    assert f'href="/evaluation/{app_id}/report.pdf"' in page and summary in page
    report = evaluator.get(f"/evaluation/{app_id}/report.pdf")
    assert report.status_code == 200 and report.content.startswith(b"%PDF-")
    shown = decider.get(f"/decision/{app_id}").text
    assert 'data-recommendation="grant"' in shown and summary in shown
    assert f'href="/evaluation/{app_id}/report.pdf"' in shown

    # the decision: neither the reviewer nor the evaluator may take it
    for excluded in (evaluator, reviewer):
        shown = excluded.get(f"/decision/{app_id}").text
        assert "Anda tidak boleh memutuskan" in shown and "jadi tidak boleh memutuskannya" in shown
        r = excluded.post(f"/decision/{app_id}", {"outcome": "grant", "reason": "Memenuhi"})
        assert r.status_code == 403 and "jadi tidak boleh memutuskannya" in r.text
        assert "Pemisahan tugas" in r.text
    r = decider.post(f"/decision/{app_id}", {"outcome": "grant", "reason": ""})
    assert r.status_code == 422
    assert error_next_to(r.text, "f-reason") == messages.text("required", "id")
    r = decider.post(
        f"/decision/{app_id}", {"outcome": "grant", "reason": "Memenuhi SNI 01-3707-1995"}
    )
    assert r.status_code == 303 and state(app_id) == "approved"
    assert stages.issue(app_id) and state(app_id) == "certified"

    # certificate actions
    with db.transaction() as s:
        cert = s.scalar(select(Certificate).where(Certificate.application_id == app_id))
    board = decider.get("/dashboard").text
    assert cert.number in board and f"/certificates/{cert.id}" in board
    r = decider.post(f"/certificates/{cert.id}/suspend", {"reason": "", "fix_by": ""})
    assert r.status_code == 422
    assert error_next_to(r.text, "f-suspend-reason") == messages.text("required", "id")
    r = decider.post(f"/certificates/{cert.id}/suspend", {"reason": "x", "fix_by": "31-12"})
    assert r.status_code == 422 and "TTTT-BB-HH" in error_next_to(r.text, "f-suspend-fix_by")
    for day, why in (("1900-01-01", "masa depan"), ("2099-01-31", "12 bulan")):
        r = decider.post(f"/certificates/{cert.id}/suspend", {"reason": "x", "fix_by": day})
        assert r.status_code == 422 and why in error_next_to(r.text, "f-suspend-fix_by")
    r = decider.post(
        f"/certificates/{cert.id}/suspend",
        {
            "reason": "Label tidak sesuai",
            "fix_by": (dates.today() + timedelta(days=30)).isoformat(),
        },
    )
    assert r.status_code == 303
    page = decider.get(f"/certificates/{cert.id}").text
    assert 'data-status="suspended"' in page and "Label tidak sesuai" in page
    assert f"/certificates/{cert.id}/reinstate" in page
    assert f"/certificates/{cert.id}/suspend" not in page
    public = TestClient(web).get(f"/api/v1/certificates/{cert.number}").json()
    assert public["status"] == "suspended"
    # suspending again is not possible now: a 409 page naming the state
    r = decider.post(f"/certificates/{cert.id}/suspend", {"reason": "Lagi"})
    assert r.status_code == 409 and messages.text("suspended", "id") in r.text


def test_a_broken_seal_rejects_the_samples(world: World, web: FastAPI) -> None:
    app_id = world.new_application("abon")
    world.advance_to(app_id, "sampling")
    samples = send_samples(world, app_id)
    analyst = sign_in(web, email("analyst"))
    r = analyst.post(
        f"/lab/samples/{samples[0].id}/receive", {"seal_number": f"SEAL-{samples[0].id}"}
    )  # box not ticked: broken
    assert r.status_code == 303 and state(app_id) == "sampling"
    page = analyst.get(f"/lab/applications/{app_id}").text
    assert "segel rusak" in page and "ditolak" in page


def test_dashboard_counts_and_overdue(world: World, web: FastAPI) -> None:
    late = world.new_application("abon")
    world.advance_to(late, "document_review")
    clock.advance(timedelta(days=40))  # past the document review's service standard
    fresh = world.new_application("sasando")
    world.advance_to(fresh, "document_review")
    reviewer = sign_in(web, email("reviewer"))
    page = reviewer.get("/dashboard").text
    cell = re.search(
        r'<td class="num overdue" data-product="abon" '
        r'data-state="document_review"><a href="/official/applications\?product=abon&amp;'
        r'state=document_review">1</a> <a class="badge late" href="[^"]*&amp;late=1"',
        page,
    )
    assert cell, page
    assert re.search(r'data-product="sasando" data-state="document_review"><a [^>]*>1<', page)
    with db.transaction() as s:
        late_number, fresh_number = (s.get(Application, i).number for i in (late, fresh))
    assert re.search(rf'<li class="overdue" data-app="{late_number}">', page)
    assert re.search(rf'<li data-app="{fresh_number}">', page)
    assert page.index(late_number) < page.index(fresh_number)  # overdue first
    assert f'href="/review/{late}"' in page and "meninjau dokumen" in page
    body = reviewer.api("GET", "/api/v1/dashboard").json()
    assert body["counts"]["abon"]["document_review"] == {"total": 1, "overdue": 1}
    assert body["counts"]["sasando"]["document_review"] == {"total": 1, "overdue": 0}
    assert [a["number"] for a in body["awaiting"]][:2] == [late_number, fresh_number]
    assert "Dashboard" in reviewer.get("/dashboard?lang=en").text


# --- CSRF ------------------------------------------------------------------------------


def test_forms_and_api_without_csrf_change_nothing(world: World, web: FastAPI) -> None:
    app_id = world.new_application("abon")
    world.advance_to(app_id, "sampling")
    send_samples(world, app_id)
    world.receive_samples(app_id)
    with db.transaction() as s:
        result = lab.record_result(s, world.user(s, "analyst"), app_id, "moisture", "5", "%")
    verifier, analyst = sign_in(web, email("verifier")), sign_in(web, email("analyst"))
    reviewer = sign_in(web, email("reviewer"))
    before = count(AuditEvent)
    attempts = [
        verifier.post(f"/lab/results/{result.id}/verify", csrf=False),
        verifier.post(f"/lab/results/{result.id}/verify", {"csrf_token": "forged"}, csrf=False),
        verifier.post(f"/lab/results/{result.id}/retract", {"reason": "x"}, csrf=False),
        analyst.post(
            f"/lab/applications/{app_id}/results", {"fat.value": "10", "fat.unit": "%"}, csrf=False
        ),
        reviewer.post(f"/decision/{app_id}", {"outcome": "refuse", "reason": "x"}, csrf=False),
        verifier.client.post(f"/api/v1/results/{result.id}/verify"),  # cookie, no header
        verifier.client.post(
            f"/api/v1/results/{result.id}/verify", headers={"X-CSRF-Token": "forged"}
        ),
        analyst.client.post(
            f"/api/v1/applications/{app_id}/results",
            json=[{"parameter": "fat", "value": "10", "unit": "%"}],
        ),
    ]
    assert [r.status_code for r in attempts] == [403] * len(attempts)
    assert "CSRF" in attempts[0].text
    assert count(AuditEvent) == before
    assert count(LabResult) == 1
    with db.transaction() as s:
        assert s.get(LabResult, result.id).status == "entered"
    # with the token the same request goes through
    assert verifier.post(f"/lab/results/{result.id}/verify").status_code == 303
    assert count(AuditEvent) == before + 1


# --- the same through the JSON API with bearer tokens ---------------------------------------


def test_api_with_bearer_tokens(world: World, web: FastAPI) -> None:
    w = world
    app_id = w.new_application("abon")
    w.advance_to(app_id, "document_review")
    api = TestClient(web)  # no cookies: the token alone authenticates, no CSRF to send
    reviewer, evaluator, decider = (bearer(w, n) for n in ("reviewer", "evaluator", "decider"))
    analyst, verifier = bearer(w, "analyst"), bearer(w, "verifier")

    review = api.get(f"/api/v1/applications/{app_id}/review", headers=reviewer).json()
    assert review["can_review"] and review["documents"]
    items = [i["id"] for i in review["items"]]
    verdicts = {i: {"verdict": "conform"} for i in items}
    bad = {**verdicts, "npwp_present": {"verdict": "nonconform"}}
    r = api.post(f"/api/v1/applications/{app_id}/review", headers=reviewer, json={"verdicts": bad})
    assert r.status_code == 422 and "npwp_present" in r.json()["detail"]
    bad["npwp_present"]["comment"] = "NPWP tidak terbaca"
    r = api.post(f"/api/v1/applications/{app_id}/review", headers=reviewer, json={"verdicts": bad})
    assert r.status_code == 200 and r.json()["state"] == "nonconformity"
    answer_all(w, app_id)
    r = api.post(
        f"/api/v1/applications/{app_id}/review", headers=reviewer, json={"verdicts": verdicts}
    )
    assert r.json()["state"] == "sampling"

    samples = send_samples(w, app_id)
    work = api.get("/api/v1/lab/worklist", headers=analyst).json()
    assert {x["code"] for x in work["in_transit"]} == {x.code for x in samples}
    mine = [x for x in work["items"] if x["application_id"] == app_id]
    assert mine and set(mine[0]["samples_to_receive"]) == {x.code for x in samples}
    assert mine[0]["parameters"] == len(mine[0]["parameters_to_enter"]) > 0
    # the worklist is a list like the others: searched, filtered, paged, strict about its query
    number = mine[0]["number"]
    found = api.get(f"/api/v1/lab/worklist?q={number.lower()}", headers=analyst).json()
    assert [x["number"] for x in found["items"]] == [number] and found["total"] == 1
    assert api.get("/api/v1/lab/worklist?q=zz-none", headers=analyst).json()["total"] == 0
    assert api.get("/api/v1/lab/worklist?size=1", headers=analyst).json()["size"] == 1
    r = api.get("/api/v1/lab/worklist?sort=colour", headers=analyst)
    assert r.status_code == 422 and "sort" in r.text
    for x in samples:
        r = api.post(
            f"/api/v1/samples/{x.id}/receive",
            headers=analyst,
            json={"seal_number": f"SEAL-{x.id}", "seal_intact": True},
        )
        assert r.status_code == 200 and r.json()["status"] == "received"

    params = parameters(app_id)
    rows = [
        {"parameter": p["id"], "value": synthetic.passing_value(p), "unit": p["unit"]}
        for p in params
    ]
    rows[1] = {**rows[1], "unit": "kg"}
    r = api.post(f"/api/v1/applications/{app_id}/results", headers=analyst, json=rows)
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {
            "parameter": params[1]["id"],
            "field": f"{params[1]['id']}.unit",
            "message": r.json()["errors"][0]["message"],
        }
    ]
    assert count(LabResult) == 0
    rows[1]["unit"] = params[1]["unit"]
    r = api.post(f"/api/v1/applications/{app_id}/results", headers=analyst, json=rows)
    assert r.status_code == 201 and len(r.json()["results"]) == len(params)
    detail = api.get(f"/api/v1/lab/applications/{app_id}", headers=analyst).json()
    assert {p["status"] for p in detail["parameters"]} == {"entered"}
    work = api.get(f"/api/v1/lab/worklist?q={number}", headers=analyst).json()["items"][0]
    assert work["parameters_to_enter"] == [] and work["samples_to_receive"] == []
    assert len(work["results_to_verify"]) == len(params) and work["parameters_done"] == 0

    assert (
        api.post(
            f"/api/v1/results/{r.json()['results'][0]['id']}/verify", headers=analyst
        ).status_code
        == 403
    )  # an analyst does not verify
    queue = api.get("/api/v1/lab/verification", headers=verifier).json()["items"]
    assert len(queue) == len(params)
    for item in queue:
        r = api.post(f"/api/v1/results/{item['id']}/verify", headers=verifier)
        assert r.status_code == 200 and r.json()["status"] == "verified"
    w.pass_site_audit(app_id)
    assert stages.close_testing(app_id)

    ev = api.get(f"/api/v1/applications/{app_id}/evaluation", headers=evaluator).json()
    assert ev["findings"]["conform"] and ev["report"] is None
    r = api.post(f"/api/v1/applications/{app_id}/evaluation", headers=evaluator)
    assert r.status_code == 422  # the recommendation and the summary are the evaluator's
    r = api.post(
        f"/api/v1/applications/{app_id}/evaluation",
        headers=evaluator,
        json={"recommendation": "grant", "summary": "Memenuhi"},
    )
    assert r.status_code == 200 and r.json()["recommendation"] == "grant"
    assert r.json()["application"]["state"] == "decision"
    stages.compile_evaluation(app_id)
    ev = api.get(f"/api/v1/applications/{app_id}/evaluation", headers=evaluator).json()
    assert ev["report"] == f"/evaluation/{app_id}/report.pdf"
    r = api.post(
        f"/api/v1/applications/{app_id}/decision",
        headers=evaluator,
        json={"outcome": "grant", "reason": "Memenuhi"},
    )
    assert r.status_code == 403 and "may not decide" in r.json()["detail"]
    r = api.post(
        f"/api/v1/applications/{app_id}/decision",
        headers=decider,
        json={"outcome": "grant", "reason": "Memenuhi"},
    )
    assert r.status_code == 200 and r.json()["application"]["state"] == "approved"
    assert stages.issue(app_id)

    with db.transaction() as s:
        cert_id = s.scalar(select(Certificate.id).where(Certificate.application_id == app_id))
    base = f"/api/v1/certificates/{cert_id}"
    r = api.post(f"{base}/suspend", headers=decider, json={"reason": " "})
    assert r.status_code == 422
    r = api.post(
        f"{base}/suspend",
        headers=decider,
        json={"reason": "Label", "fix_by": "1900-01-01T00:00:00+08:00"},
    )
    assert r.status_code == 422 and "fix_by" in r.json()["detail"]
    fix_by = (clock.now() + timedelta(days=30)).isoformat()
    r = api.post(f"{base}/suspend", headers=decider, json={"reason": "Label", "fix_by": fix_by})
    assert r.status_code == 200 and r.json()["status"] == "suspended"
    r = api.post(f"{base}/reinstate", headers=decider, json={"reason": "Diperbaiki"})
    assert r.json()["status"] == "active"
    r = api.post(f"{base}/withdraw", headers=decider, json={"reason": "Permintaan pemilik"})
    assert r.json()["status"] == "withdrawn"
    r = api.post(f"{base}/reinstate", headers=decider, json={"reason": "x"})
    assert r.status_code in (409, 422) and "withdrawn" in r.json()["detail"]

    board = api.get("/api/v1/dashboard", headers=reviewer).json()
    assert board["counts"]["abon"]["certified"]["total"] == 1
    assert board["certificates"][0]["status"] == "withdrawn"


def test_a_case_shows_as_processed_until_its_automated_stage_ran(
    world: World, web: FastAPI
) -> None:
    """Flows are off here: nothing runs the stage until the test does."""
    owner = world.applicant("abon")
    app_id = world.new_application("abon", applicant=owner)
    world.submit(app_id)  # screening is the system's
    mine, official = sign_in(web, email(owner)), sign_in(web, email("decider"))
    busy = 'data-processing="submitted"'
    for browser, path in ((mine, f"/applications/{app_id}"), (official, f"/review/{app_id}")):
        page = browser.get(path).text
        assert busy in page and "Sedang diproses sistem" in page, path
    stages.run_until_waiting(app_id)  # what a task worker does
    for browser, path in ((mine, f"/applications/{app_id}"), (official, f"/review/{app_id}")):
        assert "data-processing" not in browser.get(path).text, path

    world.advance_to(app_id, "decision")  # the evaluation report is still to be compiled
    assert 'data-processing="decision"' in official.get(f"/decision/{app_id}").text
    stages.run_until_waiting(app_id)
    assert "data-processing" not in official.get(f"/decision/{app_id}").text
