"""What the applicant's case page and /me tell, and what staff get there: why a case was
refused, where and how to pay, whose turn it is, the next step as the dossier stands, no
applicant forms for staff, and no welcome or sign-in page for someone signed in."""

from __future__ import annotations

import re

import pytest

from snicert.db import engine as db
from snicert.services import decisions, fees
from snicert.templating import day
from snicert.web.app import create_app
from tests.test_web_staff import email, sign_in
from tests.world import World

REASON = "Kadar air contoh 9,5 %, melebihi batas 7 %."


@pytest.fixture
def w(home) -> World:
    return World().setup_staff()


def _applicant_of(w: World, app_id: int):
    name = next(n for n, i in w.users.items() if i == w.users[f"owner:{app_id}"] and "@" not in n)
    return sign_in(create_app(), email(name))


def test_a_refused_case_says_why_on_its_page_and_on_me(w: World) -> None:
    app_id = w.new_application("abon")
    w.advance_to(app_id, "decision", failing={"moisture"})
    with db.transaction() as s:
        decisions.decide(s, w.user(s, "decider"), app_id, "refuse", REASON)
    owner = _applicant_of(w, app_id)
    page = owner.get(f"/applications/{app_id}").text
    section = page[page.index('id="refusal"') :]
    assert REASON in section
    assert "Alasan permohonan ditolak" in section
    # the failed parameter by its Indonesian name, the value found and the limit
    [item] = re.findall(r'<li data-failed="1">(.*?)</li>', section, re.S)
    assert "<strong>Air</strong>" in item and "maks. 7 %" in item and "moisture" not in item
    me = owner.get("/me").text
    assert REASON in me


def test_a_case_not_refused_shows_no_refusal(w: World) -> None:
    app_id = w.new_application("abon")
    w.advance_to(app_id, "decision")
    page = _applicant_of(w, app_id).get(f"/applications/{app_id}").text
    assert 'id="refusal"' not in page


def test_the_payment_step_says_where_how_much_and_by_when(
    w: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SNICERT_PAYMENT_ACCOUNT", "001.01.02.123456-7")
    monkeypatch.setenv("SNICERT_PAYMENT_PAYEE", "RPL LSPro Kota Kupang")
    app_id = w.new_application("abon")
    w.advance_to(app_id, "payment")
    with db.reading() as s:
        inv = fees.invoice(s, app_id)
        number, total, due = inv.number, inv.total_idr, day(inv.due_at)
    owner = _applicant_of(w, app_id)
    for path in (f"/applications/{app_id}", f"/applications/{app_id}/quotation"):
        page = owner.get(path).text
        how = page[page.index('id="pay-how"') :]
        how = how[: how.index("</section>")]
        assert "Bank NTT" in how and "001.01.02.123456-7" in how
        assert "RPL LSPro Kota Kupang" in how
        assert f'data-amount="{total}"' in how and due in how and number in how


def test_without_an_account_number_the_applicant_is_told_to_ask(w: World) -> None:
    app_id = w.new_application("abon")
    w.advance_to(app_id, "payment")
    page = _applicant_of(w, app_id).get(f"/applications/{app_id}").text
    assert "Tanyakan nomor rekening" in page and 'id="pay-account"' not in page


def test_the_provisional_tariff_note_is_for_staff_only(w: World) -> None:
    app_id = w.new_application("abon")  # abon's tariff is provisional
    w.advance_to(app_id, "payment")
    note = "tarif sementara, belum diverifikasi"
    assert note not in _applicant_of(w, app_id).get(f"/applications/{app_id}/quotation").text
    official = sign_in(create_app(), email("reviewer"))
    assert note in official.get(f"/official/payments/{app_id}").text


def test_me_marks_and_puts_first_the_cases_that_wait_for_the_owner(w: World) -> None:
    name = w.applicant("abon")
    waiting = w.new_application("abon", applicant=name)
    w.advance_to(waiting, "payment")  # the owner pays next
    later = w.new_application("abon", applicant=name)
    w.advance_to(later, "payment")
    w.pay(later)  # now an official checks the payment: not the owner's turn
    me = sign_in(create_app(), email(name)).get("/me").text
    items = re.findall(r"<li class=\"([^\"]*)\"[^>]*>(.*?)</li>", me, re.S)
    ids = [int(m) for _, body in items for m in re.findall(r"/applications/(\d+)\"", body)]
    assert ids == [waiting, later]  # the newer case comes second: not the owner's turn
    assert "yours" in items[0][0] and "Perlu tindakan Anda" in items[0][1]
    assert "yours" not in items[1][0] and "Perlu tindakan Anda" not in items[1][1]


def test_the_next_step_of_a_complete_draft_is_to_submit(w: World) -> None:
    name = w.applicant("abon")
    complete = w.new_application("abon", applicant=name)
    empty = w.new_application("abon", applicant=name, documents=False)
    owner = sign_in(create_app(), email(name))
    page = owner.get(f"/applications/{complete}").text
    assert 'data-next="draft_ready"' in page and "Lengkapi dokumen" not in page
    assert 'data-next="draft"' in owner.get(f"/applications/{empty}").text
    me = owner.get("/me").text
    assert me.count('data-next="draft_ready"') == 1 and me.count('data-next="draft"') == 1


def test_staff_see_the_case_without_the_applicants_forms(w: World) -> None:
    app_id = w.new_application("abon")
    w.advance_to(app_id, "payment")
    official = sign_in(create_app(), email("reviewer"))
    page = official.get(f"/applications/{app_id}").text
    assert 'id="staff-view"' in page
    for form in ("/documents", "/payment-proof", "/answers", "/withdraw", "/submit"):
        assert f'action="/applications/{app_id}{form}' not in page
    assert 'href="/applications/{app_id}/withdraw"' not in page and 'id="pay-how"' not in page
    # what the case waits for, in staff's words, not the applicant's "pay the invoice"
    assert 'data-next="payment"' not in page and "Pemohon: membayar" in page
    owner = _applicant_of(w, app_id).get(f"/applications/{app_id}").text
    assert f'action="/applications/{app_id}/payment-proof"' in owner
    assert 'id="staff-view"' not in owner


@pytest.mark.parametrize("who", ["auditor", "reviewer", "sampler"])
def test_only_applicants_may_start_an_application(w: World, who: str) -> None:
    staff = sign_in(create_app(), email(who))
    r = staff.get("/applications/new", headers={"accept": "text/html"})
    assert r.status_code == 403 and "Hanya pemohon" in r.text
    assert 'href="/applications/new"' not in staff.get("/me").text


def test_an_applicant_may_start_an_application(w: World) -> None:
    owner = sign_in(create_app(), email(w.applicant("abon")))
    assert owner.get("/applications/new").status_code == 200


@pytest.mark.parametrize(("who", "lands"), [("applicant", "/me"), ("reviewer", "/dashboard")])
def test_someone_signed_in_goes_from_home_login_and_register_to_their_work(
    w: World, who: str, lands: str
) -> None:
    name = w.applicant("abon") if who == "applicant" else who
    browser = sign_in(create_app(), email(name))
    for path in ("/", "/login", "/register"):
        r = browser.get(path)
        assert (r.status_code, r.headers.get("location")) == (303, lands), path


def test_nobody_signed_in_still_gets_home_login_and_register(home) -> None:
    anonymous = sign_in(create_app(), None)
    for path in ("/", "/login", "/register"):
        assert anonymous.get(path).status_code == 200, path
