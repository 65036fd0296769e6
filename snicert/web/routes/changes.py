"""Changes affecting certification and certificates behind a newer version, on the web: the
holder's form (a phone page) and API, the officials' list, assessment page and API, and
the list of certificates issued under an older checklist or standard. No rule lives here:
snicert/services/changes.py and snicert/services/versions.py.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert import settings
from snicert.db import engine as db
from snicert.db.models import Application, Certificate, CertificateChange, User
from snicert.errors import InvalidInput, NotFound, SnicertError, http_status
from snicert.lifecycle import ChangeState
from snicert.services import changes, versions
from snicert.services.guards import application, get
from snicert.services.text import LONG_TEXT, limit_of
from snicert.web.access import Caller, Official, OwnCase, OwnCertificate, SignedInFile
from snicert.web.api import Id
from snicert.web.auth import Actor
from snicert.web.forms import PageForm
from snicert.web.i18n import lang_of, refusal
from snicert.web.pages import page
from snicert.web.routes.staff import StaffRoute, see_other

router = APIRouter()  # the holder's pages and API (and the documents, staff too)
staff = APIRouter(route_class=StaffRoute)
# the holder's form takes documents (snicert.web.bodies lets it through as an upload)
UPLOAD_PATHS = r"/applications/\d+/changes"
REASONS_LIMIT = LONG_TEXT - 60


def _certificate(s: Session, app_id: int) -> tuple[Application, Certificate]:
    """The application (the caller may see it: OwnCase) and its certificate."""
    app = application(s, app_id)
    cert = s.scalar(select(Certificate).where(Certificate.application_id == app.id))
    if cert is None:
        raise HTTPException(404, f"application {app.number} has no certificate")
    return app, cert


def change_json(s: Session, row: CertificateChange) -> dict[str, Any]:
    cert = s.get(Certificate, row.certificate_id)
    return {
        "id": row.id,
        "number": row.number,
        "certificate_id": cert.id,
        "certificate_number": cert.number,
        "application_id": row.application_id,
        "kind": row.kind,
        "description": row.description,
        "status": row.state,
        "notified_at": row.notified_at,
        "assessed_at": row.assessed_at,
        "reasons": row.reasons,
        "surveillance_case_id": row.surveillance_case_id,
        "documents": [
            {"id": d.id, "filename": d.filename, "url": f"/change-documents/{d.id}"}
            for d in changes.documents_of(s, row.id)
        ],
    }


# ---------------------------------------------------------------- the holder: pages


def _form(
    request: Request,
    who: Actor,
    app_id: int,
    status: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    with db.reading() as s:
        app, cert = _certificate(s, app_id)
        return page(
            request,
            "change_new.html.j2",
            status_code=status,
            who=who,
            app=app,
            cert=cert,
            kinds=changes.KINDS,
            earlier=[change_json(s, r) for r in changes.of_certificate(s, cert.id)],
            errors=errors or {},
            form=form or {},
            limit=limit_of(CertificateChange.description),
            local=settings.local_time,
        )


@router.get("/applications/{app_id}/changes", response_class=HTMLResponse, include_in_schema=False)
def change_form(request: Request, app_id: Id, c: OwnCase) -> Response:
    return _form(request, c.who, app_id)


@router.post("/applications/{app_id}/changes", include_in_schema=False)
def change_post(
    request: Request,
    app_id: Id,
    c: OwnCase,
    kind: str = Form(""),
    description: str = Form(""),
    documents: list[UploadFile] | None = File(None),
) -> Response:
    who = c.who
    files = [(f.filename, f.file.read()) for f in documents or [] if f.filename]
    with db.reading() as s:
        _, cert = _certificate(s, app_id)
        cert_id = cert.id
    try:
        with db.transaction() as s:
            changes.notify(s, s.get(User, who.user_id), cert_id, kind, description, files)
    except SnicertError as exc:
        field = exc.field if isinstance(exc, InvalidInput) else ""
        form = {"kind": kind, "description": description}
        errors = {field: refusal(exc, lang_of(request))}
        return _form(request, who, app_id, http_status(exc), errors, form)
    return RedirectResponse(f"/applications/{app_id}/changes?sent=1", status_code=303)


@router.get("/change-documents/{doc_id}", include_in_schema=False)
def document_download(doc_id: Id, c: SignedInFile) -> Response:
    with db.reading() as s:
        try:
            doc, data = changes.document_file(s, c.user(s), doc_id)
        except NotFound as exc:
            raise HTTPException(404, str(exc)) from None
        name, media = doc.filename, doc.media_type
    return Response(
        data,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="change-document-{doc_id}"',
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "X-Document-Name": re.sub(r"[^\x20-\x7e]", "_", name)[:200],
        },
    )


# ---------------------------------------------------------------- the holder: API


class ChangeIn(BaseModel):
    """A change affecting certification: of the product, the production site, the
    ownership, or something else. Documents go with the page's form."""

    kind: Literal["product", "site", "ownership", "other"]
    description: str = Field(min_length=1, max_length=limit_of(CertificateChange.description))


class ChangeDocumentOut(BaseModel):
    id: int
    filename: str
    url: str


class ChangeOut(BaseModel):
    id: int
    number: str = Field(description="PRB-<YEAR>-<NNNN>")
    certificate_id: int
    certificate_number: str
    application_id: int
    kind: str
    description: str
    status: str = Field(description="notified, no_action, new_evaluation or suspension")
    notified_at: datetime
    assessed_at: datetime | None
    reasons: str | None
    surveillance_case_id: int | None = Field(description="the special surveillance opened")
    documents: list[ChangeDocumentOut]


@router.post("/api/v1/certificates/{cert_id}/changes", tags=["applications"], status_code=201)
def change_api(cert_id: Id, body: ChangeIn, c: OwnCertificate) -> ChangeOut:
    """Notify a change affecting your certificate (active or suspended); an official
    assesses it and you are told the outcome."""
    with db.transaction() as s:
        row = changes.notify(s, c.user(s), cert_id, body.kind, body.description)
        return ChangeOut(**change_json(s, row))


@router.get("/api/v1/certificates/{cert_id}/changes", tags=["applications"])
def changes_api(cert_id: Id, c: OwnCertificate) -> list[ChangeOut]:
    """The changes notified for a certificate and their assessment (holder and staff)."""
    with db.reading() as s:
        return [ChangeOut(**change_json(s, r)) for r in changes.of_certificate(s, cert_id)]


# ---------------------------------------------------------------- officials: changes


@staff.get("/official/changes", response_class=HTMLResponse, include_in_schema=False)
def change_list(request: Request, c: Official, status: str = "") -> HTMLResponse:
    with db.reading() as s:
        status = status if status in {x.value for x in ChangeState} else ""
        rows = [change_json(s, r) for r in changes.listing(s, c.user(s), status or None)]
        return page(
            request,
            "change_list.html.j2",
            who=c.who,
            rows=rows,
            status=status,
            states=[x.value for x in ChangeState],
            local=settings.local_time,
        )


def _change_page(
    request: Request,
    c: Caller,
    change_id: int,
    status: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    with db.reading() as s:
        row = get(s, CertificateChange, change_id, "change")
        cert = s.get(Certificate, row.certificate_id)
        assessor = s.get(User, row.assessed_by) if row.assessed_by else None
        return page(
            request,
            "change_assess.html.j2",
            status_code=status,
            who=c.who,
            row=change_json(s, row),
            cert=cert,
            holder=cert.data["holder"]["name"],
            assessor=assessor.name if assessor else None,
            outcomes=changes.OUTCOMES,
            errors=errors or {},
            form=form or {},
            local=settings.local_time,
        )


@staff.get("/official/changes/{change_id}", response_class=HTMLResponse, include_in_schema=False)
def change_page(request: Request, change_id: Id, c: Official) -> HTMLResponse:
    return _change_page(request, c, change_id)


class AssessmentForm(PageForm):
    outcome: str = ""
    reasons: str = ""


@staff.post("/official/changes/{change_id}", include_in_schema=False)
def assess_post(
    request: Request, change_id: Id, c: Official, form: Annotated[AssessmentForm, Form()]
) -> Response:
    def act(s: Session, user: User) -> None:
        changes.assess(s, user, change_id, form.outcome, form.reasons)

    if exc := c.attempt(act):
        errors = {exc.field: refusal(exc, lang_of(request))}
        return _change_page(request, c, change_id, 422, errors, form.typed())
    return see_other(f"/official/changes/{change_id}")


class AssessmentIn(BaseModel):
    outcome: Literal["no_action", "new_evaluation", "suspension"]
    reasons: str = Field(min_length=1, max_length=REASONS_LIMIT)


@staff.get("/api/v1/changes", tags=["official"])
def change_list_api(
    c: Official,
    status: Literal["notified", "no_action", "new_evaluation", "suspension"] | None = None,
) -> list[ChangeOut]:
    """Changes notified by holders, newest first (at most 500)."""
    with db.reading() as s:
        return [ChangeOut(**change_json(s, r)) for r in changes.listing(s, c.user(s), status)]


@staff.post("/api/v1/changes/{change_id}/assessment", tags=["official"])
def assess_api(change_id: Id, body: AssessmentIn, c: Official) -> ChangeOut:
    """Assess a notified change (an official not involved in the case): no action, a new
    evaluation (a special surveillance is opened) or the certificate's suspension."""
    with db.transaction() as s:
        row = changes.assess(s, c.user(s), change_id, body.outcome, body.reasons)
        return ChangeOut(**change_json(s, row))


# ---------------------------------------------------------------- officials: versions


def affected_json(a: versions.Affected) -> dict[str, Any]:
    r = a.review
    return {
        "certificate_id": a.certificate.id,
        "certificate_number": a.certificate.number,
        "certificate_status": a.certificate.status,
        "holder": a.certificate.data["holder"]["name"],
        "product": a.certificate.product,
        "basis": a.basis,
        "issued_under": a.issued_under,
        "current": a.against,
        "status": a.state,
        "outcome": r.outcome if r else None,
        "note": r.note if r else None,
        "assessed_at": r.assessed_at if r else None,
        "surveillance_case_id": r.surveillance_case_id if r else None,
    }


def _versions_page(
    request: Request,
    c: Caller,
    status: int = 200,
    errors: dict[str, str] | None = None,
    product: str = "",
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    with db.reading() as s:
        rows = [affected_json(a) for a in versions.affected(s, c.user(s), product or None)]
        return page(
            request,
            "versions_affected.html.j2",
            status_code=status,
            who=c.who,
            rows=rows,
            outcomes=versions.OUTCOMES,
            errors=errors or {},
            form=form or {},
            local=settings.local_time,
        )


@staff.get("/official/versions", response_class=HTMLResponse, include_in_schema=False)
def versions_page(request: Request, c: Official, product: str = "") -> HTMLResponse:
    return _versions_page(request, c, product=product[:64])


class VersionForm(PageForm):
    outcome: str = ""
    note: str = ""


@staff.post("/official/versions/{cert_id}/{basis}", include_in_schema=False)
def version_post(
    request: Request,
    cert_id: Id,
    basis: Literal["checklist", "audit_checklist", "standard"],
    c: Official,
    f: Annotated[VersionForm, Form()],
) -> Response:
    def act(s: Session, user: User) -> None:
        versions.assess(s, user, cert_id, basis, f.outcome, f.note)

    if exc := c.attempt(act):
        key = f"{cert_id}-{basis}"
        return _versions_page(request, c, 422, {key: refusal(exc, lang_of(request))})
    return see_other("/official/versions")


class AffectedOut(BaseModel):
    certificate_id: int
    certificate_number: str
    certificate_status: str
    holder: str
    product: str
    basis: str = Field(description="checklist, audit_checklist or standard")
    issued_under: str = Field(description="the version the certificate was issued under")
    current: str = Field(description="the newer version")
    status: str = Field(description="pending or assessed")
    outcome: str | None
    note: str | None
    assessed_at: datetime | None
    surveillance_case_id: int | None


class VersionReviewIn(BaseModel):
    basis: Literal["checklist", "audit_checklist", "standard"]
    outcome: Literal["no_action", "new_evaluation", "suspension"]
    note: str = Field(min_length=1, max_length=REASONS_LIMIT)


@staff.get("/api/v1/versions/affected", tags=["official"])
def affected_api(
    c: Official, product: str | None = None, pending: bool = False
) -> list[AffectedOut]:
    """Valid certificates issued under an older checklist, audit checklist or standard
    than the product's current one; `pending`: only those not yet assessed."""
    with db.reading() as s:
        found = versions.affected(s, c.user(s), (product or "")[:64] or None, pending)
        return [AffectedOut(**affected_json(a)) for a in found]


@staff.post("/api/v1/certificates/{cert_id}/version-reviews", tags=["official"])
def version_review_api(cert_id: Id, body: VersionReviewIn, c: Official) -> AffectedOut:
    """Mark an affected certificate as assessed, with an outcome (a new evaluation opens a
    special surveillance; a suspension suspends the certificate)."""
    with db.transaction() as s:
        user = c.user(s)
        versions.assess(s, user, cert_id, body.basis, body.outcome, body.note)
        cert = s.get(Certificate, cert_id)
        done = next(
            a
            for a in versions.affected(s, user, cert.product)
            if a.certificate.id == cert_id and a.basis == body.basis
        )
        return AffectedOut(**affected_json(done))
