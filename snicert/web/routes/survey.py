"""The satisfaction survey (SKM): the applicant's form for a closed case, its API twin, and
the public summary (page and JSON). No rule lives here: snicert/services/skm.py.

The public summary shows figures only: no business, no person, no comment.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from snicert import clock, settings, survey
from snicert.catalog import default_catalog
from snicert.db import engine as db
from snicert.db.models import Application, SkmSurvey, User
from snicert.errors import InvalidInput, SnicertError, http_status
from snicert.roles import Role
from snicert.services import skm
from snicert.services.guards import application
from snicert.web.access import OwnCase
from snicert.web.api import Id
from snicert.web.auth import Actor
from snicert.web.forms import Fields
from snicert.web.i18n import lang_of, refusal
from snicert.web.pages import page

router = APIRouter()


def _own_case(s: Session, who: Actor, app_id: int) -> Application:
    """The case (the caller may see it: OwnCase); the form is its applicant's."""
    if Role.APPLICANT not in who.roles:
        raise HTTPException(403, "the survey is answered by the case's applicant")
    return application(s, app_id)


def _form(
    request: Request,
    who: Actor,
    app: Application,
    row: SkmSurvey | None,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    return page(
        request,
        "survey_form.html.j2",
        status_code=status_code,
        who=who,
        app=app,
        survey=row,
        answered=skm.scores_of(row) if row is not None else {},
        questionnaire=survey.questionnaire(),
        errors=errors or {},
        form=form or {},
    )


@router.get("/applications/{app_id}/survey", response_class=HTMLResponse, include_in_schema=False)
def survey_page(request: Request, app_id: Id, c: OwnCase) -> Response:
    with db.reading() as s:
        app = _own_case(s, c.who, app_id)
        return _form(request, c.who, app, skm.of_application(s, app.id))


@router.post("/applications/{app_id}/survey", include_in_schema=False)
def survey_answer_page(request: Request, app_id: Id, c: OwnCase, form: Fields) -> Response:
    """A score per element of the questionnaire (`score_<id>`, data) and a comment."""
    return _answer_form(request, c.who, app_id, form.fields)


def _answer_form(request: Request, who: Actor, app_id: int, form: dict[str, str]) -> Response:
    scores = {e.id: form.get(f"score_{e.id}", "") for e in survey.questionnaire().elements}
    with db.reading() as s:
        _own_case(s, who, app_id)
    try:
        with db.transaction() as s:
            skm.answer(s, s.get(User, who.user_id), app_id, scores, form.get("comment"))
    except SnicertError as exc:
        with db.reading() as s:
            app = _own_case(s, who, app_id)
            field = exc.field if isinstance(exc, InvalidInput) else "survey"
            return _form(
                request,
                who,
                app,
                skm.of_application(s, app.id),
                status_code=http_status(exc),
                errors={field: refusal(exc, lang_of(request))},
                form=form,
            )
    return RedirectResponse(f"/applications/{app_id}/survey", status_code=303)


# ---------------------------------------------------------------- API


class SurveyIn(BaseModel):
    """One answer to the satisfaction survey of a closed case: a score for each of the
    nine elements (ids as in GET /api/v1/skm/questionnaire), and an optional comment."""

    scores: dict[str, int] = Field(
        description="element id -> score 1 (worst) to 4 (best), every element once",
        examples=[{e.id: 4 for e in survey.questionnaire().elements}],
    )
    comment: str | None = Field(None, description="optional, at most 2000 characters")


class SurveyOut(BaseModel):
    application_id: int
    state: str = Field(description="invited or answered")
    invited_at: str
    answered_at: str | None
    scores: dict[str, int]


def _survey_json(row: SkmSurvey) -> SurveyOut:
    return SurveyOut(
        application_id=row.application_id,
        state=row.state,
        invited_at=row.invited_at.isoformat(),
        answered_at=row.answered_at.isoformat() if row.answered_at else None,
        scores=skm.scores_of(row),
    )


@router.get("/api/v1/applications/{app_id}/survey", tags=["survey"])
def survey_api(app_id: Id, c: OwnCase) -> SurveyOut:
    """The satisfaction survey of a closed case (404 while the case is open)."""
    with db.reading() as s:
        row = skm.of_application(s, app_id)
        if row is None:
            raise HTTPException(404, f"application {app_id} has no survey: it is still open")
        return _survey_json(row)


@router.post("/api/v1/applications/{app_id}/survey", tags=["survey"], status_code=201)
def survey_answer_api(app_id: Id, body: SurveyIn, c: OwnCase) -> SurveyOut:
    """Answer the survey of one of your closed cases, once (a second answer is 409)."""
    with db.transaction() as s:
        return _survey_json(skm.answer(s, c.user(s), app_id, body.scores, body.comment))


# ---------------------------------------------------------------- public summary


class ElementOut(BaseModel):
    element: str
    code: str = Field(description="U1-U9, the regulation's numbering")
    name: str = Field(description="in Bahasa Indonesia")
    answers: int
    mean: Decimal | None = Field(description="mean score 1-4, half-up to two decimals")


class FiguresOut(BaseModel):
    respondents: int
    ikm: Decimal | None = Field(description="25.00-100.00, half-up to two decimals")
    category: str | None = Field(description="A, B, C or D")
    label: str | None = Field(description="the category in Bahasa Indonesia")
    label_en: str | None
    elements: list[ElementOut]


class ProductFiguresOut(FiguresOut):
    product: str


class SkmOut(BaseModel):
    """The satisfaction index (IKM, PermenPANRB 14/2017) of the surveys answered in a
    period (local dates, both included), overall and per product."""

    date_from: date
    date_to: date
    product: str | None
    overall: FiguresOut
    by_product: list[ProductFiguresOut]


def _figures(f: skm.SkmFigures) -> dict[str, Any]:
    q = survey.questionnaire()
    return {
        "respondents": f.respondents,
        "ikm": f.ikm,
        "category": f.category,
        "label": f.label,
        "label_en": f.label_en,
        "elements": [
            ElementOut(
                element=m.element,
                code=m.code,
                name=q.element(m.element).name.id,
                answers=m.answers,
                mean=m.mean,
            )
            for m in f.elements
        ],
    }


def _period(date_from: date | None, date_to: date | None) -> tuple[date, date]:
    """Default: the last twelve months up to today (site time zone)."""
    today = clock.now().astimezone(settings.current().zone).date()
    date_to = date_to or today
    return date_from or (date_to - timedelta(days=364)), date_to


def _summary(date_from: date | None, date_to: date | None, product: str) -> skm.SkmSummary:
    start, end = _period(date_from, date_to)
    with db.reading() as s:
        return skm.summary(s, start, end, product or None)


@router.get("/api/v1/skm", tags=["public"])
def skm_api(
    date_from: date | None = Query(None, description="first day (default: a year before date_to)"),
    date_to: date | None = Query(None, description="last day, included (default: today)"),
    product: str = Query("", description="a product code; empty for all", max_length=64),
) -> SkmOut:
    """The public satisfaction summary: IKM, category and respondents per period and
    product; no comment and nothing about who answered."""
    result = _summary(date_from, date_to, product)
    return SkmOut(
        date_from=result.date_from,
        date_to=result.date_to,
        product=result.product,
        overall=FiguresOut(**_figures(result)),
        by_product=[
            ProductFiguresOut(product=code, **_figures(f)) for code, f in result.by_product.items()
        ],
    )


@router.get("/skm", response_class=HTMLResponse, include_in_schema=False)
def skm_page(
    request: Request,
    date_from: str = "",
    date_to: str = "",
    product: str = "",
) -> HTMLResponse:
    products = [(c, p.name) for c, p in sorted(default_catalog().products.items())]
    error = None
    try:
        start = date.fromisoformat(date_from) if date_from else None
        end = date.fromisoformat(date_to) if date_to else None
        result = _summary(start, end, product[:64])
    except (ValueError, InvalidInput):  # the page comes back for the default period
        error = "skm_bad_period"
        result = _summary(None, None, "")
    return page(
        request,
        "skm_summary.html.j2",
        status_code=422 if error else 200,
        result=result,
        products=products,
        questionnaire=survey.questionnaire(),
        error=error,
    )
