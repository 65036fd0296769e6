"""Sign-in sessions and API tokens. Tokens are random; only their sha256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from snicert import audit, clock
from snicert.db.models import ApiToken, SignInFailure, User, WebSession
from snicert.errors import NotFound, PermissionDenied
from snicert.services import text
from snicert.services.accounts import authenticate

SESSION_DAYS = 7


SIGN_IN_LIMIT = 5
SIGN_IN_WINDOW = timedelta(minutes=15)


def sign_in_blocked(s: Session, keys: tuple[str, ...]) -> bool:
    """Has any of these keys (client address, e-mail) failed SIGN_IN_LIMIT times within
    SIGN_IN_WINDOW?"""
    since = clock.now() - SIGN_IN_WINDOW
    counts = s.execute(select(SignInFailure.key, func.count()).where(
        SignInFailure.key.in_(keys), SignInFailure.at > since).group_by(SignInFailure.key))
    return any(n >= SIGN_IN_LIMIT for _, n in counts)


def record_failed_sign_in(s: Session, keys: tuple[str, ...]) -> None:
    now = clock.now()
    s.execute(delete(SignInFailure).where(SignInFailure.at <= now - SIGN_IN_WINDOW))
    s.add_all(SignInFailure(key=key[:320], at=now) for key in keys)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in(s: Session, email: str, password: str) -> tuple[str, WebSession]:
    """Check the password and open a session; returns (cookie token, session)."""
    user = authenticate(s, email, password)
    token = secrets.token_urlsafe(32)
    now = clock.now()
    session = WebSession(token_hash=_hash(token), user_id=user.id,
                         csrf_token=secrets.token_urlsafe(32), created_at=now,
                         expires_at=now + timedelta(days=SESSION_DAYS))
    s.add(session)
    audit.record(s, user, "user.signed_in", "user", user.id)
    return token, session


def session_for(s: Session, token: str | None) -> tuple[User, WebSession] | None:
    if not token:
        return None
    session = s.get(WebSession, _hash(token))
    if session is None or session.expires_at <= clock.now():
        return None
    user = s.get(User, session.user_id)
    return (user, session) if user is not None and user.active else None


def sign_out(s: Session, token: str) -> None:
    s.execute(delete(WebSession).where(WebSession.token_hash == _hash(token)))


def create_api_token(s: Session, actor: User, name: str) -> tuple[str, ApiToken]:
    """A new token for `actor` (shown once); it acts with the actor's roles."""
    name = text.clean("name", name, ApiToken.name,
                      required="name the integration the token is for")
    token = "snc_" + secrets.token_urlsafe(32)
    row = ApiToken(user_id=actor.id, name=name, token_hash=_hash(token),
                   created_at=clock.now(), revoked=False)
    s.add(row)
    s.flush()
    audit.record(s, actor, "api_token.created", "api_token", row.id, name=row.name)
    return token, row


def revoke_api_token(s: Session, actor: User, token_id: int) -> ApiToken:
    row = s.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"api token {token_id} not found")
    if row.user_id != actor.id:
        raise PermissionDenied("a token can only be revoked by its owner")
    row.revoked = True
    audit.record(s, actor, "api_token.revoked", "api_token", row.id)
    return row


def user_for_api_token(s: Session, token: str) -> User | None:
    row = s.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token)))
    if row is None or row.revoked:
        return None
    user = s.get(User, row.user_id)
    if user is None or not user.active:
        return None
    row.last_used_at = clock.now()
    return user
