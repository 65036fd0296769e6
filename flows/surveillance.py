"""The scheduled sweep: opens yearly surveillance cases, expires certificates past validity,
flags applications overdue against their stage's service standard, reminds people of due
dates and expiring certificates (snicert.services.reminders), disposes of retained
samples past their retention period, resumes automated stages a failed run left, and tidies
rendered files a killed process left pending."""

from __future__ import annotations

from typing import Any

from prefect import flow, task
from sqlalchemy import select

from snicert import outputs, stages
from snicert.db import engine as db
from snicert.db.models import Application
from snicert.services import accounts, lab, monitoring, reminders, site_audits


@task(name="open-surveillance")
def open_surveillance() -> list[int]:
    with db.transaction() as s:
        return [c.id for c in monitoring.open_due_surveillance(s, accounts.system_user(s))]


@task(name="expire-certificates")
def expire_certificates() -> list[str]:
    with db.transaction() as s:
        return [c.number for c in monitoring.expire_certificates(s, accounts.system_user(s))]


@task(name="flag-overdue")
def flag_overdue() -> list[str]:
    with db.transaction() as s:
        return [a.number for a in monitoring.flag_overdue(s, accounts.system_user(s))]


@task(name="flag-overdue-findings")
def flag_overdue_findings() -> list[int]:
    """Site-audit findings past their correction date with no corrective action."""
    with db.transaction() as s:
        return [f.id for f in site_audits.flag_overdue_findings(s, accounts.system_user(s))]


@task(name="send-reminders")
def send_reminders() -> int:
    """Due dates near or today, the officials' overdue digest, certificates expiring (after
    flag-overdue, which tells the officials of each case newly overdue)."""
    with db.transaction() as s:
        return reminders.send(s, accounts.system_user(s))


@task(name="dispose-retained-samples")
def dispose_samples() -> list[str]:
    with db.transaction() as s:
        return [x.code for x in lab.dispose_expired_retention(s, accounts.system_user(s))]


@task(name="tidy-pending-outputs")
def tidy_outputs() -> dict[str, int]:
    """Files a killed process left written aside (outputs.sweep_pending)."""
    with db.reading() as s:
        placed, deleted = outputs.sweep_pending(s)
    return {"placed": placed, "deleted": deleted}


@task(name="resume-automated-stages")
def resume_automated() -> list[int]:
    """Applications sitting in a state with an automated step (a run failed or never
    started) are moved on here."""
    with db.transaction() as s:
        ids = list(
            s.scalars(
                select(Application.id).where(
                    Application.state.in_([str(x) for x in stages.AUTOMATED])
                )
            )
        )
    for app_id in ids:
        stages.run_until_waiting(app_id)
    return ids


@flow(name="surveillance")
def sweep() -> dict[str, Any]:
    return {
        "surveillance_opened": open_surveillance(),
        "expired": expire_certificates(),
        "overdue": flag_overdue(),
        "overdue_findings": flag_overdue_findings(),
        "reminders": send_reminders(),
        "disposed": dispose_samples(),
        "resumed": resume_automated(),
        "pending_outputs": tidy_outputs(),
    }
