"""Exports for BSN through the API, for officials: a file download per period and format."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Response

from snicert import export_files
from snicert.db import engine as db
from snicert.roles import Role
from snicert.services.bsn_export import BsnExport, ExportQuery, build
from snicert.web.routes.staff import Caller, StaffRoute, allow

router = APIRouter(route_class=StaffRoute)
Official = Annotated[Caller, Depends(allow(Role.OFFICIAL))]

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


def _download(c: Caller, what: Literal["certificates", "applications"], q: ExportQuery) -> Response:
    with db.transaction() as s:
        export = build(s, c.user(s), what, q)
    return Response(
        export_files.render(export, q.format),
        media_type=export_files.MEDIA_TYPES[q.format],
        headers={
            "Content-Disposition": "attachment; filename*=UTF-8''"
            + quote(export_files.filename(export, q.format)),
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
