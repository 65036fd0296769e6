"""Businesses and user accounts."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from importlib import resources
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from snicert import audit, clock, phones
from snicert.db.models import Business, User, UserRole
from snicert.errors import (
    AlreadyRegistered,
    Conflict,
    InvalidFields,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from snicert.messages import named
from snicert.roles import STAFF_ROLES, Role
from snicert.services import text
from snicert.services.guards import require_role

SYSTEM_EMAIL = "system@snicert.local"
NIB_RE = re.compile(r"^\d{13}$")  # Nomor Induk Berusaha from OSS: 13 digits
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()


def _email(value: str) -> str:
    email = text.clean("email", value, User.email).lower()
    if not EMAIL_RE.match(email):
        raise InvalidInput("email", value, "email_bad")
    return email


PASSWORD_MIN = 8
PERSONAL_MIN = 4  # shorter name or e-mail parts ("Ana", "id") are too common to refuse
REST_MIN = 6  # what a password must hold besides personal words to count as more than them


def _password(value: str | None, *personal: str | None) -> str | None:
    """The one password rule, for every account (registration, staff, changes, resets): the
    argon2 hash of `value`, or None for an account that cannot sign in. Refused: fewer than
    8 characters, one of the 10,000 most common passwords (any case), or little more than
    the person's own name, e-mail or business name (`personal`), e.g. "maria2024"."""
    if value is None:
        return None
    check_password(value, *personal)
    return _hasher.hash(value)


def check_password(value: str, *personal: str | None) -> None:
    """Raise unless `value` passes the password rule (see `_password`); hashes nothing."""
    if len(value) < PASSWORD_MIN:
        raise InvalidInput("password", "***", "pw_short")
    if value.casefold() in _common_passwords():
        raise InvalidInput("password", "***", "pw_common")
    squashed = rest = _squash(value)
    for word in sorted(set(_personal_words(personal)), key=len, reverse=True):
        rest = rest.replace(word, "")
    if rest != squashed and len(rest) < REST_MIN:
        raise InvalidInput("password", "***", "pw_personal")


@cache
def _common_passwords() -> frozenset[str]:
    text = (resources.files("snicert") / "data" / "common-passwords.txt").read_text("utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def _squash(value: str) -> str:
    return re.sub(r"[\W_]+", "", value.casefold())


def _personal_words(values: tuple[str | None, ...]) -> Iterator[str]:
    """Each value whole and its words (an e-mail: its local part), squashed."""
    for value in values:
        if not value:
            continue
        if "@" in value:
            value = value.rsplit("@", 1)[0]
        for word in [value, *re.split(r"[\W_]+", value)]:
            if len(squashed := _squash(word)) >= PERSONAL_MIN:
                yield squashed


@cache
def _dummy_hash() -> str:
    """A hash no password matches, verified when the e-mail has no usable account, so that
    unknown and known e-mails take the same time (argon2 is the cost)."""
    return _hasher.hash(secrets.token_urlsafe(32))


def _filled(field: str, value: str, column: Any) -> str:
    """A required text field: checked like any text, and not empty."""
    value = text.clean(field, value, column)
    if not value:
        raise InvalidInput(field, value, "required")
    return value


def validate_nib(nib: str) -> str:
    nib = text.clean("nib", nib, Business.nib)
    if not NIB_RE.match(nib):
        raise InvalidInput("nib", nib, "nib_bad")
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
    name = text.clean("name", name, User.name, required=True)
    phone = text.optional("phone", phone, User.phone)
    # Hashed before the e-mail is looked up: a taken e-mail costs the same time.
    password_hash = _password(password, name, email, business.name if business else None)
    if s.scalar(select(exists().where(User.email == email))):
        raise AlreadyRegistered("acc_exists", email=email)
    user = User(
        email=email,
        name=name,
        phone=phone,
        password_hash=password_hash,
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
        raise Conflict("acc_official_exists")
    if password is None:
        raise InvalidInput("password", None, "acc_first_needs_pw")
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
        raise PermissionDenied("err_unknown_actor", actor=str(actor))


def _roles(values: Iterable[str]) -> set[Role]:
    roles = set()
    for value in values:
        try:
            role = Role(value.strip().lower())
        except ValueError:
            role = None
        if role not in STAFF_ROLES:
            raise InvalidInput(
                "roles",
                value,
                "acc_staff_roles",
                roles=[named(f"role_{r}") for r in sorted(STAFF_ROLES)],
            )
        roles.add(role)
    if not roles:
        raise InvalidInput("roles", [], "acc_need_role")
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
        raise NotFound("acc_no_account", email=email)
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
    """Deactivate (its sessions end and its API tokens are revoked, so reactivating brings
    none back) or reactivate an account. Refused: deactivating oneself, or the last active
    official."""
    from snicert.services.sessions import sign_out_everywhere  # it imports this module

    _may_manage(actor)
    user = account(s, email)
    if user.active == active:
        raise Conflict("acc_already_active" if active else "acc_already_off", email=user.email)
    if not active:
        if isinstance(actor, User) and actor.id == user.id:
            raise InvalidInput("email", user.email, "acc_not_self")
        if Role.OFFICIAL in user.roles and _active_officials(s, but=user.id) == 0:
            raise Conflict("acc_last_official", email=user.email)
    user.active = active
    if active:
        audit.record(s, actor, "user.enabled", "user", user.id)
    else:
        sign_out_everywhere(s, actor, user, reason="disabled")  # audited as user.disabled
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
    from snicert.services.sessions import sign_out_everywhere  # it imports this module

    _may_manage(actor)
    user = account(s, email)
    code = one_time_code() if password is None else None
    user.password_hash = password_for(user, code or password)
    user.must_change_password = True
    sign_out_everywhere(s, actor, user, reason="password_reset")
    return code


def password_for(user: User, value: str) -> str:
    """The hash of a new password for `user`, by the password rule (with their name, e-mail
    and business name as the personal words it must be more than)."""
    return _password(value, user.name, user.email, user.business.name if user.business else None)


def choose_password(s: Session, user: User, new: str) -> None:
    """First sign-in after an initial password or a one-time code (which signed in once):
    the account's own password. Every session (this one too) and API token ends: the user
    signs in again with it. Changing a known password: sessions.change_password."""
    from snicert.services.sessions import sign_out_everywhere  # it imports this module

    if not user.must_change_password:
        raise Conflict("acc_has_password")
    user.password_hash = password_for(user, new)
    user.must_change_password = False
    sign_out_everywhere(s, user, reason="password_changed")


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
    """Self-registration of a UMKM owner together with their business. Every field is
    checked before anything is refused, so the form can show all its errors at once
    (InvalidFields); a taken e-mail is still answered by `_new_user` (AlreadyRegistered)."""
    problems: list[InvalidInput] = []

    def checked(check: Callable[..., Any], *args: Any) -> Any:
        try:
            return check(*args)
        except InvalidInput as exc:
            problems.append(exc)
            return None

    nib = checked(validate_nib, nib)
    business_name = checked(_filled, "business_name", business_name, Business.name)
    address = checked(_filled, "address", address, Business.address)
    city = checked(_filled, "city", city, Business.city)
    province = checked(_filled, "province", province, Business.province)
    contact = checked(_filled, "name", name, Business.contact_name)
    checked(_filled, "name", name, User.name)  # the account's name column too
    checked(_email, email)
    phone = checked(phones.indonesian_mobile, "phone", phone)  # WhatsApp notifications use it
    if password is not None:
        checked(check_password, password, name, email, business_name)
    if nib is not None and s.scalar(select(exists().where(Business.nib == nib))):
        problems.append(InvalidInput("nib", nib, "nib_taken"))
    if problems:
        raise InvalidFields(problems)
    business = Business(
        name=business_name,
        nib=nib,
        address=address,
        city=city,
        province=province,
        contact_name=contact,
        phone=phone,
        email=_email(email),
        created_at=clock.now(),
    )
    s.add(business)
    user = _new_user(s, email, name, {Role.APPLICANT}, password, business, phone)
    audit.record(s, user, "business.registered", "business", business.id, nib=nib)
    return user


def sign_in_email(value: str) -> str:
    """An e-mail typed at sign-in, as it is looked up and counted: lower case, and at most
    the column's length (longer ones are no account's), storable on every database."""
    return text.harmless(value.strip().lower())[: text.limit_of(User.email)]


def authenticate(s: Session, email: str, password: str) -> User:
    """The user with this e-mail and password. Always one argon2 verification (against a
    dummy hash when there is no usable account), so the answer's time does not tell which
    e-mails have an account."""
    user = s.scalar(select(User).where(User.email == sign_in_email(email)))
    usable = user is not None and user.active and bool(user.password_hash)
    try:
        _hasher.verify(user.password_hash if usable else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        usable = False
    if not usable:
        raise PermissionDenied("bad_login")
    return user


def use_one_time_credential(s: Session, user: User) -> None:
    """An initial password or one-time code signs in once, into choosing one's own: the
    sign-in that opens a session clears it (one conditional UPDATE: of two sign-ins with the
    same code at once, the second is refused)."""
    used = s.execute(
        update(User)
        .where(User.id == user.id, User.password_hash.is_not(None))
        .values(password_hash=None)
    ).rowcount
    if not used:
        raise PermissionDenied("bad_login")
    audit.record(s, user, "user.one_time_credential_used", "user", user.id)


def confirm_identity(s: Session, email: str, password: str) -> User:
    """The account named by `email`, proven by its own password (the CLI's approvals)."""
    user = s.scalar(select(User).where(User.email == email.strip().lower()))
    if user is not None and user.must_change_password:
        raise PermissionDenied("acc_no_own_password", email=user.email)
    return authenticate(s, email, password)
