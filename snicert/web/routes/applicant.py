"""Applicant pages and API: start an application, upload documents, submit, follow the
timeline, answer non-conformities, download the certificate.

Someone who may not see an application gets 404, whatever id they try: the existence of
other businesses' cases is not revealed.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert import lifecycle, outputs, queries, stages, uploads
from snicert.catalog import default_catalog
from snicert.db import engine as db
from snicert.db.models import (
    Application,
    AuditEvent,
    AuditFinding,
    Certificate,
    Document,
    NonconformityResponse,
    SiteAudit,
    User,
)
from snicert.errors import InvalidFields, InvalidInput, SnicertError, http_status
from snicert.roles import Role
from snicert.services import (
    appeals,
    applications,
    checklists,
    decisions,
    fees,
    papers,
    site_audits,
    skm,
)
from snicert.services.guards import application
from snicert.services.text import LONG_TEXT, limit_of
from snicert.web import dossier
from snicert.web.access import (
    FINDING,
    NONCONFORMITY,
    Caller,
    OwnCase,
    OwnCaseFile,
    OwnCertificate,
    SignedIn,
    SignedInFile,
    allow,
)
from snicert.web.api import MAX_ID, Id, Nothing
from snicert.web.auth import Actor
from snicert.web.headers import PREVIEW_POLICY, REPORT_POLICY
from snicert.web.i18n import error_text, lang_of, refusal, translator
from snicert.web.pages import error_page, page
from snicert.web.routes import audits, changes
from snicert.web.routes.lists import api_query

router = APIRouter()
# The routes that take a file: their bodies may be as large as the largest document allowed
# (snicert.web.bodies); the service then holds each file to its own document's limit.
UPLOAD_PATHS = re.compile(
    r"(/api/v1)?/applications/\d+/documents|"
    r"(/api/v1)?/applications/\d+/payment-proof|" + audits.UPLOAD_PATHS + "|" + changes.UPLOAD_PATHS
)
# The one-page answers to findings may carry a corrected file at each finding.
ANSWERS_PATH = re.compile(r"/applications/\d+/answers")
FORM_ROOM = 64 * 1024  # the multipart headers and the other fields around the file
DOWNLOADS = {"pdf": "pdf", "png": "png", "json": "json", "label": "label_png"}


def _applicant(who: Actor) -> bool:
    """Whether `who` applies for a business (staff never do, whatever else they hold)."""
    return Role.APPLICANT in who.roles and who.business_id is not None


def _case(s: Session, who: Actor, app_id: int) -> dict[str, Any]:
    """The case page's context: the case (the caller may see it: OwnCase), and whether its
    forms (upload, answer, pay, appeal, withdraw) are shown: only to the business's own
    applicant; staff see the same case without them."""
    app = application(s, app_id)
    owner = _applicant(who) and who.business_id == app.business_id
    return {"app": detail(s, app), "owner": owner}


def upload_limit() -> int:
    """The largest body an upload route takes: the largest file any product accepts."""
    catalog = default_catalog()
    largest = max(
        [applications.NC_RESPONSE_LIMIT_MB]
        + [d.max_size_mb for p in catalog.products.values() for d in p.documents]
    )
    return int(largest * 2**20) + FORM_ROOM


def answers_limit() -> int:
    """The largest body the findings form takes: every document of the product with the
    most to upload, replaced at once, and one more answer file (each file is then held to
    its own document's limit)."""
    catalog = default_catalog()
    most = max(sum(d.max_size_mb for d in p.documents) for p in catalog.products.values())
    return int((most + applications.NC_RESPONSE_LIMIT_MB) * 2**20) + FORM_ROOM


def agreement_view() -> dict[str, Any]:
    """The certification agreement in force, as the submit form and the API show it."""
    a = fees.agreement()
    return {
        "version": a.version,
        "effective": a.effective.isoformat(),
        "title": a.title.model_dump(),
        "preamble": a.preamble.model_dump(),
        "obligations": [o.model_dump() for o in a.obligations],
        "provisional": a.status == "provisional",
    }


def detail(s: Session, app: Application) -> dict[str, Any]:
    """Everything the applicant's page and the API show about one application."""
    product = default_catalog().product(app.product)
    have = applications.latest_documents(s, app.id)
    docs, counter = dossier.documents(app, have)
    cert = s.scalar(select(Certificate).where(Certificate.application_id == app.id))
    # The case's milestones; single results, samples and uploads stay in the audit log.
    events = s.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.application_id == app.id,
            AuditEvent.entity.in_(["application", "certificate", "nonconformity"]),
        )
        .order_by(AuditEvent.seq)
    ).all()
    people = {
        u.id: u
        for u in s.scalars(
            select(User).where(User.id.in_({e.actor_id for e in events if e.actor_id is not None}))
        )
    }
    return {
        "id": app.id,
        "number": app.number,
        "product": app.product,
        "product_name": product.name.model_dump(),
        "brand": app.brand,
        "production_site": app.production_site,
        "state": app.state,
        # The applicant may withdraw while the case is open (the lifecycle says so).
        "can_withdraw": "withdraw" in lifecycle.allowed_actions(app.state),
        "awaiting_role": app.awaiting_role,
        "awaiting_action": app.awaiting_action,
        # the system's automated stage is still to run (a task worker does it)
        "processing": stages.due(s, app),
        "due_at": app.due_at.isoformat() if app.due_at else None,
        "overdue": app.overdue,
        "documents": docs,
        # "8 dari 12 dokumen wajib"; submission waits for every mandatory one
        "dossier": counter,
        "nonconformities": dossier.findings(s, app, docs, have),
        "timeline": [
            {
                "at": e.at.isoformat(),
                "action": e.action,
                "by": _person(people.get(e.actor_id)),
                "data": json.loads(e.data),
            }
            for e in events
        ],
        "site_audit": audits.applicant_view(s, app.id),
        "fees": fees.summary(s, app),
        "agreement": agreement_view() if app.state == "draft" else None,
        "renewal_of": app.renewal_of,
        # a refused case says why: the decider's words and the parameters that failed
        "refusal": decisions.refusal(s, app),
        "appeal": appeals.summary(s, app),
        "test_report": (
            f"/applications/{app.id}/test-report.pdf"
            if papers.test_report(s, app) is not None
            else None
        ),
        "evaluation_report": (
            f"/applications/{app.id}/evaluation-report"
            if papers.evaluation_report(s, app) is not None
            else None
        ),
        "survey": (
            {"state": survey.state, "url": f"/applications/{app.id}/survey"}
            if (survey := skm.of_application(s, app.id))
            else None
        ),
        "certificate": (
            {
                "id": cert.id,
                "number": cert.number,
                "status": cert.status,
                "downloads": {k: f"/applications/{app.id}/certificate.{k}" for k in DOWNLOADS},
            }
            if cert
            else None
        ),
    }


def _person(user: User | None) -> dict[str, str]:
    """Who acted, as applicants see it: a name and a role, never an e-mail address."""
    if user is None:
        return {"name": "snicert", "role": Role.SYSTEM.value}
    roles = sorted(user.roles - {Role.APPLICANT.value}) or sorted(user.roles)
    return {"name": user.name, "role": roles[0] if roles else Role.APPLICANT.value}


# ---------------------------------------------------------------- pages


@router.get("/applications/new", response_class=HTMLResponse, include_in_schema=False)
def new_form(request: Request, c: SignedIn) -> Response:
    who = c.who
    if not _applicant(who):  # staff apply for no one: the page says so (403)
        return error_page(request, 403, translator(lang_of(request))("app_new_applicants_only"))
    return page(request, "applicant_new.html.j2", who=who, errors={}, form={}, products=_products())


@router.post("/applications", include_in_schema=False)
def create_page(
    request: Request,
    c: SignedIn,
    product: str = Form(""),
    brand: str = Form(""),
    production_site: str = Form(""),
    variants: str = Form(""),
) -> Response:
    who = c.who
    try:
        with db.transaction() as s:
            app = applications.create(
                s, s.get(User, who.user_id), product, brand, production_site, variants or None
            )
            app_id = app.id
    except InvalidInput as exc:
        return page(
            request,
            "applicant_new.html.j2",
            status_code=422,
            who=who,
            errors={exc.field: refusal(exc, lang_of(request))},
            products=_products(),
            form={
                "product": product,
                "brand": brand,
                "production_site": production_site,
                "variants": variants,
            },
        )
    return RedirectResponse(f"/applications/{app_id}", status_code=303)


@router.get("/applications/{app_id}", response_class=HTMLResponse, include_in_schema=False)
def detail_page(
    request: Request, app_id: Id, c: OwnCase, error: str = "", saved: str = ""
) -> Response:
    """The case; `saved` names the document just uploaded (the page says so at it: the
    name and size shown are the stored file's, so a crafted URL tells nothing untrue)."""
    return _detail(request, c.who, app_id, error=error_text(error, lang_of(request)), saved=saved)


def _detail(
    request: Request,
    who: Actor,
    app_id: int,
    status_code: int = 200,
    error: str | None = None,
    saved: str = "",
    doc_errors: dict[str, str] | None = None,
    nc_errors: dict[str, str] | None = None,
    answers: dict[str, str] | None = None,
) -> Response:
    """The case page; a refusal is shown where it belongs: at the document, at the
    finding, or at the top when it concerns the case."""
    with db.reading() as s:
        case = _case(s, who, app_id)
    return page(
        request,
        "applicant_detail.html.j2",
        status_code=status_code,
        who=who,
        **case,
        error=error,
        saved=saved,
        doc_errors=doc_errors or {},
        nc_errors=nc_errors or {},
        answers=answers or {},
    )


@router.post("/applications/{app_id}/documents", include_in_schema=False)
def upload_page(
    request: Request,
    app_id: Id,
    c: OwnCase,
    kind: str = Form(""),
    file: UploadFile = File(...),
) -> Response:
    who = c.who
    data = file.file.read()
    try:
        with db.transaction() as s:
            applications.attach_document(
                s, s.get(User, who.user_id), app_id, kind, file.filename or "file", data
            )
    except InvalidInput as exc:  # the file's fault: said at its document
        lang = lang_of(request)
        if exc.field == kind:
            return _detail(request, who, app_id, 422, doc_errors={kind: refusal(exc, lang)})
        return _detail(request, who, app_id, 422, refusal(exc, lang))  # no such document
    except SnicertError as exc:  # the case's state: at the top
        return _detail(request, who, app_id, http_status(exc), refusal(exc, lang_of(request)))
    return RedirectResponse(
        f"/applications/{app_id}?saved={quote(kind)}#doc-{quote(kind)}", status_code=303
    )


@router.post("/applications/{app_id}/submit", include_in_schema=False)
def submit_page(
    request: Request, app_id: Id, c: OwnCase, agreement_version: str = Form("")
) -> Response:
    """Submit; the checkbox `agreement_version` carries the version of the agreement read."""
    return _act(
        request,
        c.who,
        app_id,
        lambda s, user: applications.submit(s, user, app_id, agreement_version or None),
    )


@router.get("/applications/{app_id}/withdraw", response_class=HTMLResponse, include_in_schema=False)
def withdraw_form(request: Request, app_id: Id, c: OwnCase) -> Response:
    """ "Yakin?": what withdrawing means, before anything is changed (no script needed)."""
    who = c.who
    with db.reading() as s:
        case = _case(s, who, app_id)
        try:  # staff see the case but may not withdraw it; a closed case cannot be
            applications.may_withdraw(s.get(User, who.user_id), application(s, app_id))
        except SnicertError as exc:  # the case page, saying why
            return page(
                request,
                "applicant_detail.html.j2",
                status_code=http_status(exc),
                who=who,
                **case,
                error=refusal(exc, lang_of(request)),
            )
    return page(
        request, "applicant_withdraw.html.j2", who=who, app=case["app"], error=None, form={}
    )


@router.post("/applications/{app_id}/withdraw", include_in_schema=False)
def withdraw_page(request: Request, app_id: Id, c: OwnCase, reason: str = Form("")) -> Response:
    who = c.who
    try:
        with db.transaction() as s:
            applications.withdraw(s, s.get(User, who.user_id), app_id, reason or None)
    except InvalidInput as exc:  # the reason: shown at its field, as typed
        with db.reading() as s:
            info = detail(s, application(s, app_id))
        return page(
            request,
            "applicant_withdraw.html.j2",
            status_code=422,
            who=who,
            app=info,
            error=refusal(exc, lang_of(request)),
            form={"reason": reason},
        )
    except SnicertError as exc:  # closed meanwhile, or not the applicant: on the case page
        with db.reading() as s:
            case = _case(s, who, app_id)
        return page(
            request,
            "applicant_detail.html.j2",
            status_code=http_status(exc),
            who=who,
            **case,
            error=refusal(exc, lang_of(request)),
        )
    return RedirectResponse(f"/applications/{app_id}", status_code=303)


@router.post("/applications/{app_id}/answers", include_in_schema=False)
async def answers_page(request: Request, app_id: Id, c: OwnCase) -> Response:
    """Every open non-conformity answered from one form: `text.<id>` and, where a corrected
    document is attached, `file.<id>`. A fault comes back at its finding, with what was
    typed kept; files must be chosen again (a browser never refills a file input)."""
    # Read here: its fields are named by the findings (`text.<id>`, `file.<id>`), and
    # its files need UploadFile; access and CSRF were checked (OwnCase).
    form = await request.form()
    answers: dict[int, applications.Answer] = {}
    typed: dict[str, str] = {}
    for name, value in form.multi_items():
        field, _, nc = name.partition(".")
        if field not in ("text", "file") or not nc.isdigit() or int(nc) > MAX_ID:
            continue
        current = answers.get(int(nc), applications.Answer(""))
        if field == "text" and isinstance(value, str):
            answers[int(nc)] = applications.Answer(value, current.filename, current.data)
            typed[nc] = value
        elif field == "file" and not isinstance(value, str) and value.filename:
            data = await value.read()
            answers[int(nc)] = applications.Answer(current.text, value.filename, data)
    return await run_in_threadpool(_answer_all, request, c.who, app_id, answers, typed)


def _answer_all(
    request: Request,
    who: Actor,
    app_id: int,
    answers: dict[int, applications.Answer],
    typed: dict[str, str],
) -> Response:
    lang = lang_of(request)
    try:
        with db.transaction() as s:
            applications.answer_all(s, s.get(User, who.user_id), app_id, answers)
    except InvalidFields as exc:  # each at its finding: answers.<id>.text|file
        errors = {e.field.removeprefix("answers."): refusal(e, lang) for e in exc.errors}
        return _detail(request, who, app_id, 422, nc_errors=errors, answers=typed)
    except SnicertError as exc:
        status = http_status(exc)
        return _detail(request, who, app_id, status, refusal(exc, lang), answers=typed)
    return RedirectResponse(f"/applications/{app_id}?saved=answers", status_code=303)


@router.post("/audit-findings/{finding_id}/answer", include_in_schema=False)
def audit_answer_page(
    request: Request,
    finding_id: Id,
    c: Annotated[Caller, Depends(allow(*Role, case=FINDING))],
    cause: str = Form(""),
    action: str = Form(""),
    deadline: str = Form(""),
    evidence: UploadFile | None = File(None),
) -> Response:
    """The corrective action for a site-audit finding (cause, action, deadline, evidence)."""
    files = audits.upload_files(evidence)
    with db.reading() as s:
        app_id = s.get(SiteAudit, s.get(AuditFinding, finding_id).audit_id).application_id

    def answer(s: Session, user: User) -> None:
        day = audits.day("deadline", deadline)
        site_audits.answer(s, user, finding_id, cause, action, day, files)

    return _act(request, c.who, app_id, answer)


def _act(request: Request, who: Actor, app_id: int, step) -> Response:
    """Run one applicant step; a refusal comes back on the page, next to what caused it."""
    try:
        with db.transaction() as s:
            step(s, s.get(User, who.user_id))
    except SnicertError as exc:
        with db.reading() as s:
            case = _case(s, who, app_id)
        return page(
            request,
            "applicant_detail.html.j2",
            status_code=http_status(exc),
            who=who,
            **case,
            error=refusal(exc, lang_of(request)),
        )
    return RedirectResponse(f"/applications/{app_id}", status_code=303)


@router.get("/applications/{app_id}/test-report.pdf", include_in_schema=False)
def test_report_download(app_id: Id, c: OwnCaseFile) -> FileResponse:
    """The test report, once testing is complete: for the case's business, the lab and
    officials (snicert.services.papers)."""
    who = c.who
    with db.reading() as s:
        app, out = papers.test_report_file(s, s.get(User, who.user_id), app_id)
        path, number = outputs.absolute(out), app.number
    return FileResponse(path, media_type="application/pdf", filename=f"{number}-test-report.pdf")


@router.get("/applications/{app_id}/evaluation-report", include_in_schema=False)
def evaluation_report_download(app_id: Id, c: OwnCaseFile) -> FileResponse:
    """The evaluation report (its summary of every item and parameter): for the case's
    business and officials (snicert.services.papers)."""
    who = c.who
    with db.reading() as s:
        app, out = papers.evaluation_report_file(s, s.get(User, who.user_id), app_id)
        path, media, number = outputs.absolute(out), out.media_type, app.number
    return FileResponse(
        path,
        media_type=media,
        filename=f"{number}-evaluation-report.pdf",
        headers={"Content-Security-Policy": REPORT_POLICY},
    )


@router.get("/applications/{app_id}/certificate.{fmt}", include_in_schema=False)
def download(app_id: Id, fmt: str, c: OwnCaseFile) -> FileResponse:
    if fmt not in DOWNLOADS:
        raise HTTPException(404, "no such file")
    with db.reading() as s:
        app = application(s, app_id)
        cert = s.scalar(select(Certificate).where(Certificate.application_id == app.id))
        out = outputs.find(s, f"certificate:{cert.id}", DOWNLOADS[fmt]) if cert else None
        if out is None:
            raise HTTPException(404, "no certificate issued for this application")
        path, media, number = outputs.absolute(out), out.media_type, cert.number
    return FileResponse(
        path, media_type=media, filename=f"{number}.{fmt}".replace(".label", "-label.png")
    )


@router.get(
    "/documents/{doc_id}",
    tags=["applications"],
    response_class=Response,
    responses={
        200: {
            "description": "The file, in its own type",
            "content": {media: {} for media in sorted(set(uploads.MEDIA_TYPES.values()))},
        }
    },
)
def document_download(doc_id: Id, c: SignedInFile) -> Response:
    """A dossier document as uploaded (after re-encoding, for images): for the applicant's
    business and for staff. Sent as an attachment that the browser may not sniff or run."""
    who = c.who
    with db.reading() as s:
        doc, data = applications.document_file(s, s.get(User, who.user_id), doc_id)
        media, name = doc.media_type, doc.filename
    return Response(
        data,
        media_type=media,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox",
            "Cache-Control": "private, no-store",
        },
    )


PREVIEWABLE = frozenset({"application/pdf", "image/jpeg", "image/png", "image/webp"})


def _document_names(doc: Document, app: Application) -> dict[str, str]:
    """The document's kind as people read it (the product's own name for it)."""
    for d in (app.product_snapshot or {}).get("documents", []):
        if d["id"] == doc.kind:
            return d["name"]
    if doc.kind == "nc_response":
        return {"id": "Lampiran jawaban ketidaksesuaian", "en": "Attached to an answer"}
    return {"id": doc.kind, "en": doc.kind}


@router.get("/documents/{doc_id}/view", response_class=HTMLResponse, include_in_schema=False)
def document_view(request: Request, doc_id: Id, c: SignedIn) -> Response:
    """A dossier document shown in the page (PDF in the browser's viewer, images as they
    are), with its details and a download link: for whoever may see it (the business's
    applicant and staff). The file itself comes from /documents/{id}/inline, sandboxed."""
    who = c.who
    with db.reading() as s:
        user = s.get(User, who.user_id)
        doc = applications.document_meta(s, user, doc_id)
        app = s.get(Application, doc.application_id)
        info = {
            "id": doc.id,
            "filename": doc.filename,
            "media_type": doc.media_type,
            "size": doc.size,
            "uploaded_at": doc.uploaded_at,
            "kind": _document_names(doc, app),
            "previewable": doc.media_type in PREVIEWABLE,
            "image": doc.media_type.startswith("image/"),
        }
        back = (
            f"/review/{app.id}"
            if Role.OFFICIAL in user.roles and app.state != "draft"
            else f"/applications/{app.id}"
        )
        case = {"id": app.id, "number": app.number}
    return page(request, "document_view.html.j2", who=who, doc=info, case=case, back=back)


@router.get("/documents/{doc_id}/inline", include_in_schema=False)
def document_inline(doc_id: Id, c: SignedInFile) -> Response:
    """The document's bytes to show in the browser: `Content-Disposition: inline` under a
    sandbox policy (no script, no form, no plugin but the browser's PDF viewer), framed by
    snicert's own preview page only. Types that cannot be shown are sent as a download."""
    who = c.who
    with db.reading() as s:
        doc, data = applications.document_file(s, s.get(User, who.user_id), doc_id)
        media, name = doc.media_type, doc.filename
    disposition = "inline" if media in PREVIEWABLE else "attachment"
    return Response(
        data,
        media_type=media,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": PREVIEW_POLICY,
            "Cache-Control": "private, no-store",
        },
    )


def _products() -> list[tuple[str, str]]:
    """The products open for application (an approved checklist): only these are offered."""
    with db.reading() as s:
        open_now = checklists.open_products(s)
    return [
        (code, p.name.id)
        for code, p in sorted(default_catalog().products.items())
        if code in open_now
    ]


# ---------------------------------------------------------------- API


@router.get("/api/v1/applications", tags=["applications"])
def list_api(
    request: Request,
    c: SignedIn,
    q: str = "",
    product: str = "",
    state: str = "",
    sort: str = "",
    dir: str = "",  # noqa: A002 - the query parameter's name
    page: int = 1,
    size: int = 50,
) -> dict[str, Any]:
    """Applications the caller may see (an applicant's own business's, or all for staff):
    searched (number, brand), filtered (product, state), sorted (yours: their own turn
    first, an applicant's default; created, staff's default; changed, due, number; dir
    asc|desc) and paged (size at most 200), as /me shows them. A parameter
    that does not fit is refused with 422 naming it."""
    from snicert.web.app import my_applications

    who = c.who
    first = "yours" if Role.APPLICANT in who.roles and who.business_id else "created"
    query = api_query(request, queries.MINE_SORTS, sort=sort or first)
    with db.reading() as s:
        return my_applications(s, who.user_id, query).json()


class ApplicationIn(BaseModel):
    """A new application (draft) of the caller's business."""

    product: str = Field(max_length=limit_of(Application.product), description="e.g. abon")
    brand: str = Field(max_length=limit_of(Application.brand))
    production_site: str = Field(max_length=limit_of(Application.production_site))
    variants: str | None = Field(None, max_length=limit_of(Application.variants))


@router.post("/api/v1/applications", tags=["applications"], status_code=201)
def create_api(body: ApplicationIn, c: SignedIn) -> dict[str, Any]:
    with db.transaction() as s:
        app = applications.create(
            s,
            c.user(s),
            body.product,
            body.brand,
            body.production_site,
            body.variants,
        )
        return detail(s, app)


@router.get("/api/v1/applications/{app_id}", tags=["applications"])
def detail_api(app_id: Id, c: OwnCase) -> dict[str, Any]:
    with db.reading() as s:
        return detail(s, application(s, app_id))


@router.post("/api/v1/applications/{app_id}/documents", tags=["applications"], status_code=201)
def upload_api(
    app_id: Id, c: OwnCase, kind: str = Form(...), file: UploadFile = File(...)
) -> dict[str, Any]:
    """Add a dossier document. The body may be no larger than the largest document any
    product accepts (413); the file is then held to its own document's limit (422)."""
    data = file.file.read()
    with db.transaction() as s:
        doc = applications.attach_document(
            s, c.user(s), app_id, kind, file.filename or "file", data
        )
        return {
            "id": doc.id,
            "kind": doc.kind,
            "size": doc.size,
            "sha256": doc.sha256,
            "media_type": doc.media_type,
        }


class SubmitIn(BaseModel):
    """Submission under the certification agreement (GET /api/v1/agreement): the version
    read and accepted. Without it, or with an older one, submission is refused (422)."""

    agreement_version: int | None = Field(None, ge=1, le=MAX_ID)


@router.post("/api/v1/applications/{app_id}/submit", tags=["applications"])
def submit_api(app_id: Id, c: OwnCase, body: SubmitIn | None = None) -> dict[str, Any]:
    with db.transaction() as s:
        version = body.agreement_version if body else None
        app = applications.submit(s, c.user(s), app_id, version)
        info = fees.summary(s, app)
        return {"id": app.id, "state": app.state, "quotation": info and info["quotation"]}


class WithdrawIn(BaseModel):
    """Why the application is withdrawn (optional)."""

    reason: str | None = Field(None, max_length=LONG_TEXT)


@router.post("/api/v1/applications/{app_id}/withdraw", tags=["applications"])
def withdraw_api(app_id: Id, body: WithdrawIn, c: OwnCase) -> dict[str, Any]:
    """Withdraw one of your open applications: final, nothing more happens to it (apply
    anew to be certified). Refused (409) once it is closed (certified, refused, withdrawn)."""
    with db.transaction() as s:
        app = applications.withdraw(s, c.user(s), app_id, body.reason)
        return {"id": app.id, "state": app.state}


@router.post("/api/v1/certificates/{cert_id}/renew", tags=["applications"], status_code=201)
def renew_api(cert_id: Id, c: OwnCertificate, nothing: Nothing = None) -> dict[str, Any]:
    """Start the renewal of one of your certificates: a new application that carries the
    history of the earlier one."""
    with db.transaction() as s:
        return detail(s, applications.renew(s, c.user(s), cert_id))


@router.post("/certificates/{cert_id}/renew", include_in_schema=False)
def renew_page(cert_id: Id, c: OwnCertificate) -> Response:
    with db.reading() as s:
        old_app = s.get(Certificate, cert_id).application_id
    try:
        with db.transaction() as s:
            app_id = applications.renew(s, c.user(s), cert_id).id
    except SnicertError:  # the page says why by code, never by echoing text in the URL
        return RedirectResponse(f"/applications/{old_app}?error=renewal_refused", status_code=303)
    return RedirectResponse(f"/applications/{app_id}", status_code=303)


class AnswerIn(BaseModel):
    """The correction made; optionally a document uploaded for it (its id)."""

    text: str = Field(max_length=limit_of(NonconformityResponse.text))
    document_id: int | None = Field(None, ge=1, le=MAX_ID)


@router.post("/api/v1/nonconformities/{nc_id}/answer", tags=["applications"])
def answer_api(
    nc_id: Id, body: AnswerIn, c: Annotated[Caller, Depends(allow(*Role, case=NONCONFORMITY))]
) -> dict[str, Any]:
    with db.transaction() as s:
        nc = applications.answer_nonconformity(s, c.user(s), nc_id, body.text, body.document_id)
        return {"id": nc.id, "status": nc.status}
