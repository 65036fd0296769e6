"""What the public may see: certificate status and the directory of certified products.

Only what is printed on the certificate itself (holder, site, brand, product, standard,
scheme, dates) and its current status; never contact details, documents or lab data.

Nothing is shown as valid that snicert did not itself record: a row that differs from the
credential signed at issuance, or whose status is not the one its last audit event set
(both changed in the database behind snicert's back), is answered as `untrustworthy`,
without its data.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, func, or_, select
from sqlalchemy.orm import Session

from snicert import audit, clock
from snicert.certs import verify_url
from snicert.certs.record import row_problem
from snicert.db.models import AuditEvent, Business, Certificate
from snicert.lifecycle import CertState
from snicert.services import text

log = logging.getLogger(__name__)
UNTRUSTWORTHY = "untrustworthy"

LISTED = (CertState.ACTIVE.value, CertState.SUSPENDED.value)


def _past_validity(status: str, valid_until: datetime | None) -> bool:
    return status in LISTED and valid_until is not None and valid_until <= clock.now()


def effective_status(cert: Certificate | Row) -> str:
    """The status right now: a certificate past its validity is expired even before the
    daily sweep records it."""
    if _past_validity(cert.status, cert.valid_until):
        return CertState.EXPIRED.value
    return cert.status


def certificate_view(cert: Certificate | Row) -> dict[str, Any]:
    d = cert.data
    status = effective_status(cert)
    return {
        "number": cert.number,
        "status": status,
        "valid": status == CertState.ACTIVE.value,
        "status_reason": cert.status_reason if status in ("suspended", "withdrawn") else None,
        "holder": {k: d["holder"][k] for k in ("name", "address", "city", "province")},
        "production_site": d["production_site"],
        "brand": d["brand"],
        "product": {
            "code": d["product"]["code"],
            "name": d["product"]["name"],
            "variants": d["product"].get("variants"),
        },
        "standards": d["standards"],
        "scheme": d["scheme"],
        "scope": d["scope"],
        "issued_at": d["issued_at"],
        "valid_until": d["valid_until"],
        "key_id": cert.key_id,
        "verify_url": verify_url(cert.number),
    }


def untrustworthy_view(number: str) -> dict[str, Any]:
    """The answer for a record that cannot be trusted: no data from it, and not valid."""
    return {
        "number": number,
        "status": UNTRUSTWORTHY,
        "valid": False,
        "status_reason": None,
        "verify_url": verify_url(number),
    }


def trust_problem(row: Certificate | Row, last_status: str | None) -> str | None:
    """Why the public must not be shown this row (None: it is what snicert recorded).
    last_status: the status the certificate's last audit event set."""
    why = row_problem(
        row.number, row.data, row.credential, row.key_id, row.issued_at, row.valid_until
    )
    if why is None and last_status != row.status:
        why = f"status {row.status!r} but the last audit event that set it says {last_status!r}"
    if why is not None:
        log.warning("certificate %s is shown as untrustworthy: %s", row.number, why)
    return why


def _last_event(column: Any) -> Any:
    """The certificate's last audit event's `column`. Every certificate event sets its
    status (issued, suspended, reinstated, withdrawn, expired); application_id narrows
    the search to the case's few events by its index."""
    return (
        select(column)
        .where(
            AuditEvent.application_id == Certificate.application_id,
            AuditEvent.entity == "certificate",
            AuditEvent.entity_id == Certificate.id,
        )
        .order_by(AuditEvent.seq.desc())
        .limit(1)
        .correlate(Certificate)
        .scalar_subquery()
    )


# Only the columns the view and its checks need, as one Core row: no ORM object and one
# round trip (the verification API is the hottest read; see db.read_connection).
_BY_NUMBER = select(
    Certificate.id,
    Certificate.application_id,
    Certificate.number,
    Certificate.status,
    Certificate.status_reason,
    Certificate.issued_at,
    Certificate.valid_until,
    Certificate.key_id,
    Certificate.data,
    Certificate.credential,
    _last_event(AuditEvent.action).label("last_action"),
    _last_event(AuditEvent.data).label("last_data"),
).where(Certificate.number == bindparam("number"))


# The verification API (the QR code's target) is the busiest read. Its answers are kept
# per process for CACHE_SECONDS; any certificate change committed in this process clears
# them at once (the handler table: snicert/effects.py, forget_certificates), so on one machine an
# answer is never stale. With several web processes, another process's change shows within
# CACHE_SECONDS. Unknown numbers are never cached (a new certificate shows at once), and
# expiry by date is re-checked on every answer.
NUMBER_LIMIT = text.limit_of(Certificate.number)
CACHE_SECONDS = 30.0
CACHE_SIZE = 50_000
_cache: dict[str, tuple[float, dict[str, Any], Any]] = {}


def cached_certificate(number: str) -> dict[str, Any] | None:
    """The cached answer, if it is still good; no database work (the async route's path)."""
    hit = _cache.get(number.strip().upper())
    if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
        _, view, valid_until = hit
        if not _past_validity(view["status"], valid_until):
            return view
    return None


def lookup_certificate(number: str) -> dict[str, Any] | None:
    from snicert.db import engine as db

    view = cached_certificate(number)
    if view is not None:
        return view
    key, now = number.strip().upper(), time.monotonic()
    if len(key) > NUMBER_LIMIT or not key.isprintable():
        return None  # no certificate number is that (PostgreSQL would refuse a NUL)
    with db.read_connection() as conn:
        row = conn.execute(_BY_NUMBER, {"number": key}).one_or_none()
    if row is None:
        return None
    last_status = None
    if row.last_action is not None:
        last_status = audit.status_set_by("certificate", row.last_action, row.last_data)
    return _remember(row, last_status, now)


def _remember(row: Certificate | Row, last_status: str | None, now: float) -> dict[str, Any]:
    """The public view of a certificate row, checked against its signature (the costly
    part: ~1 ms a row) and kept for the verify API and the directory alike."""
    trusted = trust_problem(row, last_status) is None
    view = certificate_view(row) if trusted else untrustworthy_view(row.number)
    if len(_cache) >= CACHE_SIZE:
        _cache.clear()
    _cache[row.number.upper()] = (now, view, row.valid_until)
    return view


def forget_certificates() -> None:
    _cache.clear()


SEARCH_LIMIT = 200  # characters of a directory search term


def directory(
    s: Session,
    q: str = "",
    product: str = "",
    city: str = "",
    sni: str = "",
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[dict[str, Any]]]:
    """Certified products (active or suspended), searchable by business or brand (q),
    product code, city and SNI number."""
    q, city, sni = (
        text.clean(f, v, SEARCH_LIMIT) for f, v in (("q", q), ("city", city), ("sni", sni))
    )
    product = text.clean("product", product, Certificate.product)
    query = select(Certificate.number).where(Certificate.status.in_(LISTED))
    if q or city:  # the business's columns only when searched (the count skips the join)
        query = query.join(Business, Business.id == Certificate.business_id)
    if q:
        like = f"%{q.lower()}%"
        query = query.where(
            or_(
                func.lower(Business.name).like(like),
                func.lower(Certificate.number).like(like),
                func.lower(Certificate.data["brand"].as_string()).like(like),
            )
        )
    if product:
        query = query.where(Certificate.product == product)
    if city:
        query = query.where(func.lower(Business.city).like(f"%{city.lower()}%"))
    if sni:
        query = query.where(
            func.lower(Certificate.data["standards"].as_string()).like(f"%{sni.lower()}%")
        )
    total = s.scalar(select(func.count()).select_from(query.subquery()))
    numbers = s.scalars(
        query.order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        .limit(max(1, min(limit, 200)))
        .offset(max(0, offset))
    ).all()
    # the page's numbers first: a row is read whole and checked against its signature
    # only when the verify API's cache has no fresh answer for it
    views = {n: cached_certificate(n) for n in numbers}
    missing = [n for n, view in views.items() if view is None]
    if missing:
        rows = s.scalars(select(Certificate).where(Certificate.number.in_(missing))).all()
        last, now = _last_statuses(s, rows), time.monotonic()
        for c in rows:
            views[c.number] = _remember(c, last.get(c.id), now)
    return total, [views[n] for n in numbers]


def _last_statuses(s: Session, certs: Sequence[Certificate]) -> dict[int, str | None]:
    """The status each certificate's last audit event set, in one query for a page."""
    if not certs:
        return {}
    events = s.execute(
        select(AuditEvent.entity_id, AuditEvent.action, AuditEvent.data)
        .where(
            AuditEvent.application_id.in_({c.application_id for c in certs}),
            AuditEvent.entity == "certificate",
            AuditEvent.entity_id.in_({c.id for c in certs}),
        )
        .order_by(AuditEvent.seq)
    )
    return {
        entity_id: audit.status_set_by("certificate", action, data)
        for entity_id, action, data in events
    }
