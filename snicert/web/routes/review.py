"""The management review for officials: the page (with the meeting's decisions and
actions), its files, and the same through the API."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from snicert import clock, settings
from snicert.db import engine as db
from snicert.db.models import ReviewAction
from snicert.errors import InvalidInput
from snicert.services import review, review_actions
from snicert.services.text import LONG_TEXT
from snicert.web.access import Caller, Official
from snicert.web.api import Id
from snicert.web.forms import PageForm
from snicert.web.headers import REPORT_POLICY
from snicert.web.i18n import lang_of, refusal, translator
from snicert.web.pages import page
from snicert.web.routes.staff import StaffRoute, see_other

router = APIRouter(route_class=StaffRoute)
DEFAULT_DAYS = 90  # the page opens on the last 90 days

FileFormat = Literal["html", "pdf", "xlsx"]


def _default_period() -> tuple[str, str]:
    today = clock.now().astimezone(settings.current().zone).date()
    return (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat(), today.isoformat()


def _review_page(
    request: Request,
    c: Caller,
    start: str,
    end: str,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    from snicert.review.charts import inline_svgs

    lang = lang_of(request)
    period_errors: dict[str, str] = {}
    m, charts = None, {}
    try:
        period = review.parse_period(start, end)
    except InvalidInput as exc:
        period_errors[exc.field] = refusal(exc, lang_of(request))
        status_code = 422
    else:
        with db.reading() as s:
            m = review.build(s, period, lang)
        charts = inline_svgs(m, translator(lang))
    return page(
        request,
        "management_review.html.j2",
        status_code=status_code,
        who=c.who,
        m=m,
        charts=charts,
        period_from=start,
        period_to=end,
        period_errors=period_errors,
        errors=errors or {},
        form={"kind": "action", "text": "", "owner": "", "due_on": "", **(form or {})},
        forms=True,
    )


@router.get("/management-review", response_class=HTMLResponse, include_in_schema=False)
def review_page(
    request: Request,
    c: Official,
    start: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=40)] = None,
) -> HTMLResponse:
    default_start, default_end = _default_period()
    return _review_page(request, c, start or default_start, end or default_end)


def _file(m: dict[str, Any], fmt: str, lang: str) -> Response:
    from snicert.review.formats import FORMATS, filename, renderer

    headers = {"Content-Disposition": f'attachment; filename="{filename(m, fmt)}"'}
    if fmt == "html":
        headers["Content-Security-Policy"] = REPORT_POLICY
    return Response(renderer(fmt)(m, lang), media_type=FORMATS[fmt][0], headers=headers)


@router.get("/management-review/file.{fmt}", include_in_schema=False)
def review_file(
    request: Request,
    c: Official,
    fmt: FileFormat,
    start: Annotated[str, Query(alias="from", max_length=40)] = "",
    end: Annotated[str, Query(alias="to", max_length=40)] = "",
) -> Response:
    period = review.parse_period(start, end)  # refused: the staff refusal page, 422
    lang = lang_of(request)
    with db.reading() as s:
        m = review.build(s, period, lang)
    return _file(m, fmt, lang)


class ReviewActionForm(PageForm):
    """An action of the review of the period `from`..`to` (or, completing or reopening
    one, its note)."""

    from_: str = Field("", alias="from")
    to: str = ""
    kind: str = ""
    text: str = ""
    owner: str | None = None
    due_on: str | None = None
    note: str = ""


@router.post("/management-review/actions", include_in_schema=False)
def record_action_form(
    request: Request, c: Official, f: Annotated[ReviewActionForm, Form()]
) -> Response:
    start, end = f.from_, f.to
    period = review.parse_period(start, end)
    error = c.attempt(
        lambda s, user: review_actions.record(s, user, period, f.kind, f.text, f.owner, f.due_on)
    )
    if error is not None:
        return _review_page(request, c, start, end, 422, {error.field: str(error)}, f.typed())
    return see_other(f"/management-review?from={period.start}&to={period.end}#g")


@router.post("/management-review/actions/{action_id}/{step}", include_in_schema=False)
def change_action_form(
    request: Request,
    c: Official,
    action_id: Id,
    step: Literal["complete", "reopen"],
    f: Annotated[ReviewActionForm, Form()],
) -> Response:
    start, end = f.from_, f.to
    error = c.attempt(lambda s, user: review_actions.change(s, user, action_id, step, f.note))
    if error is not None:
        return _review_page(request, c, start, end, 422, {error.field: str(error)})
    return see_other(f"/management-review?from={start}&to={end}#a")


# --- API ------------------------------------------------------------------------------


class ReviewActionIn(BaseModel):
    """A decision (text only) or an action (text, owner, due date) of the review of the
    period `from`..`to`."""

    model_config = {"populate_by_name": True}
    start: date = Field(alias="from")
    end: date = Field(alias="to")
    kind: Literal["decision", "action"]
    text: str = Field(max_length=LONG_TEXT)
    owner: str | None = Field(default=None, max_length=200)
    due_on: date | None = None


class ActionStep(BaseModel):
    """What was done (complete) or why it is reopened (reopen)."""

    note: str = Field(max_length=LONG_TEXT)


class ReviewActionOut(BaseModel):
    id: int
    review_from: date
    review_to: date
    kind: str
    text: str
    owner: str | None
    due_on: date | None
    status: str
    outcome: str | None


class PeriodOut(BaseModel):
    start: date
    end: date


class ManagementReview(BaseModel):
    """Every figure of the review: each `{now, before}` pair is this period's value and the
    previous period's (same length, just before). Lead times and ages in working days."""

    period: PeriodOut
    previous: PeriodOut
    generated_at: str
    products: dict[str, str]
    flow: list[dict[str, Any]]
    stages: list[dict[str, Any]]
    end_to_end: list[dict[str, Any]]
    waiting: list[dict[str, Any]]
    longest: list[dict[str, Any]]
    nonconformities: list[dict[str, Any]]
    lab_failures: list[dict[str, Any]]
    lab_work: dict[str, Any]
    refusals: dict[str, Any]
    certificates: list[dict[str, Any]]
    certificate_events: list[dict[str, Any]]
    surveillance: dict[str, Any]
    overdue: dict[str, Any]
    workload: list[dict[str, Any]]
    workload_by_role: list[dict[str, Any]]
    satisfaction: list[dict[str, Any]]
    site_audits: dict[str, Any] | None
    complaints: list[dict[str, Any]]
    checklists_approved: list[dict[str, Any]]
    provisional_criteria: int
    improvement: list[dict[str, Any]]
    actions: dict[str, list[dict[str, Any]]]
    on_time_target: float


def _action_out(a: ReviewAction) -> ReviewActionOut:
    return ReviewActionOut.model_validate(a, from_attributes=True)


@router.get(
    "/api/v1/reports/management-review",
    tags=["official"],
    response_model=ManagementReview,
    responses={
        200: {
            "content": {
                "text/html": {},
                "application/pdf": {},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
            },
            "description": "The review as JSON, or as a file in the format asked for",
        }
    },
)
def review_api(
    c: Official,
    start: Annotated[date, Query(alias="from", description="first day, YYYY-MM-DD")],
    end: Annotated[date, Query(alias="to", description="last day, YYYY-MM-DD")],
    format: Literal["json", "html", "pdf", "xlsx"] = "json",  # noqa: A002 (the query's name)
    lang: Literal["id", "en"] = "id",
) -> Any:
    """The management review of the period (the previous period of the same length
    beside every figure), as JSON or as an HTML, PDF or XLSX file."""
    period = review.parse_period(start, end)
    with db.reading() as s:
        m = review.build(s, period, lang)
    if format != "json":
        return _file(m, format, lang)
    return {
        **m,
        "period": PeriodOut(start=period.start, end=period.end),
        "previous": PeriodOut(start=m["previous"].start, end=m["previous"].end),
    }


@router.post(
    "/api/v1/reports/management-review/actions",
    tags=["official"],
    status_code=201,
    response_model=ReviewActionOut,
)
def record_action_api(body: ReviewActionIn, c: Official) -> ReviewActionOut:
    """Record a decision or an action (owner, due date) of the review of a period."""
    period = review.parse_period(body.start, body.end)
    with db.transaction() as s:
        row = review_actions.record(
            s, c.user(s), period, body.kind, body.text, body.owner, body.due_on
        )
        return _action_out(row)


@router.post(
    "/api/v1/reports/management-review/actions/{action_id}/{step}",
    tags=["official"],
    response_model=ReviewActionOut,
)
def change_action_api(
    action_id: Id, step: Literal["complete", "reopen"], body: ActionStep, c: Official
) -> ReviewActionOut:
    """Mark an open action done (saying what was done) or reopen a done one (saying why)."""
    with db.transaction() as s:
        return _action_out(review_actions.change(s, c.user(s), action_id, step, body.note))
