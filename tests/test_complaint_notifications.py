"""A complainant without an account is told by e-mail (and WhatsApp) when their complaint
is acknowledged, with its tracking link, and when it is closed, with the outcome; a real
SMTP server (aiosmtpd) and webhook receiver take the messages."""

from __future__ import annotations

from sqlalchemy import func, select

from snicert.db import engine as db
from snicert.db.models import Notification, OutboxMessage
from snicert.notifications import delivery
from snicert.services import complaints, notifications
from tests import test_complaints, test_notification_delivery
from tests.test_complaints import file
from tests.test_notification_delivery import Mailbox, Receiver
from tests.world import World

# the fixtures of those modules: an official to handle complaints; SMTP and webhook servers
world = test_complaints.world
mailbox = test_notification_delivery.mailbox
webhook = test_notification_delivery.webhook


def _close(w: World, cid: int, told: str) -> None:
    with db.transaction() as s:
        h = w.user(s, "handler")
        complaints.take(s, h, cid)
        complaints.investigate(s, h, cid, "Loket tutup lebih awal pada 3 November.")
        complaints.close(s, h, cid, "upheld", told)


def _to(box: Mailbox, address: str) -> list:
    """What reached `address` (the officials are told of each complaint too)."""
    return [m for m in box.accepted if m["To"] == address]


def _body(mail) -> str:  # noqa: ANN001
    return mail.get_payload(decode=True).decode()


def test_a_complainant_with_an_email_is_told_once_of_acknowledgement_and_outcome(
    world: World, mailbox: Mailbox
) -> None:
    cid, code = file(contact_email="Warga@Example.ID", lang="en")
    delivery.deliver_due()
    (ack,) = _to(mailbox, "warga@example.id")
    assert ack["Subject"].startswith("Complaint ADU-") and ack["Subject"].endswith("received")
    assert code in _body(ack) and f"/complaints/{code}" in _body(ack)
    _close(world, cid, "The counter now keeps its posted hours.")
    with db.transaction() as s:  # telling the same moment again changes nothing
        complaints._tell(
            s, s.get(complaints.Complaint, cid), "complaint_closed_public", "/", outcome="x"
        )
    delivery.deliver_due()
    assert delivery.deliver_due()["sent"] == 0
    ack, closed = _to(mailbox, "warga@example.id")
    assert closed["Subject"].endswith("closed")
    body = _body(closed)
    assert "The counter now keeps its posted hours." in body
    assert code not in body and "first message" in body
    with db.reading() as s:  # in nobody's in-app list
        assert (
            s.scalar(
                select(func.count()).select_from(Notification).where(Notification.user_id.is_(None))
            )
            == 2
        )


def test_indonesian_by_default_and_whatsapp_to_the_phone(
    world: World, mailbox: Mailbox, webhook: Receiver
) -> None:
    file(contact_phone="0812 3456 7890")
    delivery.deliver_due()
    assert [m for m in mailbox.accepted if m["To"].endswith("example.id")] == []
    (hook,) = [b for b in webhook.bodies if b["to"] == "+6281234567890"]
    assert hook["to"] == "+6281234567890"
    assert hook["template"]["name"] == "snicert_complaint_acknowledged_public"
    assert hook["template"]["language"] == "id"
    assert "kami terima" in hook["text"]


def test_without_contact_details_nothing_is_queued(world: World, mailbox: Mailbox) -> None:
    cid, _ = file()
    _close(world, cid, "Terbukti; loket kini buka sesuai jadwal.")
    with db.reading() as s:
        contacts = select(func.count()).select_from(OutboxMessage)
        assert s.scalar(contacts.where(OutboxMessage.user_id.is_(None))) == 0
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) > 0  # the officials


def test_a_contact_notification_needs_a_known_language(world: World) -> None:
    import pytest

    from snicert.errors import InvalidInput

    with db.transaction() as s, pytest.raises(InvalidInput):
        notifications.notify_contact(
            s,
            "a@example.id",
            None,
            "fr",
            "complaint_closed_public",
            {"complaint": "ADU-1", "outcome": "x"},
            "/",
            "k",
        )
