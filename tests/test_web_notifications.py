"""Notification pages: the list with the header's unread count, opening one (marks it
read, goes to its page), preferences with the phone error at the field, the API, and the
officials' failed deliveries with the retry button."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from snicert.db import engine as db
from snicert.db.models import OutboxMessage, User
from snicert.notifications import delivery, states
from snicert.services import notifications
from snicert.web.app import create_app
from tests.test_web_staff import error_next_to, sign_in
from tests.world import World

PARAMS = {"number": "ABN-2026-0001", "product": "Abon"}


@pytest.fixture
def w(home) -> World:
    return World().setup_staff()


@pytest.fixture
def web(home) -> FastAPI:
    return create_app()


def _notify(w: World, who: str, key: str, link: str = "/me") -> None:
    with db.transaction() as s:
        notifications.notify(s, w.user(s, who), "application_received", PARAMS, link, key)


def _unread_in_header(html: str) -> int:
    return int(re.search(r'class="bell" data-unread="(\d+)"', html)[1])


def test_list_header_count_open_and_read_all(w: World, web: FastAPI) -> None:
    name = w.applicant()
    _notify(w, name, "a")
    _notify(w, name, "b")
    b = sign_in(web, f"{name}@umkm.example")
    assert _unread_in_header(b.get("/me").text) == 2
    page = b.get("/notifications").text
    assert page.count("Permohonan ABN-2026-0001 diterima") == 2
    first = re.findall(r'data-notification="(\d+)"', page)[0]
    r = b.post(f"/notifications/{first}/open")
    assert r.status_code == 303 and r.headers["location"] == "/me"
    assert _unread_in_header(b.get("/notifications").text) == 1
    api = b.api("GET", "/api/v1/notifications").json()
    assert api["unread"] == 1 and len(api["items"]) == 2
    assert api["items"][0]["link"] == "http://127.0.0.1:8000/me"
    assert b.post("/notifications/read").status_code == 303
    assert _unread_in_header(b.get("/notifications?lang=en").text) == 0
    # someone else's notification: not found, and still unread for its owner
    other = w.applicant()
    _notify(w, other, "c")
    with db.reading() as s:
        (theirs,) = notifications.listing(s, w.user(s, other))
        their_id = theirs.id
    assert b.post(f"/notifications/{their_id}/open").status_code == 404
    assert b.api("POST", f"/api/v1/notifications/{their_id}/read").status_code == 404
    with db.reading() as s:
        assert notifications.unread_count(s, w.users[other]) == 1


def test_preferences_page(w: World, web: FastAPI) -> None:
    name = w.applicant()
    b = sign_in(web, f"{name}@umkm.example")
    page = b.get("/notifications/preferences").text
    assert 'name="whatsapp" value="1" checked' in page  # a number was given at registration
    r = b.post(
        "/notifications/preferences", {"lang": "id", "whatsapp": "1", "phone": "0380 821234"}
    )
    assert r.status_code == 422
    assert "telepon rumah" in error_next_to(r.text, "f-phone")
    r = b.post(
        "/notifications/preferences", {"lang": "en", "email": "1", "phone": "+62 813-1111-2222"}
    )
    assert r.status_code == 200 and 'data-saved="1"' in r.text
    with db.reading() as s:
        user = s.get(User, w.users[name])
        prefs = notifications.preferences(s, user)
    assert prefs == notifications.Preferences("en", True, False, "+6281311112222")


def test_failed_deliveries_are_shown_to_officials_with_a_retry_button(
    w: World, web: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SNICERT_WHATSAPP_WEBHOOK_URL", "http://127.0.0.1:9/nobody-listens")
    name = w.applicant()
    _notify(w, name, "a")
    delivery.deliver_due()
    with db.transaction() as s:  # as if every try had failed already
        row = s.scalar(select(OutboxMessage))
        row.attempts, row.status = states.MAX_ATTEMPTS, "failed"
        outbox_id = row.id
    b = sign_in(web, "reviewer@lspro.example")
    page = b.get("/admin/deliveries").text
    assert f'data-outbox="{outbox_id}" data-status="failed"' in page
    assert "webhook" in page and "Kirim ulang" in page
    assert b.post(f"/admin/deliveries/{outbox_id}/retry").status_code == 303
    with db.reading() as s:
        row = s.get(OutboxMessage, outbox_id)
        assert (row.status, row.attempts) == ("pending", 0)
    assert b.post(f"/admin/deliveries/{outbox_id}/retry").status_code == 409  # not failed now


def test_a_failed_delivery_to_a_complainant_shows_their_address(
    w: World, web: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SNICERT_WHATSAPP_WEBHOOK_URL", "http://127.0.0.1:9/nobody-listens")
    with db.transaction() as s:
        notifications.notify_contact(
            s,
            None,
            "+6281234567890",
            "id",
            "complaint_closed_public",
            {"complaint": "ADU-2026-0001", "outcome": "Terbukti."},
            "/",
            "complaint:1:closed",
        )
        row = s.scalar(select(OutboxMessage))
        row.attempts, row.status, row.last_error = states.MAX_ATTEMPTS, "failed", "refused"
        outbox_id = row.id
    page = sign_in(web, "reviewer@lspro.example").get("/admin/deliveries").text
    assert f'data-outbox="{outbox_id}" data-status="failed"' in page
    assert "Pengadu (tanpa akun)" in page and "+6281234567890" in page


def test_addresses_in_a_text_are_links_with_short_labels(w: World, web: FastAPI) -> None:
    """E-mail and WhatsApp carry the certificate's addresses whole; the page shows each as
    a link to its path with a short label, never the long address cut across lines."""
    name = w.applicant()
    base = "http://127.0.0.1:8000"
    params = {
        "number": "ABN-2026-0001",
        "certificate": "SNI-ABN-2026-0001",
        "pdf_url": f"{base}/applications/7/certificate.pdf",
        "verify_url": f"{base}/verify/SNI-ABN-2026-0001",
    }
    with db.transaction() as s:
        notifications.notify(s, w.user(s, name), "certificate_issued", params, "/me", "cert")
    b = sign_in(web, f"{name}@umkm.example")
    page = b.get("/notifications").text
    assert base not in page
    assert '<a href="/applications/7/certificate.pdf">berkas PDF</a>' in page
    assert '<a href="/verify/SNI-ABN-2026-0001">halaman cek sertifikat</a>' in page
    english = b.get("/notifications?lang=en").text  # the page's words follow the page
    assert '<a href="/verify/SNI-ABN-2026-0001">certificate check page</a>' in english
