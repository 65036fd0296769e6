"""The scheduled sweep's rules: surveillance due, certificates expired, stages overdue."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from snicert import audit, clock, snapshots
from snicert.db.models import Application, Certificate, Complaint, SurveillanceCase, User
from snicert.errors import Conflict
from snicert.lifecycle import OPEN, SURVEILLANCE_FINAL, CertState
from snicert.messages import named
from snicert.roles import Role
from snicert.services import certificates, impartiality
from snicert.services.guards import get, require_role

SURVEILLANCE_LEAD = timedelta(days=30)  # open the case a month before it is due


def add_months(moment: datetime, months: int) -> datetime:
    year, month = divmod(moment.month - 1 + months, 12)
    year, month = moment.year + year, month + 1
    return moment.replace(
        year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1])
    )


def open_due_surveillance(s: Session, actor: User) -> list[SurveillanceCase]:
    """Open the yearly surveillance of every type-5 certificate whose next cycle is due."""
    require_role(actor, Role.SYSTEM)
    now = clock.now()
    opened = []
    certs = s.scalars(
        select(Certificate).where(
            Certificate.status.in_([CertState.ACTIVE.value, CertState.SUSPENDED.value])
        )
    )
    for cert in certs:
        app = s.get(Application, cert.application_id)
        scheme = snapshots.product(app).scheme
        interval = scheme.surveillance_interval_months
        if scheme.type != "5" or not interval:
            continue
        done = set(
            s.scalars(
                select(SurveillanceCase.cycle).where(SurveillanceCase.certificate_id == cert.id)
            )
        )
        cycle = 1
        while (due := add_months(cert.issued_at, cycle * interval)) - SURVEILLANCE_LEAD <= now:
            if cert.valid_until is not None and due >= cert.valid_until:
                break  # renewal, not surveillance, ends the certificate's life
            if cycle not in done:
                case = SurveillanceCase(
                    certificate_id=cert.id, cycle=cycle, due_at=due, opened_at=now, status="open"
                )
                s.add(case)
                s.flush()
                audit.record(
                    s,
                    actor,
                    "surveillance.opened",
                    "surveillance_case",
                    case.id,
                    cert.application_id,
                    certificate=cert.number,
                    cycle=cycle,
                    due=due.isoformat(),
                )
                opened.append(case)
            cycle += 1
    return opened


def open_special_surveillance(
    s: Session,
    actor: User,
    cert: Certificate,
    complaint: Complaint | None = None,
    cause: str | None = None,
) -> SurveillanceCase:
    """A surveillance outside the yearly cycle, opened by an upheld complaint (or, `cause`,
    a notified change or a new checklist or standard version): due in a month, numbered
    -1, -2... per certificate, and recorded like the yearly ones."""
    require_role(actor, Role.OFFICIAL)
    if cert.status not in (CertState.ACTIVE, CertState.SUSPENDED):
        raise Conflict("sv_err_cert_state", number=cert.number, status=named(cert.status))
    lowest = s.scalar(
        select(func.min(SurveillanceCase.cycle)).where(SurveillanceCase.certificate_id == cert.id)
    )
    now = clock.now()
    case = SurveillanceCase(
        certificate_id=cert.id,
        cycle=min(lowest or 0, 0) - 1,
        due_at=now + SURVEILLANCE_LEAD,
        opened_at=now,
        status="open",
        complaint_id=complaint.id if complaint else None,
    )
    s.add(case)
    s.flush()
    audit.record(
        s,
        actor,
        "surveillance.opened",
        "surveillance_case",
        case.id,
        cert.application_id,
        certificate=cert.number,
        cycle=case.cycle,
        due=case.due_at.isoformat(),
        **({"complaint": complaint.number} if complaint else {"cause": cause}),
    )
    return case


def expire_certificates(s: Session, actor: User) -> list[Certificate]:
    now = clock.now()
    due = s.scalars(
        select(Certificate).where(
            Certificate.status.in_([CertState.ACTIVE.value, CertState.SUSPENDED.value]),
            Certificate.valid_until.is_not(None),
            Certificate.valid_until <= now,
        )
    ).all()
    return [certificates.expire(s, actor, c.id) for c in due]


def flag_overdue(s: Session, actor: User) -> list[Application]:
    """Flag applications whose current stage is past its service-standard due date."""
    require_role(actor, Role.SYSTEM)
    now = clock.now()
    late = s.scalars(
        select(Application).where(
            Application.state.in_([x.value for x in OPEN]),
            Application.overdue.is_(False),
            Application.due_at.is_not(None),
            Application.due_at < now,
        )
    ).all()
    for app in late:
        app.overdue = True
        audit.record(
            s,
            actor,
            "application.overdue",
            "application",
            app.id,
            app.id,
            state=app.state,
            awaiting_role=app.awaiting_role,
            due=app.due_at.isoformat(),
        )
    return list(late)


def record_surveillance(
    s: Session, actor: User, case_id: int, passed: bool, note: str
) -> SurveillanceCase:
    """An official records a surveillance result by hand: a failure (access refused, a
    finding...) fails it and suspends the certificate. A pass comes only through the
    case's evaluation (services/surveillance.py: its results and its site audit)."""
    from snicert.services import surveillance

    require_role(actor, Role.OFFICIAL)
    case = get(s, SurveillanceCase, case_id, "surveillance case")
    # judging a surveillance is evaluating the holder: impartial and qualified (§4.2, §6.1)
    holder = get(s, Certificate, case.certificate_id, "certificate")
    impartiality.require(s, actor, "evaluator", s.get(Application, holder.application_id))
    if passed:
        if case.status in SURVEILLANCE_FINAL:
            raise Conflict("sv_err_closed", case=case_id, state=named(f"sv_st_{case.status}"))
        raise Conflict("sv_err_pass_by_evaluation", case=case_id)
    return surveillance.fail(s, actor, case_id, note)
