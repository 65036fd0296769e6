"""Complaints and appeals on the web: the public complaint form and tracking page (no
sign-in), their API twins, the applicant's appeal (application page and API) and the
officials' list and handling pages. No rule lives here: snicert/services/complaints.py and
snicert/services/appeals.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from snicert import settings
from snicert.db import engine as db
from snicert.db.models import Appeal, Application, Certificate, Complaint, User
from snicert.errors import InvalidInput, NotFound, TooManyAttempts
from snicert.services import appeals, complaints
from snicert.services.guards import get
from snicert.services.text import limit_of
from snicert.web.access import Caller, Official, OwnCase
from snicert.web.api import Id
from snicert.web.auth import check_pre_csrf, client_address
from snicert.web.forms import PageForm
from snicert.web.i18n import lang_of, refusal
from snicert.web.pages import form_page, page, too_many_page
from snicert.web.routes.staff import StaffRoute, see_other

router = APIRouter()
staff = APIRouter(route_class=StaffRoute)
FIELDS = ("subject", "certificate_number", "text", "contact_name", "contact_email", "contact_phone")
PAGE_PATH = "/complaints/new"  # the form's POST is taken from anyone (web.bodies)
API_PATH = "/api/v1/complaints"


# ---------------------------------------------------------------- public: complaints


def _new_form(
    request: Request, form: dict[str, str], errors: dict[str, str], status: int = 200
) -> HTMLResponse:
    return form_page(
        request,
        "complaint_new.html.j2",
        status,
        form=form,
        errors=errors,
        limits=_limits(),
        fields=FIELDS,
    )


def _limits() -> dict[str, int]:
    return {
        "text": limit_of(Complaint.text),
        "contact_name": limit_of(Complaint.contact_name),
        "contact_email": limit_of(Complaint.contact_email),
    }


@router.get(PAGE_PATH, response_class=HTMLResponse, include_in_schema=False)
def complaint_form(request: Request, certificate: str = "") -> HTMLResponse:
    form = {"subject": "certificate" if certificate else "", "certificate_number": certificate}
    return _new_form(request, {k: v[:40] for k, v in form.items()}, {})


@router.post(PAGE_PATH, include_in_schema=False)
def complaint_post(
    request: Request,
    subject: str = Form(""),
    certificate_number: str = Form(""),
    text: str = Form(""),
    contact_name: str = Form(""),
    contact_email: str = Form(""),
    contact_phone: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    check_pre_csrf(request, csrf_token)
    form = dict(
        zip(
            FIELDS,
            (subject, certificate_number, text, contact_name, contact_email, contact_phone),
            strict=True,
        )
    )
    try:
        with db.transaction() as s:
            _, code = complaints.file(
                s,
                client_address(request),
                subject=subject,
                certificate_number=certificate_number,
                text_=text,
                contact_name=contact_name,
                contact_email=contact_email,
                contact_phone=contact_phone,
                lang=lang_of(request),
            )
    except TooManyAttempts as exc:
        return too_many_page(request, exc)
    except InvalidInput as exc:
        return _new_form(request, form, {exc.field: refusal(exc, lang_of(request))}, 422)
    return RedirectResponse(f"/complaints/{code}?new=1", status_code=303)


def _public(s: Session, row: Complaint) -> dict[str, Any]:
    """What the tracking page and API show: status and the public outcome, nothing about
    the complainant, the handler or the investigation."""
    cert = complaints.certificate_of(s, row)
    return {
        "number": row.number,
        "status": row.state,
        "subject": row.subject,
        "certificate_number": cert.number if cert else None,
        "filed_at": row.filed_at,
        "acknowledged_at": row.filed_at,
        "outcome": row.outcome,
        "public_outcome": row.public_outcome,
        "closed_at": row.closed_at,
    }


@router.get("/complaints/{code}", response_class=HTMLResponse, include_in_schema=False)
def tracking_page(request: Request, code: str, new: str = "") -> HTMLResponse:
    with db.reading() as s:
        try:
            info = _public(s, complaints.track(s, code[:60]))
        except NotFound:
            return page(request, "complaint_track.html.j2", status_code=404, c=None, code="")
    return page(
        request,
        "complaint_track.html.j2",
        c=info,
        code=code.upper() if new else "",
        local=settings.local_time,
    )


class ComplaintIn(BaseModel):
    """A complaint from anyone: about a certificate (its product or holder; give its
    number) or about the LSPro. Contact details are optional and never published."""

    subject: Literal["certificate", "lspro"]
    certificate_number: str | None = Field(None, max_length=40, examples=["SNI-ABN-2026-0001"])
    text: str = Field(min_length=1, max_length=limit_of(Complaint.text))
    contact_name: str | None = Field(None, max_length=limit_of(Complaint.contact_name))
    contact_email: str | None = Field(None, max_length=limit_of(Complaint.contact_email))
    contact_phone: str | None = Field(None, max_length=40, description="Indonesian mobile")


class ComplaintStatusOut(BaseModel):
    number: str = Field(description="ADU-<YEAR>-<NNNN>")
    status: str = Field(description="acknowledged, investigating or closed")
    subject: str
    certificate_number: str | None
    filed_at: datetime
    acknowledged_at: datetime
    outcome: str | None = Field(description="upheld or not_upheld, once closed")
    public_outcome: str | None = Field(description="what the LSPro tells the complainant")
    closed_at: datetime | None


class ComplaintReceiptOut(ComplaintStatusOut):
    tracking: str = Field(description="the tracking code; shown only now, keep it")
    url: str = Field(description="the tracking page")


@router.post(API_PATH, tags=["public"], status_code=201)
def complaint_api(request: Request, body: ComplaintIn) -> ComplaintReceiptOut:
    """File a complaint (no sign-in; at most 5 per address per hour). Answered with a
    tracking code to follow it at /complaints/{tracking} or GET /api/v1/complaints/{tracking}."""
    with db.transaction() as s:
        row, code = complaints.file(
            s,
            client_address(request),
            subject=body.subject,
            certificate_number=body.certificate_number,
            text_=body.text,
            contact_name=body.contact_name,
            contact_email=body.contact_email,
            contact_phone=body.contact_phone,
            lang=lang_of(request),
        )
        info = _public(s, row)
    url = f"{settings.current().public_url.rstrip('/')}/complaints/{code}"
    return ComplaintReceiptOut(**info, tracking=code, url=url)


@router.get(API_PATH + "/{code}", tags=["public"])
def complaint_status_api(code: str) -> ComplaintStatusOut:
    """A complaint's status and public outcome, by its tracking code."""
    with db.reading() as s:
        return ComplaintStatusOut(**_public(s, complaints.track(s, code[:60])))


# ---------------------------------------------------------------- applicants: appeals


class AppealIn(BaseModel):
    kind: Literal["refusal", "suspension", "withdrawal"]
    grounds: str = Field(min_length=1, max_length=limit_of(Appeal.grounds))


class AppealOut(BaseModel):
    id: int
    number: str = Field(description="BDG-<YEAR>-<NNNN>")
    kind: str
    application_id: int
    status: str = Field(description="acknowledged, under_review, upheld or overturned")
    filed_at: datetime
    grounds: str
    reasons: str | None
    next_step: str | None
    decided_at: datetime | None


def _appeal_json(row: Appeal) -> AppealOut:
    return AppealOut(
        id=row.id,
        number=row.number,
        kind=row.kind,
        application_id=row.application_id,
        status=row.state,
        filed_at=row.filed_at,
        grounds=row.grounds,
        reasons=row.reasons,
        next_step=row.next_step,
        decided_at=row.decided_at,
    )


@router.post("/applications/{app_id}/appeal", include_in_schema=False)
def appeal_page(
    request: Request,
    app_id: Id,
    c: OwnCase,
    kind: str = Form(""),
    grounds: str = Form(""),
) -> Response:
    from snicert.web.routes.applicant import _act

    return _act(
        request,
        c.who,
        app_id,
        lambda s, user: appeals.file(s, user, app_id, kind, grounds),
    )


@router.post("/api/v1/applications/{app_id}/appeals", tags=["applications"], status_code=201)
def appeal_api(app_id: Id, body: AppealIn, c: OwnCase) -> AppealOut:
    """Appeal the refusal, suspension or withdrawal of one of your cases, within 30 days."""
    with db.transaction() as s:
        return _appeal_json(appeals.file(s, c.user(s), app_id, body.kind, body.grounds))


@router.get("/api/v1/applications/{app_id}/appeals", tags=["applications"])
def appeals_api(app_id: Id, c: OwnCase) -> list[AppealOut]:
    """The appeals of a case and their outcomes."""
    with db.reading() as s:
        return [_appeal_json(a) for a in appeals.of_application(s, app_id)]


# ---------------------------------------------------------------- officials


@staff.get("/official/complaints", response_class=HTMLResponse, include_in_schema=False)
def handling_list(request: Request, c: Official, status: str = "") -> HTMLResponse:
    with db.reading() as s:
        user = c.user(s)
        status = status[:20]
        c_states = {"acknowledged", "investigating", "closed"}
        a_states = {"acknowledged", "under_review", "upheld", "overturned"}
        rows = complaints.listing(s, user, status if status in c_states else None)
        if status and status not in c_states:
            rows = []
        arows = appeals.listing(s, user, status if status in a_states else None)
        if status and status not in a_states:
            arows = []
        apps = {a.id: s.get(Application, a.application_id).number for a in arows}
        return page(
            request,
            "handling_list.html.j2",
            who=c.who,
            complaints=rows,
            appeals=arows,
            apps=apps,
            status=status,
            states=sorted(c_states | a_states),
            local=settings.local_time,
        )


def _complaint_page(
    request: Request,
    c: Caller,
    cid: int,
    status: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    with db.reading() as s:
        row = get(s, Complaint, cid, "complaint")
        return page(
            request,
            "handling_complaint.html.j2",
            status_code=status,
            who=c.who,
            row=row,
            cert=complaints.certificate_of(s, row),
            app=s.get(Application, row.application_id) if row.application_id else None,
            handler=s.get(User, row.handler_id) if row.handler_id else None,
            surveillance=complaints.special_surveillance(s, row),
            errors=errors or {},
            form=form or {},
            local=settings.local_time,
        )


@staff.get("/official/complaints/{cid}", response_class=HTMLResponse, include_in_schema=False)
def complaint_page(request: Request, cid: Id, c: Official) -> HTMLResponse:
    return _complaint_page(request, c, cid)


class HandlingForm(PageForm):
    note: str = ""  # investigating
    outcome: str = ""  # closing: the outcome, what the public reads, and what follows
    public_outcome: str = ""
    action: str = "none"


@staff.post("/official/complaints/{cid}/{step}", include_in_schema=False)
def complaint_step(
    request: Request,
    cid: Id,
    step: Literal["take", "investigate", "close"],
    c: Official,
    f: Annotated[HandlingForm, Form()],
) -> Response:
    def act(s: Session, user: User) -> None:
        if step == "take":
            complaints.take(s, user, cid)
        elif step == "investigate":
            complaints.investigate(s, user, cid, f.note)
        else:
            complaints.close(s, user, cid, f.outcome, f.public_outcome, f.action)

    if exc := c.attempt(act):
        errors = {exc.field: refusal(exc, lang_of(request))}
        return _complaint_page(request, c, cid, 422, errors, f.typed())
    return see_other(f"/official/complaints/{cid}")


def _appeal_page(
    request: Request,
    c: Caller,
    aid: int,
    status: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    with db.reading() as s:
        row = get(s, Appeal, aid, "appeal")
        return page(
            request,
            "handling_appeal.html.j2",
            status_code=status,
            who=c.who,
            row=row,
            app=s.get(Application, row.application_id),
            cert=s.get(Certificate, row.certificate_id) if row.certificate_id else None,
            handler=s.get(User, row.handler_id) if row.handler_id else None,
            decider=s.get(User, row.appealed_by) if row.appealed_by else None,
            errors=errors or {},
            form=form or {},
            local=settings.local_time,
        )


@staff.get("/official/appeals/{aid}", response_class=HTMLResponse, include_in_schema=False)
def appeal_handling_page(request: Request, aid: Id, c: Official) -> HTMLResponse:
    return _appeal_page(request, c, aid)


class AppealDecisionForm(PageForm):
    outcome: str = ""
    reasons: str = ""
    next_step: str = ""


@staff.post("/official/appeals/{aid}/{step}", include_in_schema=False)
def appeal_step(
    request: Request,
    aid: Id,
    step: Literal["take", "decide"],
    c: Official,
    f: Annotated[AppealDecisionForm, Form()],
) -> Response:
    def act(s: Session, user: User) -> None:
        if step == "take":
            appeals.take(s, user, aid)
        else:
            appeals.decide(s, user, aid, f.outcome, f.reasons, f.next_step or None)

    if exc := c.attempt(act):
        errors = {exc.field: refusal(exc, lang_of(request))}
        return _appeal_page(request, c, aid, 422, errors, f.typed())
    return see_other(f"/official/appeals/{aid}")
