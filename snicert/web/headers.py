"""Security headers on every response: pages, JSON, static files, redirects and errors.

The page policy allows no inline script or style at all (styles and any script live under
/static), so markup that slipped through escaping still cannot run. A route that needs
another policy sets its own Content-Security-Policy and the middleware keeps it:
- dossier documents (`/documents/<id>`): `sandbox`, they are files as uploaded;
- a document shown inline (PREVIEW_POLICY, `/documents/<id>/inline`): sandboxed, no
  script, and framed only by snicert's own preview page (X-Frame-Options SAMEORIGIN; an
  <iframe sandbox> would stop Chromium's PDF viewer, the response's own sandbox does not);
- rendered reports (REPORT_POLICY): self-contained files with their own inline styles,
  sandboxed, no script;
- the Swagger UI page (`swagger_ui`): its script and styles come from the jsDelivr CDN
  (FastAPI's default), its one inline script is allowed by its hash. Checked in Chromium
  with swagger-ui-dist 5.35.0 answering for the CDN (unreachable here): the page renders,
  "Try it out" works, no policy violation.
The other headers are the same on every response.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import re
from collections.abc import Iterable

from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
REPORT_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox"
)
PREVIEW_POLICY = (
    "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox"
)
CDN = "https://cdn.jsdelivr.net"
DOCS_POLICY = (
    "default-src 'none'; script-src {cdn} {hashes}; "
    "style-src {cdn} 'unsafe-inline'; img-src 'self' data: "
    "https://fastapi.tiangolo.com; connect-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
_CSP = b"content-security-policy"
_ALWAYS_RAW = [(name.lower().encode(), value.encode()) for name, value in ALWAYS.items()]
_ALWAYS_NAMES = frozenset(name for name, _ in _ALWAYS_RAW)
_PAGE_RAW = (_CSP, PAGE_POLICY.encode())
_FRAME = b"x-frame-options"
_SAME_ORIGIN_RAW = [(_FRAME, b"SAMEORIGIN") if n == _FRAME else (n, v) for n, v in _ALWAYS_RAW]
_PREVIEW_RAW = PREVIEW_POLICY.encode()
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


class SecurityHeaders:
    """Pure ASGI middleware: no body buffering, and the headers are added as ready-made
    byte pairs (the verification API is the busiest route; see bench/security_headers.py)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = with_security(message.get("headers", ()))
            await send(message)

        await self.app(scope, receive, send_with_headers)


def with_security(raw: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The response's headers with ours: the fixed ones replace any the route set; its own
    Content-Security-Policy, if it set one, is kept."""
    headers = [(name, value) for name, value in raw if name.lower() not in _ALWAYS_NAMES]
    policy = next((value for name, value in headers if name.lower() == _CSP), None)
    if policy is None:
        headers.append(_PAGE_RAW)
    # only the inline preview may be framed, and only by snicert's own pages
    headers.extend(_SAME_ORIGIN_RAW if policy == _PREVIEW_RAW else _ALWAYS_RAW)
    return headers


def server_error(request: Request, exc: Exception) -> Response:
    """The 500 answer: a page for a browser, text otherwise. Starlette sends it from outside
    every middleware, so it carries the headers itself."""
    from snicert.web.pages import error_page, wants_page  # pages need the whole web layer

    response: Response = PlainTextResponse("Internal Server Error", status_code=500)
    if wants_page(request):
        # whatever broke the request may break the page too: then the text answers
        with contextlib.suppress(Exception):
            response = error_page(request, 500)
    response.raw_headers = with_security(response.raw_headers)
    return response


def swagger_ui(openapi_url: str, title: str) -> HTMLResponse:
    """FastAPI's Swagger UI page with a policy allowing exactly what it loads."""
    response = get_swagger_ui_html(openapi_url=openapi_url, title=f"{title} - Swagger UI")
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(response.body.decode())
    )
    response.headers["Content-Security-Policy"] = DOCS_POLICY.format(cdn=CDN, hashes=hashes)
    return response
