"""Exports for BSN, for officials: a page with a form (POST, as the export is recorded in
the audit log) and the API (GET with a query); both answer the file as an attachment."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, StreamingResponse
from pydantic import Field, ValidationError

from snicert import clock, export_files, settings
from snicert.db import engine as db
from snicert.messages import has, text
from snicert.services import bsn_export
from snicert.services.bsn_export import BsnExport, ExportQuery
from snicert.web.access import Caller, Official
from snicert.web.forms import PageForm
from snicert.web.i18n import lang_of
from snicert.web.pages import page
from snicert.web.routes.staff import StaffRoute

router = APIRouter(route_class=StaffRoute)

_FILE: dict[int | str, dict[str, Any]] = {
    200: {
        "model": BsnExport,  # the JSON form; its JSON Schema is docs/bsn-export.schema.json
        "description": "The export file by `format` (CSV, XLSX or JSON), as an attachment",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            export_files.MEDIA_TYPES["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
        },
    },
}


def _download(c: Caller, what: str, q: ExportQuery) -> Response:
    """Checked, counted and recorded in the audit log before the answer starts; then the
    file streams from the read transaction that counted it (one snapshot), so a year of
    records never sits in memory as objects or as a whole file."""
    stack = ExitStack()
    try:
        s = stack.enter_context(db.reading())
        bsn_export.snapshot(s)
        prepared = bsn_export.prepare(s, c.user(s), what, q)
        with db.transaction() as w:
            bsn_export.record(w, c.user(w), prepared)
    except BaseException:
        stack.close()
        raise

    def body() -> Iterator[bytes]:
        with stack:
            yield from export_files.stream(prepared)

    return StreamingResponse(
        body(),
        media_type=export_files.MEDIA_TYPES[q.format],
        headers={
            "Content-Disposition": "attachment; filename*=UTF-8''"
            + quote(export_files.filename(prepared, q.format)),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


@router.get(
    "/api/v1/exports/certificates",
    tags=["official"],
    response_class=Response,
    responses=_FILE,
)
def certificates_export(q: Annotated[ExportQuery, Query()], c: Official) -> Response:
    """Certificates issued, suspended, withdrawn and expired in the period (one record per
    event; status and reason as of the period's end), for BSN."""
    return _download(c, "certificates", q)


@router.get(
    "/api/v1/exports/applications",
    tags=["official"],
    response_class=Response,
    responses=_FILE,
)
def applications_export(q: Annotated[ExportQuery, Query()], c: Official) -> Response:
    """Applications received (submitted) in the period, with their state as of its end, for
    BSN."""
    return _download(c, "applications", q)


@router.get("/exports", response_class=HTMLResponse, include_in_schema=False)
def exports_page(request: Request, c: Official) -> HTMLResponse:
    """The form, set to last month's certificates as a workbook."""
    today = clock.now().astimezone(settings.current().zone).date()
    last = today.replace(day=1) - timedelta(days=1)
    form = {"what": "certificates", "from": last.replace(day=1).isoformat(), "to": last.isoformat()}
    return _page(request, c, {**form, "format": "xlsx"})


class ExportForm(PageForm):
    """What to export, for which days and in which format: checked below, so that a
    refusal is said at its field."""

    what: str = ""
    from_: str = Field("", alias="from")
    to: str = ""
    format: str = ""


@router.post("/exports", include_in_schema=False)
def exports_post(request: Request, c: Official, sent: Annotated[ExportForm, Form()]) -> Response:
    form = sent.typed()
    errors: dict[str, str] = {}
    if form["what"] not in ("certificates", "applications"):
        errors["what"] = _error("invalid", {}, lang_of(request))
    try:
        query = ExportQuery.model_validate({k: form[k] for k in ("from", "to", "format")})
    except ValidationError as exc:
        for e in exc.errors():
            field = str(e["loc"][0])
            errors.setdefault(field, _error(e["type"], e.get("ctx") or {}, lang_of(request)))
    if errors:
        return _page(request, c, form, errors, 422)
    return _download(c, form["what"], query)


def _error(kind: str, ctx: dict[str, Any], lang: str) -> str:
    key = f"exp_err_{kind}" if has(f"exp_err_{kind}") else "exp_err_invalid"
    return text(key, lang, **ctx)


def _page(
    request: Request,
    c: Caller,
    form: dict[str, str],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    return page(
        request,
        "official_exports.html.j2",
        status_code=status,
        who=c.who,
        form=form,
        errors=errors or {},
    )
