"""Request bodies: bounded in size, and not read before the caller is known.

An ASGI middleware, so that it runs before anything touches a body (FastAPI parses Form and
File parameters, and python-multipart spools files to disk, before an endpoint runs):

- a body larger than its route's limit is answered 413: at once from `Content-Length`,
  and while streaming (chunked bodies carry no length) as soon as it passes the limit;
- a body from nobody signed in is not read: the API answers 401, pages send to /login
  (except the forms shown before signing in). Whoever was found is kept for the endpoint
  (auth.actor), which then needs no second look-up.
"""

from __future__ import annotations

import re

import anyio
from fastapi import HTTPException
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from snicert.messages import text
from snicert.web.auth import ACTOR_KEY, actor
from snicert.web.i18n import lang_of
from snicert.web.pages import page

FORM_LIMIT = 2**20  # forms and JSON: far more than any field allows
BODILESS = frozenset({"GET", "HEAD", "OPTIONS"})  # their bodies are never read


class BodyTooLarge(HTTPException):
    def __init__(self, scope: Scope, limit: int):
        self.limit_mb = round(limit / 2**20)
        lang = lang_of(Request(scope))
        super().__init__(413, f"{text('body_too_large', lang)} (max. {self.limit_mb} MB)")


def too_large(request: Request, exc: BodyTooLarge) -> Response:
    """The 413 answer: JSON for the API, a page saying what to do for people. Also the
    app's handler, for a body found too large while a route was reading it."""
    if request.url.path.startswith("/api/"):
        response: Response = JSONResponse({"detail": exc.detail}, status_code=413)
    else:
        response = page(request, "too_large.html.j2", status_code=413, limit_mb=exc.limit_mb)
    # The unread rest of the body cannot be skipped over: this connection ends here.
    response.headers["Connection"] = "close"
    return response


class BodyLimits:
    def __init__(
        self,
        app: ASGIApp,
        *,
        default: int,
        large: int,
        large_paths: re.Pattern[str],
        anonymous: frozenset[str],
        own: tuple[tuple[re.Pattern[str], int], ...] = (),
    ):
        self.app, self.default, self.large = app, default, large
        self.large_paths, self.anonymous, self.own = large_paths, anonymous, own

    def limit(self, path: str) -> int:
        """The route's limit: its own (a form of several files), else large or default."""
        for pattern, limit in self.own:
            if pattern.fullmatch(path):
                return limit
        return self.large if self.large_paths.fullmatch(path) else self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in BODILESS:
            await self.app(scope, receive, send)
            return
        limit = self.limit(scope["path"])
        length = Headers(scope=scope).get("content-length")
        if length is not None and not length.isdigit():
            await _answer(scope, send, HTTPException(400, "invalid Content-Length"))
            return
        if length is not None and int(length) > limit:
            await too_large(Request(scope), BodyTooLarge(scope, limit))(scope, _no_receive, send)
            return
        if scope["path"] not in self.anonymous:
            try:  # database work: in a worker thread, off the event loop
                who = await anyio.to_thread.run_sync(actor, Request(scope))
            except HTTPException as exc:  # a bearer token that is invalid or revoked
                await _answer(scope, send, exc)
                return
            if who is None:  # as everywhere: pages send people to sign in, the API says 401
                if scope["path"].startswith("/api/"):
                    await _answer(scope, send, HTTPException(401, "sign in first"))
                else:
                    await _answer(
                        scope,
                        send,
                        HTTPException(303, "sign in first", headers={"Location": "/login"}),
                    )
                return
            scope.setdefault("state", {})[ACTOR_KEY] = who

        received, started = 0, False

        async def bounded_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Raised inside the app, whose handler is too_large; the form parser
                    # closes the files it had begun.
                    raise BodyTooLarge(scope, limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, bounded_receive, watched_send)
        except BodyTooLarge as exc:
            if started:
                raise
            await too_large(Request(scope), exc)(scope, _no_receive, send)


async def _answer(scope: Scope, send: Send, exc: HTTPException) -> None:
    # Connection: close, since the unread rest of the body cannot be skipped over.
    response = JSONResponse(
        {"detail": exc.detail},
        status_code=exc.status_code,
        headers={**(exc.headers or {}), "Connection": "close"},
    )
    await response(scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
