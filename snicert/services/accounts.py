"""Businesses and user accounts."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from snicert import audit, clock
from snicert.db.models import Business, User, UserRole
from snicert.errors import AlreadyRegistered, Conflict, InvalidInput, PermissionDenied
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
        raise InvalidInput("email", value, "not an e-mail address")
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
    if len(value) < PASSWORD_MIN:
        raise InvalidInput("password", "***", f"must have at least {PASSWORD_MIN} characters")
    if value.casefold() in _common_passwords():
        raise InvalidInput(
            "password", "***", "is one of the 10,000 most common passwords; choose another"
        )
    squashed = rest = _squash(value)
    for word in sorted(set(_personal_words(personal)), key=len, reverse=True):
        rest = rest.replace(word, "")
    if rest != squashed and len(rest) < REST_MIN:
        raise InvalidInput("password", "***", "is too close to your name, e-mail or business name")
    return _hasher.hash(value)


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


def validate_nib(nib: str) -> str:
    nib = text.clean("nib", nib, Business.nib)
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
    name = text.clean("name", name, User.name, required="must not be empty")
    phone = text.optional("phone", phone, User.phone)
    # Hashed before the e-mail is looked up: a taken e-mail costs the same time.
    password_hash = _password(password, name, email, business.name if business else None)
    if s.scalar(select(exists().where(User.email == email))):
        raise AlreadyRegistered(f"a user with e-mail {email} already exists")
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


def bootstrap_official(s: Session, email: str, name: str, password: str | None) -> User:
    """Create the first official (`snicert init`); refused once any official exists."""
    has_official = s.scalar(select(exists().where(UserRole.role == Role.OFFICIAL.value)))
    if has_official:
        existing = s.scalar(select(User).where(User.email == _email(email)))
        if existing is not None and Role.OFFICIAL in existing.roles:
            return existing  # init run again: nothing to do
        raise Conflict("an official already exists; officials create further staff accounts")
    user = _new_user(s, email, name, {Role.OFFICIAL}, password)
    audit.record(
        s, None, "user.created", "user", user.id, roles=[Role.OFFICIAL.value], bootstrap=True
    )
    return user


def create_staff(
    s: Session, actor: User, email: str, name: str, roles: set[Role], password: str | None = None
) -> User:
    require_role(actor, Role.OFFICIAL)
    bad = set(roles) - STAFF_ROLES
    if not roles or bad:
        raise InvalidInput(
            "roles", sorted(roles), f"staff roles are {', '.join(sorted(STAFF_ROLES))}"
        )
    user = _new_user(s, email, name, roles, password)
    audit.record(s, actor, "user.created", "user", user.id, roles=sorted(roles))
    return user


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
    business_name = text.clean(
        "business_name", business_name, Business.name, required="must not be empty"
    )
    address = text.clean("address", address, Business.address, required="must not be empty")
    city = text.clean("city", city, Business.city, required="must not be empty")
    province = text.clean("province", province, Business.province, required="must not be empty")
    contact = text.clean("name", name, Business.contact_name, required="must not be empty")
    phone = text.optional("phone", phone, Business.phone)
    if s.scalar(select(exists().where(Business.nib == nib))):
        raise Conflict(f"a business with NIB {nib} is already registered")
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


def authenticate(s: Session, email: str, password: str) -> User:
    """The user with this e-mail and password. Always one argon2 verification (against a
    dummy hash when there is no usable account), so the answer's time does not tell which
    e-mails have an account."""
    user = s.scalar(select(User).where(User.email == email.strip().lower()))
    usable = user is not None and user.active and bool(user.password_hash)
    try:
        _hasher.verify(user.password_hash if usable else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        usable = False
    if not usable:
        raise PermissionDenied("wrong e-mail or password")
    return user
