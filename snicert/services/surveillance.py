"""A certificate's surveillance as a case of its own (ISO/IEC 17067 type 5, ISO/IEC 17065 §7.9).

The sweep opens it (services/monitoring.py). An official starts it: the product's
surveillance plan then in force (products/*.yaml `surveillance`) and the approved lab
checklist, cut to the plan's parameters, are frozen on the case, and its samples are
planned. Sampling, custody, result entry, verification and judging are the same services
as for an application (services/lab.py, with `surveillance=`); its site audit is planned
for it (services/site_audits.py). The states and who moves them are
lifecycle.SURVEILLANCE_TRANSITIONS; their guards are GUARDS here.

Outcome: every counted result conforms and the site audit passed: an official passes it
(the certificate stays valid; the next cycle is opened by the sweep on schedule). A
non-conforming result sends it to evaluation at once, where only a failure is possible; a
failed audit fails it with the official who failed the audit. A failure is an official's
and suspends the certificate through its own lifecycle (services/certificates.py) with
the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert import clock, lifecycle, snapshots
from snicert.catalog import default_catalog
from snicert.db.models import (
    Application,
    Certificate,
    LabResult,
    SiteAudit,
    SurveillanceCase,
    User,
)
from snicert.errors import Conflict
from snicert.judgment import NONCONFORM
from snicert.lifecycle import (
    LIFECYCLES,
    SURVEILLANCE_FINAL,
    SURVEILLANCE_TRANSITIONS,
    AuditState,
    CertState,
    SurveillanceState,
)
from snicert.messages import named
from snicert.roles import Role
from snicert.services import certificates, checklists, impartiality, text
from snicert.services.guards import require_role

SV = SurveillanceState
# room left for the suspension reason's "Surveilans tahun ke-N: " prefix
NOTE_LIMIT = text.LONG_TEXT - 40


def certificate_of(s: Session, case: SurveillanceCase) -> Certificate:
    return s.get(Certificate, case.certificate_id)


def application_of(s: Session, case: SurveillanceCase) -> Application:
    return s.get(Application, certificate_of(s, case).application_id)


def site_audit_of(s: Session, case_id: int) -> SiteAudit | None:
    """The surveillance's site audit that was not cancelled."""
    return s.scalar(
        select(SiteAudit).where(
            SiteAudit.surveillance_case_id == case_id,
            SiteAudit.state != AuditState.CANCELLED.value,
        )
    )


def requires_audit(s: Session, case: SurveillanceCase) -> bool:
    app = application_of(s, case)
    return app.product_snapshot is not None and snapshots.product(app).scheme.factory_audit


def tests(case: SurveillanceCase) -> bool:
    """Does this cycle sample and test (per its frozen plan)?"""
    return bool(case.plan and case.plan.get("testing"))


def audit_concluded(s: Session, case: SurveillanceCase) -> bool:
    if not requires_audit(s, case):
        return True
    a = site_audit_of(s, case.id)
    return a is not None and a.state in (AuditState.PASSED, AuditState.FAILED)


# --- guards (lifecycle.SURVEILLANCE_TRANSITIONS) -------------------------------------------


def _plan_tests(s: Session, case: SurveillanceCase, actor: User) -> None:
    if not tests(case):
        raise Conflict("sv_err_no_samples", case=case.id)


def _plan_tests_nothing(s: Session, case: SurveillanceCase, actor: User) -> None:
    if tests(case):
        raise Conflict("sv_err_tests_first", case=case.id)


def _audit_required(s: Session, case: SurveillanceCase, actor: User) -> None:
    if not requires_audit(s, case):
        raise Conflict("sv_err_no_audit", case=case.id)


def _audit_concluded(s: Session, case: SurveillanceCase, actor: User) -> None:
    if not audit_concluded(s, case):
        a = site_audit_of(s, case.id)
        raise Conflict(
            "sv_err_audit_open",
            case=case.id,
            state=named(f"aud_st_{a.state}" if a else "aud_not_planned"),
        )


def _audit_not_concluded(s: Session, case: SurveillanceCase, actor: User) -> None:
    if audit_concluded(s, case):
        raise Conflict("sv_err_no_audit_awaited", case=case.id)


def nonconforming(s: Session, case: SurveillanceCase) -> list[str]:
    """The parameters whose counted result does not conform."""
    from snicert.services import lab

    counted = lab.counted_results(s, lab.work_of_case(s, case.id, lock=False))
    return sorted(p for p, r in counted.items() if r.verdict == NONCONFORM)


def _results_conform(s: Session, case: SurveillanceCase, actor: User) -> None:
    if not tests(case):
        return
    from snicert.services import lab

    if not lab.testing_done(s, lab.work_of_case(s, case.id, lock=False)):
        raise Conflict("sv_err_testing_open", case=case.id)
    if failing := nonconforming(s, case):
        raise Conflict("sv_err_failing", case=case.id, parameters=failing)


def _results_nonconforming(s: Session, case: SurveillanceCase, actor: User) -> None:
    if not nonconforming(s, case):
        raise Conflict("sv_err_all_conform", case=case.id)


def _audit_passed(s: Session, case: SurveillanceCase, actor: User) -> None:
    if not requires_audit(s, case):
        return
    a = site_audit_of(s, case.id)
    if a is None or a.state != AuditState.PASSED:
        raise Conflict(
            "sv_err_not_passed",
            case=case.id,
            state=named(f"aud_st_{a.state}" if a else "aud_not_planned"),
        )


GUARDS: dict[str, Callable[[Session, SurveillanceCase, User], None]] = {
    "plan_tests": _plan_tests,
    "plan_tests_nothing": _plan_tests_nothing,
    "site_audit_required": _audit_required,
    "site_audit_concluded": _audit_concluded,
    "site_audit_not_concluded": _audit_not_concluded,
    "results_conform": _results_conform,
    "results_nonconforming": _results_nonconforming,
    "site_audit_passed": _audit_passed,
}


# --- moving a case ---------------------------------------------------------------------


def step(s: Session, case: SurveillanceCase, action: str, actor: User, **data: Any) -> None:
    """Take one surveillance transition: role, guards, move, audit event (with the change).
    A failure suspends the certificate (with the reason) in the same transaction."""
    cert = certificate_of(s, case)
    t = lifecycle.transition(
        s,
        case,
        LIFECYCLES["surveillance_case"],
        action,
        actor,
        GUARDS,
        cert.application_id,
        certificate=cert.number,
        cycle=case.cycle,
        **data,
    )
    now = clock.now()
    case.state_changed_at = now
    if t.target in SURVEILLANCE_FINAL:
        case.recorded_by, case.recorded_at = actor.id, now
        case.result_note = data.get("note")
    if t.target == SV.FAILED and cert.status == CertState.ACTIVE:
        # a special surveillance comes from a complaint or a notified change / new version
        special = "khusus (pengaduan)" if case.complaint_id else "khusus"
        which = f"tahun ke-{case.cycle}" if case.cycle > 0 else special
        certificates.suspend(s, actor, cert.id, f"Surveilans {which}: {data['note']}")


def _case(s: Session, case_id: int) -> SurveillanceCase:
    """The case, with its application locked (lab work on it is serialised there)."""
    from snicert.services import lab

    return lab.work_of_case(s, case_id).case


def plan_for(product: str) -> dict[str, Any]:
    """The product's surveillance plan now in force, with the sampling plan it uses."""
    p = default_catalog().product(product)
    if p.surveillance is None:
        raise Conflict("sv_err_no_scheme", product=product)
    plan = p.surveillance.model_dump(mode="json")
    sampling = p.surveillance.sampling_plan or p.sampling_plan
    plan["sampling_plan"] = sampling.model_dump(mode="json")
    return plan


def start(s: Session, actor: User, case_id: int) -> SurveillanceCase:
    """Start an opened surveillance: freeze the plan and the lab checklist (cut to the
    plan's parameters) and plan the samples; without testing, the site audit is awaited."""
    require_role(actor, Role.OFFICIAL, Role.SYSTEM)
    case = _case(s, case_id)
    app = application_of(s, case)
    if case.status != SV.OPEN:  # a second start changes nothing, it is refused
        raise Conflict("sv_err_closed", case=case.id, state=named(f"sv_st_{case.status}"))
    case.plan = plan_for(app.product)
    if case.plan["testing"]:
        version = checklists.current(s, app.product, checklists.LAB)
        wanted = case.plan.get("parameters")
        content = dict(version.content)
        content["parameters"] = [
            p for p in content["parameters"] if wanted is None or p["id"] in wanted
        ]
        case.checklist_version_id, case.checklist_snapshot = version.id, content
        step(s, case, "start", actor, checklist_version=version.version)
        from snicert.services import lab

        lab.create_samples(s, actor, app.id, surveillance=case.id)
    else:
        step(s, case, "start_without_testing", actor)
    return case


def testing_done(s: Session, actor: User, case: SurveillanceCase, failing: list[str]) -> None:
    """Called by lab.complete_testing: a non-conforming result sends the case to evaluation
    at once (an official fails it there); otherwise on to evaluation, or to wait for the
    site audit."""
    if failing:
        action = "testing_nonconforming"
    else:
        action = "testing_complete" if audit_concluded(s, case) else "await_site_audit"
    step(s, case, action, actor, nonconforming=failing)


def audit_concluded_hook(s: Session, actor: User, a: SiteAudit) -> None:
    """Called when a surveillance's site audit passes or fails (site_audits._conclude): a
    failure fails the surveillance; a pass lets a case waiting for it go to evaluation."""
    from snicert.services import accounts

    case = s.get(SurveillanceCase, a.surveillance_case_id)
    if case.status in SURVEILLANCE_FINAL:
        return
    if a.state == AuditState.FAILED:
        note = f"audit sarana produksi gagal / site audit failed: laporan audit {a.id}"
        step(s, case, "fail", actor, note=note, site_audit=a.id)
    elif case.status == SV.SITE_AUDIT:
        step(s, case, "site_audit_done", accounts.system_user(s), site_audit=a.id)


def pass_(s: Session, actor: User, case_id: int, note: str | None = None) -> SurveillanceCase:
    """An official passes an evaluated surveillance: every result conforms and the site
    audit passed (the guards); the certificate stays valid."""
    case = _case(s, case_id)
    note = text.optional("note", note, NOTE_LIMIT, multiline=True) or (
        "semua hasil uji memenuhi syarat dan audit lulus / all results conform, audit passed"
    )
    _judge_impartially(s, actor, case)
    step(s, case, "pass", actor, note=note, next_due=_next_due(s, case))
    return case


def _judge_impartially(s: Session, actor: User, case: SurveillanceCase) -> None:
    """Judging a surveillance is evaluating the holder: impartial and qualified (§4.2,
    §6.1). The system's own steps judge nothing."""
    if Role.SYSTEM not in actor.roles:
        impartiality.require(s, actor, "evaluator", application_of(s, case))


def fail(s: Session, actor: User, case_id: int, note: str) -> SurveillanceCase:
    """An official fails a surveillance (access refused, a finding, a result...): the
    certificate is suspended with the reason."""
    case = _case(s, case_id)
    note = text.clean("note", note, NOTE_LIMIT, multiline=True, required=True)
    _judge_impartially(s, actor, case)
    step(s, case, "fail", actor, note=note)
    return case


def _next_due(s: Session, case: SurveillanceCase) -> str | None:
    """When the next yearly cycle falls due (the sweep opens it), if before expiry."""
    from snicert.services.monitoring import add_months

    if case.cycle < 1:
        return None  # a special surveillance does not move the yearly schedule
    cert = certificate_of(s, case)
    months = snapshots.product(application_of(s, case)).scheme.surveillance_interval_months
    if not months:
        return None
    due = add_months(cert.issued_at, (case.cycle + 1) * months)
    if cert.valid_until is not None and due >= cert.valid_until:
        return None
    return due.isoformat()


# --- reading -----------------------------------------------------------------------------


def cases(s: Session, statuses: list[str] | None = None) -> list[SurveillanceCase]:
    q = select(SurveillanceCase)
    if statuses is not None:
        q = q.where(SurveillanceCase.status.in_(statuses))
    return list(s.scalars(q.order_by(SurveillanceCase.due_at, SurveillanceCase.id)))


def results_of(s: Session, case_id: int) -> list[LabResult]:
    return list(
        s.scalars(
            select(LabResult)
            .where(LabResult.surveillance_case_id == case_id)
            .order_by(LabResult.parameter_id, LabResult.attempt)
        )
    )


def allowed(case: SurveillanceCase) -> list[str]:
    return lifecycle.allowed_actions(case.status, SURVEILLANCE_TRANSITIONS)
