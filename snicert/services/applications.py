"""Applications: the dossier, submission, screening, document review, non-conformities."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from snicert import audit, clock, lifecycle, snapshots, storage, uploads
from snicert.catalog import Catalog, default_catalog
from snicert.db.models import (
    Application,
    Document,
    Nonconformity,
    NonconformityResponse,
    ReviewVerdict,
    User,
)
from snicert.errors import (
    Conflict,
    IllegalTransition,
    InvalidFields,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from snicert.lifecycle import NonconformityState as NC
from snicert.lifecycle import State
from snicert.messages import named
from snicert.roles import Role
from snicert.services import checklists, counters, impartiality, rollups, text
from snicert.services.accounts import NIB_RE
from snicert.services.guards import (
    application,
    can_see,
    get,
    require_owner,
    require_role,
    thing,
)

NC_RESPONSE_KIND = "nc_response"
NC_RESPONSE_LIMIT_MB = 10


def create(
    s: Session,
    actor: User,
    product: str,
    brand: str,
    production_site: str,
    variants: str | None = None,
    lot: str | None = None,
    catalog: Catalog | None = None,
) -> Application:
    require_role(actor, Role.APPLICANT)
    if actor.business_id is None:
        raise PermissionDenied("app_err_no_business", who=actor.email)
    catalog = catalog or default_catalog()
    product = text.clean("product", product, Application.product)
    if product not in catalog.products:
        raise InvalidInput("product", product, "app_err_product")
    if product not in checklists.open_products(s):
        # Refused now, not at submit: the applicant would fill a whole dossier in vain.
        raise InvalidInput("product", catalog.products[product].name.id, "product_not_open")
    brand = text.clean("brand", brand, Application.brand, required=True)
    production_site = text.clean(
        "production_site",
        production_site,
        Application.production_site,
        required=True,
    )
    variants = text.optional("variants", variants, Application.variants)
    lot = text.optional("lot", lot, Application.lot)
    if catalog.products[product].scheme.type == "1b" and not lot:
        raise InvalidInput("lot", lot, "app_err_lot")
    now = clock.now()
    seq = counters.next_value(s, f"application:{now.year}")
    app = Application(
        number=f"APP-{now.year}-{seq:05d}",
        business_id=actor.business_id,
        product=product,
        state=State.DRAFT.value,
        brand=brand,
        variants=variants,
        production_site=production_site,
        lot=lot,
        created_by=actor.id,
        created_at=now,
        state_changed_at=now,
        review_round=1,
        awaiting_role=Role.APPLICANT.value,
        awaiting_action=lifecycle.STAGES[State.DRAFT].awaiting,
    )
    s.add(app)
    s.flush()
    lifecycle.enter(s, app, now)
    audit.record(
        s,
        actor,
        "application.created",
        "application",
        app.id,
        app.id,
        number=app.number,
        product=product,
    )
    return app


def renew(s: Session, actor: User, certificate_id: int) -> Application:
    """A new application for the product a certificate covers, carrying its history (the
    earlier application, and through it every earlier certificate and surveillance)."""
    from snicert.db.models import Certificate

    cert = get(s, Certificate, certificate_id, "certificate")
    old = application(s, cert.application_id)
    require_owner(actor, old)
    if cert.status in ("withdrawn",):
        raise Conflict("app_err_renew_withdrawn", number=cert.number)
    earlier = s.scalar(
        select(Application.id).where(
            Application.renewal_of == old.id,
            Application.state.notin_([State.REFUSED.value, State.WITHDRAWN.value]),
        )
    )
    if earlier is not None:
        raise Conflict("app_err_renewing", number=cert.number)
    app = create(s, actor, old.product, old.brand, old.production_site, old.variants, old.lot)
    app.renewal_of = old.id
    audit.record(
        s, actor, "application.renewal_started", "application", app.id, app.id, renews=cert.number
    )
    return app


def attach_document(
    s: Session,
    actor: User,
    app_id: int,
    kind: str,
    filename: str,
    data: bytes,
    catalog: Catalog | None = None,
) -> Document:
    """Store a dossier document (draft) or a correction (while answering non-conformities)."""
    app = application(s, app_id)
    require_owner(actor, app)
    if app.state not in (State.DRAFT, State.NONCONFORMITY):
        raise Conflict(
            "app_err_docs_closed", case=app.number or str(app.id), state=named(f"st_{app.state}")
        )
    specs = {d["id"]: d for d in dossier_specs(app, catalog)}
    if kind != NC_RESPONSE_KIND and kind not in specs:
        raise InvalidInput("kind", kind, "app_err_doc_kind")
    allowed = specs[kind]["file_types"] if kind in specs else list(uploads.MEDIA_TYPES)
    limit_mb = specs[kind]["max_size_mb"] if kind in specs else NC_RESPONSE_LIMIT_MB
    ok = uploads.accept(kind, filename, data, allowed, limit_mb)
    digest = storage.put(ok.data)
    doc = Document(
        application_id=app.id,
        kind=kind,
        filename=ok.filename,
        media_type=ok.media_type,
        sha256=digest,
        size=len(ok.data),
        uploaded_by=actor.id,
        uploaded_at=clock.now(),
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
        kind=kind,
        sha256=digest,
        size=len(ok.data),
    )
    return doc


def document_meta(s: Session, actor: User, doc_id: int) -> Document:
    """A stored document's record, for whoever may see its application (the owner's
    business, or staff); to anyone else it does not exist."""
    doc = s.get(Document, doc_id)
    if doc is None or not can_see(actor, application(s, doc.application_id)):
        raise NotFound("not_found", what=thing("document"), ident=doc_id)
    return doc


def document_file(s: Session, actor: User, doc_id: int) -> tuple[Document, bytes]:
    """A stored document and its bytes (document_meta's rule)."""
    doc = document_meta(s, actor, doc_id)
    return doc, storage.get(doc.sha256)


def latest_documents(s: Session, app_id: int) -> dict[str, Document]:
    docs = s.scalars(
        select(Document).where(Document.application_id == app_id).order_by(Document.id)
    ).all()
    return {d.kind: d for d in docs}


def missing_documents(
    s: Session, app: Application, catalog: Catalog | None = None
) -> list[dict[str, Any]]:
    """The product's mandatory documents not uploaded yet (their specs, in the product's
    order): submission waits until this is empty."""
    have = latest_documents(s, app.id)
    return [d for d in dossier_specs(app, catalog) if d["mandatory"] and d["id"] not in have]


def dossier_specs(app: Application, catalog: Catalog | None = None) -> list[dict[str, Any]]:
    """The documents the dossier asks for: the snapshot's once submitted, else the product's."""
    product = app.product_snapshot or (catalog or default_catalog()).product(
        app.product
    ).model_dump(mode="json")
    return product["documents"]


def submit(s: Session, actor: User, app_id: int, agreement_version: object) -> Application:
    """Submit the dossier under the certification agreement the applicant accepts (its
    version, as shown to them); snapshots the approved checklist and the product
    definition, and makes the quotation from the snapshot's tariff."""
    from snicert.services import fees

    app = application(s, app_id, lock=True)
    require_owner(actor, app)
    lifecycle.check(app.state, "submit", actor)
    missing = missing_documents(s, app)
    if missing:  # refused here, not at screening: an incomplete dossier is not sent
        raise InvalidInput(
            "documents",
            [d["id"] for d in missing],
            "dossier_incomplete",
            count=len(missing),
            names=[d["name"] for d in missing],
        )
    accepted = fees.accept_agreement(app, agreement_version)
    version = checklists.current(s, app.product)
    app.checklist_version_id = version.id
    app.checklist_snapshot = version.content
    app.product_snapshot = (
        default_catalog()
        .product(app.product)
        .model_dump(mode="json", by_alias=True, exclude={"schema_"})
    )
    app.submitted_at = clock.now()
    lifecycle.apply(
        s,
        app,
        "submit",
        actor,
        checklist_version=version.version,
        checklist_sha256=version.sha256,
        agreement_version=accepted,
    )
    fees.quote(s, actor, app)
    return app


@dataclass(frozen=True)
class Finding:
    item_id: str
    description: str


def screening_findings(s: Session, app: Application) -> list[Finding]:
    """Automated dossier screening: mandatory documents, file types and sizes, NIB."""
    findings = []
    docs = latest_documents(s, app.id)
    for spec in snapshots.product(app).documents:
        doc = docs.get(spec.id)
        name = spec.name.id
        if doc is None:
            if spec.mandatory:
                findings.append(Finding(spec.id, f"Dokumen wajib belum ada: {name}"))
            continue
        ext = next((k for k, v in uploads.MEDIA_TYPES.items() if v == doc.media_type), None)
        if ext not in spec.file_types:
            findings.append(
                Finding(spec.id, f"Jenis berkas {doc.media_type} tidak diterima untuk {name}")
            )
        if doc.size > spec.max_size_mb * 1024 * 1024:
            findings.append(Finding(spec.id, f"Berkas {name} melebihi {spec.max_size_mb:g} MB"))
    if not NIB_RE.match(app.business.nib):
        findings.append(Finding("nib", f"NIB {app.business.nib!r} tidak valid (13 digit)"))
    return findings


def screen(s: Session, actor: User, app_id: int) -> Application:
    """The system's screening step: pass to document review, or raise non-conformities."""
    app = application(s, app_id, lock=True)
    lifecycle.check(app.state, "screen_pass", actor)
    findings = screening_findings(s, app)
    if not findings:
        from snicert.services import fees

        lifecycle.apply(s, app, "screen_pass", actor)
        fees.issue_invoice(s, actor, app)  # the case now waits for its payment
        return app
    for f in findings:
        _raise_nc(s, actor, app, "screening", f.item_id, f.description)
    return lifecycle.apply(s, app, "screen_fail", actor, findings=len(findings))


def _raise_nc(
    s: Session, actor: User, app: Application, source: str, item_id: str, description: str
) -> Nonconformity:
    nc = Nonconformity(
        application_id=app.id,
        round=app.review_round,
        source=source,
        item_id=item_id,
        description=description,
        raised_by=actor.id,
        raised_at=clock.now(),
        status=NC.OPEN,
    )
    s.add(nc)
    s.flush()
    audit.record(
        s,
        actor,
        "nonconformity.raised",
        "nonconformity",
        nc.id,
        app.id,
        item_id=item_id,
        source=source,
        round=app.review_round,
    )
    rollups.nonconformity_raised(s, nc, app.product)  # the review's counts, same transaction
    return nc


VERDICTS = ("conform", "nonconform", "not_applicable")


def record_review(
    s: Session, actor: User, app_id: int, verdicts: dict[str, tuple[str, str | None]]
) -> Application:
    """Record a verdict on every document item of the snapshot for this review round.

    Non-conforming items become non-conformities sent to the applicant; if every item
    conforms the case moves to sampling.
    """
    app = application(s, app_id, lock=True)
    any_nc = any(v[0] == "nonconform" for v in verdicts.values())
    lifecycle.check(app.state, "review_fail" if any_nc else "review_pass", actor)
    impartiality.require(s, actor, "reviewer", app)
    items = {i.id: i for i in snapshots.checklist(app).document_items}
    unknown = sorted(set(verdicts) - set(items))
    if unknown:
        raise InvalidInput("verdicts", unknown, "rev_err_unknown_items", items=unknown)
    missing = sorted(set(items) - set(verdicts))
    if missing:
        raise InvalidInput("verdicts", missing, "rev_err_missing_items", items=missing)
    checked: dict[str, tuple[str, str | None]] = {}
    for item_id, (verdict, comment) in verdicts.items():
        if verdict not in VERDICTS:
            raise InvalidInput(
                f"verdicts.{item_id}",
                verdict,
                "rev_err_verdict",
                verdicts=[named(f"off_v_{v}") for v in VERDICTS],
            )
        comment = text.optional(
            f"verdicts.{item_id}.comment", comment, ReviewVerdict.comment, multiline=True
        )
        if verdict == "nonconform" and not comment:
            raise InvalidInput(f"verdicts.{item_id}.comment", comment, "rev_err_comment")
        checked[item_id] = (verdict, comment)
    verdicts = checked
    now = clock.now()
    for item_id, (verdict, comment) in verdicts.items():
        s.add(
            ReviewVerdict(
                application_id=app.id,
                round=app.review_round,
                item_id=item_id,
                verdict=verdict,
                comment=comment,
                reviewer_id=actor.id,
                at=now,
            )
        )
        if verdict == "nonconform":
            _raise_nc(s, actor, app, "review", item_id, comment or "")
    s.flush()
    counts = {v: sum(1 for x, _ in verdicts.values() if x == v) for v in VERDICTS}
    return lifecycle.apply(
        s, app, "review_fail" if any_nc else "review_pass", actor, round=app.review_round, **counts
    )


NONCONFORMITY = lifecycle.LIFECYCLES["nonconformity"]


def _case_awaits_answers(s: Session, nc: Nonconformity, actor: User) -> None:
    lifecycle.check(application(s, nc.application_id).state, "answer_nonconformities", actor)


# The non-conformity lifecycle's named guards (lifecycle.NONCONFORMITY_TRANSITIONS).
NC_GUARDS: dict[str, lifecycle.Guard] = {"case_awaits_answers": _case_awaits_answers}


def open_nonconformities(s: Session, app_id: int) -> list[Nonconformity]:
    return list(
        s.scalars(
            select(Nonconformity)
            .where(Nonconformity.application_id == app_id, Nonconformity.status == NC.OPEN)
            .order_by(Nonconformity.id)
        )
    )


def answer_nonconformity(
    s: Session, actor: User, nc_id: int, answer: str, document_id: int | None = None
) -> Nonconformity:
    """The applicant's answer; the last open one sends the case back to document review."""
    nc = get(s, Nonconformity, nc_id, "non-conformity")
    app = application(s, nc.application_id, lock=True)
    require_owner(actor, app)
    answer = text.clean(
        "text",
        answer,
        NonconformityResponse.text,
        multiline=True,
        required=True,
    )
    if document_id is not None:
        doc = get(s, Document, document_id, "document")
        if doc.application_id != app.id:
            raise InvalidInput("document_id", document_id, "app_err_not_this_case")
    s.add(
        NonconformityResponse(
            nonconformity_id=nc.id,
            text=answer,
            document_id=document_id,
            answered_by=actor.id,
            at=clock.now(),
        )
    )
    s.flush()
    lifecycle.transition(
        s, nc, NONCONFORMITY, "answer", actor, NC_GUARDS, app.id, document_id=document_id
    )
    remaining = s.scalar(
        select(func.count())
        .select_from(Nonconformity)
        .where(Nonconformity.application_id == app.id, Nonconformity.status == NC.OPEN)
    )
    if remaining == 0:
        from snicert.services import fees

        app.review_round += 1
        if fees.paid(s, app):
            lifecycle.apply(s, app, "answer_nonconformities", actor, round=app.review_round)
        else:  # screening's findings answered: the invoice comes before the review
            lifecycle.apply(s, app, "answer_nonconformities_unpaid", actor, round=app.review_round)
            fees.issue_invoice(s, actor, app)
    return nc


def document_of(app: Application, nc: Nonconformity) -> str | None:
    """The dossier document a non-conformity is about (its corrected file replaces that
    document), or None (e.g. the NIB)."""
    kinds = {d["id"] for d in dossier_specs(app)}
    if nc.item_id in kinds:  # screening names the document itself
        return nc.item_id
    if app.checklist_snapshot is None:
        return None
    items = snapshots.checklist(app).document_items
    return next((i.document for i in items if i.id == nc.item_id), None)


@dataclass(frozen=True)
class Answer:
    """One answer of the one-page form: the text, and a corrected file if one was chosen."""

    text: str
    filename: str | None = None
    data: bytes | None = None


def answer_all(
    s: Session, actor: User, app_id: int, answers: dict[int, Answer]
) -> list[Nonconformity]:
    """Answer every open non-conformity of the case at once (the applicant's one page): a
    corrected file is stored as the document the finding is about. All or nothing: every
    fault is raised together (InvalidFields), each named `answers.<id>.text|file`."""
    app = application(s, app_id, lock=True)
    require_owner(actor, app)
    lifecycle.check(app.state, "answer_nonconformities", actor)
    open_ncs = open_nonconformities(s, app.id)
    unknown = sorted(set(answers) - {n.id for n in open_ncs})
    if unknown:
        raise InvalidInput("answers", unknown, "nc_err_unknown", items=unknown)
    errors: list[InvalidInput] = []
    docs: dict[int, int] = {}
    for nc in open_ncs:
        a = answers.get(nc.id, Answer(""))
        try:
            text.clean(
                "text",
                a.text,
                NonconformityResponse.text,
                multiline=True,
                required="describe the correction",
            )
        except InvalidInput as exc:
            exc.field = f"answers.{nc.id}.text"
            if not str(a.text).strip():
                exc.key = "nc_answer_required"
            errors.append(exc)
        if a.data is None:
            continue
        try:
            kind = document_of(app, nc) or NC_RESPONSE_KIND
            docs[nc.id] = attach_document(s, actor, app.id, kind, a.filename or "file", a.data).id
        except InvalidInput as exc:
            exc.field = f"answers.{nc.id}.file"
            errors.append(exc)
    if errors:  # the caller's transaction rolls back the files stored meanwhile
        raise InvalidFields(errors)
    return [
        answer_nonconformity(s, actor, nc.id, answers[nc.id].text, docs.get(nc.id))
        for nc in open_ncs
    ]


def may_withdraw(actor: User, app: Application) -> None:
    """Raise unless `actor` may withdraw `app` now (its applicant, the case still open);
    changes nothing: the confirmation page asks only when the answer would be yes."""
    require_owner(actor, app)
    if app.state in lifecycle.FINAL:
        # Said plainly: the case is closed already, so there is nothing left to withdraw.
        raise IllegalTransition(
            app.state, "withdraw", [], key=f"withdraw_closed_{app.state}", value=app.number
        )
    lifecycle.check(app.state, "withdraw", actor)


def withdraw(s: Session, actor: User, app_id: int, reason: str | None = None) -> Application:
    """The applicant withdraws their own open application (a final state: nothing more
    happens to it; to be certified they apply anew). The reason is optional."""
    app = application(s, app_id, lock=True)
    may_withdraw(actor, app)
    reason = text.optional("reason", reason, text.LONG_TEXT, multiline=True)
    return lifecycle.apply(s, app, "withdraw", actor, **({"reason": reason} if reason else {}))
