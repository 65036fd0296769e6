"""Delivering the outbox for real: an SMTP server (aiosmtpd) and a local HTTP receiver for
the WhatsApp webhook, both started here on free loopback ports."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from snicert import clock
from snicert.db import engine as db
from snicert.db.models import AuditEvent, OutboxMessage
from snicert.errors import IllegalTransition, PermissionDenied
from snicert.notifications import delivery, states
from snicert.services import notifications
from tests.world import World

ROOT = Path(__file__).resolve().parent.parent
PARAMS = {"number": "ABN-2026-0001", "product": "Abon"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """aiosmtpd handler: keeps what it accepted (answered 250). `hold` makes the first DATA
    wait until released and then refuse it (451), as a server does whose client vanished
    before the answer."""

    def __init__(self) -> None:
        self.accepted: list[Any] = []
        self.hold = False
        self.entered = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001
        if self.hold:
            self.hold = False
            self.entered.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
            return "451 client went away"
        self.accepted.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def mailbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("SNICERT_SMTP_URL", f"smtp://127.0.0.1:{port}")
    monkeypatch.setenv("SNICERT_MAIL_FROM_ADDRESS", "sertifikasi@lspro.example")
    monkeypatch.setenv("SNICERT_MAIL_FROM_NAME", "LSPro Kupang")
    yield box
    box.release.set()
    controller.stop()


class Receiver(ThreadingHTTPServer):
    status = 200
    bodies: list[dict[str, Any]]


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers["Content-Length"])
        body = json.loads(self.rfile.read(length))
        server: Receiver = self.server  # type: ignore[assignment]
        if server.status == 200:
            server.bodies.append({"headers": dict(self.headers), **body})
        self.send_response(server.status)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    server = Receiver(("127.0.0.1", 0), _Handler)
    server.bodies = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv(
        "SNICERT_WHATSAPP_WEBHOOK_URL", f"http://127.0.0.1:{server.server_port}/whatsapp"
    )
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def w(home) -> World:
    return World().setup_staff()


def _notify(w: World, who: str, key: str = "app:1:received") -> None:
    with db.transaction() as s:
        notifications.notify(
            s, w.user(s, who), "application_received", PARAMS, "/applications/1", key
        )


def _rows() -> list[OutboxMessage]:
    with db.reading() as s:
        rows = list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        s.expunge_all()  # readable after the read-only transaction ends
        return rows


def test_email_and_whatsapp_delivered_once(w: World, mailbox: Mailbox, webhook: Receiver) -> None:
    name = w.applicant()
    _notify(w, name)
    assert delivery.deliver_due() == {"sent": 2, "retry": 0, "failed": 0}
    assert delivery.deliver_due() == {"sent": 0, "retry": 0, "failed": 0}
    with db.reading() as s:
        user = w.user(s, name)
        email, phone = user.email, user.phone
    (mail,) = mailbox.accepted
    assert mail["To"] == email
    assert mail["From"] == "LSPro Kupang <sertifikasi@lspro.example>"
    assert mail["Subject"] == "Permohonan ABN-2026-0001 diterima"
    assert "http://127.0.0.1:8000/applications/1" in mail.get_payload(decode=True).decode()
    (hook,) = webhook.bodies
    assert hook["to"] == phone and phone.startswith("+628")
    assert hook["template"] == {
        "name": "snicert_application_received",
        "language": "id",
        "parameters": ["ABN-2026-0001", "Abon"],
    }
    assert hook["text"].endswith("http://127.0.0.1:8000/applications/1")
    assert hook["headers"]["Idempotency-Key"] == hook["idempotency_key"]
    assert [r.status for r in _rows()] == ["sent", "sent"]


def test_a_failing_channel_is_retried_with_back_off_then_shown_and_retried_by_an_official(
    w: World, webhook: Receiver
) -> None:
    name = w.applicant()
    webhook.status = 500
    _notify(w, name)
    clock.freeze(clock.now())
    waits = []
    for attempt in range(1, states.MAX_ATTEMPTS + 1):
        counts = delivery.deliver_due()
        (row,) = _rows()
        assert row.attempts == attempt and "500" in row.last_error
        if attempt < states.MAX_ATTEMPTS:
            assert counts["retry"] == 1 and row.status == "pending"
            assert delivery.deliver_due() == {"sent": 0, "retry": 0, "failed": 0}  # not yet
            waits.append(row.next_attempt_at - clock.now())
            clock.advance(row.next_attempt_at - clock.now())
        else:
            assert counts["failed"] == 1 and row.status == "failed"
    assert [int(x.total_seconds()) for x in waits[:4]] == [60, 120, 240, 480]
    clock.advance(timedelta(seconds=states.MAX_BACKOFF_SECONDS * 2))
    assert delivery.deliver_due()["sent"] == 0  # failed waits for an official
    with db.reading() as s:
        ((m, note, user),) = delivery.failed(s)
        assert m.channel == "whatsapp" and "500" in m.last_error and user.name
    webhook.status = 200
    with pytest.raises(PermissionDenied), db.transaction() as s:
        delivery.retry(s, w.user(s, "sampler"), row.id)
    with db.transaction() as s:
        delivery.retry(s, w.user(s, "reviewer"), row.id)
    with pytest.raises(IllegalTransition), db.transaction() as s:
        delivery.retry(s, w.user(s, "reviewer"), row.id)  # pending, not failed
    assert delivery.deliver_due()["sent"] == 1
    assert len(webhook.bodies) == 1
    with db.reading() as s:
        assert delivery.failed(s) == []
        actions = list(s.scalars(select(AuditEvent.action)))
    assert "notification.delivery_failed" in actions and "notification.retried" in actions


def test_kill_9_while_delivering_loses_and_duplicates_nothing(w: World, mailbox: Mailbox) -> None:
    name = w.applicant()
    _notify(w, name)
    mailbox.hold = True
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from snicert.notifications import delivery; delivery.deliver_due()",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert mailbox.entered.wait(60), "the deliverer never reached the SMTP server"
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
    mailbox.release.set()
    (row,) = _rows()
    assert row.status == "sending" and row.attempts == 1 and mailbox.accepted == []
    # the killed deliverer's lease still holds: nobody else sends it meanwhile
    assert delivery.deliver_due() == {"sent": 0, "retry": 0, "failed": 0}
    clock.advance(delivery.LEASE)
    assert delivery.deliver_due() == {"sent": 1, "retry": 0, "failed": 0}
    assert delivery.deliver_due() == {"sent": 0, "retry": 0, "failed": 0}
    assert len(mailbox.accepted) == 1
    (row,) = _rows()
    assert row.status == "sent" and row.attempts == 2


def test_preferences_choose_the_channels(w: World, mailbox: Mailbox, webhook: Receiver) -> None:
    name = w.applicant()
    with db.transaction() as s:
        notifications.set_preferences(
            s, w.user(s, name), lang="en", email=False, whatsapp=True, phone="0813 1111 2222"
        )
    _notify(w, name)
    delivery.deliver_due()
    assert mailbox.accepted == []
    (hook,) = webhook.bodies
    assert hook["to"] == "+6281311112222" and hook["template"]["language"] == "en"
    assert hook["text"].startswith("We received your SNI certification application")


def test_delivery_starts_right_after_the_commit(w: World, mailbox: Mailbox, effects_table) -> None:
    name = w.applicant()
    effects_table("worker")
    _notify(w, name)  # no explicit delivery: the after-commit hook starts it
    deadline = time.monotonic() + 30
    while not mailbox.accepted and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(mailbox.accepted) == 1


def test_the_flow_sends_everything_due(w: World, mailbox: Mailbox) -> None:
    from flows.notifications import notifications as flow

    for i in range(3):
        _notify(w, w.applicant(), f"k{i}")
    assert flow.fn() == {"sent": 3, "retry": 0, "failed": 0}
    assert len(mailbox.accepted) == 3


def test_two_deliverers_at_once_send_each_message_once(w: World, mailbox: Mailbox) -> None:
    name = w.applicant()
    for i in range(12):
        _notify(w, name, f"k{i}")
    sent: list[int] = []
    start = threading.Barrier(2)

    def deliverer() -> None:
        start.wait()
        while counts := sum(delivery.deliver_due(limit=3).values()):
            sent.append(counts)

    threads = [threading.Thread(target=deliverer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(sent) == 12
    ids = [m["Message-ID"] for m in mailbox.accepted]
    assert len(ids) == 12 and len(set(ids)) == 12
    assert {r.status for r in _rows()} == {"sent"} and {r.attempts for r in _rows()} == {1}
