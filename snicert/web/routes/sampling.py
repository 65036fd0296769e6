"""Sampling officer's pages and API: the worklist of cases to sample, and recording the
samples taken and sealed (then they travel to the lab)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert.db import engine as db
from snicert.db.models import Application, User
from snicert.errors import InvalidInput
from snicert.lifecycle import State
from snicert.roles import Role
from snicert.services import lab
from snicert.web.auth import Actor, actor, check_csrf
from snicert.web.i18n import error_text, lang_of
from snicert.web.pages import page

router = APIRouter()


def _sampler(request: Request) -> Actor | RedirectResponse:
    who = actor(request)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    if Role.SAMPLER not in who.roles:
        raise HTTPException(403, "this page is for sampling officers")
    return who


def worklist(s: Session) -> list[dict[str, Any]]:
    apps = s.scalars(
        select(Application)
        .where(Application.state == State.SAMPLING.value)
        .order_by(Application.due_at)
    ).all()
    out = []
    for app in apps:
        planned = [x for x in lab.samples_of(s, app.id) if x.status == "planned"]
        out.append(
            {
                "id": app.id,
                "number": app.number,
                "product": app.product,
                "business": app.business.name,
                "site": app.production_site,
                "due_at": app.due_at,
                "samples": [
                    {
                        "id": x.id,
                        "code": x.code,
                        "purpose": x.purpose,
                        "units": x.units,
                        "amount": x.amount,
                        "container": x.container,
                    }
                    for x in planned
                ],
            }
        )
    return out


@router.get("/sampling", response_class=HTMLResponse, include_in_schema=False)
def sampling_page(request: Request, error: str = "") -> Response:
    who = _sampler(request)
    if isinstance(who, RedirectResponse):
        return who
    with db.reading() as s:
        items = worklist(s)
    return page(
        request, "sampling.html.j2", who=who, items=items, error=error_text(error, lang_of(request))
    )


@router.post("/sampling/{app_id}", include_in_schema=False)
async def record_page(request: Request, app_id: int) -> Response:
    who = _sampler(request)
    if isinstance(who, RedirectResponse):
        return who
    form = {k: str(v) for k, v in (await request.form()).items()}
    check_csrf(who, form.get("csrf_token"))
    seals = {k.removeprefix("seal_"): v for k, v in form.items() if k.startswith("seal_")}
    try:
        with db.transaction() as s:
            lab.record_sampling(
                s, s.get(User, who.user_id), app_id, seals, form.get("location", "")
            )
    except InvalidInput as exc:
        with db.reading() as s:
            items = worklist(s)
        return page(
            request,
            "sampling.html.j2",
            status_code=422,
            who=who,
            items=items,
            error=str(exc),
            error_app=app_id,
        )
    return RedirectResponse("/sampling", status_code=303)


@router.get("/api/v1/sampling", tags=["sampling"])
def sampling_api(request: Request) -> list[dict[str, Any]]:
    """Cases waiting for sampling, with their planned samples."""
    who = _sampler(request)
    if isinstance(who, RedirectResponse):
        raise HTTPException(401, "sign in first")
    with db.reading() as s:
        return [
            {**i, "due_at": i["due_at"].isoformat() if i["due_at"] else None} for i in worklist(s)
        ]


@router.post("/api/v1/applications/{app_id}/sampling", tags=["sampling"])
async def record_api(request: Request, app_id: int) -> dict[str, Any]:
    """Body: {"seals": {sample code: seal number}, "location": "..."}."""
    who = _sampler(request)
    if isinstance(who, RedirectResponse):
        raise HTTPException(401, "sign in first")
    check_csrf(who, request.headers.get("x-csrf-token"))
    body = await request.json()
    with db.transaction() as s:
        app = lab.record_sampling(
            s,
            s.get(User, who.user_id),
            app_id,
            dict(body.get("seals") or {}),
            str(body.get("location", "")),
        )
        return {"id": app.id, "state": app.state}
