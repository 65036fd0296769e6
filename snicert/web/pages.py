"""Rendering pages: the language, the translator and CSRF tokens for forms."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import FileSystemLoader

from snicert.db import engine as db
from snicert.errors import TooManyAttempts
from snicert.services import notifications
from snicert.templating import environment
from snicert.web.auth import ACTOR_KEY, pre_csrf_token, set_pre_csrf
from snicert.web.i18n import lang_of, translator

templates = Jinja2Templates(
    env=environment(FileSystemLoader(Path(__file__).resolve().parent / "templates"))
)


def page(request: Request, name: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    lang = lang_of(request)
    # the header's unread count, for a page that knows who is signed in
    who = ctx.get("who") or request.scope.get("state", {}).get(ACTOR_KEY)
    user_id = getattr(who, "user_id", None)
    if user_id is not None and "unread" not in ctx:
        with db.reading() as s:
            ctx["unread"] = notifications.unread_count(s, user_id)
    response = templates.TemplateResponse(
        request, name, {"t": translator(lang), "lang": lang, **ctx}, status_code=status_code
    )
    if request.query_params.get("lang") == lang:
        response.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax")
    return response


def form_page(request: Request, name: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    """A page with a form shown before signing in: double-submit CSRF token."""
    token = pre_csrf_token(request)
    response = page(request, name, status_code, csrf=token, **ctx)
    set_pre_csrf(request, response, token)
    return response


def too_many_page(request: Request, exc: TooManyAttempts) -> Response:
    """The limiter's refusal: 429 with Retry-After; a page saying how long to wait for
    browsers, JSON for a client that asks only for JSON."""
    headers = {"Retry-After": str(exc.retry_after)}
    accept = request.headers.get("accept", "")
    if "application/json" in accept and "text/html" not in accept:
        return JSONResponse({"detail": str(exc)}, status_code=429, headers=headers)
    response = page(
        request, "too_many.html.j2", status_code=429, minutes=max(1, -(-exc.retry_after // 60))
    )
    response.headers.update(headers)
    return response
