"""Access to the staff routes (lab and officials).

- `allow(*roles)`: a dependency giving the `Caller` (who, and a page's submitted form).
  Not signed in: pages redirect to /login, API routes answer 401. Without one of the roles:
  403. Every POST carries the session's CSRF token (form field `csrf_token`, or header
  `X-CSRF-Token` for the API); bearer tokens have none to check.
- `StaffRoute`: page routes answer refusals (HTTP errors and service errors) with an HTML
  page; API routes leave service errors to the app's JSON exception handler.
- `Caller.attempt`: run one form's service call; a refused input comes back for the page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException

from snicert.db import engine as db
from snicert.db.models import Application, User
from snicert.errors import (
    InvalidInput,
    SeparationOfDuties,
    SnicertError,
    http_status,
)
from snicert.roles import Role
from snicert.web.auth import Actor, actor, check_csrf
from snicert.web.i18n import lang_of, refusal, translator
from snicert.web.pages import error_page

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Caller:
    """Who calls a staff route, and (page POSTs) the submitted form fields."""

    who: Actor
    form: dict[str, str] = field(default_factory=dict)

    def user(self, s: Session) -> User:
        return s.get(User, self.who.user_id)

    def attempt(self, step: Callable[[Session, User], object]) -> InvalidInput | None:
        """Run one form's service call as this caller in its own transaction. A refused
        input comes back (the page shows it next to its field) and nothing is stored."""
        try:
            with db.transaction() as s:
                step(s, self.user(s))
        except InvalidInput as exc:
            return exc
        return None


class SignInFirst(Exception):
    """A staff page asked for without a session: the browser goes to the sign-in form."""


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def allow(*roles: Role) -> Callable[..., Awaitable[Caller]]:
    """A dependency admitting signed-in users holding one of `roles` (and, on POST, the
    session's CSRF token)."""
    wanted = frozenset(roles)

    def signed_in(request: Request) -> Actor:
        # A plain def: FastAPI runs it in the thread pool (the session lookup is database
        # work), and before the form below is read.
        who = actor(request)  # 401 for a bad bearer token
        if who is None:
            if is_api(request):
                raise HTTPException(401, "sign in first")
            raise SignInFirst
        if not who.roles & wanted:
            raise WrongRole(who, wanted)
        return who

    async def caller(request: Request, who: Actor = Depends(signed_in)) -> Caller:
        # Only the form is read here (I/O, nothing blocking on the event loop).
        form: dict[str, str] = {}
        if request.method not in SAFE_METHODS:
            submitted = request.headers.get("x-csrf-token")
            if not is_api(request):
                form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
                submitted = form.get("csrf_token") or submitted
            check_csrf(who, submitted)
        return Caller(who, form)

    return caller


def refusal_page(
    request: Request,
    status: int,
    message: str,
    kind: str = "",
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    return error_page(request, status, message, kind, headers)


class WrongRole(HTTPException):
    """Signed in without any of the roles a route needs: 403, told in the person's words on
    a page (the API keeps the English detail)."""

    def __init__(self, who: Actor, wanted: frozenset[str]) -> None:
        self.who, self.wanted = who, wanted
        need = " / ".join(sorted(wanted))
        have = ", ".join(sorted(who.roles)) or "none"
        super().__init__(403, f"this needs the role {need}; {who.email} has {have}")

    def told(self, request: Request) -> str:
        t = translator(lang_of(request))
        return t("err_403_role").format(
            need=" / ".join(t(f"role_{r}") for r in sorted(self.wanted)),
            name=self.who.name,
            have=", ".join(t(f"role_{r}") for r in sorted(self.who.roles)) or "-",
        )


class StaffRoute(APIRoute):
    """Pages answer refusals with an HTML page (or the sign-in redirect); API routes keep
    FastAPI's and the app's JSON answers."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()

        async def staff_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInFirst:
                return RedirectResponse("/login", status_code=303)
            except HTTPException as exc:
                if is_api(request):
                    raise
                # rendering is work: off the event loop, like the routes themselves
                told = exc.told(request) if isinstance(exc, WrongRole) else str(exc.detail)
                return await run_in_threadpool(
                    refusal_page, request, exc.status_code, told, headers=exc.headers
                )
            except SnicertError as exc:
                if is_api(request):
                    raise
                kind = "sod" if isinstance(exc, SeparationOfDuties) else ""
                # why someone may not act reads in the page's language (Indonesian first)
                message = refusal(exc, lang_of(request))
                return await run_in_threadpool(
                    refusal_page, request, http_status(exc), message, kind
                )

        return staff_handler


def is_late(app: Application, now: datetime) -> bool:
    """Flagged overdue by the daily sweep, or past its due date already."""
    return bool(app.overdue or (app.due_at is not None and app.due_at < now))


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def app_summary(app: Application) -> dict[str, Any]:
    return {
        "id": app.id,
        "number": app.number,
        "product": app.product,
        "state": app.state,
        "awaiting_role": app.awaiting_role,
        "awaiting_action": app.awaiting_action,
        "due_at": app.due_at,
        "overdue": app.overdue,
    }
