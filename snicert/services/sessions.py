"""Sign-in sessions, API tokens and the sign-in limiter. Tokens are random; only their
sha256 is stored.

The limiter slows guessing down without locking the right password out. Every attempt
first claims one unit of three budgets, in one short transaction before the password is
checked, so N parallel attempts never get more checks than a budget allows:

- per address and account (PER_PAIR): a few tries; this is what stops one guesser;
- per account from every address (PER_ACCOUNT): generous, against guessing spread over
  many addresses; only such an attack, with more than its budget, slows the owner down too
  (until the window ends, never longer);
- per address for every account (PER_ADDRESS): generous, so an office or an internet café
  behind one address is not stopped by one person's typos.

A browser that signed in to the account before (a known device: a cookie set at sign-in,
only its hash stored) counts its attempts at that account against its own budget
(PER_DEVICE) instead, so even an attack from many addresses does not slow the owner on
their usual phone or computer; a stolen device cookie still gives only a few tries.

Budgets are counted in fixed windows in the database (one row per key and window, claimed
by one atomic upsert: SQLite and PostgreSQL alike), so every web process shares them; across
a window's end a key can get up to twice its budget in a short time, then waits a whole
window. An IPv6 address counts as its /64 network (one subscriber's share). A successful
sign-in gives its claims back and clears its address-and-account (or device) count, so
only failures (and attempts still being checked) use the budgets. A refused attempt is not
counted and checks no password. The owner of an account whose address is being refused
signs in from another address (a phone's mobile data) at once.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from snicert import audit, clock
from snicert.db.models import ApiToken, KnownDevice, SignInAttempt, User, WebSession
from snicert.errors import InvalidInput, NotFound, PermissionDenied, TooManyAttempts
from snicert.services import accounts, text
from snicert.services.guards import thing

SESSION_DAYS = 7
TOKEN_DAYS = 90  # an API token's lifetime unless its owner chooses another
TOKEN_MAX_DAYS = 365


@dataclass(frozen=True)
class Limit:
    name: str
    attempts: int
    window: timedelta


PER_PAIR = Limit("pair", 5, timedelta(minutes=15))
PER_ACCOUNT = Limit("account", 30, timedelta(minutes=15))
PER_ADDRESS = Limit("address", 100, timedelta(minutes=15))
PER_DEVICE = Limit("device", 5, timedelta(minutes=15))
DEVICE_DAYS = 365  # a known device is forgotten a year after it last signed in
REGISTRATIONS = Limit("register", 20, timedelta(hours=1))  # per address; never given back
COMPLAINTS = Limit("complaint", 5, timedelta(hours=1))  # complaints filed, per address
_LONGEST = max(
    x.window for x in (PER_PAIR, PER_ACCOUNT, PER_ADDRESS, PER_DEVICE, REGISTRATIONS, COMPLAINTS)
)


@dataclass(frozen=True)
class Claim:
    """The (key, window) rows one attempt counted in."""

    rows: tuple[tuple[str, datetime], ...]


def claim_sign_in(s: Session, address: str, email: str, device: str | None = None) -> Claim:
    """Count one sign-in attempt before its password is checked (`device`: the browser's
    known-device token, if any). Raises TooManyAttempts when a budget is spent; the
    caller's transaction then rolls back, so nothing counts."""
    email = accounts.sign_in_email(email)
    known = _known_device(s, device, email)
    if known is not None:
        return _claim(s, [(PER_DEVICE, known.token_hash)])
    address = _network(address)
    return _claim(
        s, [(PER_PAIR, f"{address} {email}"), (PER_ACCOUNT, email), (PER_ADDRESS, address)]
    )


def claim_registration(s: Session, address: str) -> None:
    """Count one registration from this address (each one hashes a password and may create
    an account); raises TooManyAttempts past REGISTRATIONS."""
    _claim(s, [(REGISTRATIONS, _network(address))])


def claim_complaint(s: Session, address: str) -> None:
    """Count one complaint filed from this address (in the filing's transaction: a refused
    one is not counted); raises TooManyAttempts past COMPLAINTS."""
    _claim(s, [(COMPLAINTS, _network(address))])


def _known_device(s: Session, token: str | None, email: str) -> KnownDevice | None:
    """The device row if `token` names a browser that signed in to `email`'s account."""
    row = s.get(KnownDevice, _hash(token)) if token else None
    if row is None or row.last_seen_at < clock.now() - timedelta(days=DEVICE_DAYS):
        return None
    user = s.get(User, row.user_id)
    return row if user is not None and user.email == email else None


def remember_device(s: Session, user: User, token: str | None) -> str:
    """After a successful sign-in: the browser's known-device token for `user` (the one it
    presented if still valid, else a new one)."""
    if token and _known_device(s, token, user.email) is not None:
        s.get(KnownDevice, _hash(token)).last_seen_at = clock.now()
        return token
    now = clock.now()
    s.execute(
        delete(KnownDevice).where(
            KnownDevice.user_id == user.id,
            KnownDevice.last_seen_at < now - timedelta(days=DEVICE_DAYS),
        )
    )
    token = secrets.token_urlsafe(32)
    s.add(KnownDevice(token_hash=_hash(token), user_id=user.id, created_at=now, last_seen_at=now))
    return token


def _network(address: str) -> str:
    """What the limiter counts as one address: an IPv4 address, or an IPv6 /64 (an ISP
    hands each subscriber at least one, so single IPv6 addresses are free to change)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:60]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # an IPv4 client on a dual-stack socket
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _claim(s: Session, budgets: list[tuple[Limit, str]]) -> Claim:
    now = clock.now()
    s.execute(delete(SignInAttempt).where(SignInAttempt.window_start < now - _LONGEST))
    rows = []
    for limit, key in budgets:
        key = f"{limit.name}:{key}"
        step = limit.window.total_seconds()
        start = datetime.fromtimestamp(now.timestamp() // step * step, UTC)
        if _increment(s, key, start) > limit.attempts:
            raise TooManyAttempts(math.ceil((start + limit.window - now).total_seconds()))
        rows.append((key, start))
    return Claim(tuple(rows))


def _increment(s: Session, key: str, start: datetime) -> int:
    """Add one to the (key, window) count and return it, in one statement: concurrent
    claims queue on the row (PostgreSQL) or the write lock (SQLite), so no two attempts
    ever see the same count."""
    dialect = s.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(SignInAttempt).values(key=key, window_start=start, count=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["key", "window_start"], set_={"count": SignInAttempt.count + 1}
    )
    return s.execute(stmt.returning(SignInAttempt.count)).scalar_one()


def _give_back(s: Session, claim: Claim) -> None:
    for key, start in claim.rows:
        if key.startswith((f"{PER_PAIR.name}:", f"{PER_DEVICE.name}:")):
            # this address (or browser) knows the password: its typos start again
            s.execute(delete(SignInAttempt).where(SignInAttempt.key == key))
        else:
            s.execute(
                update(SignInAttempt)
                .where(
                    SignInAttempt.key == key,
                    SignInAttempt.window_start == start,
                    SignInAttempt.count > 0,
                )
                .values(count=SignInAttempt.count - 1)
            )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(s: Session, user: User, claim: Claim) -> tuple[str, WebSession]:
    """A session for `user`, whose password was just checked under `claim` (given back);
    returns (cookie token, session)."""
    if not user.active:  # deactivated while the password was being checked
        raise PermissionDenied("bad_login")
    if user.must_change_password:
        accounts.use_one_time_credential(s, user)
    _give_back(s, claim)
    token = secrets.token_urlsafe(32)
    now = clock.now()
    session = WebSession(
        token_hash=_hash(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + timedelta(days=SESSION_DAYS),
    )
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


def sign_out(s: Session, user: User, token: str) -> None:
    """End this browser's session. The user's API tokens stay valid: they belong to
    integrations, not to the browser (see sign_out_everywhere)."""
    s.execute(
        delete(WebSession).where(
            WebSession.token_hash == _hash(token), WebSession.user_id == user.id
        )
    )
    audit.record(s, user, "user.signed_out", "user", user.id)


def sign_out_everywhere(
    s: Session,
    actor: User | str,
    user: User | None = None,
    reason: str = "signed_out_everywhere",
) -> None:
    """End every session of `user` (default: the actor), revoke every API token and forget
    every known device: after a lost phone, a leaked token, a password change or reset
    (`actor` may be "cli", see accounts.CLI)."""
    user = user or actor
    now = clock.now()
    ended = s.execute(delete(WebSession).where(WebSession.user_id == user.id)).rowcount
    s.execute(delete(KnownDevice).where(KnownDevice.user_id == user.id))
    revoked = s.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    ).rowcount
    audit.record(
        s, actor, f"user.{reason}", "user", user.id, sessions_ended=ended, tokens_revoked=revoked
    )


def change_password(s: Session, user: User, current: str, new: str) -> None:
    """Set a new password (the current one is checked first) and end every session and
    token of the user, wherever they were opened."""
    accounts.authenticate(s, user.email, current)
    user.password_hash = accounts.password_for(user, new)
    sign_out_everywhere(s, user, reason="password_changed")


def create_api_token(
    s: Session, actor: User, name: str, days: int = TOKEN_DAYS
) -> tuple[str, ApiToken]:
    """A new token for `actor` (shown once), valid for `days` (at most a year); it acts with
    the actor's roles."""
    name = text.clean("name", name, ApiToken.name, required=True)
    if not 1 <= days <= TOKEN_MAX_DAYS:
        raise InvalidInput("days", days, "tok_days", most=TOKEN_MAX_DAYS)
    token = "snc_" + secrets.token_urlsafe(32)
    now = clock.now()
    row = ApiToken(
        user_id=actor.id,
        name=name,
        token_hash=_hash(token),
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    s.add(row)
    s.flush()
    audit.record(
        s,
        actor,
        "api_token.created",
        "api_token",
        row.id,
        name=row.name,
        expires_at=row.expires_at.isoformat(),
    )
    return token, row


def api_tokens(s: Session, actor: User) -> list[ApiToken]:
    """The actor's tokens, newest first, revoked and expired ones included."""
    return list(
        s.scalars(select(ApiToken).where(ApiToken.user_id == actor.id).order_by(ApiToken.id.desc()))
    )


def revoke_api_token(s: Session, actor: User, token_id: int) -> ApiToken:
    """Revoke one of the actor's tokens; another user's token answers like a missing one.
    Revoking a revoked token changes (and records) nothing."""
    row = s.get(ApiToken, token_id)
    if row is None or row.user_id != actor.id:
        raise NotFound("not_found", what=thing("api token"), ident=token_id)
    if row.revoked_at is None:
        row.revoked_at = clock.now()
        audit.record(s, actor, "api_token.revoked", "api_token", row.id)
    return row


def user_for_api_token(s: Session, token: str) -> User | None:
    """The active user a valid token belongs to; None if unknown, revoked or expired."""
    row = s.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token)))
    now = clock.now()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    user = s.get(User, row.user_id)
    if user is None or not user.active:
        return None
    row.last_used_at = now
    return user
