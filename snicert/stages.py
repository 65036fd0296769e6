"""The automated step of each stage, one transaction each, acting as the system user.

Each returns True when it moved the case to another state. Each re-reads the state under
the row lock first, so a repeated or concurrent run finds nothing left to do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select

from snicert import evaluation_report, faults, labels, lifecycle, outputs
from snicert.db import engine as db
from snicert.db.models import Application
from snicert.errors import NotFound
from snicert.lifecycle import State
from snicert.services import accounts, applications, certificates, lab, papers, site_audits
from snicert.services.guards import application


@dataclass(frozen=True)
class Status:
    application_id: int
    number: str
    state: str
    awaiting_role: str | None
    awaiting_action: str | None
    due_at: datetime | None


_STATUS = select(
    Application.id,
    Application.number,
    Application.state,
    Application.awaiting_role,
    Application.awaiting_action,
    Application.due_at,
).where(Application.id == bindparam("app_id"))


def status(app_id: int) -> Status:
    # Read several times per flow run: one Core row, not an ORM load of the application
    # with its JSON snapshots (measured ~1.5 ms against ~0.2 ms).
    with db.read_connection() as c:
        row = c.execute(_STATUS, {"app_id": app_id}).one_or_none()
    if row is None:
        raise NotFound(f"application {app_id} not found")
    return Status(*row)


def _step(app_id: int, state: State, work: Callable) -> bool:
    with db.transaction() as s:
        app = application(s, app_id, lock=True)
        if app.state != state:
            return False  # someone (or another run) already moved it
        moved = work(s, accounts.system_user(s), app)
        faults.point(state.value)  # tests kill the process here, mid-transaction
        return moved


def screen(app_id: int) -> bool:
    return _step(
        app_id, State.SUBMITTED, lambda s, system, app: bool(applications.screen(s, system, app.id))
    )


def plan_samples(app_id: int) -> bool:
    def work(s, system, app) -> bool:
        for sample in lab.create_samples(s, system, app.id):
            # the label as planned (seal and time taken blank: written by hand, or
            # reprinted from the sampling page once recorded)
            outputs.write(
                s,
                f"sample:{sample.id}",
                "label",
                f"outputs/{app.number}/samples/{sample.code}.png",
                labels.sample_label(papers.label_of(app, sample)),
                "image/png",
            )
        return False  # now the sampling officer acts

    return _step(app_id, State.SAMPLING, work)


def close_testing(app_id: int) -> bool:
    from snicert.reports import render_test_report

    def work(s, system, app) -> bool:
        if not lab.complete_testing(s, system, app.id):
            return False  # results still awaited
        render_test_report(s, app)  # same transaction: no evaluation without its report
        return True

    return _step(app_id, State.TESTING, work)


def site_audit_done(app_id: int) -> bool:
    def work(s, system, app) -> bool:
        if site_audits.awaited(s, app):
            return False  # the auditor and the applicant act
        lifecycle.apply(s, app, "site_audit_done", system)
        return True

    return _step(app_id, State.SITE_AUDIT, work)


def compile_evaluation(app_id: int) -> bool:
    """The evaluation report, rendered once the evaluator has recorded the recommendation
    (it names them and their summary); the decider reads it."""

    def work(s, system, app) -> bool:
        evaluation_report.render(s, app)
        return False  # now an official decides

    return _step(app_id, State.DECISION, work)


def issue(app_id: int) -> bool:
    return _step(
        app_id, State.APPROVED, lambda s, system, app: bool(certificates.issue(s, system, app.id))
    )


def has_work(app_id: int) -> bool:
    """Would a run move anything now? (Read-only: lets a person's action skip a run that
    would only find the case waiting for the next person.)"""
    state = status(app_id).state
    if state in (State.SUBMITTED, State.APPROVED):
        return True
    if state not in (State.SAMPLING, State.TESTING, State.SITE_AUDIT, State.DECISION):
        return False  # a person acts next
    with db.reading() as s:
        if state == State.SITE_AUDIT:
            return not site_audits.awaited(s, application(s, app_id))
        if state == State.SAMPLING:
            return all(x.status == "rejected" for x in lab.samples_of(s, app_id))
        if state == State.DECISION:
            return outputs.find(s, f"application:{app_id}", "evaluation_report_pdf") is None
        return lab.testing_done(s, application(s, app_id))


AUTOMATED: dict[str, Callable[[int], bool]] = {
    State.SUBMITTED: screen,
    State.SAMPLING: plan_samples,
    State.TESTING: close_testing,
    State.SITE_AUDIT: site_audit_done,
    State.DECISION: compile_evaluation,
    State.APPROVED: issue,
}
