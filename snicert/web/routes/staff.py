"""Staff routes (lab and officials): who may call them is `snicert.web.access.allow`.

- `StaffRoute`: page routes answer refusals (HTTP errors and service errors) with an HTML
  page; API routes leave service errors to the app's JSON exception handler.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from snicert.db.models import Application
from snicert.errors import SeparationOfDuties, SnicertError, http_status
from snicert.web.access import SignInFirst, WrongRole, is_api
from snicert.web.i18n import lang_of, refusal
from snicert.web.pages import error_page


def refusal_page(
    request: Request,
    status: int,
    message: str,
    kind: str = "",
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    return error_page(request, status, message, kind, headers)


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
