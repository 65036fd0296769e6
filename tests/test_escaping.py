"""Hostile text in every field people type, shown on every page and file that renders it:
escaped everywhere, never markup. Also reflected input, `?error=` codes, what applicants see
of staff, and the security headers on every kind of response."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import select

from snicert import clock, outputs, stages, synthetic
from snicert.catalog import default_catalog
from snicert.db import engine as db
from snicert.db.models import Application, Certificate, Document, Output, Sample
from snicert.roles import Role
from snicert.services import (
    accounts,
    applications,
    certificates,
    decisions,
    fees,
    impartiality,
    lab,
    monitoring,
    public,
)
from snicert.web.app import create_app
from snicert.web.headers import PAGE_POLICY, REPORT_POLICY
from tests.test_web_staff import PASSWORD, Browser, sign_in
from tests.world import World

# Each breaks out of text, a double- or single-quoted attribute or a <textarea>, runs as a
# link, or would be evaluated by a template engine that rendered data as a template.
PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'\"><svg/onload=alert(1)>",
    "javascript:alert(1)",
    "{{7*7}}",
    "</textarea><script>",
]
HOSTILE = "".join(PAYLOADS)
# What must never reach a page unescaped (the pages' own markup has none of these).
RAW = ["<script>alert", "<img src=x", "<svg/onload", "<svg onload", "</textarea><script>"]
STAFF = {
    "xreviewer": {Role.OFFICIAL},
    "xevaluator": {Role.OFFICIAL},
    "xdecider": {Role.OFFICIAL},
    "xsampler": {Role.SAMPLER},
    "xanalyst": {Role.LAB_ANALYST},
    "xverifier": {Role.LAB_VERIFIER},
}


def hostile(field: str) -> str:
    """The whole hostile set, tagged with the field it was typed into (fits 200 chars)."""
    return f"{field}:{HOSTILE}"


def short(field: str) -> str:
    """For short fields (city, seal number; file names, which may hold no slash)."""
    return f'{field}"><img src=x onerror=alert(1)>{{{{7*7}}}}'


def clean(html: str, where: str) -> None:
    """No payload unescaped, and no link, source or form target made of typed text."""
    for raw in RAW:
        assert raw not in html, f"{where}: {raw!r} unescaped"
    assert not re.search(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", html), where


def shows(html: str, where: str, *values: str) -> None:
    """The page is clean and shows each value, escaped (so it really rendered them)."""
    clean(html, where)
    for value in values:
        assert str(escape(value)) in html, f"{where} does not show {value[:20]!r}"


def get(browser: Browser, path: str, *values: str, status: int = 200) -> str:
    r = browser.get(path)
    assert r.status_code == status, (path, r.status_code, r.text[:300])
    shows(r.text, path, *values)
    return r.text


def output_text(owner: str, kind: str) -> str:
    with db.transaction() as s:
        out = s.scalar(select(Output).where(Output.owner == owner, Output.kind == kind))
        assert out is not None, (owner, kind)
        return outputs.absolute(out).read_text(encoding="utf-8")


@pytest.fixture
def web(home) -> FastAPI:
    return create_app()


def _staff(w: World) -> None:
    with db.transaction() as s:
        official = w.user(s, "reviewer")
        for name, roles in STAFF.items():
            user, _ = accounts.create_staff(
                s, official, f"{name}@lspro.example", hostile(f"name-{name}"), roles, PASSWORD
            )
            user.must_change_password = False  # as if chosen at the first sign-in
            w.users[name] = user.id
    for name in STAFF:
        w.qualify(name)


def _applicant(w: World) -> int:
    info = synthetic.business("abon", 0, w.rng)
    with db.transaction() as s:
        w.users["owner"] = accounts.register_applicant(
            s,
            email="owner@umkm.example",
            name=hostile("contact"),
            password=PASSWORD,
            business_name=hostile("business"),
            nib=info["nib"],
            address=hostile("address"),
            city=short("city"),
        ).id
        app = applications.create(
            s, w.user(s, "owner"), "abon", hostile("brand"), hostile("site"), hostile("variants")
        )
        for spec in default_catalog().product("abon").model_dump(mode="json")["documents"]:
            name, data = synthetic.document(spec, "abon", "UMKM")
            applications.attach_document(
                s,
                w.user(s, "owner"),
                app.id,
                spec["id"],
                short(spec["id"]) + "." + name.rsplit(".", 1)[1],
                data,
            )
        return app.id


def test_hostile_text_is_escaped_on_every_page_and_file(web: FastAPI, home) -> None:
    w = World().setup_staff()
    _staff(w)
    app_id = _applicant(w)
    owner = sign_in(web, "owner@umkm.example")
    x = {name: sign_in(web, f"{name}@lspro.example") for name in STAFF}
    staff_name = {name: hostile(f"name-{name}") for name in STAFF}
    with db.transaction() as s:
        filenames = [d.filename for d in s.scalars(select(Document))]
        assert all(str(escape(short(""))) in str(escape(f)) for f in filenames), filenames

    # the dossier, as its owner sees it while it is a draft
    get(owner, "/me", hostile("contact"))
    get(owner, f"/applications/{app_id}", hostile("brand"), *filenames)

    # submitted and screened; the reviewer finds one item non-conforming
    with db.transaction() as s:
        applications.submit(s, w.user(s, "owner"), app_id, fees.agreement().version)
    assert stages.screen(app_id)
    with db.transaction() as s:  # paid and confirmed: the review may start
        inv = fees.invoice(s, app_id)
        slip = synthetic.payment_proof(inv.number, inv.total_idr, "UMKM")
        fees.submit_proof(s, w.user(s, "owner"), app_id, *slip)
    with db.transaction() as s:
        fees.confirm(s, w.user(s, "xreviewer"), app_id)
    with db.transaction() as s:
        items = [i["id"] for i in s.get(Application, app_id).checklist_snapshot["document_items"]]
        applications.record_review(
            s,
            w.user(s, "xreviewer"),
            app_id,
            {
                i: ("nonconform", hostile("finding"))
                if n == 0
                else ("conform", hostile("review-note"))
                for n, i in enumerate(items)
            },
        )
    page = get(owner, f"/applications/{app_id}", hostile("finding"), staff_name["xreviewer"])
    assert "@lspro.example" not in page  # staff by name and role, never their e-mail
    api = owner.get(f"/api/v1/applications/{app_id}").text
    assert "@lspro.example" not in api and "xreviewer" in api
    get(
        x["xreviewer"],
        f"/review/{app_id}",
        hostile("brand"),
        hostile("business"),
        hostile("finding"),
        hostile("review-note"),
        staff_name["xreviewer"],
        *filenames,
    )
    get(x["xreviewer"], "/dashboard", hostile("brand"))
    get(x["xreviewer"], "/admin/users", *staff_name.values())
    # conflicts of interest: the business, the staff member and the note, on both pages
    with db.transaction() as s:
        conflict_id = impartiality.declare_conflict(
            s,
            w.user(s, "xanalyst"),
            w.user(s, "xanalyst"),
            s.get(Application, app_id).business_id,
            "consulting",
            note=hostile("conflict-note"),
        ).id
    get(x["xanalyst"], "/me/conflicts", hostile("business"), hostile("conflict-note"))
    get(
        x["xreviewer"],
        "/admin/impartiality",
        hostile("business"),
        hostile("conflict-note"),
        staff_name["xanalyst"],
    )
    with db.transaction() as s:  # closed, or the analyst could not test this case
        impartiality.close_conflict(s, w.user(s, "xreviewer"), conflict_id, hostile("closed"))
    get(x["xanalyst"], "/me/conflicts", hostile("closed"))

    # the applicant answers; the second round passes
    with db.transaction() as s:
        [nc] = applications.open_nonconformities(s, app_id)
        applications.answer_nonconformity(s, w.user(s, "owner"), nc.id, hostile("answer"))
    get(x["xreviewer"], f"/review/{app_id}", hostile("answer"))
    with db.transaction() as s:
        applications.record_review(
            s, w.user(s, "xreviewer"), app_id, {i: ("conform", None) for i in items}
        )
    stages.plan_samples(app_id)

    # sampling: seal numbers and the place are typed by the sampling officer
    get(x["xsampler"], "/sampling", hostile("business"), hostile("site"))
    with db.transaction() as s:
        samples = lab.samples_of(s, app_id)
        seals = {smp.code: short(f"seal{n}") for n, smp in enumerate(samples)}
        lab.record_sampling(s, w.user(s, "xsampler"), app_id, seals, hostile("location"))
    get(x["xanalyst"], "/lab", hostile("location"))
    with db.transaction() as s:
        for smp in samples:
            lab.receive_sample(s, w.user(s, "xanalyst"), smp.id, seals[smp.code], seal_intact=True)
    get(
        x["xanalyst"],
        f"/lab/applications/{app_id}",
        hostile("brand"),
        hostile("location"),
        *seals.values(),
    )

    # results with hostile method and instrument; one retracted, one retested
    with db.transaction() as s:
        params = s.get(Application, app_id).checklist_snapshot["parameters"]

    def enter(pids: list[str]) -> dict[str, int]:
        with db.transaction() as s:
            return {
                p["id"]: lab.record_result(
                    s,
                    w.user(s, "xanalyst"),
                    app_id,
                    p["id"],
                    synthetic.passing_value(p),
                    p["unit"],
                    method=hostile("method"),
                    instrument=hostile("instrument"),
                ).id
                for p in params
                if p["id"] in pids
            }

    ids = enter([p["id"] for p in params])
    get(x["xverifier"], "/lab/verify", hostile("method"), staff_name["xanalyst"])
    first, second = params[0]["id"], params[1]["id"]
    with db.transaction() as s:
        lab.retract_result(s, w.user(s, "xverifier"), ids[first], hostile("retracted"))
        lab.request_retest(s, w.user(s, "xverifier"), ids[second], hostile("retest"))
    get(x["xanalyst"], f"/lab/applications/{app_id}", hostile("retracted"), hostile("retest"))
    ids.update(enter([first, second]))
    with db.transaction() as s:
        for rid in ids.values():
            lab.verify_result(s, w.user(s, "xverifier"), rid)
    w.pass_site_audit(app_id)  # type 5: the evaluation follows a concluded site audit
    assert stages.close_testing(app_id)
    with db.transaction() as s:
        test_sample = s.scalar(
            select(Sample).where(Sample.application_id == app_id, Sample.purpose == "test")
        )
    report = output_text(f"sample:{test_sample.id}", "test_report_html")
    shows(
        report,
        "test report",
        hostile("business"),
        hostile("address"),
        hostile("retracted"),
        hostile("retest"),
        hostile("method"),
        staff_name["xanalyst"],
        staff_name["xverifier"],
    )
    # evaluation (its report after it), decision, certificate
    with db.transaction() as s:
        w.evaluate(s, app_id, hostile("summary"), who="xevaluator")
    stages.compile_evaluation(app_id)
    shows(
        output_text(f"application:{app_id}", "evaluation_report"),
        "evaluation report",
        hostile("brand"),
        hostile("business"),
        hostile("summary"),
        staff_name["xevaluator"],
    )
    get(
        x["xevaluator"],
        f"/evaluation/{app_id}",
        hostile("brand"),
        hostile("business"),
        hostile("summary"),
        staff_name["xevaluator"],
    )
    with db.transaction() as s:
        decisions.decide(s, w.user(s, "xdecider"), app_id, "grant", hostile("decision"))
    get(
        x["xdecider"],
        f"/decision/{app_id}",
        hostile("summary"),
        hostile("decision"),
        staff_name["xdecider"],
        staff_name["xevaluator"],
    )
    assert stages.issue(app_id)
    with db.transaction() as s:
        cert = s.scalar(select(Certificate).where(Certificate.application_id == app_id))
    owner_of = f"certificate:{cert.id}"
    for kind in ("html", "label_html"):
        shows(output_text(owner_of, kind), kind, hostile("brand"))
    shows(
        output_text(owner_of, "html"),
        "certificate",
        hostile("business"),
        hostile("address"),
        hostile("site"),
        hostile("variants"),
    )
    public_facts = (
        hostile("business"),
        hostile("brand"),
        hostile("site"),
        hostile("address"),
        short("city"),
    )
    get(web_client(web), f"/verify/{cert.number}", *public_facts)
    get(web_client(web), "/directory", hostile("business"), hostile("brand"), short("city"))
    get(x["xdecider"], "/dashboard", hostile("business"))
    get(x["xdecider"], f"/certificates/{cert.id}", hostile("brand"), hostile("business"))
    get(owner, f"/applications/{app_id}", staff_name["xdecider"])

    # a failed surveillance suspends with its note; reinstated; withdrawn with a reason
    clock.freeze(cert.issued_at + timedelta(days=340))
    with db.transaction() as s:
        [case] = monitoring.open_due_surveillance(s, accounts.system_user(s))
        monitoring.record_surveillance(
            s, w.user(s, "xdecider"), case.id, False, hostile("surveillance")
        )
    public.forget_certificates()
    get(web_client(web), f"/verify/{cert.number}", hostile("surveillance"))
    x["xdecider"], owner = (
        sign_in(web, "xdecider@lspro.example"),  # sessions expired
        sign_in(web, "owner@umkm.example"),
    )
    get(x["xdecider"], f"/certificates/{cert.id}", hostile("surveillance"))
    with db.transaction() as s:
        certificates.reinstate(s, w.user(s, "xdecider"), cert.id, hostile("reinstated"))
        certificates.withdraw(s, w.user(s, "xdecider"), cert.id, hostile("withdrawn"))
    public.forget_certificates()
    get(web_client(web), f"/verify/{cert.number}", hostile("withdrawn"))
    get(owner, f"/applications/{app_id}")
    clock.reset()

    # a second case of the same business, refused with a hostile reason
    with db.transaction() as s:
        refused = applications.create(
            s, w.user(s, "owner"), "abon", hostile("brand2"), hostile("site2")
        ).id
    w.users[f"owner:{refused}"] = w.users["owner"]
    for spec in default_catalog().product("abon").model_dump(mode="json")["documents"]:
        with db.transaction() as s:
            name, data = synthetic.document(spec, "abon", "UMKM")
            applications.attach_document(s, w.user(s, "owner"), refused, spec["id"], name, data)
    w.advance_to(refused, "decision")
    with db.transaction() as s:
        decisions.decide(s, w.user(s, "xdecider"), refused, "refuse", hostile("refusal"))
    get(x["xdecider"], f"/decision/{refused}", hostile("brand2"), hostile("refusal"))
    get(owner, f"/applications/{refused}", hostile("brand2"))
    get(owner, "/me")


def web_client(web: FastAPI) -> Browser:
    return Browser(TestClient(web, base_url="https://testserver"), "")


# --- reflected input ----------------------------------------------------------------------


def test_reflected_input_is_escaped(web: FastAPI, home) -> None:
    anon = web_client(web)
    r = anon.get("/directory", params={"q": HOSTILE, "city": HOSTILE, "sni": HOSTILE})
    shows(r.text, "/directory?q=", HOSTILE)
    for payload in PAYLOADS:
        r = anon.get(f"/verify/{quote(payload, safe='')}")
        assert r.status_code == 404
        clean(r.text, f"/verify/{payload}")
        if "/" not in payload:  # a slash makes it another path: the plain 404
            shows(r.text, "/verify/", payload)

    # the sign-in form keeps the typed e-mail, escaped
    token = re.search(r'name="csrf_token" value="([^"]*)"', anon.get("/login").text)[1]
    r = anon.client.post(
        "/login", data={"email": HOSTILE, "password": "wrong-password", "csrf_token": token}
    )
    assert r.status_code in (401, 422), r.status_code
    clean(r.text, "/login")

    # forms shown again after a refusal keep what was typed, escaped
    token = re.search(r'name="csrf_token" value="([^"]*)"', anon.get("/register").text)[1]
    r = anon.client.post(
        "/register",
        data={
            "csrf_token": token,
            "email": "new@umkm.example",
            "name": HOSTILE,
            "password": PASSWORD,
            "business_name": HOSTILE,
            "nib": "123",
            "address": HOSTILE,
        },
    )
    assert r.status_code == 422
    shows(r.text, "/register", HOSTILE)


def test_forms_shown_again_keep_typed_text_escaped(web: FastAPI, home) -> None:
    """A refused form comes back with what was typed and an error naming the value."""
    w = World().setup_staff()
    app_id = w.new_application()
    applicant = sign_in(web, "applicant0@umkm.example")
    r = applicant.post(
        "/applications",
        {"product": HOSTILE, "brand": HOSTILE, "production_site": HOSTILE, "variants": HOSTILE},
    )
    assert r.status_code == 422
    shows(r.text, "/applications (new)", HOSTILE)

    w.advance_to(app_id, "document_review")
    reviewer = sign_in(web, "reviewer@lspro.example")
    r = reviewer.post("/admin/users", {"email": HOSTILE, "name": HOSTILE, "role.sampler": "1"})
    assert r.status_code == 422
    shows(r.text, "/admin/users (refused)", HOSTILE)
    with db.transaction() as s:
        items = [i["id"] for i in s.get(Application, app_id).checklist_snapshot["document_items"]]
    r = reviewer.post(
        f"/review/{app_id}",
        {
            **{f"verdict.{i}": "conform" for i in items[1:]},
            f"verdict.{items[0]}": HOSTILE,
            f"comment.{items[0]}": HOSTILE,
        },
    )
    assert r.status_code == 422
    shows(r.text, "/review (refused)", HOSTILE)

    w.advance_to(app_id, "sampling")
    stages.plan_samples(app_id)
    sampler = sign_in(web, "sampler@lspro.example")
    with db.transaction() as s:
        codes = [x.code for x in lab.samples_of(s, app_id)]
    r = sampler.post(
        f"/sampling/{app_id}", {**{f"seal_{c}": short("seal") for c in codes}, "location": " "}
    )
    assert r.status_code == 422
    clean(r.text, "/sampling (refused)")

    w.advance_to(app_id, "testing")
    w.receive_samples(app_id)
    analyst = sign_in(web, "analyst@lspro.example")
    with db.transaction() as s:
        first = s.get(Application, app_id).checklist_snapshot["parameters"][0]["id"]
    r = analyst.post(
        f"/lab/applications/{app_id}/results", {f"{first}.value": HOSTILE, f"{first}.unit": HOSTILE}
    )
    assert r.status_code == 422
    shows(r.text, "/lab results (refused)", HOSTILE)

    w.advance_to(app_id, "certified")
    decider = sign_in(web, "decider@lspro.example")
    with db.transaction() as s:
        cert_id = s.scalar(select(Certificate.id).where(Certificate.application_id == app_id))
    r = decider.post(
        f"/certificates/{cert_id}/suspend", {"reason": HOSTILE, "fix_by": short("date")}
    )
    assert r.status_code == 422
    shows(r.text, "/certificates suspend (refused)", HOSTILE, short("date"))


def test_page_messages_are_codes_never_text(web: FastAPI, home) -> None:
    w = World().setup_staff()
    app_id = w.new_application()
    applicant = sign_in(web, "applicant0@umkm.example")
    page = get(applicant, f"/applications/{app_id}?error={quote(HOSTILE)}")
    assert 'id="page-error"' not in page  # an unknown code shows nothing
    page = get(applicant, f"/applications/{app_id}?error=renewal_refused&lang=en")
    assert "The renewal cannot start" in page
    page = get(applicant, f"/applications/{app_id}?error=renewal_refused&lang=id")
    assert "Perpanjangan tidak dapat dimulai" in page
    sampler = sign_in(web, "sampler@lspro.example")
    page = get(sampler, f"/sampling?error={quote(HOSTILE)}")
    assert 'class="error"' not in page and "alert(1)" not in page

    # a refused renewal says so by its code
    w.advance_to(app_id, "certified")
    with db.transaction() as s:
        cert = s.scalar(select(Certificate).where(Certificate.application_id == app_id))
        certificates.withdraw(s, w.user(s, "decider"), cert.id, "Pelanggaran")
    r = applicant.post(f"/certificates/{cert.id}/renew")
    assert r.status_code == 303
    assert r.headers["location"] == f"/applications/{app_id}?error=renewal_refused"


# --- headers ------------------------------------------------------------------------------

ALWAYS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


def _has_headers(r, policy: str = PAGE_POLICY) -> None:
    for name, value in ALWAYS.items():
        assert r.headers.get(name) == value, (r.request.url, name, r.headers.get(name))
    assert r.headers.get("content-security-policy") == policy, r.request.url


def test_security_headers_on_every_kind_of_response(
    web: FastAPI, home, monkeypatch: pytest.MonkeyPatch
) -> None:
    anon = web_client(web)
    page = anon.get("/")
    _has_headers(page)
    assert "script-src 'self'" in PAGE_POLICY and "frame-ancestors 'none'" in PAGE_POLICY
    assert "<script" not in page.text and "<style" not in page.text
    _has_headers(anon.get("/api/v1/keys"))
    css = anon.get("/static/style.css")
    assert css.status_code == 200
    _has_headers(css)
    missing = anon.get("/no/such/page")
    assert missing.status_code == 404
    _has_headers(missing)
    _has_headers(anon.get("/api/v1/certificates/SNI-ABN-2026-9999"))  # JSON 404
    _has_headers(anon.get("/me"))  # a redirect
    _has_headers(anon.client.post("/login", data={}))  # a refused form

    # an unexpected failure: the 500 answer carries them too
    def broken(number: str) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(public, "lookup_certificate", broken)
    failing = TestClient(web, raise_server_exceptions=False).get("/verify/X")
    assert failing.status_code == 500
    _has_headers(failing)

    # Swagger UI: its own policy, its one inline script allowed by hash
    docs = anon.get("/api/docs")
    assert docs.status_code == 200
    policy = docs.headers["content-security-policy"]
    assert re.search(
        r"script-src https://cdn.jsdelivr.net 'sha256-[A-Za-z0-9+/=]+'$",
        policy.split(";")[1].strip(),
    ), policy
    assert "frame-ancestors 'none'" in policy and "unsafe-eval" not in policy
    for name, value in ALWAYS.items():
        assert docs.headers[name] == value


def test_no_page_has_inline_script_or_style(web: FastAPI, home) -> None:
    """Everything the strict policy would block: the staff and applicant pages load their
    styles from /static."""
    w = World().setup_staff()
    app_id = w.new_application()
    w.advance_to(app_id, "document_review")
    pages = {
        "applicant0@umkm.example": ["/me", f"/applications/{app_id}", "/applications/new"],
        "reviewer@lspro.example": [
            "/dashboard",
            f"/review/{app_id}",
            "/admin/users",
            "/admin/checklists",
        ],
        "analyst@lspro.example": ["/lab"],
        "verifier@lspro.example": ["/lab/verify"],
        "sampler@lspro.example": ["/sampling"],
        None: ["/", "/directory", "/login", "/register", "/verify/SNI-ABN-2026-0001"],
    }
    for who, paths in pages.items():
        browser = sign_in(web, who)
        for path in paths:
            r = browser.get(path)
            assert r.status_code in (200, 404), (path, r.status_code)
            _has_headers(r)
            assert not re.search(r"<script|<style|\sstyle=|\son[a-z]+=", r.text), path
            for ref in re.findall(r'(?:href|src)="(/static/[^"]+)"', r.text):
                assert browser.get(ref).status_code == 200, ref
    staff = sign_in(web, "reviewer@lspro.example").get("/dashboard").text
    assert '<link rel="stylesheet" href="/static/staff.css">' in staff


def test_templates_hold_no_inline_code_and_never_unescape() -> None:
    """Pages keep every script and style under /static; no template turns escaping off.
    (Certificates and reports are self-contained files with their own inline styles.)"""
    root = Path(__file__).resolve().parents[1]
    web = sorted((root / "snicert/web/templates").glob("*.j2"))
    # *_file.html.j2: a downloaded, self-contained report (served with REPORT_POLICY)
    pages = [p for p in web if not p.name.endswith("_file.html.j2")]
    files = (
        sorted((root / "certificates").glob("*.j2"))
        + sorted((root / "snicert/templates").glob("*.j2"))
        + [p for p in web if p.name.endswith("_file.html.j2")]
    )
    assert pages and files
    for path in pages:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<script|<style|\sstyle=|\son[a-z]+=|javascript:", text, re.I), path
    for path in pages + files:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\|\s*safe\b|autoescape\s+false", text), path


def test_downloads_keep_their_own_policy(web: FastAPI, home) -> None:
    w = World().setup_staff()
    app_id = w.new_application()
    w.advance_to(app_id, "decision")
    stages.compile_evaluation(app_id)
    applicant = sign_in(web, "applicant0@umkm.example")
    with db.transaction() as s:
        doc_id = s.scalar(select(Document.id).where(Document.application_id == app_id))
    r = applicant.get(f"/documents/{doc_id}")
    assert r.status_code == 200
    _has_headers(r, "sandbox")
    r = sign_in(web, "evaluator@lspro.example").get(f"/evaluation/{app_id}/report.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF-")
    _has_headers(r, REPORT_POLICY)
    assert "script-src" not in REPORT_POLICY and "sandbox" in REPORT_POLICY
