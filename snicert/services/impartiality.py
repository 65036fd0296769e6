"""Impartiality and competence (ISO/IEC 17065 §4.2, §5.2, §6.1, §7.6), in one place.

- Declared conflicts of interest: a staff member owns part of a business, has a family
  relationship with its people, or consults (consulted) for it. Staff declare their own;
  officials see all, declare for others and close them.
- Qualifications: a function (reviewer, auditor, sampler, lab analyst, lab verifier,
  evaluator, decider) on a catalog product, valid from a day until a day, with evidence;
  recorded by an official.
- `may_act()` says why a person may not act in a function on a case (empty: may), and
  `require()` refuses with those reasons. Every service that lets someone review, sample,
  test, audit, evaluate or decide calls `require()`.
- `involvement()` / `impartial()`: who may not handle a complaint or appeal (§7.13.5).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert import audit, clock, lifecycle, messages, settings
from snicert.catalog import default_catalog
from snicert.db.models import (
    Application,
    AuditAuditor,
    Business,
    Decision,
    Evaluation,
    Nonconformity,
    ReviewVerdict,
    SiteAudit,
    StaffConflict,
    StaffQualification,
    User,
)
from snicert.errors import Conflict, InvalidInput, MayNotAct, PermissionDenied
from snicert.lifecycle import (
    CONFLICT_TRANSITIONS,
    QUALIFICATION_TRANSITIONS,
    ConflictState,
    QualificationState,
)
from snicert.roles import STAFF_ROLES, Role
from snicert.services import dates, text
from snicert.services.guards import get, require_role


class Function(StrEnum):
    """What a person does on a case; each needs its own qualification per product."""

    REVIEWER = "reviewer"
    SAMPLER = "sampler"
    LAB_ANALYST = "lab_analyst"
    LAB_VERIFIER = "lab_verifier"
    AUDITOR = "auditor"
    EVALUATOR = "evaluator"
    DECIDER = "decider"


# The account role a function is performed under (the lifecycle's roles).
FUNCTION_ROLE: dict[Function, Role] = {
    Function.REVIEWER: Role.OFFICIAL,
    Function.SAMPLER: Role.SAMPLER,
    Function.LAB_ANALYST: Role.LAB_ANALYST,
    Function.LAB_VERIFIER: Role.LAB_VERIFIER,
    Function.AUDITOR: Role.AUDITOR,
    Function.EVALUATOR: Role.OFFICIAL,
    Function.DECIDER: Role.OFFICIAL,
}
KINDS = ("ownership", "relationship", "consulting")
CONSULTING_YEARS = 2  # consulting for a business in the last two years counts (§4.2)
# The decider took no part in these (ISO/IEC 17065 §7.6.2): function -> reason key
SEPARATED_FROM_DECISION = ("reviewed", "audited", "evaluated")


@dataclass(frozen=True)
class Reason:
    """Why someone may not act: `key` names the text people read (the catalogs, snicert/locale,
    `imp_<key>`), `params` fill it in."""

    key: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def english(self) -> str:
        """The API's and the log's text."""
        return messages.text(f"imp_{self.key}", "en", **self.params)


def functions_of(user: User) -> list[Function]:
    """The functions the user's roles allow."""
    return [f for f, role in FUNCTION_ROLE.items() if role in user.roles]


def _function(value: str) -> Function:
    try:
        return Function(str(value).strip().lower())
    except ValueError:
        raise InvalidInput("function", value, "imp_err_function") from None


def _product(value: str) -> str:
    code = str(value).strip().lower()
    products = default_catalog().products
    if code not in products:
        raise InvalidInput("product", value, "imp_err_product")
    return code


def _staff_member(user: User) -> None:
    if not user.roles & STAFF_ROLES:
        raise InvalidInput("user", user.email, "imp_err_not_staff")


def _two_years_before(day: date) -> date:
    try:
        return day.replace(year=day.year - CONSULTING_YEARS)
    except ValueError:  # 29 February
        return day.replace(year=day.year - CONSULTING_YEARS, day=28)


def _reason_given(reason: str) -> None:
    if not str(reason or "").strip():
        raise InvalidInput("reason", reason, "imp_err_reason")


def _manager(actor: User | str) -> None:
    """Officials (or the operator at the shell, "cli") manage others' records."""
    if isinstance(actor, User):
        require_role(actor, Role.OFFICIAL)
    elif actor != "cli":
        raise PermissionDenied("err_unknown_actor", actor=str(actor))


# --- conflicts of interest --------------------------------------------------------------


def declare_conflict(
    s: Session,
    actor: User | str,
    user: User,
    business_id: int,
    kind: str,
    period_from: date | None = None,
    period_until: date | None = None,
    note: str | None = None,
) -> StaffConflict:
    """Record a conflict of interest of `user` with a business: by the person themself
    (any staff member) or by an official for them. Declaring the same open conflict again
    changes nothing and returns it."""
    if not (isinstance(actor, User) and actor.id == user.id):
        _manager(actor)
    _staff_member(user)
    if kind not in KINDS:
        raise InvalidInput("kind", kind, "imp_err_kind")
    business = s.get(Business, business_id) if isinstance(business_id, int) else None
    if business is None:
        raise InvalidInput("business_id", business_id, "imp_err_choose")
    today = dates.today()
    for name, day in (("period_from", period_from), ("period_until", period_until)):
        if day is not None and (not isinstance(day, date) or day > today + timedelta(days=3660)):
            raise InvalidInput(name, str(day), "imp_err_date")
    if period_from and period_until and period_from > period_until:
        raise InvalidInput("period_until", period_until.isoformat(), "imp_err_order")
    if kind == "consulting" and period_until and period_until < _two_years_before(today):
        raise InvalidInput("period_until", period_until.isoformat(), "imp_consulting_too_old")
    note = text.optional("note", note, StaffConflict.note, multiline=True)
    existing = s.scalar(
        select(StaffConflict).where(
            StaffConflict.user_id == user.id,
            StaffConflict.business_id == business.id,
            StaffConflict.kind == kind,
            StaffConflict.state == ConflictState.DECLARED,
        )
    )
    if existing is not None:
        return existing  # re-running duplicates nothing
    row = StaffConflict(
        user_id=user.id,
        business_id=business.id,
        kind=kind,
        period_from=period_from,
        period_until=period_until,
        declared_on=today,
        note=note,
        state=ConflictState.DECLARED.value,
        declared_by=actor.id if isinstance(actor, User) else None,
        declared_at=clock.now(),
    )
    s.add(row)
    s.flush()
    audit.record(
        s,
        actor,
        "staff_conflict.declared",
        "staff_conflict",
        row.id,
        user=user.id,
        business=business.id,
        kind=kind,
        period_from=period_from.isoformat() if period_from else None,
        period_until=period_until.isoformat() if period_until else None,
    )
    return row


def close_conflict(s: Session, actor: User, conflict_id: int, reason: str) -> StaffConflict:
    """An official ends a declared conflict that no longer applies (sold, ended, declared
    in error), saying why."""
    row = get(s, StaffConflict, conflict_id, "conflict of interest")
    # an illegal step is refused as such, before its reason is judged
    lifecycle.check(row.state, "close", actor, CONFLICT_TRANSITIONS, "conflict of interest")
    cleaned = text.clean("reason", reason, StaffConflict.close_reason, multiline=True)
    lifecycle.transition(
        s,
        row,
        lifecycle.LIFECYCLES["staff_conflict"],
        "close",
        actor,
        conflict_guards(cleaned),
        user=row.user_id,
        business=row.business_id,
        reason=cleaned,
    )
    row.closed_by, row.closed_at, row.close_reason = actor.id, clock.now(), cleaned
    return row


def conflict_guards(reason: str | None) -> dict[str, lifecycle.Guard]:
    """The named guards of lifecycle.CONFLICT_TRANSITIONS for a step taken with `reason`."""
    return {"reason_stated": lambda s, row, actor: _reason_given(reason)}


def conflicts(
    s: Session, user_id: int | None = None, open_only: bool = False
) -> list[StaffConflict]:
    q = select(StaffConflict)
    if user_id is not None:
        q = q.where(StaffConflict.user_id == user_id)
    if open_only:
        q = q.where(StaffConflict.state == ConflictState.DECLARED)
    return list(s.scalars(q.order_by(StaffConflict.state, StaffConflict.declared_at.desc())))


def counts(conflict: StaffConflict, on: date) -> bool:
    """Whether a declared conflict bars its person on day `on`: an open ownership or
    relationship always; consulting until two years after it ended."""
    if conflict.state != ConflictState.DECLARED:
        return False
    if conflict.kind == "consulting" and conflict.period_until is not None:
        return conflict.period_until >= _two_years_before(on)
    return True


def _conflicts_with(s: Session, user: User, business_id: int | None, on: date) -> list[Reason]:
    why = []
    if business_id is None:
        return why
    if user.business_id == business_id:
        why.append(Reason("own_business"))
    for c in s.scalars(
        select(StaffConflict).where(
            StaffConflict.user_id == user.id,
            StaffConflict.business_id == business_id,
            StaffConflict.state == ConflictState.DECLARED,
        )
    ):
        if counts(c, on):
            why.append(Reason(f"conflict_{c.kind}", {"business": _business_name(s, business_id)}))
    return why


def _business_name(s: Session, business_id: int) -> str:
    b = s.get(Business, business_id)
    return b.name if b else str(business_id)


# --- qualifications ---------------------------------------------------------------------


def qualify(
    s: Session,
    actor: User | str,
    user: User,
    function: str,
    product: str,
    evidence: str,
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> StaffQualification:
    """Record that `user` is qualified for `function` on `product` from `valid_from`
    (today) until `valid_until` (none: until withdrawn), with its evidence. A current
    record with the same terms is returned unchanged; different terms supersede it."""
    return qualify_many(s, actor, user, [function], [product], evidence, valid_from, valid_until)[0]


def qualify_many(
    s: Session,
    actor: User | str,
    user: User,
    functions: list[str],
    products: list[str],
    evidence: str,
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> list[StaffQualification]:
    """`qualify` for every function on every product, on the same terms and evidence (one
    decision of the certification body: one audit event naming every row it recorded)."""
    _manager(actor)
    pairs = [(_function(f), _product(p)) for p in products for f in functions]
    if not pairs:
        raise InvalidInput("product", products, "imp_err_need_product")
    _staff_member(user)
    for fn, _ in pairs:
        if FUNCTION_ROLE[fn] not in user.roles:
            raise InvalidInput(
                "function",
                fn.value,
                "imp_err_lacks_role",
                who=user.name,
                role=messages.named(f"role_{FUNCTION_ROLE[fn].value}"),
            )
    if not str(evidence or "").strip():
        raise InvalidInput("evidence", evidence, "imp_err_evidence")
    evidence = text.clean(
        "evidence",
        evidence,
        StaffQualification.evidence,
        multiline=True,
        required=True,
    )
    valid_from = valid_from or dates.today()
    for name, day in (("valid_from", valid_from), ("valid_until", valid_until)):
        if day is not None and (not isinstance(day, date)):
            raise InvalidInput(name, str(day), "imp_err_date")
    if valid_until is not None and valid_until < valid_from:
        raise InvalidInput("valid_until", valid_until.isoformat(), "imp_err_order")
    existing = {(q.function, q.product): q for q in qualifications(s, user.id, current_only=True)}
    out: list[StaffQualification | None] = []
    new: list[StaffQualification] = []
    now = clock.now()
    for fn, code in dict.fromkeys(pairs):
        old = existing.get((fn.value, code))
        if old is not None and (old.valid_from, old.valid_until, old.evidence) == (
            valid_from,
            valid_until,
            evidence,
        ):
            out.append(old)  # re-running duplicates nothing
            continue
        if old is not None:
            _end(s, actor, old, "supersede", "recorded again")
            s.flush()  # the one current row per person, function and product
        row = StaffQualification(
            user_id=user.id,
            function=fn.value,
            product=code,
            valid_from=valid_from,
            valid_until=valid_until,
            evidence=evidence,
            state=QualificationState.CURRENT.value,
            recorded_by=actor.id if isinstance(actor, User) else None,
            recorded_at=now,
        )
        s.add(row)
        new.append(row)
        out.append(row)
    if new:
        s.flush()
        audit.record(
            s,
            actor,
            "staff_qualification.recorded",
            "staff_qualification",
            new[0].id,
            user=user.id,
            recorded=[{"id": q.id, "function": q.function, "product": q.product} for q in new],
            valid_from=valid_from.isoformat(),
            valid_until=valid_until.isoformat() if valid_until else None,
        )
    return [q for q in out if q is not None]


def _end(s: Session, actor: User | str, row: StaffQualification, action: str, reason: str) -> None:
    if isinstance(actor, User):
        t = lifecycle.check(row.state, action, actor, QUALIFICATION_TRANSITIONS, "qualification")
    else:  # the operator at the shell, as for accounts
        found = [
            t for t in QUALIFICATION_TRANSITIONS if t.action == action and row.state in t.sources
        ]
        if not found:
            raise Conflict("imp_err_q_state", state=messages.named(f"imp_q_{row.state}"))
        t = found[0]
    row.state, row.ended_at, row.end_reason = t.target.value, clock.now(), reason
    row.ended_by = actor.id if isinstance(actor, User) else None
    audit.record(
        s,
        actor,
        f"staff_qualification.{t.event}",
        "staff_qualification",
        row.id,
        user=row.user_id,
        function=row.function,
        product=row.product,
        reason=reason,
    )


def withdraw_qualification(
    s: Session, actor: User | str, qualification_id: int, reason: str
) -> StaffQualification:
    """An official withdraws a qualification (competence no longer shown), saying why."""
    _manager(actor)
    row = get(s, StaffQualification, qualification_id, "qualification")
    _reason_given(reason)
    reason = text.clean(
        "reason", reason, StaffQualification.end_reason, multiline=True, required=True
    )
    _end(s, actor, row, "withdraw", reason)
    return row


def qualifications(
    s: Session, user_id: int | None = None, current_only: bool = False
) -> list[StaffQualification]:
    q = select(StaffQualification)
    if user_id is not None:
        q = q.where(StaffQualification.user_id == user_id)
    if current_only:
        q = q.where(StaffQualification.state == QualificationState.CURRENT)
    return list(
        s.scalars(
            q.order_by(
                StaffQualification.user_id,
                StaffQualification.function,
                StaffQualification.product,
                StaffQualification.recorded_at.desc(),
            )
        )
    )


def current(s: Session, user_id: int, fn: str, product: str) -> StaffQualification | None:
    return s.scalar(
        select(StaffQualification).where(
            StaffQualification.user_id == user_id,
            StaffQualification.function == fn,
            StaffQualification.product == product,
            StaffQualification.state == QualificationState.CURRENT,
        )
    )


def _qualified(s: Session, user: User, fn: Function, product: str, on: date) -> list[Reason]:
    if not settings.current().require_qualifications:
        return []
    params = {"function": fn.value, "product": product}
    q = current(s, user.id, fn.value, product)
    if q is None:
        return [Reason("unqualified", params)]
    if q.valid_from > on:
        return [Reason("not_yet", {**params, "day": q.valid_from.isoformat()})]
    if q.valid_until is not None and q.valid_until < on:
        return [Reason("expired", {**params, "day": q.valid_until.isoformat()})]
    return []


# --- separation of duties ---------------------------------------------------------------


def _took_part(s: Session, user_id: int, app_id: int) -> list[str]:
    """Which steps before the decision `user_id` took on the case (SEPARATED_FROM_DECISION)."""
    done = []
    if s.scalar(
        select(ReviewVerdict.id)
        .where(ReviewVerdict.application_id == app_id, ReviewVerdict.reviewer_id == user_id)
        .limit(1)
    ) or s.scalar(
        select(Nonconformity.id)
        .where(
            Nonconformity.application_id == app_id,
            Nonconformity.raised_by == user_id,
            Nonconformity.source == "review",
        )
        .limit(1)
    ):
        done.append("reviewed")
    if s.scalar(
        select(AuditAuditor.user_id)
        .join(SiteAudit, SiteAudit.id == AuditAuditor.audit_id)
        .where(
            SiteAudit.application_id == app_id,
            SiteAudit.surveillance_case_id.is_(None),
            AuditAuditor.user_id == user_id,
        )
        .limit(1)
    ):
        done.append("audited")
    if s.scalar(
        select(Evaluation.id).where(
            Evaluation.application_id == app_id, Evaluation.evaluator_id == user_id
        )
    ):
        done.append("evaluated")
    return done


def separated(s: Session, user_id: int, app_id: int) -> bool:
    """Whether `user_id` took no part the decision on the case must be separate from."""
    return not _took_part(s, user_id, app_id)


# --- the one check ----------------------------------------------------------------------


def may_act(
    s: Session, user: User, function: str, app: Application, on: date | None = None
) -> list[Reason]:
    """Why `user` may not act as `function` on the case of `app` on day `on` (default:
    the LSPro's today); empty: they may. Conflicts with the applicant's business, the
    qualification for the function and the case's product (held, started, not expired),
    and for the decider the separation from review, audit and evaluation."""
    fn = _function(function)
    on = on or dates.today()
    why = _conflicts_with(s, user, app.business_id, on)
    why += _qualified(s, user, fn, app.product, on)
    if fn is Function.DECIDER:
        for step in _took_part(s, user.id, app.id):
            why.append(Reason(f"decider_{step}"))
    return why


def require(
    s: Session, user: User, function: str, app: Application, on: date | None = None
) -> None:
    """Refuse (MayNotAct, 403) naming every reason why `user` may not act as `function`."""
    why = may_act(s, user, function, app, on)
    if why:
        raise MayNotAct(
            "imp_refused",
            [(f"imp_{r.key}", r.params) for r in why],
            who=user.email,
            function=messages.named(f"imp_fn_{_function(function).value}"),
            case=app.number or str(app.id),
        )


# --- complaints and appeals -------------------------------------------------------------


def involvement(s: Session, user: User, app: Application | None) -> list[Reason]:
    """Why `user` is involved in the case of `app` (empty: not involved): each step they
    took on it, or their tie to its business."""
    why: list[Reason] = []
    if app is None:
        return why
    case = {"case": app.number or str(app.id)}
    if s.scalar(
        select(ReviewVerdict.id)
        .where(ReviewVerdict.application_id == app.id, ReviewVerdict.reviewer_id == user.id)
        .limit(1)
    ):
        why.append(Reason("involved_reviewed", case))
    elif s.scalar(
        select(Nonconformity.id)
        .where(Nonconformity.application_id == app.id, Nonconformity.raised_by == user.id)
        .limit(1)
    ):
        why.append(Reason("involved_raised", case))
    if s.scalar(
        select(Evaluation.id).where(
            Evaluation.application_id == app.id, Evaluation.evaluator_id == user.id
        )
    ):
        why.append(Reason("involved_evaluated", case))
    if s.scalar(
        select(Decision.id).where(Decision.application_id == app.id, Decision.decided_by == user.id)
    ):
        why.append(Reason("involved_decided", case))
    if app.business_id is not None and user.business_id == app.business_id:
        why.append(Reason("involved_business", case))
    elif app.business_id is not None:
        for c in conflicts(s, user.id, open_only=True):
            if c.business_id == app.business_id and counts(c, dates.today()):
                why.append(Reason(f"involved_conflict_{c.kind}", case))
    return why


def impartial(s: Session, user: User, app: Application | None) -> None:
    """Refuse (MayNotAct, 403), naming why, unless `user` is uninvolved in the subject."""
    why = involvement(s, user, app)
    if why:
        raise MayNotAct("imp_involved", [(f"imp_{r.key}", r.params) for r in why], who=user.email)
