"""Businesses and user accounts."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from snicert import audit, clock
from snicert.db.models import Business, User, UserRole
from snicert.errors import Conflict, InvalidInput, PermissionDenied
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


def _password(value: str | None) -> str | None:
    if value is None:
        return None
    if len(value) < 8:
        raise InvalidInput("password", "***", "must have at least 8 characters")
    return _hasher.hash(value)


def validate_nib(nib: str) -> str:
    nib = text.clean("nib", nib, Business.nib)
    if not NIB_RE.match(nib):
        raise InvalidInput("nib", nib, "an NIB has exactly 13 digits")
    return nib


def _new_user(s: Session, email: str, name: str, roles: set[Role], password: str | None,
              business: Business | None = None, phone: str | None = None) -> User:
    email = _email(email)
    name = text.clean("name", name, User.name, required="must not be empty")
    phone = text.optional("phone", phone, User.phone)
    if s.scalar(select(exists().where(User.email == email))):
        raise Conflict(f"a user with e-mail {email} already exists")
    user = User(email=email, name=name, phone=phone, password_hash=_password(password),
                active=True, business=business, created_at=clock.now(),
                role_rows=[UserRole(role=r.value) for r in sorted(roles)])
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
    audit.record(s, None, "user.created", "user", user.id, roles=[Role.OFFICIAL.value],
                 bootstrap=True)
    return user


def create_staff(s: Session, actor: User, email: str, name: str, roles: set[Role],
                 password: str | None = None) -> User:
    require_role(actor, Role.OFFICIAL)
    bad = set(roles) - STAFF_ROLES
    if not roles or bad:
        raise InvalidInput("roles", sorted(roles),
                           f"staff roles are {', '.join(sorted(STAFF_ROLES))}")
    user = _new_user(s, email, name, roles, password)
    audit.record(s, actor, "user.created", "user", user.id, roles=sorted(roles))
    return user


def register_applicant(s: Session, *, email: str, name: str, password: str | None,
                       business_name: str, nib: str, address: str, city: str = "Kota Kupang",
                       province: str = "Nusa Tenggara Timur", phone: str | None = None) -> User:
    """Self-registration of a UMKM owner together with their business."""
    nib = validate_nib(nib)
    business_name = text.clean("business_name", business_name, Business.name,
                               required="must not be empty")
    address = text.clean("address", address, Business.address, required="must not be empty")
    city = text.clean("city", city, Business.city, required="must not be empty")
    province = text.clean("province", province, Business.province, required="must not be empty")
    contact = text.clean("name", name, Business.contact_name, required="must not be empty")
    phone = text.optional("phone", phone, Business.phone)
    if s.scalar(select(exists().where(Business.nib == nib))):
        raise Conflict(f"a business with NIB {nib} is already registered")
    business = Business(name=business_name, nib=nib, address=address, city=city,
                        province=province, contact_name=contact, phone=phone,
                        email=_email(email), created_at=clock.now())
    s.add(business)
    user = _new_user(s, email, name, {Role.APPLICANT}, password, business, phone)
    audit.record(s, user, "business.registered", "business", business.id, nib=nib)
    return user


def authenticate(s: Session, email: str, password: str) -> User:
    user = s.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active or not user.password_hash:
        raise PermissionDenied("wrong e-mail or password")
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise PermissionDenied("wrong e-mail or password") from None
    return user
