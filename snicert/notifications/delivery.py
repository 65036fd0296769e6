"""Delivering the outbox, at least once: claim, then send, then record.

1. claim (one short transaction): lock due rows (skipping rows another deliverer has
   locked, on PostgreSQL), mark them `sending` with a lease and this run's claim token,
   count the attempt. Two deliverers never hold the same row at the same time.
2. send each outside any transaction (a slow SMTP server holds no database lock).
3. record (one transaction per message, only if the claim is still ours): `sent`, or back
   to `pending` after a back-off, or `failed` when no tries are left.
A deliverer killed after step 1 leaves rows `sending`; when the lease runs out the next
run claims and sends them. One killed between a server's acceptance and step 3 makes the
message go out twice: receivers de-duplicate on its key (Message-ID, Idempotency-Key).
"""

from __future__ import annotations

import logging
import secrets
import threading
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert import audit, clock, settings
from snicert.db import engine as db
from snicert.db import events
from snicert.db.engine import after_commit
from snicert.db.models import Notification, OutboxMessage, User
from snicert.errors import IllegalTransition, NotFound, PermissionDenied
from snicert.notifications import catalog, channels, states
from snicert.notifications.states import Delivery
from snicert.services.guards import roles_params, thing

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)  # far longer than one send may take (TIMEOUT_SECONDS)
BATCH = 50


def deliver_due(limit: int = BATCH) -> dict[str, int]:
    """Send what is due now; returns how many were sent, retried later and failed."""
    claim = secrets.token_hex(8)
    ids = _claim(claim, limit)
    counts = {"sent": 0, "retry": 0, "failed": 0}
    for outbox_id in ids:
        counts[_deliver_one(outbox_id, claim)] += 1
    return counts


def _claim(claim: str, limit: int) -> list[int]:
    now = clock.now()
    with db.transaction() as s:
        rows = list(
            s.scalars(
                select(OutboxMessage)
                .where(states.claimable(now))
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        for m in rows:
            step = states.step(m, "claim", now)
            if step is None:  # changed under us (SQLite has no row locks: checked again)
                continue
            m.status, m.claim, m.lease_until = step.target, claim, now + LEASE
            m.attempts += 1
        return [m.id for m in rows if m.claim == claim]


def _deliver_one(outbox_id: int, claim: str) -> str:
    with db.reading() as s:
        m = s.get(OutboxMessage, outbox_id)
        note = s.get(Notification, m.notification_id)
        msg = channels.Message(
            key=f"{m.key}.{m.user_id or 'contact'}.{m.channel}",
            address=m.address,
            subject=note.subject,
            text=note.body,
            url=settings.current().public_url + note.link,
            template=catalog.moments()[note.moment].whatsapp_template,
            # in the moment's declared order (a JSON column keeps no key order on PostgreSQL)
            parameters=catalog.whatsapp_parameters(note.moment, note.params),
            lang=note.lang,
        )
        channel = m.channel
    error = None
    try:
        _send(channel, msg)
    except channels.ChannelError as exc:
        error = str(exc)
    except Exception as exc:  # a bug or an unexpected library error: kept, retried
        log.exception("delivering outbox message %s", outbox_id)
        error = f"{type(exc).__name__}: {exc}"[:500]
    return _record(outbox_id, claim, error)


def _send(channel: str, msg: channels.Message) -> None:
    cfg = settings.current()
    if channel == "email":
        if not cfg.smtp_url:
            raise channels.ChannelError("e-mail is not configured (smtp_url)")
        channels.send_email(
            cfg.smtp_url, cfg.mail_from_name or cfg.lspro_name, cfg.mail_from_address, msg
        )
    elif channel == "whatsapp":
        if not cfg.whatsapp_webhook_url:
            raise channels.ChannelError("WhatsApp is not configured (whatsapp_webhook_url)")
        channels.send_whatsapp(cfg.whatsapp_webhook_url, msg)
    else:
        raise channels.ChannelError(f"unknown channel {channel!r}")


def _record(outbox_id: int, claim: str, error: str | None) -> str:
    now = clock.now()
    with db.transaction() as s:
        m = s.get(OutboxMessage, outbox_id, with_for_update=True)
        if m.claim != claim or m.status != Delivery.SENDING:
            return "retry"  # our lease ran out and another run took it over: theirs to record
        if error is None:
            m.status, m.sent_at = states.step(m, "sent", now).target, now
            m.lease_until = m.claim = None
            m.last_error = None
            return "sent"
        step = states.step(m, "fail", now)
        m.status, m.last_error = step.target, error
        m.lease_until = m.claim = None
        m.next_attempt_at = now + timedelta(seconds=states.backoff_seconds(m.attempts))
        if step.target == Delivery.FAILED:
            audit.record(
                s,
                None,
                "notification.delivery_failed",
                "outbox",
                m.id,
                channel=m.channel,
                attempts=m.attempts,
                error=error,
            )
            return "failed"
        return "retry"


def retry(s: Session, official: User, outbox_id: int) -> OutboxMessage:
    """An official sends a failed message again (now, with a fresh count of tries)."""
    m = s.get(OutboxMessage, outbox_id, with_for_update=True)
    if m is None:
        raise NotFound("not_found", what=thing("outbox message"), ident=outbox_id)
    now = clock.now()
    step = states.step(m, "retry", now)
    if step is None:
        raise IllegalTransition(m.status, "retry", [], "delivery")
    if not official.roles & step.roles:
        raise PermissionDenied("err_needs_role", **roles_params(step.roles, official))
    m.status, m.attempts, m.next_attempt_at = step.target, 0, now
    audit.record(s, official, "notification.retried", "outbox", m.id, channel=m.channel)
    after_commit(s, "deliver-notifications", start_soon)
    return m


def failed(s: Session, limit: int = 200) -> list[tuple[OutboxMessage, Notification, User | None]]:
    """Failed deliveries (and ones still being retried after an error), newest first; the
    user is None for a contact without an account (a complainant)."""
    return list(
        s.execute(
            select(OutboxMessage, Notification, User)
            .join(Notification, Notification.id == OutboxMessage.notification_id)
            .outerjoin(User, User.id == OutboxMessage.user_id)
            .where(OutboxMessage.last_error.is_not(None), OutboxMessage.status != Delivery.SENT)
            .order_by(OutboxMessage.id.desc())
            .limit(limit)
        ).tuples()
    )


_running = threading.Lock()


def start_soon() -> None:
    """After a commit that wrote outbox rows: deliver them now, off the caller's thread
    (any process may: the outbox claims each message once); `off`: the schedule does."""
    if events.current().automation == "off":
        return
    try:
        threading.Thread(target=_deliver_in_background, daemon=True).start()
    except Exception:  # the outbox keeps the messages; the schedule sends them
        log.exception("could not start notification delivery")


def _deliver_in_background() -> None:
    try:
        drain(block=False)  # one in this process is enough: it sends whatever is due
    except Exception:
        log.exception("notification delivery failed")


def drain(block: bool = True) -> dict[str, int]:
    """Deliver until nothing is due now (what failed waits for its back-off). One drain at
    a time in a process: `block` waits for the one running (the demo, before it exits,
    so that nothing it claimed is cut off), else returns at once."""
    total = {"sent": 0, "retry": 0, "failed": 0}
    if not _running.acquire(blocking=block):
        return total
    try:
        while True:
            counts = deliver_due()
            for k, v in counts.items():
                total[k] += v
            if not sum(counts.values()):
                return total
    finally:
        _running.release()
