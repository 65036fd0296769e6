"""Lookups and guards shared by the services."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert import messages
from snicert.db.models import Application, Base, User
from snicert.errors import NotFound, PermissionDenied
from snicert.roles import Role

M = TypeVar("M", bound=Base)


def thing(name: str) -> dict[str, str]:
    """What was looked for ("site audit"), as a text's parameter in every language."""
    key = f"thing_{name.replace(' ', '_')}"
    return messages.named(key) if messages.has(key) else {"id": name, "en": name}


def roles_params(need: object, actor: User) -> dict[str, object]:
    """The parameters of err_needs_role: the roles a step needs and those `actor` has."""
    have = sorted(actor.roles)
    return {
        "need": [messages.named(f"role_{r}") for r in sorted(need)],  # type: ignore[call-overload]
        "who": actor.email,
        "have": [messages.named(f"role_{r}") for r in have] or messages.named("role_none"),
    }


def get(s: Session, model: type[M], ident: int, what: str | None = None) -> M:
    obj = s.get(model, ident)
    if obj is None:
        raise NotFound("not_found", what=thing(what or model.__tablename__[:-1]), ident=ident)
    return obj


def application(s: Session, app_id: int, lock: bool = False) -> Application:
    """The application; with lock=True its row stays locked until the transaction ends
    (taken once per transaction: a second lock request would only re-read the row)."""
    locked: set[int] = s.info.setdefault("snicert_locked", set())
    app = s.get(Application, app_id, with_for_update=lock and app_id not in locked)
    if app is None:
        raise NotFound("not_found", what=thing("application"), ident=app_id)
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
        raise NotFound("not_found", what=thing("application"), ident=app_id)
    return app


def user_by_email(s: Session, email: str) -> User:
    user = s.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        raise NotFound("not_found_user", email=email)
    return user


def require_role(actor: User, *roles: Role) -> None:
    if not actor.roles & set(roles):
        raise PermissionDenied("err_needs_role", **roles_params(roles, actor))


def require_owner(actor: User, app: Application) -> None:
    """Applicants act only on their own business's applications."""
    if Role.APPLICANT in actor.roles and actor.business_id == app.business_id:
        return
    raise PermissionDenied("err_not_owner", who=actor.email, case=app.number or str(app.id))


def can_see(actor: User, app: Application) -> bool:
    if actor.roles - {Role.APPLICANT}:
        return True  # staff see every case
    return actor.business_id == app.business_id
