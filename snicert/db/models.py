"""The case store: SQLAlchemy 2 models. The database is the system of record.

Uniqueness constraints are what make re-running a flow safe: a second attempt to create
the same sample, result, decision or certificate fails in the database, not by luck.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use snicert.clock.now()")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONType}


class Business(Base):
    __tablename__ = "businesses"
    __table_args__ = (Index("ix_businesses_name", "name"),)  # lists sorted by business
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    nib: Mapped[str] = mapped_column(String(13), unique=True)
    address: Mapped[str] = mapped_column(String(500))
    city: Mapped[str] = mapped_column(String(100))
    province: Mapped[str] = mapped_column(String(100))
    contact_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set when someone else chose the credential (initial password, one-time code): the
    # next sign-in leads only to choosing a password of one's own.
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    business_id: Mapped[int | None] = mapped_column(ForeignKey("businesses.id"))
    created_at: Mapped[datetime]
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    business: Mapped[Business | None] = relationship()

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r.role for r in self.role_rows)


class UserRole(Base):
    __tablename__ = "user_roles"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(30), primary_key=True)


class ChecklistVersion(Base):
    """A frozen copy of one checklist version, as loaded from checklists/."""

    __tablename__ = "checklist_versions"
    __table_args__ = (UniqueConstraint("kind", "product", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    # lab: checklists/<product>.yaml; audit: checklists/audit/<product>.yaml (site audit)
    kind: Mapped[str] = mapped_column(String(10), default="lab", server_default="lab")
    product: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    content: Mapped[dict[str, Any]]
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft|approved|retired
    loaded_at: Mapped[datetime]
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]


class Application(Base):
    __tablename__ = "applications"
    __table_args__ = (
        # the management review: submitted per period, and closed per period with their lead
        Index("ix_applications_submitted", "submitted_at", "product"),
        Index("ix_applications_closed", "state", "state_changed_at", "product", "submitted_at"),
        # the officials' list of applications (snicert/queries.py): each filter and sort
        # covering: the dashboard's counts with their overdue ones read from the index alone
        Index("ix_applications_stage_counts", "product", "state", "overdue", "due_at"),
        Index("ix_applications_awaiting_role", "awaiting_role", "state"),
        Index("ix_applications_created_at", "created_at"),
        Index("ix_applications_state_changed_at", "state_changed_at"),
        Index("ix_applications_due_at", "due_at"),
        Index("ix_applications_business_id", "business_id"),
        # what waits on the system longest (flows/resume.py, the dashboard's count)
        Index("ix_applications_system_since", "system_since"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    product: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(30), index=True)
    brand: Mapped[str] = mapped_column(String(200))
    variants: Mapped[str | None] = mapped_column(String(500))
    production_site: Mapped[str] = mapped_column(String(500))
    lot: Mapped[str | None] = mapped_column(String(200))  # scheme 1b: the batch certified
    # renewal: the earlier application whose certificate this one renews
    renewal_of: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    # Snapshot taken at submission: later checklist edits never change it.
    checklist_version_id: Mapped[int | None] = mapped_column(ForeignKey("checklist_versions.id"))
    checklist_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    product_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    review_round: Mapped[int] = mapped_column(Integer, default=1)
    # The certification agreement the applicant accepted at submission (its version, when).
    agreement_version: Mapped[int | None]
    agreement_accepted_at: Mapped[datetime | None]
    # What is awaited, from whom, by when (filled as the case moves).
    state_changed_at: Mapped[datetime]
    awaiting_role: Mapped[str | None] = mapped_column(String(30))
    awaiting_action: Mapped[str | None] = mapped_column(String(60))
    due_at: Mapped[datetime | None]
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    # Since when the system's automated step is due (None: a person acts next, or no one);
    # written in the transaction that made it due (snicert/stages.py `mark`), so a step
    # whose run failed or whose worker died is found here, not lost with the process.
    system_since: Mapped[datetime | None]
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    business: Mapped[Business] = relationship()

    __mapper_args__ = {"version_id_col": row_version}  # concurrent edits fail, not overwrite


class Document(Base):
    """A stored file; the bytes live content-addressed under SNICERT_HOME/blobs."""

    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64))  # a product document id, or "nc_response"
    filename: Mapped[str] = mapped_column(String(255))  # shown only; never used as a path
    media_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime]


class ReviewVerdict(Base):
    __tablename__ = "review_verdicts"
    __table_args__ = (UniqueConstraint("application_id", "round", "item_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    round: Mapped[int]
    item_id: Mapped[str] = mapped_column(String(64))
    verdict: Mapped[str] = mapped_column(String(20))  # conform|nonconform|not_applicable
    comment: Mapped[str | None] = mapped_column(Text)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime]


class Nonconformity(Base):
    __tablename__ = "nonconformities"
    __table_args__ = (UniqueConstraint("application_id", "round", "source", "item_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    round: Mapped[int]
    source: Mapped[str] = mapped_column(String(20))  # screening|review
    item_id: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text)
    raised_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    raised_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default="open")  # open|answered
    responses: Mapped[list[NonconformityResponse]] = relationship(lazy="selectin")


class NonconformityResponse(Base):
    __tablename__ = "nonconformity_responses"
    id: Mapped[int] = mapped_column(primary_key=True)
    nonconformity_id: Mapped[int] = mapped_column(ForeignKey("nonconformities.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    answered_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime]


class Sample(Base):
    __tablename__ = "samples"
    __table_args__ = (
        UniqueConstraint("application_id", "seq"),
        Index("ix_samples_status_taken_at", "status", "taken_at"),  # the lab's samples in transit
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    seq: Mapped[int]
    code: Mapped[str] = mapped_column(String(40), unique=True)
    purpose: Mapped[str] = mapped_column(String(20))  # test|retained
    units: Mapped[int]
    amount: Mapped[str | None] = mapped_column(String(60))
    container: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="planned")
    seal_number: Mapped[str | None] = mapped_column(String(60))
    taken_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    taken_at: Mapped[datetime | None]
    location: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]
    # taken for a surveillance of the application's certificate (None: for the application
    # itself); the application's own pages and judgement count only its own samples
    surveillance_case_id: Mapped[int | None] = mapped_column(
        ForeignKey("surveillance_cases.id"), index=True
    )


class CustodyEvent(Base):
    """Chain of custody of a sample: taken, sealed, received, in_testing, retained,
    disposed, or rejected (append-only, like the audit log it mirrors)."""

    __tablename__ = "custody_events"
    # the management review counts one kind of event (rejected samples) per period
    __table_args__ = (Index("ix_custody_events_event_at", "event", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("samples.id"), index=True)
    event: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime]
    by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    location: Mapped[str | None] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(Text)


class LabResult(Base):
    __tablename__ = "lab_results"
    __table_args__ = (
        UniqueConstraint("sample_id", "parameter_id", "attempt"),
        Index("ix_lab_results_verified_at", "verified_at"),
        Index("ix_lab_results_status_entered", "status", "entered_at"),  # the verify queue
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    product: Mapped[str] = mapped_column(String(64))  # the application's, copied when entered
    sample_id: Mapped[int] = mapped_column(ForeignKey("samples.id"))
    parameter_id: Mapped[str] = mapped_column(String(64))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    value_text: Mapped[str] = mapped_column(String(200))  # as entered, e.g. "< 0.01", "negatif"
    unit: Mapped[str] = mapped_column(String(30))
    uncertainty: Mapped[str | None] = mapped_column(String(40))
    method: Mapped[str | None] = mapped_column(String(200))
    instrument: Mapped[str | None] = mapped_column(String(200))
    tested_on: Mapped[datetime | None]
    analyst_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime]
    # lifecycle.ResultState: entered | verified | retracted | retest_requested
    status: Mapped[str] = mapped_column(String(20), default="entered")
    note: Mapped[str | None] = mapped_column(Text)  # why retracted / why retested
    verdict: Mapped[str | None] = mapped_column(String(20))  # conform|nonconform
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None]
    # the surveillance whose sample it was tested on (None: the application's own testing)
    surveillance_case_id: Mapped[int | None] = mapped_column(
        ForeignKey("surveillance_cases.id"), index=True
    )


class StageDay(Base):
    """Stays entered and ended each local day (WITA) per product and state, an ended stay
    with its lead in working days (-1 for an entry): the management review sums these
    instead of scanning every stay. lifecycle.enter adds to them with the stays."""

    __tablename__ = "stage_days"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    product: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(String(30), primary_key=True)
    event: Mapped[str] = mapped_column(String(10), primary_key=True)  # entered|left
    working_days: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class LabResultDay(Base):
    """How many lab results each local day (WITA) concluded, per product, parameter and
    outcome: the management review sums these instead of counting a million results. A
    result concludes once (verified, retracted or verified with a retest asked): the lab
    service adds it here in that transaction (snicert.services.rollups)."""

    __tablename__ = "lab_result_days"
    day: Mapped[date] = mapped_column(Date, primary_key=True)  # local day of verified_at
    product: Mapped[str] = mapped_column(String(64), primary_key=True)
    parameter_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)  # verified|retracted
    retest_requested: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    verdict: Mapped[str] = mapped_column(String(20), primary_key=True)  # "" when none
    n: Mapped[int] = mapped_column(Integer)


class ActorDay(Base):
    """Audit events each local day (WITA) per acting user: the management review's staff
    workload sums these instead of counting a million events. audit.record adds to them
    in the event's transaction (snicert.services.rollups)."""

    __tablename__ = "actor_days"
    actor_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)  # local day of the event's at
    n: Mapped[int] = mapped_column(Integer)


class NonconformityDay(Base):
    """Non-conformities raised each local day (WITA) per product and checklist item: the
    management review sums these. applications._raise_nc adds to them with the row."""

    __tablename__ = "nonconformity_days"
    day: Mapped[date] = mapped_column(Date, primary_key=True)  # local day of raised_at
    product: Mapped[str] = mapped_column(String(64), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class Evaluation(Base):
    __tablename__ = "evaluations"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recommendation: Mapped[str] = mapped_column(String(20))  # grant|refuse
    summary: Mapped[str] = mapped_column(Text)
    findings: Mapped[dict[str, Any]]
    at: Mapped[datetime]


class Decision(Base):
    __tablename__ = "decisions"
    # the review's refusals of a period: a few thousand of every decision, by index
    __table_args__ = (Index("ix_decisions_outcome_at", "outcome", "at", "application_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    decided_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str] = mapped_column(String(20))  # grant|refuse
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]


class Certificate(Base):
    __tablename__ = "certificates"
    # the public directory, newest first: read backwards from an index, not sorted whole
    __table_args__ = (Index("ix_certificates_issued_at", "issued_at", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    product: Mapped[str] = mapped_column(String(64), index=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))  # active|suspended|withdrawn|expired
    status_reason: Mapped[str | None] = mapped_column(Text)
    issued_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime]
    valid_until: Mapped[datetime | None]
    data: Mapped[dict[str, Any]]
    key_id: Mapped[str | None] = mapped_column(String(40))  # the Ed25519 key that signed it
    # the signed W3C credential as issued: the public lookup and `snicert audit verify`
    # check the row against it (snicert/certs/record.py)
    credential: Mapped[dict[str, Any] | None]
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": row_version}


class Counter(Base):
    """Gap-free sequences (application and certificate numbers), taken under a row lock."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class AuditEvent(Base):
    """Append-only, hash-chained. Database triggers refuse UPDATE and DELETE."""

    __tablename__ = "audit_events"
    __table_args__ = (
        # the management review: staff workload per period, and one kind of event per period
        Index("ix_audit_events_actor_at", "actor_id", "at"),
        Index("ix_audit_events_action_at", "action", "at"),
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60), index=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None]
    application_id: Mapped[int | None] = mapped_column(Integer, index=True)
    data: Mapped[str] = mapped_column(Text)  # canonical JSON, hashed as stored
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The chain's last link; locking this row serialises appends on every backend."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))
    # "<kid>:<base64url Ed25519 signature>" of (seq, hash), by a key kept outside the
    # database (snicert/checkpoints.py)
    signature: Mapped[str | None] = mapped_column(String(200))


class Output(Base):
    """A file snicert rendered (evaluation report, test report, certificate...), written
    under SNICERT_HOME/outputs with its sha256. One per owner and kind: a re-run finds it."""

    __tablename__ = "outputs"
    __table_args__ = (UniqueConstraint("owner", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(60))  # "application:12", "certificate:3"
    kind: Mapped[str] = mapped_column(String(40))
    path: Mapped[str] = mapped_column(String(300))  # relative to SNICERT_HOME
    media_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    created_at: Mapped[datetime]


class SurveillanceCase(Base):
    """A yearly surveillance of a type-5 certificate; opened once per cycle. Its status
    moves through lifecycle.SURVEILLANCE_TRANSITIONS (snicert/services/surveillance.py):
    sampling and testing per the product's surveillance plan, its site audit, evaluation."""

    __tablename__ = "surveillance_cases"
    __table_args__ = (
        UniqueConstraint("certificate_id", "cycle"),
        Index("ix_surveillance_cases_status_due_at", "status", "due_at"),  # worklists by status
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    cycle: Mapped[int]  # 1 = first year after issue; -1, -2...: special (opened by a complaint)
    due_at: Mapped[datetime]
    opened_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default="open")  # SurveillanceState
    result_note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime | None]
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"))
    # Frozen when the cycle starts: the product's surveillance plan then in force (with the
    # sampling plan it uses) and the approved lab checklist cut to the plan's parameters.
    plan: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    checklist_version_id: Mapped[int | None] = mapped_column(ForeignKey("checklist_versions.id"))
    checklist_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    state_changed_at: Mapped[datetime | None]


class WebSession(Base):
    """A signed-in browser. Only the token's hash is stored; the cookie holds the token."""

    __tablename__ = "web_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class SignInAttempt(Base):
    """How many sign-in attempts one key (an address, an account, or both) has claimed in
    one window of the limiter (snicert.services.sessions); in the database so that every web
    process counts the same attempts, and one row per key and window so that claiming is a
    single atomic upsert."""

    __tablename__ = "sign_in_attempts"
    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class KnownDevice(Base):
    """A browser that signed in to an account before (its cookie holds the token; only the
    hash is stored). Its attempts at that account count against its own budget instead of
    the account's and the address's, so an attack from elsewhere does not slow its owner."""

    __tablename__ = "known_devices"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class ApiToken(Base):
    """A token for integrations (Authorization: Bearer ...); only its hash is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class StageVisit(Base):
    """One stay of an application in one state: entered, and left (None while there).
    Written by lifecycle.apply with the transition, so that the management review counts
    stages and their lead times by SQL aggregates instead of replaying the audit log."""

    __tablename__ = "stage_visits"
    __table_args__ = (
        # stays ended in a period (lead times), and those spanning its end (waiting)
        Index(
            "ix_stage_visits_left_at", "left_at", "product", "state", "working_days", "entered_at"
        ),
        Index("ix_stage_visits_entered_at", "entered_at", "product", "state"),
        # what still waits: the small open part, by age
        Index(
            "ix_stage_visits_open",
            "entered_at",
            postgresql_where=text("left_at IS NULL"),
            sqlite_where=text("left_at IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    product: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(30))
    entered_at: Mapped[datetime]
    left_at: Mapped[datetime | None]
    # working days from the local day entered to the local day left (clock's one rule),
    # set when the stay ends: the review groups by it instead of counting at read time
    working_days: Mapped[int | None]


class ReviewAction(Base):
    """A management review's decision or action (owner, due date); later reviews show the
    actions open or done (lifecycle.REVIEW_ACTION_TRANSITIONS)."""

    __tablename__ = "review_actions"
    id: Mapped[int] = mapped_column(primary_key=True)
    review_from: Mapped[date] = mapped_column(Date, index=True)
    review_to: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))  # decision|action
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))  # decided | open|done
    outcome: Mapped[str | None] = mapped_column(Text)  # what was done, when marked done
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None]


class Notification(Base):
    """One message in a person's in-app list, rendered in their language when written.
    (key, user) is unique: notifying the same moment twice changes nothing."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("key", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    # None: to a contact without an account (a complainant), sent only, in nobody's list
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    key: Mapped[str] = mapped_column(String(200))
    moment: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict[str, Any]]
    lang: Mapped[str] = mapped_column(String(2))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


class OutboxMessage(Base):
    """A notification to send over one channel (transactional outbox): written with the
    change, sent after the commit by flows/notifications.py, at least once. A deliverer
    claims a row for `lease_until`; a row whose lease ran out is claimable again."""

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("key", "user_id", "channel"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), index=True
    )  # None: a contact
    key: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20))  # email | whatsapp
    address: Mapped[str] = mapped_column(String(200))  # e-mail address or E.164 number
    status: Mapped[str] = mapped_column(String(20), index=True)  # snicert.notifications.states
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    claim: Mapped[str | None] = mapped_column(String(32))  # the deliverer holding the lease
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class NotificationPreference(Base):
    """A person's choice of channels and language; without a row: in-app and e-mail,
    WhatsApp when they gave a mobile number, Bahasa Indonesia."""

    __tablename__ = "notification_preferences"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    lang: Mapped[str] = mapped_column(String(2), default="id")
    email: Mapped[bool] = mapped_column(Boolean, default=True)
    whatsapp: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime]


class SkmSurvey(Base):
    """The satisfaction survey (SKM) of one closed application: invited when the case
    closed, answered once by its applicant (surveys/skm.yaml; snicert/services/skm.py).

    The regulation fixes nine elements, U1-U9: each one's score (1-4) is a column, so the
    index is one pass over this table (snicert/survey.py maps the codes to the elements)."""

    __tablename__ = "skm_surveys"
    __table_args__ = (
        *(CheckConstraint(f"u{i} BETWEEN 1 AND 4", name=f"u{i}_1_to_4") for i in range(1, 10)),
        CheckConstraint(
            "state <> 'answered' OR ("
            + " AND ".join(f"u{i} IS NOT NULL" for i in range(1, 10))
            + ")",
            name="answered_in_full",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # one survey, so one response, per application
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    product: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(20))  # lifecycle.SurveyState: invited|answered
    invited_at: Mapped[datetime]
    questionnaire_version: Mapped[int | None]
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(index=True)
    u1: Mapped[int | None]
    u2: Mapped[int | None]
    u3: Mapped[int | None]
    u4: Mapped[int | None]
    u5: Mapped[int | None]
    u6: Mapped[int | None]
    u7: Mapped[int | None]
    u8: Mapped[int | None]
    u9: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(String(2000))


class Complaint(Base):
    """A complaint about a certified product or holder (by certificate) or about the LSPro
    (lifecycle.COMPLAINT_TRANSITIONS). The tracking code is a bearer secret: only its
    sha256 is stored. Contact details are private: never on the tracking page."""

    __tablename__ = "complaints"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)  # ADU-<YEAR>-<NNNN>
    tracking_hash: Mapped[str] = mapped_column(String(64), unique=True)
    subject: Mapped[str] = mapped_column(String(20))  # certificate|lspro
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    text: Mapped[str] = mapped_column(String(4000))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(40))  # E.164
    lang: Mapped[str] = mapped_column(String(2), default="id")  # the complainant is told in it
    state: Mapped[str] = mapped_column(String(20), index=True)
    filed_at: Mapped[datetime]
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    taken_at: Mapped[datetime | None]
    investigation: Mapped[str | None] = mapped_column(Text)  # private: the handler's notes
    outcome: Mapped[str | None] = mapped_column(String(20))  # upheld|not_upheld
    action: Mapped[str | None] = mapped_column(String(30))  # none|special_surveillance|suspension
    public_outcome: Mapped[str | None] = mapped_column(String(2000))  # told to the complainant
    closed_at: Mapped[datetime | None]


class Appeal(Base):
    """An appeal by the applicant or holder against a refusal, suspension or withdrawal
    (lifecycle.APPEAL_TRANSITIONS). One per appealed decision: `appealed_event` is the
    audit event that recorded it."""

    __tablename__ = "appeals"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)  # BDG-<YEAR>-<NNNN>
    kind: Mapped[str] = mapped_column(String(20))  # refusal|suspension|withdrawal
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    appealed_event: Mapped[int] = mapped_column(Integer, unique=True)  # audit_events.seq
    appealed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # who decided it
    appealed_at: Mapped[datetime]  # when it was decided: the 30 days count from here
    filed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime]
    grounds: Mapped[str] = mapped_column(String(4000))
    state: Mapped[str] = mapped_column(String(20), index=True)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    taken_at: Mapped[datetime | None]
    reasons: Mapped[str | None] = mapped_column(Text)
    next_step: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]


class SiteAudit(Base):
    """A production-site / quality-system audit (scheme type 5): of an application before
    its evaluation, or of a certificate's yearly surveillance. States: AUDIT_TRANSITIONS."""

    __tablename__ = "site_audits"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    surveillance_case_id: Mapped[int | None] = mapped_column(
        ForeignKey("surveillance_cases.id"), index=True
    )
    state: Mapped[str] = mapped_column(String(20), index=True)
    planned_for: Mapped[datetime]
    site: Mapped[str] = mapped_column(String(500))
    checklist_version_id: Mapped[int] = mapped_column(ForeignKey("checklist_versions.id"))
    checklist_snapshot: Mapped[dict[str, Any]]
    planned_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    planned_at: Mapped[datetime]
    visited_at: Mapped[datetime | None]
    reported_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    summary: Mapped[str | None] = mapped_column(Text)


class AuditAuditor(Base):
    __tablename__ = "audit_auditors"
    audit_id: Mapped[int] = mapped_column(ForeignKey("site_audits.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    assigned_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime]


class AuditFinding(Base):
    """A finding against one audit item, graded major / minor / observation."""

    __tablename__ = "audit_findings"
    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("site_audits.id"), index=True)
    item_id: Mapped[str] = mapped_column(String(64))
    grade: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None]
    # a major or minor finding is corrected by this day (working days from the report);
    # flagged once by the daily sweep when it passes with the finding still open
    due_at: Mapped[datetime | None]
    overdue: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class CorrectiveAction(Base):
    """The applicant's answer to a finding; the auditor accepts it or reopens the finding."""

    __tablename__ = "corrective_actions"
    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("audit_findings.id"), index=True)
    cause: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    deadline: Mapped[datetime]
    submitted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime]
    verdict: Mapped[str | None] = mapped_column(String(20))  # accepted | reopened
    verdict_note: Mapped[str | None] = mapped_column(Text)
    verdict_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verdict_at: Mapped[datetime | None]


class AuditEvidence(Base):
    """A photo or document behind a finding (the auditor's) or a corrective action (the
    applicant's); bytes in storage under their sha256, checked by snicert.uploads."""

    __tablename__ = "audit_evidence"
    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("audit_findings.id"), index=True)
    corrective_action_id: Mapped[int | None] = mapped_column(ForeignKey("corrective_actions.id"))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime]


class Quotation(Base):
    """The fees quoted at submission, from the product's tariff (in the snapshot): one per
    application; its items are frozen here, as the PDF shows them."""

    __tablename__ = "quotations"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    items: Mapped[dict[str, Any]]  # {"items": [...], "legal_basis": {...}, "status": ...}
    total_idr: Mapped[int]
    issued_at: Mapped[datetime]


class Invoice(Base):
    """The bill of a quotation, issued when the dossier passes screening; paid once an
    official confirms a proof (the application's states payment and payment_check)."""

    __tablename__ = "invoices"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    quotation_id: Mapped[int] = mapped_column(ForeignKey("quotations.id"), unique=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    total_idr: Mapped[int]
    issued_at: Mapped[datetime]
    due_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]  # when an official confirmed the payment


class PaymentProof(Base):
    """A proof of payment the applicant uploaded (a Document of kind payment_proof) and the
    official's verdict on it: confirmed, or refused with the reason (then a new one)."""

    __tablename__ = "payment_proofs"
    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), unique=True)
    reference: Mapped[str | None] = mapped_column(String(100))  # transfer or receipt number
    submitted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime]
    verdict: Mapped[str | None] = mapped_column(String(20))  # confirmed | refused
    reason: Mapped[str | None] = mapped_column(Text)
    verdict_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verdict_at: Mapped[datetime | None]


class StaffConflict(Base):
    """A staff member's declared conflict of interest with a business (ISO/IEC 17065 §4.2):
    owning part of it, a family relationship with its people, or consulting for it (which
    counts for two years after it ended). Counts until an official closes it. States:
    lifecycle.CONFLICT_TRANSITIONS. One open declaration per person, business and kind."""

    __tablename__ = "staff_conflicts"
    __table_args__ = (
        CheckConstraint("kind IN ('ownership', 'relationship', 'consulting')", name="kind_known"),
        CheckConstraint("state IN ('declared', 'closed')", name="state_known"),
        CheckConstraint(
            "period_until IS NULL OR period_from IS NULL OR period_from <= period_until",
            name="period_in_order",
        ),
        Index(
            "uq_staff_conflicts_open",
            "user_id",
            "business_id",
            "kind",
            unique=True,
            postgresql_where=text("state = 'declared'"),
            sqlite_where=text("state = 'declared'"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    period_from: Mapped[date | None] = mapped_column(Date)
    period_until: Mapped[date | None] = mapped_column(Date)  # consulting: when the work ended
    declared_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20))
    declared_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    declared_at: Mapped[datetime]
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None]
    close_reason: Mapped[str | None] = mapped_column(Text)


class StaffQualification(Base):
    """A staff member's qualification for one function (reviewer, auditor, sampler, lab
    analyst, lab verifier, evaluator, decider) on one catalog product, valid from a day
    until a day (none: until withdrawn), with its evidence (ISO/IEC 17065 §6.1). States:
    lifecycle.QUALIFICATION_TRANSITIONS; one current row per person, function and product
    (recording again supersedes it), so validity periods never overlap."""

    __tablename__ = "staff_qualifications"
    __table_args__ = (
        CheckConstraint("state IN ('current', 'superseded', 'withdrawn')", name="state_known"),
        CheckConstraint("valid_until IS NULL OR valid_from <= valid_until", name="period_in_order"),
        Index(
            "uq_staff_qualifications_current",
            "user_id",
            "function",
            "product",
            unique=True,
            postgresql_where=text("state = 'current'"),
            sqlite_where=text("state = 'current'"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    function: Mapped[str] = mapped_column(String(20))
    product: Mapped[str] = mapped_column(String(64))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    evidence: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]
    ended_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(Text)


class CertificateChange(Base):
    """A change the holder notifies that may affect certification (ISO/IEC 17065 §7.10):
    product, production site, ownership or other; an official assesses it
    (lifecycle.CHANGE_TRANSITIONS): no action, a new evaluation (a special surveillance),
    or the certificate's suspension."""

    __tablename__ = "certificate_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)  # PRB-<YEAR>-<NNNN>
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    kind: Mapped[str] = mapped_column(String(20))  # product|site|ownership|other
    description: Mapped[str] = mapped_column(String(4000))
    state: Mapped[str] = mapped_column(String(20), index=True)
    notified_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    notified_at: Mapped[datetime]
    assessed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assessed_at: Mapped[datetime | None]
    reasons: Mapped[str | None] = mapped_column(Text)
    surveillance_case_id: Mapped[int | None] = mapped_column(ForeignKey("surveillance_cases.id"))


class ChangeDocument(Base):
    """A document behind a notified change; bytes in storage under their sha256."""

    __tablename__ = "change_documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("certificate_changes.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime]


class VersionReview(Base):
    """An official's assessment of a valid certificate issued under an older checklist or
    standard version (snicert/services/versions.py): one per certificate, basis and the
    version it is measured against, so a re-run finds it."""

    __tablename__ = "version_reviews"
    __table_args__ = (UniqueConstraint("certificate_id", "basis", "against"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    basis: Mapped[str] = mapped_column(String(20))  # checklist|audit_checklist|standard
    against: Mapped[str] = mapped_column(String(200))  # the newer version, as shown
    issued_under: Mapped[str] = mapped_column(String(200))  # the certificate's own
    outcome: Mapped[str] = mapped_column(String(20))  # no_action|new_evaluation|suspension
    note: Mapped[str] = mapped_column(Text)
    assessed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assessed_at: Mapped[datetime]
    surveillance_case_id: Mapped[int | None] = mapped_column(ForeignKey("surveillance_cases.id"))
