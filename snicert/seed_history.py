"""A made-up history of certification work, written straight into the tables in bulk.

For tests and benchmarks (management review, exports, pages at scale), never for a real
home. N applications spread over every month of the last two years (and a few older ones
whose certificates expired in that time), every product, every state: each follows the
lifecycle table (snicert/lifecycle.py) with stage times drawn around its product's service
standard in working days, stopping wherever `end` finds it. Non-conformities, samples with
their chain of custody, verified lab results (some failing, some retested), evaluations,
decisions (refusals with the failing parameter as reason), certificates (some suspended,
withdrawn or expired) come with it, and every state change is an audit event appended to
the hash chain, so `snicert audit verify` passes on a seeded home.

Rows are inserted in batches of applications with explicit ids (one round trip per table
and batch); each batch is one transaction that also advances and signs the audit head.
"""

from __future__ import annotations

import collections
import contextlib
import json
import random
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Connection, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from snicert import audit, checkpoints, clock, settings, survey, synthetic
from snicert.catalog import default_catalog
from snicert.certs.credential import sign_certificate
from snicert.certs.keys import ensure_keypair
from snicert.db import engine as db
from snicert.db.models import (
    ActorDay,
    Application,
    AuditEvent,
    AuditHead,
    Business,
    Certificate,
    ChecklistVersion,
    Counter,
    CustodyEvent,
    Decision,
    Evaluation,
    LabResult,
    LabResultDay,
    Nonconformity,
    NonconformityDay,
    NonconformityResponse,
    Sample,
    SkmSurvey,
    StageDay,
    StageVisit,
    User,
    UserRole,
    UTCDateTime,
)
from snicert.lifecycle import FINAL, OPEN, STAGES, State
from snicert.roles import Role

# Share of applications per product (the city's output is mostly food).
PRODUCT_WEIGHTS = {"abon": 35, "emping": 25, "tenun_ikat": 25, "sasando": 15}
SUSPEND_REASONS = [
    "Hasil surveilan: kadar air melebihi batas",
    "Penandaan SNI tidak sesuai ketentuan",
    "Pemegang sertifikat tidak bersedia disurvei",
    "Keluhan konsumen terbukti: mutu produk menurun",
]
WITHDRAW_REASONS = [
    "Tindakan perbaikan tidak diselesaikan dalam batas waktu pembekuan",
    "Usaha berhenti berproduksi",
    "Permintaan pemegang sertifikat",
]
NC_ANSWER = "Dokumen sudah diperbaiki dan diunggah ulang."
STAFF = {
    Role.OFFICIAL: 4,
    Role.SAMPLER: 2,
    Role.LAB_ANALYST: 3,
    Role.LAB_VERIFIER: 2,
}
# Tables whose ids the seeder assigns itself (PostgreSQL's sequences are moved past them).
_ID_TABLES = (
    Business,
    User,
    Application,
    Nonconformity,
    NonconformityResponse,
    Sample,
    CustodyEvent,
    LabResult,
    Evaluation,
    Decision,
    Certificate,
    SkmSurvey,
)
# Insert order (foreign keys first).
_TABLES = (*_ID_TABLES[:2], UserRole, *_ID_TABLES[2:], AuditEvent, StageVisit)


@dataclass
class SeedReport:
    applications: int = 0
    businesses: int = 0
    certificates: int = 0
    events: int = 0
    rows: int = 0
    seconds: float = 0.0
    states: collections.Counter[str] = field(default_factory=collections.Counter)
    certificate_statuses: collections.Counter[str] = field(default_factory=collections.Counter)


@dataclass
class _Actor:
    id: int
    email: str


@dataclass
class _Spec:
    """One application to be: when it starts, for what, and what will become of it."""

    created: datetime
    product: str
    old: bool = False  # before the two years: certified long ago, expired within them
    renews: _Spec | None = None
    app_id: int | None = None  # once written
    business: int | None = None
    cert_number: str | None = None


def seed(
    n: int,
    *,
    seed: int = 17,
    end: datetime | None = None,
    years: int = 2,
    batch: int = 2000,
    snapshots: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> SeedReport:
    """Seed `n` applications into the initialised database of this SNICERT_HOME, their
    history ending at `end` (default now). `snapshots=False` leaves out the product and
    checklist snapshots (20 kB per application) for benchmarks that never read them."""
    if n < 1:
        raise ValueError("n must be at least 1")
    started = time.perf_counter()
    seeder = _Seeder(random.Random(seed), end or clock.now(), years, snapshots)
    report = SeedReport()
    specs = seeder.plan(n)
    with db.engine().connect() as conn:
        seeder.prepare(conn)
    # The database stores one batch while the next is drawn (PostgreSQL works in its own
    # process; sqlite3 lets go of the GIL while it writes): ~1/3 less time.
    with ThreadPoolExecutor(max_workers=1) as writer:
        pending: Future[None] | None = None
        for i in range(0, len(specs), batch):
            drawn = seeder.draw(specs[i : i + batch], report)
            if pending is not None:
                pending.result()
            pending = writer.submit(_store, drawn, report)
            if progress is not None:
                progress(min(i + batch, len(specs)), len(specs))
        if pending is not None:
            pending.result()
    with db.engine().connect() as conn:
        seeder.finish(conn)
    report.seconds = time.perf_counter() - started
    return report


@dataclass
class _Batch:
    rows: dict[str, list[dict[str, Any]]]
    seq: int  # the audit head after this batch
    hash: str
    counters: dict[str, int]
    new_counters: list[str]


def _store(batch: _Batch, report: SeedReport) -> None:
    """One transaction: the rows, the audit head (signed) and the number counters."""
    with db.engine().connect() as conn, conn.begin():
        for model in _TABLES:
            rows = batch.rows[model.__tablename__]
            if rows:
                _bulk_insert(conn, model, rows)
                report.rows += len(rows)
        signature = checkpoints.sign(batch.seq, batch.hash)
        conn.execute(
            update(AuditHead)
            .where(AuditHead.id == 1)
            .values(seq=batch.seq, hash=batch.hash, signature=signature)
        )
        if batch.new_counters:
            conn.execute(insert(Counter), [{"name": n, "value": 0} for n in batch.new_counters])
        for name, value in batch.counters.items():
            conn.execute(update(Counter).where(Counter.name == name).values(value=value))
    checkpoints.append(batch.seq, batch.hash, signature, clock.now().astimezone(UTC).isoformat())


class _Seeder:
    def __init__(self, rng: random.Random, end: datetime, years: int, snapshots: bool):
        self.rng, self.end, self.years, self.snapshots = rng, end.astimezone(UTC), years, snapshots
        self.zone = settings.current().zone
        catalog = default_catalog()
        self.products = {
            code: catalog.product(code).model_dump(mode="json", by_alias=True, exclude={"schema_"})
            for code in PRODUCT_WEIGHTS
            if code in catalog.products
        }
        self.next_id: dict[str, int] = {}
        self.counters: dict[str, int] = {}
        self.staff: dict[Role, list[_Actor]] = {}
        self.checklists: dict[str, tuple[int, dict[str, Any], str]] = {}
        self.businesses: dict[str, list[int]] = {code: [] for code in self.products}
        self.owners: dict[int, _Actor] = {}
        self.holders: dict[int, dict[str, str]] = {}  # as certificates name the business
        self.stored_counters: set[str] = set()
        self.lab_days: collections.Counter[tuple[Any, ...]] = collections.Counter()
        self.stage_days: collections.Counter[tuple[Any, ...]] = collections.Counter()
        self.actor_days: collections.Counter[tuple[Any, ...]] = collections.Counter()
        self.nc_days: collections.Counter[tuple[Any, ...]] = collections.Counter()
        self.key = ensure_keypair()
        self.body = _certification_body()

    # --- planning ------------------------------------------------------------------

    def plan(self, n: int) -> list[_Spec]:
        """Start moments and products, oldest first (numbers follow the calendar); a few
        applications from 4-5 years back, half of them renewed within the window."""
        rng, span = self.rng, timedelta(days=365 * self.years)
        codes, weights = list(self.products), [PRODUCT_WEIGHTS[c] for c in self.products]
        specs: list[_Spec] = []
        old = n // 25 if n >= 25 else 0
        for _ in range(old):
            created = self.end - timedelta(days=rng.uniform(4.0, 4.8) * 365)
            spec = _Spec(_office_hours(created, rng), rng.choices(codes, weights)[0], old=True)
            specs.append(spec)
        renewals = [s for s in specs if rng.random() < 0.5][: max(0, n - old)]
        for spec in renewals:
            due = spec.created + timedelta(days=4 * 365)  # about when its certificate ends
            created = due - timedelta(days=rng.uniform(30, 120))
            if created < self.end:
                specs.append(_Spec(_office_hours(created, rng), spec.product, renews=spec))
        while len(specs) < n:
            created = self.end - span * rng.random()
            specs.append(_Spec(_office_hours(created, rng), rng.choices(codes, weights)[0]))
        latest = self.end - timedelta(minutes=1)
        for spec in specs:
            spec.created = min(spec.created, latest)
        specs.sort(key=lambda x: x.created)
        return specs

    # --- set-up: staff, checklists, where the ids and counters stand ---------------

    def prepare(self, conn: Connection) -> None:
        with conn.begin():
            self._prepare(conn)

    def _prepare(self, conn: Connection) -> None:
        for model in _ID_TABLES:
            table = model.__table__
            self.next_id[table.name] = (
                conn.scalar(select(func.coalesce(func.max(table.c.id), 0))) + 1
            )
        self.counters = dict(conn.execute(select(Counter.name, Counter.value)).all())
        self.stored_counters = set(self.counters)
        # the seeder is the only writer while it runs: it continues the chain from here
        self.head_seq, self.head_hash = conn.execute(
            select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)
        ).one()
        self.system = _Actor(
            *conn.execute(
                select(User.id, User.email)
                .join(UserRole, UserRole.user_id == User.id)
                .where(UserRole.role == Role.SYSTEM.value)
                .limit(1)
            ).one()
        )
        for code in self.products:
            row = conn.execute(
                select(ChecklistVersion.id, ChecklistVersion.content, ChecklistVersion.sha256)
                .where(ChecklistVersion.kind == "lab", ChecklistVersion.product == code)
                .order_by(
                    (ChecklistVersion.status == "approved").desc(), ChecklistVersion.version.desc()
                )
                .limit(1)
            ).first()
            if row is None:
                raise RuntimeError(f"no checklist of {code} is loaded: run `snicert init` first")
            self.checklists[code] = (row.id, row.content, row.sha256)
        users, roles = [], []
        for role, count in STAFF.items():
            self.staff[role] = []
            for k in range(1, count + 1):
                email = f"seed.{role.value}{k}@lspro.example"
                found = conn.scalar(select(User.id).where(User.email == email))
                if found is None:
                    found = self._id("users")
                    users.append(_user_row(found, email, f"{role.value.title()} {k}", self.end))
                    roles.append({"user_id": found, "role": role.value})
                self.staff[role].append(_Actor(found, email))
        if users:
            conn.execute(insert(User), users)
            conn.execute(insert(UserRole), roles)

    def _id(self, table: str) -> int:
        value = self.next_id[table]
        self.next_id[table] = value + 1
        return value

    def _count(self, name: str) -> int:
        self.counters[name] = self.counters.get(name, 0) + 1
        return self.counters[name]

    # --- one batch -----------------------------------------------------------------

    def draw(self, specs: list[_Spec], report: SeedReport) -> _Batch:
        """The rows of these applications, their audit events chained after the last."""
        self.rows: dict[str, list[dict[str, Any]]] = {m.__tablename__: [] for m in _TABLES}
        self.events: list[dict[str, Any]] = []
        for spec in specs:
            _Case(self, spec, report).run()
        self.events.sort(key=lambda e: e["at"])
        for e in self.events:
            if e["actor_id"] is not None:
                self.actor_days[e["actor_id"], e["at"].astimezone(self.zone).date()] += 1
            self.head_seq += 1
            e["seq"], e["prev_hash"] = self.head_seq, self.head_hash
            self.head_hash = e["hash"] = audit.row_hash(self.head_hash, e)
        self.rows["audit_events"] = self.events
        report.events += len(self.events)
        new = [n for n in self.counters if n not in self.stored_counters]
        self.stored_counters.update(new)
        return _Batch(self.rows, self.head_seq, self.head_hash, dict(self.counters), new)

    def finish(self, conn: Connection) -> None:
        """The review's daily roll-ups (added to what is there), and on PostgreSQL each
        id sequence moved past the ids written here."""
        insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        with conn.begin():
            for model, counts, keys in (
                (
                    LabResultDay,
                    self.lab_days,
                    ["day", "product", "parameter_id", "status", "retest_requested", "verdict"],
                ),
                (StageDay, self.stage_days, ["day", "product", "state", "event", "working_days"]),
                (ActorDay, self.actor_days, ["actor_id", "day"]),
                (NonconformityDay, self.nc_days, ["day", "product", "item_id"]),
            ):
                upsert = insert(model)
                upsert = upsert.on_conflict_do_update(
                    index_elements=keys, set_={"n": model.n + upsert.excluded.n}
                )
                rows = [{**dict(zip(keys, k, strict=True)), "n": n} for k, n in counts.items()]
                for i in range(0, len(rows), 5000):
                    conn.execute(upsert, rows[i : i + 5000])
        if conn.dialect.name != "postgresql":
            return
        with conn.begin():
            for model in _ID_TABLES:
                name = model.__tablename__
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"
                )

    def business_for(self, spec: _Spec, report: SeedReport) -> int:
        if spec.renews is not None:
            return spec.renews.business  # type: ignore[return-value]
        pool = self.businesses[spec.product]
        if pool and self.rng.random() < 0.3:  # a business coming back with another brand
            return self.rng.choice(pool)
        bid = self._id("businesses")
        info = synthetic.business(spec.product, bid % 90000, self.rng)
        joined = spec.created - timedelta(days=self.rng.uniform(0, 30))
        self.rows["businesses"].append(
            {
                "id": bid,
                "name": info["business_name"],
                "nib": f"8{bid:08d}{self.rng.randrange(10**4):04d}",
                "address": info["address"],
                "city": "Kota Kupang",
                "province": "Nusa Tenggara Timur",
                "contact_name": info["name"],
                "phone": info["phone"],
                "email": f"seed{bid}@umkm.example",
                "created_at": joined,
            }
        )
        uid = self._id("users")
        user = _user_row(uid, f"seed{bid}@umkm.example", info["name"], joined)
        self.rows["users"].append({**user, "business_id": bid})
        self.rows["user_roles"].append({"user_id": uid, "role": Role.APPLICANT.value})
        self.owners[bid] = _Actor(uid, user["email"])
        row = self.rows["businesses"][-1]
        self.holders[bid] = {k: row[k] for k in ("name", "nib", "address", "city", "province")}
        pool.append(bid)
        report.businesses += 1
        return bid

    def event(
        self,
        at: datetime,
        actor: _Actor,
        action: str,
        entity: str,
        entity_id: int,
        app_id: int,
        **data: Any,
    ) -> None:
        self.events.append(
            {
                "at": at,
                "actor_id": actor.id,
                "actor": actor.email,
                "action": action,
                "entity": entity,
                "entity_id": entity_id,
                "application_id": app_id,
                "data": audit.canonical_json(data),
            }
        )


class _Stop(Exception):
    """The next step would happen after the end of the history: the case stays here."""


class _Case:
    """One application walked along the lifecycle until it closes or time runs out."""

    def __init__(self, seeder: _Seeder, spec: _Spec, report: SeedReport):
        self.s, self.spec, self.rng, self.report = seeder, spec, seeder.rng, report
        self.product = seeder.products[spec.product]
        self.days = self.product["service_standard_days"]
        self.version_id, self.checklist, self.checklist_sha = seeder.checklists[spec.product]
        self.state, self.at = State.DRAFT, spec.created
        self.round = 1
        self.visit: dict[str, Any] | None = None
        self.officials = self.rng.sample(seeder.staff[Role.OFFICIAL], 3)  # review, evaluate, decide
        self.withdraw_in = (
            self.rng.choice(
                [
                    State.DRAFT,
                    State.DOCUMENT_REVIEW,
                    State.NONCONFORMITY,
                    State.SAMPLING,
                    State.TESTING,
                ]
            )
            if not spec.old and self.rng.random() < 0.05
            else None
        )

    # time: stage durations in working days around the service standard
    def _after(self, standard: float) -> datetime:
        """The moment a stage with this service standard (working days) ends: mostly
        within it, some late (triangular 0.2-1.6 x, mode 0.7 x); 0 is minutes later."""
        if standard == 0:
            return self.at + timedelta(minutes=self.rng.uniform(1, 90))
        days = round(self.rng.triangular(0.2, 1.6, 0.7) * standard)
        return self._workdays_later(days)

    def _workdays_later(self, days: int) -> datetime:
        if days == 0:
            return self.at + timedelta(hours=self.rng.uniform(0.5, 5))
        return _office_hours(clock.add_working_days(self.at, days, self.s.zone), self.rng)

    def step(self, to: State, event: str, actor: _Actor, at: datetime, **data: Any) -> None:
        if at > self.s.end:
            raise _Stop
        self.s.event(
            at,
            actor,
            f"application.{event}",
            "application",
            self.app_id,
            self.app_id,
            **{"from": self.state.value, "to": to.value, **data},
        )
        self.state, self.at = to, at
        self._enter(at)

    def _enter(self, at: datetime) -> None:
        """The stays in each state, as lifecycle.enter writes them."""
        if self.visit is not None:
            zone = self.s.zone
            self.visit["left_at"] = at
            self.visit["working_days"] = days = clock.working_days_between(
                self.visit["entered_at"].astimezone(zone).date(), at.astimezone(zone).date()
            )
            self.s.stage_days[
                at.astimezone(zone).date(), self.spec.product, self.visit["state"], "left", days
            ] += 1
            self.visit = None
        if self.state in OPEN:
            self.visit = {
                "application_id": self.app_id,
                "product": self.spec.product,
                "state": self.state.value,
                "entered_at": at,
                "left_at": None,
                "working_days": None,
            }
            self.s.rows["stage_visits"].append(self.visit)
            day = at.astimezone(self.s.zone).date()
            self.s.stage_days[day, self.spec.product, self.state.value, "entered", -1] += 1

    def run(self) -> None:
        s, spec, report = self.s, self.spec, self.report
        self.app_id = spec.app_id = s._id("applications")
        business = spec.business = s.business_for(spec, report)
        self.owner = s.owners[business]
        year = spec.created.year
        self.number = f"APP-{year}-{s._count(f'application:{year}'):05d}"
        self.row: dict[str, Any] = {
            "id": self.app_id,
            "number": self.number,
            "business_id": business,
            "product": spec.product,
            "brand": self.rng.choice(synthetic.brands(spec.product)),
            "variants": None,
            "production_site": "Kota Kupang, Nusa Tenggara Timur",
            "lot": None,
            "renewal_of": spec.renews.app_id if spec.renews else None,
            "created_by": self.owner.id,
            "created_at": spec.created,
            "submitted_at": None,
            "checklist_version_id": None,
            "checklist_snapshot": None,
            "product_snapshot": None,
            "review_round": 1,
            "overdue": False,
            "row_version": 1,
        }
        s.event(
            spec.created,
            self.owner,
            "application.created",
            "application",
            self.app_id,
            self.app_id,
            number=self.number,
            product=spec.product,
        )
        self._enter(spec.created)
        if spec.renews is not None:
            s.event(
                spec.created,
                self.owner,
                "application.renewal_started",
                "application",
                self.app_id,
                self.app_id,
                renews=spec.renews.cert_number,
            )
        with contextlib.suppress(_Stop):
            self._walk()
        stage = STAGES[self.state]
        due = None
        if stage.service_standard:
            due = clock.add_working_days(self.at, self.days[stage.service_standard], s.zone)
        self.row.update(
            state=self.state.value,
            state_changed_at=self.at,
            review_round=self.round,
            awaiting_role=stage.role.value if stage.role else None,
            awaiting_action=stage.awaiting,
            due_at=due,
            overdue=due is not None and due < s.end,
        )
        s.rows["applications"].append(self.row)
        if self.state in FINAL:
            self._survey()
        report.applications += 1
        report.states[self.state.value] += 1

    def _survey(self) -> None:
        """Closing the case invited its applicant to the satisfaction survey (SKM); seven
        in ten answer it within ten days (if that is before the end of the history)."""
        s, survey_id = self.s, self.s._id("skm_surveys")
        s.event(
            self.at,
            s.system,
            "survey.invited",
            "survey",
            survey_id,
            self.app_id,
            product=self.spec.product,
        )
        row: dict[str, Any] = {
            "id": survey_id,
            "application_id": self.app_id,
            "business_id": self.spec.business,
            "product": self.spec.product,
            "state": "invited",
            "invited_at": self.at,
            "questionnaire_version": None,
            "answered_by": None,
            "answered_at": None,
            **{e.column: None for e in survey.questionnaire().elements},
            "comment": None,
        }
        answered = self.at + timedelta(days=self.rng.uniform(0.05, 10))
        if answered <= s.end and self.rng.random() < 0.7:
            scores = synthetic.survey_scores(self.rng, refused=self.state == State.REFUSED)
            row.update(
                state="answered",
                questionnaire_version=survey.questionnaire().version,
                answered_by=self.owner.id,
                answered_at=answered,
            )
            row.update({e.column: scores[e.id] for e in survey.questionnaire().elements})
            s.event(
                answered,
                self.owner,
                "survey.answered",
                "survey",
                survey_id,
                self.app_id,
                **{"from": "invited", "to": "answered", "scores": scores, "comment": False},
            )
        s.rows["skm_surveys"].append(row)

    def _withdraw_here(self) -> bool:
        if self.state != self.withdraw_in:
            return False
        self.step(State.WITHDRAWN, "withdrawn", self.owner, self._after(5))
        return True

    def _pay(self, official: _Actor) -> None:
        """The applicant uploads a proof of payment within the payment standard and an
        official confirms it (the history's events; no invoice rows are seeded)."""
        self.step(
            State.PAYMENT_CHECK,
            "payment_proof_submitted",
            self.owner,
            self._after(self.days.get("payment", 10)),
        )
        self.step(
            State.DOCUMENT_REVIEW,
            "payment_confirmed",
            official,
            self._after(self.days.get("payment_check", 2)),
        )

    def _walk(self) -> None:
        s, rng = self.s, self.rng
        if self._withdraw_here():
            return
        at = self._workdays_later(rng.randrange(0, 8))
        self.row["submitted_at"] = at if at <= s.end else None
        self.step(
            State.SUBMITTED,
            "submitted",
            self.owner,
            at,
            checklist_version=self.checklist["version"],
            checklist_sha256=self.checklist_sha,
        )
        self.row["checklist_version_id"] = self.version_id
        if s.snapshots:
            self.row["checklist_snapshot"] = self.checklist
            self.row["product_snapshot"] = self.product
        if not self.spec.old and rng.random() < 0.05:  # a mandatory document missing
            missing = rng.choice([d["id"] for d in self.product["documents"]])
            self.step(State.NONCONFORMITY, "screening_failed", s.system, self._after(0))
            self._nonconformities("screening", [missing], s.system)
        else:
            self.step(State.PAYMENT, "screening_passed", s.system, self._after(0))
        reviewer, evaluator, decider = self.officials
        paid = False
        if self.state == State.PAYMENT:
            self._pay(reviewer)
            paid = True
        while True:
            if self._withdraw_here():
                return
            if self.state == State.DOCUMENT_REVIEW:
                fail = {1: 0.3, 2: 0.12}.get(self.round, 0.03)
                if not self.spec.old and rng.random() < fail:
                    self.step(State.NONCONFORMITY, "review_failed", reviewer, self._after(5))
                    items = self._failing_items()
                    self._nonconformities("review", items, reviewer)
                    continue
                self.step(State.SAMPLING, "review_passed", reviewer, self._after(5))
                break
            # the applicant answered the non-conformities (screening's: the invoice first)
            if paid:
                self.step(
                    State.DOCUMENT_REVIEW, "nonconformities_answered", self.owner, self.answered
                )
            else:
                self.step(State.PAYMENT, "screening_answered", self.owner, self.answered)
                self._pay(reviewer)
                paid = True
            self.round += 1
        failing = self._sampling_and_testing()
        conform = not failing
        at = self._after(self.days["evaluation"])
        if at > s.end:
            raise _Stop
        s.rows["evaluations"].append(
            {
                "id": s._id("evaluations"),
                "application_id": self.app_id,
                "evaluator_id": evaluator.id,
                "recommendation": "grant" if conform else "refuse",
                "summary": "Semua persyaratan terpenuhi."
                if conform
                else "Tidak memenuhi: " + ", ".join(failing),
                "findings": {"conform": conform, "failing_parameters": failing},
                "at": at,
            }
        )
        self.step(
            State.DECISION,
            "evaluated",
            evaluator,
            at,
            recommendation="grant" if conform else "refuse",
        )
        at = self._after(self.days["decision"])
        if conform:
            reason = "Memenuhi persyaratan SNI dan skema sertifikasi"
        else:
            names = {p["id"]: p["name"]["id"] for p in self.checklist["parameters"]}
            reason = "Tidak memenuhi syarat mutu: " + ", ".join(names[p] for p in failing)
        outcome = "grant" if conform else "refuse"
        if at <= s.end:
            s.rows["decisions"].append(
                {
                    "id": s._id("decisions"),
                    "application_id": self.app_id,
                    "decided_by": decider.id,
                    "outcome": outcome,
                    "reason": reason,
                    "at": at,
                }
            )
        if not conform:
            self.step(State.REFUSED, "refused", decider, at, reason=reason)
            return
        self.step(State.APPROVED, "granted", decider, at, reason=reason)
        at = self._after(self.days["issuance"])
        if at > s.end:
            raise _Stop
        number = self._certificate(at)
        self.step(State.CERTIFIED, "certified", s.system, at, certificate=number)

    def _failing_items(self) -> list[str]:
        items = [i["id"] for i in self.checklist["document_items"]]
        weights = [len(items) - k for k in range(len(items))]  # some items fail far more
        return sorted(set(self.rng.choices(items, weights, k=self.rng.randint(1, 3))))

    def _nonconformities(self, source: str, items: list[str], actor: _Actor) -> None:
        s = self.s
        answered = self.answered = self._after(self.days["nonconformity_response"])
        for item in items:
            nc_id = s._id("nonconformities")
            done = answered <= s.end
            s.rows["nonconformities"].append(
                {
                    "id": nc_id,
                    "application_id": self.app_id,
                    "round": self.round,
                    "source": source,
                    "item_id": item,
                    "description": f"Belum memenuhi: {item}",
                    "raised_by": actor.id,
                    "raised_at": self.at,
                    "status": "answered" if done else "open",
                }
            )
            s.nc_days[self.at.astimezone(s.zone).date(), self.spec.product, item] += 1
            s.event(
                self.at,
                actor,
                "nonconformity.raised",
                "nonconformity",
                nc_id,
                self.app_id,
                item_id=item,
                source=source,
                round=self.round,
            )
            if done:
                s.rows["nonconformity_responses"].append(
                    {
                        "id": s._id("nonconformity_responses"),
                        "nonconformity_id": nc_id,
                        "text": NC_ANSWER,
                        "document_id": None,
                        "answered_by": self.owner.id,
                        "at": answered,
                    }
                )
                s.event(
                    answered,
                    self.owner,
                    "nonconformity.answered",
                    "nonconformity",
                    nc_id,
                    self.app_id,
                    document_id=None,
                )

    def _sampling_and_testing(self) -> list[str]:
        """Samples, custody and results; returns the failing parameters (empty: conform)."""
        s, rng = self.s, self.rng
        sampler = rng.choice(s.staff[Role.SAMPLER])
        analyst = rng.choice(s.staff[Role.LAB_ANALYST])
        verifier = rng.choice(s.staff[Role.LAB_VERIFIER])
        plan = self.product["sampling_plan"]
        seqs = 0
        while True:
            if self._withdraw_here():
                raise _Stop
            taken = self._after(self.days["sampling"])
            if taken > s.end:
                raise _Stop
            samples: list[dict[str, Any]] = []
            parts = [("test", plan["test_units"])]
            if plan["retained_units"]:
                parts.append(("retained", plan["retained_units"]))
            for purpose, units in parts:
                seqs += 1
                sample_id = s._id("samples")
                samples.append(
                    {
                        "id": sample_id,
                        "application_id": self.app_id,
                        "seq": seqs,
                        "code": f"{self.number}-S{seqs}",
                        "purpose": purpose,
                        "units": units,
                        "amount": None,
                        "container": plan["container"]["id"],
                        "status": "sealed",
                        "seal_number": f"SEAL-{sample_id}",
                        "taken_by": sampler.id,
                        "taken_at": taken,
                        "location": "Gudang produksi, Kota Kupang",
                        "created_at": self.at,
                    }
                )
            s.rows["samples"] += samples
            self.step(State.TESTING, "samples_sent", sampler, taken)
            received = taken + timedelta(hours=rng.uniform(2, 40))
            broken = rng.random() < 0.03 and seqs <= 2  # the lab finds a broken seal
            for sample in samples:
                self._custody(sample, "taken", taken, sampler)
                self._custody(sample, "sealed", taken, sampler)
                self._custody(sample, "rejected" if broken else "received", received, analyst)
            if self._withdraw_here():
                raise _Stop
            if broken:
                self.step(
                    State.SAMPLING,
                    "resampling_requested",
                    analyst,
                    received,
                    reason="Segel rusak saat diterima",
                )
                continue
            break
        done = self._after(self.days["testing"])
        failing = self._results(samples[0]["id"], analyst, verifier, done)
        self.step(State.EVALUATION, "testing_completed", s.system, done)
        return failing

    def _custody(self, sample: dict[str, Any], event: str, at: datetime, by: _Actor) -> None:
        if at > self.s.end:
            return
        sample["status"] = event
        self.s.rows["custody_events"].append(
            {
                "id": self.s._id("custody_events"),
                "sample_id": sample["id"],
                "event": event,
                "at": at,
                "by": by.id,
                "location": None,
                "note": None,
            }
        )

    def _results(
        self, sample_id: int, analyst: _Actor, verifier: _Actor, done: datetime
    ) -> list[str]:
        s, rng = self.s, self.rng
        params = self.checklist["parameters"]
        failing: set[str] = set()
        retested: set[str] = set()
        if rng.random() < 0.12:  # some lab failure
            weights = [1 + (k % 4 == 0) * 4 for k in range(len(params))]  # a few fail more
            bad = rng.choices([p["id"] for p in params], weights)[0]
            (retested if rng.random() < 0.35 else failing).add(bad)
        span = (done - self.at).total_seconds()
        for p in params:
            entered = self.at + timedelta(seconds=span * rng.uniform(0.3, 0.8))
            verified = entered + timedelta(seconds=span * 0.1)
            attempts = [p["id"] in failing or p["id"] in retested]
            if p["id"] in retested:
                attempts.append(False)  # the retest passed
            for n, fails in enumerate(attempts, start=1):
                if entered > s.end:
                    break
                value = synthetic.failing_value(p) if fails else synthetic.passing_value(p)
                s.rows["lab_results"].append(
                    {
                        "id": s._id("lab_results"),
                        "application_id": self.app_id,
                        "product": self.spec.product,
                        "sample_id": sample_id,
                        "parameter_id": p["id"],
                        "attempt": n,
                        "value_text": value,
                        "unit": p["unit"],
                        "uncertainty": None,
                        "method": p.get("method"),
                        "instrument": None,
                        "tested_on": entered,
                        "analyst_id": analyst.id,
                        "entered_at": entered,
                        "status": (
                            "entered"
                            if verified > s.end
                            else "retest_requested"
                            if fails and len(attempts) > n
                            else "verified"
                        ),
                        "note": "Uji ulang diminta" if fails and len(attempts) > n else None,
                        "verdict": "nonconform" if fails else "conform",
                        "verified_by": verifier.id if verified <= s.end else None,
                        "verified_at": verified if verified <= s.end else None,
                    }
                )
                if verified <= s.end:  # concluded: the review's daily roll-up counts it
                    s.lab_days[
                        verified.astimezone(s.zone).date(),
                        self.spec.product,
                        p["id"],
                        "verified",
                        fails and len(attempts) > n,
                        "nonconform" if fails else "conform",
                    ] += 1
                entered = verified + timedelta(hours=rng.uniform(4, 48))
                verified = entered + timedelta(hours=rng.uniform(1, 24))
        return sorted(failing)

    def _certificate(self, at: datetime) -> str:
        s, rng, product = self.s, self.rng, self.product
        cert_id = s._id("certificates")
        prefix = product["certificate_prefix"]
        number = f"SNI-{prefix}-{at.year}-{s._count(f'certificate:{prefix}:{at.year}'):04d}"
        self.spec.cert_number = number
        scheme = product["scheme"]
        valid_until = _add_years(at, scheme["validity_years"]) if scheme["validity_years"] else None
        holder = s.holders[self.row["business_id"]]
        data = {
            "number": number,
            "holder": holder,
            "production_site": self.row["production_site"],
            "brand": self.row["brand"],
            "product": {"code": self.spec.product, "name": product["name"], "variants": None},
            "standards": [
                {"number": x["number"], "title": x["title"]} for x in product["standards"]
            ],
            "scheme": scheme["type"],
            "scope": product["scope"],
            "issued_at": at.isoformat(),
            "valid_until": valid_until.isoformat() if valid_until else None,
            "checklist": {"product": self.spec.product, "version": self.checklist["version"]},
            "evaluation_id": None,
            "application": self.number,
            "certification_body": s.body,
        }
        status, reason = "active", None
        s.event(
            at,
            s.system,
            "certificate.issued",
            "certificate",
            cert_id,
            self.app_id,
            number=number,
            key_id=s.key.kid,
        )
        moment = at
        official = self.officials[2]

        def change(
            to: str, event: str, when: datetime, why: str, actor: _Actor = official, **extra: Any
        ) -> bool:
            nonlocal status, reason, moment
            if when > s.end:
                return False
            s.event(
                when,
                actor,
                f"certificate.{event}",
                "certificate",
                cert_id,
                self.app_id,
                **{"from": status, "to": to, "reason": why, **extra},
            )
            status, reason, moment = to, why, when
            return True

        r = rng.random()
        if r < 0.06:
            when = _office_hours(at + timedelta(days=rng.uniform(60, 600)), rng)
            why = rng.choice(SUSPEND_REASONS)
            fix_by = when + timedelta(days=90)
            if change("suspended", "suspended", when, why, fix_by=fix_by.isoformat()):
                follow = rng.random()
                later = _office_hours(when + timedelta(days=rng.uniform(10, 90)), rng)
                if follow < 0.5:
                    change("active", "reinstated", later, "Tindakan perbaikan diterima")
                elif follow < 0.8:
                    change("withdrawn", "withdrawn", later, rng.choice(WITHDRAW_REASONS[:1]))
        elif r < 0.09:
            when = _office_hours(at + timedelta(days=rng.uniform(30, 700)), rng)
            change("withdrawn", "withdrawn", when, rng.choice(WITHDRAW_REASONS[1:]))
        if valid_until is not None and status in ("active", "suspended"):
            change(
                "expired",
                "expired",
                valid_until + timedelta(hours=rng.uniform(1, 20)),
                "validity ended",
                s.system,
            )
        credential = sign_certificate(data, s.key)
        s.rows["certificates"].append(
            {
                "id": cert_id,
                "application_id": self.app_id,
                "number": number,
                "product": self.spec.product,
                "business_id": self.row["business_id"],
                "status": status,
                "status_reason": reason,
                "issued_by": s.system.id,
                "issued_at": at,
                "valid_until": valid_until,
                "data": data,
                "key_id": s.key.kid,
                "credential": credential,
                "row_version": 1,
            }
        )
        self.report.certificates += 1
        self.report.certificate_statuses[status] += 1
        return number


def _bulk_insert(conn: Connection, model: type, rows: list[dict[str, Any]]) -> None:
    """Rows in one go past the ORM's per-value processing: PostgreSQL's COPY, SQLite's
    executemany (~10x faster than an executemany through SQLAlchemy's types). Datetimes are
    UTC (SQLite: as text in SQLAlchemy's form), JSON goes in as text."""
    table = model.__table__
    columns = [c for c in table.columns if c.name in rows[0]]
    names = [c.name for c in columns]
    json_ids: dict[int, str] = {}  # the same snapshot object is serialised once

    def as_json(value: Any) -> str | None:
        if value is None:
            return None
        key = id(value)
        if key not in json_ids:
            json_ids[key] = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        return json_ids[key]

    sqlite = conn.dialect.name == "sqlite"
    convert: list[Callable[[Any], Any] | None] = []
    for c in columns:
        if isinstance(c.type, UTCDateTime):
            convert.append(_sqlite_time if sqlite else None)  # COPY takes them as UTC
        elif isinstance(c.type, JSON):
            convert.append(as_json)
        else:
            convert.append(None)
    values = [
        tuple(
            fn(row[n]) if fn is not None else row[n] for n, fn in zip(names, convert, strict=True)
        )
        for row in rows
    ]
    raw = conn.connection.driver_connection
    if sqlite:
        marks = ", ".join("?" for _ in names)
        raw.executemany(f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})", values)
    else:
        with raw.cursor().copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
            for v in values:
                copy.write_row(v)


def _sqlite_time(value: datetime | None) -> str | None:
    """As SQLAlchemy's SQLite DateTime stores it: naive UTC, microseconds always written."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _certification_body() -> dict[str, Any]:
    cfg = settings.current()
    value = {n: getattr(cfg, n) or synthetic.IDENTITY.get(n, "") for n in synthetic.IDENTITY}
    return {
        "name": value["lspro_name"],
        "address": value["lspro_address"],
        "accreditation": value["lspro_accreditation"],
        "signatory": {"name": value["signatory_name"], "title": value["signatory_title"]},
    }


def _user_row(uid: int, email: str, name: str, at: datetime) -> dict[str, Any]:
    return {
        "id": uid,
        "email": email,
        "name": name,
        "phone": None,
        "password_hash": None,  # nobody signs in as a seeded person
        "active": True,
        "must_change_password": False,
        "business_id": None,
        "created_at": at,
    }


def _office_hours(moment: datetime, rng: random.Random) -> datetime:
    """The same day between 08:00 and 16:00 WITA (00:00-08:00 UTC)."""
    return moment.replace(
        hour=rng.randrange(0, 8),
        minute=rng.randrange(60),
        second=rng.randrange(60),
        microsecond=rng.randrange(10**6),
        tzinfo=UTC,
    )


def _add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)
