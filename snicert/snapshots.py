"""The product and checklist snapshots an application (or a surveillance case, or a site
audit) keeps as JSON, read back as the catalog's own pydantic models: attributes with
types, not string keys (a misspelt key is an AttributeError the type checker sees, not a
KeyError in production).

Each JSON value is validated once per loaded object: the model is kept beside the dict it
was read from and read again only when the column holds another dict.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from snicert.catalog.models import AuditChecklist, Checklist, Product, SurveillancePlan

M = TypeVar("M", bound=BaseModel)
_CACHE = "_snicert_snapshots"


def _read(row: Any, column: str, model: type[M]) -> M:
    data = getattr(row, column)
    if data is None:
        raise ValueError(f"{type(row).__name__} {row.id} has no {column} yet")
    # the dict itself is kept beside its model: compared by identity, never by a reused id
    cache: dict[str, tuple[Any, BaseModel]] = row.__dict__.setdefault(_CACHE, {})
    hit = cache.get(column)
    if hit is not None and hit[0] is data:
        return hit[1]  # type: ignore[return-value]
    parsed = model.model_validate(data)
    cache[column] = (data, parsed)
    return parsed


def product(app: Any) -> Product:
    """The product definition as it was when the application was submitted."""
    return _read(app, "product_snapshot", Product)


def checklist(row: Any) -> Checklist:
    """The lab checklist an application (or a surveillance case) is judged against."""
    return _read(row, "checklist_snapshot", Checklist)


def audit_checklist(audit: Any) -> AuditChecklist:
    """The site-audit checklist a site audit was planned with."""
    return _read(audit, "checklist_snapshot", AuditChecklist)


def surveillance_plan(case: Any) -> SurveillancePlan:
    """A surveillance case's plan as frozen when it started (its sampling plan filled in)."""
    return _read(case, "plan", SurveillancePlan)
