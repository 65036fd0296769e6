"""The satisfaction survey on the web: the invitation on /me and the application page, the
form (errors next to the element, one answer), its API twin, and the public summary."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from snicert import clock, settings, survey
from snicert.db import engine as db
from snicert.db.models import SkmSurvey
from snicert.services import applications, skm
from snicert.web.app import create_app
from tests.test_web_staff import count, email, error_next_to, sign_in
from tests.world import World

ELEMENTS = [e.id for e in survey.questionnaire().elements]


@pytest.fixture
def case(home) -> dict[str, object]:
    """applicant0 withdrew two cases (both invited) and has one open; applicant1 withdrew one."""
    w = World().setup_staff()
    a, b = w.applicant("abon"), w.applicant("abon")  # applicant0, applicant1
    ids = {}
    for key, who in (("one", a), ("two", a), ("theirs", b)):
        ids[key] = w.new_application("abon", applicant=who, documents=False)
        with db.transaction() as s:
            applications.withdraw(s, w.owner(s, ids[key]), ids[key], "Tidak jadi")
    ids["open"] = w.new_application("emping", applicant=a, documents=False)
    return ids


@pytest.fixture
def web(home) -> FastAPI:
    return create_app()


def form(scores: dict[str, object], comment: str = "") -> dict[str, str]:
    return {**{f"score_{k}": str(v) for k, v in scores.items()}, "comment": comment}


def test_invitation_form_and_one_answer(case, web) -> None:
    b = sign_in(web, email("applicant0"))
    me = b.get("/me").text
    for key in ("one", "two"):
        assert f'href="/applications/{case[key]}/survey"' in me
    assert f'href="/applications/{case["open"]}/survey"' not in me
    detail = b.get(f"/applications/{case['one']}").text
    assert f'href="/applications/{case["one"]}/survey"' in detail

    page = b.get(f"/applications/{case['one']}/survey").text
    assert "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif" in page
    assert "Sangat sesuai" in page and 'name="score_sarana"' in page
    en = b.get(f"/applications/{case['one']}/survey?lang=en").text
    assert "How fair was the cost or tariff of the service?" in en
    b.get("/me?lang=id")  # back to Indonesian (the language is remembered in a cookie)

    scores = dict.fromkeys(ELEMENTS, 4) | {"waktu": 5}
    r = b.post(f"/applications/{case['one']}/survey", form(scores, "Cepat sekali"))
    assert r.status_code == 422
    assert "1 sampai 4" in error_next_to(r.text, "waktu")
    assert 'value="4" required checked' in r.text  # the other answers are kept
    assert "Cepat sekali" in r.text
    assert count(SkmSurvey, SkmSurvey.state == "answered") == 0

    r = b.post(f"/applications/{case['one']}/survey", form(dict.fromkeys(ELEMENTS, 3), "Baik"))
    assert r.status_code == 303
    done = b.get(r.headers["location"]).text
    assert "Terima kasih" in done and "3 – Sesuai" in done
    me = b.get("/me").text
    assert f'href="/applications/{case["one"]}/survey"' not in me  # no longer prompted
    assert f'href="/applications/{case["two"]}/survey"' in me

    r = b.post(f"/applications/{case['one']}/survey", form(dict.fromkeys(ELEMENTS, 1)))
    assert r.status_code == 409
    with db.reading() as s:
        assert set(skm.scores_of(skm.of_application(s, case["one"])).values()) == {3}

    # another business's case does not exist for this applicant
    assert b.get(f"/applications/{case['theirs']}/survey").status_code == 404
    r = b.post(f"/applications/{case['theirs']}/survey", form(dict.fromkeys(ELEMENTS, 4)))
    assert r.status_code == 404


def test_survey_api(case, web) -> None:
    b = sign_in(web, email("applicant0"))
    url = f"/api/v1/applications/{case['two']}/survey"
    assert b.api("GET", url).json()["state"] == "invited"
    r = b.api("POST", url, json={"scores": dict.fromkeys(ELEMENTS, 4) | {"biaya": 0}})
    assert r.status_code == 422 and r.json()["field"] == "biaya"
    r = b.api("POST", url, json={"scores": dict.fromkeys(ELEMENTS, 4) | {"biaya": "murah"}})
    assert r.status_code == 422 and r.json()["field"] == "scores.biaya"
    r = b.api("POST", url, json={"scores": dict.fromkeys(ELEMENTS, 4), "comment": "x" * 2001})
    assert r.status_code == 422 and r.json()["field"] == "comment"
    r = b.api("POST", url, json={"scores": dict.fromkeys(ELEMENTS, 4), "comment": "Mantap"})
    assert r.status_code == 201
    assert r.json()["state"] == "answered" and r.json()["scores"]["biaya"] == 4
    r = b.api("POST", url, json={"scores": dict.fromkeys(ELEMENTS, 4)})
    assert r.status_code == 409
    other = sign_in(web, email("applicant1"))
    r = other.api("POST", url, json={"scores": dict.fromkeys(ELEMENTS, 4)})
    assert r.status_code == 404


def test_public_summary_page_and_api(case, web) -> None:
    b = sign_in(web, email("applicant0"))
    b.post(f"/applications/{case['one']}/survey", form(dict.fromkeys(ELEMENTS, 4), "Rahasia X"))
    b.post(f"/applications/{case['two']}/survey", form(dict.fromkeys(ELEMENTS, 3)))
    public = sign_in(web, None)
    assert 'href="/skm"' in public.get("/").text

    page = public.get("/skm")
    assert page.status_code == 200
    assert '<span class="value" id="ikm">87.50</span>' in page.text  # means 3.5
    assert '<strong id="respondents">2</strong>' in page.text
    assert "Baik" in page.text and "Persyaratan" in page.text
    assert "Rahasia X" not in page.text  # comments are never published
    assert "Abon" in page.text

    # the period is in the LSPro's dates (WITA), not the machine's UTC date
    today = clock.now().astimezone(settings.current().zone).date().isoformat()
    r = public.get(f"/api/v1/skm?date_from=2020-01-01&date_to={today}&product=abon")
    body = r.json()
    assert r.status_code == 200
    assert body["overall"]["ikm"] == "87.50" and body["overall"]["category"] == "B"
    assert body["overall"]["respondents"] == 2
    assert [p["product"] for p in body["by_product"]] == ["abon"]
    assert body["overall"]["elements"][0] == {
        "element": "persyaratan",
        "code": "U1",
        "name": "Persyaratan",
        "answers": 2,
        "mean": "3.50",
    }
    assert "Rahasia" not in r.text

    r = public.get("/api/v1/skm?date_from=2026-05-01&date_to=2026-04-01")
    assert r.status_code == 422 and r.json()["field"] == "date_to"
    r = public.get("/api/v1/skm?product=rendang")
    assert r.status_code == 422 and r.json()["field"] == "product"
    r = public.get("/api/v1/skm?date_from=kemarin")
    assert r.status_code == 422 and r.json()["field"] == "date_from"
    page = public.get("/skm?date_from=2026-05-01&date_to=2026-04-01")
    assert page.status_code == 422 and "Periode tidak dapat dipakai" in page.text
