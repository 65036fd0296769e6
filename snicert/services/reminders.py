"""Reminders and escalation, from the daily sweep (flows/surveillance.py).

- Whoever an application waits for is reminded 3 working days before its due date and on
  the day itself (the days of Kota Kupang, SNICERT_TIMEZONE).
- Past the due date the officials are told once per case (`application.overdue`, recorded
  by monitoring.flag_overdue, told through snicert.services.moments), and each official
  gets one daily digest of every overdue case.
- Certificate holders are told 90 and 30 days before their certificate expires.
- An applicant is reminded once, 3 working days before it, of the day a site-audit
  finding must be corrected by (past it, site_audits.flag_overdue_findings tells).

Every message's key names its occasion (the application's stage and due day, the day of
the digest, the certificate's threshold), so a second sweep the same day sends nothing new.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from snicert import clock
from snicert.db.models import Application, Certificate, Notification, User
from snicert.lifecycle import OPEN, CertState
from snicert.roles import Role
from snicert.services import dates, notifications
from snicert.services.guards import require_role
from snicert.services.moments import applicants, awaited, day, holding, role_name, staff_page, task

MOMENTS = (
    "deadline_soon",
    "deadline_today",
    "overdue_digest",
    "certificate_expiring",
    "finding_due_soon",
)
LEAD_WORKING_DAYS = 3
EXPIRY_NOTICES = (30, 90)  # days before the end of validity, most urgent first
DIGEST_LISTED = 10  # cases named in a digest (the dashboard lists them all)


def working_days_before(day_: date, n: int) -> date:
    """The day `n` working days (clock.is_working_day) before `day_`."""
    current, left = day_, n
    while left:
        current -= timedelta(days=1)
        if clock.is_working_day(current):
            left -= 1
    return current


def _tell(
    s: Session,
    people: list[User],
    moment: str,
    params: Callable[[str], dict[str, Any]],
    link: str,
    key: str,
) -> None:
    """`params` gives the moment's parameters in a recipient's language."""
    for person in people:
        lang = notifications.preferences(s, person).lang
        notifications.notify(s, person, moment, params(lang), link, key)


def _link(app: Application) -> str:
    return f"/applications/{app.id}" if app.awaiting_role == Role.APPLICANT else staff_page(app)


def send(s: Session, actor: User) -> int:
    """The sweep's reminders, digests and expiry notices for today; returns how many
    notifications it wrote (0 when this day's were written already)."""
    require_role(actor, Role.SYSTEM)
    before = _written(s)
    today = dates.today()
    open_apps = s.scalars(
        select(Application)
        .where(Application.state.in_([x.value for x in OPEN]), Application.due_at.is_not(None))
        .order_by(Application.id)
    ).all()
    overdue = []
    for app in open_apps:
        due_day = dates.local_day(app.due_at)
        if app.due_at < clock.now():
            overdue.append(app)
        occasion = f"{app.id}:{app.state}:{app.review_round}:{due_day.isoformat()}"
        if today == due_day:
            _tell(
                s,
                awaited(s, app),
                "deadline_today",
                lambda lang, app=app: {"number": app.number, "task": task(app, lang)},
                _link(app),
                f"deadline-today:{occasion}",
            )
        elif working_days_before(due_day, LEAD_WORKING_DAYS) <= today < due_day:
            _tell(
                s,
                awaited(s, app),
                "deadline_soon",
                lambda lang, app=app: {
                    "number": app.number,
                    "task": task(app, lang),
                    "due": day(app.due_at),
                },
                _link(app),
                f"deadline-soon:{occasion}",
            )
    if overdue:
        _digest(s, overdue, today)
    _expiring(s)
    _findings_due(s, today)
    return _written(s) - before


def _written(s: Session) -> int:
    return s.scalar(select(func.count()).select_from(Notification)) or 0


def _digest(s: Session, overdue: list[Application], today: date) -> None:
    def params(lang: str) -> dict[str, str | int]:
        lines = [
            f"{a.number} ({role_name(a.awaiting_role, lang)}: {task(a, lang)}, {day(a.due_at)})"
            for a in overdue[:DIGEST_LISTED]
        ]
        more = len(overdue) - DIGEST_LISTED
        if more > 0:
            lines.append(f"+{more}")
        return {"day": today.strftime("%d/%m/%Y"), "count": len(overdue), "cases": "; ".join(lines)}

    _tell(s, holding(s, Role.OFFICIAL), "overdue_digest", params, "/dashboard", f"digest:{today}")


def _expiring(s: Session) -> None:
    now = clock.now()
    certs = s.scalars(
        select(Certificate)
        .where(
            Certificate.status.in_([CertState.ACTIVE.value, CertState.SUSPENDED.value]),
            Certificate.valid_until.is_not(None),
            Certificate.valid_until > now,
            Certificate.valid_until <= now + timedelta(days=max(EXPIRY_NOTICES)),
        )
        .order_by(Certificate.id)
    ).all()
    for cert in certs:
        left = (dates.local_day(cert.valid_until) - dates.local_day(now)).days
        threshold = next(d for d in EXPIRY_NOTICES if left <= d)
        _tell(
            s,
            applicants(s, cert.business_id),
            "certificate_expiring",
            lambda lang, cert=cert, left=left: {
                "certificate": cert.number,
                "days": left,
                "valid_until": day(cert.valid_until),
            },
            f"/applications/{cert.application_id}",
            f"expiring-{threshold}:{cert.id}",
        )


def _findings_due(s: Session, today: date) -> None:
    from snicert.services import site_audits

    # 3 working days are at most a few weeks of calendar days, even over Lebaran
    for f, a in site_audits.due_soon(s, clock.now() + timedelta(days=21)):
        due_day = dates.local_day(f.due_at)
        if not working_days_before(due_day, LEAD_WORKING_DAYS) <= today <= due_day:
            continue
        app = s.get(Application, a.application_id)
        _tell(
            s,
            applicants(s, app.business_id),
            "finding_due_soon",
            lambda lang, app=app, f=f: {
                "number": app.number,
                "finding": f.id,
                "due": day(f.due_at),
            },
            f"/applications/{app.id}",
            f"finding-due:{f.id}:{due_day.isoformat()}",
        )
