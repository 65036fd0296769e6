"""Pages and API routes for lab work: the worklist, sample reception, result entry from the
application's checklist snapshot and the four-eyes verification queue. A certificate's
surveillance samples and results stand beside the applications' (lab.Work), with their
own page per surveillance case (/lab/surveillance/{id})."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert import queries
from snicert.catalog import default_catalog
from snicert.db import engine as db
from snicert.db.models import Application, Certificate, LabResult, Sample, User
from snicert.errors import (
    Conflict,
    IllegalTransition,
    InvalidInput,
    MayNotAct,
    NotFound,
    SeparationOfDuties,
    http_status,
)
from snicert.judgment import possible_values, requirement_text
from snicert.lifecycle import ResultState, State
from snicert.roles import Role
from snicert.services import lab, papers
from snicert.services.guards import submitted_case
from snicert.services.text import limit_of
from snicert.web.access import Caller, allow
from snicert.web.api import MAX_ID, Id, Nothing
from snicert.web.forms import Fields, PageForm, ReasonForm
from snicert.web.i18n import lang_of, refusal, translator
from snicert.web.pages import page
from snicert.web.routes.lists import api_query, page_query, product_filter, product_names
from snicert.web.routes.staff import StaffRoute, app_summary, see_other

LabStaff = Annotated[Caller, Depends(allow(Role.LAB_ANALYST, Role.LAB_VERIFIER))]
Analyst = Annotated[Caller, Depends(allow(Role.LAB_ANALYST))]
Verifier = Annotated[Caller, Depends(allow(Role.LAB_VERIFIER))]

router = APIRouter(route_class=StaffRoute)

# --- what the lab sees --------------------------------------------------------------------


def _name(names: dict[str, str] | str, lang: str) -> str:
    return names if isinstance(names, str) else names.get(lang) or names.get("id", "")


def _status(latest: LabResult | None) -> str:
    if latest is None:
        return "none"
    if latest.status == ResultState.RETEST_REQUESTED:
        return "retest"
    return latest.status  # entered | verified | retracted


def parameter_rows(
    s: Session, app: Application | lab.Work, lang: str = "id"
) -> list[dict[str, Any]]:
    """Every parameter of the checklist snapshot (the application's, or its surveillance's)
    with its results so far."""
    w = app if isinstance(app, lab.Work) else lab.Work(app)
    history: dict[str, list[LabResult]] = defaultdict(list)
    # results of rejected samples never count
    for r in lab.results(s, w.app.id, surveillance=w.case_id):
        history[r.parameter_id].append(r)
    counted = lab.counted_results(s, w)
    units, to = default_catalog().units, translator(lang)("lab_to")
    rows = []
    for p in w.checklist.parameters if w.checklist else []:
        past = history.get(p.id, [])
        latest = past[-1] if past else None
        shown = p.model_dump(mode="json")  # the judgment module reads the JSON form
        possible = possible_values(shown, units)
        rows.append(
            {
                "id": p.id,
                "name": _name(shown["name"], lang),
                "unit": p.unit,
                "requirement": requirement_text(shown["requirement"]),
                # the values a result can take (None: results are words)
                "possible": possible.shown(to) if possible else None,
                "possible_values": (
                    {"min": _json_bound(possible.min), "max": _json_bound(possible.max)}
                    if possible
                    else None
                ),
                "method": p.method,
                "provisional": p.source.status == "provisional",
                "history": past,
                "latest": latest,
                "counted": counted.get(p.id),
                "status": _status(latest),
                "open": latest is None or lab.open_for_entry(latest),
            }
        )
    return rows


def _json_bound(d: Decimal | None) -> str | None:
    """A bound as JSON keeps the checklist's limits: exact decimal text."""
    return None if d is None else str(d)


def _sample_json(x: Sample) -> dict[str, Any]:
    return {
        "id": x.id,
        "code": x.code,
        "application_id": x.application_id,
        "surveillance_case_id": x.surveillance_case_id,
        "purpose": x.purpose,
        "units": x.units,
        "amount": x.amount,
        "container": x.container,
        "status": x.status,
        "taken_at": x.taken_at,
        "location": x.location,
    }


def _result_json(r: LabResult) -> dict[str, Any]:
    return {
        "id": r.id,
        "application_id": r.application_id,
        "surveillance_case_id": r.surveillance_case_id,
        "sample_id": r.sample_id,
        "parameter": r.parameter_id,
        "attempt": r.attempt,
        "value": r.value_text,
        "unit": r.unit,
        "uncertainty": r.uncertainty,
        "method": r.method,
        "instrument": r.instrument,
        "tested_on": r.tested_on,
        "verdict": r.verdict,
        "status": r.status,
        "retest_requested": r.status == ResultState.RETEST_REQUESTED,
        "note": r.note,
        "analyst_id": r.analyst_id,
        "entered_at": r.entered_at,
        "verified_by": r.verified_by,
        "verified_at": r.verified_at,
    }


def lab_link(w: lab.Work) -> str:
    """The lab's page of an application, or of one of its certificate's surveillances."""
    return _case_link(w.app.id, w.case_id)


def _case_link(application_id: int, surveillance_case_id: int | None) -> str:
    if surveillance_case_id is not None:
        return f"/lab/surveillance/{surveillance_case_id}"
    return f"/lab/applications/{application_id}"


def worklist(
    s: Session, query: queries.ListQuery, lang: str = "id"
) -> tuple[list[dict[str, Any]], int, queries.Page]:
    """The samples in transit (the longest on the way first, at most
    queries.TRANSIT_SHOWN of them, and how many in all), and one page of the applications
    and surveillances in testing with what each misses; lists built in SQL."""
    transit, in_transit = queries.lab_transit(s)
    for x in transit:
        x["link"] = _case_link(x["application_id"], x["surveillance_case_id"])
    found = queries.lab_testing(s, query)
    queries.lab_progress(s, found.rows)
    names = product_names(lang)
    for row in found.rows:
        row["link"] = _case_link(row["application_id"], row["surveillance_case_id"])
        row["product_name"] = names.get(row["product"], row["product"])
        for p in row["to_enter"] + row["to_verify"]:
            p["shown"] = _name(p.get("name", p["id"]), lang)
    return transit, in_transit, found


VERIFY_PATH = "/lab/verify"


def verification_queue(
    s: Session, me: int, query: queries.ListQuery, lang: str = "id"
) -> queries.Page:
    """One page of the results awaiting verification that others entered (filtered, sorted
    and counted in SQL); each row named from its checklist snapshot, read once per case on
    the page."""
    found = queries.verification(s, me, query, VERIFY_PATH)
    checklists = queries.checklists_of(s, found.rows)
    for row in found.rows:
        checklist = checklists.get((row["application_id"], row["surveillance_case_id"]), {})
        p = {x["id"]: x for x in checklist.get("parameters", [])}.get(row["parameter_id"], {})
        row["link"] = (
            f"/lab/surveillance/{row['surveillance_case_id']}"
            if row["surveillance_case_id"]
            else f"/lab/applications/{row['application_id']}"
        )
        row["name"] = _name(p.get("name", row["parameter_id"]), lang)
        row["requirement"] = requirement_text(p["requirement"]) if p else ""
        row["expected_unit"] = p.get("unit")
        row["provisional"] = p.get("source", {}).get("status") == "provisional"
    return found


# --- result entry: many rows, one transaction -------------------------------------------


class ResultIn(BaseModel):
    """One result row: the parameter's id in the checklist snapshot, the value as written
    (numbers, `< 0.01`, `5 x 10^4`, `negatif`...), its unit, and optional details."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    parameter: str = Field(max_length=limit_of(LabResult.parameter_id))
    value: str = Field(max_length=limit_of(LabResult.value_text))
    unit: str = Field(max_length=limit_of(LabResult.unit))
    uncertainty: str | None = Field(None, max_length=limit_of(LabResult.uncertainty))
    method: str | None = Field(None, max_length=limit_of(LabResult.method))
    instrument: str | None = Field(None, max_length=limit_of(LabResult.instrument))
    tested_on: AwareDatetime | None = None


def _form_key(e: lab.RowError) -> str:
    """Where a row's error stands on the form: next to the value, unit, uncertainty or
    method input of its parameter, or above the row."""
    pid = e.parameter
    if e.field == pid and not e.conflict:
        return f"{pid}.value"
    if e.field.startswith(pid + ".") and e.field[len(pid) + 1 :] in (
        "unit",
        "uncertainty",
        "method",
    ):
        return e.field
    return pid


def _rows_from_form(form: dict[str, str]) -> list[lab.ResultRow]:
    rows = []
    for key, value in form.items():
        if key.endswith(".value") and value.strip():
            pid = key.removesuffix(".value")
            # Not validated here: the service checks each row and the page shows a refusal
            # next to its field (an over-long value too), where a ValidationError could not.
            rows.append(
                lab.ResultRow(
                    parameter=pid,
                    value=value,
                    unit=form.get(f"{pid}.unit", ""),
                    uncertainty=form.get(f"{pid}.uncertainty"),
                    method=form.get(f"{pid}.method"),
                )
            )
    return rows


# --- pages ----------------------------------------------------------------------------


@router.get("/lab", response_class=HTMLResponse, include_in_schema=False)
def worklist_page(request: Request, c: LabStaff) -> HTMLResponse:
    lang = lang_of(request)
    query, bad = page_query(request, queries.LAB_SORTS, sort="due")
    with db.reading() as s:
        transit, in_transit, found = worklist(s, query, lang)
    t = translator(lang)
    return page(
        request,
        "lab_worklist.html.j2",
        who=c.who,
        transit=transit,
        in_transit=in_transit,
        p=found,
        bad=bad,
        filters=[
            product_filter(lang),
            {"name": "late", "label": t("list_late_only"), "type": "check"},
        ],
    )


def _application_page(
    request: Request,
    c: Caller,
    app_id: int | None,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    case_id: int | None = None,
) -> HTMLResponse:
    """The lab's page of an application (`app_id`) or of a surveillance (`case_id`)."""
    lang = lang_of(request)
    with db.reading() as s:
        if case_id is None:
            w = lab.Work(submitted_case(s, app_id))
        else:
            w = lab.work_of_case(s, case_id, lock=False)
        app = w.app
        samples = lab.samples_of(s, app.id, w.case_id)
        custody = {x.id: lab.custody_log(s, x.id) for x in samples}
        people = {
            u.id: u.name
            for u in s.scalars(
                select(User).where(User.id.in_({e.by for log in custody.values() for e in log}))
            )
        }
        rows = parameter_rows(s, w, lang)
        return page(
            request,
            "lab_application.html.j2",
            status_code=status_code,
            who=c.who,
            app=app,
            case=w.case,
            cert=s.get(Certificate, w.case.certificate_id) if w.case else None,
            state=w.state,
            link=lab_link(w),
            product=_name(app.product_snapshot["name"], lang),
            rows=rows,
            samples=samples,
            custody=custody,
            people=people,
            # a surveillance has no test report of its own (yet): the application's is not it
            test_report=w.case is None and papers.test_report(s, app) is not None,
            max_hours=w.plan.max_transit_hours if w.plan else None,
            can_enter=(
                w.state == State.TESTING
                and Role.LAB_ANALYST in c.who.roles
                and any(r["open"] for r in rows)
            ),
            errors=errors or {},
            form=form or {},
        )


@router.get("/lab/applications/{app_id}", response_class=HTMLResponse, include_in_schema=False)
def application_page(request: Request, app_id: Id, c: LabStaff) -> HTMLResponse:
    return _application_page(request, c, app_id)


class ReceiveForm(PageForm):
    seal_number: str = ""
    seal_intact: str = ""  # a checkbox: sent when ticked


@router.post("/lab/samples/{sample_id}/receive", include_in_schema=False)
def receive_page(
    request: Request, sample_id: Id, c: LabStaff, form: Annotated[ReceiveForm, Form()]
) -> Response:
    with db.transaction() as s:
        sample = lab.receive_sample(
            s, c.user(s), sample_id, form.seal_number, seal_intact=bool(form.seal_intact)
        )
        link = lab_link(lab.work(s, sample.application_id, sample.surveillance_case_id))
    return see_other(f"{link}#samples")


@router.get("/lab/surveillance/{case_id}", response_class=HTMLResponse, include_in_schema=False)
def surveillance_page(request: Request, case_id: Id, c: LabStaff) -> HTMLResponse:
    return _application_page(request, c, None, case_id=case_id)


@router.post("/lab/applications/{app_id}/results", include_in_schema=False)
def results_page(request: Request, app_id: Id, c: Analyst, form: Fields) -> Response:
    return _results_form(request, c, form.fields, app_id, None)


@router.post("/lab/surveillance/{case_id}/results", include_in_schema=False)
def surveillance_results_page(request: Request, case_id: Id, c: Analyst, form: Fields) -> Response:
    with db.reading() as s:
        app_id = lab.work_of_case(s, case_id, lock=False).app.id
    return _results_form(request, c, form.fields, app_id, case_id)


def _results_form(
    request: Request, c: Caller, sent: dict[str, str], app_id: int, case_id: int | None
) -> Response:
    """One row per parameter: `<id>.value`, `<id>.unit`, `<id>.uncertainty`..."""
    rows = _rows_from_form(sent)
    page_id = None if case_id else app_id
    try:
        with db.transaction() as s:
            lab.record_results(s, c.user(s), app_id, rows, case_id)
    except lab.RowErrors as exc:
        errors = {}
        for e in exc.errors:
            errors.setdefault(_form_key(e), refusal(e.refused, lang_of(request)))
        return _application_page(
            request, c, page_id, exc.status, errors=errors, form=sent, case_id=case_id
        )
    except InvalidInput as exc:  # no row at all: said above the table
        errors = {"": refusal(exc, lang_of(request))}
        return _application_page(
            request, c, page_id, 422, form=sent, errors=errors, case_id=case_id
        )
    where = f"/lab/surveillance/{case_id}" if case_id else f"/lab/applications/{app_id}"
    return see_other(f"{where}#results")


def _verify_page(
    request: Request,
    c: Caller,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    outcome: dict[str, Any] | None = None,
) -> HTMLResponse:
    query, bad = page_query(request, queries.VERIFY_SORTS, sort="entered")
    with db.reading() as s:
        queue = verification_queue(s, c.who.user_id, query, lang_of(request))
    return page(
        request,
        "lab_verify.html.j2",
        status_code=status_code,
        who=c.who,
        p=queue,
        bad=bad,
        errors=errors or {},
        form=form or {},
        outcome=outcome,
    )


@router.get(VERIFY_PATH, response_class=HTMLResponse, include_in_schema=False)
def verify_queue_page(request: Request, c: Verifier) -> HTMLResponse:
    return _verify_page(request, c)


@router.post("/lab/results/{result_id}/verify", include_in_schema=False)
def verify_page(request: Request, result_id: Id, c: Verifier) -> Response:
    with db.transaction() as s:
        lab.verify_result(s, c.user(s), result_id)
    return see_other(VERIFY_PATH)


def _selected(form: dict[str, str]) -> list[int]:
    """The result ids ticked on the queue (checkboxes named result.<id>), or every one the
    page showed ("verify all on this page": no script needed to tick them all)."""
    if form.get("all") == "1":
        shown = form.get("shown", "").split(",")
        return [int(x) for x in shown if x.isdigit() and len(x) < 10]
    ids = []
    for key in form:
        head, _, tail = key.partition(".")
        if head == "result" and tail.isdigit() and len(tail) < 10:
            ids.append(int(tail))
    return ids


def refusal_text(exc: Exception, lang: str) -> str:
    """Why one result of a bulk verification was not verified, in the person's words."""
    t = translator(lang)
    if isinstance(exc, MayNotAct):
        return refusal(exc, lang)
    if isinstance(exc, SeparationOfDuties):
        return t("lab_bulk_own")
    if isinstance(exc, Conflict | IllegalTransition):  # acted on meanwhile
        return t("lab_bulk_gone")
    if isinstance(exc, NotFound):
        return t("lab_bulk_missing")
    return refusal(exc, lang)


@router.post(VERIFY_PATH, response_class=HTMLResponse, include_in_schema=False)
def bulk_verify_page(request: Request, c: Verifier, form: Fields) -> HTMLResponse:
    """Verify every result ticked on the queue; those refused are named with their reason."""
    lang = lang_of(request)
    ids = _selected(form.fields)
    if not ids:
        return _verify_page(request, c, 422, errors={"": translator(lang)("lab_bulk_none")})
    with db.transaction() as s:
        done, refused = lab.verify_results(s, c.user(s), ids)
        outcome = {
            "verified": len(done),
            "refused": [
                {"id": x.result_id, "reason": refusal_text(x.error, lang)} for x in refused
            ],
        }
    return _verify_page(request, c, outcome=outcome)


def _judge_page(request: Request, result_id: int, c: Caller, action: str, reason: str) -> Response:
    act = lab.retract_result if action == "retract" else lab.request_retest
    if exc := c.attempt(lambda s, user: act(s, user, result_id, reason)):
        return _verify_page(
            request,
            c,
            422,
            errors={f"{result_id}.{action}": refusal(exc, lang_of(request))},
            form={f"{result_id}.{action}": reason},
        )
    return see_other(VERIFY_PATH)


@router.post("/lab/results/{result_id}/retract", include_in_schema=False)
def retract_page(
    request: Request, result_id: Id, c: Verifier, form: Annotated[ReasonForm, Form()]
) -> Response:
    return _judge_page(request, result_id, c, "retract", form.reason)


@router.post("/lab/results/{result_id}/retest", include_in_schema=False)
def retest_page(
    request: Request, result_id: Id, c: Verifier, form: Annotated[ReasonForm, Form()]
) -> Response:
    return _judge_page(request, result_id, c, "retest", form.reason)


# --- JSON API -------------------------------------------------------------------------


class ReceiveIn(BaseModel):
    seal_number: str = Field(max_length=limit_of(Sample.seal_number))
    seal_intact: bool
    received_at: AwareDatetime | None = None


class ReasonIn(BaseModel):
    reason: str = Field(max_length=limit_of(LabResult.note))


@router.get("/api/v1/lab/worklist", tags=["lab"])
def worklist_api(
    request: Request,
    c: LabStaff,
    q: str = "",
    product: str = "",
    late: bool = False,
    sort: str = "due",
    dir: str = "",  # noqa: A002 - the query parameter's name
    page: int = 1,
    size: int = 50,
) -> dict[str, Any]:
    """Samples in transit to receive (the longest on the way first, at most 50;
    `in_transit_total` counts them all), and one page of the applications and
    surveillances in testing with what each misses: searched (number, business),
    filtered (product, late), sorted (due, number, business; dir asc|desc) and paged
    (size at most 200). A parameter that does not fit is refused with 422 naming it."""
    query = api_query(request, queries.LAB_SORTS, sort="due")
    with db.reading() as s:
        transit, in_transit, found = worklist(s, query)
    keep = ("id", "code", "application_id", "surveillance_case_id", "purpose", "units")
    return {
        "in_transit": [
            {
                **{k: x[k] for k in keep},
                "amount": x["amount"],
                "taken_at": x["taken_at"],
                "location": x["location"],
                "application": x["application"],
                "max_transit_hours": x["max_hours"],
            }
            for x in transit
        ],
        "in_transit_total": in_transit,
        **found.json(),
        "items": [
            {
                "application_id": x["application_id"],
                "surveillance_case_id": x["surveillance_case_id"],
                "number": x["number"],
                "application": x["application"],
                "product": x["product"],
                "cycle": x["cycle"],
                "due_at": x["due_at"],
                "late": bool(x["late"]),
                "business": x["business"],
                "samples_to_receive": x["to_receive"],
                "parameters_to_enter": [p["id"] for p in x["to_enter"]],
                "results_to_verify": [p["result_id"] for p in x["to_verify"]],
                "parameters_done": x["done"],
                "parameters": x["total"],
            }
            for x in found.rows
        ],
    }


@router.get("/api/v1/lab/applications/{app_id}", tags=["lab"])
def application_api(app_id: Id, c: LabStaff) -> dict[str, Any]:
    """An application's samples and every checklist parameter with its results so far."""
    with db.reading() as s:
        return _work_json(s, lab.Work(submitted_case(s, app_id)))


@router.get("/api/v1/lab/surveillance/{case_id}", tags=["lab"])
def surveillance_api(case_id: Id, c: LabStaff) -> dict[str, Any]:
    """A surveillance's samples and every parameter of its plan with its results so far."""
    with db.reading() as s:
        return _work_json(s, lab.work_of_case(s, case_id, lock=False))


def _work_json(s: Session, w: lab.Work) -> dict[str, Any]:
    app = w.app
    return {
        **app_summary(app),
        "surveillance_case_id": w.case_id,
        "surveillance_status": w.case.status if w.case else None,
        "samples": [_sample_json(x) for x in lab.samples_of(s, app.id, w.case_id)],
        "parameters": [
            {
                "id": r["id"],
                "name": r["name"],
                "unit": r["unit"],
                "requirement": r["requirement"],
                "possible_values": r["possible_values"],
                "provisional": r["provisional"],
                "status": r["status"],
                "open_for_entry": r["open"],
                "counted": _result_json(r["counted"]) if r["counted"] else None,
                "results": [_result_json(x) for x in r["history"]],
            }
            for r in parameter_rows(s, w)
        ],
    }


@router.post("/api/v1/samples/{sample_id}/receive", tags=["lab"])
def receive_api(sample_id: Id, body: ReceiveIn, c: LabStaff) -> dict[str, Any]:
    """Receive a sealed sample. A broken or different seal, or a transit too long, rejects
    the round's samples (status `rejected`) and sends the case back to sampling."""
    with db.transaction() as s:
        sample = lab.receive_sample(
            s, c.user(s), sample_id, body.seal_number, body.seal_intact, body.received_at
        )
        return {
            **_sample_json(sample),
            "application": app_summary(submitted_case(s, sample.application_id)),
        }


@router.post("/api/v1/applications/{app_id}/results", tags=["lab"], status_code=201)
def results_api(app_id: Id, rows: list[ResultIn], c: Analyst) -> Any:
    """Enter results (one transaction): all rows are stored, or none and every refused row
    is named in `errors`."""
    return _results_json(app_id, rows, c, None)


def _results_json(app_id: int, rows: list[ResultIn], c: Caller, case_id: int | None) -> Any:
    try:
        with db.transaction() as s:
            stored = lab.record_results(
                s, c.user(s), app_id, [lab.ResultRow(**r.model_dump()) for r in rows], case_id
            )
            return {"results": [_result_json(r) for r in stored]}
    except lab.RowErrors as exc:
        return JSONResponse(
            {
                "detail": str(exc),
                "errors": [
                    {"parameter": e.parameter, "field": e.field, "message": str(e.refused)}
                    for e in exc.errors
                ],
            },
            status_code=exc.status,
        )


@router.post("/api/v1/surveillance/{case_id}/results", tags=["lab"], status_code=201)
def surveillance_results_api(case_id: Id, rows: list[ResultIn], c: Analyst) -> Any:
    """Enter a surveillance's results (one transaction), as for an application."""
    with db.reading() as s:
        app_id = lab.work_of_case(s, case_id, lock=False).app.id
    return _results_json(app_id, rows, c, case_id)


@router.get("/api/v1/lab/verification", tags=["lab"])
def verification_api(
    request: Request,
    c: Verifier,
    q: str = "",
    product: str = "",
    since: str = "",
    until: str = "",
    sort: str = "entered",
    dir: str = "",  # noqa: A002 - the query parameter's name
    page: int = 1,
    size: int = 50,
) -> dict[str, Any]:
    """Results awaiting verification that someone else entered: searched (application
    number, parameter), filtered (product, entered since/until), sorted (entered,
    application, parameter; dir asc|desc) and paged (size at most 200). A parameter that
    does not fit is refused (422) naming it."""
    query = api_query(request, queries.VERIFY_SORTS, sort="entered")
    with db.reading() as s:
        queue = verification_queue(s, c.who.user_id, query)
    body = queue.json()
    body["items"] = [
        {
            "id": x["id"],
            "parameter_id": x["parameter_id"],
            "attempt": x["attempt"],
            "value_text": x["value_text"],
            "unit": x["unit"],
            "uncertainty": x["uncertainty"],
            "method": x["method"],
            "verdict": x["verdict"],
            "entered_at": x["entered_at"],
            "application": x["number"],
            "surveillance_case_id": x["surveillance_case_id"],
            "name": x["name"],
            "requirement": x["requirement"],
            "analyst": x["analyst"],
        }
        for x in queue.rows
    ]
    body["mine_awaiting_others"] = queue.extra["mine"]
    return body


class BulkVerifyIn(BaseModel):
    """The results to verify in one go (at most 200)."""

    results: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        min_length=1, max_length=lab.BULK_LIMIT
    )


@router.post("/api/v1/results/verify", tags=["lab"])
def bulk_verify_api(body: BulkVerifyIn, c: Verifier) -> dict[str, Any]:
    """Verify many results at once (four eyes per result). Those that may not be verified
    are listed in `refused` with the reason; the others are verified, each with its own
    audit event, all in one transaction."""
    with db.transaction() as s:
        done, refused = lab.verify_results(s, c.user(s), body.results)
        return {
            "verified": [_result_json(r) for r in done],
            "refused": [
                {
                    "id": x.result_id,
                    "reason": str(x.error),
                    "status": http_status(x.error),
                }
                for x in refused
            ],
        }


@router.post("/api/v1/results/{result_id}/verify", tags=["lab"])
def verify_api(result_id: Id, c: Verifier, nothing: Nothing = None) -> dict[str, Any]:
    """Verify a result someone else entered (four eyes)."""
    with db.transaction() as s:
        return _result_json(lab.verify_result(s, c.user(s), result_id))


@router.post("/api/v1/results/{result_id}/retract", tags=["lab"])
def retract_api(result_id: Id, body: ReasonIn, c: Verifier) -> dict[str, Any]:
    """Retract a result: it never counts and the parameter must be entered again."""
    with db.transaction() as s:
        return _result_json(lab.retract_result(s, c.user(s), result_id, body.reason))


@router.post("/api/v1/results/{result_id}/retest", tags=["lab"])
def retest_api(result_id: Id, body: ReasonIn, c: Verifier) -> dict[str, Any]:
    """Keep the result and ask for the parameter to be tested again."""
    with db.transaction() as s:
        return _result_json(lab.request_retest(s, c.user(s), result_id, body.reason))
