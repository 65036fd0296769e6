"""The management review's figures for a period, each beside the previous period's.

Every figure is an SQL aggregate (counts grouped by product, stage, item...): nothing
loads every application into Python. Stays per stage, lab results, non-conformities and
staff workload come from daily roll-ups (stage_days, lab_result_days, nonconformity_days,
actor_days) written in the same transaction as the rows they count
(snicert.services.rollups); periods are whole local days, so their sums are exact.
Lead times are in working days (clock.is_working_day, the one rule): a stay's lead is
counted when it ends (lifecycle.enter); end-to-end leads and waiting ages are grouped by
local day in SQL and numbered by working day here. Medians and 90th percentiles come from
those few groups. 100,000 applications: bench/management_review.py.
"""

from __future__ import annotations

import json
import time as time_
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Integer, and_, case, func, literal, or_, select, text, union_all
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import Grouping
from sqlalchemy.sql.functions import FunctionElement

from snicert import clock, settings
from snicert.catalog import default_catalog
from snicert.db.models import (
    ActorDay,
    Appeal,
    Application,
    AuditEvent,
    AuditFinding,
    Certificate,
    ChecklistVersion,
    Complaint,
    CustodyEvent,
    Decision,
    LabResultDay,
    NonconformityDay,
    ReviewAction,
    SiteAudit,
    StageDay,
    StageVisit,
    SurveillanceCase,
    User,
    UserRole,
)
from snicert.errors import InvalidInput
from snicert.lifecycle import FINAL, STAGES, State
from snicert.roles import STAFF_ROLES, Role
from snicert.services.guards import require_role

MAX_DAYS = 5 * 366  # a review covers at most five years
ON_TIME_TARGET = 0.8  # below this share within the standard, a stage is named for improvement
CERT_EVENTS = ("issued", "suspended", "reinstated", "withdrawn", "expired")
COMPLAINT_FIGURES = (
    "complaint_filed_certificate",
    "complaint_filed_lspro",
    "complaint_closed_upheld",
    "complaint_closed_not_upheld",
    "appeal_filed_refusal",
    "appeal_filed_suspension",
    "appeal_filed_withdrawal",
    "appeal_decided_upheld",
    "appeal_decided_overturned",
)


# --- the period --------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Days `start` to `end`, both included, in the LSPro's time zone."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def bounds(self) -> tuple[datetime, datetime]:
        """[first moment, first moment after) in UTC."""
        zone = settings.current().zone
        lo = datetime.combine(self.start, time(), zone).astimezone(UTC)
        hi = datetime.combine(self.end + timedelta(days=1), time(), zone).astimezone(UTC)
        return lo, hi

    def __str__(self) -> str:
        return f"{self.start.isoformat()} – {self.end.isoformat()}"


def parse_date(field: str, value: str | date | None) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise InvalidInput(field, value, "imp_err_date") from None


def parse_period(start: str | date | None, end: str | date | None) -> Period:
    """The review's period from its first and last day; refused naming the field at fault."""
    first, last = parse_date("from", start), parse_date("to", end)
    if last < first:
        raise InvalidInput("to", last.isoformat(), "imp_err_order")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidInput("to", last.isoformat(), "mr_err_days", most=MAX_DAYS)
    today = clock.now().astimezone(settings.current().zone).date()
    if first > today:
        raise InvalidInput("from", first.isoformat(), "date_future")
    return Period(first, last)


# --- local days and working days in SQL --------------------------------------------------

EPOCH = date(1970, 1, 1)


class local_day(FunctionElement):  # noqa: N801 (an SQL function)
    """Days since 1970-01-01 of a stored UTC moment, in the zone `offset` seconds east."""

    type = Integer()
    inherit_cache = True


@compiles(local_day, "postgresql")
def _local_day_pg(element: local_day, compiler: Any, **kw: Any) -> str:
    moment, offset = (compiler.process(c, **kw) for c in element.clauses)
    # date arithmetic (an integer), not EXTRACT(EPOCH ...), a numeric: ~10x cheaper per row
    return f"(CAST({moment} + {offset} * INTERVAL '1 second' AS DATE) - DATE '1970-01-01')"


@compiles(local_day)
def _local_day_sqlite(element: local_day, compiler: Any, **kw: Any) -> str:
    moment, offset = (compiler.process(c, **kw) for c in element.clauses)
    # moments after 1970 only: CAST truncates, which is FLOOR for positive numbers
    return f"CAST(julianday({moment}) - 2440587.5 + {offset} / 86400.0 AS INTEGER)"


class Calendar:
    """The working-day number of each day from `first` to `last` (clock's one rule). The
    queries group by local day (`day`, days since 1970 as SQL computes them); the numbers
    are looked up here: a few thousand groups, where joining a calendar table sorted every
    case."""

    def __init__(self, first: date, last: date):
        self.offset = int(settings.current().zone.utcoffset(datetime.now()).total_seconds())
        self.numbers = clock.working_day_numbers(first, last)
        self.by_epoch_day = {(d - EPOCH).days: n for d, n in self.numbers.items()}

    def day(self, moment: Any) -> local_day:
        return local_day(moment, literal(self.offset))

    def number(self, moment: Any) -> Any:
        """PostgreSQL: the working-day number of `moment`'s local day, looked up in SQL in
        an array of the numbers (bound once), so that a query groups by lead time."""
        first = min(self.by_epoch_day)
        numbers = [self.by_epoch_day[d] for d in range(first, first + len(self.by_epoch_day))]
        array = Grouping(literal(numbers, ARRAY(Integer)))  # (ARRAY)[i] needs the brackets
        return array[self.day(moment) - first + 1]


# --- small helpers ---------------------------------------------------------------------


def _in(col: Any, p: Period) -> Any:
    lo, hi = p.bounds()
    return and_(col >= lo, col < hi)


def percentile(histogram: dict[int, int], share: float) -> int | None:
    """Nearest rank: the smallest value that at least `share` of the cases did not exceed."""
    total = sum(histogram.values())
    if not total:
        return None
    need, seen = share * total, 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= need - 1e-9:
            return value
    return max(histogram)


def pair(now: Any, before: Any) -> dict[str, Any]:
    return {"now": now, "before": before}


def _name(names: Any, lang: str) -> str:
    if isinstance(names, str):
        return names
    data = names if isinstance(names, dict) else names.model_dump()
    return data.get(lang) or data.get("id", "")


# --- the figures, one period at a time ---------------------------------------------------


def _flow(s: Session, p: Period) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    q = (
        select(Application.product, func.count())
        .where(_in(Application.submitted_at, p))
        .group_by(Application.product)
    )
    for product, n in s.execute(q):
        out[product]["started"] = n
    q = (
        select(Application.product, Application.state, func.count())
        .where(
            Application.state.in_([x.value for x in FINAL]), _in(Application.state_changed_at, p)
        )
        .group_by(Application.product, Application.state)
    )
    for product, state, n in s.execute(q):
        out[product][state] = n
        out[product]["closed"] += n
    return out


def _stages(
    s: Session, now: Period, before: Period
) -> tuple[dict[tuple[str, str], dict[str, Any]], ...]:
    """Stays entered, and ended with their lead (counted when they ended: lifecycle.enter),
    per product and state, in both periods: sums of the daily roll-up stage_days, written
    with the stays (periods are whole local days, so the sums are exact)."""
    out: tuple[dict[tuple[str, str], dict[str, Any]], ...] = tuple(
        defaultdict(lambda: {"entered": 0, "completed": 0, "lead": defaultdict(int)})
        for _ in range(2)
    )
    which = case((StageDay.day >= now.start, 0), else_=1)
    columns = (StageDay.product, StageDay.state, StageDay.event, StageDay.working_days)
    q = (
        select(which, *columns, func.sum(StageDay.n))
        .where(StageDay.day >= before.start, StageDay.day <= now.end)
        .group_by(which, *columns)
    )
    for i, product, state, event, days, n in s.execute(q):
        row = out[i][product, state]
        if event == "entered":
            row["entered"] += n
        else:
            row["completed"] += n
            row["lead"][days] += n
    return out


def _end_to_end(s: Session, p: Period, cal: Calendar) -> dict[str, dict[int, int]]:
    """Submission to certification or refusal, of the cases that ended so in the period:
    counted per product and pair of local days in SQL (a covering index), numbered by
    working day here (joining the calendar twice sorted every case)."""
    closed = and_(
        Application.state.in_([State.CERTIFIED.value, State.REFUSED.value]),
        _in(Application.state_changed_at, p),
    )
    out: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    if s.get_bind().dialect.name == "postgresql":  # numbered in SQL: a few hundred groups
        lead = (
            cal.number(Application.state_changed_at) - cal.number(Application.submitted_at)
        ).label("lead")
        q = select(Application.product, lead, func.count()).where(closed)
        for product, days, n in s.execute(q.group_by(Application.product, lead)):
            out[product][days] += n
        return out
    day_in, day_out = cal.day(Application.submitted_at), cal.day(Application.state_changed_at)
    q = (
        select(Application.product, day_in, day_out, func.count())
        .where(closed)
        .group_by(Application.product, day_in, day_out)
    )
    number = cal.by_epoch_day
    for product, first, last, n in s.execute(q):
        out[product][number[last] - number[first]] += n
    return out


def _waiting(s: Session, p: Period, cal: Calendar, longest: bool = True) -> dict[str, Any]:
    """The cases still in an open stage at the end of the period, by stage and age: the
    stays still open (a small partial index) and those that spanned the period's end (the
    left_at index, which carries entered_at), as two index scans, not an OR over all."""
    _, hi = p.bounds()
    stays = union_all(
        select(StageVisit.id, StageVisit.state, StageVisit.entered_at).where(
            StageVisit.left_at.is_(None), StageVisit.entered_at < hi
        ),
        select(StageVisit.id, StageVisit.state, StageVisit.entered_at).where(
            StageVisit.left_at >= hi, StageVisit.entered_at < hi
        ),
    ).subquery("still")
    day_in = cal.day(stays.c.entered_at)
    q = select(stays.c.state, day_in, func.count()).group_by(stays.c.state, day_in)
    end_number = cal.numbers[p.end]
    ages: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for state, day, n in s.execute(q):
        ages[state][end_number - cal.by_epoch_day[day]] += n
    if not longest:  # shown for the period under review only
        return {"ages": ages, "longest": []}
    rows = []
    # the ten oldest of each kind, each read in entered_at order from its index (each in
    # a subquery: SQLite takes no LIMIT inside a UNION's members)
    kinds = []
    for still in (StageVisit.left_at.is_(None), StageVisit.left_at >= hi):
        columns = (StageVisit.id, StageVisit.application_id, StageVisit.product)
        oldest = (
            select(*columns, StageVisit.state, StageVisit.entered_at)
            .where(still, StageVisit.entered_at < hi)
            .order_by(StageVisit.entered_at, StageVisit.id)
            .limit(10)
            .subquery()
        )
        kinds.append(select(oldest))
    first = union_all(*kinds).subquery("oldest")
    q = (
        select(Application.number, first.c.product, first.c.state, first.c.entered_at)
        .join(Application, Application.id == first.c.application_id)
        .order_by(first.c.entered_at, first.c.id)
        .limit(10)
    )
    zone = settings.current().zone
    for number, product, state, entered in s.execute(q):
        day = entered.astimezone(zone).date()
        rows.append(
            {
                "number": number,
                "product": product,
                "state": state,
                "role": _role(state),
                "since": day.isoformat(),
                "age": clock.working_days_between(day, p.end),
            }
        )
    return {"ages": ages, "longest": rows}


def _role(state: str) -> str | None:
    stage = STAGES.get(State(state)) if state in State._value2member_map_ else None
    return stage.role.value if stage and stage.role else None


def _nonconformities(s: Session, now: Period, before: Period) -> tuple[dict[Any, int], ...]:
    """Non-conformities raised per product and checklist item, both periods from the
    daily roll-up nonconformity_days (written with each one)."""
    out: tuple[dict[tuple[str, str], int], ...] = ({}, {})
    which = case((NonconformityDay.day >= now.start, 0), else_=1)
    columns = (NonconformityDay.product, NonconformityDay.item_id)
    q = (
        select(which, *columns, func.sum(NonconformityDay.n))
        .where(NonconformityDay.day >= before.start, NonconformityDay.day <= now.end)
        .group_by(which, *columns)
    )
    for i, product, item, n in s.execute(q):
        out[i][product, item] = n
    return out


def _lab(s: Session, now: Period, before: Period) -> tuple[dict[str, Any], ...]:
    """Results verified per product and parameter (tested, failed), and the laboratory as
    an external provider (results retracted, retests asked), both periods from the daily
    roll-up (lab_result_days, written with each result's conclusion): periods are whole
    local days, so the sums are exact."""
    tests: tuple[dict[tuple[str, str], dict[str, int]], ...] = tuple(
        defaultdict(lambda: {"tested": 0, "failed": 0}) for _ in range(2)
    )
    work = ({"retracted": 0, "retests": 0}, {"retracted": 0, "retests": 0})
    columns = (
        LabResultDay.status,
        LabResultDay.retest_requested,
        LabResultDay.product,
        LabResultDay.parameter_id,
        LabResultDay.verdict,
    )
    which = case((LabResultDay.day >= now.start, 0), else_=1)
    q = (
        select(which, *columns, func.sum(LabResultDay.n))
        .where(LabResultDay.day >= before.start, LabResultDay.day <= now.end)
        .group_by(which, *columns)
    )
    for i, status, retest, product, parameter, verdict, n in s.execute(q):
        if status == "verified":
            tests[i][product, parameter]["tested"] += n
            if verdict == "nonconform":
                tests[i][product, parameter]["failed"] += n
        elif status == "retracted":
            work[i]["retracted"] += n
        if retest:
            work[i]["retests"] += n
    return tests[0], tests[1], work[0], work[1]


def _rejected_samples(s: Session, p: Period) -> int:
    return (
        s.scalar(
            select(func.count()).where(CustodyEvent.event == "rejected", _in(CustodyEvent.at, p))
        )
        or 0
    )


def _refusals(s: Session, p: Period) -> dict[str, Any]:
    by_product = dict(
        s.execute(
            select(Application.product, func.count())
            .select_from(Decision)
            .join(Application, Application.id == Decision.application_id)
            .where(Decision.outcome == "refuse", _in(Decision.at, p))
            .group_by(Application.product)
        ).all()
    )
    reasons = s.execute(
        select(Decision.reason, func.count().label("n"))
        .where(Decision.outcome == "refuse", _in(Decision.at, p))
        .group_by(Decision.reason)
        .order_by(func.count().desc(), Decision.reason)
        .limit(10)
    ).all()
    return {"by_product": by_product, "reasons": [(r, n) for r, n in reasons]}


def _certificate_events(s: Session, p: Period) -> dict[str, Any]:
    actions = [f"certificate.{e}" for e in CERT_EVENTS]
    counts: dict[str, int] = {}
    # from the (action, at) index alone: every certificate event names its application
    q = (
        select(AuditEvent.action, func.count())
        .where(AuditEvent.action.in_(actions), _in(AuditEvent.at, p))
        .group_by(AuditEvent.action)
    )
    for action, n in s.execute(q):
        counts[action.split(".", 1)[1]] = n
    listed = []
    q = (
        select(AuditEvent.at, AuditEvent.action, AuditEvent.data, Certificate.number)
        .join(Certificate, Certificate.id == AuditEvent.entity_id)
        .where(
            AuditEvent.entity == "certificate",
            AuditEvent.action.in_(["certificate.suspended", "certificate.withdrawn"]),
            _in(AuditEvent.at, p),
        )
        .order_by(AuditEvent.seq)
        .limit(50)
    )
    for at, action, data, number in s.execute(q):
        listed.append(
            {
                "at": settings.local_time(at, "%Y-%m-%d"),
                "event": action.split(".", 1)[1],
                "number": number,
                "reason": json.loads(data).get("reason") or "",
            }
        )
    return {"counts": counts, "listed": listed}


def _surveillance(s: Session, p: Period) -> dict[str, int]:
    out = {"opened": 0, "passed": 0, "failed": 0}
    out["opened"] = s.scalar(select(func.count()).where(_in(SurveillanceCase.opened_at, p))) or 0
    for status, n in s.execute(
        select(SurveillanceCase.status, func.count())
        .where(_in(SurveillanceCase.recorded_at, p))
        .group_by(SurveillanceCase.status)
    ):
        out[status] = n
    return out


AUDIT_FIGURES = ("planned", "visited", "surveillance", "passed", "failed")
FINDING_GRADES = ("major", "minor", "observation")
FINDING_STATUS = ("closed", "open", "noted", "open_at_end")


def _site_audits(s: Session, p: Period) -> dict[str, Any]:
    """Site audits (scheme type 5) of the period: planned, visited (reported; those of a
    surveillance apart), passed and failed; their findings by grade, by product and audit
    item, and where the period's findings stood at its end (closed, still open, noted as
    observations), with every major or minor finding still open then, of any age."""
    lo, hi = p.bounds()
    audits = {k: 0 for k in AUDIT_FIGURES}
    audits["planned"] = s.scalar(select(func.count()).where(_in(SiteAudit.planned_at, p))) or 0
    for surveillance, n in s.execute(
        select(SiteAudit.surveillance_case_id.is_not(None), func.count())
        .where(_in(SiteAudit.reported_at, p))
        .group_by(SiteAudit.surveillance_case_id.is_not(None))
    ):
        audits["visited"] += n
        if surveillance:
            audits["surveillance"] += n
    for state, n in s.execute(
        select(SiteAudit.state, func.count())
        .where(SiteAudit.state.in_(["passed", "failed"]), _in(SiteAudit.closed_at, p))
        .group_by(SiteAudit.state)
    ):
        audits[state] = n
    grades = {g: 0 for g in FINDING_GRADES}
    status = {k: 0 for k in FINDING_STATUS}
    items: dict[tuple[str, str], dict[str, int]] = defaultdict(
        lambda: {g: 0 for g in FINDING_GRADES}
    )
    closed_by_end = and_(AuditFinding.closed_at.is_not(None), AuditFinding.closed_at < hi)
    q = (
        select(
            Application.product,
            AuditFinding.item_id,
            AuditFinding.grade,
            closed_by_end.label("closed"),
            func.count(),
        )
        .select_from(AuditFinding)
        .join(SiteAudit, SiteAudit.id == AuditFinding.audit_id)
        .join(Application, Application.id == SiteAudit.application_id)
        .where(_in(AuditFinding.recorded_at, p))
        .group_by(Application.product, AuditFinding.item_id, AuditFinding.grade, closed_by_end)
    )
    for product, item, grade, closed, n in s.execute(q):
        grades[grade] = grades.get(grade, 0) + n
        items[product, item][grade] = items[product, item].get(grade, 0) + n
        key = "noted" if grade == "observation" else "closed" if closed else "open"
        status[key] += n
    # an observation asks for no action: only major and minor findings stay open
    status["open_at_end"] = (
        s.scalar(
            select(func.count()).where(
                AuditFinding.grade != "observation",
                AuditFinding.recorded_at < hi,
                or_(AuditFinding.closed_at.is_(None), AuditFinding.closed_at >= hi),
            )
        )
        or 0
    )
    return {"audits": audits, "grades": grades, "status": status, "items": dict(items)}


def _complaints_and_appeals(s: Session, p: Period) -> dict[str, int]:
    """Complaints filed (per subject) and closed (per outcome); appeals filed (per kind)
    and decided (per result)."""
    out: dict[str, int] = defaultdict(int)
    for key, col, when in (
        ("complaint_filed", Complaint.subject, Complaint.filed_at),
        ("complaint_closed", Complaint.outcome, Complaint.closed_at),
        ("appeal_filed", Appeal.kind, Appeal.filed_at),
        ("appeal_decided", Appeal.state, Appeal.decided_at),
    ):
        for value, n in s.execute(select(col, func.count()).where(_in(when, p)).group_by(col)):
            out[f"{key}_{value}"] = n
    return out


def _overdue(s: Session, p: Period) -> int:
    return (
        s.scalar(
            select(func.count()).where(
                AuditEvent.action == "application.overdue", _in(AuditEvent.at, p)
            )
        )
        or 0
    )


def _workload(s: Session, now: Period, before: Period) -> tuple[dict[int, int], ...]:
    """Audit events per member of staff (applicants and the system are not staff), both
    periods from the daily roll-up actor_days (written with each event): staff are a
    dozen people, a few hundred rows each."""
    staff = list(
        s.scalars(
            select(UserRole.user_id)
            .where(UserRole.role.in_([r.value for r in STAFF_ROLES]))
            .distinct()
        )
    )
    out: tuple[dict[int, int], ...] = ({}, {})
    if not staff:
        return out
    which = case((ActorDay.day >= now.start, 0), else_=1)
    q = (
        select(which, ActorDay.actor_id, func.sum(ActorDay.n))
        .where(
            ActorDay.actor_id.in_(staff),
            ActorDay.day >= before.start,
            ActorDay.day <= now.end,
        )
        .group_by(which, ActorDay.actor_id)
    )
    for i, actor, n in s.execute(q):
        out[i][actor] = n
    return out


def _checklists_approved(s: Session, p: Period) -> list[dict[str, Any]]:
    q = (
        select(ChecklistVersion.product, ChecklistVersion.version, ChecklistVersion.approved_at)
        .where(_in(ChecklistVersion.approved_at, p))
        .order_by(ChecklistVersion.approved_at)
    )
    return [
        {"product": product, "version": version, "at": settings.local_time(at, "%Y-%m-%d")}
        for product, version, at in s.execute(q)
    ]


# --- actions of management reviews ------------------------------------------------------


def actions_for(s: Session, p: Period) -> dict[str, list[dict[str, Any]]]:
    """This review's decisions and actions, and those of earlier reviews (as they stand)."""
    today = clock.now().astimezone(settings.current().zone).date()
    rows = s.execute(
        select(ReviewAction, User.name)
        .join(User, User.id == ReviewAction.created_by)
        .where(ReviewAction.review_from <= p.end)
        .order_by(ReviewAction.review_from, ReviewAction.id)
    ).all()
    this, earlier = [], []
    for a, by in rows:
        item = {
            "id": a.id,
            "kind": a.kind,
            "text": a.text,
            "owner": a.owner or "",
            "due_on": a.due_on.isoformat() if a.due_on else "",
            "status": a.status,
            "late": a.status == "open" and a.due_on is not None and a.due_on < today,
            "outcome": a.outcome or "",
            "review": str(Period(a.review_from, a.review_to)),
            "by": by,
            "closed_at": settings.local_time(a.closed_at, "%Y-%m-%d") if a.closed_at else "",
        }
        if (a.review_from, a.review_to) == (p.start, p.end):
            this.append(item)
        elif a.review_from < p.start:
            earlier.append(item)
    return {"this": this, "earlier": earlier}


# --- everything, both periods ----------------------------------------------------------


def _satisfaction(
    s: Session, now: Period, before: Period, products: dict[str, str], lang: str
) -> list[dict[str, Any]]:
    """The SKM's IKM (snicert.services.skm) over every product, then per product."""
    from snicert.services import skm

    a, b = skm.summary(s, now.start, now.end), skm.summary(s, before.start, before.end)

    def row(name: str, x: Any, y: Any) -> dict[str, Any]:
        label = "label" if lang == "id" else "label_en"
        return {
            "name": name,
            "respondents": pair(x.respondents, y.respondents),
            "ikm": pair(
                float(x.ikm) if x.ikm is not None else None,
                float(y.ikm) if y.ikm is not None else None,
            ),
            "category": pair(
                f"{x.category} ({getattr(x, label)})" if x.category else None,
                f"{y.category} ({getattr(y, label)})" if y.category else None,
            ),
        }

    nobody = skm.figures({}, 0)
    rows = [row("", a, b)]  # every product together
    for code in a.by_product:
        rows.append(
            row(products.get(code, code), a.by_product[code], b.by_product.get(code, nobody))
        )
    return rows


def build_for(s: Session, actor: User, period: Period, lang: str = "id") -> dict[str, Any]:
    """The review for `actor`: officials only (the page and API check it on the way in;
    the CLI, with the official's password, here)."""
    require_role(actor, Role.OFFICIAL)
    return build(s, period, lang)


def build(
    s: Session, period: Period, lang: str = "id", timings: dict[str, float] | None = None
) -> dict[str, Any]:
    """Every figure of the review for `period`, each with the previous period's.
    `timings` (the benchmark's) receives the seconds each section's queries took."""
    spent = timings if timings is not None else {}

    def paired(name: str, fn: Any) -> Any:
        started = time_.perf_counter()
        out = fn(s, period, before)
        spent[name] = spent.get(name, 0.0) + time_.perf_counter() - started
        return out

    def both(name: str, fn: Any, *args: Any) -> tuple[Any, Any]:
        started = time_.perf_counter()
        out = fn(s, period, *args), fn(s, before, *args)
        spent[name] = spent.get(name, 0.0) + time_.perf_counter() - started
        return out

    if s.get_bind().dialect.name == "postgresql":
        # JIT compiling these one-off aggregates cost more than running them (~1.2 s each)
        s.execute(text("SET LOCAL jit = off"))
        # the lead-time joins sort ~50,000 rows: in memory, not spilled to disk (4 MB)
        s.execute(text("SET LOCAL work_mem = '32MB'"))
    started = time_.perf_counter()
    catalog = default_catalog()
    before = period.previous()
    zone = settings.current().zone
    today = clock.now().astimezone(zone).date()
    first = s.scalar(select(func.min(StageVisit.entered_at)))
    first_day = min(
        before.start,
        first.astimezone(zone).date() if first else before.start,
        *(
            [d.astimezone(zone).date()]
            if (d := s.scalar(select(func.min(Application.submitted_at))))
            else []
        ),
    )
    cal = Calendar(first_day, max(period.end, today))
    spent["calendar"] = time_.perf_counter() - started
    products = {code: _name(p.name, lang) for code, p in sorted(catalog.products.items())}
    standards = {code: p.service_standard_days.model_dump() for code, p in catalog.products.items()}

    # flow per product
    flow_now, flow_before = both("flow", _flow)
    flow = []
    for code in sorted(set(products) | set(flow_now) | set(flow_before)):
        row = {"product": code, "name": products.get(code, code)}
        for key in ("started", "closed", "certified", "refused", "withdrawn"):
            row[key] = pair(
                flow_now.get(code, {}).get(key, 0), flow_before.get(code, {}).get(key, 0)
            )
        flow.append(row)

    # stages per product: entered, completed, lead time in working days against the standard
    st_now, st_before = paired("stages", _stages)
    stages = []
    order = [x.value for x in State]
    for product, state in sorted(
        set(st_now) | set(st_before), key=lambda k: (k[0], order.index(k[1]))
    ):
        key = STAGES[State(state)].service_standard
        if key is None:
            continue  # a draft: the applicant's own time, before any service
        standard = standards.get(product, {}).get(key)
        row = {
            "product": product,
            "name": products.get(product, product),
            "state": state,
            "role": _role(state),
            "standard": standard,
        }
        for label, data in (
            ("now", st_now.get((product, state))),
            ("before", st_before.get((product, state))),
        ):
            lead = data["lead"] if data else {}
            done = sum(lead.values())
            within = sum(n for d, n in lead.items() if standard is not None and d <= standard)
            row.setdefault("entered", {})[label] = data["entered"] if data else 0
            row.setdefault("completed", {})[label] = done
            row.setdefault("median", {})[label] = percentile(lead, 0.5)
            row.setdefault("p90", {})[label] = percentile(lead, 0.9)
            row.setdefault("on_time", {})[label] = (
                within / done if done and standard is not None else None
            )
        stages.append(row)

    e_now, e_before = both("end_to_end", _end_to_end, cal)
    end_to_end = [
        {
            "product": code,
            "name": products.get(code, code),
            "closed": pair(sum(e_now.get(code, {}).values()), sum(e_before.get(code, {}).values())),
            "median": pair(
                percentile(e_now.get(code, {}), 0.5), percentile(e_before.get(code, {}), 0.5)
            ),
            "p90": pair(
                percentile(e_now.get(code, {}), 0.9), percentile(e_before.get(code, {}), 0.9)
            ),
        }
        for code in sorted(set(e_now) | set(e_before))
    ]

    started = time_.perf_counter()
    w_now, w_before = _waiting(s, period, cal), _waiting(s, before, cal, longest=False)
    spent["waiting"] = time_.perf_counter() - started
    waiting = []
    for state in [x for x in order if x in w_now["ages"] or x in w_before["ages"]]:
        a_now, a_before = w_now["ages"].get(state, {}), w_before["ages"].get(state, {})
        waiting.append(
            {
                "state": state,
                "role": _role(state),
                "count": pair(sum(a_now.values()), sum(a_before.values())),
                "median": pair(percentile(a_now, 0.5), percentile(a_before, 0.5)),
                "oldest": pair(max(a_now, default=None), max(a_before, default=None)),
            }
        )

    items = {}
    for code, cl in catalog.checklists.items():
        for item in cl.document_items:
            items[code, item.id] = _name(item.text, lang)
        for param in cl.parameters:
            items[code, param.id] = _name(param.name, lang)
    for code, product in catalog.products.items():
        for doc in product.documents:
            items.setdefault((code, doc.id), _name(doc.name, lang))
    nc_now, nc_before = paired("nonconformities", _nonconformities)
    nonconformities = sorted(
        (
            {
                "product": product,
                "item": item,
                "name": items.get((product, item), item),
                "count": pair(nc_now.get((product, item), 0), nc_before.get((product, item), 0)),
            }
            for product, item in set(nc_now) | set(nc_before)
        ),
        key=lambda r: (-r["count"]["now"], -r["count"]["before"], r["product"], r["item"]),
    )
    lab_now, lab_before, lw_now, lw_before = paired("lab", _lab)
    rejected = both("rejected_samples", _rejected_samples)
    lw_now["rejected"], lw_before["rejected"] = rejected
    lab_failures = sorted(
        (
            {
                "product": product,
                "parameter": param,
                "name": items.get((product, param), param),
                "tested": pair(
                    lab_now.get((product, param), {}).get("tested", 0),
                    lab_before.get((product, param), {}).get("tested", 0),
                ),
                "failed": pair(
                    lab_now.get((product, param), {}).get("failed", 0),
                    lab_before.get((product, param), {}).get("failed", 0),
                ),
            }
            for product, param in set(lab_now) | set(lab_before)
        ),
        key=lambda r: (-r["failed"]["now"], -r["failed"]["before"], r["product"], r["parameter"]),
    )
    lab_failures = [r for r in lab_failures if r["failed"]["now"] or r["failed"]["before"]]

    ref_now, ref_before = both("refusals", _refusals)
    before_reasons = dict(ref_before["reasons"])
    refusals = {
        "by_product": [
            {
                "product": code,
                "name": products.get(code, code),
                "count": pair(
                    ref_now["by_product"].get(code, 0), ref_before["by_product"].get(code, 0)
                ),
            }
            for code in sorted(set(ref_now["by_product"]) | set(ref_before["by_product"]))
        ],
        "reasons": [
            {"reason": r, "count": pair(n, before_reasons.get(r, 0))} for r, n in ref_now["reasons"]
        ],
    }

    ce_now, ce_before = both("certificate_events", _certificate_events)
    certificates = [
        {
            "event": event,
            "count": pair(
                ce_now["counts"].get(event, 0),
                ce_before["counts"].get(event, 0),
            ),
        }
        for event in CERT_EVENTS
    ]

    sv_now, sv_before = both("surveillance", _surveillance)
    sa_now, sa_before = both("site_audits", _site_audits)
    audit_items = {}
    for code, cl in catalog.audit_checklists.items():
        for item in cl.items:
            audit_items[code, item.id] = _name(item.text, lang)
    site_audits = {
        "audits": [
            {"key": k, "count": pair(sa_now["audits"][k], sa_before["audits"][k])}
            for k in AUDIT_FIGURES
        ],
        "grades": [
            {"grade": g, "count": pair(sa_now["grades"][g], sa_before["grades"][g])}
            for g in FINDING_GRADES
        ],
        "status": [
            {"key": k, "count": pair(sa_now["status"][k], sa_before["status"][k])}
            for k in FINDING_STATUS
        ],
        "items": sorted(
            (
                {
                    "product": product,
                    "item": item,
                    "name": audit_items.get((product, item), item),
                    "count": pair(
                        sum(sa_now["items"].get((product, item), {}).values()),
                        sum(sa_before["items"].get((product, item), {}).values()),
                    ),
                    "major": pair(
                        sa_now["items"].get((product, item), {}).get("major", 0),
                        sa_before["items"].get((product, item), {}).get("major", 0),
                    ),
                }
                for product, item in set(sa_now["items"]) | set(sa_before["items"])
            ),
            key=lambda r: (-r["count"]["now"], -r["count"]["before"], r["product"], r["item"]),
        ),
    }
    cp_now, cp_before = both("complaints_and_appeals", _complaints_and_appeals)

    wl_now, wl_before = paired("workload", _workload)
    people: dict[int, dict[str, Any]] = {}
    for uid, name, role in s.execute(
        select(User.id, User.name, UserRole.role)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.id.in_(set(wl_now) | set(wl_before) or {0}))
        .order_by(UserRole.role)
    ):
        people.setdefault(uid, {"name": name, "roles": []})["roles"].append(role)
    staff_roles = {r.value for r in STAFF_ROLES}
    workload, by_role = [], defaultdict(lambda: {"now": 0, "before": 0})
    for uid, person in people.items():
        roles = [r for r in person["roles"] if r in staff_roles]
        row = {
            "name": person["name"],
            "roles": roles,
            "actions": pair(wl_now.get(uid, 0), wl_before.get(uid, 0)),
        }
        workload.append(row)
        for role in roles:
            by_role[role]["now"] += row["actions"]["now"]
            by_role[role]["before"] += row["actions"]["before"]
    workload.sort(key=lambda r: (-r["actions"]["now"], r["name"]))

    started = time_.perf_counter()
    satisfaction = _satisfaction(s, period, before, products, lang)
    spent["satisfaction"] = time_.perf_counter() - started
    provisional = sum(
        1
        for cl in catalog.checklists.values()
        for item in [*cl.parameters, *cl.document_items]
        if item.source.status != "verified"
    )
    improvement = [
        {"kind": "stage", "product": r["name"], "state": r["state"], "share": r["on_time"]["now"]}
        for r in stages
        if r["on_time"]["now"] is not None and r["on_time"]["now"] < ON_TIME_TARGET
    ]
    improvement += [
        {
            "kind": "nonconformity",
            "product": products.get(r["product"], r["product"]),
            "name": r["name"],
            "count": r["count"]["now"],
        }
        for r in nonconformities[:3]
        if r["count"]["now"]
    ]
    improvement += [
        {
            "kind": "lab",
            "product": products.get(r["product"], r["product"]),
            "name": r["name"],
            "count": r["failed"]["now"],
        }
        for r in lab_failures[:3]
        if r["failed"]["now"]
    ]
    return {
        "period": period,
        "previous": before,
        "generated_at": settings.local_time(clock.now()),
        "today": today.isoformat(),
        "products": products,
        "flow": flow,
        "stages": stages,
        "end_to_end": end_to_end,
        "waiting": waiting,
        "longest": w_now["longest"],
        "nonconformities": nonconformities,
        "lab_failures": lab_failures,
        "lab_work": {k: pair(lw_now[k], lw_before[k]) for k in lw_now},
        "refusals": refusals,
        "certificates": certificates,
        "certificate_events": ce_now["listed"],
        "surveillance": {k: pair(sv_now.get(k, 0), sv_before.get(k, 0)) for k in sv_now},
        "overdue": pair(*both("overdue", _overdue)),
        "workload": workload,
        "workload_by_role": [{"role": r, "actions": v} for r, v in sorted(by_role.items())],
        "satisfaction": satisfaction,
        "site_audits": site_audits,
        "complaints": [
            {"key": key, "count": pair(cp_now.get(key, 0), cp_before.get(key, 0))}
            for key in COMPLAINT_FIGURES
        ],
        "checklists_approved": _checklists_approved(s, period),
        "provisional_criteria": provisional,
        "improvement": improvement,
        "actions": actions_for(s, period),
        "on_time_target": ON_TIME_TARGET,
    }
