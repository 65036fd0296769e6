"""Impartiality and competence pages and API (ISO/IEC 17065 §4.2, §6.1): staff declare
their own conflicts of interest at /me/conflicts (and see their qualifications); officials
see everyone's at /admin/impartiality, declare and close conflicts, record and withdraw
qualifications. Every change goes through snicert.services.impartiality (audited there)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert import settings
from snicert.catalog import default_catalog
from snicert.db import engine as db
from snicert.db.models import Business, StaffConflict, StaffQualification, User
from snicert.errors import InvalidInput, PermissionDenied
from snicert.roles import STAFF_ROLES, Role
from snicert.services import accounts, dates, impartiality
from snicert.services.guards import get
from snicert.services.text import LONG_TEXT
from snicert.web.access import Caller, Official, allow
from snicert.web.api import MAX_ID, Id
from snicert.web.forms import PageForm, ReasonForm
from snicert.web.i18n import lang_of, refusal
from snicert.web.pages import page
from snicert.web.routes.staff import StaffRoute, see_other

router = APIRouter(route_class=StaffRoute)
RowId = Annotated[int, Field(ge=1, le=MAX_ID, examples=[1])]
Text = Annotated[str, Field(max_length=LONG_TEXT)]
Staff = Annotated[Caller, Depends(allow(*STAFF_ROLES))]


def _day(field: str, value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(field, value, "imp_err_date") from None


def _int(field: str, value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        raise InvalidInput(field, value, "imp_err_choose") from None


def _status(q: StaffQualification, today: date) -> str:
    """current, pending (not yet valid), expired, superseded or withdrawn."""
    if q.state != "current":
        return q.state
    if q.valid_from > today:
        return "pending"
    if q.valid_until is not None and q.valid_until < today:
        return "expired"
    return "current"


def _context(s: Session, lang: str, user_id: int | None) -> dict[str, Any]:
    """What both pages show: conflicts and qualifications (one person's, or everyone's)."""
    names = {u.id: u for u in accounts.staff(s)}
    businesses = list(s.scalars(select(Business).order_by(Business.name)))
    products = {
        code: p.name.model_dump().get(lang) or code
        for code, p in sorted(default_catalog().products.items())
    }
    today = dates.today()
    return {
        "conflicts": [
            {"row": c, "user": names.get(c.user_id), "business": s.get(Business, c.business_id)}
            for c in impartiality.conflicts(s, user_id)
        ],
        "qualifications": [
            {"row": q, "user": names.get(q.user_id), "status": _status(q, today)}
            for q in impartiality.qualifications(s, user_id)
            if q.state != "superseded"
        ],
        "matrix": _matrix(s, names, user_id, today),
        "staff": [u for u in names.values() if u.active],
        "businesses": businesses,
        "products": products,
        "kinds": impartiality.KINDS,
        "functions": [f.value for f in impartiality.Function],
        "required": settings.current().require_qualifications,
    }


def _matrix(
    s: Session, names: dict[int, User], user_id: int | None, today: date
) -> list[dict[str, Any]]:
    """One line per person and function, its latest qualification per product (current,
    else the last withdrawn)."""
    lines: dict[tuple[int, str], dict[str, Any]] = {}
    for q in impartiality.qualifications(s, user_id):  # newest first per product
        if q.state == "superseded" or q.user_id not in names:
            continue
        line = lines.setdefault(
            (q.user_id, q.function),
            {"user": names[q.user_id], "function": q.function, "cells": {}},
        )
        cell = line["cells"].get(q.product)
        if cell is None or (cell["row"].state != "current" and q.state == "current"):
            line["cells"][q.product] = {"row": q, "status": _status(q, today)}
    order = [f.value for f in impartiality.Function]
    return sorted(
        lines.values(), key=lambda x: (x["user"].name.lower(), order.index(x["function"]))
    )


def _page(
    request: Request,
    c: Caller,
    template: str,
    mine: bool,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    with db.reading() as s:
        ctx = _context(s, lang_of(request), c.who.user_id if mine else None)
        return page(
            request,
            template,
            status_code=status_code,
            who=c.who,
            errors=errors or {},
            form=form or {},
            **ctx,
        )


def _attempt(
    request: Request,
    c: Caller,
    step,
    template: str,
    mine: bool,
    back: str,
    form: PageForm,
) -> Response:
    try:
        with db.transaction() as s:
            step(s, c.user(s))
    except InvalidInput as exc:
        errors = {exc.field: refusal(exc, lang_of(request))}
        return _page(request, c, template, mine, 422, errors, form.typed())
    return see_other(back)


class ConflictForm(PageForm):
    user_id: str = ""  # an official declaring for someone else
    business_id: str = ""
    kind: str = ""
    period_from: str = ""
    period_until: str = ""
    note: str = ""


class QualificationForm(PageForm):
    user_id: str = ""
    function: str = ""
    product: str = ""
    evidence: str = ""
    valid_from: str = ""
    valid_until: str = ""


def _declare(s: Session, actor: User, user: User, form: ConflictForm) -> StaffConflict:
    return impartiality.declare_conflict(
        s,
        actor,
        user,
        _int("business_id", form.business_id),
        form.kind,
        _day("period_from", form.period_from),
        _day("period_until", form.period_until),
        form.note or None,
    )


# --- a staff member's own ---------------------------------------------------------------


@router.get("/me/conflicts", response_class=HTMLResponse, include_in_schema=False)
def my_page(request: Request, c: Staff) -> HTMLResponse:
    return _page(request, c, "impartiality_mine.html.j2", True)


@router.post("/me/conflicts", include_in_schema=False)
def my_declare(request: Request, c: Staff, form: Annotated[ConflictForm, Form()]) -> Response:
    return _attempt(
        request,
        c,
        lambda s, me: _declare(s, me, me, form),
        "impartiality_mine.html.j2",
        True,
        "/me/conflicts",
        form,
    )


# --- officials --------------------------------------------------------------------------


@router.get("/admin/impartiality", response_class=HTMLResponse, include_in_schema=False)
def admin_page(request: Request, c: Official) -> HTMLResponse:
    return _page(request, c, "impartiality_admin.html.j2", False)


@router.post("/admin/impartiality/conflicts", include_in_schema=False)
def admin_declare(request: Request, c: Official, form: Annotated[ConflictForm, Form()]) -> Response:
    def step(s: Session, me: User) -> None:
        user = get(s, User, _int("user_id", form.user_id), "user")
        _declare(s, me, user, form)

    return _attempt(
        request, c, step, "impartiality_admin.html.j2", False, "/admin/impartiality", form
    )


@router.post("/admin/impartiality/conflicts/{conflict_id}/close", include_in_schema=False)
def admin_close(
    request: Request, conflict_id: Id, c: Official, form: Annotated[ReasonForm, Form()]
) -> Response:
    return _attempt(
        request,
        c,
        lambda s, me: impartiality.close_conflict(s, me, conflict_id, form.reason),
        "impartiality_admin.html.j2",
        False,
        "/admin/impartiality",
        form,
    )


@router.post("/admin/impartiality/qualifications", include_in_schema=False)
def admin_qualify(
    request: Request, c: Official, form: Annotated[QualificationForm, Form()]
) -> Response:
    def step(s: Session, me: User) -> None:
        user = get(s, User, _int("user_id", form.user_id), "user")
        impartiality.qualify(
            s,
            me,
            user,
            form.function,
            form.product,
            form.evidence,
            _day("valid_from", form.valid_from),
            _day("valid_until", form.valid_until),
        )

    return _attempt(
        request, c, step, "impartiality_admin.html.j2", False, "/admin/impartiality", form
    )


@router.post(
    "/admin/impartiality/qualifications/{qualification_id}/withdraw", include_in_schema=False
)
def admin_withdraw(
    request: Request, qualification_id: Id, c: Official, form: Annotated[ReasonForm, Form()]
) -> Response:
    return _attempt(
        request,
        c,
        lambda s, me: impartiality.withdraw_qualification(s, me, qualification_id, form.reason),
        "impartiality_admin.html.j2",
        False,
        "/admin/impartiality",
        form,
    )


# --- API --------------------------------------------------------------------------------


class ConflictIn(BaseModel):
    business_id: RowId
    kind: Annotated[str, Field(max_length=20)]  # ownership, relationship or consulting
    period_from: date | None = None
    period_until: date | None = None  # consulting: when it ended (counts two years more)
    note: Text | None = None
    user_id: RowId | None = None  # officials: declare for someone else


class ReasonIn(BaseModel):
    reason: Text


class QualificationIn(BaseModel):
    user_id: RowId
    # reviewer, sampler, lab_analyst, lab_verifier, auditor, evaluator or decider
    function: Annotated[str, Field(max_length=20)]
    product: Annotated[str, Field(max_length=64)]  # a catalog product code
    evidence: Text
    valid_from: date | None = None  # default: today
    valid_until: date | None = None  # default: until withdrawn


def _conflict_json(c: StaffConflict) -> dict[str, Any]:
    return {
        "id": c.id,
        "user_id": c.user_id,
        "business_id": c.business_id,
        "kind": c.kind,
        "period_from": c.period_from,
        "period_until": c.period_until,
        "declared_on": c.declared_on,
        "note": c.note,
        "state": c.state,
        "counts_today": impartiality.counts(c, dates.today()),
        "close_reason": c.close_reason,
    }


def _qualification_json(q: StaffQualification) -> dict[str, Any]:
    return {
        "id": q.id,
        "user_id": q.user_id,
        "function": q.function,
        "product": q.product,
        "valid_from": q.valid_from,
        "valid_until": q.valid_until,
        "evidence": q.evidence,
        "state": q.state,
        "status": _status(q, dates.today()),
    }


def _scope(c: Caller) -> int | None:
    """Officials see everyone's; other staff their own."""
    return None if Role.OFFICIAL in c.who.roles else c.who.user_id


@router.get("/api/v1/conflicts", tags=["staff"])
def conflicts_api(c: Staff) -> list[dict[str, Any]]:
    """Declared conflicts of interest: your own (officials: everyone's)."""
    with db.reading() as s:
        return [_conflict_json(x) for x in impartiality.conflicts(s, _scope(c))]


@router.post("/api/v1/conflicts", tags=["staff"], status_code=201)
def declare_api(body: ConflictIn, c: Staff) -> dict[str, Any]:
    """Declare a conflict of interest with a business: your own, or (officials) someone's."""
    with db.transaction() as s:
        me = c.user(s)
        user = me if body.user_id in (None, me.id) else get(s, User, body.user_id, "user")
        if user.id != me.id and Role.OFFICIAL not in me.roles:
            raise PermissionDenied("imp_err_own_only")
        row = impartiality.declare_conflict(
            s, me, user, body.business_id, body.kind, body.period_from, body.period_until, body.note
        )
        return _conflict_json(row)


@router.post("/api/v1/conflicts/{conflict_id}/close", tags=["official"])
def close_api(conflict_id: Id, body: ReasonIn, c: Official) -> dict[str, Any]:
    """Close a declared conflict that no longer applies, saying why."""
    with db.transaction() as s:
        return _conflict_json(impartiality.close_conflict(s, c.user(s), conflict_id, body.reason))


@router.get("/api/v1/qualifications", tags=["staff"])
def qualifications_api(c: Staff) -> list[dict[str, Any]]:
    """Qualifications (function, product, validity, evidence): your own (officials:
    everyone's)."""
    with db.reading() as s:
        return [_qualification_json(q) for q in impartiality.qualifications(s, _scope(c))]


@router.post("/api/v1/qualifications", tags=["official"], status_code=201)
def qualify_api(body: QualificationIn, c: Official) -> dict[str, Any]:
    """Record a qualification; the same terms again change nothing, others supersede."""
    with db.transaction() as s:
        user = get(s, User, body.user_id, "user")
        q = impartiality.qualify(
            s,
            c.user(s),
            user,
            body.function,
            body.product,
            body.evidence,
            body.valid_from,
            body.valid_until,
        )
        return _qualification_json(q)


@router.post("/api/v1/qualifications/{qualification_id}/withdraw", tags=["official"])
def withdraw_api(qualification_id: Id, body: ReasonIn, c: Official) -> dict[str, Any]:
    """Withdraw a qualification, saying why."""
    with db.transaction() as s:
        q = impartiality.withdraw_qualification(s, c.user(s), qualification_id, body.reason)
        return _qualification_json(q)


@router.get("/api/v1/applications/{app_id}/may-act", tags=["official"])
def may_act_api(
    app_id: Id,
    function: Annotated[str, Query(max_length=20)],
    user_id: Annotated[int, Query(ge=1, le=MAX_ID)],
    c: Official,
) -> dict[str, Any]:
    """Whether a staff member may act in a function on a case today, and why not."""
    from snicert.services.guards import submitted_case

    with db.reading() as s:
        app = submitted_case(s, app_id)
        user = get(s, User, user_id, "user")
        why = impartiality.may_act(s, user, function, app)
        return {
            "may": not why,
            "reasons": [{"key": r.key, "text": r.english, **r.params} for r in why],
        }
