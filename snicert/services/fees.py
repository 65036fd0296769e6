"""The certification agreement and the fees (ISO/IEC 17065 §4.1.2; LSPro practice: the
agreement, a quotation and payment come before the document audit).

- The applicant accepts the agreement (products/agreement.yaml) at submission: its version
  and the moment are recorded on the application, in the submission's audit event.
- A quotation is made at submission from the product's tariff as snapshotted then
  (products/<code>.yaml `tariff`), numbered, with an HTML page and a PDF.
- When the dossier passes screening an invoice is issued (numbered, due in the service
  standard's `payment` working days); the case waits in `payment`.
- The applicant uploads a proof of payment (checked like dossier documents, stored as a
  Document of kind payment_proof); the case waits in `payment_check`.
- An official confirms it (the invoice is paid, document review starts) or refuses it with
  a reason (back to `payment`: the applicant uploads again).

The application's states and who moves them are lifecycle.TRANSITIONS; their guards are
GUARDS here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert import audit, clock, lifecycle, settings, snapshots, storage, uploads
from snicert.catalog import default_catalog
from snicert.catalog.models import Agreement
from snicert.db.models import Application, Document, Invoice, PaymentProof, Quotation, User
from snicert.errors import Conflict, InvalidInput, NotFound
from snicert.roles import Role
from snicert.services import counters, text
from snicert.services.guards import application, can_see, require_owner, require_role, thing

PROOF_KIND = "payment_proof"  # Document.kind of a proof of payment
PROOF_TYPES = ["pdf", "jpg", "png", "webp"]
PROOF_LIMIT_MB = 5
REFERENCE_MAX = 100


# --- the agreement ----------------------------------------------------------------------


def agreement() -> Agreement:
    """The agreement in force (products/agreement.yaml)."""
    found = default_catalog().agreement
    if found is None:
        raise Conflict("fee_no_agreement")
    return found


def accept_agreement(app: Application, version: object) -> int:
    """Record the applicant's acceptance of the agreement in force, or refuse naming the
    field: not accepted, or accepted in a version that is no longer the one in force."""
    current = agreement()
    if version in (None, "", False, 0):
        raise InvalidInput("agreement_version", version, "agreement_required")
    try:
        accepted = int(version)  # a form sends the version as text
    except (TypeError, ValueError):
        accepted = -1
    if isinstance(version, bool) or accepted != current.version:
        raise InvalidInput("agreement_version", version, "agreement_outdated")
    app.agreement_version = current.version
    app.agreement_accepted_at = clock.now()
    return current.version


# --- the quotation ----------------------------------------------------------------------


def quotation(s: Session, app_id: int) -> Quotation | None:
    return s.scalar(select(Quotation).where(Quotation.application_id == app_id))


def quote(s: Session, actor: User, app: Application) -> Quotation:
    """The quotation of a submitted case, from its snapshot's tariff (made once)."""
    from snicert import fee_documents

    existing = quotation(s, app.id)
    if existing is not None:
        return existing
    tariff = snapshots.product(app).tariff
    items = [
        {"id": i.id, "name": i.name.model_dump(), "amount_idr": i.amount_idr} for i in tariff.items
    ]
    now = clock.now()
    seq = counters.next_value(s, f"quotation:{now.year}")
    q = Quotation(
        application_id=app.id,
        number=f"PNW-{now.year}-{seq:05d}",
        items={
            "items": items,
            "legal_basis": tariff.legal_basis.model_dump(),
            "status": tariff.status,
            "reference": tariff.reference,
            "note": tariff.note.model_dump() if tariff.note else None,
        },
        total_idr=sum(i["amount_idr"] for i in items),
        issued_at=now,
    )
    s.add(q)
    s.flush()
    audit.record(
        s,
        actor,
        "quotation.issued",
        "quotation",
        q.id,
        app.id,
        number=q.number,
        total_idr=q.total_idr,
        provisional=tariff.status == "provisional",
    )
    fee_documents.render_quotation(s, app, q)
    return q


# --- the invoice ------------------------------------------------------------------------


def invoice(s: Session, app_id: int) -> Invoice | None:
    return s.scalar(select(Invoice).where(Invoice.application_id == app_id))


def issue_invoice(s: Session, actor: User, app: Application) -> Invoice:
    """The invoice of the case's quotation, when it enters payment (issued once)."""
    existing = invoice(s, app.id)
    if existing is not None:
        return existing
    q = quotation(s, app.id) or quote(s, actor, app)
    now = clock.now()
    days = snapshots.product(app).service_standard_days.payment
    seq = counters.next_value(s, f"invoice:{now.year}")
    inv = Invoice(
        application_id=app.id,
        quotation_id=q.id,
        number=f"INV-{now.year}-{seq:05d}",
        total_idr=q.total_idr,
        issued_at=now,
        due_at=clock.add_working_days(now, days),
    )
    s.add(inv)
    s.flush()
    audit.record(
        s,
        actor,
        "invoice.issued",
        "invoice",
        inv.id,
        app.id,
        number=inv.number,
        quotation=q.number,
        total_idr=inv.total_idr,
        due_at=inv.due_at.isoformat(),
    )
    from snicert import fee_documents

    fee_documents.render_invoice(s, app, q, inv)
    return inv


def proofs(s: Session, invoice_id: int) -> list[PaymentProof]:
    return list(
        s.scalars(
            select(PaymentProof)
            .where(PaymentProof.invoice_id == invoice_id)
            .order_by(PaymentProof.id)
        )
    )


def _pending_proof(s: Session, app: Application) -> PaymentProof | None:
    inv = invoice(s, app.id)
    if inv is None:
        return None
    return s.scalar(
        select(PaymentProof)
        .where(PaymentProof.invoice_id == inv.id, PaymentProof.verdict.is_(None))
        .order_by(PaymentProof.id.desc())
        .limit(1)
    )


def paid(s: Session, app: Application) -> bool:
    inv = invoice(s, app.id)
    return inv is not None and inv.paid_at is not None


# --- the applicant's proof and the official's verdict ----------------------------------


def submit_proof(
    s: Session,
    actor: User,
    app_id: int,
    filename: str,
    data: bytes,
    reference: str | None = None,
) -> PaymentProof:
    """The applicant's proof of payment (a transfer slip or receipt: PDF or photo)."""
    app = application(s, app_id, lock=True)
    require_owner(actor, app)
    # the invoice must exist before a file is stored for it
    lifecycle.run_guards(s, app, lifecycle.check(app.state, "submit_payment_proof", actor), actor)
    reference = text.optional("reference", reference, PaymentProof.reference)
    ok = uploads.accept(PROOF_KIND, filename, data, PROOF_TYPES, PROOF_LIMIT_MB)
    digest = storage.put(ok.data)
    now = clock.now()
    doc = Document(
        application_id=app.id,
        kind=PROOF_KIND,
        filename=ok.filename,
        media_type=ok.media_type,
        sha256=digest,
        size=len(ok.data),
        uploaded_by=actor.id,
        uploaded_at=now,
    )
    s.add(doc)
    s.flush()
    audit.record(
        s,
        actor,
        "document.attached",
        "document",
        doc.id,
        app.id,
        kind=PROOF_KIND,
        sha256=digest,
        size=len(ok.data),
    )
    inv = invoice(s, app.id)
    proof = PaymentProof(
        invoice_id=inv.id,
        document_id=doc.id,
        reference=reference,
        submitted_by=actor.id,
        submitted_at=now,
    )
    s.add(proof)
    s.flush()
    lifecycle.apply(
        s, app, "submit_payment_proof", actor, invoice=inv.number, proof=proof.id, document=doc.id
    )
    return proof


def confirm(s: Session, actor: User, app_id: int) -> Invoice:
    """An official confirms the pending proof: the invoice is paid, document review starts."""
    require_role(actor, Role.OFFICIAL)
    app = application(s, app_id, lock=True)
    lifecycle.check(app.state, "confirm_payment", actor)
    proof = _pending_proof(s, app)
    inv = invoice(s, app.id)
    lifecycle.apply(
        s,
        app,
        "confirm_payment",
        actor,
        invoice=inv.number if inv else None,
        proof=proof.id if proof else None,
    )
    now = clock.now()
    proof.verdict, proof.verdict_by, proof.verdict_at = "confirmed", actor.id, now
    inv.paid_at = now
    return inv


def refuse(s: Session, actor: User, app_id: int, reason: str) -> PaymentProof:
    """An official refuses the pending proof, saying why; the applicant uploads again."""
    require_role(actor, Role.OFFICIAL)
    app = application(s, app_id, lock=True)
    lifecycle.check(app.state, "refuse_payment", actor)
    reason = text.clean(
        "reason",
        reason,
        PaymentProof.reason,
        multiline=True,
        required=True,
    )
    proof = _pending_proof(s, app)
    if proof is not None:
        proof.reason = reason
    lifecycle.apply(
        s, app, "refuse_payment", actor, proof=proof.id if proof else None, reason=reason
    )
    proof.verdict, proof.verdict_by, proof.verdict_at = "refused", actor.id, clock.now()
    return proof


def proof_file(s: Session, actor: User, proof_id: int) -> tuple[PaymentProof, Document, bytes]:
    """A proof for staff and for the business that paid; to anyone else it does not exist."""
    proof = s.get(PaymentProof, proof_id)
    if proof is not None:
        inv = s.get(Invoice, proof.invoice_id)
        if can_see(actor, application(s, inv.application_id)):
            doc = s.get(Document, proof.document_id)
            return proof, doc, storage.get(doc.sha256)
    raise NotFound("not_found", what=thing("payment proof"), ident=proof_id)


def pay_to() -> dict[str, str]:
    """Where an invoice is paid (snicert.settings): bank, account number and holder; an
    empty account means the applicant asks the LSPro for it."""
    now = settings.current()
    return {"bank": now.payment_bank, "account": now.payment_account, "payee": now.payee}


def summary(s: Session, app: Application) -> dict[str, Any] | None:
    """The quotation, the invoice and its proofs, as the pages and the API show them."""
    from snicert.fee_documents import rupiah

    q = quotation(s, app.id)
    if q is None:
        return None
    inv = invoice(s, app.id)
    return {
        "quotation": {
            "number": q.number,
            "total_idr": q.total_idr,
            "total_text": rupiah(q.total_idr),
            "items": [{**i, "amount_text": rupiah(i["amount_idr"])} for i in q.items["items"]],
            "note": q.items.get("note"),
            "legal_basis": q.items["legal_basis"],
            "provisional": q.items["status"] == "provisional",
            "issued_at": q.issued_at.isoformat(),
            "url": f"/applications/{app.id}/quotation",
            "pdf": f"/applications/{app.id}/quotation.pdf",
        },
        "invoice": (
            {
                "number": inv.number,
                "total_idr": inv.total_idr,
                "total_text": rupiah(inv.total_idr),
                "issued_at": inv.issued_at.isoformat(),
                "due_at": inv.due_at.isoformat(),
                "paid_at": inv.paid_at.isoformat() if inv.paid_at else None,
                "url": f"/applications/{app.id}/quotation#invoice",
                "pdf": f"/applications/{app.id}/invoice.pdf",
                "pay_to": pay_to(),
                "proofs": [
                    {
                        "id": p.id,
                        "reference": p.reference,
                        "submitted_at": p.submitted_at.isoformat(),
                        "verdict": p.verdict,
                        "reason": p.reason,
                        "url": f"/payment-proofs/{p.id}",
                    }
                    for p in proofs(s, inv.id)
                ],
            }
            if inv
            else None
        ),
        "agreement_version": app.agreement_version,
        "agreement_accepted_at": (
            app.agreement_accepted_at.isoformat() if app.agreement_accepted_at else None
        ),
    }


# --- the application's guards (lifecycle.TRANSITIONS) -----------------------------------


def _invoice_issued(s: Session, app: Application, actor: User) -> None:
    if invoice(s, app.id) is None:
        raise Conflict("fee_no_invoice", case=app.number)


def _proof_awaiting_check(s: Session, app: Application, actor: User) -> None:
    if _pending_proof(s, app) is None:
        raise Conflict("fee_no_proof", case=app.number)


def _reason_stated(s: Session, app: Application, actor: User) -> None:
    proof = _pending_proof(s, app)
    if proof is None or not (proof.reason or "").strip():
        raise InvalidInput("reason", None, "required")


def _payment_confirmed(s: Session, app: Application, actor: User) -> None:
    if not paid(s, app):
        raise Conflict("fee_not_confirmed", case=app.number)


def _payment_not_confirmed(s: Session, app: Application, actor: User) -> None:
    if paid(s, app):
        raise Conflict("fee_already_confirmed", case=app.number)


GUARDS: dict[str, Callable[[Session, Application, User], None]] = {
    "invoice_issued": _invoice_issued,
    "proof_awaiting_check": _proof_awaiting_check,
    "reason_stated": _reason_stated,
    "payment_confirmed": _payment_confirmed,
    "payment_not_confirmed": _payment_not_confirmed,
}
