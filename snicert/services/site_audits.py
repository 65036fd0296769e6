"""The production-site / quality-system audit of scheme type 5 (ISO/IEC 17067).

An official plans it (date, site, auditors, the approved audit checklist: snapshotted)
once the documents passed review, beside sampling and testing, and for each yearly
surveillance. The assigned auditor records findings against the checklist's items
during the visit (graded major, minor or observation, with photos or documents); the
applicant answers each major or minor finding with a corrective action (cause, action,
evidence, deadline), which the auditor accepts or reopens. When the last one closes the
audit passes; an official fails an audit whose findings stay open. The states and who
moves them are lifecycle.AUDIT_TRANSITIONS and FINDING_TRANSITIONS; the application's
guards on them are GUARDS here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from snicert import audit, clock, lifecycle, settings, snapshots, storage, uploads
from snicert.db.models import (
    Application,
    AuditAuditor,
    AuditEvidence,
    AuditFinding,
    CorrectiveAction,
    SiteAudit,
    SurveillanceCase,
    User,
)
from snicert.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from snicert.lifecycle import (
    AUDIT_CONCLUDED,
    LIFECYCLES,
    SURVEILLANCE_FINAL,
    AuditState,
    FindingState,
    State,
)
from snicert.messages import named
from snicert.roles import Role
from snicert.services import checklists, dates, impartiality, text
from snicert.services.guards import application, get, require_owner, require_role, thing

GRADES = ("major", "minor", "observation")
EVIDENCE_TYPES = ["jpg", "png", "webp", "pdf"]
EVIDENCE_LIMIT_MB = 10
CORRECTION_DAYS = 60  # up to 2 months to correct findings (LSPro practice, DOMAIN.md)
# the same two months counted as the LSPro counts: working days from the audit report
# (clock.add_working_days skips weekends, national holidays and cuti bersama)
CORRECTION_WORKING_DAYS = 40
PLAN_AHEAD_DAYS = 365
# Cases an audit may be planned for: from the documents' passing review to evaluation.
PLANNABLE = frozenset({State.SAMPLING, State.TESTING, State.SITE_AUDIT})


def requires_audit(app: Application) -> bool:
    return app.product_snapshot is not None and snapshots.product(app).scheme.factory_audit


VISITED = frozenset({AuditState.REPORTED, *AUDIT_CONCLUDED})


def awaited(s: Session, app: Application) -> bool:
    """Does the case still wait for its site-audit visit to be over (reported)?"""
    if not requires_audit(app):
        return False
    a = case_audit(s, app.id)
    return a is None or a.state not in VISITED


def concluded(s: Session, app: Application) -> bool:
    """Has the case's site audit passed or failed (or has the scheme none)?"""
    if not requires_audit(app):
        return True
    a = case_audit(s, app.id)
    return a is not None and a.state in AUDIT_CONCLUDED


def case_audit(s: Session, app_id: int) -> SiteAudit | None:
    """The application's own (not a surveillance's) latest audit that was not cancelled."""
    return s.scalar(
        select(SiteAudit)
        .where(
            SiteAudit.application_id == app_id,
            SiteAudit.surveillance_case_id.is_(None),
            SiteAudit.state != AuditState.CANCELLED.value,
        )
        .order_by(SiteAudit.id.desc())
        .limit(1)
    )


def findings_of(s: Session, audit_id: int) -> list[AuditFinding]:
    return list(
        s.scalars(
            select(AuditFinding).where(AuditFinding.audit_id == audit_id).order_by(AuditFinding.id)
        )
    )


def _open(findings: list[AuditFinding], grades: tuple[str, ...] = ("major", "minor")) -> list:
    live = (FindingState.OPEN.value, FindingState.ANSWERED.value)
    return [f for f in findings if f.grade in grades and f.status in live]


def audit_state(a: SiteAudit | None) -> dict[str, str]:
    """The audit's state as a text's parameter (not planned: no audit yet)."""
    return named(f"aud_st_{a.state}" if a else "aud_not_planned")


# --- the application's guards (lifecycle.TRANSITIONS) -----------------------------------


def _concluded(s: Session, app: Application, actor: User) -> None:
    if not concluded(s, app):
        raise Conflict(
            "aud_err_not_concluded", case=app.number, state=audit_state(case_audit(s, app.id))
        )


def _visit_reported(s: Session, app: Application, actor: User) -> None:
    if awaited(s, app):
        raise Conflict(
            "aud_err_visit_open", case=app.number, state=audit_state(case_audit(s, app.id))
        )


def _visit_not_reported(s: Session, app: Application, actor: User) -> None:
    if not awaited(s, app):
        raise Conflict("aud_err_no_visit", case=app.number)


def _no_open_major(s: Session, app: Application, actor: User) -> None:
    a = case_audit(s, app.id)
    if a is None or a.state == AuditState.FAILED:
        return  # a failed audit is concluded: the evaluation recommends refusal
    if majors := _open(findings_of(s, a.id), ("major",)):
        items = ", ".join(f"{f.item_id} (#{f.id})" for f in majors)
        raise Conflict("aud_err_major_open", case=app.number, items=items)


def _passed(s: Session, app: Application, actor: User) -> None:
    if not requires_audit(app):
        return
    a = case_audit(s, app.id)
    if a is None or a.state != AuditState.PASSED:
        raise Conflict("aud_err_not_passed", case=app.number, state=audit_state(a))


GUARDS: dict[str, Callable[[Session, Application, User], None]] = {
    "site_visit_reported": _visit_reported,
    "site_visit_not_reported": _visit_not_reported,
    "site_audit_concluded": _concluded,
    "no_open_major_finding": _no_open_major,
    "site_audit_passed": _passed,
}


# --- the audit's and the findings' own guards ------------------------------------------


def _assigned(s: Session, a: SiteAudit, actor: User) -> None:
    if s.get(AuditAuditor, (a.id, actor.id)) is None:
        raise PermissionDenied("aud_err_not_auditor", who=actor.email, audit=a.id)
    # still impartial and qualified when acting: a conflict declared, or a qualification
    # withdrawn or expired, since the assignment stops the auditor too
    impartiality.require(s, actor, "auditor", application(s, a.application_id))


def _no_open_finding(s: Session, a: SiteAudit, actor: User) -> None:
    if left := _open(findings_of(s, a.id)):
        raise Conflict("aud_err_findings_open", audit=a.id, findings=[f"#{f.id}" for f in left])


def _has_open_finding(s: Session, a: SiteAudit, actor: User) -> None:
    if not _open(findings_of(s, a.id)):
        raise Conflict("aud_err_nothing_open", audit=a.id)


AUDIT_GUARDS: dict[str, Callable[[Session, SiteAudit, User], None]] = {
    "assigned_auditor": _assigned,
    "no_open_finding": _no_open_finding,
    "has_open_finding": _has_open_finding,
}


def _audit_step(s: Session, a: SiteAudit, action: str, actor: User, **data) -> None:
    lifecycle.transition(
        s, a, LIFECYCLES["site_audit"], action, actor, AUDIT_GUARDS, a.application_id, **data
    )


def _applicant_of_the_case(s: Session, f: AuditFinding, actor: User) -> None:
    require_owner(actor, application(s, s.get(SiteAudit, f.audit_id).application_id))


def _audit_reported(s: Session, f: AuditFinding, actor: User) -> None:
    a = s.get(SiteAudit, f.audit_id)
    if a.state != AuditState.REPORTED:
        raise Conflict("aud_err_answers_later", audit=a.id, state=audit_state(a))


def _finding_assigned(s: Session, f: AuditFinding, actor: User) -> None:
    _assigned(s, s.get(SiteAudit, f.audit_id), actor)


# The finding lifecycle's named guards (lifecycle.FINDING_TRANSITIONS).
FINDING_GUARDS: dict[str, lifecycle.Guard] = {
    "applicant_of_the_case": _applicant_of_the_case,
    "audit_reported": _audit_reported,
    "assigned_auditor": _finding_assigned,
}


def _finding_step(s: Session, f: AuditFinding, action: str, actor: User, **data) -> SiteAudit:
    a = s.get(SiteAudit, f.audit_id)
    lifecycle.transition(
        s, f, LIFECYCLES["audit_finding"], action, actor, FINDING_GUARDS, a.application_id, **data
    )
    return a


# --- planning ---------------------------------------------------------------------------


def _at_local(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=settings.current().zone)


def _day(field: str, value: date, earliest: date, latest: date) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidInput(field, str(value), "imp_err_date")
    if not earliest <= value <= latest:
        raise InvalidInput(field, value.isoformat(), "err_day_range", first=earliest, last=latest)
    return value


def plan(
    s: Session,
    actor: User,
    app_id: int,
    planned_for: date,
    auditors: list[int],
    site: str | None = None,
    surveillance_case_id: int | None = None,
) -> SiteAudit:
    """Plan the site audit of a case (or of one of its certificate's surveillances)."""
    require_role(actor, Role.OFFICIAL)
    app = application(s, app_id, lock=True)
    if not requires_audit(app):
        raise Conflict("aud_err_no_scheme_audit", case=app.number, product=app.product)
    if surveillance_case_id is None:
        if app.state not in PLANNABLE:
            raise Conflict(
                "aud_err_plan_state",
                case=app.number,
                state=named(f"st_{app.state}"),
                allowed=[named(f"st_{x}") for x in sorted(PLANNABLE)],
            )
        if (a := case_audit(s, app.id)) is not None:
            raise Conflict("aud_err_has_audit", case=app.number, audit=a.id, state=audit_state(a))
    else:
        case = get(s, SurveillanceCase, surveillance_case_id, "surveillance case")
        if case.status in SURVEILLANCE_FINAL:
            raise Conflict("sv_err_closed", case=case.id, state=named(f"sv_st_{case.status}"))
        if _surveillance_audit(s, case.id) is not None:
            raise Conflict("sv_err_has_audit", case=case.id)
    today = dates.today()
    day = _day("planned_for", planned_for, today, today + timedelta(days=PLAN_AHEAD_DAYS))
    site = text.optional("site", site, SiteAudit.site) or app.production_site
    if not auditors:
        raise InvalidInput("auditors", [], "aud_err_no_auditor")
    version = checklists.current(s, app.product, checklists.AUDIT)
    now = clock.now()
    a = SiteAudit(
        application_id=app.id,
        surveillance_case_id=surveillance_case_id,
        state=AuditState.PLANNED.value,
        planned_for=_at_local(day, 9),
        site=site,
        checklist_version_id=version.id,
        checklist_snapshot=version.content,
        planned_by=actor.id,
        planned_at=now,
    )
    s.add(a)
    s.flush()
    audit.record(
        s,
        actor,
        "site_audit.planned",
        "site_audit",
        a.id,
        app.id,
        planned_for=day.isoformat(),
        checklist_version=version.version,
        surveillance_case=surveillance_case_id,
    )
    for user_id in dict.fromkeys(auditors):
        user = s.get(User, user_id)
        if user is None:
            raise InvalidInput("auditors", user_id, "aud_err_no_user")
        assign_auditor(s, actor, a.id, user)
    return a


def assign_auditor(s: Session, actor: User, audit_id: int, user: User) -> AuditAuditor:
    """Put `user` on the audit's team. The one place auditors are assigned: checks of
    impartiality and competence belong here."""
    require_role(actor, Role.OFFICIAL)
    a = get(s, SiteAudit, audit_id, "site audit")
    if a.state not in (AuditState.PLANNED, AuditState.ON_SITE):
        raise Conflict("aud_err_team_fixed", audit=a.id, state=audit_state(a))
    if not user.active or Role.AUDITOR not in user.roles:
        raise InvalidInput("auditors", user.email, "aud_err_not_auditor_account")
    if s.get(AuditAuditor, (a.id, user.id)) is not None:
        raise Conflict("aud_err_already_auditor", who=user.email, audit=a.id)
    impartiality.require(s, user, "auditor", application(s, a.application_id))
    row = AuditAuditor(
        audit_id=a.id, user_id=user.id, assigned_by=actor.id, assigned_at=clock.now()
    )
    s.add(row)
    s.flush()
    audit.record(
        s,
        actor,
        "site_audit.auditor_assigned",
        "site_audit",
        a.id,
        a.application_id,
        auditor=user.id,
    )
    return row


def auditors_of(s: Session, audit_id: int) -> list[User]:
    return list(
        s.scalars(
            select(User)
            .join(AuditAuditor, AuditAuditor.user_id == User.id)
            .where(AuditAuditor.audit_id == audit_id)
            .order_by(User.name)
        )
    )


def cancel(s: Session, actor: User, audit_id: int, reason: str) -> SiteAudit:
    a = get(s, SiteAudit, audit_id, "site audit")
    reason = text.clean("reason", reason, text.LONG_TEXT, multiline=True, required=True)
    _audit_step(s, a, "cancel", actor, reason=reason)
    return a


# --- the visit ----------------------------------------------------------------------------


def start_visit(s: Session, actor: User, audit_id: int) -> SiteAudit:
    a = get(s, SiteAudit, audit_id, "site audit")
    _audit_step(s, a, "start_visit", actor)
    a.visited_at = clock.now()
    return a


def record_finding(
    s: Session,
    actor: User,
    audit_id: int,
    item_id: str,
    grade: str,
    description: str,
    evidence: list[tuple[str, bytes]] = (),
) -> AuditFinding:
    """The auditor's finding during the visit, against one item of the audit's checklist."""
    a = get(s, SiteAudit, audit_id, "site audit")
    require_role(actor, Role.AUDITOR)
    _assigned(s, a, actor)
    if a.state != AuditState.ON_SITE:
        raise Conflict("aud_err_on_site_only", audit=a.id, state=audit_state(a))
    items = {i.id for i in snapshots.audit_checklist(a).items}
    if item_id not in items:
        raise InvalidInput("item_id", item_id, "aud_err_item")
    if grade not in GRADES:
        raise InvalidInput(
            "grade", grade, "err_choose", choices=[named(f"aud_g_{g}") for g in GRADES]
        )
    description = text.clean(
        "description", description, AuditFinding.description, multiline=True, required=True
    )
    status = FindingState.NOTED if grade == "observation" else FindingState.OPEN
    f = AuditFinding(
        audit_id=a.id,
        item_id=item_id,
        grade=grade,
        description=description,
        status=status.value,
        recorded_by=actor.id,
        recorded_at=clock.now(),
    )
    s.add(f)
    s.flush()
    audit.record(
        s,
        actor,
        "audit_finding.recorded",
        "audit_finding",
        f.id,
        a.application_id,
        audit=a.id,
        item_id=item_id,
        grade=grade,
    )
    for filename, data in evidence:
        add_evidence(s, actor, f, filename, data)
    return f


def add_evidence(
    s: Session,
    actor: User,
    finding: AuditFinding,
    filename: str,
    data: bytes,
    action: CorrectiveAction | None = None,
) -> AuditEvidence:
    """A photo or document, checked like dossier documents (snicert.uploads)."""
    ok = uploads.accept("evidence", filename, data, EVIDENCE_TYPES, EVIDENCE_LIMIT_MB)
    ev = AuditEvidence(
        finding_id=finding.id,
        corrective_action_id=action.id if action else None,
        filename=ok.filename,
        media_type=ok.media_type,
        sha256=storage.put(ok.data),
        size=len(ok.data),
        uploaded_by=actor.id,
        uploaded_at=clock.now(),
    )
    s.add(ev)
    s.flush()
    a = s.get(SiteAudit, finding.audit_id)
    audit.record(
        s,
        actor,
        "audit_evidence.attached",
        "audit_evidence",
        ev.id,
        a.application_id,
        finding=finding.id,
        sha256=ev.sha256,
        size=ev.size,
    )
    return ev


def evidence_of(s: Session, finding_ids: list[int]) -> list[AuditEvidence]:
    if not finding_ids:
        return []
    return list(
        s.scalars(
            select(AuditEvidence)
            .where(AuditEvidence.finding_id.in_(finding_ids))
            .order_by(AuditEvidence.id)
        )
    )


def evidence_file(s: Session, actor: User, evidence_id: int) -> tuple[AuditEvidence, bytes]:
    """An evidence file for staff and for the business audited; anyone else: NotFound."""
    ev = s.get(AuditEvidence, evidence_id)
    if ev is not None:
        a = s.get(SiteAudit, s.get(AuditFinding, ev.finding_id).audit_id)
        app = application(s, a.application_id)
        if actor.roles - {Role.APPLICANT} or actor.business_id == app.business_id:
            return ev, storage.get(ev.sha256)
    raise NotFound("not_found", what=thing("evidence"), ident=evidence_id)


def close_visit(s: Session, actor: User, audit_id: int, summary: str | None = None) -> SiteAudit:
    """The visit is over: the report is due; without a major or minor finding it passes."""
    a = get(s, SiteAudit, audit_id, "site audit")
    summary = text.optional("summary", summary, SiteAudit.summary, multiline=True)
    found = findings_of(s, a.id)
    now = clock.now()
    due = clock.add_working_days(now, CORRECTION_WORKING_DAYS)
    counts = {g: sum(f.grade == g for f in found) for g in GRADES}
    corrected_by = dates.local_day(due).isoformat() if _open(found) else None
    _audit_step(s, a, "close_visit", actor, **counts, corrections_due=corrected_by)
    a.summary, a.reported_at = summary, now
    for f in _open(found):
        f.due_at = due  # each major and minor finding is corrected by then
    if not _open(found):
        _conclude(s, a, "pass", actor)
    return a


# --- corrective actions -------------------------------------------------------------------


def answer(
    s: Session,
    actor: User,
    finding_id: int,
    cause: str,
    action: str,
    deadline: date,
    evidence: list[tuple[str, bytes]] = (),
) -> CorrectiveAction:
    """The applicant's corrective action for one major or minor finding."""
    f = get(s, AuditFinding, finding_id, "audit finding")
    a = s.get(SiteAudit, f.audit_id)
    application(s, a.application_id, lock=True)
    cause = text.clean("cause", cause, CorrectiveAction.cause, multiline=True, required=True)
    what = text.clean("action", action, CorrectiveAction.action, multiline=True, required=True)
    if f.due_at is not None:
        latest = dates.local_day(f.due_at)
    else:  # reported before findings had their own due date
        latest = dates.local_day(a.reported_at or clock.now()) + timedelta(days=CORRECTION_DAYS)
    day = _day("deadline", deadline, dates.today(), max(latest, dates.today()))
    _finding_step(s, f, "answer", actor, deadline=day.isoformat())
    ca = CorrectiveAction(
        finding_id=f.id,
        cause=cause,
        action=what,
        deadline=_at_local(day, 23),
        submitted_by=actor.id,
        submitted_at=clock.now(),
    )
    s.add(ca)
    s.flush()
    for filename, data in evidence:
        add_evidence(s, actor, f, filename, data, ca)
    return ca


def actions_of(s: Session, finding_id: int) -> list[CorrectiveAction]:
    return list(
        s.scalars(
            select(CorrectiveAction)
            .where(CorrectiveAction.finding_id == finding_id)
            .order_by(CorrectiveAction.id)
        )
    )


def latest_action(s: Session, finding_id: int) -> CorrectiveAction | None:
    return s.scalar(
        select(CorrectiveAction)
        .where(CorrectiveAction.finding_id == finding_id)
        .order_by(CorrectiveAction.id.desc())
        .limit(1)
    )


def verify(
    s: Session, actor: User, finding_id: int, accept: bool, note: str | None = None
) -> AuditFinding:
    """The auditor accepts the corrective action (the finding closes) or reopens it; the
    last finding closed passes the audit."""
    f = get(s, AuditFinding, finding_id, "audit finding")
    a = s.get(SiteAudit, f.audit_id)
    application(s, a.application_id, lock=True)
    note = text.optional("note", note, CorrectiveAction.verdict_note, multiline=True)
    if not accept and not note:
        raise InvalidInput("note", note, "aud_err_why_not_enough")
    _finding_step(s, f, "accept" if accept else "reopen", actor)
    ca = latest_action(s, f.id)
    ca.verdict = "accepted" if accept else "reopened"
    ca.verdict_note, ca.verdict_by, ca.verdict_at = note, actor.id, clock.now()
    if accept:
        f.closed_by, f.closed_at = actor.id, ca.verdict_at
        if not _open(findings_of(s, a.id)):
            _conclude(s, a, "pass", actor)
    return f


def fail(s: Session, actor: User, audit_id: int, reason: str) -> SiteAudit:
    """An official fails an audit whose findings were not corrected in time."""
    a = get(s, SiteAudit, audit_id, "site audit")
    application(s, a.application_id, lock=True)
    reason = text.clean("reason", reason, text.LONG_TEXT - 40, multiline=True, required=True)
    a.summary = (a.summary + "\n" if a.summary else "") + reason
    _conclude(s, a, "fail", actor, reason=reason)
    return a


def _conclude(s: Session, a: SiteAudit, action: str, actor: User, **data) -> None:
    """Pass or fail: the audit report is rendered in the same transaction, and a
    surveillance audit decides its surveillance (a failure suspends the certificate)."""
    from snicert import audit_report
    from snicert.services import surveillance

    _audit_step(s, a, action, actor, **data)
    a.closed_at = clock.now()
    audit_report.render(s, a)
    if a.surveillance_case_id is not None:
        surveillance.audit_concluded_hook(s, actor, a)


def _surveillance_audit(s: Session, case_id: int) -> SiteAudit | None:
    return s.scalar(
        select(SiteAudit).where(
            SiteAudit.surveillance_case_id == case_id,
            SiteAudit.state != AuditState.CANCELLED.value,
        )
    )


# --- deadlines ----------------------------------------------------------------------------


def is_overdue(f: AuditFinding, now: datetime | None = None) -> bool:
    """A major or minor finding still awaiting its corrective action past its due date."""
    now = now or clock.now()
    return f.status == FindingState.OPEN and f.due_at is not None and f.due_at < now


def flag_overdue_findings(s: Session, actor: User) -> list[AuditFinding]:
    """The daily sweep: each finding newly past its due date with no corrective action is
    flagged once (`audit_finding.overdue`, told through services/moments.py: the applicant,
    the audit's auditors and the officials, who fail the audit or extend nothing: an open
    major finding keeps the case from evaluation either way)."""
    require_role(actor, Role.SYSTEM)
    now = clock.now()
    late = s.scalars(
        select(AuditFinding)
        .join(SiteAudit, SiteAudit.id == AuditFinding.audit_id)
        .where(
            SiteAudit.state == AuditState.REPORTED.value,
            AuditFinding.status == FindingState.OPEN.value,
            AuditFinding.overdue.is_(False),
            AuditFinding.due_at.is_not(None),
            AuditFinding.due_at < now,
        )
        .order_by(AuditFinding.id)
    ).all()
    for f in late:
        f.overdue = True
        a = s.get(SiteAudit, f.audit_id)
        audit.record(
            s,
            actor,
            "audit_finding.overdue",
            "audit_finding",
            f.id,
            a.application_id,
            audit=a.id,
            grade=f.grade,
            item_id=f.item_id,
            due=f.due_at.isoformat(),
        )
    return list(late)


def overdue_findings(s: Session) -> list[tuple[AuditFinding, SiteAudit]]:
    """Every open finding past its due date, on an audit still awaiting corrections."""
    rows = s.execute(
        select(AuditFinding, SiteAudit)
        .join(SiteAudit, SiteAudit.id == AuditFinding.audit_id)
        .where(
            SiteAudit.state == AuditState.REPORTED.value,
            AuditFinding.status == FindingState.OPEN.value,
            AuditFinding.due_at.is_not(None),
            AuditFinding.due_at < clock.now(),
        )
        .order_by(AuditFinding.due_at, AuditFinding.id)
        .options(defer(SiteAudit.checklist_snapshot))  # a list: never the snapshot
    )
    return [(f, a) for f, a in rows]


def due_soon(s: Session, until: datetime) -> list[tuple[AuditFinding, SiteAudit]]:
    """Open findings due from now until `until` (the reminders' window)."""
    rows = s.execute(
        select(AuditFinding, SiteAudit)
        .join(SiteAudit, SiteAudit.id == AuditFinding.audit_id)
        .where(
            SiteAudit.state == AuditState.REPORTED.value,
            AuditFinding.status == FindingState.OPEN.value,
            AuditFinding.due_at.is_not(None),
            AuditFinding.due_at >= clock.now(),
            AuditFinding.due_at <= until,
        )
        .order_by(AuditFinding.id)
    )
    return [(f, a) for f, a in rows]


# --- reading ------------------------------------------------------------------------------


def worklist(s: Session, actor: User) -> list[SiteAudit]:
    """The auditor's audits not yet concluded, soonest first."""
    live = [AuditState.PLANNED.value, AuditState.ON_SITE.value, AuditState.REPORTED.value]
    return list(
        s.scalars(
            select(SiteAudit)
            .join(AuditAuditor, AuditAuditor.audit_id == SiteAudit.id)
            .where(AuditAuditor.user_id == actor.id, SiteAudit.state.in_(live))
            .order_by(SiteAudit.planned_for, SiteAudit.id)
        )
    )


def audits_of(s: Session, app_id: int) -> list[SiteAudit]:
    return list(
        s.scalars(
            select(SiteAudit).where(SiteAudit.application_id == app_id).order_by(SiteAudit.id)
        )
    )
