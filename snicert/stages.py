"""The automated step of each stage, one transaction each, acting as the system user.

Each returns True when it moved the case to another state. Each re-reads the state under
the row lock first, so a repeated or concurrent run finds nothing left to do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from snicert import clock, evaluation_report, faults, labels, lifecycle, outputs
from snicert.db import engine as db
from snicert.db.models import Application
from snicert.errors import NotFound
from snicert.lifecycle import SampleState, State
from snicert.services import accounts, applications, certificates, lab, papers, site_audits
from snicert.services.guards import application, thing


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
        raise NotFound("not_found", what=thing("application"), ident=app_id)
    return Status(*row)


def _step(app_id: int, state: State, work: Callable) -> bool:
    with db.transaction() as s:
        app = application(s, app_id, lock=True)
        if app.state != state:
            mark(s, app)  # someone (or another run) already moved it
            return False
        moved = work(s, accounts.system_user(s), app)
        mark(s, app, again=moved)
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


def _samples_rejected(s: Session, app: Application) -> bool:
    return all(x.status == SampleState.REJECTED for x in lab.samples_of(s, app.id))


def _site_audit_over(s: Session, app: Application) -> bool:
    return not site_audits.awaited(s, app)


def _evaluation_report_due(s: Session, app: Application) -> bool:
    return outputs.find(s, f"application:{app.id}", "evaluation_report_pdf") is None


@dataclass(frozen=True)
class Automated:
    """A state's automated step: its `name`, `run` (one transaction; True when it moved
    the case on) and `pending`: would a run move anything now (read-only; None: always,
    the state itself is the system's turn)."""

    name: str
    run: Callable[[int], bool]
    pending: Callable[[Session, Application], bool] | None = None


# Which states have automated work, and when: the one table the background task
# (flows/certification.py), the after-commit dispatch (snicert/effects.py), the sweep, the
# pages and the demo all read.
AUTOMATED: dict[State, Automated] = {
    State.SUBMITTED: Automated("screening", screen),
    State.SAMPLING: Automated("sampling", plan_samples, _samples_rejected),
    State.TESTING: Automated("lab-testing", close_testing, lab.testing_done),
    State.SITE_AUDIT: Automated("site-audit", site_audit_done, _site_audit_over),
    State.DECISION: Automated("evaluation-report", compile_evaluation, _evaluation_report_due),
    State.APPROVED: Automated("issuance", issue),
}


def due(s: Session, app: Application) -> bool:
    """Is the system's automated step due for `app` now (read-only; the pages say such a
    case is being processed)?"""
    step = AUTOMATED.get(State(app.state))
    if step is None:
        return False  # a person acts next, or the case is closed
    return step.pending is None or step.pending(s, app)


def mark(s: Session, app: Application, again: bool = False) -> None:
    """Record in the change's transaction whether, and since when, the case waits on the
    system (Application.system_since): kept while the same turn goes on, restarted when a
    step moved the case (`again`), cleared when a person acts next."""
    if not due(s, app):
        app.system_since = None
    elif again or app.system_since is None:
        app.system_since = clock.now()


def remark(app_id: int) -> None:
    """Decide the case's mark again under its row lock (after a re-dispatch that found
    nothing to do, so a mark left by a change made outside the services cannot stay)."""
    with db.transaction() as s:
        mark(s, application(s, app_id, lock=True))


def has_work(app_id: int) -> bool:
    """Would a run move anything now? (Lets a person's action skip a run that would only
    find the case waiting for the next person.)"""
    step = AUTOMATED.get(status(app_id).state)
    if step is None:
        return False  # a person acts next: no ORM load of the case
    if step.pending is None:
        return True
    with db.reading() as s:
        return due(s, application(s, app_id))


def run_until_waiting(app_id: int) -> None:
    """Take the automated steps here, in this process, until a person must act (the
    background task, the scheduled sweep, the demo without flows, tests)."""
    while (step := AUTOMATED.get(status(app_id).state)) and step.run(app_id):
        pass
