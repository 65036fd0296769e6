"""The frame around every page: the header says who is signed in and where their work is,
each person lands on their own work after signing in, and errors are pages in the
person's language for a browser (JSON for the API)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from snicert.web.app import create_app
from tests.test_web_staff import email, sign_in
from tests.world import World

HTML = {"accept": "text/html,application/xhtml+xml"}


@pytest.fixture()
def web(home):
    World().setup_staff().applicant()
    return create_app()


@pytest.mark.parametrize(
    ("who", "lands"),
    [
        ("decider", "/dashboard"),
        ("sampler", "/sampling"),
        ("analyst", "/lab"),
        ("verifier", "/lab/verify"),
        ("auditor", "/audits"),
        ("applicant0", "/me"),
    ],
)
def test_each_person_lands_on_their_own_work(web, who: str, lands: str) -> None:
    client = TestClient(web, base_url="https://testserver")
    form = client.get("/login").text
    token = form.split('name="csrf_token" value="')[1].split('"')[0]
    r = client.post(
        "/login",
        data={"email": email(who), "password": "rahasia-123", "csrf_token": token},
        follow_redirects=False,
    )
    assert (r.status_code, r.headers["location"]) == (303, lands)
    page = client.get(lands)
    assert page.status_code == 200
    assert f'href="{lands}"' in page.text.split("</header>")[0]  # in the header's menu


def test_the_header_says_who_is_signed_in_and_offers_to_sign_out(web) -> None:
    anonymous = TestClient(web, base_url="https://testserver").get("/directory").text
    header = anonymous.split("</header>")[0]
    assert 'href="/login">Masuk<' in header and "Keluar" not in header
    sampler = sign_in(web, email("sampler"))
    header = sampler.get("/directory").text.split("</header>")[0]
    assert "Masuk sebagai" in header and ">Masuk<" not in header
    assert 'action="/logout"' in header and "Keluar" in header
    assert 'href="/sampling"' in header and 'href="/dashboard"' not in header
    out = sampler.post("/logout")
    assert out.status_code == 303
    assert sampler.get("/me").headers["location"] == "/login"


def test_an_unknown_page_is_an_indonesian_page_for_a_browser_and_json_for_the_api(web) -> None:
    client = TestClient(web, base_url="https://testserver")
    page = client.get("/no-such-page", headers=HTML)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "Halaman tidak ditemukan" in page.text and "Not Found" not in page.text
    english = client.get("/no-such-page?lang=en", headers=HTML)
    assert "Page not found" in english.text
    api = client.get("/api/v1/no-such-thing", headers=HTML)
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}
    assert client.get("/no-such-page").json() == {"detail": "Not Found"}  # a non-browser


def test_a_wrong_role_is_told_in_the_persons_words(web) -> None:
    applicant = sign_in(web, email("applicant0"))
    refused = applicant.get("/dashboard", headers=HTML)
    assert refused.status_code == 403
    assert "Tidak diizinkan" in refused.text
    assert "Petugas LSPro" in refused.text and "Pemohon" in refused.text
    assert "this needs the role" not in refused.text
    api = applicant.api("GET", "/api/v1/dashboard")
    assert api.status_code in (403, 404)


def test_a_server_error_is_a_page_for_a_browser(web) -> None:
    @web.get("/boom", include_in_schema=False)
    def boom() -> None:
        raise RuntimeError("deliberate")

    client = TestClient(web, base_url="https://testserver", raise_server_exceptions=False)
    page = client.get("/boom", headers=HTML)
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert "Terjadi kesalahan pada sistem" in page.text and "deliberate" not in page.text
    assert page.headers["x-frame-options"] == "DENY"
    plain = client.get("/boom")
    assert plain.status_code == 500 and plain.text == "Internal Server Error"


def test_moments_are_shown_in_the_lspros_time_zone() -> None:
    from datetime import UTC, date, datetime

    from snicert.templating import day, local

    evening = datetime(2026, 3, 5, 17, 30, tzinfo=UTC)  # already the 6th in Kupang
    # the month by its name (never 03-06, read as 3 June), hours with a dot in Indonesian
    assert local(evening) == "6 Mar 2026 01.30 WITA"
    assert local(evening, "en") == "6 Mar 2026 01:30 WITA"
    assert day(evening) == "6 Maret 2026" and day(evening, "en") == "6 March 2026"
    assert local("2026-03-05T01:02:03+00:00") == "5 Mar 2026 09.02 WITA"
    assert day(date(2026, 8, 2)) == "2 Agustus 2026" and local(None) == ""
    assert day("2026-08-02") == "2 Agustus 2026"  # a day as text is that day, not a moment


def test_units_and_numbers_in_the_pages_language() -> None:
    from snicert.templating import number, unit

    assert unit("colonies/g") == "koloni/g" and unit("colonies/g", "en") == "colonies/g"
    assert unit("threads/cm") == "helai/cm" and unit("mg/kg") == "mg/kg"  # symbols stay
    assert unit("-") == "" and unit(None) == ""
    assert number(1250000) == "1.250.000" and number(9.5) == "9,5"
    assert number(1250000, "en") == "1,250,000"
    # a lab value as text keeps its decimals (0.060 is not 0.06); words stay words
    assert number("0.060") == "0,060" and number("30000") == "30.000"
    assert number("4.2", "en") == "4.2" and number("negatif") == "negatif"


def test_the_applicants_timeline_is_in_plain_words(home) -> None:
    import re

    w = World().setup_staff()
    app_id = w.new_application("abon")
    w.advance_to(app_id, "certified")
    applicant = sign_in(create_app(), email("applicant0"))
    html = applicant.get(f"/applications/{app_id}").text
    timeline = html.split('<ol class="timeline">')[1].split("</ol>")[0]
    shown = re.sub(r"<[^>]+>", " ", timeline)  # the visible text
    assert not re.findall(r"\b[a-z]+_[a-z_]+\b|\b[a-z]+\.[a-z_]+\b", shown), shown
    assert "Langkah tercatat" not in shown  # every step of a whole case has its words
    assert "Berkas diajukan" in shown and "Sertifikat terbit" in shown
    assert "@" not in shown and "UTC" not in shown and "WITA" in shown
    assert "automated" not in shown and "Sistem" in shown


def test_repeated_steps_fold_into_one_line() -> None:
    from snicert.web.timeline import steps

    analyst = {"name": "Ana", "role": "lab_analyst"}
    events = [
        {"at": f"2026-03-0{i}T01:00:00+00:00", "action": a, "by": analyst, "data": d}
        for i, (a, d) in enumerate(
            [
                ("result.entered", {}),
                ("result.entered", {}),
                ("result.entered", {}),
                ("application.testing_completed", {"to": "evaluation"}),
                ("no.such_action", {"to": "decision"}),
            ],
            start=1,
        )
    ]
    told = steps(events)
    assert [(x["text"], x["count"]) for x in told] == [
        ("ev_other", 1),
        ("ev_application_testing_completed", 1),
        ("ev_result_entered", 3),
    ]
    assert told[2]["at"].startswith("2026-03-03") and told[0]["to"] == "decision"


def test_a_certificate_evening_issue_shows_kupangs_date(home) -> None:
    """Issued at 21:30 UTC is the next morning in Kupang: the public page and the
    certificate say the same (WITA) day, not the stored UTC one."""
    from datetime import UTC, datetime

    from snicert import clock
    from snicert.db import engine as db
    from snicert.db.models import Certificate

    clock.freeze(datetime(2026, 3, 5, 21, 30, tzinfo=UTC))
    try:
        w = World().setup_staff()
        app_id = w.new_application("abon")
        w.advance_to(app_id, "certified")
        with db.transaction() as s:
            cert = s.query(Certificate).filter_by(application_id=app_id).one()
            number, issued = cert.number, cert.issued_at
        assert issued.date().isoformat() == "2026-03-05"  # stored in UTC
        page = TestClient(create_app()).get(f"/verify/{number}").text
        assert "6 Maret 2026" in page and "5 Maret 2026" not in page
        assert "6 Maret 2029" in page or "6 Maret 2030" in page  # valid until, in WITA too
    finally:
        clock.reset()
