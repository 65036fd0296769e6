"""Officials manage staff at /admin/users and approve checklist versions at
/admin/checklists; accounts made by someone else choose their password at first sign-in;
everyone changes their own at /account/password."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from snicert import messages
from snicert.catalog import load_catalog
from snicert.cli import app as cli
from snicert.db import engine as db
from snicert.db.models import AuditEvent, ChecklistVersion, User
from snicert.services import accounts, checklists
from snicert.web.app import create_app
from tests.test_web_staff import PASSWORD, Browser, bearer, email, sign_in
from tests.world import World

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def world(home) -> World:
    return World().setup_staff()


@pytest.fixture
def web(home) -> FastAPI:
    return create_app()


def login(web: FastAPI, address: str, password: str) -> tuple[TestClient, int, str]:
    """Post the sign-in form; (client, status, where it redirects)."""
    client = TestClient(web, base_url="https://testserver")
    token = re.search(r'name="csrf_token" value="([^"]*)"', client.get("/login").text)[1]
    r = client.post(
        "/login",
        data={"email": address, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    return client, r.status_code, r.headers.get("location", "")


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]*)"', html)[1]


def handed_code(html: str) -> str:
    return re.search(r'<code class="code">([^<]+)</code>', html)[1]


def create(official: Browser, address: str, name: str, *roles: str):
    return official.post(
        "/admin/users", {"email": address, "name": name, **{f"role.{r}": "1" for r in roles}}
    )


def actors(action: str) -> list[str]:
    with db.reading() as s:
        return list(
            s.scalars(
                select(AuditEvent.actor).where(AuditEvent.action == action).order_by(AuditEvent.seq)
            )
        )


def first_sign_in(web: FastAPI, address: str, code: str, password: str) -> Browser:
    """Sign in with the code and choose the password (which ends that session), then sign
    in with it; returns that browser."""
    client, status, where = login(web, address, code)
    assert (status, where) == (303, "/account/password")
    b = Browser(client, csrf_of(client.get("/account/password").text))
    r = b.post("/account/password", {"password": password, "password_confirm": password})
    assert r.status_code == 200 and 'data-done="1"' in r.text
    client, status, _ = login(web, address, password)
    assert status == 303
    return Browser(client, csrf_of(client.get("/me").text))


def test_official_creates_staff_who_choose_their_password_at_first_sign_in(
    world: World, web: FastAPI
) -> None:
    official = sign_in(web, email("reviewer"))
    page = official.get("/admin/users").text
    assert "Akun petugas" in page and 'data-user="analyst@lspro.example"' in page
    assert "Analyst" in page and "Laboratorium" in page  # name and role as text

    # refused input stands next to its field, and nothing is stored
    r = create(official, "ppc2@lspro.example", "Maria PPC")
    assert r.status_code == 422 and 'id="f-roles-error"' in r.text
    assert messages.text("acc_need_role", "id") in r.text
    r = create(official, "bukan-email", "Maria PPC", "sampler")
    assert r.status_code == 422
    assert f'id="f-email-error">{messages.text("email_bad", "id")} (bukan-email)' in r.text
    assert "checked" in r.text and 'value="Maria PPC"' in r.text  # the form is kept
    r = create(official, "ANALYST@lspro.example", "Dua Kali", "sampler")
    assert r.status_code == 409 and re.search(
        r'id="f-email-error">Sudah ada akun dengan e-mail', r.text
    )

    r = create(official, "ppc2@lspro.example", "Maria PPC", "sampler", "lab_analyst")
    assert r.status_code == 201 and 'data-handed="ppc2@lspro.example"' in r.text
    code = handed_code(r.text)
    with db.reading() as s:
        new = accounts.account(s, "ppc2@lspro.example")
        assert new.roles == {"sampler", "lab_analyst"} and new.must_change_password
    assert actors("user.created")[-1] == "reviewer@lspro.example"
    assert 'data-user="ppc2@lspro.example"' in official.get("/admin/users").text

    # the code signs in once, and only into choosing a password
    client, status, where = login(web, "ppc2@lspro.example", code)
    assert (status, where) == (303, "/account/password")
    for path in ("/me", "/lab", "/sampling", "/admin/users"):
        r = client.get(path, follow_redirects=False)
        assert (r.status_code, r.headers.get("location")) == (303, "/account/password"), path
    r = client.get("/api/v1/me")
    assert r.status_code == 403 and "choose your own password" in r.json()["detail"]
    page = client.get("/account/password").text
    assert "Pilih kata sandi Anda" in page and "current_password" not in page
    b = Browser(client, csrf_of(page))
    assert login(web, "ppc2@lspro.example", code)[1] == 401  # used
    r = b.post("/account/password", {"password": "Pilihan-Saya-1", "password_confirm": "lain"})
    assert r.status_code == 422 and 'id="f-password_confirm-error">' in r.text
    r = b.post("/account/password", {"password": "pendek", "password_confirm": "pendek"})
    assert r.status_code == 422 and re.search(
        r'id="f-password-error">[^<]*minimal 8 karakter', r.text
    )
    r = b.post(
        "/account/password", {"password": "Pilihan-Saya-1", "password_confirm": "Pilihan-Saya-1"}
    )
    assert r.status_code == 200 and "Kata sandi Anda sudah diubah" in r.text
    assert b.get("/me").headers["location"] == "/login"  # sign in again with it
    client, status, where = login(web, "ppc2@lspro.example", "Pilihan-Saya-1")
    assert (status, where) == (303, "/lab")  # the analyst's worklist comes first
    assert client.get("/lab").status_code == 200 and client.get("/sampling").status_code == 200
    assert actors("user.password_changed")[-1] == "ppc2@lspro.example"


def test_deactivate_reactivate_and_reset(world: World, web: FastAPI) -> None:
    official = sign_in(web, email("reviewer"))
    analyst = sign_in(web, email("analyst"))
    ids = world.users
    token = bearer(world, "analyst")
    assert analyst.get("/lab").status_code == 200
    r = official.post(f"/admin/users/{ids['analyst']}/disable")
    assert (r.status_code, r.headers["location"]) == (303, "/admin/users")
    assert 'data-user="analyst@lspro.example" data-active="no"' in official.get("/admin/users").text
    assert analyst.get("/lab").headers["location"] == "/login"  # the session stopped
    assert login(web, email("analyst"), PASSWORD)[1] == 401
    assert official.post(f"/admin/users/{ids['analyst']}/enable").status_code == 303
    # reactivated: signs in again, but the old session and API token stay ended
    assert analyst.get("/lab").headers["location"] == "/login"
    assert TestClient(web).get("/api/v1/me", headers=token).status_code == 401
    analyst = sign_in(web, email("analyst"))
    token = bearer(world, "analyst")
    assert actors("user.disabled") == actors("user.enabled") == ["reviewer@lspro.example"]
    # oneself: refused with a page saying why
    r = official.post(f"/admin/users/{ids['reviewer']}/disable")
    assert r.status_code == 422 and messages.text("acc_not_self", "id") in r.text
    # a reset ends the sessions and hands over a code
    r = official.post(f"/admin/users/{ids['analyst']}/reset")
    assert r.status_code == 200 and 'data-handed="analyst@lspro.example"' in r.text
    code = handed_code(r.text)
    assert analyst.get("/lab").headers["location"] == "/login"
    assert TestClient(web).get("/api/v1/me", headers=token).status_code == 401
    assert login(web, email("analyst"), PASSWORD)[1] == 401
    first_sign_in(web, email("analyst"), code, "Analis-Baru-22")
    # the last active official cannot be deactivated (here from the CLI)
    for name in ("evaluator", "decider"):
        assert official.post(f"/admin/users/{ids[name]}/disable").status_code == 303
    r = CliRunner().invoke(cli, ["users", "disable", email("reviewer")])
    assert r.exit_code == 1 and "last active official" in r.output
    assert official.get("/admin/users").status_code == 200


def test_everyone_changes_their_own_password(world: World, web: FastAPI) -> None:
    applicant = world.applicant("abon")
    me = sign_in(web, email(applicant))
    other_browser = sign_in(web, email(applicant))
    page = me.get("/account/password").text
    assert "Kata sandi saat ini" in page
    r = me.post(
        "/account/password",
        {
            "current_password": "salah-sekali",
            "password": "Tenun-Ikat-88",
            "password_confirm": "Tenun-Ikat-88",
        },
    )
    assert r.status_code == 422
    assert re.search(r'id="f-current_password-error">Kata sandi saat ini salah', r.text)
    r = me.post(
        "/account/password",
        {"current_password": PASSWORD, "password": "password1", "password_confirm": "password1"},
    )
    assert r.status_code == 422 and messages.text("pw_common", "id") in r.text  # the one rule
    r = me.post(
        "/account/password",
        {
            "current_password": PASSWORD,
            "password": "Tenun-Ikat-88",
            "password_confirm": "Tenun-Ikat-88",
        },
    )
    assert r.status_code == 200 and 'data-done="1"' in r.text
    for browser in (me, other_browser):  # every session ends, this one too
        assert browser.get("/me").headers["location"] == "/login"
    assert login(web, email(applicant), PASSWORD)[1] == 401
    client, status, _ = login(web, email(applicant), "Tenun-Ikat-88")
    assert status == 303
    r = Browser(client, "").post("/account/password", {"password": "x"}, csrf=False)
    assert r.status_code == 403  # no CSRF token


def _draft_v2(tmp_path: Path) -> None:
    """Load abon v2: moisture max 7 -> 6, sensory_colour removed, a parameter added, the
    acceptance rule guarded."""
    content = yaml.safe_load((ROOT / "checklists" / "abon.yaml").read_text())
    content["version"] = 2
    content["acceptance"] = "guarded"
    params = content["parameters"]
    moisture = next(p for p in params if p["id"] == "moisture")
    moisture["requirement"]["max"] = 6
    extra = dict(moisture, id="moisture_retained", requirement={"kind": "max", "max": 8})
    content["parameters"] = [p for p in params if p["id"] != "sensory_colour"] + [extra]
    folder = tmp_path / "checklists"
    folder.mkdir()
    (folder / "abon.yaml").write_text(yaml.safe_dump(content, allow_unicode=True))
    with db.transaction() as s:
        loaded = checklists.sync(s, accounts.system_user(s), load_catalog([folder]))
    assert [(r.product, r.version) for r in loaded] == [("abon", 2)]


def test_checklist_versions_page_shows_changes_and_approves(
    world: World, web: FastAPI, tmp_path: Path
) -> None:
    _draft_v2(tmp_path)
    official = sign_in(web, email("decider"))
    page = official.get("/admin/checklists").text
    assert 'data-checklist="abon-v1" data-status="approved"' in page
    assert 'data-checklist="abon-v2" data-status="draft"' in page
    v2 = page[page.index('data-checklist="abon-v2"') :]
    v2 = v2[: v2.index("</section>")]
    assert "Perubahan dibanding versi disetujui v1" in v2
    assert "acceptance: simple → guarded" in v2
    assert re.search(r'class="added" data-id="moisture_retained"', v2)
    assert re.search(r'class="removed" data-id="sensory_colour"', v2)
    changed = re.search(r'class="changed" data-id="moisture">(.*?)</li></ul>', v2, re.S)[1]
    assert "requirement.max: 7 → 6" in changed
    assert 'data-id="protein"' not in v2  # unchanged parameters are not listed
    with db.reading() as s:
        v2_id = s.scalar(
            select(ChecklistVersion.id).where(
                ChecklistVersion.kind == "lab",
                ChecklistVersion.product == "abon",
                ChecklistVersion.version == 2,
            )
        )
    r = official.post(f"/admin/checklists/{v2_id}/approve")
    assert (r.status_code, r.headers["location"]) == (303, "/admin/checklists")
    page = official.get("/admin/checklists?lang=en").text
    assert 'data-checklist="abon-v2" data-status="approved"' in page
    assert 'data-checklist="abon-v1" data-status="retired"' in page
    assert "approved by Decider" in page
    assert actors("checklist.approved")[-1] == "decider@lspro.example"
    r = official.post(f"/admin/checklists/{v2_id}/approve")
    assert r.status_code == 409 and messages.text("cl_approved", "en") in r.text


def test_a_fresh_home_reaches_two_officials_created_by_the_first(home: Path) -> None:
    """Only documented commands and pages: `snicert init`, /admin/users, the first sign-in,
    then an approval from the CLI with the new official's password."""
    r = CliRunner().invoke(
        cli,
        [
            "init",
            "--official-email",
            "kepala@lspro.example",
            "--official-name",
            "Ibu Kepala",
            "--password-stdin",
        ],
        input="Kepala-LSPro-1\n",
    )
    assert r.exit_code == 0, r.output
    web = create_app()
    client, status, _ = login(web, "kepala@lspro.example", "Kepala-LSPro-1")
    assert status == 303
    first = Browser(client, csrf_of(client.get("/admin/users").text))
    codes = {}
    for who, name in (
        ("evaluator@lspro.example", "Pak Evaluator"),
        ("pemutus@lspro.example", "Ibu Pemutus"),
    ):
        r = create(first, who, name, "official")
        assert r.status_code == 201
        codes[who] = handed_code(r.text)
    for who, code in codes.items():
        b = first_sign_in(web, who, code, f"Pilihan-{who[:5]}-9")
        assert b.get("/dashboard").status_code == 200
    r = CliRunner().invoke(cli, ["users", "list", "--json"])
    officials = [
        u["email"]
        for u in json.loads(r.output)
        if "official" in u["roles"] and u["active"] and not u["must_change_password"]
    ]
    assert officials == ["evaluator@lspro.example", "kepala@lspro.example", "pemutus@lspro.example"]
    with db.reading() as s:
        created_by = list(
            s.scalars(
                select(AuditEvent.actor).where(
                    AuditEvent.action == "user.created",
                    AuditEvent.entity_id.in_(select(User.id).where(User.email.in_(list(codes)))),
                )
            )
        )
    assert created_by == ["kepala@lspro.example"] * 2
    r = CliRunner().invoke(
        cli,
        ["checklists", "approve", "abon", "--as", "pemutus@lspro.example", "--password-stdin"],
        input="Pilihan-pemut-9\n",
    )
    assert r.exit_code == 0 and "as pemutus@lspro.example" in r.output


def test_the_json_api_manages_staff_and_approves(
    world: World, web: FastAPI, tmp_path: Path
) -> None:
    api = TestClient(web)
    official, analyst = bearer(world, "reviewer"), bearer(world, "analyst")
    assert api.get("/api/v1/users", headers=analyst).status_code == 403
    r = api.post(
        "/api/v1/users",
        headers=official,
        json={"email": "ppc2@lspro.example", "name": "PPC", "roles": ["inspector"]},
    )
    assert r.status_code == 422 and r.json()["field"] == "roles"
    r = api.post(
        "/api/v1/users",
        headers=official,
        json={"email": "ppc2@lspro.example", "name": "PPC", "roles": ["sampler"]},
    )
    assert r.status_code == 201
    new = r.json()
    assert new["roles"] == ["sampler"] and new["must_change_password"] and new["one_time_code"]
    r = api.post(
        "/api/v1/users",
        headers=official,
        json={"email": "ppc2@lspro.example", "name": "PPC", "roles": ["sampler"]},
    )
    assert r.status_code == 409
    assert "ppc2@lspro.example" in [
        u["email"] for u in api.get("/api/v1/users", headers=official).json()
    ]
    r = api.post(f"/api/v1/users/{new['id']}/disable", headers=official)
    assert r.status_code == 200 and r.json()["active"] is False
    r = api.post(f"/api/v1/users/{new['id']}/reset", headers=official)
    assert r.status_code == 200 and r.json()["one_time_code"] != new["one_time_code"]
    assert api.post(f"/api/v1/users/{new['id']}/promote", headers=official).status_code == 422

    _draft_v2(tmp_path)
    versions = api.get("/api/v1/checklists", headers=official).json()
    v2 = next(v for v in versions if v["product"] == "abon" and v["version"] == 2)
    assert v2["status"] == "draft" and v2["changes"]["against"] == 1
    assert v2["changes"]["parameters"]["removed"] == ["sensory_colour"]
    assert ["requirement.max", "7", "6"] in v2["changes"]["parameters"]["changed"]["moisture"]
    r = api.post(f"/api/v1/checklists/{v2['id']}/approve", headers=analyst)
    assert r.status_code == 403
    r = api.post(f"/api/v1/checklists/{v2['id']}/approve", headers=official)
    assert r.status_code == 200 and r.json()["status"] == "approved"
