"""The notification core: notify() writes the in-app notification and the outbox in the
change's transaction, once per key; preferences and phone numbers; the unread count."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from snicert.db import engine as db
from snicert.db.models import Notification, OutboxMessage, User
from snicert.errors import InvalidInput
from snicert.notifications import catalog
from snicert.services import notifications
from tests.world import World


@pytest.fixture
def w(home) -> World:
    return World().setup_staff()


def count(model) -> int:  # noqa: ANN001
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(model))


PARAMS = {"number": "ABN-2026-0001", "product": "Abon"}


def _notify(w: World, who: str, key: str = "app:1:received") -> None:
    with db.transaction() as s:
        notifications.notify(
            s, w.user(s, who), "application_received", PARAMS, "/applications/1", key
        )


def test_notify_writes_in_app_and_one_outbox_row_per_chosen_channel_once(
    w: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SNICERT_SMTP_URL", "smtp://127.0.0.1:2525")
    monkeypatch.setenv("SNICERT_MAIL_FROM_ADDRESS", "sertifikasi@lspro.example")
    monkeypatch.setenv("SNICERT_WHATSAPP_WEBHOOK_URL", "http://127.0.0.1:9/hook")
    name = w.applicant()  # registered with a mobile number: WhatsApp is on by default
    _notify(w, name)
    _notify(w, name)  # the same key again changes nothing
    with db.reading() as s:
        user = w.user(s, name)
        notes = notifications.listing(s, user)
        rows = s.scalars(select(OutboxMessage).where(OutboxMessage.user_id == user.id)).all()
        assert [n.subject for n in notes] == ["Permohonan ABN-2026-0001 diterima"]
        assert "Abon" in notes[0].body and notes[0].link == "/applications/1"
        assert sorted((r.channel, r.address, r.status) for r in rows) == [
            ("email", user.email, "pending"),
            ("whatsapp", user.phone, "pending"),
        ]
        assert notifications.unread_count(s, user.id) == 1
    # a different key is a different notification
    _notify(w, name, "app:1:received-again")
    assert count(Notification) == 2


def test_nothing_leaves_the_machine_without_a_configured_channel(w: World) -> None:
    name = w.applicant()
    _notify(w, name)
    assert count(Notification) == 1
    assert count(OutboxMessage) == 0


def test_delivery_starts_only_after_a_commit_that_wrote_to_the_outbox(
    w: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # In server mode each start is a flow run in a new worker process: one per in-app
    # notification crowded the certification runs out (the scale-out test).
    from snicert.notifications import delivery

    started: list[int] = []
    monkeypatch.setattr(delivery, "start_soon", lambda: started.append(1))
    name = w.applicant()
    _notify(w, name)  # in-app only: no channel configured
    assert count(Notification) == 1 and started == []

    monkeypatch.setenv("SNICERT_SMTP_URL", "smtp://127.0.0.1:2525")
    monkeypatch.setenv("SNICERT_MAIL_FROM_ADDRESS", "sertifikasi@lspro.example")
    with db.transaction() as s:  # two messages, one commit: one start
        for key in ("app:1:a", "app:1:b"):
            notifications.notify(
                s, w.user(s, name), "application_received", PARAMS, "/applications/1", key
            )
    assert count(OutboxMessage) == 2 and started == [1]


def test_the_notification_rolls_back_with_the_change(w: World) -> None:
    name = w.applicant()
    with pytest.raises(RuntimeError), db.transaction() as s:
        notifications.notify(
            s, w.user(s, name), "application_received", PARAMS, "/applications/1", "k"
        )
        raise RuntimeError("the change failed")
    assert count(Notification) == 0


def test_text_in_the_recipients_language(w: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SNICERT_SMTP_URL", "smtp://127.0.0.1:2525")
    monkeypatch.setenv("SNICERT_MAIL_FROM_ADDRESS", "sertifikasi@lspro.example")
    name = w.applicant()
    with db.transaction() as s:
        notifications.set_preferences(
            s, w.user(s, name), lang="en", email=False, whatsapp=False, phone=None
        )
    _notify(w, name)
    with db.reading() as s:
        user = w.user(s, name)
        assert user.phone is None
        (note,) = notifications.listing(s, user)
        assert note.subject == "Application ABN-2026-0001 received"
        # e-mail off, WhatsApp off: in-app only
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_unknown_moment_or_wrong_params_is_a_programming_error(w: World) -> None:
    name = w.applicant()
    with pytest.raises(ValueError, match="unknown notification moment"), db.transaction() as s:
        notifications.notify(s, w.user(s, name), "no_such_moment", {}, "/", "k")
    with pytest.raises(ValueError, match="takes params"), db.transaction() as s:
        notifications.notify(s, w.user(s, name), "application_received", {"number": "x"}, "/", "k")
    with pytest.raises(ValueError, match="path on this site"), db.transaction() as s:
        notifications.notify(
            s, w.user(s, name), "application_received", PARAMS, "https://evil.example", "k"
        )


def test_every_catalog_moment_renders_in_both_languages() -> None:
    for name, moment in catalog.moments().items():
        params = {p: f"<{p}>" for p in moment.params}
        for lang in ("id", "en"):
            subject, text = catalog.render(name, params, lang)
            assert subject and text and "\n" not in subject
            assert "&lt;" not in text  # plain text: never HTML-escaped


@pytest.mark.parametrize(
    ("phone", "stored"),
    [
        ("0812 3456 7890", "+6281234567890"),
        ("+62 812-3456-7890", "+6281234567890"),
        ("6285712345678", "+6285712345678"),
    ],
)
def test_mobile_numbers_are_stored_in_e164(w: World, phone: str, stored: str) -> None:
    name = w.applicant()
    with db.transaction() as s:
        prefs = notifications.set_preferences(
            s, w.user(s, name), lang="id", email=True, whatsapp=True, phone=phone
        )
    assert prefs.phone == stored and prefs.whatsapp


@pytest.mark.parametrize(
    ("phone", "key"),
    [
        ("0380 821234", "phone_landline"),  # a Kupang landline
        ("+61 412 345 678", "phone_foreign"),
        ("0812", "phone_bad"),
        ("nomor saya", "phone_bad"),
    ],
)
def test_landlines_and_foreign_numbers_are_refused_at_the_field(
    w: World, phone: str, key: str
) -> None:
    name = w.applicant()
    with pytest.raises(InvalidInput) as exc, db.transaction() as s:
        notifications.set_preferences(
            s, w.user(s, name), lang="id", email=True, whatsapp=True, phone=phone
        )
    assert exc.value.field == "phone" and exc.value.key == key


def test_whatsapp_needs_a_number(w: World) -> None:
    with pytest.raises(InvalidInput) as exc, db.transaction() as s:
        notifications.set_preferences(
            s, w.user(s, "sampler"), lang="id", email=True, whatsapp=True, phone=""
        )
    assert exc.value.field == "phone"


def test_mark_read(w: World) -> None:
    name = w.applicant()
    _notify(w, name, "a")
    _notify(w, name, "b")
    with db.transaction() as s:
        user = w.user(s, name)
        first = notifications.listing(s, user)[-1]
        assert notifications.mark_read(s, user, first.id) == 1
        assert notifications.unread_count(s, user.id) == 1
    with db.transaction() as s:
        other = s.get(User, w.users["sampler"])
        with pytest.raises(Exception, match="not found"):
            notifications.mark_read(s, other, first.id)
    with db.transaction() as s:
        assert notifications.mark_read(s, w.user(s, name)) == 1
        assert notifications.unread_count(s, w.users[name]) == 0


def test_channel_settings_are_validated_and_passwords_masked(
    home, monkeypatch: pytest.MonkeyPatch
) -> None:
    from snicert import settings

    for name, value, fragment in [
        ("SNICERT_SMTP_URL", "mail.example:587", "smtp://"),
        ("SNICERT_WHATSAPP_WEBHOOK_URL", "http://wa.example/hook", "https://"),
        ("SNICERT_MAIL_FROM_ADDRESS", "not an address", "e-mail address"),
    ]:
        monkeypatch.setenv(name, value)
        with pytest.raises(settings.SettingsError, match=fragment):
            settings.current()
        monkeypatch.delenv(name)
    monkeypatch.setenv("SNICERT_SMTP_URL", "smtp://lspro:rahasia@mail.example:587")
    with pytest.raises(settings.SettingsError, match="needs mail_from_address") as exc:
        settings.current()
    assert "rahasia" not in str(exc.value)
    monkeypatch.setenv("SNICERT_MAIL_FROM_ADDRESS", "sertifikasi@lspro.example")
    monkeypatch.setenv("SNICERT_WHATSAPP_WEBHOOK_URL", "http://127.0.0.1:8080/hook")
    cfg = settings.current()
    assert settings.masked("smtp_url", cfg.smtp_url) == "smtp://lspro:***@mail.example:587"
    assert notifications.configured_channels() == {"email", "whatsapp"}


def test_registration_stores_the_mobile_number_in_e164_and_refuses_a_landline(home) -> None:
    from snicert.services import accounts

    form = {
        "name": "Ina",
        "password": "rahasia-123",
        "business_name": "UD Ina",
        "address": "Oebobo",
    }
    with pytest.raises(InvalidInput) as exc, db.transaction() as s:
        accounts.register_applicant(
            s, email="a@umkm.example", nib="1234567890123", phone="(0380) 821234", **form
        )
    assert exc.value.field == "phone" and exc.value.key == "phone_landline"
    with db.transaction() as s:
        user = accounts.register_applicant(
            s, email="b@umkm.example", nib="1234567890124", phone="0812-3456-7890", **form
        )
        assert user.phone == user.business.phone == "+6281234567890"
