"""Rendering pages: the language, the translator and CSRF tokens for forms."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import FileSystemLoader
from starlette.exceptions import HTTPException

from snicert.db import engine as db
from snicert.errors import TooManyAttempts
from snicert.judgment import requirement_text
from snicert.messages import has
from snicert.services import notifications
from snicert.templating import environment
from snicert.web import nav, timeline
from snicert.web.auth import ACTOR_KEY, COOKIE, Actor, actor, pre_csrf_token, set_pre_csrf
from snicert.web.i18n import lang_of, translator

templates = Jinja2Templates(
    env=environment(FileSystemLoader(Path(__file__).resolve().parent / "templates"))
)
templates.env.filters["steps"] = timeline.steps
templates.env.filters["requirement"] = requirement_text


def signed_in(request: Request) -> Actor | None:
    """Who is signed in, for the header; nobody when the session is gone or unusable."""
    known = request.scope.get("state", {}).get(ACTOR_KEY)
    if known is not None or COOKIE not in request.cookies:
        return known
    try:
        return actor(request)
    except HTTPException:  # e.g. must choose a password first: the header shows no one
        return None


def page(request: Request, name: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    lang = lang_of(request)
    # the header: who is signed in, their places of work and unread notifications
    who = ctx.get("who") if isinstance(ctx.get("who"), Actor) else signed_in(request)
    if who is not None:
        ctx.setdefault("me", who)
        ctx.setdefault("nav_links", nav.links(who.roles))
        if "unread" not in ctx:
            with db.reading() as s:
                ctx["unread"] = notifications.unread_count(s, who.user_id)
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


def error_page(
    request: Request,
    status: int,
    message: str | None = None,
    kind: str = "",
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """A refusal or error as a page in the person's language: a title for the status (or
    for a separation-of-duties refusal, `kind="sod"`) and what to do next."""
    t = translator(lang_of(request))
    if kind == "sod":
        title = t("lab_err_sod")
    else:
        title = t(f"err_title_{status}" if has(f"err_title_{status}") else "err_title_other")
    if message is None:
        message = t(f"err_{status}") if has(f"err_{status}") else title
    response = page(
        request, "error.html.j2", status_code=status, status=status, title=title, message=message
    )
    response.headers.update(headers or {})
    return response


def wants_page(request: Request) -> bool:
    """A browser asking for a page (not the API, not a client that takes JSON)."""
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get(
        "accept", ""
    )


async def http_error(request: Request, exc: Exception) -> Response:
    """HTTP errors: an Indonesian page for a browser, the `Problem` JSON otherwise."""
    assert isinstance(exc, HTTPException)
    if exc.status_code < 400 or not wants_page(request):
        return await http_exception_handler(request, exc)
    return await run_in_threadpool(error_page, request, exc.status_code, None, "", exc.headers)
