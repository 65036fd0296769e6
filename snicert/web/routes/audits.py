"""Site-audit pages: the official plans (or fails, or cancels) a case's audit; the auditor
works from a phone during the visit (start, findings with a photo, close) and then
verifies the applicant's corrective actions; the applicant answers findings from the
application's page (routes/applicant.py shows them, the answer form posts here)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert import outputs, settings, snapshots
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
    AuditState,
    allowed_actions,
)
from snicert.roles import Role
from snicert.services import dates, site_audits
from snicert.services.guards import application, get, submitted_case
from snicert.services.text import LONG_TEXT, limit_of
from snicert.web.access import FINDING, SITE_AUDIT, Caller, Official, SignedInFile, allow
from snicert.web.api import MAX_ID, Id, Nothing
from snicert.web.forms import FieldsForm, PageForm, ReasonForm
from snicert.web.i18n import lang_of, refusal
from snicert.web.pages import page
from snicert.web.routes.staff import StaffRoute, see_other

router = APIRouter(route_class=StaffRoute)
plain = APIRouter()  # the applicant's answer and the files: applicants and staff alike
Auditor = Annotated[Caller, Depends(allow(Role.AUDITOR))]
AuditStaff = Annotated[Caller, Depends(allow(Role.AUDITOR, Role.OFFICIAL))]

# the routes that take a photo or document (snicert.web.bodies lets them through)
UPLOAD_PATHS = r"/audits/\d+/findings|/audit-findings/\d+/answer"
REPORTS = {"pdf": "audit_report_pdf", "html": "audit_report_html"}


def day(field: str, value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(field, value, "imp_err_date") from None


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
                "due": settings.local_time(f.due_at).split(" ")[0] if f.due_at else None,
                "overdue": site_audits.is_overdue(f),
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
        "overdue": [r for r in rows if r["overdue"]],
        "overdue_major": any(r["overdue"] and r["grade"] == "major" for r in rows),
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


def _after(
    request: Request, c: Caller, audit_id: int, step, form: PageForm | None = None
) -> Response:
    if exc := c.attempt(step):
        typed = form.typed() if form else {}
        return _audit_page(
            request, c, audit_id, 422, {exc.field: refusal(exc, lang_of(request))}, typed
        )
    return see_other(f"/audits/{audit_id}")


@router.post("/audits/{audit_id}/start", include_in_schema=False)
def start_page(request: Request, audit_id: Id, c: Auditor) -> Response:
    return _after(request, c, audit_id, lambda s, u: site_audits.start_visit(s, u, audit_id))


class FindingForm(PageForm):
    item_id: str = ""
    grade: str = ""
    description: str = ""


@router.post("/audits/{audit_id}/findings", include_in_schema=False)
def finding_page(
    request: Request,
    audit_id: Id,
    c: Auditor,
    item_id: str = Form(""),
    grade: str = Form(""),
    description: str = Form(""),
    photo: UploadFile | None = File(None),
) -> Response:
    # Fields one by one: FastAPI takes a form model alone, and this form carries a file.
    f = FindingForm(item_id=item_id, grade=grade, description=description)
    files = upload_files(photo)
    return _after(
        request,
        c,
        audit_id,
        lambda s, u: site_audits.record_finding(
            s, u, audit_id, f.item_id, f.grade, f.description, files
        ),
        f,
    )


class SummaryForm(PageForm):
    summary: str = ""


@router.post("/audits/{audit_id}/close", include_in_schema=False)
def close_page(
    request: Request, audit_id: Id, c: Auditor, form: Annotated[SummaryForm, Form()]
) -> Response:
    summary = form.summary.strip() or None
    return _after(
        request, c, audit_id, lambda s, u: site_audits.close_visit(s, u, audit_id, summary), form
    )


class FindingCheckForm(PageForm):
    decision: str = ""  # accept, or not
    note: str = ""


@router.post("/audit-findings/{finding_id}/verify", include_in_schema=False)
def verify_page(
    request: Request, finding_id: Id, c: Auditor, form: Annotated[FindingCheckForm, Form()]
) -> Response:
    with db.reading() as s:
        audit_id = get(s, AuditFinding, finding_id, "audit finding").audit_id
    accept = form.decision == "accept"
    note = form.note.strip() or None
    return _after(
        request, c, audit_id, lambda s, u: site_audits.verify(s, u, finding_id, accept, note), form
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


class PlanForm(FieldsForm):
    """The day, the site, and one checkbox per auditor: `auditor_<user id>`."""

    planned_for: str = ""
    site: str = ""

    def plan(self) -> tuple[date, list[int], str | None]:
        ids = [int(k[8:]) for k in self.fields if re.fullmatch(r"auditor_\d{1,9}", k)]
        return day("planned_for", self.planned_for), ids, self.site.strip() or None


@router.post("/site-audit/{app_id}", include_in_schema=False)
def plan_post(
    request: Request, app_id: Id, c: Official, form: Annotated[PlanForm, Form()]
) -> Response:
    def step(s: Session, user: User) -> None:
        day, ids, site = form.plan()
        site_audits.plan(s, user, app_id, day, ids, site)

    if exc := c.attempt(step):
        errors = {exc.field: refusal(exc, lang_of(request))}
        return _plan_page(request, c, app_id, 422, errors, form.typed())
    return see_other(f"/site-audit/{app_id}")


@router.post("/surveillance/{case_id}/site-audit", include_in_schema=False)
def plan_surveillance_post(
    request: Request, case_id: Id, c: Official, form: Annotated[PlanForm, Form()]
) -> Response:
    with db.reading() as s:
        case = get(s, SurveillanceCase, case_id, "surveillance case")
        app_id = s.get(Certificate, case.certificate_id).application_id

    def step(s: Session, user: User) -> None:
        day, ids, site = form.plan()
        site_audits.plan(s, user, app_id, day, ids, site, surveillance_case_id=case_id)

    if exc := c.attempt(step):
        errors = {exc.field: refusal(exc, lang_of(request))}
        return _plan_page(request, c, app_id, 422, errors, form.typed())
    return see_other(f"/site-audit/{app_id}")


@router.post("/audits/{audit_id}/fail", include_in_schema=False)
def fail_page(
    request: Request, audit_id: Id, c: Official, form: Annotated[ReasonForm, Form()]
) -> Response:
    reason = form.reason
    return _after(request, c, audit_id, lambda s, u: site_audits.fail(s, u, audit_id, reason), form)


@router.post("/audits/{audit_id}/cancel", include_in_schema=False)
def cancel_page(
    request: Request, audit_id: Id, c: Official, form: Annotated[ReasonForm, Form()]
) -> Response:
    reason = form.reason
    return _after(
        request, c, audit_id, lambda s, u: site_audits.cancel(s, u, audit_id, reason), form
    )


# --- applicants and staff: reports, evidence, corrective actions --------------------------


@plain.get("/audits/{audit_id}/report.{fmt}", include_in_schema=False)
def report_download(
    audit_id: Id,
    fmt: str,
    c: Annotated[Caller, Depends(allow(*Role, case=SITE_AUDIT, download=True))],
) -> Response:
    if fmt not in REPORTS:
        raise HTTPException(404, "no such file")
    with db.reading() as s:
        out = outputs.find(s, f"site_audit:{audit_id}", REPORTS[fmt])
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
def evidence_download(evidence_id: Id, c: SignedInFile) -> Response:
    with db.reading() as s:
        try:
            ev, data = site_audits.evidence_file(s, c.user(s), evidence_id)
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
                "due": r["due"],
                "overdue": r["overdue"],
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


# --- the JSON API -------------------------------------------------------------------------
# The same steps as the pages, for the roles that take them: officials plan, fail and
# cancel; the assigned auditor starts the visit, records findings, closes the visit and
# verifies corrective actions; the applicant answers a finding. Photos and documents as
# evidence go with the pages' forms (multipart), not here.


class AuditorOut(BaseModel):
    id: int
    name: str


class CorrectiveActionOut(BaseModel):
    cause: str
    action: str
    deadline: date
    submitted_at: datetime
    verdict: str | None = Field(description="accepted or reopened, once verified")
    verdict_note: str | None


class EvidenceOut(BaseModel):
    id: int
    filename: str
    url: str


class FindingOut(BaseModel):
    id: int
    audit_id: int
    item_id: str
    grade: str = Field(description="major, minor or observation")
    status: str = Field(description="open, answered, closed or noted")
    description: str
    recorded_at: datetime
    due: date | None = Field(description="corrected by (working days from the report)")
    overdue: bool = Field(description="still open past its due date")
    evidence: list[EvidenceOut]
    corrective_action: CorrectiveActionOut | None


class SiteAuditOut(BaseModel):
    id: int
    application_id: int
    application_number: str
    surveillance_case_id: int | None
    state: str = Field(description="planned, on_site, reported, passed, failed or cancelled")
    planned_for: date
    site: str
    auditors: list[AuditorOut]
    checklist_version: int
    item_ids: list[str]
    summary: str | None
    reported_at: datetime | None
    closed_at: datetime | None
    next: list[str] = Field(description="the audit's next possible steps")
    findings: list[FindingOut]
    report_pdf: str | None


class SiteAuditPlanIn(BaseModel):
    planned_for: date = Field(description="from today up to a year ahead")
    auditors: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(min_length=1, max_length=10)
    site: str | None = Field(None, max_length=limit_of(SiteAudit.site))
    surveillance_case_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="plan a surveillance's audit instead of the case's"
    )


class FindingIn(BaseModel):
    item_id: str = Field(max_length=64, description="an item of the audit's checklist")
    grade: Literal["major", "minor", "observation"]
    description: str = Field(min_length=1, max_length=LONG_TEXT)


class SummaryIn(BaseModel):
    summary: str | None = Field(None, max_length=LONG_TEXT)


class AuditReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=LONG_TEXT - 40)


class CorrectiveActionIn(BaseModel):
    cause: str = Field(min_length=1, max_length=LONG_TEXT)
    action: str = Field(min_length=1, max_length=LONG_TEXT)
    deadline: date = Field(description="from today up to the finding's due date")


class VerificationIn(BaseModel):
    accept: bool
    note: str | None = Field(None, max_length=LONG_TEXT, description="required to reopen")


class OverdueFindingOut(BaseModel):
    finding_id: int
    audit_id: int
    application_id: int
    application_number: str
    grade: str
    due: date


def _local_day(moment: datetime | None) -> date | None:
    return dates.local_day(moment) if moment else None


def finding_json(s: Session, f: AuditFinding) -> FindingOut:
    ca = site_audits.latest_action(s, f.id)
    return FindingOut(
        id=f.id,
        audit_id=f.audit_id,
        item_id=f.item_id,
        grade=f.grade,
        status=f.status,
        description=f.description,
        recorded_at=f.recorded_at,
        due=_local_day(f.due_at),
        overdue=site_audits.is_overdue(f),
        evidence=[
            EvidenceOut(id=e.id, filename=e.filename, url=f"/audit-evidence/{e.id}")
            for e in site_audits.evidence_of(s, [f.id])
        ],
        corrective_action=(
            CorrectiveActionOut(
                cause=ca.cause,
                action=ca.action,
                deadline=dates.local_day(ca.deadline),
                submitted_at=ca.submitted_at,
                verdict=ca.verdict,
                verdict_note=ca.verdict_note,
            )
            if ca
            else None
        ),
    )


def audit_json(s: Session, a: SiteAudit) -> SiteAuditOut:
    app = application(s, a.application_id)
    pdf = outputs.find(s, f"site_audit:{a.id}", REPORTS["pdf"])
    return SiteAuditOut(
        id=a.id,
        application_id=app.id,
        application_number=app.number,
        surveillance_case_id=a.surveillance_case_id,
        state=a.state,
        planned_for=dates.local_day(a.planned_for),
        site=a.site,
        auditors=[AuditorOut(id=u.id, name=u.name) for u in site_audits.auditors_of(s, a.id)],
        checklist_version=snapshots.audit_checklist(a).version,
        item_ids=[i.id for i in snapshots.audit_checklist(a).items],
        summary=a.summary,
        reported_at=a.reported_at,
        closed_at=a.closed_at,
        next=allowed_actions(a.state, AUDIT_TRANSITIONS),
        findings=[finding_json(s, f) for f in site_audits.findings_of(s, a.id)],
        report_pdf=f"/audits/{a.id}/report.pdf" if pdf else None,
    )


@router.get("/api/v1/site-audits", tags=["site audits"])
def audits_api(c: AuditStaff) -> list[SiteAuditOut]:
    """An auditor's audits not yet concluded, soonest first; for an official, every
    audit not yet concluded."""
    with db.reading() as s:
        user = c.user(s)
        if Role.OFFICIAL in user.roles:
            live = [AuditState.PLANNED, AuditState.ON_SITE, AuditState.REPORTED]
            rows = s.scalars(
                select(SiteAudit)
                .where(SiteAudit.state.in_([x.value for x in live]))
                .order_by(SiteAudit.planned_for, SiteAudit.id)
                .limit(500)
            ).all()
        else:
            rows = site_audits.worklist(s, user)
        return [audit_json(s, a) for a in rows]


@router.get("/api/v1/site-audits/{audit_id}", tags=["site audits"])
def audit_api(audit_id: Id, c: AuditStaff) -> SiteAuditOut:
    """One site audit: plan, team, findings with their corrective actions and due dates."""
    with db.reading() as s:
        return audit_json(s, get(s, SiteAudit, audit_id, "site audit"))


@router.post("/api/v1/applications/{app_id}/site-audits", tags=["site audits"], status_code=201)
def plan_api(app_id: Id, body: SiteAuditPlanIn, c: Official) -> SiteAuditOut:
    """Plan the site audit of a case (once its documents passed review), or of an open
    surveillance of its certificate: date, auditors, site (default: the case's)."""
    with db.transaction() as s:
        submitted_case(s, app_id)
        a = site_audits.plan(
            s,
            c.user(s),
            app_id,
            body.planned_for,
            body.auditors,
            body.site,
            surveillance_case_id=body.surveillance_case_id,
        )
        return audit_json(s, a)


@router.post("/api/v1/site-audits/{audit_id}/start", tags=["site audits"])
def start_api(audit_id: Id, c: Auditor, nothing: Nothing = None) -> SiteAuditOut:
    """The assigned auditor starts the visit."""
    with db.transaction() as s:
        return audit_json(s, site_audits.start_visit(s, c.user(s), audit_id))


@router.post("/api/v1/site-audits/{audit_id}/findings", tags=["site audits"], status_code=201)
def finding_api(audit_id: Id, body: FindingIn, c: Auditor) -> FindingOut:
    """The assigned auditor records a finding during the visit."""
    with db.transaction() as s:
        f = site_audits.record_finding(
            s, c.user(s), audit_id, body.item_id, body.grade, body.description
        )
        return finding_json(s, f)


@router.post("/api/v1/site-audits/{audit_id}/close", tags=["site audits"])
def close_api(audit_id: Id, body: SummaryIn, c: Auditor) -> SiteAuditOut:
    """The visit is over: each major or minor finding is due for correction; without one
    the audit passes."""
    with db.transaction() as s:
        return audit_json(s, site_audits.close_visit(s, c.user(s), audit_id, body.summary))


@router.post("/api/v1/site-audits/{audit_id}/fail", tags=["site audits"])
def fail_api(audit_id: Id, body: AuditReasonIn, c: Official) -> SiteAuditOut:
    """An official fails an audit whose findings were not corrected in time."""
    with db.transaction() as s:
        return audit_json(s, site_audits.fail(s, c.user(s), audit_id, body.reason))


@router.post("/api/v1/site-audits/{audit_id}/cancel", tags=["site audits"])
def cancel_api(audit_id: Id, body: AuditReasonIn, c: Official) -> SiteAuditOut:
    """An official cancels a planned audit."""
    with db.transaction() as s:
        return audit_json(s, site_audits.cancel(s, c.user(s), audit_id, body.reason))


@router.post("/api/v1/audit-findings/{finding_id}/verification", tags=["site audits"])
def verify_api(finding_id: Id, body: VerificationIn, c: Auditor) -> FindingOut:
    """The assigned auditor accepts the corrective action (the finding closes; the last one
    passes the audit) or reopens the finding, saying why."""
    with db.transaction() as s:
        f = site_audits.verify(s, c.user(s), finding_id, body.accept, body.note)
        return finding_json(s, f)


@router.get("/api/v1/audit-findings/overdue", tags=["site audits"])
def overdue_api(c: AuditStaff) -> list[OverdueFindingOut]:
    """Major and minor findings still open past their correction date."""
    with db.reading() as s:
        return [
            OverdueFindingOut(
                finding_id=f.id,
                audit_id=a.id,
                application_id=a.application_id,
                application_number=application(s, a.application_id).number,
                grade=f.grade,
                due=dates.local_day(f.due_at),
            )
            for f, a in site_audits.overdue_findings(s)
        ]


@plain.post(
    "/api/v1/audit-findings/{finding_id}/corrective-action",
    tags=["site audits"],
    status_code=201,
)
def answer_api(
    finding_id: Id,
    body: CorrectiveActionIn,
    c: Annotated[Caller, Depends(allow(*Role, case=FINDING))],
) -> FindingOut:
    """The applicant's corrective action for a major or minor finding of their case's
    audit: cause, action taken, and the day it is done by."""
    with db.transaction() as s:
        site_audits.answer(s, c.user(s), finding_id, body.cause, body.action, body.deadline)
        return finding_json(s, s.get(AuditFinding, finding_id))
