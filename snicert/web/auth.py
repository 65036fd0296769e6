"""Who is asking: a session cookie (browsers) or a bearer API token (integrations); CSRF
tokens on every form; signing in under the limiter (snicert.services.sessions)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fastapi import HTTPException, Request, Response

from snicert.db import engine as db
from snicert.db.models import User
from snicert.services import accounts, sessions
from snicert.web import nav

COOKIE = "snicert_session"
PRE_CSRF = "snicert_csrf"  # double-submit token for forms shown before signing in
PASSWORD_PAGE = "/account/password"
# All an account still on an initial password or one-time code may reach.
PENDING_PATHS = frozenset({PASSWORD_PAGE, "/logout"})
DEVICE = "snicert_device"  # a browser that signed in before (sessions.remember_device)
ACTOR_KEY = "snicert.actor"  # request state: who was found before the body was read


@dataclass(frozen=True)
class Actor:
    user_id: int
    email: str
    name: str
    roles: frozenset[str]
    business_id: int | None
    csrf: str | None  # None for bearer tokens: no cookie, so no CSRF to defend against
    must_change_password: bool = False


def actor(request: Request) -> Actor | None:
    """Who is asking (None: nobody signed in). An account that must still choose its
    password is sent to PASSWORD_PAGE from anywhere but PENDING_PATHS."""
    known = request.scope.get("state", {}).get(ACTOR_KEY)
    if known is not None:  # found by snicert.web.bodies for this very request
        return known
    auth = request.headers.get("authorization", "")
    with db.transaction() as s:
        if auth.lower().startswith("bearer "):
            user = sessions.user_for_api_token(s, auth[7:].strip())
            if user is None:
                raise HTTPException(401, "invalid, expired or revoked API token")
            csrf = None
        else:
            found = sessions.session_for(s, request.cookies.get(COOKIE))
            if found is None:
                return None
            user, session = found
            csrf = session.csrf_token
        if user.must_change_password and request.url.path not in PENDING_PATHS:
            raise _choose_password_first(request)
        found_actor = Actor(
            user.id,
            user.email,
            user.name,
            user.roles,
            user.business_id,
            csrf,
            user.must_change_password,
        )
    # once per request: the page's header asks again after the route did
    request.scope.setdefault("state", {})[ACTOR_KEY] = found_actor
    return found_actor


def _choose_password_first(request: Request) -> HTTPException:
    """For an account that signed in with an initial password or one-time code and has not
    chosen its own yet: pages go to PASSWORD_PAGE, the API answers 403."""
    if request.url.path.startswith("/api/"):
        return HTTPException(403, f"choose your own password first, at {PASSWORD_PAGE}")
    return HTTPException(303, "choose your password first", headers={"Location": PASSWORD_PAGE})


def check_csrf(who: Actor, submitted: str | None) -> None:
    if who.csrf is not None and not secrets.compare_digest(who.csrf, submitted or ""):
        raise HTTPException(403, "missing or wrong CSRF token; reload the page and try again")


def pre_csrf_token(request: Request) -> str:
    return request.cookies.get(PRE_CSRF) or secrets.token_urlsafe(32)


def set_pre_csrf(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        PRE_CSRF, token, httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )


def check_pre_csrf(request: Request, submitted: str | None) -> None:
    cookie = request.cookies.get(PRE_CSRF)
    if not cookie or not secrets.compare_digest(cookie, submitted or ""):
        raise HTTPException(403, "missing or wrong CSRF token; reload the page and try again")


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        max_age=sessions.SESSION_DAYS * 86400,
    )


def client_address(request: Request) -> str:
    """The address the limiter counts (behind a proxy, uvicorn takes it from X-Forwarded-For
    when the proxy is trusted: --forwarded-allow-ips)."""
    return request.client.host if request.client else "unknown"


def sign_in(address: str, email: str, password: str, device: str | None) -> tuple[str, str, str]:
    """Claim an attempt, check the password, open a session; returns the session's cookie
    token, the browser's known-device token (`device`: the one it presented) and where the
    person lands (their own work, or choosing a password first). Three
    transactions so that argon2 (~0.1 s) runs under no write lock. Raises TooManyAttempts
    (nothing checked) or PermissionDenied (wrong e-mail or password)."""
    with db.transaction() as s:
        claim = sessions.claim_sign_in(s, address, email, device)
    with db.reading() as s:
        user_id = accounts.authenticate(s, email, password).id
    with db.transaction() as s:
        user = s.get(User, user_id)
        token, _ = sessions.open_session(s, user, claim)
        lands = PASSWORD_PAGE if user.must_change_password else nav.landing(user.roles)
        return token, sessions.remember_device(s, user, device), lands


def set_device_cookie(request: Request, response: Response, token: str) -> None:
    """Sent back to /login only: it changes which budget an attempt counts against."""
    response.set_cookie(
        DEVICE,
        token,
        path="/login",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=sessions.DEVICE_DAYS * 86400,
    )
