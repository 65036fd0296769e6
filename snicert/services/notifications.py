"""Telling people: the in-app list, the outbox and each person's channel preferences.

`notify()` is called inside the transaction of the change it tells about (a transactional
outbox): the in-app notification and one outbox row per channel the person chose are
committed with the change or not at all. After the commit the delivery flow
(flows/notifications.py) sends the outbox rows; a process killed before it did leaves them
pending, and the next run (scheduled every minute) sends them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from snicert import audit, clock, phones, settings
from snicert.db.engine import after_commit
from snicert.db.models import Notification, NotificationPreference, OutboxMessage, User
from snicert.errors import InvalidInput, NotFound
from snicert.notifications import catalog
from snicert.notifications.states import Delivery
from snicert.services import text
from snicert.services.guards import thing

log = logging.getLogger(__name__)
EMAIL, WHATSAPP = "email", "whatsapp"
CHANNELS = (EMAIL, WHATSAPP)
LANGS = ("id", "en")


@dataclass(frozen=True)
class Preferences:
    lang: str
    email: bool
    whatsapp: bool
    phone: str | None  # E.164; WhatsApp needs it


def preferences(s: Session, user: User) -> Preferences:
    row = s.get(NotificationPreference, user.id)
    if row is None:  # the defaults: in-app and e-mail, WhatsApp when a number is known
        return Preferences("id", True, user.phone is not None, user.phone)
    return Preferences(row.lang, row.email, row.whatsapp and user.phone is not None, user.phone)


def set_preferences(
    s: Session, user: User, *, lang: str, email: bool, whatsapp: bool, phone: str | None
) -> Preferences:
    """A person's own choice of language and channels (in-app is always on). WhatsApp
    needs an Indonesian mobile number, stored in E.164."""
    if lang not in LANGS:
        raise InvalidInput("lang", lang, "err_lang")
    number = phones.indonesian_mobile("phone", phone)
    if whatsapp and number is None:
        raise InvalidInput("phone", phone or "", "phone_needed")
    row = s.get(NotificationPreference, user.id)
    if row is None:
        row = NotificationPreference(user_id=user.id)
        s.add(row)
    row.lang, row.email, row.whatsapp, row.updated_at = lang, email, whatsapp, clock.now()
    user.phone = number
    audit.record(
        s,
        user,
        "notification.preferences_changed",
        "user",
        user.id,
        lang=lang,
        email=email,
        whatsapp=whatsapp,
        phone=number,
    )
    return preferences(s, user)


def configured_channels() -> set[str]:
    """Channels with somewhere to send to: nothing leaves the machine otherwise."""
    cfg = settings.current()
    return {c for c, on in ((EMAIL, cfg.smtp_url), (WHATSAPP, cfg.whatsapp_webhook_url)) if on}


def notify(
    s: Session, recipient: User, moment: str, params: dict[str, Any], link: str, key: str
) -> None:
    """Tell `recipient` about `moment` (snicert/notifications/moments.yaml)
    in their language, in-app and over each channel they chose. `link` is the path of the
    page to act on (/applications/12); `key` names the occasion: the same key for the same
    person changes nothing the second time (unique in the database)."""
    if not recipient.active:
        return
    prefs = preferences(s, recipient)
    wanted = {EMAIL: recipient.email if prefs.email else None}
    wanted[WHATSAPP] = prefs.phone if prefs.whatsapp else None
    _write(s, recipient.id, recipient.email, wanted, prefs.lang, moment, params, link, key)


def notify_contact(
    s: Session,
    email: str | None,
    phone: str | None,
    lang: str,
    moment: str,
    params: dict[str, Any],
    link: str,
    key: str,
) -> None:
    """Tell someone without an account (a complainant: an e-mail address and/or an E.164
    number) about `moment`, over every configured channel they gave an address for. Nothing
    goes to anyone's in-app list; the same key changes nothing the second time."""
    if lang not in LANGS:
        raise InvalidInput("lang", lang, "err_lang")
    if email or phone:
        to = email or phone or ""
        _write(s, None, to, {EMAIL: email, WHATSAPP: phone}, lang, moment, params, link, key)


def _write(
    s: Session,
    user_id: int | None,
    to: str,
    addresses: dict[str, str | None],
    lang: str,
    moment: str,
    params: dict[str, Any],
    link: str,
    key: str,
) -> None:
    """The notification and its outbox rows, one per configured channel with an address."""
    key = text.clean("key", key, Notification.key, required=True)
    if not link.startswith("/") or link.startswith("//"):
        raise ValueError(f"link must be a path on this site, not {link!r}")
    # user_id NULL never collides in the unique (key, user_id): a contact's key is looked up
    same = Notification.user_id == user_id if user_id else Notification.user_id.is_(None)
    if s.scalar(select(Notification.id).where(Notification.key == key, same)):
        return
    subject, body = catalog.render(moment, params, lang)
    now = clock.now()
    note = Notification(
        user_id=user_id,
        key=key,
        moment=moment,
        params={k: _plain(v) for k, v in params.items()},
        lang=lang,
        subject=subject,
        body=body,
        link=link,
        created_at=now,
    )
    try:
        with s.begin_nested():  # a concurrent transaction wrote the same key first
            s.add(note)
            s.flush()
    except IntegrityError:
        return
    outgoing = False
    for channel in sorted(configured_channels()):
        if addresses[channel]:
            outgoing = True
            s.add(
                OutboxMessage(
                    notification_id=note.id,
                    user_id=user_id,
                    key=key,
                    channel=channel,
                    address=addresses[channel],
                    status=Delivery.PENDING,
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
    audit.record(
        s, None, "notification.written", "notification", note.id, to=to, moment=moment, key=key
    )
    if outgoing:
        # Only a message for the outbox needs a delivery run; the in-app list does not.
        # In server mode each run is a new process on a worker: one per notification
        # (without a channel, for nothing) crowded out the certification runs.
        after_commit(s, "deliver-notifications", _deliver_soon)


def _plain(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)


def _deliver_soon() -> None:
    from snicert.notifications import delivery

    delivery.start_soon()


def listing(s: Session, user: User, limit: int = 100) -> list[Notification]:
    return list(
        s.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def get(s: Session, user: User, notification_id: int) -> Notification:
    """One of the user's own notifications; anyone else's is not found."""
    note = s.get(Notification, notification_id)
    if note is None or note.user_id != user.id:
        raise NotFound("not_found", what=thing("notification"), ident=notification_id)
    return note


def unread_count(s: Session, user_id: int) -> int:
    return (
        s.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        )
        or 0
    )


def mark_read(s: Session, user: User, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications (or all of them) as read; returns how many
    changed. Someone else's notification is not found."""
    # Not audited: reading one's messages changes no case, only what the list highlights.
    where = [Notification.user_id == user.id, Notification.read_at.is_(None)]
    if notification_id is not None:
        where.append(Notification.id == get(s, user, notification_id).id)
    changed = s.execute(update(Notification).where(*where).values(read_at=clock.now())).rowcount
    return changed or 0
