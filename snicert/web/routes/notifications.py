"""Notifications for every signed-in person: the in-app list (/notifications, mark as read,
GET /api/v1/notifications), one's own channel preferences (/notifications/preferences),
and for officials the deliveries that failed, with a retry button (/admin/deliveries)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from snicert import settings
from snicert.db import engine as db
from snicert.errors import InvalidInput
from snicert.notifications import delivery
from snicert.services import notifications
from snicert.web.access import Caller, Official, SignedIn
from snicert.web.api import Id, Nothing
from snicert.web.forms import PageForm
from snicert.web.i18n import lang_of, refusal
from snicert.web.pages import page
from snicert.web.routes.staff import StaffRoute, see_other

router = APIRouter(route_class=StaffRoute)


@router.get("/notifications", response_class=HTMLResponse, include_in_schema=False)
def notifications_page(request: Request, c: SignedIn) -> HTMLResponse:
    with db.reading() as s:
        items = notifications.listing(s, c.user(s))
        return page(
            request, "notifications.html.j2", who=c.who, items=items, when=_when, parts=parts
        )


@router.post("/notifications/{notification_id}/open", include_in_schema=False)
def open_notification(notification_id: Id, c: SignedIn) -> Response:
    """Mark it read and go to the page it is about."""
    with db.transaction() as s:
        notifications.mark_read(s, c.user(s), notification_id)
        link = notifications.get(s, c.user(s), notification_id).link
    return see_other(link)


@router.post("/notifications/read", include_in_schema=False)
def read_all(c: SignedIn) -> Response:
    with db.transaction() as s:
        notifications.mark_read(s, c.user(s))
    return see_other("/notifications")


def _preferences_page(
    request: Request, c: Caller, status_code: int = 200, errors=None, form=None, saved=False
) -> HTMLResponse:  # noqa: ANN001
    with db.reading() as s:
        prefs = notifications.preferences(s, c.user(s))
    configured = notifications.configured_channels()
    return page(
        request,
        "notification_preferences.html.j2",
        status_code=status_code,
        who=c.who,
        prefs=form or prefs,
        configured=configured,
        errors=errors or {},
        saved=saved,
    )


@router.get("/notifications/preferences", response_class=HTMLResponse, include_in_schema=False)
def preferences_page(request: Request, c: SignedIn) -> HTMLResponse:
    return _preferences_page(request, c)


class PreferencesForm(PageForm):
    lang: str = "id"
    email: str = ""  # checkboxes: sent when ticked
    whatsapp: str = ""
    phone: str = ""


@router.post("/notifications/preferences", include_in_schema=False)
def save_preferences(
    request: Request, c: SignedIn, typed: Annotated[PreferencesForm, Form()]
) -> Response:
    form = notifications.Preferences(
        lang=typed.lang,
        email=bool(typed.email),
        whatsapp=bool(typed.whatsapp),
        phone=typed.phone,
    )
    try:
        with db.transaction() as s:
            notifications.set_preferences(
                s,
                c.user(s),
                lang=form.lang,
                email=form.email,
                whatsapp=form.whatsapp,
                phone=form.phone,
            )
    except InvalidInput as exc:
        errors = {exc.field: refusal(exc, lang_of(request))}
        return _preferences_page(request, c, 422, errors, form)
    return _preferences_page(request, c, saved=True)


@router.get("/admin/deliveries", response_class=HTMLResponse, include_in_schema=False)
def deliveries_page(request: Request, c: Official) -> HTMLResponse:
    with db.reading() as s:
        rows = delivery.failed(s)
        return page(
            request,
            "admin_deliveries.html.j2",
            who=c.who,
            rows=rows,
            when=_when,
            configured=notifications.configured_channels(),
        )


@router.post("/admin/deliveries/{outbox_id}/retry", include_in_schema=False)
def retry_delivery(outbox_id: Id, c: Official) -> Response:
    with db.transaction() as s:
        delivery.retry(s, c.user(s), outbox_id)
    return see_other("/admin/deliveries")


def _when(moment: datetime | None) -> str:
    return settings.local_time(moment) if moment else ""


_URL = re.compile(r"https?://\S+")
_TRAILING = ".,;:)"  # a sentence's punctuation after a link is not part of it


def parts(body: str) -> list[tuple[str, str | None]]:
    """A notification's text as (words, None) and (label key, href) pieces: the page shows
    each address in it (e-mail and WhatsApp carry them whole) as a link with a short label,
    never as a long address cut across lines. An address on this site (the public_url it
    was written with, or today's) links to its path, so it opens wherever the page is
    served."""
    base = settings.current().public_url.rstrip("/")
    out: list[tuple[str, str | None]] = []
    at = 0
    for m in _URL.finditer(body):
        url = m.group().rstrip(_TRAILING)
        if m.start() > at:
            out.append((body[at : m.start()], None))
        path = urlsplit(url).path
        ours = url.startswith(base) or urlsplit(url).hostname in settings.LOOPBACK
        href = (path or "/") if ours else url
        key = "ntf_link_pdf" if path.endswith(".pdf") else "ntf_link_page"
        out.append((("ntf_link_verify" if path.startswith("/verify/") else key), href))
        at = m.start() + len(url)
    if at < len(body):
        out.append((body[at:], None))
    return out


# --- JSON API -------------------------------------------------------------------------------


class NotificationOut(BaseModel):
    id: int
    moment: str
    subject: str
    text: str
    link: str
    created_at: datetime
    read: bool


class NotificationList(BaseModel):
    unread: int
    items: list[NotificationOut]


class Unread(BaseModel):
    unread: int


@router.get("/api/v1/notifications", tags=["notifications"])
def notifications_api(c: SignedIn) -> NotificationList:
    """The caller's notifications (newest first, at most 100) and how many are unread."""
    with db.reading() as s:
        user = c.user(s)
        items = [
            NotificationOut(
                id=n.id,
                moment=n.moment,
                subject=n.subject,
                text=n.body,
                link=settings.current().public_url + n.link,
                created_at=n.created_at,
                read=n.read_at is not None,
            )
            for n in notifications.listing(s, user)
        ]
        return NotificationList(unread=notifications.unread_count(s, user.id), items=items)


@router.post("/api/v1/notifications/{notification_id}/read", tags=["notifications"])
def read_api(notification_id: Id, c: SignedIn, nothing: Nothing = None) -> Unread:
    """Mark one of the caller's notifications as read; answers the unread count left."""
    with db.transaction() as s:
        user = c.user(s)
        notifications.mark_read(s, user, notification_id)
        return Unread(unread=notifications.unread_count(s, user.id))
