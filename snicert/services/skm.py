"""The satisfaction survey (SKM, PermenPANRB 14/2017): the applicant of a closed case
(certified, refused or withdrawn) is invited, answers the nine elements once, and the IKM
is computed per product and period (snicert/survey.py holds the questionnaire and the
arithmetic).

`invite` is the one way a survey comes to exist: the closing transition calls it
(lifecycle.apply), and notifications may call it again (it returns the existing one).
`summary` is what the public page, the API and the management review read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from snicert import audit, clock, lifecycle, settings, survey
from snicert.catalog import default_catalog
from snicert.db.models import Application, SkmSurvey, User
from snicert.errors import Conflict, InvalidInput
from snicert.lifecycle import FINAL, SURVEY_TRANSITIONS, SurveyState
from snicert.messages import named
from snicert.services import text
from snicert.services.guards import application, require_owner

# The survey lifecycle's named guards (lifecycle.SURVEY_TRANSITIONS): each raises unless
# the actor may take the step on this case.
GUARDS: dict[str, lifecycle.Guard] = {
    "applicant_of_the_case": lambda s, row, actor: require_owner(
        actor, s.get(Application, row.application_id)
    ),
}
MAX_PERIOD_DAYS = 366 * 10  # a summary spans at most ten years
# dates a period may name: far around any answer, and clear of the calendar's ends (where
# the conversion to UTC would overflow)
EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)


def invite(s: Session, app: Application) -> SkmSurvey:
    """Invite the applicant of a closed case to the survey; a second call returns the
    invitation already made. Runs in the caller's transaction and audits the invitation."""
    if app.state not in FINAL:
        raise Conflict("skm_err_open", case=app.number, state=named(f"st_{app.state}"))
    found = s.scalar(select(SkmSurvey).where(SkmSurvey.application_id == app.id))
    if found is not None:
        return found
    row = SkmSurvey(
        application_id=app.id,
        business_id=app.business_id,
        product=app.product,
        state=SurveyState.INVITED.value,
        invited_at=clock.now(),
    )
    s.add(row)
    s.flush()
    audit.record(s, None, "survey.invited", "survey", row.id, app.id, product=app.product)
    return row


def of_application(s: Session, app_id: int) -> SkmSurvey | None:
    return s.scalar(select(SkmSurvey).where(SkmSurvey.application_id == app_id))


def open_invitations(s: Session, user: User) -> list[tuple[SkmSurvey, Application]]:
    """The unanswered surveys of the user's business, oldest first (the prompt on /me)."""
    if user.business_id is None:
        return []
    rows = s.execute(
        select(SkmSurvey, Application)
        .join(Application, Application.id == SkmSurvey.application_id)
        .where(
            SkmSurvey.business_id == user.business_id,
            SkmSurvey.state == SurveyState.INVITED.value,
        )
        .order_by(SkmSurvey.invited_at, SkmSurvey.id)
    ).all()
    return [(sv, app) for sv, app in rows]


def scores_of(row: SkmSurvey) -> dict[str, int]:
    """The answered scores by element id (empty while only invited)."""
    return {
        e.id: getattr(row, e.column)
        for e in survey.questionnaire().elements
        if getattr(row, e.column) is not None
    }


def parse_score(element: str, value: object) -> int:
    """A score 1-4 as typed (form text) or sent (JSON number); anything else is refused
    naming the element."""
    if isinstance(value, str) and value.strip() in ("1", "2", "3", "4"):
        return int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and value in survey.SCORES:
        return value
    if value is None or value == "":
        raise InvalidInput(element, value, "skm_missing")
    raise InvalidInput(element, value, "skm_bad")


def answer(
    s: Session,
    actor: User,
    app_id: int,
    scores: Mapping[str, object],
    comment: str | None = None,
) -> SkmSurvey:
    """Record the applicant's one answer to the survey of a closed case: a score 1-4 for
    every element of the questionnaire and an optional comment. A second answer is
    refused (the lifecycle, and the one survey row per application)."""
    app = application(s, app_id, lock=True)  # two answers at once: the second waits, then fails
    row = of_application(s, app.id)
    if row is None:
        raise Conflict("skm_err_none", case=app.number, state=named(f"st_{app.state}"))
    # refused before the answer is judged when it may not be given (taken below)
    lifecycle.check(row.state, "answer", actor, SURVEY_TRANSITIONS, entity="survey")
    q = survey.questionnaire()
    known = {e.id for e in q.elements}
    for key, value in scores.items():
        if key not in known:
            raise InvalidInput(key, value, "skm_err_element")
    parsed = {e.id: parse_score(e.id, scores.get(e.id)) for e in q.elements}
    comment = text.optional("comment", comment, SkmSurvey.comment, multiline=True)
    # the scores before the state: an answered survey holds all of them (a CHECK constraint)
    row.answered_by = actor.id
    row.answered_at = clock.now()
    row.questionnaire_version = q.version
    row.comment = comment
    for e in q.elements:
        setattr(row, e.column, parsed[e.id])
    lifecycle.transition(
        s,
        row,
        lifecycle.LIFECYCLES["survey"],
        "answer",
        actor,
        GUARDS,
        app.id,
        scores=parsed,
        comment=comment is not None,
    )
    return row


# ---------------------------------------------------------------- the index


@dataclass(frozen=True)
class ElementMean:
    """One element's figures: the sum and count of its scores and their mean (half-up to
    two decimals; None without answers)."""

    element: str
    code: str
    answers: int
    total: int
    mean: Decimal | None


@dataclass(frozen=True)
class SkmFigures:
    """The IKM of one group of answered surveys. `ikm` (25.00-100.00, half-up to two
    decimals), `category` (A-D) and `label` (the regulation's Indonesian words, `label_en`
    in English) are None when nobody answered."""

    respondents: int
    elements: tuple[ElementMean, ...]
    ikm: Decimal | None
    category: str | None
    label: str | None
    label_en: str | None


@dataclass(frozen=True, kw_only=True)
class SkmSummary(SkmFigures):
    """The IKM over a period (local dates, both included), overall or for one product,
    and per product (every product of the catalog, or the one asked for)."""

    date_from: date
    date_to: date
    product: str | None
    by_product: dict[str, SkmFigures]


def figures(sums: Mapping[str, tuple[int, int]], respondents: int) -> SkmFigures:
    """The IKM from each element's (sum of scores, number of scores)."""
    q = survey.questionnaire()
    elements = []
    for e in q.elements:
        total, count = sums.get(e.id, (0, 0))
        mean = survey.rounded(Fraction(total, count)) if count else None
        elements.append(ElementMean(e.id, e.code, count, total, mean))
    if respondents == 0 or any(m.answers == 0 for m in elements):
        return SkmFigures(respondents, tuple(elements), None, None, None, None)
    ikm = survey.ikm([Fraction(m.total, m.answers) for m in elements])
    cat = q.category(ikm)
    return SkmFigures(respondents, tuple(elements), ikm, cat.grade, cat.label.id, cat.label.en)


def period_bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """The UTC instants a period of local dates (site time zone, both days included)
    covers: [start of date_from, start of the day after date_to)."""
    for name, day in (("date_from", date_from), ("date_to", date_to)):
        if not EARLIEST <= day <= LATEST:
            raise InvalidInput(name, day.isoformat(), "err_day_range", first=EARLIEST, last=LATEST)
    if date_to < date_from:
        raise InvalidInput("date_to", date_to.isoformat(), "imp_err_order")
    if (date_to - date_from).days > MAX_PERIOD_DAYS:
        raise InvalidInput("date_to", date_to.isoformat(), "skm_err_period")
    zone = settings.current().zone
    start = datetime.combine(date_from, time(0), zone).astimezone(UTC)
    end = datetime.combine(date_to + timedelta(days=1), time(0), zone).astimezone(UTC)
    return start, end


def _product_filter(product: str | None) -> str | None:
    if product in (None, ""):
        return None
    products = default_catalog().products
    if product not in products:
        raise InvalidInput("product", product, "imp_err_product")
    return product


def summary(s: Session, date_from: date, date_to: date, product: str | None = None) -> SkmSummary:
    """The IKM of the surveys answered from `date_from` to `date_to` (local dates, both
    included), for every product together (or `product` alone) and per product."""
    product = _product_filter(product)
    start, end = period_bounds(date_from, date_to)
    answered = [
        SkmSurvey.state == SurveyState.ANSWERED.value,
        SkmSurvey.answered_at >= start,
        SkmSurvey.answered_at < end,
    ]
    if product:
        answered.append(SkmSurvey.product == product)
    elements = survey.questionnaire().elements
    sums: dict[str, dict[str, tuple[int, int]]] = {}
    respondents: dict[str, int] = {}
    for prod, count, *totals in s.execute(
        select(
            SkmSurvey.product,
            func.count(),
            *(func.sum(getattr(SkmSurvey, e.column)) for e in elements),
        )
        .where(*answered)
        .group_by(SkmSurvey.product)
    ):
        respondents[prod] = count
        sums[prod] = {e.id: (int(t), count) for e, t in zip(elements, totals, strict=True)}
    codes = [product] if product else sorted(default_catalog().products)
    codes += sorted(set(respondents) - set(codes))  # answers for a product since removed
    by_product = {c: figures(sums.get(c, {}), respondents.get(c, 0)) for c in codes}
    overall: dict[str, tuple[int, int]] = {}
    for per in sums.values():
        for element, (total, count) in per.items():
            t0, c0 = overall.get(element, (0, 0))
            overall[element] = (t0 + total, c0 + count)
    whole = figures(overall, sum(respondents.values()))
    return SkmSummary(
        **{f: getattr(whole, f) for f in SkmFigures.__dataclass_fields__},
        date_from=date_from,
        date_to=date_to,
        product=product,
        by_product=by_product,
    )


def comments(
    s: Session, date_from: date, date_to: date, product: str | None = None
) -> list[tuple[datetime, str, str]]:
    """The comments given in a period (answered at, product, comment), oldest first: for
    the LSPro's own review, never shown publicly (they may name people)."""
    product = _product_filter(product)
    start, end = period_bounds(date_from, date_to)
    q = (
        select(SkmSurvey.answered_at, SkmSurvey.product, SkmSurvey.comment)
        .where(
            SkmSurvey.state == SurveyState.ANSWERED.value,
            SkmSurvey.answered_at >= start,
            SkmSurvey.answered_at < end,
            SkmSurvey.comment.is_not(None),
        )
        .order_by(SkmSurvey.answered_at, SkmSurvey.id)
    )
    if product:
        q = q.where(SkmSurvey.product == product)
    return [(at, prod, c) for at, prod, c in s.execute(q)]
