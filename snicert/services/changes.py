"""Changes affecting certification (ISO/IEC 17065 §7.10): the holder of an active or
suspended certificate notifies a change of the product, the production site, the
ownership or something else, with optional documents (checked like dossier documents,
snicert.uploads). An official not involved in the case assesses it
(lifecycle.CHANGE_TRANSITIONS): no action; a new evaluation, opened as a special
surveillance of the certificate (its own site audit or sampling, then pass or fail);
or the certificate's suspension through its own lifecycle (services/certificates.py).

`certificate_change.notified` and `certificate_change.assessed` are recorded in the same
transaction as the change and told through snicert/services/moments.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert import audit, clock, lifecycle, storage, uploads
from snicert.db.models import (
    Certificate,
    CertificateChange,
    ChangeDocument,
    SurveillanceCase,
    User,
)
from snicert.errors import Conflict, InvalidInput, NotFound
from snicert.lifecycle import CHANGE_TRANSITIONS, CertState, ChangeState, Transition
from snicert.messages import named
from snicert.roles import Role
from snicert.services import certificates, counters, monitoring, text
from snicert.services.guards import application, get, require_owner, require_role, thing
from snicert.services.impartiality import impartial

KINDS = ("product", "site", "ownership", "other")
OUTCOMES = tuple(t.action for t in CHANGE_TRANSITIONS)  # no_action|new_evaluation|suspension
DOCUMENT_TYPES = ["pdf", "jpg", "png", "webp"]
DOCUMENT_LIMIT_MB = 10
MAX_DOCUMENTS = 5
LIVE = (CertState.ACTIVE.value, CertState.SUSPENDED.value)


def notify(
    s: Session,
    actor: User,
    cert_id: int,
    kind: str,
    description: str,
    documents: list[tuple[str, bytes]] = (),
) -> CertificateChange:
    """The holder tells the LSPro of a change; acknowledged at once with its number."""
    cert = get(s, Certificate, cert_id, "certificate")
    app = application(s, cert.application_id, lock=True)
    require_owner(actor, app)
    if cert.status not in LIVE:
        raise Conflict("chg_err_cert_state", number=cert.number, status=named(cert.status))
    if kind not in KINDS:
        raise InvalidInput("kind", kind, "chg_no_kind")
    if not isinstance(description, str) or not description.strip():
        raise InvalidInput("description", "", "chg_need_description")
    body = text.clean("description", description, CertificateChange.description, multiline=True)
    if len(documents) > MAX_DOCUMENTS:
        raise InvalidInput("documents", len(documents), "chg_err_documents", limit=MAX_DOCUMENTS)
    now = clock.now()
    row = CertificateChange(
        number=f"PRB-{now.year}-{counters.next_value(s, f'change:{now.year}'):04d}",
        certificate_id=cert.id,
        application_id=app.id,
        kind=kind,
        description=body,
        state=ChangeState.NOTIFIED.value,
        notified_by=actor.id,
        notified_at=now,
    )
    s.add(row)
    s.flush()
    audit.record(
        s,
        actor,
        "certificate_change.notified",
        "certificate_change",
        row.id,
        app.id,
        number=row.number,
        certificate=cert.number,
        kind=kind,
    )
    for filename, data in documents:
        add_document(s, actor, row, filename, data)
    return row


def add_document(
    s: Session, actor: User, row: CertificateChange, filename: str, data: bytes
) -> ChangeDocument:
    ok = uploads.accept("documents", filename, data, DOCUMENT_TYPES, DOCUMENT_LIMIT_MB)
    doc = ChangeDocument(
        change_id=row.id,
        filename=ok.filename,
        media_type=ok.media_type,
        sha256=storage.put(ok.data),
        size=len(ok.data),
        uploaded_by=actor.id,
        uploaded_at=clock.now(),
    )
    s.add(doc)
    s.flush()
    audit.record(
        s,
        actor,
        "change_document.attached",
        "change_document",
        doc.id,
        row.application_id,
        change=row.number,
        sha256=doc.sha256,
        size=doc.size,
    )
    return doc


# ---------------------------------------------------------------- the guards


def _impartial(s: Session, actor: User, row: CertificateChange, **_: Any) -> None:
    impartial(s, actor, application(s, row.application_id))


def _reasons_stated(
    s: Session, actor: User, row: CertificateChange, reasons: str = "", **_: Any
) -> None:
    text.clean(
        "reasons",
        reasons,
        text.LONG_TEXT - 60,
        multiline=True,
        required=True,
    )


def _live(s: Session, actor: User, row: CertificateChange, **_: Any) -> None:
    cert = s.get(Certificate, row.certificate_id)
    if cert.status not in LIVE:
        raise Conflict("chg_err_cert_state", number=cert.number, status=named(cert.status))


def _active(s: Session, actor: User, row: CertificateChange, **_: Any) -> None:
    cert = s.get(Certificate, row.certificate_id)
    if cert.status != CertState.ACTIVE:
        raise Conflict("chg_err_not_active", number=cert.number, status=named(cert.status))


GUARDS: dict[str, Callable[..., None]] = {
    "impartial": _impartial,
    "reasons_stated": _reasons_stated,
    "certificate_live": _live,
    "certificate_active": _active,
}


def assess(
    s: Session, actor: User, change_id: int, outcome: str, reasons: str
) -> CertificateChange:
    """An official uninvolved in the case decides what the change means for the
    certificate; a new evaluation opens a special surveillance, a suspension suspends."""
    row = get(s, CertificateChange, change_id, "change")
    application(s, row.application_id, lock=True)
    if outcome not in OUTCOMES:
        raise InvalidInput(
            "outcome", outcome, "err_choose", choices=[named(f"chg_st_{o}") for o in OUTCOMES]
        )
    t: Transition = lifecycle.check(row.state, outcome, actor, CHANGE_TRANSITIONS, "change")
    for guard in t.guards:
        GUARDS[guard](s, actor, row, reasons=reasons)
    reasons = text.clean("reasons", reasons, text.LONG_TEXT - 60, multiline=True)
    before = row.state
    row.state, row.reasons = t.target.value, reasons
    row.assessed_by, row.assessed_at = actor.id, clock.now()
    cert = s.get(Certificate, row.certificate_id)
    case = follow(s, actor, cert, outcome, f"Perubahan {row.number}: {reasons}")
    row.surveillance_case_id = case.id if case else None
    audit.record(
        s,
        actor,
        f"certificate_change.{t.event}",
        "certificate_change",
        row.id,
        row.application_id,
        **{"from": before, "to": row.state, "number": row.number, "certificate": cert.number},
    )
    return row


def follow(
    s: Session, actor: User, cert: Certificate, outcome: str, cause: str
) -> SurveillanceCase | None:
    """What an assessment's outcome does to the certificate (changes and version reviews):
    a new evaluation opens a special surveillance (returned), a suspension suspends
    through the certificate lifecycle."""
    if outcome == "new_evaluation":
        return monitoring.open_special_surveillance(s, actor, cert, cause=cause[:200])
    if outcome == "suspension":
        certificates.suspend(s, actor, cert.id, cause)
    return None


# ---------------------------------------------------------------- reading


def of_certificate(s: Session, cert_id: int) -> list[CertificateChange]:
    return list(
        s.scalars(
            select(CertificateChange)
            .where(CertificateChange.certificate_id == cert_id)
            .order_by(CertificateChange.id.desc())
        )
    )


def listing(s: Session, actor: User, state: str | None = None) -> list[CertificateChange]:
    require_role(actor, Role.OFFICIAL)
    q = select(CertificateChange).order_by(CertificateChange.id.desc()).limit(500)
    if state:
        if state not in {x.value for x in ChangeState}:
            raise InvalidInput(
                "state", state, "err_choose", choices=[named(f"chg_st_{x}") for x in ChangeState]
            )
        q = q.where(CertificateChange.state == state)
    return list(s.scalars(q))


def documents_of(s: Session, change_id: int) -> list[ChangeDocument]:
    return list(
        s.scalars(
            select(ChangeDocument)
            .where(ChangeDocument.change_id == change_id)
            .order_by(ChangeDocument.id)
        )
    )


def document_file(s: Session, actor: User, doc_id: int) -> tuple[ChangeDocument, bytes]:
    """A change's document, for staff and for the holder; anyone else: NotFound."""
    doc = s.get(ChangeDocument, doc_id)
    if doc is not None:
        row = s.get(CertificateChange, doc.change_id)
        app = application(s, row.application_id)
        if actor.roles - {Role.APPLICANT} or actor.business_id == app.business_id:
            return doc, storage.get(doc.sha256)
    raise NotFound("not_found", what=thing("document"), ident=doc_id)
