"""Read models of the staff and applicant lists: each filters, counts, sorts and pages in SQL
and selects only the columns its page shows (never an application's JSON snapshots).

One mechanism for every list: a `ListQuery` read from the URL's query parameters (search
text, filters, a sort column from the list's whitelist, page and page size), a `Page` of
plain rows back. Rules live in snicert.services; nothing here changes anything.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import ColumnElement, Integer, Select, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session

from snicert import clock, settings
from snicert.db.models import (
    Application,
    Business,
    Certificate,
    Invoice,
    LabResult,
    Sample,
    SurveillanceCase,
    User,
)
from snicert.lifecycle import FINAL, ResultState, SampleState, State
from snicert.roles import Role

PAGE_SIZES = (20, 50, 100, 200)
SEARCH_LIMIT = 100  # characters of a search term


class ListQuery(BaseModel):
    """What a list is asked for, as the URL carries it (so links and bookmarks work)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    q: str = Field("", max_length=SEARCH_LIMIT)
    product: str = Field("", max_length=64)
    state: str = Field("", max_length=30)
    waiting: str = Field("", max_length=30)  # the role a case waits on (its stage's actor)
    late: bool = False
    open: bool = False
    system: bool = False  # waiting on the system longer than SYSTEM_LATE
    since: date | None = None
    until: date | None = None
    sort: str = Field("", max_length=30)
    dir: Literal["asc", "desc", ""] = ""
    page: int = Field(1, ge=1, le=100_000)
    size: int = Field(50, ge=1, le=200)

    def params(self, **changes: Any) -> dict[str, str]:
        """The non-default parameters, with `changes`, for a link."""
        merged = {**self.model_dump(), **changes}
        defaults = ListQuery().model_dump()
        out = {}
        for k, v in merged.items():
            if v == defaults.get(k) or v in ("", None, False):
                continue
            out[k] = "1" if v is True else str(v)
        return out

    def url(self, path: str, **changes: Any) -> str:
        query = urlencode(self.params(**changes))
        return f"{path}?{query}" if query else path


@dataclass
class BadParam:
    """A query parameter that was not understood: ignored, and named to the person."""

    name: str
    value: str


def parse(
    params: Mapping[str, str], sorts: Sequence[str], **defaults: Any
) -> tuple[ListQuery, list[BadParam]]:
    """The query of `params`; each value that does not fit is dropped (the list is shown
    without it) and returned, so the page names it and the API refuses it. `sorts` is the
    list's whitelist of sort columns; `defaults` the list's own (its default sort)."""
    raw = {k: v for k, v in params.items() if k in ListQuery.model_fields}
    bad: list[BadParam] = []
    while True:
        try:
            query = ListQuery(**{**defaults, **raw})
            break
        except ValidationError as exc:
            names = {str(e["loc"][0]) for e in exc.errors()}
            bad += [BadParam(n, raw.pop(n)) for n in sorted(names) if n in raw]
            if not names & set(defaults):
                continue
            raise  # a list's own default is wrong: a programming error
    if query.sort not in sorts:
        if query.sort:
            bad.append(BadParam("sort", query.sort))
        query.sort = defaults.get("sort", sorts[0])
    if query.since and query.until and query.since > query.until:
        bad.append(BadParam("until", str(query.until)))
        query.until = None
    return query, bad


@dataclass
class Page:
    """One page of a list: its rows, how many match in all, and the query that asked."""

    rows: list[dict[str, Any]]
    total: int
    query: ListQuery
    path: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def first(self) -> int:
        return 0 if not self.total else (self.query.page - 1) * self.query.size + 1

    @property
    def last(self) -> int:
        return min(self.total, self.query.page * self.query.size)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.query.size))

    def url(self, **changes: Any) -> str:
        return self.query.url(self.path, **changes)

    def sort_url(self, column: str) -> str:
        """A header's link: sorts by `column`, flipping the direction when already sorted by it."""
        flip = "asc" if self.direction == "desc" else "desc"
        return self.url(sort=column, dir=flip if self.query.sort == column else "", page=1)

    @property
    def direction(self) -> str:
        return self.query.dir or self.extra.get("default_dir", "asc")

    def json(self) -> dict[str, Any]:
        q = self.query
        return {
            "total": self.total,
            "page": q.page,
            "size": q.size,
            "sort": q.sort,
            "dir": self.direction,
            "items": self.rows,
        }


@dataclass(frozen=True)
class NullsLast:
    """A sort key whose empty values come last whichever way the list is sorted (SQLite and
    PostgreSQL would otherwise put NULLs at different ends); NULLS LAST, not an IS NULL
    key, so the planner can still read the order from an index."""

    column: ColumnElement


def _run(
    s: Session,
    base: Select,
    query: ListQuery,
    order: Mapping[str, Sequence[ColumnElement]],
    default_dir: str,
    path: str,
) -> Page:
    """Count `base`, then fetch one sorted page of it. Each sort ends on an id so pages never
    overlap."""
    total = s.scalar(select(func.count()).select_from(base.order_by(None).subquery())) or 0
    direction = query.dir or default_dir

    def key(c: ColumnElement | NullsLast) -> ColumnElement:
        if isinstance(c, NullsLast):
            return key(c.column).nulls_last()
        return c.desc() if direction == "desc" else c.asc()

    keys = [key(c) for c in order[query.sort]]
    last_page = max(1, math.ceil(total / query.size))
    if query.page > last_page:  # past the end (a bookmark of a shrunk list): the last page
        query.page = last_page
    rows = s.execute(base.order_by(*keys).limit(query.size).offset((query.page - 1) * query.size))
    page = Page([dict(r._mapping) for r in rows], total, query, path)
    page.extra["default_dir"] = default_dir
    return page


def _like(term: str) -> str:
    escaped = term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _start_of(day: date) -> datetime:
    """The UTC moment the site's local `day` starts (Kota Kupang: Asia/Makassar)."""
    return datetime.combine(day, time(), settings.current().zone).astimezone(UTC)


def _day_bounds(column: ColumnElement, query: ListQuery) -> list[ColumnElement]:
    """`column` (a UTC moment) within the local days since..until, both included."""
    out = []
    if query.since:
        out.append(column >= _start_of(query.since))
    if query.until:
        out.append(column < _start_of(query.until + timedelta(days=1)))
    return out


def _late(now: datetime) -> ColumnElement:
    """Flagged overdue by the daily sweep, or past its due date already (staff.is_late)."""
    return or_(Application.overdue.is_(True), Application.due_at < now)


# --- what waits on the system: its automated step due (stages.mark) --------------------

# Resumed after RESUME_AFTER (flows/resume.py, every minute), so a case waits on the system
# longer than SYSTEM_LATE only when resuming it failed too: the dashboard shows those.
RESUME_AFTER = timedelta(minutes=2)
SYSTEM_LATE = timedelta(minutes=5)


def waiting_on_system(s: Session, longer_than: timedelta) -> list[int]:
    """Applications whose automated step has been due longer than that, oldest first (from
    the index on system_since alone)."""
    return list(
        s.scalars(
            select(Application.id)
            .where(Application.system_since < clock.now() - longer_than)
            .order_by(Application.system_since)
        )
    )


def system_late(s: Session) -> int:
    """How many wait on the system longer than SYSTEM_LATE (the dashboard's count)."""
    cutoff = clock.now() - SYSTEM_LATE
    return s.scalar(select(func.count()).where(Application.system_since < cutoff)) or 0


# --- applications: the officials' list of every application -----------------------------

APPLICATION_SORTS = ("submitted", "created", "changed", "due", "number", "business")


def _application_rows(late: ColumnElement) -> Select:
    """The columns an application shows in the officials' lists (all applications, and
    the dashboard's awaited ones), with its business."""
    return select(
        Application.id,
        Application.number,
        Application.product,
        Application.state,
        Application.brand,
        Application.awaiting_role,
        Application.awaiting_action,
        Application.created_at,
        Application.submitted_at,
        Application.state_changed_at,
        Application.due_at,
        Application.overdue,
        late.label("late"),
        Business.name.label("business"),
        Business.nib,
    ).join(Business, Business.id == Application.business_id)


def applications(s: Session, query: ListQuery, path: str = "/official/applications") -> Page:
    """Every application, searched by number, business name or NIB, filtered by product,
    state, whom it waits on, overdue, open and submission days."""
    now = clock.now()
    late = _late(now)
    base = _application_rows(late)
    where: list[ColumnElement] = []
    if query.q:
        term = query.q
        like = _like(term)
        options = [
            func.lower(Application.number).like(like, escape="\\"),
            func.lower(Business.name).like(like, escape="\\"),
        ]
        if term.isdigit():
            options.append(Business.nib.startswith(term, autoescape=True))
        where.append(or_(*options))
    if query.product:
        where.append(Application.product == query.product)
    if query.state:
        where.append(Application.state == query.state)
    if query.waiting:
        where.append(Application.awaiting_role == query.waiting)
    if query.open:
        where.append(Application.state.notin_([x.value for x in FINAL]))
    if query.late:
        where.append(and_(late, Application.state.notin_([x.value for x in FINAL])))
    if query.system:
        where.append(Application.system_since < now - SYSTEM_LATE)
    where += _day_bounds(Application.submitted_at, query)
    order = {
        "submitted": (NullsLast(Application.submitted_at), Application.id),
        "created": (Application.created_at, Application.id),
        "changed": (Application.state_changed_at, Application.id),
        "due": (NullsLast(Application.due_at), Application.id),
        "number": (Application.number,),
        "business": (Business.name, Application.id),
    }
    default_dir = "asc" if query.sort in ("due", "number", "business", "changed") else "desc"
    return _run(s, base.where(*where), query, order, default_dir, path)


def awaited(s: Session, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Open applications, the overdue first, then by due date (none last), then the longest
    in their stage; at most `limit` of them, and how many there are in all."""
    late = _late(clock.now())
    base = _application_rows(late).where(Application.state.notin_([x.value for x in FINAL]))
    total = s.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = s.execute(
        base.order_by(
            func.coalesce(late, False).desc(),
            Application.due_at.is_(None),
            Application.due_at,
            Application.state_changed_at,
            Application.id,
        ).limit(limit)
    )
    return [dict(r._mapping) for r in rows], total


def counts(s: Session) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
    """Applications per product and state, and how many of them are overdue (open ones)."""
    now = clock.now()
    total: dict[str, dict[str, int]] = {}
    late: dict[str, dict[str, int]] = {}
    late_n = func.sum(
        cast(and_(_late(now), Application.state.notin_([x.value for x in FINAL])), Integer)
    )
    for product, state, n, m in s.execute(
        select(Application.product, Application.state, func.count(), late_n).group_by(
            Application.product, Application.state
        )
    ):
        total.setdefault(product, {})[state] = n
        late.setdefault(product, {})[state] = int(m or 0)
    return total, late


# --- an applicant's own applications (/me) -------------------------------------------------

MINE_SORTS = ("yours", "created", "changed", "due", "number")


def mine(
    s: Session, business_id: int | None, query: ListQuery, path: str = "/me", every: bool = False
) -> Page:
    """The applications of one business (`business_id`; none without one), or `every`
    application for staff who see every case; searched by number or brand, filtered by product and
    state."""
    base = select(
        Application.id,
        Application.number,
        Application.product,
        Application.brand,
        Application.state,
        Application.awaiting_role,
        Application.awaiting_action,
        Application.due_at,
        Application.overdue,
        Application.state_changed_at,
        Application.created_at,
    )
    where: list[ColumnElement] = []
    if not every:
        where.append(Application.business_id == business_id)  # NULL: matches none
    if query.q:
        like = _like(query.q)
        where.append(
            or_(
                func.lower(Application.number).like(like, escape="\\"),
                func.lower(Application.brand).like(like, escape="\\"),
            )
        )
    if query.product:
        where.append(Application.product == query.product)
    if query.state:
        where.append(Application.state == query.state)
    # "yours": those awaiting the applicant first, then the newest
    turn = case((Application.awaiting_role == Role.APPLICANT.value, 1), else_=0)
    order = {
        "yours": (turn, Application.created_at, Application.id),
        "created": (Application.created_at, Application.id),
        "changed": (Application.state_changed_at, Application.id),
        "due": (NullsLast(Application.due_at), Application.id),
        "number": (Application.number,),
    }
    default_dir = "desc" if query.sort in ("yours", "created", "changed") else "asc"
    return _run(s, base.where(*where), query, order, default_dir, path)


# --- the officials' payment checks ------------------------------------------------------

PAYMENT_SORTS = ("waiting", "number", "business", "total")


def payments(s: Session, query: ListQuery, path: str = "/official/payments") -> Page:
    """Applications whose proof of payment awaits an official, with their invoice; searched
    by number, business name or invoice number."""
    base = (
        select(
            Application.id,
            Application.number,
            Application.product,
            Application.due_at,
            Application.state_changed_at,
            _late(clock.now()).label("late"),
            Business.name.label("business"),
            Invoice.number.label("invoice"),
            Invoice.total_idr,
        )
        .join(Business, Business.id == Application.business_id)
        .join(Invoice, Invoice.application_id == Application.id)
        .where(Application.state == State.PAYMENT_CHECK.value)
    )
    where = []
    if query.q:
        like = _like(query.q)
        where.append(
            or_(
                *(
                    func.lower(c).like(like, escape="\\")
                    for c in (Application.number, Business.name, Invoice.number)
                )
            )
        )
    if query.product:
        where.append(Application.product == query.product)
    order = {
        "waiting": (Application.state_changed_at, Application.id),
        "number": (Application.number,),
        "business": (Business.name, Application.id),
        "total": (Invoice.total_idr, Application.id),
    }
    return _run(s, base.where(*where), query, order, "asc", path)


# --- the lab verifier's queue -------------------------------------------------------------

VERIFY_SORTS = ("entered", "application", "parameter")


def _in_testing() -> ColumnElement:
    """Results of an application in testing, or of a surveillance in testing."""
    return or_(
        and_(SurveillanceCase.id.is_(None), Application.state == State.TESTING.value),
        SurveillanceCase.status == State.TESTING.value,
    )


def verification(s: Session, me: int, query: ListQuery, path: str = "/lab/verify") -> Page:
    """Results awaiting verification that someone other than `me` entered; `extra["mine"]`
    counts those I entered (someone else verifies them)."""
    base = (
        select(
            LabResult.id,
            LabResult.application_id,
            LabResult.surveillance_case_id,
            LabResult.parameter_id,
            LabResult.attempt,
            LabResult.value_text,
            LabResult.unit,
            LabResult.uncertainty,
            LabResult.method,
            LabResult.verdict,
            LabResult.entered_at,
            LabResult.analyst_id,
            Application.number,
            Application.product,
            SurveillanceCase.cycle,
            User.name.label("analyst"),
        )
        .join(Application, Application.id == LabResult.application_id)
        .join(Sample, Sample.id == LabResult.sample_id)
        .join(User, User.id == LabResult.analyst_id)
        .outerjoin(SurveillanceCase, SurveillanceCase.id == LabResult.surveillance_case_id)
        .where(LabResult.status == "entered", _in_testing(), Sample.status != "rejected")
    )
    mine = s.scalar(
        select(func.count()).select_from(base.where(LabResult.analyst_id == me).subquery())
    )
    where = [LabResult.analyst_id != me]
    if query.q:
        like = _like(query.q)
        where.append(
            or_(
                func.lower(Application.number).like(like, escape="\\"),
                func.lower(LabResult.parameter_id).like(like, escape="\\"),
            )
        )
    if query.product:
        where.append(Application.product == query.product)
    where += _day_bounds(LabResult.entered_at, query)
    order = {
        "entered": (LabResult.entered_at, LabResult.id),
        "application": (Application.number, LabResult.id),
        "parameter": (LabResult.parameter_id, LabResult.id),
    }
    page = _run(s, base.where(*where), query, order, "asc", path)
    page.extra["mine"] = mine or 0
    return page


def checklists_of(s: Session, rows: list[dict[str, Any]]) -> dict[tuple[int, int | None], dict]:
    """The checklist snapshot of each application or surveillance on one page: the
    parameters' names and requirements live there. One query each, bounded by the page."""
    app_ids = {r["application_id"] for r in rows if r["surveillance_case_id"] is None}
    case_ids = {r["surveillance_case_id"] for r in rows} - {None}
    out: dict[tuple[int, int | None], dict] = {}
    if app_ids:
        for i, snap in s.execute(
            select(Application.id, Application.checklist_snapshot).where(
                Application.id.in_(app_ids)
            )
        ):
            out[(i, None)] = snap or {}
    if case_ids:
        for i, app_id, snap in s.execute(
            select(SurveillanceCase.id, Application.id, SurveillanceCase.checklist_snapshot)
            .join(Certificate, Certificate.id == SurveillanceCase.certificate_id)
            .join(Application, Application.id == Certificate.application_id)
            .where(SurveillanceCase.id.in_(case_ids))
        ):
            out[(app_id, i)] = snap or {}
    return out


# --- the lab's worklist ---------------------------------------------------------------------

LAB_SORTS = ("due", "number", "business")
TRANSIT_SHOWN = 50  # samples in transit on the worklist, the longest on the way first


def lab_testing(s: Session, query: ListQuery, path: str = "/lab") -> Page:
    """Applications and surveillances in testing as one list (a surveillance under its
    certificate's number), searched by number or business name, filtered by product and
    overdue; what each still misses is `lab_progress` of the page."""
    now = clock.now()
    own = (
        select(
            Application.id.label("application_id"),
            cast(None, Integer).label("surveillance_case_id"),
            Application.number.label("number"),
            Application.number.label("application"),
            Application.product,
            cast(None, Integer).label("cycle"),
            Application.due_at,
            Application.state_changed_at.label("since"),
            _late(now).label("late"),
            Business.name.label("business"),
        )
        .join(Business, Business.id == Application.business_id)
        .where(Application.state == State.TESTING.value)
    )
    surveillance = (
        select(
            Application.id,
            SurveillanceCase.id,
            Certificate.number,
            Application.number,
            Application.product,
            SurveillanceCase.cycle,
            SurveillanceCase.due_at,
            func.coalesce(SurveillanceCase.state_changed_at, SurveillanceCase.opened_at),
            SurveillanceCase.due_at < now,
            Business.name,
        )
        .join(Certificate, Certificate.id == SurveillanceCase.certificate_id)
        .join(Application, Application.id == Certificate.application_id)
        .join(Business, Business.id == Application.business_id)
        .where(SurveillanceCase.status == State.TESTING.value)
    )
    w = own.union_all(surveillance).subquery("work")
    where: list[ColumnElement] = []
    if query.q:
        like = _like(query.q)
        where.append(
            or_(
                *(
                    func.lower(c).like(like, escape="\\")
                    for c in (w.c.number, w.c.application, w.c.business)
                )
            )
        )
    if query.product:
        where.append(w.c.product == query.product)
    if query.late:
        where.append(w.c.late.is_(True))
    tie = (w.c.application_id, w.c.surveillance_case_id)
    order = {
        "due": (NullsLast(w.c.due_at), w.c.since, *tie),
        "number": (w.c.number, *tie),
        "business": (w.c.business, *tie),
    }
    return _run(s, select(w).where(*where), query, order, "asc", path)


def lab_progress(s: Session, rows: list[dict[str, Any]]) -> None:
    """Fill each row of a `lab_testing` page with what it misses: samples to receive, and
    per checklist parameter whether it awaits entry, verification or is done (its latest
    result verified). Three queries for the page, whatever its size."""
    app_ids = {r["application_id"] for r in rows}
    if not app_ids:
        return
    checklists = checklists_of(s, rows)
    latest: dict[tuple[int, int | None], dict[str, tuple[int, str]]] = {}
    for app_id, case_id, parameter, result_id, status in s.execute(
        select(
            LabResult.application_id,
            LabResult.surveillance_case_id,
            LabResult.parameter_id,
            LabResult.id,
            LabResult.status,
        )
        .join(Sample, Sample.id == LabResult.sample_id)
        .where(
            LabResult.application_id.in_(app_ids),
            # the samples of the page's cases only (else PostgreSQL hashes every sample)
            Sample.application_id.in_(app_ids),
            Sample.status != SampleState.REJECTED,
        )
        .order_by(LabResult.attempt)
    ):
        latest.setdefault((app_id, case_id), {})[parameter] = (result_id, status)
    sealed: dict[tuple[int, int | None], list[str]] = {}
    for app_id, case_id, code in s.execute(
        select(Sample.application_id, Sample.surveillance_case_id, Sample.code)
        .where(Sample.application_id.in_(app_ids), Sample.status == SampleState.SEALED)
        .order_by(Sample.seq)
    ):
        sealed.setdefault((app_id, case_id), []).append(code)
    for row in rows:
        key = (row["application_id"], row["surveillance_case_id"])
        results = latest.get(key, {})
        row["to_receive"] = sealed.get(key, [])
        row["to_enter"], row["to_verify"], row["done"] = [], [], 0
        parameters = checklists.get(key, {}).get("parameters", [])
        for p in parameters:
            result_id, status = results.get(p["id"], (None, None))
            if status is None or status in (ResultState.RETRACTED, ResultState.RETEST_REQUESTED):
                row["to_enter"].append(p)
            elif status == ResultState.ENTERED:
                row["to_verify"].append({**p, "result_id": result_id})
            elif status == ResultState.VERIFIED:
                row["done"] += 1
        row["total"] = len(parameters)


def lab_transit(s: Session, limit: int = TRANSIT_SHOWN) -> tuple[list[dict[str, Any]], int]:
    """Sealed samples on their way to the lab for a case in testing, the longest on the way
    first; at most `limit`, and how many there are in all. The longest transit allowed is
    read from the frozen plan in SQL (the surveillance's, else the product's)."""
    plan_hours = func.coalesce(
        SurveillanceCase.plan["sampling_plan"]["max_transit_hours"].as_integer(),
        Application.product_snapshot["sampling_plan"]["max_transit_hours"].as_integer(),
    )
    base = (
        select(
            Sample.id,
            Sample.code,
            Sample.purpose,
            Sample.units,
            Sample.amount,
            Sample.taken_at,
            Sample.location,
            Sample.surveillance_case_id,
            Sample.application_id,
            Application.number.label("application"),
            plan_hours.label("max_hours"),
        )
        .join(Application, Application.id == Sample.application_id)
        .outerjoin(SurveillanceCase, SurveillanceCase.id == Sample.surveillance_case_id)
        .where(Sample.status == SampleState.SEALED, _in_testing())
    )
    total = s.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = s.execute(base.order_by(Sample.taken_at, Sample.id).limit(limit))
    return [dict(r._mapping) for r in rows], total
