"""Lookups and guards shared by the services."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert.db.models import Application, Base, User
from snicert.errors import NotFound, PermissionDenied
from snicert.roles import Role

M = TypeVar("M", bound=Base)


def get(s: Session, model: type[M], ident: int, what: str | None = None) -> M:
    obj = s.get(model, ident)
    if obj is None:
        raise NotFound(f"{what or model.__tablename__[:-1]} {ident} not found")
    return obj


def application(s: Session, app_id: int, lock: bool = False) -> Application:
    """The application; with lock=True its row stays locked until the transaction ends
    (taken once per transaction: a second lock request would only re-read the row)."""
    locked: set[int] = s.info.setdefault("snicert_locked", set())
    app = s.get(Application, app_id, with_for_update=lock and app_id not in locked)
    if app is None:
        raise NotFound(f"application {app_id} not found")
    if lock:
        locked.add(app_id)
    # The session's identity map holds objects weakly: without a reference kept here, a
    # service called once per lab result reloaded the application (and decoded its JSON
    # snapshots) every time, ~35 times per application in the demo.
    s.info.setdefault("snicert_applications", {})[app_id] = app
    return app


def submitted_case(s: Session, app_id: int) -> Application:
    """An application as staff see it: a draft is its owner's alone (not yet a case, and it
    has no product or checklist snapshot), so staff get NotFound for it."""
    app = application(s, app_id)
    if app.state == "draft":
        raise NotFound(f"application {app_id} not found (not submitted yet)")
    return app


def user_by_email(s: Session, email: str) -> User:
    user = s.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        raise NotFound(f"no active user {email!r}")
    return user


def require_role(actor: User, *roles: Role) -> None:
    if not actor.roles & set(roles):
        need = " or ".join(sorted(roles))
        raise PermissionDenied(
            f"this step needs the role {need}; {actor.email} has "
            f"{', '.join(sorted(actor.roles)) or 'none'}"
        )


def require_owner(actor: User, app: Application) -> None:
    """Applicants act only on their own business's applications."""
    if Role.APPLICANT in actor.roles and actor.business_id == app.business_id:
        return
    raise PermissionDenied(
        f"{actor.email} does not act for the business of application {app.number}"
    )


def can_see(actor: User, app: Application) -> bool:
    if actor.roles - {Role.APPLICANT}:
        return True  # staff see every case
    return actor.business_id == app.business_id
