"""Sampling officer's pages and API: the worklist of cases to sample (applications and
certificates' surveillances side by side), and recording the samples taken and sealed
(then they travel to the lab)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert import labels
from snicert.db import engine as db
from snicert.db.models import Application, Certificate, Sample
from snicert.lifecycle import State
from snicert.roles import Role
from snicert.services import lab, papers, surveillance
from snicert.services.text import limit_of
from snicert.web.access import Caller, allow
from snicert.web.api import Id
from snicert.web.forms import Fields, FieldsForm
from snicert.web.i18n import error_text, lang_of, refusal
from snicert.web.pages import page
from snicert.web.routes.staff import StaffRoute, see_other

router = APIRouter(route_class=StaffRoute)
Sampler = Annotated[Caller, Depends(allow(Role.SAMPLER))]
LabelReader = Annotated[Caller, Depends(allow(*papers.LABEL_ROLES))]


def worklist(s: Session) -> list[dict[str, Any]]:
    apps = s.scalars(
        select(Application)
        .where(Application.state == State.SAMPLING.value)
        .order_by(Application.due_at)
    ).all()
    works = [lab.Work(app) for app in apps]
    works += [
        lab.work_of_case(s, case.id, lock=False)
        for case in surveillance.cases(s, [State.SAMPLING.value])
    ]
    out = []
    for w in works:
        app, case = w.app, w.case
        planned = [x for x in lab.samples_of(s, app.id, w.case_id) if x.status == "planned"]
        cert = s.get(Certificate, case.certificate_id) if case else None
        out.append(
            {
                "id": app.id,
                # where the form goes, and its element id: one per application or surveillance
                "key": f"surveillance-{case.id}" if case else str(app.id),
                "action": f"/sampling/surveillance/{case.id}" if case else f"/sampling/{app.id}",
                "surveillance_case_id": w.case_id,
                "cycle": case.cycle if case else None,
                "certificate": cert.number if cert else None,
                "number": app.number,
                "product": app.product,
                "product_name": app.product_snapshot["name"]["id"],
                "business": app.business.name,
                "site": app.production_site,
                "due_at": case.due_at if case else app.due_at,
                # the sheet is the application's own samples'; a surveillance's print one by one
                "labels": None if case else f"/sampling/{app.id}/labels.pdf",
                "samples": [
                    {
                        "id": x.id,
                        "code": x.code,
                        "purpose": x.purpose,
                        "units": x.units,
                        "amount": x.amount,
                        "container": x.container,
                        "label": f"/samples/{x.id}/label.png",
                    }
                    for x in planned
                ],
            }
        )
    return out


@router.get("/sampling", response_class=HTMLResponse, include_in_schema=False)
def sampling_page(request: Request, c: Sampler, error: str = "") -> Response:
    with db.reading() as s:
        items = worklist(s)
    return page(
        request,
        "sampling.html.j2",
        who=c.who,
        items=items,
        error=error_text(error, lang_of(request)),
    )


@router.post("/sampling/{app_id}", include_in_schema=False)
def record_page(request: Request, app_id: Id, c: Sampler, form: Fields) -> Response:
    return _record(request, c, form, app_id, None)


@router.post("/sampling/surveillance/{case_id}", include_in_schema=False)
def record_surveillance_page(request: Request, case_id: Id, c: Sampler, form: Fields) -> Response:
    with db.reading() as s:
        app_id = lab.work_of_case(s, case_id, lock=False).app.id
    return _record(request, c, form, app_id, case_id)


def _record(
    request: Request, c: Caller, form: FieldsForm, app_id: int, case_id: int | None
) -> Response:
    """The seals (`seal_<code>`, one per sample of the plan) and where they were taken."""
    sent = form.fields
    seals = {k.removeprefix("seal_"): v for k, v in sent.items() if k.startswith("seal_")}
    if exc := c.attempt(
        lambda s, user: lab.record_sampling(
            s, user, app_id, seals, sent.get("location", ""), surveillance=case_id
        )
    ):
        with db.reading() as s:
            items = worklist(s)
        return page(
            request,
            "sampling.html.j2",
            status_code=422,
            who=c.who,
            items=items,
            error=refusal(exc, lang_of(request)),
            error_app=f"surveillance-{case_id}" if case_id else str(app_id),
        )
    return see_other("/sampling")


def _file(data: bytes, media: str, name: str) -> Response:
    # Rendered on request (the seal and the time taken appear once recorded); opened in
    # the browser to print, never cached: a reprint after sealing must show the seal.
    return Response(
        data,
        media_type=media,
        headers={
            "Content-Disposition": f'inline; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


@router.get("/sampling/{app_id}/labels.pdf", include_in_schema=False)
def labels_sheet(app_id: Id, c: LabelReader) -> Response:
    """The A4 sheet of the case's sample labels (with cut lines), to print before sealing."""
    with db.reading() as s:
        app, items = papers.sheet_labels(s, c.user(s), app_id)
        number, product = app.number, items[0].product
    pdf = labels.label_sheet(items, f"{number} \u00b7 {product}")
    return _file(pdf, "application/pdf", f"{number}-labels.pdf")


@router.get("/samples/{sample_id}/label.png", include_in_schema=False)
def label_png(sample_id: Id, c: LabelReader) -> Response:
    """One sample's label as a PNG (300 dpi, 95 × 45 mm)."""
    with db.reading() as s:
        sample, label = papers.sample_label(s, c.user(s), sample_id)
        code = sample.code
    return _file(labels.sample_label(label), "image/png", f"{code}-label.png")


@router.get("/api/v1/sampling", tags=["sampling"])
def sampling_api(c: Sampler) -> list[dict[str, Any]]:
    """Cases waiting for sampling, with their planned samples."""
    with db.reading() as s:
        return [
            {**i, "due_at": i["due_at"].isoformat() if i["due_at"] else None} for i in worklist(s)
        ]


SealNumber = Annotated[str, Field(max_length=limit_of(Sample.seal_number))]


class SamplingIn(BaseModel):
    """The seal number put on each planned sample (by sample code), and where they were
    taken."""

    seals: dict[str, SealNumber]
    location: str = Field(max_length=limit_of(Sample.location))


@router.post("/api/v1/applications/{app_id}/sampling", tags=["sampling"])
def record_api(app_id: Id, body: SamplingIn, c: Sampler) -> dict[str, Any]:
    """Record the samples as taken and sealed; they then travel to the lab."""
    with db.transaction() as s:
        app = lab.record_sampling(s, c.user(s), app_id, body.seals, body.location)
        return {"id": app.id, "state": app.state}


@router.post("/api/v1/surveillance/{case_id}/sampling", tags=["sampling"])
def record_surveillance_api(case_id: Id, body: SamplingIn, c: Sampler) -> dict[str, Any]:
    """Record a surveillance's samples as taken and sealed; they then travel to the lab."""
    with db.transaction() as s:
        w = lab.work_of_case(s, case_id)
        lab.record_sampling(s, c.user(s), w.app.id, body.seals, body.location, surveillance=case_id)
        return {"id": case_id, "status": w.case.status}
