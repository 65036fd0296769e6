"""The export for BSN: certificates issued, suspended, withdrawn and expired in a period, and
applications received in it, as records with documented fields (the JSON Schema
docs/bsn-export.schema.json is generated from the models here).

"In the period" means the moment happened in it, days counted in the site's time zone
(WITA), both ends included:
- issued: the certificate's `issued_at`;
- suspended, withdrawn: the audit event of that change (one record per change);
- expired: the certificate's `valid_until` (the moment it lapsed, whenever the daily sweep
  recorded it), unless it had been withdrawn before;
- received: the application's `submitted_at`.
Statuses and reasons are as of the end of the period, read from the audit events up to it
(a certificate past its validity by then counts as expired, as the public lookup shows it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, RootModel, field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import and_, or_, select, text
from sqlalchemy.orm import Session

from snicert import audit, clock, settings
from snicert.catalog import default_catalog
from snicert.db.models import Application, AuditEvent, Business, Certificate, User
from snicert.errors import Conflict
from snicert.lifecycle import CERTIFICATE_TRANSITIONS, FINAL, TRANSITIONS
from snicert.roles import Role
from snicert.services.guards import require_role

FORMATS = ("csv", "xlsx", "json")
WHAT = ("certificates", "applications")
EARLIEST = date(2000, 1, 1)  # before any SPPT SNI of this LSPro: a typo, not a period
MAX_DAYS = 3660  # ten years
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> Any:
    """YYYY-MM-DD only: no timestamps, no times, no other orders."""
    if isinstance(value, date | datetime) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise PydanticCustomError(
            "export_not_iso", "expected a date as YYYY-MM-DD (ISO 8601), e.g. 2026-01-31"
        )
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError(
            "export_no_such_day", "{value} is not a day of the calendar", {"value": value}
        ) from None


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


class ExportQuery(BaseModel):
    """A period (whole days in the site's time zone, both ends included) and a format."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    from_: IsoDate = Field(alias="from", description="First day of the period (YYYY-MM-DD)")
    to: IsoDate = Field(description="Last day of the period, included (YYYY-MM-DD)")
    format: Literal["csv", "xlsx", "json"] = Field(
        "csv", description="csv (UTF-8 with BOM), xlsx or json"
    )

    @field_validator("from_")
    @classmethod
    def _from_plausible(cls, v: date) -> date:
        if v < EARLIEST:
            raise PydanticCustomError(
                "export_too_early", "must be {day} or later", {"day": EARLIEST.isoformat()}
            )
        today = clock.now().astimezone(settings.current().zone).date()
        if v > today:
            raise PydanticCustomError(
                "export_future",
                "is after today ({day}): nothing happened yet",
                {"day": today.isoformat()},
            )
        return v

    @field_validator("to")
    @classmethod
    def _to_after_from(cls, v: date, info: Any) -> date:
        start = info.data.get("from_")
        if start is None:  # `from` was refused already
            return v
        if v < start:
            raise PydanticCustomError(
                "export_before_from", "is before from ({day})", {"day": start.isoformat()}
            )
        if (v - start).days >= MAX_DAYS:
            raise PydanticCustomError("export_too_long", "the period may span at most 10 years")
        return v

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) in UTC: midnight of `from` to midnight after `to`, local time."""
        zone = settings.current().zone
        start = datetime.combine(self.from_, time(0), zone).astimezone(UTC)
        end = datetime.combine(self.to + timedelta(days=1), time(0), zone).astimezone(UTC)
        return start, end


# --- the records --------------------------------------------------------------------------


class _Record(BaseModel):
    lspro_accreditation: str = Field(description="KAN accreditation number of the LSPro")
    lspro_name: str = Field(description="Name of the certification body (LSPro)")
    holder_name: str = Field(description="Business (UMKM) holding or applying")
    nib: str = Field(description="Nomor Induk Berusaha (13 digits) of the business")
    address: str = Field(description="Business address")
    city: str = Field(description="City or regency (kota/kabupaten)")
    province: str = Field(description="Province")
    product_code: str = Field(description="snicert product code (abon, emping, ...)")
    product_name: str = Field(description="Product name (Indonesian)")
    sni_number: str = Field(description="SNI number(s), '; ' between several")
    sni_title: str = Field(description="SNI title(s), in the same order")
    brand: str = Field(description="Brand (merek)")
    scheme: str = Field(description="Certification scheme type (ISO/IEC 17067): 1b or 5")


class CertificateRecord(_Record):
    """One event of one certificate in the period."""

    event: Literal["issued", "suspended", "withdrawn", "expired"] = Field(
        description="What happened in the period"
    )
    event_date: date = Field(description="When it happened (date in the site's time zone)")
    event_reason: str | None = Field(description="The reason given (suspension, withdrawal)")
    certificate_number: str = Field(description="SPPT SNI number, SNI-<PREFIX>-<YEAR>-<NNNN>")
    application_number: str = Field(description="The application it was granted on")
    issued_on: date = Field(description="Date of issue")
    valid_until: date | None = Field(description="End of validity (none: the lot certified)")
    status: Literal["active", "suspended", "withdrawn", "expired"] = Field(
        description="Status at the end of the period"
    )
    status_reason: str | None = Field(description="Reason of the last status change by then")


class ApplicationRecord(_Record):
    """One application received (submitted) in the period."""

    application_number: str = Field(description="Application number, APP-<YEAR>-<NNNNN>")
    received_on: date = Field(description="Date the dossier was submitted")
    state: str = Field(description="Its state at the end of the period (see README)")
    state_reason: str | None = Field(description="Refusal reason, when refused by then")
    closed_on: date | None = Field(description="When it was certified, refused or withdrawn")
    certificate_number: str | None = Field(description="The certificate, if certified by then")


class Period(BaseModel):
    from_: date = Field(alias="from", description="First day, included")
    to: date = Field(description="Last day, included")
    timezone: str = Field(description="IANA time zone the days are counted in")


class _Export(BaseModel):
    lspro_name: str
    lspro_accreditation: str
    period: Period
    generated_at: datetime = Field(description="When the file was made (UTC)")
    count: int = Field(ge=0, description="Number of records")


class CertificateExport(_Export):
    kind: Literal["certificates"] = "certificates"
    records: list[CertificateRecord]


class ApplicationExport(_Export):
    kind: Literal["applications"] = "applications"
    records: list[ApplicationRecord]


class BsnExport(
    RootModel[Annotated[CertificateExport | ApplicationExport, Field(discriminator="kind")]]
):
    """An export file for BSN (JSON form): certificates' events or applications received
    in a period, with the certification body that reports them."""


RECORDS: dict[str, type[_Record]] = {
    "certificates": CertificateRecord,
    "applications": ApplicationRecord,
}


# --- building them --------------------------------------------------------------------


@dataclass
class Prepared:
    """An export about to be written: its envelope (the period, the body, the count) and
    its records, drawn lazily from the session that prepared it (kept open while they are
    written: the API streams them, never holding every record in memory)."""

    what: str
    query: ExportQuery
    envelope: CertificateExport | ApplicationExport  # records left empty
    records: Iterator[CertificateRecord] | Iterator[ApplicationRecord]

    @property
    def count(self) -> int:
        return self.envelope.count


def prepare(s: Session, actor: User | str, what: str, query: ExportQuery) -> Prepared:
    """The export of `what` for the period; officials only (a str actor is the operator at
    the shell, as in audit.record). Nothing is written: `record` notes it in the audit
    log. On PostgreSQL, call `snapshot(s)` first so the count and the records agree."""
    if isinstance(actor, User):
        require_role(actor, Role.OFFICIAL)
    cfg = settings.current()
    missing = [n for n in ("lspro_name", "lspro_accreditation") if not getattr(cfg, n)]
    if missing:
        raise Conflict("bsn_err_identity", names=[settings.env_name(n) for n in missing])
    start, end = query.bounds()
    count, records = (
        _certificates(s, start, end, cfg)
        if what == "certificates"
        else _applications(s, start, end, cfg)
    )
    head = {
        "lspro_name": cfg.lspro_name,
        "lspro_accreditation": cfg.lspro_accreditation,
        "period": Period(**{"from": query.from_, "to": query.to, "timezone": cfg.timezone}),
        "generated_at": clock.now().astimezone(UTC),
        "count": count,
        "records": [],
    }
    envelope = (CertificateExport if what == "certificates" else ApplicationExport)(**head)
    return Prepared(what, query, envelope, records)


def snapshot(s: Session) -> None:
    """PostgreSQL: read the whole export from one snapshot (the count in its head and the
    records streamed after it); SQLite's read transaction is one already. Call it before
    the session's first query."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))


def record(s: Session, actor: User | str, prepared: Prepared) -> None:
    """Note in the audit log who took which data (in the caller's transaction)."""
    audit.record(
        s,
        actor,
        "export.generated",
        "export",
        None,
        what=prepared.what,
        period_from=prepared.query.from_.isoformat(),
        period_to=prepared.query.to.isoformat(),
        format=prepared.query.format,
        records=prepared.count,
    )


def build(s: Session, actor: User | str, what: str, query: ExportQuery) -> BsnExport:
    """The whole export in memory, recorded in the audit log (for small periods and the
    tests; the CLI and the API stream `prepare`'s records)."""
    prepared = prepare(s, actor, what, query)
    records = list(prepared.records)
    record(s, actor, prepared)
    return BsnExport(prepared.envelope.model_copy(update={"records": records}))


def _local_date(moment: datetime, zone: tzinfo) -> date:
    return moment.astimezone(zone).date()


def _standards(standards: list[dict[str, Any]]) -> tuple[str, str]:
    return "; ".join(x["number"] for x in standards), "; ".join(x["title"] for x in standards)


def _identity(cfg: settings.Settings) -> dict[str, str]:
    return {"lspro_accreditation": cfg.lspro_accreditation, "lspro_name": cfg.lspro_name}


_CERT_CHANGES = ("certificate.suspended", "certificate.withdrawn")
_CERT_STATUS = (
    "certificate.issued",
    *_CERT_CHANGES,
    "certificate.reinstated",
    "certificate.expired",
)


def _certificates(
    s: Session, start: datetime, end: datetime, cfg: settings.Settings
) -> tuple[int, Iterator[CertificateRecord]]:
    """The number of records and the records, made one at a time from the events found
    (a few columns each) and the certificates' data."""
    changes = s.execute(
        select(AuditEvent.entity_id, AuditEvent.action, AuditEvent.at, AuditEvent.data)
        .where(
            AuditEvent.entity == "certificate",
            AuditEvent.action.in_(_CERT_CHANGES),
            AuditEvent.at >= start,
            AuditEvent.at < end,
        )
        .order_by(AuditEvent.at, AuditEvent.seq)
    ).all()
    changed_ids = {c.entity_id for c in changes}
    # the columns needed, not the stored credential
    columns = (Certificate.id, Certificate.application_id, Certificate.number)
    columns += (Certificate.product, Certificate.issued_at, Certificate.valid_until)
    certs = {
        c.id: c
        for c in s.execute(
            select(*columns, Certificate.data).where(
                or_(
                    and_(Certificate.issued_at >= start, Certificate.issued_at < end),
                    and_(Certificate.valid_until >= start, Certificate.valid_until < end),
                    Certificate.id.in_(changed_ids) if changed_ids else False,
                )
            )
        )
    }
    last = _last_status(s, "certificate", [c.application_id for c in certs.values()], end)
    events: list[tuple[datetime, str, Any, str | None]] = []
    for c in certs.values():
        if start <= c.issued_at < end:
            events.append((c.issued_at, "issued", c, None))
        if c.valid_until is not None and start <= c.valid_until < end:
            h = last.get(c.id)
            if h is None or h.withdrawn_at is None or h.withdrawn_at > c.valid_until:
                events.append((c.valid_until, "expired", c, None))
    for ch in changes:
        reason = json.loads(ch.data).get("reason")
        events.append((ch.at, ch.action.removeprefix("certificate."), certs[ch.entity_id], reason))
    events.sort(key=lambda e: (e[0], e[2].number))
    return len(events), _certificate_records(events, last, end, cfg)


def _certificate_records(
    events: list[tuple[datetime, str, Any, str | None]],
    last: dict[int, _Last],
    end: datetime,
    cfg: settings.Settings,
) -> Iterator[CertificateRecord]:
    zone = cfg.zone  # once: settings.current() checks the environment and the file
    for at, event, c, reason in events:
        h = last.get(c.id)
        status, why = (h.status, h.reason) if h is not None else ("active", None)
        if status in ("active", "suspended") and c.valid_until is not None and c.valid_until < end:
            status, why = "expired", "validity ended"
        d = c.data
        sni, title = _standards(d["standards"])
        yield CertificateRecord(
            **_identity(cfg),
            **_holder(d["holder"]),
            product_code=c.product,
            product_name=d["product"]["name"]["id"],
            sni_number=sni,
            sni_title=title,
            brand=d["brand"],
            scheme=str(d["scheme"]),
            event=event,
            event_date=_local_date(at, zone),
            event_reason=reason,
            certificate_number=c.number,
            application_number=d["application"],
            issued_on=_local_date(c.issued_at, zone),
            valid_until=_local_date(c.valid_until, zone) if c.valid_until else None,
            status=status,
            status_reason=why,
        )


def _holder(h: dict[str, str]) -> dict[str, str]:
    return {
        "holder_name": h["name"],
        "nib": h["nib"],
        "address": h["address"],
        "city": h["city"],
        "province": h["province"],
    }


# the events that set a status, from the lifecycle tables
STATUS_ACTIONS = {
    "application": {"application.created"} | {f"application.{t.event}" for t in TRANSITIONS},
    "certificate": {"certificate.issued"}
    | {f"certificate.{t.event}" for t in CERTIFICATE_TRANSITIONS},
}


@dataclass(frozen=True)
class _Last:
    """An application's or certificate's last status change before the period's end."""

    at: datetime
    status: str
    reason: str | None
    withdrawn_at: datetime | None  # certificates: when withdrawn, if by then


def _last_status(s: Session, entity: str, app_ids: list[int], end: datetime) -> dict[int, _Last]:
    """Per application or certificate id, found through the applications' ids (indexed);
    only the last event's data is read."""
    last: dict[int, tuple[datetime, str, str]] = {}
    withdrawn: dict[int, datetime] = {}
    app_ids = sorted(set(app_ids))
    for i in range(0, len(app_ids), 5000):  # bounded IN lists
        rows = s.execute(
            select(AuditEvent.entity_id, AuditEvent.action, AuditEvent.at, AuditEvent.data)
            .where(
                AuditEvent.application_id.in_(app_ids[i : i + 5000]),
                AuditEvent.entity == entity,
                AuditEvent.action.in_(STATUS_ACTIONS[entity]),
                AuditEvent.at < end,
            )
            .order_by(AuditEvent.at, AuditEvent.seq)
        )
        for entity_id, action, at, data in rows:
            last[entity_id] = (at, action, data)
            if action == "certificate.withdrawn":
                withdrawn[entity_id] = at
    found = {}
    for entity_id, (at, action, data) in last.items():
        status = audit.status_set_by(entity, action, data) or ""
        reason = json.loads(data).get("reason") if '"reason"' in data else None
        found[entity_id] = _Last(at, status, reason, withdrawn.get(entity_id))
    return found


def _applications(
    s: Session, start: datetime, end: datetime, cfg: settings.Settings
) -> tuple[int, Iterator[ApplicationRecord]]:
    """The number of records and the records: the ids in order first (one small column),
    then the rows, statuses and certificates by chunks of ids as they are written."""
    ids = list(
        s.scalars(
            select(Application.id)
            .where(Application.submitted_at >= start, Application.submitted_at < end)
            .order_by(Application.submitted_at, Application.number)
        )
    )
    return len(ids), _application_records(s, ids, end, cfg)


CHUNK = 2000  # applications read at once while writing an export


def _application_records(
    s: Session, ids: list[int], end: datetime, cfg: settings.Settings
) -> Iterator[ApplicationRecord]:
    zone = cfg.zone  # once: settings.current() checks the environment and the file
    snapshot = Application.product_snapshot  # the parts needed, not 20 kB per application
    catalog = default_catalog()
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        rows = {
            a.id: a
            for a in s.execute(
                select(
                    Application.id,
                    Application.number,
                    Application.product,
                    Application.brand,
                    Application.state,
                    Application.submitted_at,
                    snapshot["standards"].label("standards"),
                    snapshot["name"].label("name"),
                    snapshot["scheme"].label("scheme"),
                    Business.name.label("holder_name"),
                    Business.nib,
                    Business.address,
                    Business.city,
                    Business.province,
                )
                .join(Business, Business.id == Application.business_id)
                .where(Application.id.in_(chunk))
            )
        }
        last = _last_status(s, "application", chunk, end)
        certs = dict(
            s.execute(
                select(Certificate.application_id, Certificate.number).where(
                    Certificate.application_id.in_(chunk), Certificate.issued_at < end
                )
            ).all()
        )
        for app_id in chunk:
            a = rows[app_id]
            state, reason, closed = a.state, None, None
            h = last.get(a.id)
            if h is not None:
                state, reason = h.status, h.reason
                closed = _local_date(h.at, zone) if state in FINAL else None
            if a.standards is not None:
                product = {"standards": a.standards, "name": a.name, "scheme": a.scheme}
            else:  # not submitted with a snapshot (seeded for a benchmark without them)
                product = catalog.product(a.product).model_dump(mode="json")
            sni, title = _standards(product["standards"])
            yield ApplicationRecord(
                **_identity(cfg),
                holder_name=a.holder_name,
                nib=a.nib,
                address=a.address,
                city=a.city,
                province=a.province,
                product_code=a.product,
                product_name=product["name"]["id"],
                sni_number=sni,
                sni_title=title,
                brand=a.brand,
                scheme=str(product["scheme"]["type"]),
                application_number=a.number,
                received_on=_local_date(a.submitted_at, zone),
                state=state,
                state_reason=reason if state == "refused" else None,
                closed_on=closed,
                certificate_number=certs.get(a.id) if state == "certified" else None,
            )
