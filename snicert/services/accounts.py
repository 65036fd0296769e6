"""Businesses and user accounts."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from snicert import audit, clock
from snicert.db.models import Business, User, UserRole
from snicert.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from snicert.roles import STAFF_ROLES, Role
from snicert.services.guards import require_role

SYSTEM_EMAIL = "system@snicert.local"
NIB_RE = re.compile(r"^\d{13}$")  # Nomor Induk Berusaha from OSS: 13 digits
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()


def _email(value: str) -> str:
    email = value.strip().lower()
    if not EMAIL_RE.match(email):
        raise InvalidInput("email", value, "not an e-mail address")
    return email


def _password(value: str | None) -> str | None:
    if value is None:
        return None
    if len(value) < 8:
        raise InvalidInput("password", "***", "must have at least 8 characters")
    return _hasher.hash(value)


def validate_nib(nib: str) -> str:
    nib = nib.strip()
    if not NIB_RE.match(nib):
        raise InvalidInput("nib", nib, "an NIB has exactly 13 digits")
    return nib


def _new_user(
    s: Session,
    email: str,
    name: str,
    roles: set[Role],
    password: str | None,
    business: Business | None = None,
    phone: str | None = None,
) -> User:
    email = _email(email)
    if s.scalar(select(exists().where(User.email == email))):
        raise Conflict(f"a user with e-mail {email} already exists")
    if not name.strip():
        raise InvalidInput("name", name, "must not be empty")
    user = User(
        email=email,
        name=name.strip(),
        phone=phone,
        password_hash=_password(password),
        active=True,
        business=business,
        created_at=clock.now(),
        role_rows=[UserRole(role=r.value) for r in sorted(roles)],
    )
    s.add(user)
    s.flush()
    return user


def system_user(s: Session) -> User:
    """The actor the flows' automated steps run as."""
    user = s.scalar(select(User).where(User.email == SYSTEM_EMAIL))
    if user is None:
        user = _new_user(s, SYSTEM_EMAIL, "snicert (automated)", {Role.SYSTEM}, None)
        audit.record(s, None, "user.created", "user", user.id, roles=[Role.SYSTEM.value])
    return user


def bootstrap_official(
    s: Session, email: str, name: str, password: str | None
) -> tuple[User, bool]:
    """The first official (`snicert init`), with the password they typed. Returns (user,
    created). Run again for the same official, nothing changes; once an official exists,
    further staff come from `create_staff`."""
    existing = s.scalar(select(User).where(User.email == _email(email)))
    if existing is not None and Role.OFFICIAL in existing.roles:
        return existing, False  # init run again: nothing to do
    has_official = s.scalar(select(exists().where(UserRole.role == Role.OFFICIAL.value)))
    if has_official:
        raise Conflict(
            "an official already exists; officials create further staff accounts "
            "(`snicert users add`, or /admin/users)"
        )
    if password is None:
        raise InvalidInput("password", None, "the first official needs a password")
    user = _new_user(s, email, name, {Role.OFFICIAL}, password)
    audit.record(
        s, None, "user.created", "user", user.id, roles=[Role.OFFICIAL.value], bootstrap=True
    )
    return user, True


# --- staff accounts, managed by an official or by the operator at the shell ---------------

CLI = "cli"
"""The actor of `snicert users ...`: whoever has a shell on the machine can already read and
write SNICERT_HOME (database, keys), so, like `snicert init`, they are trusted to manage
accounts; audit events name them "cli". Approvals are not theirs: they need an official's
password."""
Manager = User | str  # an official, or CLI
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread when handed over


def _may_manage(actor: Manager) -> None:
    if isinstance(actor, User):
        require_role(actor, Role.OFFICIAL)
    elif actor != CLI:
        raise PermissionDenied(f"unknown actor {actor!r}")


def _roles(values: Iterable[str]) -> set[Role]:
    roles = set()
    for value in values:
        try:
            role = Role(value.strip().lower())
        except ValueError:
            role = None
        if role not in STAFF_ROLES:
            raise InvalidInput("roles", value, f"staff roles are {', '.join(sorted(STAFF_ROLES))}")
        roles.add(role)
    if not roles:
        raise InvalidInput("roles", [], "give at least one staff role")
    return roles


def one_time_code() -> str:
    """A random code handed over in person (about 59 bits), e.g. `k7pm-4qxz-9wtr`."""
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return "-".join(chars[i : i + 4] for i in range(0, 12, 4))


def create_staff(
    s: Session,
    actor: Manager,
    email: str,
    name: str,
    roles: Iterable[str],
    password: str | None = None,
) -> tuple[User, str | None]:
    """A staff account with an initial password, or (none given) a one-time code, which is
    returned. Either signs in once, to choose the account's own password."""
    _may_manage(actor)
    wanted = _roles(roles)
    code = one_time_code() if password is None else None
    user = _new_user(s, email, name, wanted, code or password)
    user.must_change_password = True
    audit.record(s, actor, "user.created", "user", user.id, roles=sorted(wanted))
    return user, code


def account(s: Session, email: str) -> User:
    """A person's account by e-mail (not the system's)."""
    user = s.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or user.email == SYSTEM_EMAIL:
        raise NotFound(f"no account {email!r}")
    return user


def staff(s: Session) -> list[User]:
    """Every account holding a staff role, active or not, by e-mail."""
    return list(
        s.scalars(
            select(User)
            .where(User.role_rows.any(UserRole.role.in_([r.value for r in STAFF_ROLES])))
            .order_by(User.email)
        )
    )


def set_active(s: Session, actor: Manager, email: str, active: bool) -> User:
    """Deactivate (sessions and API tokens stop working at once) or reactivate an account.
    Refused: deactivating oneself, or the last active official."""
    _may_manage(actor)
    user = account(s, email)
    if user.active == active:
        raise Conflict(f"{user.email} is already {'active' if active else 'deactivated'}")
    if not active:
        if isinstance(actor, User) and actor.id == user.id:
            raise InvalidInput("email", user.email, "you cannot deactivate your own account")
        if Role.OFFICIAL in user.roles and _active_officials(s, but=user.id) == 0:
            raise Conflict(
                f"{user.email} is the last active official: create or reactivate "
                "another official first"
            )
    user.active = active
    audit.record(s, actor, "user.enabled" if active else "user.disabled", "user", user.id)
    return user


def _active_officials(s: Session, but: int) -> int:
    return s.scalar(
        select(func.count())
        .select_from(User)
        .where(
            User.active, User.id != but, User.role_rows.any(UserRole.role == Role.OFFICIAL.value)
        )
    )


def reset_password(
    s: Session, actor: Manager, email: str, password: str | None = None
) -> str | None:
    """Replace a forgotten or exposed password with `password` or (none given) a one-time
    code, which is returned. Either signs in once, to choose a new password; the account's
    sessions and API tokens end now."""
    _may_manage(actor)
    user = account(s, email)
    code = one_time_code() if password is None else None
    user.password_hash = _password(code or password)
    user.must_change_password = True
    _end_sessions(s, user)
    audit.record(s, actor, "user.password_reset", "user", user.id)
    return code


# --- one's own password ---------------------------------------------------------------


def _end_sessions(s: Session, user: User, keep: str | None = None) -> None:
    from snicert.services.sessions import end_sessions  # sessions imports this module

    end_sessions(s, user, keep)


def choose_password(s: Session, user: User, new: str, keep_session: str | None = None) -> None:
    """First sign-in after an initial password or a one-time code (which signed in once):
    the account's own password. Sessions but cookie token `keep_session` end."""
    if not user.must_change_password:
        raise Conflict("this account already has its own password: change it with the current one")
    _set_own_password(s, user, new, keep_session)


def change_password(
    s: Session, user: User, current: str, new: str, keep_session: str | None = None
) -> None:
    """Change one's own password, proven with the current one. The other sessions (all but
    cookie token `keep_session`) and the API tokens end."""
    if not _matches(user, current):
        raise InvalidInput("current_password", "***", "the current password is wrong")
    if current == new:
        raise InvalidInput("password", "***", "choose a password different from the current one")
    _set_own_password(s, user, new, keep_session)


def _set_own_password(s: Session, user: User, new: str, keep_session: str | None = None) -> None:
    user.password_hash = _password(new)
    user.must_change_password = False
    _end_sessions(s, user, keep_session)
    audit.record(s, user, "user.password_changed", "user", user.id)


def register_applicant(
    s: Session,
    *,
    email: str,
    name: str,
    password: str | None,
    business_name: str,
    nib: str,
    address: str,
    city: str = "Kota Kupang",
    province: str = "Nusa Tenggara Timur",
    phone: str | None = None,
) -> User:
    """Self-registration of a UMKM owner together with their business."""
    nib = validate_nib(nib)
    if s.scalar(select(exists().where(Business.nib == nib))):
        raise Conflict(f"a business with NIB {nib} is already registered")
    for field, value in (("business_name", business_name), ("address", address)):
        if not value.strip():
            raise InvalidInput(field, value, "must not be empty")
    business = Business(
        name=business_name.strip(),
        nib=nib,
        address=address.strip(),
        city=city,
        province=province,
        contact_name=name.strip(),
        phone=phone,
        email=email.strip().lower(),
        created_at=clock.now(),
    )
    s.add(business)
    user = _new_user(s, email, name, {Role.APPLICANT}, password, business, phone)
    audit.record(s, user, "business.registered", "business", business.id, nib=nib)
    return user


def _matches(user: User, password: str) -> bool:
    try:
        return bool(user.password_hash) and _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(s: Session, email: str, password: str) -> User:
    user = s.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active or not _matches(user, password):
        raise PermissionDenied("wrong e-mail or password")
    if user.must_change_password:
        # An initial password or one-time code signs in once: into choosing one's own.
        user.password_hash = None
        audit.record(s, user, "user.one_time_credential_used", "user", user.id)
    return user


def confirm_identity(s: Session, email: str, password: str) -> User:
    """The account named by `email`, proven by its own password (the CLI's approvals)."""
    user = s.scalar(select(User).where(User.email == email.strip().lower()))
    if user is not None and user.must_change_password:
        raise PermissionDenied(
            f"{user.email} has no password of their own yet: sign in on "
            "the web and choose one first"
        )
    return authenticate(s, email, password)
