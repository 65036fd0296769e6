"""A surveillance through the pages: the official starts it, the sampler sees its samples
beside the applications', the lab receives and enters results on its own page, the
verifier's queue holds them, and the official's case page shows the results and passes
or fails it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from snicert import clock, synthetic
from snicert.db import engine as db
from snicert.db.models import Certificate, SurveillanceCase
from snicert.services import accounts, lab, monitoring
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


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html)[1]


@pytest.fixture
def opened(home):
    w = World().setup_staff()
    app_id = w.new_application("abon")
    w.advance_to(app_id, "certified")
    waiting = w.new_application("emping")  # an application waiting for sampling beside it
    w.advance_to(waiting, "sampling")
    with db.transaction() as s:
        lab.create_samples(s, w.user(s, "system"), waiting)
        cert = s.scalar(select(Certificate).where(Certificate.application_id == app_id))
    clock.freeze(cert.issued_at + timedelta(days=340))
    with db.transaction() as s:
        [case] = monitoring.open_due_surveillance(s, accounts.system_user(s))
    yield w, app_id, waiting, case.id, cert.number
    clock.reset()


def _status(case_id: int) -> str:
    with db.transaction() as s:
        return s.get(SurveillanceCase, case_id).status


def test_a_surveillance_through_the_pages(opened) -> None:
    w, app_id, waiting, case_id, cert_number = opened
    official = _signed_in("reviewer@lspro.example")
    listing = official.get("/surveillance")
    assert listing.status_code == 200 and f"/surveillance/{case_id}" in listing.text
    page = official.get(f"/surveillance/{case_id}").text
    assert "Dibuka, belum dimulai" in page and cert_number in page
    assert (
        official.post(
            f"/surveillance/{case_id}/start", data={"csrf_token": _csrf(page)}
        ).status_code
        == 200
    )
    assert _status(case_id) == "sampling"

    # the sampler sees the surveillance's samples beside the application's
    sampler = _signed_in("sampler@lspro.example")
    page = sampler.get("/sampling").text
    with db.transaction() as s:
        codes = [x.code for x in lab.samples_of(s, app_id, case_id)]
        other = [x.code for x in lab.samples_of(s, waiting)]
    assert codes and all(c in page for c in codes + other)
    assert f'action="/sampling/surveillance/{case_id}"' in page and "-V1-S" in codes[0]
    r = sampler.post(
        f"/sampling/surveillance/{case_id}",
        data={
            "csrf_token": _csrf(page),
            "location": "Gudang, Oebobo",
            **{f"seal_{c}": f"SG-{i}" for i, c in enumerate(codes)},
        },
    )
    assert r.status_code == 200 and _status(case_id) == "testing"
    assert w.app(app_id).state == "certified"  # the application itself is untouched

    # the lab: samples in transit link to the surveillance's lab page
    analyst = _signed_in("analyst@lspro.example")
    page = analyst.get("/lab").text
    assert f'href="/lab/surveillance/{case_id}"' in page and codes[0] in page
    with db.transaction() as s:
        samples = lab.samples_of(s, app_id, case_id)
        params = s.get(SurveillanceCase, case_id).checklist_snapshot["parameters"]
    for x in samples:
        r = analyst.post(
            f"/lab/samples/{x.id}/receive",
            data={"csrf_token": _csrf(page), "seal_number": x.seal_number, "seal_intact": "1"},
            follow_redirects=False,
        )
        assert r.headers["location"] == f"/lab/surveillance/{case_id}#samples"
    page = analyst.get(f"/lab/surveillance/{case_id}").text
    assert all(f'name="{p["id"]}.value"' in page for p in params)
    assert 'name="ash.value"' not in page  # outside the surveillance plan
    form = {"csrf_token": _csrf(page)}
    for p in params:
        form[f"{p['id']}.value"] = synthetic.passing_value(p)
        form[f"{p['id']}.unit"] = p["unit"]
    r = analyst.post(f"/lab/surveillance/{case_id}/results", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text

    verifier = _signed_in("verifier@lspro.example")
    page = verifier.get("/lab/verify").text
    assert page.count(f'href="/lab/surveillance/{case_id}"') == len(params)
    for rid in re.findall(r'action="/lab/results/(\d+)/verify"', page):
        assert (
            verifier.post(
                f"/lab/results/{rid}/verify", data={"csrf_token": _csrf(page)}
            ).status_code
            == 200
        )
    assert _status(case_id) == "site_audit"

    # the official's case page shows the results; it passes once the audit passed
    page = official.get(f"/surveillance/{case_id}").text
    assert page.count('<tr id="param-') == len(params)
    assert page.count('<span class="conform">sesuai</span>') == len(params)
    assert f'action="/surveillance/{case_id}/pass"' not in page
    w.pass_surveillance_audit(app_id, case_id)
    page = official.get(f"/surveillance/{case_id}").text
    assert f'action="/surveillance/{case_id}/pass"' in page
    r = official.post(f"/surveillance/{case_id}/pass", data={"csrf_token": _csrf(page)})
    assert r.status_code == 200 and 'data-status="passed"' in r.text


def test_an_official_fails_it_with_a_reason(opened) -> None:
    w, app_id, _, case_id, cert_number = opened
    w.run_surveillance(app_id, case_id, until="sampling")
    official = _signed_in("reviewer@lspro.example")
    page = official.get(f"/surveillance/{case_id}").text
    empty = official.post(
        f"/surveillance/{case_id}/fail", data={"csrf_token": _csrf(page), "note": " "}
    )
    assert empty.status_code == 422 and 'id="f-fail-note-error"' in empty.text
    assert _status(case_id) == "sampling"
    r = official.post(
        f"/surveillance/{case_id}/fail",
        data={"csrf_token": _csrf(page), "note": "Sarana tidak dapat diakses"},
    )
    assert r.status_code == 200 and 'data-status="failed"' in r.text
    public = TestClient(create_app()).get(f"/api/v1/certificates/{cert_number}").json()
    assert (
        public["status"] == "suspended"
        and "Sarana tidak dapat diakses" in (public["status_reason"])
    )
    # the API shows the case; a sampler may not read it
    api = official.get(f"/api/v1/surveillance/{case_id}").json()
    assert api["status"] == "failed" and api["actions"] == []
    assert _signed_in("sampler@lspro.example").get(f"/surveillance/{case_id}").status_code in (
        403,
        404,
    )
