"""Conflicts of interest and qualifications through the pages, the API and the CLI:
staff declare their own at /me/conflicts; officials see and manage everyone's at
/admin/impartiality; refusals name why, in Indonesian first."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from typer.testing import CliRunner

from snicert.cli import app as cli
from snicert.db import engine as db
from snicert.db.models import StaffConflict, StaffQualification
from snicert.services import impartiality
from snicert.services.guards import application
from snicert.web.app import create_app
from tests.test_web_staff import bearer, sign_in
from tests.world import World


@pytest.fixture
def w(home) -> World:
    return World().setup_staff()


@pytest.fixture
def web(home) -> FastAPI:
    return create_app()


def conflicts() -> list[tuple]:
    with db.reading() as s:
        return [
            (c.id, c.user_id, c.kind, c.note, c.state)
            for c in s.scalars(select(StaffConflict).order_by(StaffConflict.id))
        ]


def test_staff_declare_on_their_page_and_officials_close_on_theirs(w: World, web) -> None:
    app_id = w.new_application("abon")
    biz = w.app(app_id).business_id
    sampler = sign_in(web, "sampler@lspro.example")
    page = sampler.get("/me/conflicts")
    assert page.status_code == 200 and "Konflik kepentingan &amp; kualifikasi saya" in page.text
    assert f'<option value="{biz}"' in page.text
    # the sampler's qualifications are shown, read-only
    assert page.text.count('data-status="current"') == 4
    # bad input: named next to its field, in Indonesian, nothing stored
    r = sampler.post("/me/conflicts", {"business_id": str(biz), "kind": "teman"})
    assert r.status_code == 422 and "Pilih jenis konflik" in r.text
    r = sampler.post(
        "/me/conflicts",
        {
            "business_id": str(biz),
            "kind": "consulting",
            "period_from": "2026-06-01",
            "period_until": "2026-01-01",
        },
    )
    assert r.status_code == 422 and "Tanggal akhir sebelum tanggal mulai" in r.text
    assert conflicts() == []
    r = sampler.post(
        "/me/conflicts", {"business_id": str(biz), "kind": "relationship", "note": "Sepupu"}
    )
    assert r.status_code == 303 and r.headers["location"] == "/me/conflicts"
    [(cid, *c)] = conflicts()
    assert tuple(c) == (
        w.users["sampler"],
        "relationship",
        "Sepupu",
        "declared",
    )
    assert "Hubungan keluarga" in sampler.get("/me/conflicts").text
    # officials only: the overview and closing
    assert sampler.get("/admin/impartiality").status_code == 403
    r = sampler.post(f"/admin/impartiality/conflicts/{cid}/close", {"reason": "x"})
    assert r.status_code == 403
    official = sign_in(web, "reviewer@lspro.example")
    page = official.get("/admin/impartiality").text
    assert f'data-conflict="{cid}" data-state="declared"' in page
    assert 'data-user="sampler@lspro.example" data-function="sampler"' in page
    r = official.post(f"/admin/impartiality/conflicts/{cid}/close", {"reason": " "})
    assert r.status_code == 422 and "Sebutkan alasannya" in r.text
    r = official.post(f"/admin/impartiality/conflicts/{cid}/close", {"reason": "Salah isi"})
    assert r.status_code == 303
    assert conflicts()[0][-1] == "closed"
    # an applicant sees none of it
    applicant = sign_in(web, "applicant0@umkm.example")
    assert applicant.get("/me/conflicts").status_code == 403


def test_officials_record_and_withdraw_qualifications_on_the_page(w: World, web) -> None:
    official = sign_in(web, "reviewer@lspro.example")
    sampler_id = w.users["sampler"]
    r = official.post(
        "/admin/impartiality/qualifications",
        {"user_id": str(sampler_id), "function": "auditor", "product": "abon", "evidence": "SK"},
    )
    assert r.status_code == 422 and "tidak memiliki peran Auditor" in r.text
    r = official.post(
        "/admin/impartiality/qualifications",
        {"user_id": str(sampler_id), "function": "sampler", "product": "abon", "evidence": ""},
    )
    assert r.status_code == 422 and "Sebutkan buktinya" in r.text
    r = official.post(
        "/admin/impartiality/qualifications",
        {
            "user_id": str(sampler_id),
            "function": "sampler",
            "product": "abon",
            "evidence": "Sertifikat PPC BSN 2026",
            "valid_from": "2026-01-01",
            "valid_until": "2029-12-31",
        },
    )
    assert r.status_code == 303
    with db.reading() as s:
        q = impartiality.current(s, sampler_id, "sampler", "abon")
        assert (q.evidence, str(q.valid_until)) == ("Sertifikat PPC BSN 2026", "2029-12-31")
        qid = q.id
    r = official.post(f"/admin/impartiality/qualifications/{qid}/withdraw", {"reason": "Mutasi"})
    assert r.status_code == 303
    page = official.get("/admin/impartiality").text
    assert f'data-qualification="{qid}" data-status="withdrawn"' in page and "Dicabut" in page


def test_the_api_declares_lists_qualifies_and_answers_may_act(w: World, web) -> None:
    app_id = w.new_application("abon")
    w.advance_to(app_id, "document_review")
    biz = w.app(app_id).business_id
    sampler, official = sign_in(web, "sampler@lspro.example"), bearer(w, "reviewer")
    r = sampler.api("POST", "/api/v1/conflicts", json={"business_id": biz, "kind": "ownership"})
    assert r.status_code == 201 and r.json()["counts_today"] is True
    conflict_id = r.json()["id"]
    # staff declare only their own
    r = sampler.api(
        "POST",
        "/api/v1/conflicts",
        json={"business_id": biz, "kind": "ownership", "user_id": w.users["analyst"]},
    )
    assert r.status_code == 403
    r = sampler.api("POST", "/api/v1/conflicts", json={"business_id": biz, "kind": "x"})
    assert r.status_code == 422 and r.json()["field"] == "kind"
    assert [c["id"] for c in sampler.api("GET", "/api/v1/conflicts").json()] == [conflict_id]
    assert len(sampler.api("GET", "/api/v1/qualifications").json()) == 4
    client = sampler.client
    # officials: for someone else, everyone's, close, qualify, withdraw
    r = client.post(
        "/api/v1/conflicts",
        headers=official,
        json={"business_id": biz, "kind": "consulting", "user_id": w.users["reviewer"]},
    )
    assert r.status_code == 201
    assert len(client.get("/api/v1/conflicts", headers=official).json()) == 2
    r = client.get(
        f"/api/v1/applications/{app_id}/may-act",
        headers=official,
        params={"function": "reviewer", "user_id": w.users["reviewer"]},
    )
    assert r.json()["may"] is False
    assert [x["key"] for x in r.json()["reasons"]] == ["conflict_consulting"]
    r = client.post(
        f"/api/v1/conflicts/{conflict_id}/close", headers=official, json={"reason": "Dijual"}
    )
    assert r.status_code == 200 and r.json()["state"] == "closed"
    r = client.post(
        "/api/v1/qualifications",
        headers=official,
        json={
            "user_id": w.users["auditor"],
            "function": "auditor",
            "product": "sasando",
            "evidence": "Auditor ISO 9001 (IRCA)",
            "valid_until": "2030-01-01",
        },
    )
    assert r.status_code == 201 and r.json()["status"] == "current"
    qid = r.json()["id"]
    r = client.post(
        f"/api/v1/qualifications/{qid}/withdraw", headers=official, json={"reason": "Habis"}
    )
    assert r.status_code == 200 and r.json()["state"] == "withdrawn"
    r = client.get(
        f"/api/v1/applications/{app_id}/may-act",
        headers=official,
        params={"function": "decider", "user_id": w.users["decider"]},
    )
    assert r.json() == {"may": True, "reasons": []}
    # the review refused through the API names why (403)
    with db.reading() as s:
        items = application(s, app_id).checklist_snapshot["document_items"]
    r = client.post(
        f"/api/v1/applications/{app_id}/review",
        headers=official,
        json={"verdicts": {i["id"]: {"verdict": "conform"} for i in items}},
    )
    assert r.status_code == 403, r.text
    assert "may not act as document reviewer" in r.json()["detail"]


def test_the_decision_page_names_why_an_official_may_not_decide(w: World, web) -> None:
    app_id = w.new_application("sasando")
    w.advance_to(app_id, "decision")
    page = sign_in(web, "evaluator@lspro.example").get(f"/decision/{app_id}").text
    assert "Anda tidak boleh memutuskan" in page
    assert "telah mengevaluasi permohonan ini, jadi tidak boleh memutuskannya" in page
    assert 'action="/decision/' not in page
    decider = sign_in(web, "decider@lspro.example")
    assert "Anda tidak boleh memutuskan" not in decider.get(f"/decision/{app_id}").text
    with db.transaction() as s:
        impartiality.declare_conflict(
            s, "cli", w.user(s, "decider"), application(s, app_id).business_id, "relationship"
        )
    page = decider.get(f"/decision/{app_id}").text
    assert "menyatakan konflik kepentingan (hubungan keluarga) dengan usaha" in page
    r = decider.post(f"/decision/{app_id}", {"outcome": "grant", "reason": "Memenuhi"})
    assert r.status_code == 403 and "Pemisahan tugas" in r.text
    assert "hubungan keluarga" in r.text
    r = decider.post(f"/decision/{app_id}?lang=en", {"outcome": "grant", "reason": "Memenuhi"})
    assert "family relationship" in r.text


def test_the_cli_qualifies_new_and_existing_staff(home) -> None:
    runner = CliRunner()
    r = runner.invoke(
        cli,
        [
            "users",
            "add",
            "ppc@lspro.example",
            "--name",
            "PPC",
            "--role",
            "sampler",
            "--qualify",
            "abon,emping",
            "--evidence",
            "SK 01/2026",
        ],
    )
    assert r.exit_code == 0, r.output
    assert "qualified as sampler for abon" in r.output and "for emping" in r.output
    r = runner.invoke(
        cli,
        [
            "users",
            "add",
            "x@lspro.example",
            "--name",
            "X",
            "--role",
            "sampler",
            "--qualify",
            "rendang",
            "--evidence",
            "SK",
        ],
    )
    assert r.exit_code == 1 and "product" in r.output
    args = ["users", "qualify", "ppc@lspro.example", "--product", "sasando", "--evidence", "SK 2"]
    for _ in range(2):  # re-running duplicates nothing
        r = runner.invoke(cli, [*args, "--from", "2026-01-01", "--until", "2027-12-31"])
        assert r.exit_code == 0, r.output
        assert "sampler for sasando from 2026-01-01 until 2027-12-31" in r.output
    r = runner.invoke(cli, [*args, "--function", "auditor"])
    assert r.exit_code == 1 and "lacks the role Auditor" in r.output
    r = runner.invoke(cli, [*args, "--until", "31-12-2027"])
    assert r.exit_code == 1 and "valid_until" in r.output
    r = runner.invoke(cli, ["users", "qualifications", "--json"])
    assert r.exit_code == 0
    assert sorted(re.findall(r'"product": "(\w+)"', r.output)) == ["abon", "emping", "sasando"]
    with db.reading() as s:
        assert (
            s.scalar(
                select(StaffQualification).where(StaffQualification.product == "sasando")
            ).recorded_by
            is None
        )
