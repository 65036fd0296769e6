"""Site-audit pages: the official plans (or fails, or cancels) a case's audit; the auditor
works from a phone during the visit (start, findings with a photo, close) and then
verifies the applicant's corrective actions; the applicant answers findings from the
application's page (routes/applicant.py shows them, the answer form posts here)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert import outputs, settings
from snicert.db import engine as db
from snicert.db.models import (
    AuditFinding,
    Certificate,
    SiteAudit,
    SurveillanceCase,
    User,
    UserRole,
)
from snicert.errors import InvalidInput, NotFound
from snicert.lifecycle import (
    AUDIT_TRANSITIONS,
    FINDING_TRANSITIONS,
    SURVEILLANCE_FINAL,
    allowed_actions,
)
from snicert.roles import Role
from snicert.services import site_audits
from snicert.services.guards import application, can_see, get, submitted_case
from snicert.web.api import Id
from snicert.web.auth import require
from snicert.web.pages import page
from snicert.web.routes.staff import Caller, StaffRoute, allow, see_other

router = APIRouter(route_class=StaffRoute)
plain = APIRouter()  # the applicant's answer and the files: applicants and staff alike
Official = Annotated[Caller, Depends(allow(Role.OFFICIAL))]
Auditor = Annotated[Caller, Depends(allow(Role.AUDITOR))]
AuditStaff = Annotated[Caller, Depends(allow(Role.AUDITOR, Role.OFFICIAL))]

# the routes that take a photo or document (snicert.web.bodies lets them through)
UPLOAD_PATHS = r"/audits/\d+/findings|/audit-findings/\d+/answer"
REPORTS = {"pdf": "audit_report_pdf", "html": "audit_report_html"}


def day(field: str, value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(field, value, "give a date (YYYY-MM-DD)") from None


def upload_files(upload: UploadFile | None) -> list[tuple[str, bytes]]:
    if upload is None or not upload.filename:
        return []
    return [(upload.filename, upload.file.read())]


def audit_view(s: Session, a: SiteAudit, viewer: User | None = None) -> dict[str, Any]:
    """An audit as its pages show it: plan, team, items, findings with their evidence and
    corrective actions, and what the viewer may do next."""
    found = site_audits.findings_of(s, a.id)
    evidence = site_audits.evidence_of(s, [f.id for f in found])
    items = {i["id"]: i for i in a.checklist_snapshot["items"]}
    team = site_audits.auditors_of(s, a.id)
    app = application(s, a.application_id)
    rows = []
    for f in found:
        ca = site_audits.latest_action(s, f.id)
        rows.append(
            {
                "id": f.id,
                "item": items.get(f.item_id, {"id": f.item_id}),
                "grade": f.grade,
                "status": f.status,
                "description": f.description,
                "recorded_at": f.recorded_at,
                "evidence": [
                    {"id": e.id, "filename": e.filename, "action": e.corrective_action_id}
                    for e in evidence
                    if e.finding_id == f.id
                ],
                "action": ca,
                "next": allowed_actions(f.status, FINDING_TRANSITIONS),
            }
        )
    reports = {k: outputs.find(s, f"site_audit:{a.id}", v) for k, v in REPORTS.items()}
    return {
        "row": a,
        "app": app,
        "business": app.business.name,
        "product": app.product_snapshot["name"],
        "planned_for": settings.local_time(a.planned_for).split(" ")[0],
        "team": team,
        "mine": viewer is not None and any(u.id == viewer.id for u in team),
        "audit_items": a.checklist_snapshot["items"],
        "checklist": a.checklist_snapshot,
        "findings": rows,
        "open": [r for r in rows if r["status"] in ("open", "answered")],
        "next": allowed_actions(a.state, AUDIT_TRANSITIONS),
        "reports": {k: bool(v) for k, v in reports.items()},
    }


def _auditors(s: Session) -> list[User]:
    return list(
        s.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.AUDITOR.value, User.active.is_(True))
            .order_by(User.name)
        )
    )


# --- the auditor --------------------------------------------------------------------------


@router.get("/audits", response_class=HTMLResponse, include_in_schema=False)
def worklist_page(request: Request, c: Auditor) -> Response:
    with db.reading() as s:  # rendered inside: the views hold the session's rows
        items = [audit_view(s, a) for a in site_audits.worklist(s, c.user(s))]
        return page(request, "audit_worklist.html.j2", who=c.who, items=items)


def _audit_page(
    request: Request, c: Caller, audit_id: int, status: int = 200, errors=None, form=None
) -> Response:
    with db.reading() as s:
        a = get(s, SiteAudit, audit_id, "site audit")
        view = audit_view(s, a, c.user(s))
        return page(
            request,
            "audit_visit.html.j2",
            status_code=status,
            who=c.who,
            a=view,
            errors=errors or {},
            form=form or {},
        )


@router.get("/audits/{audit_id}", response_class=HTMLResponse, include_in_schema=False)
def audit_page(request: Request, audit_id: Id, c: AuditStaff) -> Response:
    return _audit_page(request, c, audit_id)


def _after(request: Request, c: Caller, audit_id: int, step) -> Response:
    if exc := c.attempt(step):
        return _audit_page(request, c, audit_id, 422, {exc.field: str(exc)}, c.form)
    return see_other(f"/audits/{audit_id}")


@router.post("/audits/{audit_id}/start", include_in_schema=False)
def start_page(request: Request, audit_id: Id, c: Auditor) -> Response:
    return _after(request, c, audit_id, lambda s, u: site_audits.start_visit(s, u, audit_id))


@router.post("/audits/{audit_id}/findings", include_in_schema=False)
def finding_page(
    request: Request, audit_id: Id, c: Auditor, photo: UploadFile | None = File(None)
) -> Response:
    files = upload_files(photo)
    f = c.form
    return _after(
        request,
        c,
        audit_id,
        lambda s, u: site_audits.record_finding(
            s,
            u,
            audit_id,
            f.get("item_id", ""),
            f.get("grade", ""),
            f.get("description", ""),
            files,
        ),
    )


@router.post("/audits/{audit_id}/close", include_in_schema=False)
def close_page(request: Request, audit_id: Id, c: Auditor) -> Response:
    summary = c.form.get("summary", "").strip() or None
    return _after(
        request, c, audit_id, lambda s, u: site_audits.close_visit(s, u, audit_id, summary)
    )


@router.post("/audit-findings/{finding_id}/verify", include_in_schema=False)
def verify_page(request: Request, finding_id: Id, c: Auditor) -> Response:
    with db.reading() as s:
        audit_id = get(s, AuditFinding, finding_id, "audit finding").audit_id
    accept = c.form.get("decision") == "accept"
    note = c.form.get("note", "").strip() or None
    return _after(
        request, c, audit_id, lambda s, u: site_audits.verify(s, u, finding_id, accept, note)
    )


# --- the official -------------------------------------------------------------------------


def _plan_page(
    request: Request, c: Caller, app_id: int, status: int = 200, errors=None, form=None
) -> Response:
    with db.reading() as s:
        app = submitted_case(s, app_id)
        audits = [audit_view(s, a) for a in site_audits.audits_of(s, app.id)]
        current = site_audits.case_audit(s, app.id)
        can_plan = (
            site_audits.requires_audit(app)
            and app.state in site_audits.PLANNABLE
            and current is None
        )
        auditors = _auditors(s)
        # surveillances of this case's certificate not concluded and without an audit yet
        surveillances = [
            case
            for case in s.scalars(
                select(SurveillanceCase)
                .join(Certificate, Certificate.id == SurveillanceCase.certificate_id)
                .where(
                    Certificate.application_id == app.id,
                    SurveillanceCase.status.not_in([x.value for x in SURVEILLANCE_FINAL]),
                )
                .order_by(SurveillanceCase.id)
            )
            if site_audits.requires_audit(app)
            and not any(a["row"].surveillance_case_id == case.id for a in audits)
        ]
        number, name = app.number, app.product_snapshot["name"]
        site, business = app.production_site, app.business.name
        return page(
            request,
            "audit_plan.html.j2",
            status_code=status,
            who=c.who,
            app_id=app_id,
            number=number,
            product=name,
            business=business,
            site=site,
            audits=audits,
            can_plan=can_plan,
            auditors=auditors,
            surveillances=surveillances,
            errors=errors or {},
            form=form or {},
        )


@router.get("/site-audit/{app_id}", response_class=HTMLResponse, include_in_schema=False)
def plan_get(request: Request, app_id: Id, c: Official) -> Response:
    return _plan_page(request, c, app_id)


def _plan_form(c: Caller) -> tuple[date, list[int], str | None]:
    planned = day("planned_for", c.form.get("planned_for", ""))
    # one checkbox per auditor: auditor_<user id>
    ids = [int(k[8:]) for k in c.form if re.fullmatch(r"auditor_\d{1,9}", k)]
    return planned, ids, c.form.get("site", "").strip() or None


@router.post("/site-audit/{app_id}", include_in_schema=False)
def plan_post(request: Request, app_id: Id, c: Official) -> Response:
    def step(s: Session, user: User) -> None:
        day, ids, site = _plan_form(c)
        site_audits.plan(s, user, app_id, day, ids, site)

    if exc := c.attempt(step):
        return _plan_page(request, c, app_id, 422, {exc.field: str(exc)}, c.form)
    return see_other(f"/site-audit/{app_id}")


@router.post("/surveillance/{case_id}/site-audit", include_in_schema=False)
def plan_surveillance_post(request: Request, case_id: Id, c: Official) -> Response:
    with db.reading() as s:
        case = get(s, SurveillanceCase, case_id, "surveillance case")
        app_id = s.get(Certificate, case.certificate_id).application_id

    def step(s: Session, user: User) -> None:
        day, ids, site = _plan_form(c)
        site_audits.plan(s, user, app_id, day, ids, site, surveillance_case_id=case_id)

    if exc := c.attempt(step):
        return _plan_page(request, c, app_id, 422, {exc.field: str(exc)}, c.form)
    return see_other(f"/site-audit/{app_id}")


@router.post("/audits/{audit_id}/fail", include_in_schema=False)
def fail_page(request: Request, audit_id: Id, c: Official) -> Response:
    reason = c.form.get("reason", "")
    return _after(request, c, audit_id, lambda s, u: site_audits.fail(s, u, audit_id, reason))


@router.post("/audits/{audit_id}/cancel", include_in_schema=False)
def cancel_page(request: Request, audit_id: Id, c: Official) -> Response:
    reason = c.form.get("reason", "")
    return _after(request, c, audit_id, lambda s, u: site_audits.cancel(s, u, audit_id, reason))


# --- applicants and staff: reports, evidence, corrective actions --------------------------


def _visible_audit(s: Session, user: User, audit_id: int) -> SiteAudit:
    a = s.get(SiteAudit, audit_id)
    if a is None or not can_see(user, application(s, a.application_id)):
        raise HTTPException(404, f"site audit {audit_id} not found")
    return a


@plain.get("/audits/{audit_id}/report.{fmt}", include_in_schema=False)
def report_download(request: Request, audit_id: Id, fmt: str) -> Response:
    who = require(request)
    if fmt not in REPORTS:
        raise HTTPException(404, "no such file")
    with db.reading() as s:
        a = _visible_audit(s, s.get(User, who.user_id), audit_id)
        out = outputs.find(s, f"site_audit:{a.id}", REPORTS[fmt])
        if out is None:
            raise HTTPException(404, "the audit report is rendered when the audit concludes")
        path, media = outputs.absolute(out), out.media_type
    return FileResponse(
        path,
        media_type=media,
        filename=f"audit-{audit_id}.{fmt}",
        headers={
            "Content-Security-Policy": "sandbox; default-src 'none'; style-src 'unsafe-inline'"
        },
    )


@plain.get("/audit-evidence/{evidence_id}", include_in_schema=False)
def evidence_download(request: Request, evidence_id: Id) -> Response:
    who = require(request)
    with db.reading() as s:
        try:
            ev, data = site_audits.evidence_file(s, s.get(User, who.user_id), evidence_id)
        except NotFound as exc:
            raise HTTPException(404, str(exc)) from None
        name, media = ev.filename, ev.media_type
    return Response(
        data,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="evidence-{evidence_id}"',
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "X-Evidence-Name": re.sub(r"[^\x20-\x7e]", "_", name)[:200],
        },
    )


def applicant_view(s: Session, app_id: int) -> dict[str, Any] | None:
    """The case's site audit as its applicant sees it (routes/applicant.detail)."""
    a = site_audits.case_audit(s, app_id)
    if a is None:
        return None
    view = audit_view(s, a)
    return {
        "id": a.id,
        "state": a.state,
        "planned_for": view["planned_for"],
        "site": a.site,
        "auditors": [u.name for u in view["team"]],
        "report": f"/audits/{a.id}/report.pdf" if view["reports"]["pdf"] else None,
        "findings": [
            {
                "id": r["id"],
                "item": r["item"].get("text", {}).get("id", r["item"]["id"]),
                "element": r["item"].get("element", {}).get("id", ""),
                "grade": r["grade"],
                "status": r["status"],
                "description": r["description"],
                "can_answer": "answer" in r["next"] and a.state == "reported",
                "action": (
                    {
                        "cause": r["action"].cause,
                        "action": r["action"].action,
                        "deadline": settings.local_time(r["action"].deadline).split(" ")[0],
                        "verdict": r["action"].verdict,
                        "note": r["action"].verdict_note,
                    }
                    if r["action"]
                    else None
                ),
            }
            for r in view["findings"]
        ],
    }
