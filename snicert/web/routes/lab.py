"""Pages and API routes for lab work: the worklist, sample reception, result entry from the
application's checklist snapshot and the four-eyes verification queue."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert import clock
from snicert.catalog import default_catalog
from snicert.db import engine as db
from snicert.db.models import Application, LabResult, Sample, User
from snicert.errors import Conflict, InvalidInput
from snicert.judgment import possible_values, requirement_text
from snicert.lifecycle import State
from snicert.roles import Role
from snicert.services import lab, papers
from snicert.services.guards import submitted_case
from snicert.services.text import limit_of
from snicert.web.api import Id
from snicert.web.i18n import lang_of, translator
from snicert.web.pages import page
from snicert.web.routes.staff import (
    Caller,
    StaffRoute,
    allow,
    app_summary,
    is_late,
    see_other,
)

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
    if latest.status == "verified" and latest.retest_requested:
        return "retest"
    return latest.status  # entered | verified | retracted


def parameter_rows(s: Session, app: Application, lang: str = "id") -> list[dict[str, Any]]:
    """Every parameter of the application's checklist snapshot with its results so far."""
    history: dict[str, list[LabResult]] = defaultdict(list)
    for r in lab._results(s, app.id):  # results of rejected samples never count
        history[r.parameter_id].append(r)
    counted = lab.counted_results(s, app)
    units, to = default_catalog().units, translator(lang)("lab_to")
    rows = []
    for p in (app.checklist_snapshot or {}).get("parameters", []):
        past = history.get(p["id"], [])
        latest = past[-1] if past else None
        possible = possible_values(p, units)
        rows.append(
            {
                "id": p["id"],
                "name": _name(p["name"], lang),
                "unit": p["unit"],
                "requirement": requirement_text(p["requirement"]),
                # the values a result can take (None: results are words)
                "possible": possible.shown(to) if possible else None,
                "possible_values": (
                    {"min": _json_bound(possible.min), "max": _json_bound(possible.max)}
                    if possible
                    else None
                ),
                "method": p.get("method"),
                "provisional": p.get("source", {}).get("status") == "provisional",
                "history": past,
                "latest": latest,
                "counted": counted.get(p["id"]),
                "status": _status(latest),
                "open": latest is None or lab._open_for_entry(latest),
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
        "retest_requested": r.retest_requested,
        "note": r.note,
        "analyst_id": r.analyst_id,
        "entered_at": r.entered_at,
        "verified_by": r.verified_by,
        "verified_at": r.verified_at,
    }


def worklist(s: Session, lang: str = "id") -> dict[str, Any]:
    """Samples in transit to receive, and every application in testing with what is missing."""
    transit = s.execute(
        select(Sample, Application)
        .join(Application, Application.id == Sample.application_id)
        .where(Sample.status == "sealed", Application.state == State.TESTING.value)
        .order_by(Sample.taken_at, Sample.id)
    ).all()
    apps = s.scalars(
        select(Application).where(Application.state == State.TESTING.value).order_by(Application.id)
    ).all()
    testing, now = [], clock.now()
    for app in sorted(apps, key=lambda a: (a.due_at is None, a.due_at or a.state_changed_at)):
        rows = parameter_rows(s, app, lang)
        samples = lab.samples_of(s, app.id)
        testing.append(
            {
                "app": app,
                "product": _name(app.product_snapshot["name"], lang),
                "to_receive": [x for x in samples if x.status == "sealed"],
                "to_enter": [r for r in rows if r["open"]],
                "to_verify": [r for r in rows if r["status"] == "entered"],
                "done": sum(
                    1
                    for r in rows
                    if r["counted"] is not None and not r["open"] and r["status"] != "entered"
                ),
                "total": len(rows),
                "late": is_late(app, now),
            }
        )
    return {
        "in_transit": [
            {
                "sample": x,
                "app": a,
                "max_hours": a.product_snapshot["sampling_plan"]["max_transit_hours"],
            }
            for x, a in transit
        ],
        "testing": testing,
    }


def verification_queue(s: Session, me: int, lang: str = "id") -> dict[str, Any]:
    """Results awaiting verification: entered by others (to act on) and by me (count)."""
    found = s.execute(
        select(LabResult, Application)
        .join(Application, Application.id == LabResult.application_id)
        .join(Sample, Sample.id == LabResult.sample_id)
        .where(
            LabResult.status == "entered",
            Application.state == State.TESTING.value,
            Sample.status != "rejected",
        )
        .order_by(LabResult.entered_at, LabResult.id)
    ).all()
    names: dict[int, str] = {}
    items, mine = [], 0
    for r, app in found:
        if r.analyst_id == me:
            mine += 1
            continue
        if r.analyst_id not in names:
            names[r.analyst_id] = s.get(User, r.analyst_id).name
        params = {p["id"]: p for p in app.checklist_snapshot["parameters"]}
        p = params.get(r.parameter_id, {})
        items.append(
            {
                "result": r,
                "app": app,
                "analyst": names[r.analyst_id],
                "name": _name(p.get("name", r.parameter_id), lang),
                "requirement": requirement_text(p["requirement"]) if p else "",
                "expected_unit": p.get("unit"),
                "provisional": p.get("source", {}).get("status") == "provisional",
            }
        )
    return {"items": items, "mine": mine}


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


@dataclass
class RowError:
    parameter: str
    field: str  # the service's field, e.g. "moisture" or "moisture.unit"
    message: str
    conflict: bool = False


class RowErrors(Exception):
    """Some rows were refused: the transaction is rolled back, nothing is stored."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} rows have errors; nothing was stored")
        self.errors = errors

    @property
    def status(self) -> int:
        return 409 if all(e.conflict for e in self.errors) else 422


def record_rows(s: Session, user: User, app_id: int, rows: list[ResultIn]) -> list[LabResult]:
    """Each row its own service call in the caller's transaction; any refused row raises
    RowErrors (naming every refused row) so the whole transaction rolls back."""
    stored, errors = [], []
    for row in rows:
        row.parameter = row.parameter.strip()
        try:
            stored.append(
                lab.record_result(
                    s,
                    user,
                    app_id,
                    row.parameter,
                    row.value,
                    row.unit,
                    uncertainty=(row.uncertainty or "").strip() or None,
                    method=(row.method or "").strip() or None,
                    instrument=(row.instrument or "").strip() or None,
                    tested_on=row.tested_on,
                )
            )
        except InvalidInput as exc:
            errors.append(RowError(row.parameter, exc.field, str(exc)))
        except Conflict as exc:
            errors.append(RowError(row.parameter, row.parameter, str(exc), conflict=True))
    if errors:
        raise RowErrors(errors)
    return stored


def _form_key(e: RowError) -> str:
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


def _rows_from_form(form: dict[str, str]) -> list[ResultIn]:
    rows = []
    for key, value in form.items():
        if key.endswith(".value") and value.strip():
            pid = key.removesuffix(".value")
            # Not validated here: the service checks each row and the page shows a refusal
            # next to its field (an over-long value too), where a ValidationError could not.
            rows.append(
                ResultIn.model_construct(
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
    with db.reading() as s:
        work = worklist(s, lang_of(request))
        return page(request, "lab_worklist.html.j2", who=c.who, work=work)


def _application_page(
    request: Request,
    c: Caller,
    app_id: int,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    lang = lang_of(request)
    with db.reading() as s:
        app = submitted_case(s, app_id)
        samples = lab.samples_of(s, app.id)
        custody = {x.id: lab.custody_log(s, x.id) for x in samples}
        people = {
            u.id: u.name
            for u in s.scalars(
                select(User).where(User.id.in_({e.by for log in custody.values() for e in log}))
            )
        }
        rows = parameter_rows(s, app, lang)
        return page(
            request,
            "lab_application.html.j2",
            status_code=status_code,
            who=c.who,
            app=app,
            product=_name(app.product_snapshot["name"], lang),
            rows=rows,
            samples=samples,
            custody=custody,
            people=people,
            test_report=papers.test_report(s, app) is not None,
            max_hours=app.product_snapshot["sampling_plan"]["max_transit_hours"],
            can_enter=(
                app.state == State.TESTING
                and Role.LAB_ANALYST in c.who.roles
                and any(r["open"] for r in rows)
            ),
            errors=errors or {},
            form=form or {},
        )


@router.get("/lab/applications/{app_id}", response_class=HTMLResponse, include_in_schema=False)
def application_page(request: Request, app_id: Id, c: LabStaff) -> HTMLResponse:
    return _application_page(request, c, app_id)


@router.post("/lab/samples/{sample_id}/receive", include_in_schema=False)
def receive_page(request: Request, sample_id: Id, c: LabStaff) -> Response:
    with db.transaction() as s:
        sample = lab.receive_sample(
            s,
            c.user(s),
            sample_id,
            c.form.get("seal_number", ""),
            seal_intact=bool(c.form.get("seal_intact")),
        )
        app_id = sample.application_id
    return see_other(f"/lab/applications/{app_id}#samples")


@router.post("/lab/applications/{app_id}/results", include_in_schema=False)
def results_page(request: Request, app_id: Id, c: Analyst) -> Response:
    rows = _rows_from_form(c.form)
    if not rows:
        return _application_page(
            request,
            c,
            app_id,
            422,
            form=c.form,
            errors={"": translator(lang_of(request))("lab_err_no_rows")},
        )
    try:
        with db.transaction() as s:
            record_rows(s, c.user(s), app_id, rows)
    except RowErrors as exc:
        errors = {}
        for e in exc.errors:
            errors.setdefault(_form_key(e), e.message)
        return _application_page(request, c, app_id, exc.status, errors=errors, form=c.form)
    return see_other(f"/lab/applications/{app_id}#results")


def _verify_page(
    request: Request,
    c: Caller,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    with db.reading() as s:
        queue = verification_queue(s, c.who.user_id, lang_of(request))
        return page(
            request,
            "lab_verify.html.j2",
            status_code=status_code,
            who=c.who,
            queue=queue,
            errors=errors or {},
            form=form or {},
        )


@router.get("/lab/verify", response_class=HTMLResponse, include_in_schema=False)
def verify_queue_page(request: Request, c: Verifier) -> HTMLResponse:
    return _verify_page(request, c)


@router.post("/lab/results/{result_id}/verify", include_in_schema=False)
def verify_page(request: Request, result_id: Id, c: Verifier) -> Response:
    with db.transaction() as s:
        lab.verify_result(s, c.user(s), result_id)
    return see_other("/lab/verify")


def _judge_page(request: Request, result_id: int, c: Caller, action: str) -> Response:
    act = lab.retract_result if action == "retract" else lab.request_retest
    reason = c.form.get("reason", "")
    if exc := c.attempt(lambda s, user: act(s, user, result_id, reason)):
        return _verify_page(
            request,
            c,
            422,
            errors={f"{result_id}.{action}": str(exc)},
            form={f"{result_id}.{action}": reason},
        )
    return see_other("/lab/verify")


@router.post("/lab/results/{result_id}/retract", include_in_schema=False)
def retract_page(request: Request, result_id: Id, c: Verifier) -> Response:
    return _judge_page(request, result_id, c, "retract")


@router.post("/lab/results/{result_id}/retest", include_in_schema=False)
def retest_page(request: Request, result_id: Id, c: Verifier) -> Response:
    return _judge_page(request, result_id, c, "retest")


# --- JSON API -------------------------------------------------------------------------


class ReceiveIn(BaseModel):
    seal_number: str = Field(max_length=limit_of(Sample.seal_number))
    seal_intact: bool
    received_at: AwareDatetime | None = None


class ReasonIn(BaseModel):
    reason: str = Field(max_length=limit_of(LabResult.note))


@router.get("/api/v1/lab/worklist", tags=["lab"])
def worklist_api(c: LabStaff) -> dict[str, Any]:
    """Samples in transit to receive, and the applications in testing with what is missing."""
    with db.reading() as s:
        work = worklist(s)
        return {
            "in_transit": [
                {
                    **_sample_json(x["sample"]),
                    "application": x["app"].number,
                    "max_transit_hours": x["max_hours"],
                }
                for x in work["in_transit"]
            ],
            "testing": [
                {
                    **app_summary(x["app"]),
                    "samples_to_receive": [y.code for y in x["to_receive"]],
                    "parameters_to_enter": [r["id"] for r in x["to_enter"]],
                    "results_to_verify": [r["latest"].id for r in x["to_verify"]],
                    "parameters_done": x["done"],
                    "parameters": x["total"],
                }
                for x in work["testing"]
            ],
        }


@router.get("/api/v1/lab/applications/{app_id}", tags=["lab"])
def application_api(app_id: Id, c: LabStaff) -> dict[str, Any]:
    """An application's samples and every checklist parameter with its results so far."""
    with db.reading() as s:
        app = submitted_case(s, app_id)
        return {
            **app_summary(app),
            "samples": [_sample_json(x) for x in lab.samples_of(s, app.id)],
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
                for r in parameter_rows(s, app)
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
    if not rows:
        return JSONResponse({"detail": "no results given"}, status_code=422)
    try:
        with db.transaction() as s:
            stored = record_rows(s, c.user(s), app_id, rows)
            return {"results": [_result_json(r) for r in stored]}
    except RowErrors as exc:
        return JSONResponse(
            {
                "detail": str(exc),
                "errors": [
                    {"parameter": e.parameter, "field": e.field, "message": e.message}
                    for e in exc.errors
                ],
            },
            status_code=exc.status,
        )


@router.get("/api/v1/lab/verification", tags=["lab"])
def verification_api(c: Verifier) -> dict[str, Any]:
    """Results awaiting verification that someone else entered."""
    with db.reading() as s:
        queue = verification_queue(s, c.who.user_id)
        return {
            "items": [
                {
                    **_result_json(x["result"]),
                    "application": x["app"].number,
                    "name": x["name"],
                    "requirement": x["requirement"],
                    "analyst": x["analyst"],
                }
                for x in queue["items"]
            ],
            "mine_awaiting_others": queue["mine"],
        }


@router.post("/api/v1/results/{result_id}/verify", tags=["lab"])
def verify_api(result_id: Id, c: Verifier) -> dict[str, Any]:
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
