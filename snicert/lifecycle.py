"""The application lifecycle, defined once: states, transitions and who may take each.

Services call `apply()`; nothing else changes an application's state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert import audit, clock, settings, snapshots
from snicert.catalog.models import ServiceStandard, Times
from snicert.db.models import Application, StageVisit, User
from snicert.errors import IllegalTransition, PermissionDenied
from snicert.roles import Role


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    PAYMENT = "payment"  # the invoice awaits the applicant's proof of payment
    PAYMENT_CHECK = "payment_check"  # the proof awaits an official's confirmation
    DOCUMENT_REVIEW = "document_review"
    NONCONFORMITY = "nonconformity"
    SAMPLING = "sampling"
    TESTING = "testing"
    SITE_AUDIT = "site_audit"
    EVALUATION = "evaluation"
    DECISION = "decision"
    APPROVED = "approved"
    CERTIFIED = "certified"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


FINAL = frozenset({State.CERTIFIED, State.REFUSED, State.WITHDRAWN})
OPEN = frozenset(State) - FINAL


@dataclass(frozen=True)
class Transition:
    action: str  # what the actor does
    sources: frozenset[StrEnum]
    target: StrEnum
    roles: frozenset[Role]
    event: str  # what happened: audit action "<entity>.<event>", Prefect event "snicert.…"
    # named checks the service runs before taking it (beyond state and role)
    guards: tuple[str, ...] = ()


def _t(
    action: str,
    sources: StrEnum | frozenset[StrEnum],
    target: StrEnum,
    event: str,
    *roles: Role,
    guards: tuple[str, ...] = (),
) -> Transition:
    src = sources if isinstance(sources, frozenset) else frozenset({sources})
    return Transition(action, src, target, frozenset(roles), event, guards)


# The site audit (scheme type 5, snicert/services/site_audits.py) runs beside sampling and
# testing: an official plans it once the documents pass. A case whose lab work is done
# waits in site_audit until the auditor's visit is over (reported). In evaluation the
# applicant may still be correcting findings: the case is not evaluated while a major
# finding is open, nor before the audit passed or failed (a failed audit: the evaluation
# recommends refusal), and never certified without a passed audit. The guards are named
# here and implemented in site_audits.GUARDS; each passes at once for a product whose
# scheme has no factory_audit.

#
# Payment (ISO/IEC 17065 §4.1.2 and LSPro practice: agreement, quotation, invoice and
# payment before the document audit; snicert/services/fees.py): a dossier that passed
# screening waits in `payment` for the applicant's proof, then in `payment_check` for an
# official, who confirms it (document review starts) or refuses it with a reason (the
# applicant uploads again). A dossier that failed screening, once answered, goes to
# payment first unless it was paid already. Guards: fees.GUARDS.


S, R = State, Role
TRANSITIONS: tuple[Transition, ...] = (
    _t("submit", S.DRAFT, S.SUBMITTED, "submitted", R.APPLICANT),
    _t("screen_pass", S.SUBMITTED, S.PAYMENT, "screening_passed", R.SYSTEM),
    _t("screen_fail", S.SUBMITTED, S.NONCONFORMITY, "screening_failed", R.SYSTEM),
    _t(
        "submit_payment_proof",
        S.PAYMENT,
        S.PAYMENT_CHECK,
        "payment_proof_submitted",
        R.APPLICANT,
        guards=("invoice_issued",),
    ),
    _t(
        "confirm_payment",
        S.PAYMENT_CHECK,
        S.DOCUMENT_REVIEW,
        "payment_confirmed",
        R.OFFICIAL,
        guards=("proof_awaiting_check",),
    ),
    _t(
        "refuse_payment",
        S.PAYMENT_CHECK,
        S.PAYMENT,
        "payment_refused",
        R.OFFICIAL,
        guards=("proof_awaiting_check", "reason_stated"),
    ),
    _t("review_pass", S.DOCUMENT_REVIEW, S.SAMPLING, "review_passed", R.OFFICIAL),
    _t("review_fail", S.DOCUMENT_REVIEW, S.NONCONFORMITY, "review_failed", R.OFFICIAL),
    _t(
        "answer_nonconformities",
        S.NONCONFORMITY,
        S.DOCUMENT_REVIEW,
        "nonconformities_answered",
        R.APPLICANT,
        guards=("payment_confirmed",),
    ),
    # screening's non-conformities answered before any payment: the invoice comes next
    _t(
        "answer_nonconformities_unpaid",
        S.NONCONFORMITY,
        S.PAYMENT,
        "screening_answered",
        R.APPLICANT,
        guards=("payment_not_confirmed",),
    ),
    _t("samples_sent", S.SAMPLING, S.TESTING, "samples_sent", R.SAMPLER),
    _t("resample", S.TESTING, S.SAMPLING, "resampling_requested", R.LAB_ANALYST, R.LAB_VERIFIER),
    _t(
        "testing_complete",
        S.TESTING,
        S.EVALUATION,
        "testing_completed",
        R.SYSTEM,
        guards=("site_visit_reported",),
    ),
    _t(
        "await_site_audit",
        S.TESTING,
        S.SITE_AUDIT,
        "site_audit_awaited",
        R.SYSTEM,
        guards=("site_visit_not_reported",),
    ),
    _t(
        "site_audit_done",
        S.SITE_AUDIT,
        S.EVALUATION,
        "site_audit_done",
        R.SYSTEM,
        guards=("site_visit_reported",),
    ),
    _t(
        "evaluate",
        S.EVALUATION,
        S.DECISION,
        "evaluated",
        R.OFFICIAL,
        guards=("no_open_major_finding", "site_audit_concluded"),
    ),
    _t("grant", S.DECISION, S.APPROVED, "granted", R.OFFICIAL),
    _t("refuse", S.DECISION, S.REFUSED, "refused", R.OFFICIAL),
    _t(
        "issue",
        S.APPROVED,
        S.CERTIFIED,
        "certified",
        R.OFFICIAL,
        R.SYSTEM,
        guards=("site_audit_passed",),
    ),
    _t("withdraw", OPEN, S.WITHDRAWN, "withdrawn", R.APPLICANT),
)


@dataclass(frozen=True)
class Stage:
    """What a state waits for: from which role, and the service-standard key for its due date."""

    role: Role | None
    awaiting: str | None
    service_standard: str | None


# The service standard's key for each state, as the catalog's model names it (one place).
STANDARD_OF: dict[str, str] = {
    m.state: key
    for key, f in ServiceStandard.model_fields.items()
    for m in f.metadata
    if isinstance(m, Times)
}
_AWAITS: dict[State, tuple[Role | None, str | None]] = {
    S.DRAFT: (R.APPLICANT, "complete and submit the dossier"),
    S.SUBMITTED: (R.SYSTEM, "automated dossier screening"),
    S.PAYMENT: (R.APPLICANT, "pay the invoice and upload the proof"),
    S.PAYMENT_CHECK: (R.OFFICIAL, "confirm the payment"),
    S.DOCUMENT_REVIEW: (R.OFFICIAL, "review the documents"),
    S.NONCONFORMITY: (R.APPLICANT, "answer the non-conformities"),
    S.SAMPLING: (R.SAMPLER, "take and seal the samples"),
    S.TESTING: (R.LAB_ANALYST, "enter and verify the lab results"),
    S.SITE_AUDIT: (R.AUDITOR, "audit the production site and close its findings"),
    S.EVALUATION: (R.OFFICIAL, "evaluate the case"),
    S.DECISION: (R.OFFICIAL, "decide on certification"),
    S.APPROVED: (R.SYSTEM, "issue the certificate"),
    S.CERTIFIED: (None, None),
    S.REFUSED: (None, None),
    S.WITHDRAWN: (None, None),
}
STAGES: dict[State, Stage] = {
    state: Stage(role, awaiting, STANDARD_OF.get(state))
    for state, (role, awaiting) in _AWAITS.items()
}


class CertState(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


C = CertState
CERTIFICATE_TRANSITIONS: tuple[Transition, ...] = (
    _t("suspend", C.ACTIVE, C.SUSPENDED, "suspended", R.OFFICIAL),
    _t("reinstate", C.SUSPENDED, C.ACTIVE, "reinstated", R.OFFICIAL),
    _t("withdraw", frozenset({C.ACTIVE, C.SUSPENDED}), C.WITHDRAWN, "withdrawn", R.OFFICIAL),
    _t(
        "expire",
        frozenset({C.ACTIVE, C.SUSPENDED}),
        C.EXPIRED,
        "expired",
        R.SYSTEM,
        guards=("past_validity",),
    ),
)


class SurveyState(StrEnum):
    """The satisfaction survey (SKM) of a closed application (snicert/services/skm.py)."""

    INVITED = "invited"
    ANSWERED = "answered"


SURVEY_TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "answer",
        frozenset({SurveyState.INVITED}),
        SurveyState.ANSWERED,
        frozenset({R.APPLICANT}),
        "answered",
        guards=("applicant_of_the_case",),
    ),
)


def allowed_actions(state: str, table: tuple[Transition, ...] = TRANSITIONS) -> list[str]:
    return sorted(t.action for t in table if state in t.sources)


def check(
    state: str,
    action: str,
    actor: User,
    table: tuple[Transition, ...] = TRANSITIONS,
    entity: str = "application",
) -> Transition:
    """Raise unless `actor` may take `action` from `state` now. Changes nothing."""
    found = [t for t in table if t.action == action and state in t.sources]
    if not found:
        raise IllegalTransition(state, action, allowed_actions(state, table), entity)
    t = found[0]
    if not (actor.roles & t.roles):
        from snicert.services.guards import roles_params

        raise PermissionDenied("err_needs_role", **roles_params(t.roles, actor))
    return t


def application_guards() -> dict[str, Callable[[Session, Application, User], None]]:
    """Every named guard of TRANSITIONS, from the services that define them."""
    from snicert.services import fees, site_audits  # they build on this module

    return {**site_audits.GUARDS, **fees.GUARDS}


def run_guards(s: Session, app: Application, t: Transition, actor: User) -> None:
    """Raise (naming what is missing) unless every named guard of `t` passes for `app`."""
    guards = application_guards()
    for name in t.guards:
        guards[name](s, app, actor)


def enter(s: Session, app: Application, now: datetime) -> None:
    """The application enters its (new) state: its stay in the one before ends now, and a
    stay in an open state begins (final states end the case; they have no stay)."""
    from snicert.services import rollups

    zone = settings.current().zone
    today = now.astimezone(zone).date()
    for visit in s.scalars(
        select(StageVisit).where(StageVisit.application_id == app.id, StageVisit.left_at.is_(None))
    ):
        visit.left_at = now
        visit.working_days = clock.working_days_between(
            visit.entered_at.astimezone(zone).date(), today
        )
        # the review's daily counts (stage_days), in this transaction
        rollups.stage_event(s, today, visit.product, visit.state, "left", visit.working_days)
    if app.state in OPEN:
        s.add(
            StageVisit(application_id=app.id, product=app.product, state=app.state, entered_at=now)
        )
        rollups.stage_event(s, today, app.product, app.state, "entered")


def apply(s: Session, app: Application, action: str, actor: User, **data: Any) -> Application:
    """Take one application transition: guard, move, set what is awaited next, audit."""
    t = check(app.state, action, actor)
    run_guards(s, app, t, actor)
    before = app.state
    now = clock.now()
    app.state = t.target.value
    enter(s, app, now)
    app.state_changed_at = now
    stage = STAGES[t.target]
    app.awaiting_role = stage.role.value if stage.role else None
    app.awaiting_action = stage.awaiting
    app.due_at = None
    app.overdue = False
    if stage.service_standard and app.product_snapshot:
        # snapshots taken before a stage existed (site_audit) read back with its default
        days = getattr(snapshots.product(app).service_standard_days, stage.service_standard)
        if days:
            app.due_at = clock.add_working_days(now, days)
    audit.record(
        s,
        actor,
        f"application.{t.event}",
        "application",
        app.id,
        app.id,
        **{"from": before, "to": t.target.value, **data},
    )
    if t.target in FINAL:
        # Every way a case closes invites its applicant to the satisfaction survey, in the
        # same transaction (imported here: the survey service builds on this module).
        from snicert.services import skm

        skm.invite(s, app)
    return app


class AuditState(StrEnum):
    """A site audit (snicert/services/site_audits.py)."""

    PLANNED = "planned"
    ON_SITE = "on_site"
    REPORTED = "reported"  # the visit is over; corrective actions are awaited
    PASSED = "passed"
    FAILED = "failed"
    CANCELLED = "cancelled"


AU = AuditState
AUDIT_CONCLUDED = frozenset({AU.PASSED, AU.FAILED})
AUDIT_TRANSITIONS: tuple[Transition, ...] = (
    _t(
        "start_visit",
        AU.PLANNED,
        AU.ON_SITE,
        "visit_started",
        R.AUDITOR,
        guards=("assigned_auditor",),
    ),
    _t("close_visit", AU.ON_SITE, AU.REPORTED, "reported", R.AUDITOR, guards=("assigned_auditor",)),
    # taken by the service when the last major or minor finding closes (or none was raised)
    _t(
        "pass",
        AU.REPORTED,
        AU.PASSED,
        "passed",
        R.AUDITOR,
        guards=("assigned_auditor", "no_open_finding"),
    ),
    # corrective actions not given or not effective by their deadline
    _t(
        "fail",
        AU.REPORTED,
        AU.FAILED,
        "failed",
        R.OFFICIAL,
        guards=("has_open_finding",),
    ),
    _t("cancel", AU.PLANNED, AU.CANCELLED, "cancelled", R.OFFICIAL),
)


class FindingState(StrEnum):
    OPEN = "open"  # a major or minor finding awaiting its corrective action
    ANSWERED = "answered"  # corrective action given, awaiting the auditor
    CLOSED = "closed"  # the auditor accepted the corrective action
    NOTED = "noted"  # an observation: recorded, no action required


FI = FindingState
FINDING_TRANSITIONS: tuple[Transition, ...] = (
    _t(
        "answer",
        FI.OPEN,
        FI.ANSWERED,
        "answered",
        R.APPLICANT,
        guards=("applicant_of_the_case", "audit_reported"),
    ),
    _t("accept", FI.ANSWERED, FI.CLOSED, "closed", R.AUDITOR, guards=("assigned_auditor",)),
    _t("reopen", FI.ANSWERED, FI.OPEN, "reopened", R.AUDITOR, guards=("assigned_auditor",)),
)


class ActionState(StrEnum):
    """A management review's action (a decision is recorded and has no further states)."""

    OPEN = "open"
    DONE = "done"


A = ActionState
REVIEW_ACTION_TRANSITIONS: tuple[Transition, ...] = (
    # audit actions review.action_done / review.action_reopened, as the review has them
    _t("complete", A.OPEN, A.DONE, "action_done", R.OFFICIAL, guards=("outcome_stated",)),
    _t("reopen", A.DONE, A.OPEN, "action_reopened", R.OFFICIAL, guards=("reason_stated",)),
)


class ComplaintState(StrEnum):
    """A complaint (ISO/IEC 17065 §7.13; snicert/services/complaints.py). Filing it is its
    acknowledgement: it is born `acknowledged`, with its tracking code."""

    ACKNOWLEDGED = "acknowledged"
    INVESTIGATING = "investigating"
    CLOSED = "closed"


CS = ComplaintState
COMPLAINT_TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "take",
        frozenset({CS.ACKNOWLEDGED}),
        CS.INVESTIGATING,
        frozenset({R.OFFICIAL}),
        "taken",
        guards=("impartial",),
    ),
    Transition(
        "investigate",
        frozenset({CS.INVESTIGATING}),
        CS.INVESTIGATING,
        frozenset({R.OFFICIAL}),
        "investigated",
        guards=("handler", "note_stated"),
    ),
    Transition(
        "close",
        frozenset({CS.INVESTIGATING}),
        CS.CLOSED,
        frozenset({R.OFFICIAL}),
        "closed",
        guards=("handler", "investigated", "outcome_stated", "action_fits_subject"),
    ),
)


class AppealState(StrEnum):
    """An appeal against a refusal, suspension or withdrawal (snicert/services/appeals.py);
    born `acknowledged`. The outcome names what happens to the appealed decision."""

    ACKNOWLEDGED = "acknowledged"
    UNDER_REVIEW = "under_review"
    UPHELD = "upheld"  # the decision stands
    OVERTURNED = "overturned"  # the decision is reversed (or, where final, what follows)


AS = AppealState
APPEAL_TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "take",
        frozenset({AS.ACKNOWLEDGED}),
        AS.UNDER_REVIEW,
        frozenset({R.OFFICIAL}),
        "taken",
        guards=("impartial", "not_the_decider"),
    ),
    Transition(
        "uphold",
        frozenset({AS.UNDER_REVIEW}),
        AS.UPHELD,
        frozenset({R.OFFICIAL}),
        "decided",
        guards=("handler", "reasons_stated"),
    ),
    Transition(
        "overturn",
        frozenset({AS.UNDER_REVIEW}),
        AS.OVERTURNED,
        frozenset({R.OFFICIAL}),
        "decided",
        guards=("handler", "reasons_stated", "next_step_where_final"),
    ),
)


class SurveillanceState(StrEnum):
    """A certificate's yearly (or special) surveillance (snicert/services/surveillance.py).
    Opened by the sweep; started by an official once the product's surveillance plan says
    what to sample and test; its site audit (type 5) runs beside the lab work."""

    OPEN = "open"  # opened, not started
    SAMPLING = "sampling"
    TESTING = "testing"
    SITE_AUDIT = "site_audit"  # the lab work is done; the site audit is not concluded
    EVALUATION = "evaluation"
    PASSED = "passed"  # the certificate stays valid; the next cycle comes on schedule
    FAILED = "failed"  # the certificate is suspended with the reason


SV = SurveillanceState
SURVEILLANCE_FINAL = frozenset({SV.PASSED, SV.FAILED})
SURVEILLANCE_OPEN = frozenset(SV) - SURVEILLANCE_FINAL
# The guards are implemented in surveillance.GUARDS. Testing with a non-conforming result
# goes to evaluation at once (no need to wait for the audit), where only a failure is
# possible. An official records a failure (a result, a failed site audit, access refused)
# from any open state; it suspends the certificate through CERTIFICATE_TRANSITIONS (a
# person's decision, as every suspension). A pass comes only from evaluation.
SURVEILLANCE_TRANSITIONS: tuple[Transition, ...] = (
    _t(
        "start",
        SV.OPEN,
        SV.SAMPLING,
        "sampling_started",
        R.OFFICIAL,
        R.SYSTEM,
        guards=("plan_tests",),
    ),
    _t(
        "start_without_testing",
        SV.OPEN,
        SV.SITE_AUDIT,
        "site_audit_awaited",
        R.OFFICIAL,
        R.SYSTEM,
        guards=("plan_tests_nothing", "site_audit_required"),
    ),
    _t("samples_sent", SV.SAMPLING, SV.TESTING, "samples_sent", R.SAMPLER),
    _t("resample", SV.TESTING, SV.SAMPLING, "resampling_requested", R.LAB_ANALYST, R.LAB_VERIFIER),
    _t(
        "testing_complete",
        SV.TESTING,
        SV.EVALUATION,
        "testing_completed",
        R.SYSTEM,
        guards=("site_audit_concluded",),
    ),
    _t(
        "testing_nonconforming",
        SV.TESTING,
        SV.EVALUATION,
        "testing_completed",
        R.SYSTEM,
        guards=("results_nonconforming",),
    ),
    _t(
        "await_site_audit",
        SV.TESTING,
        SV.SITE_AUDIT,
        "site_audit_awaited",
        R.SYSTEM,
        guards=("site_audit_not_concluded",),
    ),
    _t(
        "site_audit_done",
        SV.SITE_AUDIT,
        SV.EVALUATION,
        "site_audit_done",
        R.SYSTEM,
        guards=("site_audit_concluded",),
    ),
    _t(
        "pass",
        SV.EVALUATION,
        SV.PASSED,
        "passed",
        R.OFFICIAL,
        guards=("results_conform", "site_audit_passed"),
    ),
    _t("fail", SURVEILLANCE_OPEN, SV.FAILED, "failed", R.OFFICIAL),
)


class ConflictState(StrEnum):
    """A staff member's declared conflict of interest (snicert/services/impartiality.py).
    Born `declared` (by the person, or by an official for them); an official closes it
    when it no longer applies (a consulting job also stops counting two years after it
    ended, without being closed)."""

    DECLARED = "declared"
    CLOSED = "closed"


CO = ConflictState
CONFLICT_TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "close",
        frozenset({CO.DECLARED}),
        CO.CLOSED,
        frozenset({R.OFFICIAL}),
        "closed",
        guards=("reason_stated",),
    ),
)


class QualificationState(StrEnum):
    """A staff member's qualification for a function on a product. Born `current` (an
    official records it); recording the same function and product again supersedes it;
    an official withdraws it (competence no longer shown). Expiry is its valid_until
    date, not a state: a current qualification past that day no longer qualifies."""

    CURRENT = "current"
    SUPERSEDED = "superseded"
    WITHDRAWN = "withdrawn"


Q = QualificationState
QUALIFICATION_TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "supersede",
        frozenset({Q.CURRENT}),
        Q.SUPERSEDED,
        frozenset({R.OFFICIAL}),
        "superseded",
    ),
    Transition(
        "withdraw",
        frozenset({Q.CURRENT}),
        Q.WITHDRAWN,
        frozenset({R.OFFICIAL}),
        "withdrawn",
        guards=("reason_stated",),
    ),
)


class ChangeState(StrEnum):
    """A change the holder notified (ISO/IEC 17065 §7.10; snicert/services/changes.py): born
    `notified`; an official's assessment ends it in one of three outcomes."""

    NOTIFIED = "notified"
    NO_ACTION = "no_action"  # the certificate stays as it is
    NEW_EVALUATION = "new_evaluation"  # a special surveillance evaluates the change
    SUSPENSION = "suspension"  # the certificate is suspended through its lifecycle


CH = ChangeState
# Each outcome is one action; all are the event `assessed`. The guards are
# changes.GUARDS: an official not involved in the case, reasons stated, and a certificate
# that can still be surveyed (active or suspended) or suspended (active).
CHANGE_TRANSITIONS: tuple[Transition, ...] = (
    _t(
        "no_action",
        CH.NOTIFIED,
        CH.NO_ACTION,
        "assessed",
        R.OFFICIAL,
        guards=("impartial", "reasons_stated"),
    ),
    _t(
        "new_evaluation",
        CH.NOTIFIED,
        CH.NEW_EVALUATION,
        "assessed",
        R.OFFICIAL,
        guards=("impartial", "reasons_stated", "certificate_live"),
    ),
    _t(
        "suspension",
        CH.NOTIFIED,
        CH.SUSPENSION,
        "assessed",
        R.OFFICIAL,
        guards=("impartial", "reasons_stated", "certificate_active"),
    ),
)


class VersionReviewState(StrEnum):
    """A valid certificate issued under an older checklist or standard version
    (snicert/services/versions.py): `pending` is derived (no row yet), `assessed` is a row."""

    PENDING = "pending"
    ASSESSED = "assessed"


VERSION_REVIEW_TRANSITIONS: tuple[Transition, ...] = (
    _t(
        "assess",
        VersionReviewState.PENDING,
        VersionReviewState.ASSESSED,
        "assessed",
        R.OFFICIAL,
        guards=("still_affected", "note_stated", "outcome_fits_certificate"),
    ),
)


class SampleState(StrEnum):
    """A sample's chain of custody (snicert/services/lab.py): each step is a custody event
    of the same name. A refused sample rejects its whole round (new sampling)."""

    PLANNED = "planned"
    TAKEN = "taken"
    SEALED = "sealed"  # and in transit to the lab
    RECEIVED = "received"
    IN_TESTING = "in_testing"
    RETAINED = "retained"  # kept for the sampling plan's retention days
    DISPOSED = "disposed"
    REJECTED = "rejected"


SA = SampleState
SAMPLE_TRANSITIONS: tuple[Transition, ...] = (
    _t("take", SA.PLANNED, SA.TAKEN, "taken", R.SAMPLER),
    _t("seal", SA.TAKEN, SA.SEALED, "sealed", R.SAMPLER),
    _t("receive", SA.SEALED, SA.RECEIVED, "received", R.LAB_ANALYST, R.LAB_VERIFIER),
    _t("start_testing", SA.RECEIVED, SA.IN_TESTING, "in_testing", R.LAB_ANALYST),
    _t("retain", frozenset({SA.RECEIVED, SA.IN_TESTING}), SA.RETAINED, "retained", R.SYSTEM),
    _t("dispose", SA.RETAINED, SA.DISPOSED, "disposed", R.SYSTEM, guards=("retention_over",)),
    _t(
        "reject",
        frozenset({SA.SEALED, SA.RECEIVED, SA.IN_TESTING}),
        SA.REJECTED,
        "rejected",
        R.LAB_ANALYST,
        R.LAB_VERIFIER,
    ),
)


class ResultState(StrEnum):
    """One lab result (an attempt at one parameter; snicert/services/lab.py), born
    `entered` by an analyst and concluded by a verifier who did not enter it."""

    ENTERED = "entered"
    VERIFIED = "verified"
    RETRACTED = "retracted"  # invalid: never counts; the parameter is entered again
    RETEST_REQUESTED = "retest_requested"  # valid and kept; the parameter is tested again


RS = ResultState
RESULT_COUNTS = frozenset({RS.VERIFIED, RS.RETEST_REQUESTED})  # valid verified results
_VERIFIER_GUARDS = ("not_the_analyst", "case_in_testing", "impartial")
RESULT_TRANSITIONS: tuple[Transition, ...] = (
    _t("verify", RS.ENTERED, RS.VERIFIED, "verified", R.LAB_VERIFIER, guards=_VERIFIER_GUARDS),
    _t(
        "retract",
        RS.ENTERED,
        RS.RETRACTED,
        "retracted",
        R.LAB_VERIFIER,
        guards=(*_VERIFIER_GUARDS, "reason_stated"),
    ),
    _t(
        "request_retest",
        RS.ENTERED,
        RS.RETEST_REQUESTED,
        "retest_requested",
        R.LAB_VERIFIER,
        guards=(*_VERIFIER_GUARDS, "reason_stated"),
    ),
)


class NonconformityState(StrEnum):
    """A non-conformity raised by screening or document review
    (snicert/services/applications.py); the applicant answers it with a correction, and the
    last answer sends the case back to review (a new round raises new ones)."""

    OPEN = "open"
    ANSWERED = "answered"


NC = NonconformityState
NONCONFORMITY_TRANSITIONS: tuple[Transition, ...] = (
    _t("answer", NC.OPEN, NC.ANSWERED, "answered", R.APPLICANT, guards=("case_awaits_answers",)),
)


class ChecklistState(StrEnum):
    """A checklist version (lab or site audit; snicert/services/checklists.py), loaded as a
    draft from checklists/; approving one retires the product's version approved before."""

    DRAFT = "draft"
    APPROVED = "approved"  # frozen: new applications take it
    RETIRED = "retired"


CL = ChecklistState
CHECKLIST_TRANSITIONS: tuple[Transition, ...] = (
    _t("approve", CL.DRAFT, CL.APPROVED, "approved", R.OFFICIAL),
    # taken with the approval of the product's next version (one approved at a time)
    _t("retire", CL.APPROVED, CL.RETIRED, "retired", R.OFFICIAL),
)


# ---------------------------------------------------------------- every lifecycle, by name

Guard = Callable[[Session, Any, User], None]  # raises (naming what is missing) or passes


@dataclass(frozen=True)
class Lifecycle:
    """One entity's lifecycle: the states its `field` takes, the states a new row is born
    in, and its transitions. Its audit actions are "<prefix>.<event>" on entity `entity`."""

    entity: str
    label: str  # how messages name it ("lab result")
    states: type[StrEnum]
    transitions: tuple[Transition, ...]
    born: tuple[StrEnum, ...]
    field: str = "status"
    prefix: str | None = None

    def audit_action(self, t: Transition) -> str:
        return f"{self.prefix or self.entity}.{t.event}"

    def final(self) -> list[StrEnum]:
        """States no transition leaves."""
        return [x for x in self.states if not any(x in t.sources for t in self.transitions)]


def transition(
    s: Session,
    row: Any,
    lc: Lifecycle,
    action: str,
    actor: User,
    guards: dict[str, Guard],
    application_id: int | None = None,
    **data: Any,
) -> Transition:
    """Take one step of `row`'s lifecycle: check the table (state and role), run the
    step's named guards, move, and record it (its audit row and domain event)."""
    state = getattr(row, lc.field)
    t = check(state, action, actor, lc.transitions, lc.label)
    for name in t.guards:
        guards[name](s, row, actor)
    setattr(row, lc.field, t.target.value)
    audit.record(
        s,
        actor,
        lc.audit_action(t),
        lc.entity,
        row.id,
        application_id,
        **{"from": state, "to": t.target.value, **data},
    )
    return t


LIFECYCLES: dict[str, Lifecycle] = {
    lc.entity: lc
    for lc in (
        Lifecycle("application", "application", State, TRANSITIONS, (S.DRAFT,), "state"),
        Lifecycle("certificate", "certificate", CertState, CERTIFICATE_TRANSITIONS, (C.ACTIVE,)),
        Lifecycle("sample", "sample", SampleState, SAMPLE_TRANSITIONS, (SA.PLANNED,)),
        Lifecycle(
            "lab_result",
            "lab result",
            ResultState,
            RESULT_TRANSITIONS,
            (RS.ENTERED,),
            prefix="result",
        ),
        Lifecycle(
            "nonconformity",
            "non-conformity",
            NonconformityState,
            NONCONFORMITY_TRANSITIONS,
            (NC.OPEN,),
        ),
        Lifecycle(
            "checklist_version",
            "checklist version",
            ChecklistState,
            CHECKLIST_TRANSITIONS,
            (CL.DRAFT,),
            prefix="checklist",
        ),
        Lifecycle(
            "surveillance_case",
            "surveillance case",
            SurveillanceState,
            SURVEILLANCE_TRANSITIONS,
            (SV.OPEN,),
            prefix="surveillance",
        ),
        Lifecycle(
            "site_audit", "site audit", AuditState, AUDIT_TRANSITIONS, (AU.PLANNED,), "state"
        ),
        Lifecycle(
            "audit_finding",
            "audit finding",
            FindingState,
            FINDING_TRANSITIONS,
            (FI.OPEN, FI.NOTED),
        ),
        Lifecycle(
            "complaint",
            "complaint",
            ComplaintState,
            COMPLAINT_TRANSITIONS,
            (CS.ACKNOWLEDGED,),
            "state",
        ),
        Lifecycle("appeal", "appeal", AppealState, APPEAL_TRANSITIONS, (AS.ACKNOWLEDGED,), "state"),
        Lifecycle(
            "certificate_change", "change", ChangeState, CHANGE_TRANSITIONS, (CH.NOTIFIED,), "state"
        ),
        Lifecycle(
            "version_review",
            "version review",
            VersionReviewState,
            VERSION_REVIEW_TRANSITIONS,
            (VersionReviewState.PENDING,),
            "state",
        ),
        Lifecycle(
            "survey", "survey", SurveyState, SURVEY_TRANSITIONS, (SurveyState.INVITED,), "state"
        ),
        Lifecycle(
            "review_action",
            "review action",
            ActionState,
            REVIEW_ACTION_TRANSITIONS,
            (A.OPEN,),
            prefix="review",
        ),
        Lifecycle(
            "staff_conflict",
            "conflict of interest",
            ConflictState,
            CONFLICT_TRANSITIONS,
            (CO.DECLARED,),
            "state",
        ),
        Lifecycle(
            "staff_qualification",
            "qualification",
            QualificationState,
            QUALIFICATION_TRANSITIONS,
            (Q.CURRENT,),
            "state",
        ),
    )
}
