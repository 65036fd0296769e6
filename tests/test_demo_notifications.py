"""`snicert demo` with SNICERT_SMTP_URL pointing at a local SMTP server (aiosmtpd, started
here) delivers every applicant's messages for every case before it exits."""

from __future__ import annotations

import json
import socket
from collections import Counter
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller
from sqlalchemy import select
from typer.testing import CliRunner

from snicert.cli import app
from snicert.db import engine as db
from snicert.db.models import Application, Notification, OutboxMessage, User
from snicert.roles import Role


class Inbox:
    def __init__(self) -> None:
        self.mails: list[tuple[str, str, str]] = []  # (to, subject, text)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001
        mail = message_from_bytes(envelope.content, policy=policy.default)
        for to in envelope.rcpt_tos:
            self.mails.append((to, str(mail["Subject"]), mail.get_content()))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_demo_delivers_every_applicants_messages(home, monkeypatch) -> None:
    # no sender given: the demo names one (and this test's end removes it again)
    monkeypatch.setenv("SNICERT_MAIL_FROM_ADDRESS", "")
    monkeypatch.delenv("SNICERT_MAIL_FROM_ADDRESS")
    inbox = Inbox()
    port = free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        monkeypatch.setenv("SNICERT_SMTP_URL", f"smtp://127.0.0.1:{port}")
        result = CliRunner().invoke(app, ["demo", "--count", "1", "--json"])
    finally:
        server.stop()
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)

    received = Counter((to, subject) for to, subject, _ in inbox.mails)
    with db.reading() as s:
        for row in rows:
            case = s.get(Application, row["application_id"])
            owners = s.scalars(select(User).where(User.business_id == case.business_id)).all()
            assert [Role.APPLICANT.value] == sorted({r for u in owners for r in u.roles})
            notes = s.scalars(
                select(Notification).where(Notification.user_id.in_([u.id for u in owners]))
            ).all()
            moments = {n.moment for n in notes}
            assert {"application_received", "sampling_planned"} <= moments
            last = "certificate_issued" if row["final_state"] == "certified" else "decision_refused"
            assert last in moments, row
            for n in notes:
                to = next(u.email for u in owners if u.id == n.user_id)
                assert received[(to, n.subject)] == 1, (to, n.subject)  # delivered, once
        assert set(s.scalars(select(OutboxMessage.status))) == {"sent"}
    [refusal] = [text for to, subject, text in inbox.mails if "ditolak" in subject]
    assert "Angka lempeng total" in refusal and "banding" in refusal
    assert "/applications/" in refusal  # the link to the exact page
