"""The officials' list of every application (search, filters, sort, pages), page and API.

Lists are read models (snicert.queries); this module only reads the query parameters and
renders. A parameter that does not fit is ignored on a page (and named there, in the
person's language) and refused by the API (422 naming it), so a bookmark never breaks a page
and a script never silently gets another list than it asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from snicert import queries
from snicert.catalog import default_catalog
from snicert.db import engine as db
from snicert.errors import InvalidInput
from snicert.lifecycle import State
from snicert.roles import Role
from snicert.web.access import Official
from snicert.web.i18n import lang_of, translator
from snicert.web.pages import page
from snicert.web.routes.staff import StaffRoute

router = APIRouter(route_class=StaffRoute)

# Where an official acts on an application in each state (else its case page).
ACTION_PAGES = {
    State.PAYMENT_CHECK: "/official/payments/",
    State.DOCUMENT_REVIEW: "/review/",
    State.NONCONFORMITY: "/review/",
    State.SITE_AUDIT: "/site-audit/",
    State.EVALUATION: "/evaluation/",
    State.DECISION: "/decision/",
    State.APPROVED: "/decision/",
    State.REFUSED: "/decision/",
}
WAITING_ROLES = tuple(r.value for r in Role)


def page_query(
    request: Request, sorts: Sequence[str], **defaults: Any
) -> tuple[queries.ListQuery, list[queries.BadParam]]:
    """A page's list query: what does not fit is dropped and named on the page."""
    return queries.parse(request.query_params, sorts, **defaults)


def api_query(request: Request, sorts: Sequence[str], **defaults: Any) -> queries.ListQuery:
    """An API list's query: what does not fit is refused (422), naming the parameter."""
    query, bad = queries.parse(request.query_params, sorts, **defaults)
    if bad:
        b = bad[0]
        if b.name == "sort":
            raise InvalidInput(b.name, b.value, "err_choose", choices=", ".join(sorts))
        raise InvalidInput(b.name, b.value, "err_not_understood")
    return query


def link_of(row: dict[str, Any]) -> str:
    where = ACTION_PAGES.get(State(row["state"]))
    return f"{where}{row['id']}" if where else f"/applications/{row['id']}"


def product_names(lang: str) -> dict[str, str]:
    return {
        code: p.name.model_dump().get(lang) or p.name.model_dump()["id"]
        for code, p in sorted(default_catalog().products.items())
    }


def product_filter(lang: str) -> dict[str, Any]:
    """The product filter every list offers (the list macro's select)."""
    options = list(product_names(lang).items())
    return {"name": "product", "label": translator(lang)("product"), "options": options}


def state_filter(lang: str) -> dict[str, Any]:
    t = translator(lang)
    options = [(x.value, t(f"st_{x.value}")) for x in State]
    return {"name": "state", "label": t("apps_state"), "options": options}


def application_filters(lang: str) -> list[dict[str, Any]]:
    t = translator(lang)
    return [
        product_filter(lang),
        state_filter(lang),
        {
            "name": "waiting",
            "label": t("apps_waiting"),
            "options": [(r, t(f"role_{r}")) for r in WAITING_ROLES],
        },
        {"name": "since", "label": t("list_p_since"), "type": "date"},
        {"name": "until", "label": t("list_p_until"), "type": "date"},
        {"name": "open", "label": t("list_open_only"), "type": "check"},
        {"name": "late", "label": t("list_late_only"), "type": "check"},
        {"name": "system", "label": t("system_late"), "type": "check"},
    ]


@router.get("/official/applications", response_class=HTMLResponse, include_in_schema=False)
def applications_page(request: Request, c: Official) -> HTMLResponse:
    lang = lang_of(request)
    query, bad = page_query(request, queries.APPLICATION_SORTS, sort="submitted")
    with db.reading() as s:
        found = queries.applications(s, query)
    for row in found.rows:
        row["link"] = link_of(row)
    return page(
        request,
        "official_applications.html.j2",
        who=c.who,
        p=found,
        bad=bad,
        filters=application_filters(lang),
        products=product_names(lang),
    )


@router.get("/api/v1/official/applications", tags=["official"])
def applications_api(
    request: Request,
    c: Official,
    q: str = "",
    product: str = "",
    state: str = "",
    waiting: str = "",
    late: bool = False,
    open: bool = False,  # noqa: A002 - the query parameter's name
    system: bool = False,  # waiting on the system longer than 5 minutes
    since: str = "",
    until: str = "",
    sort: str = "submitted",
    dir: str = "",  # noqa: A002
    page: int = 1,
    size: int = 50,
) -> dict[str, Any]:
    """Every application, searched (number, business name, NIB), filtered, sorted
    (submitted, created, changed, due, number, business; dir asc|desc) and paged (size
    at most 200). Parameters are declared for the documentation; one that does not fit
    is refused with 422 naming it."""
    query = api_query(request, queries.APPLICATION_SORTS, sort="submitted")
    with db.reading() as s:
        found = queries.applications(s, query)
    return found.json()
