"""Lists built in SQL (snicert/queries.py): the officials' list of applications filters,
searches, sorts, counts and pages in the database; bad parameters are named on pages and
refused by the API; only officials see it; no list loads an application's JSON snapshots;
the lab verifier verifies many results at once, still four eyes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import event, func, select, update

from snicert import clock, queries, synthetic
from snicert.db import engine as db
from snicert.db.models import Application, AuditEvent, Business, Invoice, LabResult
from snicert.services import lab
from snicert.services.guards import application
from snicert.web.app import create_app
from tests.test_web_staff import bearer, email, sign_in
from tests.world import World


@pytest.fixture
def world(home) -> World:
    return World().setup_staff()


@pytest.fixture
def web(home) -> FastAPI:
    return create_app()


def _five(w: World) -> dict[str, int]:
    """Five drafts: three abon, two sasando, each of its own business; made at different
    moments so sorting by them means something."""
    ids = {}
    for i, product in enumerate(["abon", "abon", "sasando", "abon", "sasando"]):
        clock.advance(timedelta(hours=1))
        ids[f"{product}{i}"] = w.new_application(product, documents=False)
    return ids


def _query(**params: str) -> queries.ListQuery:
    query, bad = queries.parse(params, queries.APPLICATION_SORTS, sort="submitted")
    assert not bad, bad
    return query


def _list(**params: str) -> queries.Page:
    with db.reading() as s:
        return queries.applications(s, _query(**params))


def test_applications_filter_search_sort_and_page_in_sql(world: World) -> None:
    ids = _five(world)
    assert _list().total == 5
    assert _list(product="abon").total == 3
    assert {r["id"] for r in _list(product="sasando").rows} == {ids["sasando2"], ids["sasando4"]}
    assert _list(state="draft", product="sasando").total == 2
    assert _list(state="document_review").total == 0
    # search: by number (any part, any case), business name, NIB prefix
    with db.reading() as s:
        number, business, nib = s.execute(
            select(Application.number, Business.name, Business.nib)
            .join(Business, Business.id == Application.business_id)
            .where(Application.id == ids["abon3"])
        ).one()
    assert [r["id"] for r in _list(q=number.lower()).rows] == [ids["abon3"]]
    assert ids["abon3"] in {r["id"] for r in _list(q=business.upper()[2:12]).rows}
    assert [r["id"] for r in _list(q=nib[:12] + nib[12]).rows] == [ids["abon3"]]
    assert _list(q="%").total == 0  # a wildcard is a character, not a pattern
    # sort by creation both ways; ties never reorder pages
    newest = [r["id"] for r in _list(sort="created").rows]
    assert newest == sorted(ids.values(), reverse=True)
    assert [r["id"] for r in _list(sort="created", dir="asc").rows] == newest[::-1]
    # pages: two per page; the count is of all that match; past the end is the last page
    pages = [_list(sort="created", size="2", page=str(n)) for n in (1, 2, 3)]
    assert [len(p.rows) for p in pages] == [2, 2, 1]
    assert [(p.first, p.last, p.total, p.pages) for p in pages] == [
        (1, 2, 5, 3),
        (3, 4, 5, 3),
        (5, 5, 5, 3),
    ]
    assert [r["id"] for p in pages for r in p.rows] == newest
    assert _list(sort="created", size="2", page="9").query.page == 3
    # due dates: overdue ones are found by the filter, and sort with the empty ones last
    with db.transaction() as s:
        s.execute(
            update(Application)
            .where(Application.id == ids["abon0"])
            .values(due_at=clock.now() - timedelta(days=1))
        )
        s.execute(
            update(Application)
            .where(Application.id == ids["sasando4"])
            .values(due_at=clock.now() + timedelta(days=3))
        )
    assert [r["id"] for r in _list(late="1").rows] == [ids["abon0"]]
    due = [r["id"] for r in _list(sort="due").rows]
    assert due[:2] == [ids["abon0"], ids["sasando4"]]
    assert [r["id"] for r in _list(sort="due", dir="desc").rows][:2] == [
        ids["sasando4"],
        ids["abon0"],
    ]


def test_bad_parameters_are_named_on_the_page_and_refused_by_the_api(
    world: World, web: FastAPI
) -> None:
    _five(world)
    query, bad = queries.parse(
        {"page": "dua", "sort": "password", "size": "100000", "since": "kemarin", "q": "abon"},
        queries.APPLICATION_SORTS,
        sort="submitted",
    )
    assert sorted(b.name for b in bad) == ["page", "since", "size", "sort"]
    assert (query.page, query.size, query.sort, query.since, query.q) == (
        1,
        50,
        "submitted",
        None,
        "abon",
    )
    reviewer = sign_in(web, email("reviewer"))
    r = reviewer.get("/official/applications?page=dua&sort=password&product=abon")
    assert r.status_code == 200
    assert "Isian \u201cHalaman\u201d tidak dipahami (nilai: dua)" in r.text
    assert "Isian \u201cUrutan\u201d tidak dipahami (nilai: password)" in r.text
    assert "1–3 dari 3" in r.text  # the rest of the query still applies
    r = reviewer.get("/official/applications?q=<script>alert(1)</script>")
    assert r.status_code == 200 and "<script>alert(1)" not in r.text
    api = reviewer.api("GET", "/api/v1/official/applications?sort=password")
    assert api.status_code == 422 and "sort" in api.text
    api = reviewer.api("GET", "/api/v1/official/applications?product=abon&size=2&sort=created")
    body = api.json()
    assert (body["total"], len(body["items"]), body["dir"]) == (3, 2, "desc")


def test_only_officials_see_the_list(world: World, web: FastAPI) -> None:
    world.new_application("abon", documents=False)
    anonymous = sign_in(web, None)
    r = anonymous.get("/official/applications")
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert anonymous.get("/api/v1/official/applications").status_code == 401
    for name in ("applicant0", "verifier", "sampler", "auditor"):
        browser = sign_in(web, email(name))
        assert browser.get("/official/applications").status_code == 403, name
        assert browser.api("GET", "/api/v1/official/applications").status_code == 403, name
    reviewer = sign_in(web, email("reviewer"))
    page = reviewer.get("/official/applications")
    assert page.status_code == 200 and 'aria-sort="descending"' in page.text
    assert "1–1 dari 1" in page.text
    headers = bearer(world, "reviewer")
    assert reviewer.client.get("/api/v1/official/applications", headers=headers).json()["total"]


def test_dashboard_counts_link_to_the_list_and_no_snapshot_is_loaded(
    world: World, web: FastAPI
) -> None:
    _five(world)
    reviewer = sign_in(web, email("reviewer"))
    statements: list[str] = []

    def seen(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        statements.append(statement)

    event.listen(db.engine(), "before_cursor_execute", seen)
    try:
        board = reviewer.get("/dashboard").text
        listed = reviewer.get("/official/applications?product=abon&state=draft").text
    finally:
        event.remove(db.engine(), "before_cursor_execute", seen)
    assert statements and not [x for x in statements if "snapshot" in x]
    link = "/official/applications?product=abon&amp;state=draft"
    assert re.search(
        rf'data-product="abon" data-state="draft"><a href="{re.escape(link)}">3<', board
    )
    assert "1–3 dari 3" in listed and listed.count("<tr data-app=") == 3


def _results_by(w: World, app_id: int, analyst: str) -> list[int]:
    """Every parameter of the application entered by `analyst`, none verified."""
    w.advance_to(app_id, "testing")
    w.receive_samples(app_id)
    with db.transaction() as s:
        app = application(s, app_id)
        return [
            lab.record_result(
                s, w.user(s, analyst), app_id, p["id"], synthetic.passing_value(p), p["unit"]
            ).id
            for p in app.checklist_snapshot["parameters"]
        ]


def test_bulk_verification_names_the_refused_and_verifies_the_rest(
    world: World, web: FastAPI
) -> None:
    w = world
    theirs = _results_by(w, w.new_application("abon"), "analyst")
    mine = _results_by(w, w.new_application("abon"), "labboth")
    labboth = sign_in(web, email("labboth"))
    # the queue offers only what others entered; mine are counted
    page = labboth.get("/lab/verify").text
    assert all(f'name="result.{i}"' in page for i in theirs)
    assert not any(f'name="result.{i}"' in page for i in mine)
    assert f"1–{len(theirs)} dari {len(theirs)}" in page
    events_before = _count(AuditEvent, AuditEvent.action == "result.verified")
    # ticking nothing verifies nothing and says so
    r = labboth.post("/lab/verify", {})
    assert r.status_code == 422 and "Pilih dulu hasil" in r.text
    # mine ticked too (a forged form): refused by name and reason, the others verified
    form = {f"result.{i}": "1" for i in theirs + mine[:2]}
    r = labboth.post("/lab/verify", form)
    assert r.status_code == 200
    assert f"{len(theirs)} hasil diverifikasi." in r.text
    for i in mine[:2]:
        assert re.search(rf'data-refused="{i}">#{i}: Anda sendiri yang memasukkan', r.text)
    assert _count(LabResult, LabResult.id.in_(theirs), LabResult.status == "verified") == len(
        theirs
    )
    assert _count(LabResult, LabResult.id.in_(mine), LabResult.status == "entered") == len(mine)
    # one audit event per verified result
    assert _count(AuditEvent, AuditEvent.action == "result.verified") - events_before == len(theirs)
    # one verified meanwhile (a second tab, a colleague): named as no longer awaiting
    r = labboth.post("/lab/verify", {f"result.{theirs[0]}": "1"})
    assert f'data-refused="{theirs[0]}">#{theirs[0]}: Hasil ini sudah tidak menunggu' in r.text
    assert "0 hasil diverifikasi." in r.text
    # "verify all on this page": every result the page showed, nothing more
    more = _results_by(w, w.new_application("abon"), "analyst")
    page = labboth.get("/lab/verify?size=2").text
    shown = re.search(r'name="shown" value="([0-9,]*)"', page)[1]
    assert shown == f"{more[0]},{more[1]}" and "semua di halaman ini (2)" in page
    r = labboth.post("/lab/verify?size=2", {"all": "1", "shown": shown})
    assert "2 hasil diverifikasi." in r.text
    assert _count(LabResult, LabResult.id.in_(more), LabResult.status == "verified") == 2
    # the API: a pydantic body; already verified ones are refused as no longer awaiting
    verifier = bearer(w, "verifier")
    r = labboth.client.post(
        "/api/v1/results/verify", json={"results": mine + theirs[:1]}, headers=verifier
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert sorted(x["id"] for x in body["verified"]) == sorted(mine)
    assert [(x["id"], x["status"]) for x in body["refused"]] == [(theirs[0], 409)]
    r = labboth.client.post("/api/v1/results/verify", json={"results": []}, headers=verifier)
    assert r.status_code == 422
    analyst = bearer(w, "analyst")
    r = labboth.client.post("/api/v1/results/verify", json={"results": theirs}, headers=analyst)
    assert r.status_code == 403


def test_verification_queue_pages_and_sorts(world: World, web: FastAPI) -> None:
    w = world
    first = _results_by(w, w.new_application("abon"), "analyst")
    second = _results_by(w, w.new_application("abon"), "analyst")
    with db.reading() as s:
        me = w.users["verifier"]
        query, _ = queries.parse({"size": "3"}, queries.VERIFY_SORTS, sort="entered")
        page = queries.verification(s, me, query)
        assert page.total == len(first) + len(second) and len(page.rows) == 3
        assert [r["id"] for r in page.rows] == (first + second)[:3]
        query, _ = queries.parse(
            {"sort": "application", "dir": "desc"}, queries.VERIFY_SORTS, sort="entered"
        )
        rows = queries.verification(s, me, query).rows
        assert {r["id"] for r in rows[: len(second)]} == set(second)
        number = s.get(Application, rows[-1]["application_id"]).number
        query, _ = queries.parse({"q": number}, queries.VERIFY_SORTS, sort="entered")
        assert queries.verification(s, me, query).total == len(first)


def _count(model, *where) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_payment_checks_are_listed_searched_and_sorted(world: World, web: FastAPI) -> None:
    waiting = [world.new_application(p) for p in ("abon", "sasando")]
    for app_id in waiting:
        world.advance_to(app_id, "payment_check")
        clock.advance(timedelta(hours=2))
    world.new_application("abon")  # a draft: no payment to check
    reviewer = sign_in(web, email("reviewer"))
    page = reviewer.get("/official/payments").text
    numbers = re.findall(r'<tr data-app="([^"]+)">', page)
    with db.reading() as s:
        expected = [s.get(Application, i).number for i in waiting]
        invoice = s.execute(
            select(Invoice.number).where(Invoice.application_id == waiting[1])
        ).scalar_one()
    assert numbers == expected and "1–2 dari 2" in page  # the longest waiting first
    assert (
        re.findall(r'<tr data-app="([^"]+)">', reviewer.get("/official/payments?dir=desc").text)
        == expected[::-1]
    )
    found = reviewer.get(f"/official/payments?q={invoice.lower()}").text
    assert re.findall(r'<tr data-app="([^"]+)">', found) == [expected[1]]
    assert "1–1 dari 1" in reviewer.get("/official/payments?product=abon").text
    assert sign_in(web, email("verifier")).get("/official/payments").status_code == 403


def test_lab_worklist_is_paged_in_sql_with_a_fixed_number_of_queries(
    world: World, web: FastAPI
) -> None:
    w = world
    ids = [w.new_application(product) for product in ("abon", "abon", "sasando")]
    for app_id in ids:
        w.advance_to(app_id, "testing")
    verifier = sign_in(web, email("verifier"))
    statements: list[str] = []

    def seen(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        statements.append(statement)

    def queries_for(url: str) -> tuple[int, str]:
        statements.clear()
        event.listen(db.engine(), "before_cursor_execute", seen)
        try:
            text = verifier.get(url).text
        finally:
            event.remove(db.engine(), "before_cursor_execute", seen)
        return len(statements), text

    one, page = queries_for("/lab?size=1")
    three, everything = queries_for("/lab?size=3")
    assert one == three  # what each case misses: a few queries for the page, not per case
    assert "1–1 dari 3" in page and everything.count('href="/lab/applications/') == 3
    numbers = {i: w.app(i).number for i in ids}
    assert numbers[ids[0]] not in queries_for("/lab?product=sasando")[1]
    assert numbers[ids[2]] in queries_for("/lab?product=sasando")[1]
    api = verifier.get("/api/v1/lab/worklist?sort=number&dir=desc").json()
    assert [x["number"] for x in api["items"]] == sorted(numbers.values(), reverse=True)
    assert api["in_transit_total"] == len(api["in_transit"]) == 0  # received on the way here


def test_my_applications_are_a_list_in_sql(world: World, web: FastAPI) -> None:
    ids = _five(world)
    reviewer = sign_in(web, email("reviewer"))  # staff see every case on their /me
    api = reviewer.get("/api/v1/applications?product=abon&sort=created&dir=asc").json()
    assert api["total"] == 3
    assert [x["id"] for x in api["items"]] == [ids["abon0"], ids["abon1"], ids["abon3"]]
    two = reviewer.get("/api/v1/applications?size=2&page=3").json()
    assert (two["total"], two["page"], [x["id"] for x in two["items"]]) == (5, 3, [ids["abon0"]])
    number = world.app(ids["sasando4"]).number
    assert [
        x["number"] for x in reviewer.get(f"/api/v1/applications?q={number}").json()["items"]
    ] == [number]
    assert reviewer.get("/api/v1/applications?sort=colour").status_code == 422
    page = reviewer.get("/me?sort=colour&product=sasando").text
    assert "1–2 dari 2" in page and 'role="search"' in page and "colour" in page
