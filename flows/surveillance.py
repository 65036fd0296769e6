"""The scheduled sweep: opens yearly surveillance cases, expires certificates past validity,
flags applications overdue against their stage's service standard, reminds people of due
dates and expiring certificates (snicert.services.reminders), disposes of retained
samples past their retention period and tidies rendered files a killed process left
pending. (Automated stages a failed run left are resumed every minute: flows/resume.py.)"""

from __future__ import annotations

from typing import Any

from prefect import flow, task

from snicert import outputs
from snicert.db import engine as db
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


@flow(name="surveillance")
def sweep() -> dict[str, Any]:
    return {
        "surveillance_opened": open_surveillance(),
        "expired": expire_certificates(),
        "overdue": flag_overdue(),
        "overdue_findings": flag_overdue_findings(),
        "reminders": send_reminders(),
        "disposed": dispose_samples(),
        "pending_outputs": tidy_outputs(),
    }
