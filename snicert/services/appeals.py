"""Appeals (ISO/IEC 17065 §7.13): the applicant or holder appeals a refusal, a suspension or
a withdrawal within APPEAL_DAYS of it; an official not involved in the case, and not the
one who made the decision, upholds or overturns it with reasons.

An overturned suspension reinstates the certificate through its lifecycle. A refusal and a
withdrawal are final states of their lifecycles (the decision row, the certificate's
signed credential and the audit chain record them): overturning one records the next step
the LSPro owes the appellant (`next_step`, required), e.g. a new evaluation of a new
application at no charge, or a new certificate. Steps follow lifecycle.APPEAL_TRANSITIONS;
`appeal.acknowledged` and `appeal.decided` are the moments the appellant is told of.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert import audit, clock, lifecycle, settings
from snicert.db.models import Appeal, Application, AuditEvent, Certificate, User
from snicert.errors import Conflict, InvalidInput, PermissionDenied, SeparationOfDuties
from snicert.lifecycle import APPEAL_TRANSITIONS, AppealState, CertState, State, Transition
from snicert.messages import named
from snicert.roles import Role
from snicert.services import certificates, counters, text
from snicert.services.guards import application, get, require_owner, require_role
from snicert.services.impartiality import impartial

APPEAL_DAYS = 30
KINDS = ("refusal", "suspension", "withdrawal")
FINAL_KINDS = ("refusal", "withdrawal")  # overturning these records the next step


@dataclass(frozen=True)
class Appealable:
    """A decision the case's applicant may still appeal."""

    kind: str
    event: AuditEvent
    certificate: Certificate | None

    @property
    def at(self) -> datetime:
        return self.event.at

    @property
    def until(self) -> datetime:
        return self.event.at + timedelta(days=APPEAL_DAYS)


def _last_event(s: Session, *where: Any) -> AuditEvent | None:
    return s.scalar(select(AuditEvent).where(*where).order_by(AuditEvent.seq.desc()).limit(1))


def decisions(s: Session, app: Application) -> list[Appealable]:
    """The refusal, suspension or withdrawal standing on this case now (appealed or not,
    in time or not)."""
    found = []
    if app.state == State.REFUSED:
        event = _last_event(
            s, AuditEvent.application_id == app.id, AuditEvent.action == "application.refused"
        )
        if event is not None:
            found.append(Appealable("refusal", event, None))
    cert = s.scalar(select(Certificate).where(Certificate.application_id == app.id))
    if cert is not None and cert.status in (CertState.SUSPENDED, CertState.WITHDRAWN):
        kind = "suspension" if cert.status == CertState.SUSPENDED else "withdrawal"
        event = _last_event(
            s,
            AuditEvent.entity == "certificate",
            AuditEvent.entity_id == cert.id,
            AuditEvent.action == f"certificate.{cert.status}",
        )
        if event is not None:
            found.append(Appealable(kind, event, cert))
    return found


def open_to_appeal(s: Session, app: Application) -> list[Appealable]:
    """What the applicant can appeal today: in time, and not appealed yet."""
    now = clock.now()
    return [d for d in decisions(s, app) if now <= d.until and of_event(s, d.event.seq) is None]


def of_event(s: Session, seq: int) -> Appeal | None:
    return s.scalar(select(Appeal).where(Appeal.appealed_event == seq))


def of_application(s: Session, app_id: int) -> list[Appeal]:
    return list(
        s.scalars(select(Appeal).where(Appeal.application_id == app_id).order_by(Appeal.id))
    )


def file(s: Session, actor: User, app_id: int, kind: str, grounds: str) -> Appeal:
    """The applicant's appeal of the case's refusal, suspension or withdrawal, within
    APPEAL_DAYS of it; acknowledged at once."""
    app = application(s, app_id, lock=True)
    require_owner(actor, app)
    if kind not in KINDS:
        raise InvalidInput(
            "kind", kind, "err_choose", choices=[named(f"apl_kind_{k}") for k in KINDS]
        )
    grounds = text.clean("grounds", grounds, Appeal.grounds, multiline=True, required=True)
    found = [d for d in decisions(s, app) if d.kind == kind]
    if not found:
        raise Conflict("apl_err_nothing", case=app.number, kind=named(f"apl_kind_{kind}"))
    d = found[0]
    if of_event(s, d.event.seq) is not None:
        raise Conflict("apl_err_already", case=app.number, kind=named(f"apl_kind_{kind}"))
    now = clock.now()
    if now > d.until:
        raise Conflict(
            "apl_err_late",
            case=app.number,
            kind=named(f"apl_kind_{kind}"),
            days=APPEAL_DAYS,
            until=d.until.date().isoformat(),
        )
    row = Appeal(
        number=f"BDG-{now.year}-{counters.next_value(s, f'appeal:{now.year}'):04d}",
        kind=kind,
        application_id=app.id,
        certificate_id=d.certificate.id if d.certificate else None,
        appealed_event=d.event.seq,
        appealed_by=d.event.actor_id,
        appealed_at=d.event.at,
        filed_by=actor.id,
        filed_at=now,
        grounds=grounds,
        state=AppealState.ACKNOWLEDGED.value,
    )
    s.add(row)
    s.flush()
    audit.record(
        s,
        actor,
        "appeal.acknowledged",
        "appeal",
        row.id,
        app.id,
        number=row.number,
        kind=kind,
        certificate=d.certificate.number if d.certificate else None,
    )
    return row


# ---------------------------------------------------------------- the guards


def _impartial(s: Session, actor: User, row: Appeal, **_: Any) -> None:
    impartial(s, actor, application(s, row.application_id))


def _not_the_decider(s: Session, actor: User, row: Appeal, **_: Any) -> None:
    if row.appealed_by == actor.id:
        raise SeparationOfDuties(
            "apl_err_own_decision", who=actor.email, kind=named(f"apl_kind_{row.kind}")
        )


def _handler(s: Session, actor: User, row: Appeal, **_: Any) -> None:
    if row.handler_id != actor.id:
        raise PermissionDenied("apl_err_handler", number=row.number)


def _reasons_stated(s: Session, actor: User, row: Appeal, reasons: str = "", **_: Any) -> None:
    text.clean("reasons", reasons, Appeal.reasons, multiline=True, required=True)


def _next_step_where_final(
    s: Session, actor: User, row: Appeal, next_step: str | None = None, **_: Any
) -> None:
    if row.kind in FINAL_KINDS:
        text.clean(
            "next_step",
            next_step,
            Appeal.next_step,
            multiline=True,
            required=True,
        )


GUARDS: dict[str, Callable[..., None]] = {
    "impartial": _impartial,
    "not_the_decider": _not_the_decider,
    "handler": _handler,
    "reasons_stated": _reasons_stated,
    "next_step_where_final": _next_step_where_final,
}


def _step(s: Session, actor: User, appeal_id: int, step: str, **data: Any) -> Transition:
    row = get(s, Appeal, appeal_id, "appeal")
    t = lifecycle.check(row.state, step, actor, APPEAL_TRANSITIONS, "appeal")
    for guard in t.guards:
        GUARDS[guard](s, actor, row, **data)
    return t


def take(s: Session, actor: User, appeal_id: int) -> Appeal:
    t = _step(s, actor, appeal_id, "take")
    row = s.get(Appeal, appeal_id)
    before, row.state = row.state, t.target.value
    row.handler_id, row.taken_at = actor.id, clock.now()
    audit.record(
        s,
        actor,
        f"appeal.{t.event}",
        "appeal",
        row.id,
        row.application_id,
        **{"from": before, "to": row.state, "number": row.number},
    )
    return row


def decide(
    s: Session,
    actor: User,
    appeal_id: int,
    outcome: str,
    reasons: str,
    next_step: str | None = None,
) -> Appeal:
    """Uphold (the decision stands) or overturn it, with reasons; an overturned suspension
    reinstates the certificate, an overturned refusal or withdrawal records the next step."""
    if outcome not in ("uphold", "overturn"):
        raise InvalidInput(
            "outcome", outcome, "err_choose", choices=[named("apl_uphold"), named("apl_overturn")]
        )
    t = _step(s, actor, appeal_id, outcome, reasons=reasons, next_step=next_step)
    row = s.get(Appeal, appeal_id)
    row.reasons = text.clean("reasons", reasons, Appeal.reasons, multiline=True)
    row.next_step = text.optional("next_step", next_step, Appeal.next_step, multiline=True)
    before, row.state, row.decided_at = row.state, t.target.value, clock.now()
    audit.record(
        s,
        actor,
        f"appeal.{t.event}",
        "appeal",
        row.id,
        row.application_id,
        **{"from": before, "to": row.state, "number": row.number, "kind": row.kind},
    )
    if row.state == AppealState.OVERTURNED and row.kind == "suspension":
        cert = s.get(Certificate, row.certificate_id)
        if cert.status == CertState.SUSPENDED:
            certificates.reinstate(
                s, actor, cert.id, f"Banding {row.number} dikabulkan: {row.reasons}"[:9000]
            )
    return row


def listing(s: Session, actor: User, state: str | None = None) -> list[Appeal]:
    require_role(actor, Role.OFFICIAL)
    q = select(Appeal).order_by(Appeal.filed_at.desc(), Appeal.id.desc()).limit(500)
    if state:
        if state not in {x.value for x in AppealState}:
            raise InvalidInput(
                "state", state, "err_choose", choices=[named(f"cmp_st_{x}") for x in AppealState]
            )
        q = q.where(Appeal.state == state)
    return list(s.scalars(q))


def summary(s: Session, app: Application) -> dict[str, Any]:
    """The appeal part of the applicant's page and API: what can still be appealed (and
    until when), and the case's appeals."""
    return {
        "open": [
            {"kind": d.kind, "until": d.until.astimezone(settings.current().zone).isoformat()}
            for d in open_to_appeal(s, app)
        ],
        "appeals": [
            {
                "id": a.id,
                "number": a.number,
                "kind": a.kind,
                "status": a.state,
                "filed_at": a.filed_at.isoformat(),
                "reasons": a.reasons,
                "next_step": a.next_step,
            }
            for a in of_application(s, app.id)
        ],
    }
