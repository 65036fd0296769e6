"""Changes, newer versions and site audits on the web: the holder's change form and API,
the officials' assessment pages and APIs, the list of certificates behind a newer
checklist, and the site-audit JSON API with its correction deadlines, each for the roles
that may use it and refused to the others."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from fastapi import FastAPI
from PIL import Image
from sqlalchemy import select

from snicert import clock
from snicert.db import engine as db
from snicert.db.models import AuditFinding, Certificate, CertificateChange, SiteAudit
from snicert.roles import Role
from snicert.services import accounts, dates, site_audits
from snicert.web.app import create_app
from tests.test_certificate_changes import new_checklist_version
from tests.test_web_staff import bearer, sign_in
from tests.world import World


@pytest.fixture
def world(home) -> World:
    w = World().setup_staff()
    with db.transaction() as s:
        for name, roles in (("assessor", {Role.OFFICIAL}), ("auditor2", {Role.AUDITOR})):
            user, _ = accounts.create_staff(
                s,
                w.user(s, "reviewer"),
                f"{name}@lspro.example",
                name.title(),
                roles,
                "rahasia-123",
            )
            user.must_change_password = False  # as if chosen at the first sign-in
            w.users[name] = user.id
    return w


@pytest.fixture
def web(world: World) -> FastAPI:
    return create_app()


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 40)).save(buf, "PNG")
    return buf.getvalue()


def certified(w: World) -> tuple[int, int]:
    app_id = w.new_application("abon")
    w.advance_to(app_id, "certified")
    with db.reading() as s:
        return app_id, s.scalar(select(Certificate.id).where(Certificate.application_id == app_id))


def test_holder_notifies_a_change_on_the_page_and_an_official_assesses_it(
    world: World, web: FastAPI
) -> None:
    app_id, cert_id = certified(world)
    owner = sign_in(web, "applicant0@umkm.example")
    assert 'id="notify-change"' in owner.get(f"/applications/{app_id}").text
    form = owner.get(f"/applications/{app_id}/changes")
    assert form.status_code == 200 and 'id="change-form"' in form.text
    # bad input comes back next to its field, nothing stored
    r = owner.post(f"/applications/{app_id}/changes", {"kind": "", "description": "Pindah"})
    assert r.status_code == 422 and 'id="kind-error"' in r.text
    r = owner.post(
        f"/applications/{app_id}/changes",
        {"kind": "site", "description": "Pindah"},
        files={"documents": ("denah.exe", b"MZ not a document", "application/octet-stream")},
    )
    assert r.status_code == 422 and 'id="documents-error"' in r.text
    r = owner.post(
        f"/applications/{app_id}/changes",
        {"kind": "site", "description": "Produksi pindah ke Jl. Timor Raya 12"},
        files={"documents": ("denah.png", png(), "image/png")},
    )
    assert r.status_code == 303 and r.headers["location"].endswith("?sent=1")
    page = owner.get(r.headers["location"]).text
    assert 'id="sent"' in page and "PRB-" in page and "denah.png" in page
    with db.reading() as s:
        row = s.scalar(select(CertificateChange))
        number, change_id = row.number, row.id
    doc = owner.get(re.search(r'href="(/change-documents/\d+)"', page)[1])
    assert doc.status_code == 200 and doc.content.startswith(b"\x89PNG")
    # another applicant sees nothing of it
    world.new_application("abon")
    other = sign_in(web, "applicant1@umkm.example")
    assert other.get(f"/applications/{app_id}/changes").status_code == 404
    r = other.post(f"/applications/{app_id}/changes", {"kind": "site", "description": "x"})
    assert r.status_code == 404
    # officials: the list, then the assessment (refused to one involved in the case)
    assessor = sign_in(web, "assessor@lspro.example")
    assert number in assessor.get("/official/changes").text
    assert owner.get("/official/changes").status_code == 403
    reviewer = sign_in(web, "reviewer@lspro.example")
    r = reviewer.post(
        f"/official/changes/{change_id}", {"outcome": "no_action", "reasons": "Tidak berdampak"}
    )
    assert r.status_code == 403
    r = assessor.post(f"/official/changes/{change_id}", {"outcome": "no_action", "reasons": ""})
    assert r.status_code == 422 and 'id="f-reasons-error"' in r.text
    r = assessor.post(
        f"/official/changes/{change_id}", {"outcome": "new_evaluation", "reasons": "Lokasi baru"}
    )
    assert r.status_code == 303
    page = assessor.get(f"/official/changes/{change_id}").text
    assert 'data-status="new_evaluation"' in page and 'id="assess-form"' not in page
    assert "Lokasi baru" in owner.get(f"/applications/{app_id}/changes").text


def test_change_api_for_the_holder_and_officials(world: World, web: FastAPI) -> None:
    app_id, cert_id = certified(world)
    owner = bearer(world, "applicant0")
    body = {"kind": "ownership", "description": "Usaha dialihkan kepada anak pemilik"}
    r = web_client(web).post(f"/api/v1/certificates/{cert_id}/changes", json=body, headers=owner)
    assert r.status_code == 201, r.text
    change = r.json()
    assert (change["status"], change["kind"]) == ("notified", "ownership")
    for bad, field in (({"kind": "colour"}, "kind"), ({"description": ""}, "description")):
        r = web_client(web).post(
            f"/api/v1/certificates/{cert_id}/changes", json={**body, **bad}, headers=owner
        )
        assert r.status_code == 422 and r.json()["field"] == field
    world.new_application("abon")
    stranger = bearer(world, "applicant1")
    client = web_client(web)
    assert (
        client.post(
            f"/api/v1/certificates/{cert_id}/changes", json=body, headers=stranger
        ).status_code
        == 404
    )
    official = bearer(world, "assessor")
    assert (
        client.post(
            f"/api/v1/certificates/{cert_id}/changes", json=body, headers=official
        ).status_code
        == 403
    )
    assert client.get("/api/v1/changes", headers=owner).status_code == 403
    listed = client.get("/api/v1/changes?status=notified", headers=official).json()
    assert [c["id"] for c in listed] == [change["id"]]
    path = f"/api/v1/changes/{change['id']}/assessment"
    decision = {"outcome": "suspension", "reasons": "Pemilik baru belum menandatangani"}
    assert client.post(path, json=decision, headers=owner).status_code == 403
    r = client.post(path, json=decision, headers=official)
    assert r.status_code == 200 and r.json()["status"] == "suspension"
    assert client.post(path, json=decision, headers=official).status_code == 409
    with db.reading() as s:
        assert s.get(Certificate, cert_id).status == "suspended"
    mine = client.get(f"/api/v1/certificates/{cert_id}/changes", headers=owner).json()
    assert [c["status"] for c in mine] == ["suspension"]


def web_client(web: FastAPI):
    from fastapi.testclient import TestClient

    return TestClient(web, base_url="https://testserver")


def test_officials_see_and_assess_certificates_behind_a_new_checklist(
    world: World, web: FastAPI
) -> None:
    app_id, cert_id = certified(world)
    assessor = sign_in(web, "assessor@lspro.example")
    assert 'data-status="pending"' not in assessor.get("/official/versions").text
    version = new_checklist_version(world, "abon")
    page = assessor.get("/official/versions").text
    assert 'data-status="pending"' in page and f"v{version}" in page
    r = assessor.post(f"/official/versions/{cert_id}/checklist", {"outcome": "no_action"})
    assert r.status_code == 422
    r = assessor.post(
        f"/official/versions/{cert_id}/checklist",
        {"outcome": "no_action", "note": "Parameter tidak berubah"},
    )
    assert r.status_code == 303
    assert 'data-status="assessed"' in assessor.get("/official/versions").text
    client = web_client(web)
    official = bearer(world, "assessor")
    assert client.get("/api/v1/versions/affected?pending=true", headers=official).json() == []
    [row] = client.get("/api/v1/versions/affected", headers=official).json()
    assert (row["status"], row["outcome"], row["current"]) == ("assessed", "no_action", "v2")
    assert (
        client.get("/api/v1/versions/affected", headers=bearer(world, "applicant0")).status_code
        == 403
    )
    again = {"basis": "checklist", "outcome": "suspension", "note": "Lagi"}
    r = client.post(f"/api/v1/certificates/{cert_id}/version-reviews", json=again, headers=official)
    assert r.status_code == 409


def test_site_audit_api_from_plan_to_pass_for_each_role(world: World, web: FastAPI) -> None:
    app_id = world.new_application("abon")
    world.advance_to(app_id, "testing")
    client = web_client(web)
    official, auditor = bearer(world, "assessor"), bearer(world, "auditor")
    owner, sampler = bearer(world, "applicant0"), bearer(world, "sampler")
    other_auditor = bearer(world, "auditor2")
    plan = {"planned_for": dates.today().isoformat(), "auditors": [world.users["auditor"]]}
    path = f"/api/v1/applications/{app_id}/site-audits"
    assert client.post(path, json=plan, headers=auditor).status_code == 403
    assert client.post(path, json=plan, headers=owner).status_code == 403
    r = client.post(path, json={**plan, "planned_for": "2001-01-01"}, headers=official)
    assert r.status_code == 422 and r.json()["field"] == "planned_for"
    r = client.post(path, json=plan, headers=official)
    assert r.status_code == 201, r.text
    audit = r.json()
    assert client.post(path, json=plan, headers=official).status_code == 409  # planned once
    base = f"/api/v1/site-audits/{audit['id']}"
    assert client.post(f"{base}/start", headers=other_auditor).status_code == 403  # not assigned
    assert client.post(f"{base}/start", headers=sampler).status_code == 403
    assert client.post(f"{base}/start", headers=auditor).json()["state"] == "on_site"
    finding = {"item_id": audit["item_ids"][0], "grade": "major", "description": "Air kotor"}
    assert client.post(f"{base}/findings", json=finding, headers=owner).status_code == 403
    r = client.post(f"{base}/findings", json={**finding, "item_id": "nope"}, headers=auditor)
    assert r.status_code == 422 and r.json()["field"] == "item_id"
    f = client.post(f"{base}/findings", json=finding, headers=auditor).json()
    closed = client.post(f"{base}/close", json={"summary": "Satu temuan"}, headers=auditor).json()
    assert closed["state"] == "reported"
    [f] = closed["findings"]
    assert f["due"] and not f["overdue"]
    assert [a["id"] for a in client.get("/api/v1/site-audits", headers=auditor).json()] == [
        audit["id"]
    ]
    assert client.get("/api/v1/site-audits", headers=other_auditor).json() == []
    assert client.get(base, headers=owner).status_code == 403
    # the applicant answers; others may not
    answer = {"cause": "Tandon bocor", "action": "Tandon diganti", "deadline": f["due"]}
    ca = f"/api/v1/audit-findings/{f['id']}/corrective-action"
    assert client.post(ca, json=answer, headers=official).status_code == 403
    world.new_application("abon")
    assert client.post(ca, json=answer, headers=bearer(world, "applicant1")).status_code == 404
    late = {**answer, "deadline": (dates.today() + timedelta(days=400)).isoformat()}
    assert client.post(ca, json=late, headers=owner).json()["field"] == "deadline"
    r = client.post(ca, json=answer, headers=owner)
    assert r.status_code == 201 and r.json()["status"] == "answered"
    verify = f"/api/v1/audit-findings/{f['id']}/verification"
    r = client.post(verify, json={"accept": False}, headers=auditor)
    assert r.status_code == 422 and r.json()["field"] == "note"
    assert client.post(verify, json={"accept": True}, headers=official).status_code == 403
    r = client.post(verify, json={"accept": True}, headers=auditor)
    assert r.json()["status"] == "closed"
    done = client.get(base, headers=official).json()
    assert done["state"] == "passed" and done["report_pdf"]
    assert client.post(f"{base}/fail", json={"reason": "x"}, headers=official).status_code == 409


def test_an_overdue_major_finding_is_shown_to_officials_and_the_auditor(
    world: World, web: FastAPI
) -> None:
    from tests.test_certificate_changes import reported_with_major

    app_id, audit_id, finding_id = reported_with_major(world)
    with db.reading() as s:
        due = s.get(AuditFinding, finding_id).due_at
    clock.freeze(due + timedelta(days=1))
    with db.transaction() as s:
        site_audits.flag_overdue_findings(s, world.user(s, "system"))
    client = web_client(web)
    [row] = client.get("/api/v1/audit-findings/overdue", headers=bearer(world, "auditor")).json()
    assert (row["finding_id"], row["grade"]) == (finding_id, "major")
    assert (
        client.get(
            "/api/v1/audit-findings/overdue", headers=bearer(world, "applicant0")
        ).status_code
        == 403
    )
    auditor = sign_in(web, "auditor@lspro.example")
    assert 'data-overdue="1"' in auditor.get("/audits").text
    visit = auditor.get(f"/audits/{audit_id}").text
    assert 'id="overdue-major"' in visit and 'data-overdue="1"' in visit
    official = sign_in(web, "assessor@lspro.example")
    assert f'data-finding="{finding_id}"' in official.get("/dashboard").text
    owner = sign_in(web, "applicant0@umkm.example")
    assert "Lewat batas perbaikan" in owner.get(f"/applications/{app_id}").text
    with db.reading() as s:
        assert s.get(SiteAudit, audit_id).state == "reported"
