"""Officials' administration: staff accounts (/admin/users, /api/v1/users) and checklist
versions (/admin/checklists, /api/v1/checklists). Each change goes through snicert.services
(audited there)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert.db import engine as db
from snicert.db.models import ChecklistVersion, User
from snicert.errors import Conflict, InvalidInput
from snicert.roles import STAFF_ROLES, Role
from snicert.services import accounts, checklists
from snicert.services.guards import get
from snicert.web.access import Caller, Official
from snicert.web.api import Id, Nothing
from snicert.web.forms import FieldsForm
from snicert.web.i18n import lang_of, refusal
from snicert.web.pages import error_page, page
from snicert.web.routes.staff import StaffRoute, see_other

router = APIRouter(route_class=StaffRoute)
ROLE_ORDER = [r.value for r in Role if r in STAFF_ROLES]


# --- staff accounts ---------------------------------------------------------------------


def _users_page(
    request: Request,
    c: Caller,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    handed: dict[str, str] | None = None,
) -> HTMLResponse:
    """The staff list and the new-account form; `handed`: a one-time code to hand over."""
    with db.reading() as s:
        return page(
            request,
            "admin_users.html.j2",
            status_code=status_code,
            who=c.who,
            users=accounts.staff(s),
            roles=ROLE_ORDER,
            errors=errors or {},
            form=form or {},
            handed=handed,
        )


@router.get("/admin/users", response_class=HTMLResponse, include_in_schema=False)
def users_page(request: Request, c: Official) -> HTMLResponse:
    return _users_page(request, c)


class StaffForm(FieldsForm):
    """A new staff account; its roles are checkboxes `role.<role>`."""

    email: str = ""
    name: str = ""


@router.post("/admin/users", include_in_schema=False)
def create_user(request: Request, c: Official, sent: Annotated[StaffForm, Form()]) -> Response:
    roles = [r for r in ROLE_ORDER if sent.fields.get(f"role.{r}")]  # one checkbox per role
    form = {**sent.typed(), "roles": roles}
    try:
        with db.transaction() as s:
            user, code = accounts.create_staff(s, c.user(s), sent.email, sent.name, roles)
            handed = {"email": user.email, "code": code or ""}
    except InvalidInput as exc:
        return _users_page(request, c, 422, {exc.field: refusal(exc, lang_of(request))}, form)
    except Conflict as exc:  # the e-mail is taken
        return _users_page(request, c, 409, {"email": refusal(exc, lang_of(request))}, form)
    return _users_page(request, c, 201, handed=handed)


@router.post("/admin/users/{user_id}/{action}", include_in_schema=False)
def change_user(request: Request, user_id: Id, action: str, c: Official) -> Response:
    """disable, enable, or reset (a one-time code to hand over)."""
    if action not in ("disable", "enable", "reset"):
        return error_page(request, 404)
    with db.transaction() as s:
        email = get(s, User, user_id).email
        if action == "reset":
            code = accounts.reset_password(s, c.user(s), email)
        else:
            accounts.set_active(s, c.user(s), email, action == "enable")
            return see_other("/admin/users")
    return _users_page(request, c, handed={"email": email, "code": code or ""})


class StaffIn(BaseModel):
    email: str
    name: str
    roles: list[str]  # official, sampler, lab_analyst, lab_verifier, auditor (service checks)


def _user_json(u: User) -> dict[str, Any]:
    return {
        "id": u.id,
        "email": u.email,
        "name": u.name,
        "roles": sorted(u.roles),
        "active": u.active,
        "must_change_password": u.must_change_password,
    }


@router.get("/api/v1/users", tags=["official"])
def users_api(c: Official) -> list[dict[str, Any]]:
    """Staff accounts (e-mail, name, roles, active, password still to be chosen)."""
    with db.reading() as s:
        return [_user_json(u) for u in accounts.staff(s)]


@router.post("/api/v1/users", tags=["official"], status_code=201)
def create_user_api(body: StaffIn, c: Official) -> dict[str, Any]:
    """A staff account; its one-time code (shown once) signs in once, to choose a password."""
    with db.transaction() as s:
        user, code = accounts.create_staff(s, c.user(s), body.email, body.name, body.roles)
        return {**_user_json(user), "one_time_code": code}


@router.post("/api/v1/users/{user_id}/{action}", tags=["official"])
def change_user_api(
    user_id: Id, action: Literal["disable", "enable", "reset"], c: Official, nothing: Nothing = None
) -> dict[str, Any]:
    """Deactivate, reactivate, or reset the password (a new one-time code, shown once; the
    account's sessions and API tokens end)."""
    with db.transaction() as s:
        user = get(s, User, user_id)
        code = None
        if action == "reset":
            code = accounts.reset_password(s, c.user(s), user.email)
        else:
            accounts.set_active(s, c.user(s), user.email, action == "enable")
        return {**_user_json(user), **({"one_time_code": code} if code else {})}


# --- checklist versions -----------------------------------------------------------------


def checklist_rows(s: Session) -> list[dict[str, Any]]:
    """Every loaded version, its state, who approved it, and what a draft changes."""
    rows = checklists.versions(s)
    names = dict(
        s.execute(
            select(User.id, User.name).where(
                User.id.in_({v.approved_by for v in rows if v.approved_by})
            )
        ).all()
    )
    return [
        {
            "row": v,
            "approved_by": names.get(v.approved_by),
            "changes": checklists.changes(s, v) if v.status == "draft" else None,
        }
        for v in rows
    ]


@router.get("/admin/checklists", response_class=HTMLResponse, include_in_schema=False)
def checklists_page(request: Request, c: Official) -> HTMLResponse:
    with db.reading() as s:
        return page(request, "admin_checklists.html.j2", who=c.who, rows=checklist_rows(s))


@router.post("/admin/checklists/{version_id}/approve", include_in_schema=False)
def approve_checklist(version_id: Id, c: Official) -> Response:
    with db.transaction() as s:
        row = get(s, ChecklistVersion, version_id, "checklist version")
        checklists.approve(s, c.user(s), row.product, row.version, row.kind)
    return see_other("/admin/checklists")


def _version_json(x: dict[str, Any]) -> dict[str, Any]:
    v = x["row"]
    return {
        "id": v.id,
        "kind": v.kind,
        "product": v.product,
        "version": v.version,
        "status": v.status,
        "sha256": v.sha256,
        "loaded_at": v.loaded_at,
        "approved_by": x["approved_by"],
        "approved_at": v.approved_at,
        "changes": x["changes"],
    }


@router.get("/api/v1/checklists", tags=["official"])
def checklists_api(c: Official) -> list[dict[str, Any]]:
    """Every loaded checklist version, its state and, for a draft, what it changes against
    the approved version (each change as [field, before, after])."""
    with db.reading() as s:
        return [_version_json(x) for x in checklist_rows(s)]


@router.post("/api/v1/checklists/{version_id}/approve", tags=["official"])
def approve_checklist_api(version_id: Id, c: Official, nothing: Nothing = None) -> dict[str, Any]:
    """Approve a draft version as the calling official; it is frozen from then on."""
    with db.transaction() as s:
        row = get(s, ChecklistVersion, version_id, "checklist version")
        checklists.approve(s, c.user(s), row.product, row.version, row.kind)
        return _version_json({"row": row, "approved_by": c.who.name, "changes": None})
