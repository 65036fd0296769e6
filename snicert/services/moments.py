"""Who is told what: the table from recorded changes to notifications.

Every change is recorded by `audit.record`, which calls `tell()` here (through the
handler table, snicert/effects.py) in the same transaction. Each row of TOLD says, for one
audit action, who is told, which moment (snicert/notifications/moments.yaml; its words are
in the catalogs), with what and where to act; `notifications.notify` writes it with the
change or not at all. Reminders and the officials' digest, which no change records, are in
snicert.services.reminders.

Complainants without an account are not told here (notify() tells users): they follow
their complaint on its tracking page.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from snicert import messages, settings, snapshots
from snicert.catalog import default_catalog
from snicert.db.models import (
    Appeal,
    Application,
    AuditAuditor,
    AuditEvent,
    AuditFinding,
    Certificate,
    CertificateChange,
    Nonconformity,
    SurveillanceCase,
    User,
    UserRole,
)
from snicert.lifecycle import AppealState, State
from snicert.roles import Role
from snicert.services import dates, notifications

ITEMS_ROOM = 300  # the non-conformities listed in a message (the page has them all)


@dataclass
class Event:
    """One recorded change, with what the table's rows look up about it (once)."""

    s: Session
    audit: AuditEvent
    actor: User | None

    @cached_property
    def data(self) -> dict[str, Any]:
        return json.loads(self.audit.data)

    @cached_property
    def app(self) -> Application | None:
        app_id = self.audit.application_id
        return self.s.get(Application, app_id) if app_id is not None else None

    @cached_property
    def certificate(self) -> Certificate | None:
        if self.audit.entity == "certificate":
            return self.s.get(Certificate, self.audit.entity_id)
        if self.audit.entity == "surveillance_case":
            case = self.s.get(SurveillanceCase, self.audit.entity_id)
            return self.s.get(Certificate, case.certificate_id)
        return None


Params = Callable[[Event, str], dict[str, Any]]  # (event, the recipient's language)


@dataclass(frozen=True)
class Told:
    """One row: on its action, and `when` it holds, `who` are told `moment` with `params` in
    their language, pointing at `link`; `key` names the occasion (the same key for the same
    person is written once)."""

    who: Callable[[Event], list[User]]
    moment: str
    params: Params
    link: Callable[[Event], str]
    key: Callable[[Event], str] = field(default=lambda e: f"event:{e.audit.seq}")
    when: Callable[[Event], bool] = field(default=lambda e: True)


# --- who --------------------------------------------------------------------------------


# Recipients are read without their roles (the relationship's own query): only their
# address, language and whether they are active matter here.
_NO_ROLES = lazyload(User.role_rows)


def applicants(s: Session, business_id: int) -> list[User]:
    """The applicant accounts of a business (the owner and anyone else it registered)."""
    return list(
        s.scalars(
            select(User)
            .options(_NO_ROLES)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                User.business_id == business_id,
                User.active.is_(True),
                UserRole.role == Role.APPLICANT.value,
            )
            .order_by(User.id)
        )
    )


def holding(s: Session, role: Role) -> list[User]:
    return list(
        s.scalars(
            select(User)
            .options(_NO_ROLES)
            .join(UserRole, UserRole.user_id == User.id)
            .where(User.active.is_(True), UserRole.role == role.value)
            .order_by(User.id)
        )
    )


def awaited(s: Session, app: Application) -> list[User]:
    """Whoever the application waits for now: its applicants, or the staff of that role."""
    if app.awaiting_role == Role.APPLICANT:
        return applicants(s, app.business_id)
    if app.awaiting_role in (None, Role.SYSTEM):
        return []
    if app.state == State.DECISION:
        return deciders(s, app)
    return holding(s, Role(app.awaiting_role))


def deciders(s: Session, app: Application) -> list[User]:
    """Officials who may decide: none who reviewed the documents or evaluated the case."""
    from snicert.services.decisions import involved_in_review_or_evaluation

    return [
        u
        for u in holding(s, Role.OFFICIAL)
        if not involved_in_review_or_evaluation(s, app.id, u.id)
    ]


def _owners(e: Event) -> list[User]:
    business = e.app.business_id if e.app else e.certificate.business_id
    return applicants(e.s, business)


def _staff(role: Role) -> Callable[[Event], list[User]]:
    def who(e: Event) -> list[User]:
        return [u for u in holding(e.s, role) if e.actor is None or u.id != e.actor.id]

    return who


# --- what -------------------------------------------------------------------------------


def said(text: str | None) -> str:
    """Free text someone wrote, to end a sentence of a template (which adds its own full
    stop)."""
    return (text or "").strip().rstrip(".")


def day(moment: datetime | None) -> str:
    """A date as people read it here: the site's day (Kota Kupang), dd/mm/yyyy."""
    return dates.local_day(moment).strftime("%d/%m/%Y") if moment else "-"


def task(app: Application, lang: str) -> str:
    """What the application waits for, in plain words (the dashboard's own texts)."""
    return messages.text(f"off_aw_{app.state}", lang)


def role_name(role: str | None, lang: str) -> str:
    key = f"role_{role}"
    return messages.text(key, lang) if messages.has(key) else (role or "-")


def product_name(app: Application, lang: str) -> str:
    name = default_catalog().product(app.product).name
    return name.en if lang == "en" else name.id


def _number(e: Event, lang: str) -> dict[str, Any]:
    return {"number": e.app.number}


def _received(e: Event, lang: str) -> dict[str, Any]:
    return {"number": e.app.number, "product": product_name(e.app, lang)}


def _nonconformities(e: Event, lang: str) -> dict[str, Any]:
    app = e.app
    source = "screening" if e.audit.action.endswith("screening_failed") else "review"
    ncs = list(
        e.s.scalars(
            select(Nonconformity)
            .where(
                Nonconformity.application_id == app.id,
                Nonconformity.round == app.review_round,
                Nonconformity.source == source,
            )
            .order_by(Nonconformity.id)
        )
    )
    # a review item is named by the document it checks (the product's names for them);
    # screening findings name their document already
    documents = {d.id: d.name.model_dump() for d in snapshots.product(app).documents}
    checks = {i.id: i.document for i in snapshots.checklist(app).document_items}
    parts = []
    for nc in ncs:
        name = documents.get(checks.get(nc.item_id) or nc.item_id)
        named = name and source == "review"
        parts.append(f"{name[lang]}: {said(nc.description)}" if named else said(nc.description))
    items = shortened("; ".join(parts), ITEMS_ROOM)
    return {"number": app.number, "count": len(ncs), "items": items, "due": day(app.due_at)}


def shortened(words: str, room: int) -> str:
    """`words` in at most `room` characters, cut between two words (never inside one)."""
    if len(words) <= room:
        return words
    head = words[: room - 1]
    whole = words[room - 1] == " "  # the last word in room ends right there
    return (head if whole else head.rsplit(" ", 1)[0]).rstrip(" ;:,") + "…"


def _site(e: Event, lang: str) -> dict[str, Any]:
    return {"number": e.app.number, "site": e.app.production_site, "due": day(e.app.due_at)}


def _failing(e: Event) -> list[str]:
    """The parameters the counted lab results failed (recorded with the step)."""
    return list(e.data.get("nonconforming") or [])


def _failed(e: Event, lang: str) -> dict[str, Any]:
    return {"number": e.app.number, "count": len(_failing(e))}


def _refused(e: Event, lang: str) -> dict[str, Any]:
    return {"number": e.app.number, "reason": said(e.data.get("reason")), **_appeal_days()}


def _appeal_days() -> dict[str, int]:
    from snicert.services.appeals import APPEAL_DAYS

    return {"appeal_days": APPEAL_DAYS}


def _issued(e: Event, lang: str) -> dict[str, Any]:
    base = settings.current().public_url
    cert = e.certificate
    return {
        "number": e.app.number,
        "certificate": cert.number,
        "pdf_url": f"{base}/applications/{cert.application_id}/certificate.pdf",
        "verify_url": f"{base}/verify/{cert.number}",
    }


def _cert_reason(e: Event, lang: str) -> dict[str, Any]:
    return {"certificate": e.certificate.number, "reason": said(e.data.get("reason"))}


def _suspended(e: Event, lang: str) -> dict[str, Any]:
    fix_by = e.data.get("fix_by")
    fixed = day(datetime.fromisoformat(fix_by)) if fix_by else ""
    return {**_cert_reason(e, lang), "fix_by": fixed, **_appeal_days()}


def _withdrawn(e: Event, lang: str) -> dict[str, Any]:
    return {**_cert_reason(e, lang), **_appeal_days()}


def _appeal(e: Event, lang: str) -> dict[str, Any]:
    return {"appeal": e.data["number"], "number": e.app.number}


def _appeal_decided(e: Event, lang: str) -> dict[str, Any]:
    row = e.s.get(Appeal, e.audit.entity_id)
    told = {"appeal": row.number, "number": e.app.number, "reasons": said(row.reasons)}
    return told | ({"next_step": said(row.next_step)} if _overturned(e) else {})


def _overturned(e: Event) -> bool:
    return e.data.get("to") == AppealState.OVERTURNED


def _cert(e: Event, lang: str) -> dict[str, Any]:
    return {"certificate": e.certificate.number}


def _surveillance(e: Event, lang: str) -> dict[str, Any]:
    case = e.s.get(SurveillanceCase, e.audit.entity_id)
    return {"certificate": e.certificate.number, "cycle": case.cycle, "due": day(case.due_at)}


def _surveillance_staff(e: Event, lang: str) -> dict[str, Any]:
    return {**_surveillance(e, lang), "holder": e.certificate.data["holder"]["name"]}


def _sv(e: Event) -> SurveillanceCase:
    return e.s.get(SurveillanceCase, e.audit.entity_id)


def _sv_site(e: Event, lang: str) -> dict[str, Any]:
    case = _sv(e)
    return {
        "certificate": e.certificate.number,
        "cycle": case.cycle,
        "site": e.app.production_site,
        "due": day(case.due_at),
    }


def _sv_product(e: Event, lang: str) -> dict[str, Any]:
    return {
        "certificate": e.certificate.number,
        "cycle": _sv(e).cycle,
        "product": product_name(e.app, lang),
    }


def _sv_holder(e: Event, lang: str) -> dict[str, Any]:
    return {
        "certificate": e.certificate.number,
        "cycle": _sv(e).cycle,
        "holder": e.certificate.data["holder"]["name"],
    }


def _sv_failed(e: Event, lang: str) -> dict[str, Any]:
    return {**_sv_holder(e, lang), "reason": said(e.data.get("note") or "-")}


def _passed(e: Event, lang: str) -> dict[str, Any]:
    return {"certificate": e.certificate.number, "cycle": e.data.get("cycle")}


def _review(e: Event, lang: str) -> dict[str, Any]:
    return {"number": e.app.number, "product": product_name(e.app, lang), "due": day(e.app.due_at)}


def _due(e: Event, lang: str) -> dict[str, Any]:
    return {"number": e.app.number, "due": day(e.app.due_at)}


def _overdue(e: Event, lang: str) -> dict[str, Any]:
    app = e.app
    return {
        "number": app.number,
        "task": task(app, lang),
        "due": day(app.due_at),
        "role": role_name(app.awaiting_role, lang),
    }


def _change(e: Event, lang: str) -> dict[str, Any]:
    row = e.s.get(CertificateChange, e.audit.entity_id)
    cert = e.s.get(Certificate, row.certificate_id)
    return {"change": row.number, "certificate": cert.number, "holder": cert.data["holder"]["name"]}


def _change_owner(e: Event, lang: str) -> dict[str, Any]:
    told = _change(e, lang)
    del told["holder"]
    return told


def _change_assessed(e: Event, lang: str) -> dict[str, Any]:
    row = e.s.get(CertificateChange, e.audit.entity_id)
    return {**_change_owner(e, lang), "reasons": said(row.reasons)}


def _assessed_as(outcome: str) -> Callable[[Event], bool]:
    return lambda e: e.data.get("to") == outcome


def _finding(e: Event, lang: str) -> dict[str, Any]:
    f = e.s.get(AuditFinding, e.audit.entity_id)
    return {"number": e.app.number, "finding": f.id, "due": day(f.due_at)}


def _finding_staff(e: Event, lang: str) -> dict[str, Any]:
    f = e.s.get(AuditFinding, e.audit.entity_id)
    return {**_finding(e, lang), "grade": messages.text(f"aud_g_{f.grade}", lang).lower()}


def _audit_staff(e: Event) -> list[User]:
    """The officials and the auditors of the finding's audit."""
    audit_id = e.data["audit"]
    team = set(e.s.scalars(select(AuditAuditor.user_id).where(AuditAuditor.audit_id == audit_id)))
    people = {u.id: u for u in holding(e.s, Role.OFFICIAL)}
    for u in holding(e.s, Role.AUDITOR):
        if u.id in team:
            people[u.id] = u
    return list(people.values())


# --- where ------------------------------------------------------------------------------


def _invoice_of(e: Event) -> Any:
    from snicert.services import fees

    return fees.invoice(e.s, e.app.id)


def _invoice(e: Event, lang: str) -> dict[str, Any]:
    from snicert.fee_documents import rupiah

    inv = _invoice_of(e)
    return {
        "number": e.app.number,
        "invoice": inv.number,
        "amount": rupiah(inv.total_idr),
        "due": day(inv.due_at),
    }


def _proof(e: Event, lang: str) -> dict[str, Any]:
    return {"number": e.app.number, "invoice": _invoice_of(e).number}


def _payment_refused(e: Event, lang: str) -> dict[str, Any]:
    return {**_proof(e, lang), "reason": said(e.data.get("reason"))}


def _applicant_page(e: Event) -> str:
    app_id = e.app.id if e.app else e.certificate.application_id
    return f"/applications/{app_id}"


def staff_page(app: Application) -> str:
    """The page where staff act on the application in its current state."""
    return {
        State.PAYMENT_CHECK: f"/official/payments/{app.id}",
        State.DOCUMENT_REVIEW: f"/review/{app.id}",
        State.NONCONFORMITY: f"/review/{app.id}",
        State.SAMPLING: "/sampling",
        State.TESTING: f"/lab/applications/{app.id}",
        State.EVALUATION: f"/evaluation/{app.id}",
        State.DECISION: f"/decision/{app.id}",
    }.get(State(app.state), "/dashboard")


def _staff_page(e: Event) -> str:
    return staff_page(e.app)


def _certificate_page(e: Event) -> str:
    return f"/certificates/{e.certificate.id}"


def _surveillance_page(e: Event) -> str:
    return f"/surveillance/{e.audit.entity_id}"


def _sampling_page(e: Event) -> str:
    return "/sampling"


def _lab_page(e: Event) -> str:
    return "/lab"


def _per_day(e: Event) -> str:
    """One message per application and day, however many results were entered."""
    return f"results-to-verify:{e.audit.application_id}:{dates.local_day(e.audit.at)}"


# --- the table --------------------------------------------------------------------------

TOLD: dict[str, list[Told]] = {
    "application.submitted": [
        Told(_owners, "application_received", _received, _applicant_page),
    ],
    "application.screening_failed": [
        Told(_owners, "screening_nonconformities", _nonconformities, _applicant_page),
    ],
    # Payment comes between screening and the document review (snicert/services/fees.py).
    "invoice.issued": [Told(_owners, "invoice_issued", _invoice, _applicant_page)],
    "application.payment_proof_submitted": [
        Told(_staff(Role.OFFICIAL), "payment_proof_waiting", _proof, _staff_page),
    ],
    "application.payment_refused": [
        Told(_owners, "payment_refused", _payment_refused, _applicant_page),
    ],
    "application.payment_confirmed": [
        Told(_owners, "payment_confirmed", _proof, _applicant_page),
        Told(_staff(Role.OFFICIAL), "review_waiting", _review, _staff_page),
    ],
    "application.review_failed": [
        Told(_owners, "review_nonconformities", _nonconformities, _applicant_page),
    ],
    "application.nonconformities_answered": [
        Told(_staff(Role.OFFICIAL), "review_waiting", _review, _staff_page),
    ],
    "application.review_passed": [
        Told(_owners, "sampling_planned", _site, _applicant_page),
        Told(_staff(Role.SAMPLER), "sampling_waiting", _site, _staff_page),
    ],
    "application.resampling_requested": [
        Told(_staff(Role.SAMPLER), "sampling_waiting", _site, _staff_page),
    ],
    "application.samples_sent": [
        Told(_staff(Role.LAB_ANALYST), "samples_on_the_way", _received, _staff_page),
    ],
    "result.entered": [
        Told(
            _staff(Role.LAB_VERIFIER),  # not the analyst who entered it (four eyes)
            "results_to_verify",
            _number,
            lambda e: "/lab/verify",
            key=_per_day,
        ),
    ],
    "application.testing_completed": [
        Told(
            _owners, "test_report_conform", _number, _applicant_page, when=lambda e: not _failing(e)
        ),
        Told(_owners, "test_report_nonconform", _failed, _applicant_page, when=_failing),
        Told(_staff(Role.OFFICIAL), "evaluation_waiting", _due, _staff_page),
    ],
    "application.evaluated": [
        Told(lambda e: deciders(e.s, e.app), "decision_waiting", _due, _staff_page),
    ],
    "application.granted": [Told(_owners, "decision_granted", _number, _applicant_page)],
    "application.refused": [Told(_owners, "decision_refused", _refused, _applicant_page)],
    "application.withdrawn": [Told(_owners, "application_withdrawn", _number, _applicant_page)],
    "application.overdue": [
        Told(_staff(Role.OFFICIAL), "case_overdue", _overdue, _staff_page),
    ],
    "certificate.issued": [Told(_owners, "certificate_issued", _issued, _applicant_page)],
    "certificate.suspended": [
        Told(_owners, "certificate_suspended", _suspended, _applicant_page),
    ],
    "certificate.reinstated": [
        Told(_owners, "certificate_reinstated", _cert_reason, _applicant_page),
    ],
    "certificate.withdrawn": [
        Told(_owners, "certificate_withdrawn", _withdrawn, _applicant_page),
    ],
    "certificate.expired": [Told(_owners, "certificate_expired", _cert, _applicant_page)],
    "surveillance.opened": [
        Told(_owners, "surveillance_due", _surveillance, _applicant_page),
        Told(_staff(Role.OFFICIAL), "surveillance_waiting", _surveillance_staff, _certificate_page),
    ],
    "surveillance.passed": [Told(_owners, "surveillance_passed", _passed, _applicant_page)],
    # a surveillance's own steps (services/surveillance.py): its samplers, lab, officials
    "surveillance.sampling_started": [
        Told(_staff(Role.SAMPLER), "surveillance_sampling_waiting", _sv_site, _sampling_page),
    ],
    "surveillance.resampling_requested": [
        Told(_staff(Role.SAMPLER), "surveillance_sampling_waiting", _sv_site, _sampling_page),
    ],
    "surveillance.samples_sent": [
        Told(_staff(Role.LAB_ANALYST), "surveillance_samples_on_the_way", _sv_product, _lab_page),
    ],
    "surveillance.testing_completed": [
        Told(
            _staff(Role.OFFICIAL),
            "surveillance_evaluation_waiting",
            _sv_holder,
            _surveillance_page,
        ),
    ],
    "surveillance.site_audit_done": [
        Told(
            _staff(Role.OFFICIAL),
            "surveillance_evaluation_waiting",
            _sv_holder,
            _surveillance_page,
        ),
    ],
    # the holder is told by the certificate's suspension; the other officials here
    "surveillance.failed": [
        Told(_staff(Role.OFFICIAL), "surveillance_failed", _sv_failed, _surveillance_page),
    ],
    # Appeals are filed by the applicant; complaints by anyone, often without an account:
    # a complainant follows theirs on its tracking page, the officials are told here.
    "appeal.acknowledged": [
        Told(_owners, "appeal_received", _appeal, _applicant_page),
        Told(
            _staff(Role.OFFICIAL),
            "appeal_waiting",
            _appeal,
            lambda e: f"/official/appeals/{e.audit.entity_id}",
        ),
    ],
    "appeal.decided": [
        Told(_owners, "appeal_overturned", _appeal_decided, _applicant_page, when=_overturned),
        Told(
            _owners,
            "appeal_upheld",
            _appeal_decided,
            _applicant_page,
            when=lambda e: not _overturned(e),
        ),
    ],
    # Changes the holder notifies (ISO/IEC 17065 §7.10) and their assessment
    "certificate_change.notified": [
        Told(_owners, "change_received", _change_owner, _applicant_page),
        Told(
            _staff(Role.OFFICIAL),
            "change_waiting",
            _change,
            lambda e: f"/official/changes/{e.audit.entity_id}",
        ),
    ],
    "certificate_change.assessed": [
        Told(
            _owners,
            f"change_{outcome}",
            _change_assessed,
            _applicant_page,
            when=_assessed_as(outcome),
        )
        for outcome in ("no_action", "new_evaluation", "suspension")
    ],
    # A site-audit finding past its correction date with no corrective action
    "audit_finding.overdue": [
        Told(_owners, "finding_overdue", _finding, _applicant_page),
        Told(
            _audit_staff,
            "finding_overdue_staff",
            _finding_staff,
            lambda e: f"/audits/{e.data['audit']}",
        ),
    ],
    "complaint.acknowledged": [
        Told(
            _staff(Role.OFFICIAL),
            "complaint_waiting",
            lambda e, lang: {"complaint": e.data["number"]},
            lambda e: f"/official/complaints/{e.audit.entity_id}",
        ),
    ],
}


def tell(s: Session, event: AuditEvent, actor: User | None) -> None:
    """Write the notifications `event` calls for (TOLD), in the caller's transaction."""
    rows = TOLD.get(event.action)
    if not rows:
        return
    e = Event(s, event, actor)
    for row in rows:
        if not row.when(e):
            continue
        link, key = row.link(e), f"{row.moment}:{row.key(e)}"
        for person in row.who(e):
            lang = notifications.preferences(s, person).lang
            notifications.notify(s, person, row.moment, row.params(e, lang), link, key)
