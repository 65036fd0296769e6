"""The agreement, the quotation, the invoice and the proof of payment (snicert/services/fees.py).

The applicant reads the quotation and the invoice (page and PDF) and uploads a proof of
payment from a phone; an official confirms it or refuses it with a reason. Whoever may not
see the application gets 404.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from snicert import outputs, queries
from snicert.db import engine as db
from snicert.db.models import Application, PaymentProof
from snicert.fee_documents import rupiah
from snicert.roles import Role
from snicert.services import fees
from snicert.services.guards import application
from snicert.services.text import limit_of
from snicert.web.access import Caller, Official, OwnCase, OwnCaseFile, SignedInFile
from snicert.web.api import Id, Nothing
from snicert.web.forms import ReasonForm
from snicert.web.i18n import lang_of, refusal
from snicert.web.pages import page
from snicert.web.routes.applicant import _act, agreement_view
from snicert.web.routes.lists import page_query, product_filter, product_names
from snicert.web.routes.staff import StaffRoute, app_summary, see_other

router = APIRouter()  # the applicant's side (and whoever may see the case)
staff = APIRouter(route_class=StaffRoute)
UPLOAD_PATHS = r"(/api/v1)?/applications/\d+/payment-proof"


def _fees_page(
    request: Request, who: Any, s: Session, app: Application, status: int = 200, **extra: Any
) -> HTMLResponse:
    info = fees.summary(s, app)
    if info is None:
        raise HTTPException(404, "no quotation yet: it is made when the dossier is submitted")
    return page(
        request,
        "fees.html.j2",
        status_code=status,
        who=who,
        app=app,
        fees=info,
        can_upload=app.state == "payment" and Role.APPLICANT in who.roles,
        **extra,
    )


@router.get(
    "/applications/{app_id}/quotation", response_class=HTMLResponse, include_in_schema=False
)
def quotation_page(request: Request, app_id: Id, c: OwnCase) -> Response:
    with db.reading() as s:
        return _fees_page(request, c.who, s, application(s, app_id))


def _pdf(app_id: int, which: str) -> FileResponse:
    with db.reading() as s:
        app = application(s, app_id)
        row = fees.quotation(s, app.id) if which == "quotation" else fees.invoice(s, app.id)
        out = outputs.find(s, f"{which}:{row.id}", f"{which}_pdf") if row else None
        if out is None:
            raise HTTPException(404, f"no {which} for this application yet")
        path, number = outputs.absolute(out), row.number
    return FileResponse(path, media_type="application/pdf", filename=f"{number}.pdf")


@router.get("/applications/{app_id}/quotation.pdf", include_in_schema=False)
def quotation_pdf(app_id: Id, c: OwnCaseFile) -> FileResponse:
    return _pdf(app_id, "quotation")


@router.get("/applications/{app_id}/invoice.pdf", include_in_schema=False)
def invoice_pdf(app_id: Id, c: OwnCaseFile) -> FileResponse:
    return _pdf(app_id, "invoice")


@router.post("/applications/{app_id}/payment-proof", include_in_schema=False)
def proof_page(
    request: Request,
    app_id: Id,
    c: OwnCase,
    file: UploadFile = File(...),
    reference: str = Form(""),
) -> Response:
    data = file.file.read()
    response = _act(
        request,
        c.who,
        app_id,
        lambda s, user: fees.submit_proof(
            s, user, app_id, file.filename or "bukti", data, reference or None
        ),
    )
    return response


@router.get("/payment-proofs/{proof_id}", tags=["fees"], response_class=Response)
def proof_download(proof_id: Id, c: SignedInFile) -> Response:
    """A proof of payment as uploaded, for the business that paid and for staff."""
    with db.reading() as s:
        _, doc, data = fees.proof_file(s, c.user(s), proof_id)
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


# ---------------------------------------------------------------- API (applicant)


@router.get("/api/v1/agreement", tags=["fees"])
def agreement_api() -> dict[str, Any]:
    """The certification agreement in force: accept its `version` when submitting."""
    return agreement_view()


@router.get("/api/v1/applications/{app_id}/fees", tags=["fees"])
def fees_api(app_id: Id, c: OwnCase) -> dict[str, Any]:
    """The quotation, the invoice and its proofs of payment, and the agreement accepted."""
    with db.reading() as s:
        info = fees.summary(s, application(s, app_id))
        if info is None:
            raise HTTPException(404, "no quotation yet: it is made when the dossier is submitted")
        return info


@router.post("/api/v1/applications/{app_id}/payment-proof", tags=["fees"], status_code=201)
def proof_api(
    app_id: Id,
    c: OwnCase,
    file: UploadFile = File(...),
    reference: str | None = Form(None, max_length=limit_of(PaymentProof.reference)),
) -> dict[str, Any]:
    """Upload the proof of payment of the case's invoice (PDF or photo, at most 5 MB)."""
    data = file.file.read()
    with db.transaction() as s:
        proof = fees.submit_proof(s, c.user(s), app_id, file.filename or "bukti", data, reference)
        return {"id": proof.id, "state": s.get(Application, app_id).state}


# ---------------------------------------------------------------- the official


@staff.get("/official/payments", response_class=HTMLResponse, include_in_schema=False)
def worklist_page(request: Request, c: Official) -> HTMLResponse:
    """Proofs of payment awaiting an official, the longest waiting first (SQL-paged)."""
    lang = lang_of(request)
    query, bad = page_query(request, queries.PAYMENT_SORTS, sort="waiting")
    with db.reading() as s:
        found = queries.payments(s, query)
    for row in found.rows:
        row["total"] = rupiah(row["total_idr"])
    products = product_names(lang)
    return page(
        request,
        "payments.html.j2",
        who=c.who,
        p=found,
        bad=bad,
        filters=[product_filter(lang)],
        products=products,
    )


def _check_page(
    request: Request, c: Caller, app_id: int, status: int = 200, **extra: Any
) -> HTMLResponse:
    with db.reading() as s:
        app = s.get(Application, app_id)
        if app is None:
            raise HTTPException(404, f"application {app_id} not found")
        return _fees_page(request, c.who, s, app, status, official=True, **extra)


@staff.get("/official/payments/{app_id}", response_class=HTMLResponse, include_in_schema=False)
def check_page(request: Request, app_id: Id, c: Official) -> HTMLResponse:
    return _check_page(request, c, app_id, errors={}, form={})


@staff.post("/official/payments/{app_id}/confirm", include_in_schema=False)
def confirm_page(request: Request, app_id: Id, c: Official) -> Response:
    c.attempt(lambda s, user: fees.confirm(s, user, app_id))
    return see_other(f"/official/payments/{app_id}")


@staff.post("/official/payments/{app_id}/refuse", include_in_schema=False)
def refuse_page(
    request: Request, app_id: Id, c: Official, form: Annotated[ReasonForm, Form()]
) -> Response:
    reason = form.reason
    if exc := c.attempt(lambda s, user: fees.refuse(s, user, app_id, reason)):
        return _check_page(
            request,
            c,
            app_id,
            422,
            errors={exc.field: refusal(exc, lang_of(request))},
            form={"reason": reason},
        )
    return see_other(f"/official/payments/{app_id}")


class RefuseIn(BaseModel):
    """Why the proof of payment is not accepted (the applicant reads it)."""

    reason: str = Field(max_length=limit_of(PaymentProof.reason))


@staff.post("/api/v1/applications/{app_id}/payment/confirm", tags=["fees"])
def confirm_api(app_id: Id, c: Official, nothing: Nothing = None) -> dict[str, Any]:
    """Confirm the pending proof of payment: the document review starts."""
    with db.transaction() as s:
        fees.confirm(s, c.user(s), app_id)
        return app_summary(s.get(Application, app_id))


@staff.post("/api/v1/applications/{app_id}/payment/refuse", tags=["fees"])
def refuse_api(app_id: Id, body: RefuseIn, c: Official) -> dict[str, Any]:
    """Refuse the pending proof of payment, saying why: the applicant uploads again."""
    with db.transaction() as s:
        fees.refuse(s, c.user(s), app_id, body.reason)
        return app_summary(s.get(Application, app_id))
