"""The official's surveillance pages and API: the cases not yet concluded, and one case
with its plan, samples, lab results and site audit; starting it, passing it after
evaluation, failing it (which suspends the certificate). The rules are
services/surveillance.py; the lab's own page of a case is /lab/surveillance/{id}."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from snicert.db import engine as db
from snicert.db.models import Certificate, SurveillanceCase, User
from snicert.lifecycle import SURVEILLANCE_FINAL, SURVEILLANCE_OPEN
from snicert.services import lab, surveillance
from snicert.services.guards import get
from snicert.web.access import Caller, Official
from snicert.web.api import Id, Nothing
from snicert.web.forms import NoteForm
from snicert.web.i18n import lang_of, refusal
from snicert.web.pages import page
from snicert.web.routes.lab import _name, _result_json, _sample_json, parameter_rows
from snicert.web.routes.staff import StaffRoute, see_other

router = APIRouter(route_class=StaffRoute)


def view(s: Session, case: SurveillanceCase, lang: str = "id") -> dict[str, Any]:
    """What the official sees of one case."""
    w = lab.work_of_case(s, case.id, lock=False)
    cert = s.get(Certificate, case.certificate_id)
    a = surveillance.site_audit_of(s, case.id)
    rows = parameter_rows(s, w, lang) if case.checklist_snapshot else []
    return {
        "case": case,
        "cert": cert,
        "app": w.app,
        "holder": cert.data["holder"]["name"],
        "product": _name(w.app.product_snapshot["name"], lang),
        "plan": case.plan,
        "samples": lab.samples_of(s, w.app.id, case.id),
        "rows": rows,
        "failing": [r["id"] for r in rows if r["counted"] and r["counted"].verdict == "nonconform"],
        "audit": a,
        "needs_audit": surveillance.requires_audit(s, case),
        "actions": surveillance.allowed(case),
    }


def _summary(s: Session, case: SurveillanceCase) -> dict[str, Any]:
    cert = s.get(Certificate, case.certificate_id)
    return {
        "id": case.id,
        "certificate_id": case.certificate_id,
        "certificate": cert.number,
        "cycle": case.cycle,
        "due_at": case.due_at.isoformat(),
        "status": case.status,
        "result_note": case.result_note,
    }


@router.get("/surveillance", response_class=HTMLResponse, include_in_schema=False)
def list_page(request: Request, c: Official) -> HTMLResponse:
    lang = lang_of(request)
    with db.reading() as s:
        live = [
            view(s, x, lang) for x in surveillance.cases(s, [v.value for v in SURVEILLANCE_OPEN])
        ]
        done = [
            view(s, x, lang)
            for x in surveillance.cases(s, [v.value for v in SURVEILLANCE_FINAL])[-20:]
        ]
        return page(request, "official_surveillance_list.html.j2", who=c.who, live=live, done=done)


def _page(
    request: Request, c: Caller, case_id: int, status: int = 200, errors=None, form=None
) -> HTMLResponse:
    with db.reading() as s:
        v = view(s, get(s, SurveillanceCase, case_id, "surveillance case"), lang_of(request))
        return page(
            request,
            "official_surveillance.html.j2",
            status_code=status,
            who=c.who,
            v=v,
            errors=errors or {},
            form=form or {},
        )


@router.get("/surveillance/{case_id}", response_class=HTMLResponse, include_in_schema=False)
def case_page(request: Request, case_id: Id, c: Official) -> HTMLResponse:
    return _page(request, c, case_id)


@router.post("/surveillance/{case_id}/start", include_in_schema=False)
def start_post(request: Request, case_id: Id, c: Official) -> Response:
    with db.transaction() as s:
        surveillance.start(s, c.user(s), case_id)
    return see_other(f"/surveillance/{case_id}")


@router.post("/surveillance/{case_id}/{action}", include_in_schema=False)
def conclude_post(
    request: Request,
    case_id: Id,
    action: Literal["pass", "fail"],
    c: Official,
    form: Annotated[NoteForm, Form()],
) -> Response:
    note = form.note

    def step(s: Session, user: User) -> None:
        if action == "pass":
            surveillance.pass_(s, user, case_id, note)
        else:
            surveillance.fail(s, user, case_id, note)

    if exc := c.attempt(step):
        key = f"{action}.{exc.field}"
        return _page(
            request,
            c,
            case_id,
            422,
            {key: refusal(exc, lang_of(request))},
            {f"{action}.note": note},
        )
    return see_other(f"/surveillance/{case_id}")


# --- JSON API -------------------------------------------------------------------------


class NoteIn(BaseModel):
    note: str = Field(default="", max_length=surveillance.NOTE_LIMIT)


@router.get("/api/v1/surveillance/{case_id}", tags=["official"])
def case_api(case_id: Id, c: Official) -> dict[str, Any]:
    """One surveillance case: its status, plan, samples, results and site audit."""
    with db.reading() as s:
        v = view(s, get(s, SurveillanceCase, case_id, "surveillance case"))
        return {
            **_summary(s, v["case"]),
            "plan": v["plan"],
            "samples": [_sample_json(x) for x in v["samples"]],
            "parameters": [
                {
                    "id": r["id"],
                    "status": r["status"],
                    "counted": _result_json(r["counted"]) if r["counted"] else None,
                }
                for r in v["rows"]
            ],
            "nonconforming": v["failing"],
            "site_audit": (
                {"id": v["audit"].id, "state": v["audit"].state} if v["audit"] else None
            ),
            "actions": v["actions"],
        }


@router.post("/api/v1/surveillance/{case_id}/start", tags=["official"])
def start_api(case_id: Id, c: Official, nothing: Nothing = None) -> dict[str, Any]:
    """Start an opened surveillance: its plan and checklist are frozen, samples planned."""
    with db.transaction() as s:
        return _summary(s, surveillance.start(s, c.user(s), case_id))


@router.post("/api/v1/surveillance/{case_id}/pass", tags=["official"])
def pass_api(case_id: Id, body: NoteIn, c: Official) -> dict[str, Any]:
    """Pass an evaluated surveillance (every result conforms, the site audit passed)."""
    with db.transaction() as s:
        return _summary(s, surveillance.pass_(s, c.user(s), case_id, body.note))


@router.post("/api/v1/surveillance/{case_id}/fail", tags=["official"])
def fail_api(case_id: Id, body: NoteIn, c: Official) -> dict[str, Any]:
    """Fail a surveillance with its reason: the certificate is suspended."""
    with db.transaction() as s:
        return _summary(s, surveillance.fail(s, c.user(s), case_id, body.note))
