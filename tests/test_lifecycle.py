"""The application lifecycle, end to end through the service layer.

Covers: every allowed transition through the service a real caller uses (state, stage and
audit event written in the caller's transaction); every refused (state, action) pair;
role guards and ownership; separation of duties; checklist snapshots; the
non-conformity loop; a failing lab result; certificate status changes.

Refusals are checked to leave the database exactly as it was (`dump()` compares every
row of every table, audit head included).
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from snicert import clock, lifecycle, messages, synthetic
from snicert.catalog import Catalog, default_catalog
from snicert.catalog.models import MaxReq
from snicert.db import engine as db
from snicert.db.models import (
    Application,
    AuditEvent,
    Base,
    Certificate,
    ChecklistVersion,
    Decision,
    Evaluation,
    LabResult,
    Nonconformity,
    NonconformityResponse,
    ReviewVerdict,
    User,
    UserRole,
)
from snicert.errors import (
    Conflict,
    IllegalTransition,
    InvalidInput,
    MayNotAct,
    PermissionDenied,
    SeparationOfDuties,
)
from snicert.lifecycle import (
    CERTIFICATE_TRANSITIONS,
    FINAL,
    OPEN,
    STAGES,
    TRANSITIONS,
    CertState,
    State,
    Transition,
)
from snicert.roles import Role
from snicert.services import accounts, applications, certificates, checklists, decisions, fees, lab
from snicert.services.guards import application
from tests.world import World

PRODUCT = "abon"
NC_ITEM, NC_DOC = "npwp_present", "npwp"  # a document item of abon and its document
REASON = "Keputusan berdasarkan laporan evaluasi"

BY_ACTION = {t.action: t for t in TRANSITIONS}
CERT_BY_ACTION = {t.action: t for t in CERTIFICATE_TRANSITIONS}
ACTIONS = sorted(BY_ACTION)
TRANSITION_AUDIT_ACTIONS = {f"application.{getattr(t, 'event', t.action)}" for t in TRANSITIONS}
CERT_ACTIONS = sorted(CERT_BY_ACTION)
TABLES = {"application": TRANSITIONS, "certificate": CERTIFICATE_TRANSITIONS}

# The lifecycle as specified, written out independently of the TRANSITIONS table.
EXPECTED_ALLOWED: dict[str, set[str]] = {
    "draft": {"submit", "withdraw"},
    "submitted": {"screen_pass", "screen_fail", "withdraw"},
    "payment": {"submit_payment_proof", "withdraw"},
    "payment_check": {"confirm_payment", "refuse_payment", "withdraw"},
    "document_review": {"review_pass", "review_fail", "withdraw"},
    "nonconformity": {"answer_nonconformities", "answer_nonconformities_unpaid", "withdraw"},
    "sampling": {"samples_sent", "withdraw"},
    "testing": {"resample", "testing_complete", "await_site_audit", "withdraw"},
    "site_audit": {"site_audit_done", "withdraw"},
    "evaluation": {"evaluate", "withdraw"},
    "decision": {"grant", "refuse", "withdraw"},
    "approved": {"issue", "withdraw"},
    "certified": set(),
    "refused": set(),
    "withdrawn": set(),
}
EXPECTED_CERT_ALLOWED: dict[str, set[str]] = {
    "active": {"suspend", "withdraw", "expire"},
    "suspended": {"reinstate", "withdraw", "expire"},
    "withdrawn": set(),
    "expired": set(),
}

# The roles of the World's cast (tests/world.py), by user name; "owner" is the applicant.
CAST: dict[str, frozenset[Role]] = {
    "reviewer": frozenset({Role.OFFICIAL}),
    "sampler": frozenset({Role.SAMPLER}),
    "analyst": frozenset({Role.LAB_ANALYST}),
    "verifier": frozenset({Role.LAB_VERIFIER}),
    "labboth": frozenset({Role.LAB_ANALYST, Role.LAB_VERIFIER}),
    "system": frozenset({Role.SYSTEM}),
    "owner": frozenset({Role.APPLICANT}),
}

# Who takes each action in the happy path.
DEFAULT_ACTOR = {
    "submit": "owner",
    "screen_pass": "system",
    "screen_fail": "system",
    "review_pass": "reviewer",
    "review_fail": "reviewer",
    "answer_nonconformities": "owner",
    "answer_nonconformities_unpaid": "owner",
    "submit_payment_proof": "owner",
    "confirm_payment": "reviewer",
    "refuse_payment": "reviewer",
    "samples_sent": "sampler",
    "testing_complete": "system",
    "await_site_audit": "system",
    "site_audit_done": "system",
    "evaluate": "evaluator",
    "grant": "decider",
    "refuse": "decider",
    "issue": "system",
    "withdraw": "owner",
    "resample": "analyst",
}


# ---------------------------------------------------------------- helpers


# Service-level tests: every step is taken here, by hand (conftest's handler table starts
# no flow after a commit and sends no events).


def audit_action(t: Transition, entity: str = "application") -> str:
    """The audit action a transition writes: "<entity>.<event>" (the event names what
    happened, e.g. application.submitted; the action name where a table has no events)."""
    return f"{entity}.{getattr(t, 'event', t.action)}"


def make_user(name: str, roles: frozenset[Role] | set[Role]) -> User:
    """A user that exists only in memory: enough for lifecycle.check."""
    return User(
        email=f"{name}@test.example",
        name=name,
        role_rows=[UserRole(role=r.value) for r in sorted(roles)],
    )


def dump() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: two equal dumps mean nothing at all changed."""
    with db.transaction() as s:
        return {
            t.name: [tuple(r) for r in s.execute(select(t).order_by(*t.primary_key.columns))]
            for t in Base.metadata.sorted_tables
        }


def assert_refused(
    call: Callable[[Session], Any], exc_type: type[Exception], *fragments: str
) -> Exception:
    """`call` in its own transaction must raise exactly `exc_type`, with a message naming
    every fragment, and leave the database unchanged (the transaction rolled back)."""
    before = dump()
    with pytest.raises(exc_type) as info, db.transaction() as s:
        call(s)
    err = info.value
    assert type(err) is exc_type, f"expected {exc_type.__name__}, got {type(err).__name__}: {err}"
    for fragment in fragments:
        assert fragment in str(err), f"{fragment!r} not in {str(err)!r}"
    assert dump() == before, "a refused call changed the database"
    return err


def who(w: World, s: Session, name: str, app_id: int) -> User:
    return w.owner(s, app_id) if name == "owner" else w.user(s, name)


def max_seq(s: Session) -> int:
    return s.scalar(select(func.coalesce(func.max(AuditEvent.seq), 0)))


def events(s: Session, app_id: int, action: str, after: int = 0) -> list[AuditEvent]:
    return list(
        s.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.application_id == app_id,
                AuditEvent.action == action,
                AuditEvent.seq > after,
            )
            .order_by(AuditEvent.seq)
        )
    )


def verdicts_for(
    s: Session, app_id: int, nonconform: set[str] = frozenset()
) -> dict[str, tuple[str, str | None]]:
    items = application(s, app_id).checklist_snapshot["document_items"]
    return {
        i["id"]: ("nonconform", "Dokumen tidak sesuai")
        if i["id"] in nonconform
        else ("conform", None)
        for i in items
    }


def run(w: World, s: Session, action: str, app_id: int, actor: str | None = None) -> User:
    """Take `action` on the application through the service a real caller uses."""
    user = who(w, s, actor or DEFAULT_ACTOR[action], app_id)
    if action == "submit":
        applications.submit(s, user, app_id, fees.agreement().version)
    elif action in ("screen_pass", "screen_fail"):
        applications.screen(s, user, app_id)
    elif action == "review_pass":
        applications.record_review(s, user, app_id, verdicts_for(s, app_id))
    elif action == "review_fail":
        applications.record_review(s, user, app_id, verdicts_for(s, app_id, {NC_ITEM}))
    elif action == "submit_payment_proof":
        inv = fees.invoice(s, app_id)
        name, data = synthetic.payment_proof(inv.number, inv.total_idr, "UMKM test")
        fees.submit_proof(s, user, app_id, name, data, "TRF-9")
    elif action == "confirm_payment":
        fees.confirm(s, user, app_id)
    elif action == "refuse_payment":
        fees.refuse(s, user, app_id, "Jumlah transfer kurang")
    elif action in ("answer_nonconformities", "answer_nonconformities_unpaid"):
        # which of the two: whether the case was paid (screening's or review's findings)
        open_ncs = applications.open_nonconformities(s, app_id)
        assert open_ncs
        for nc in open_ncs:
            applications.answer_nonconformity(s, user, nc.id, "Sudah diperbaiki")
    elif action == "samples_sent":
        seals = {x.code: f"SEAL-{x.id}" for x in lab.samples_of(s, app_id)}
        lab.record_sampling(s, user, app_id, seals, "Gudang produksi, Kota Kupang")
    elif action in ("testing_complete", "await_site_audit"):
        # which of the two: whether the case's site audit is concluded (prepare)
        assert lab.complete_testing(s, user, app_id) is True
    elif action == "site_audit_done":
        lifecycle.apply(s, application(s, app_id, lock=True), action, user)
    elif action == "evaluate":
        conform = decisions.findings(s, application(s, app_id))["conform"]
        decisions.evaluate(s, user, app_id, "grant" if conform else "refuse", REASON)
    elif action in ("grant", "refuse"):
        decisions.decide(s, user, app_id, action, REASON)
    elif action == "issue":
        certificates.issue(s, user, app_id)
    elif action == "withdraw":
        applications.withdraw(s, user, app_id, "Usaha berhenti produksi")
    elif action == "resample":
        lab.reject_sample(
            s, user, lab.test_sample(s, application(s, app_id)).id, "Segel sampel rusak"
        )
    else:
        raise AssertionError(f"no service call known for {action!r}")
    return user


def reach(w: World, app_id: int, state: str, action: str = "") -> None:
    if action in ("screen_fail", "answer_nonconformities_unpaid"):
        w.submit_with_gaps(app_id)  # the dossier lost its documents: screening fails
    if state == "nonconformity" and action == "answer_nonconformities_unpaid":
        with db.transaction() as s:
            applications.screen(s, w.user(s, "system"), app_id)
    elif state == "nonconformity":
        w.advance_to(app_id, "document_review")
        w.review_all(app_id, nonconform={NC_ITEM})
    else:
        w.advance_to(app_id, state)
    assert w.app(app_id).state == state


def prepare(w: World, app_id: int, action: str) -> None:
    """What must be done in the source state before `action` can be taken."""
    if action == "samples_sent":
        with db.transaction() as s:
            lab.create_samples(s, w.user(s, "system"), app_id)
    elif action == "testing_complete":
        w.enter_all_results(app_id)
        w.pass_site_audit(app_id)  # concluded before the lab work ends
    elif action == "await_site_audit":
        w.enter_all_results(app_id)
    elif action == "site_audit_done":
        w.pass_site_audit(app_id)


def setup_for(action: str, source: str) -> tuple[World, int]:
    w = World().setup_staff()
    app_id = w.new_application(PRODUCT)
    reach(w, app_id, source, action)
    prepare(w, app_id, action)
    return w, app_id


def enter_results(w: World, app_id: int, overrides: dict[str, str] | None = None) -> None:
    """Enter and verify a passing result for every parameter (unless overridden); complete."""
    with db.transaction() as s:
        for p in application(s, app_id).checklist_snapshot["parameters"]:
            value = (overrides or {}).get(p["id"], synthetic.passing_value(p))
            r = lab.record_result(s, w.user(s, "analyst"), app_id, p["id"], value, p["unit"])
            lab.verify_result(s, w.user(s, "verifier"), r.id)
    with db.transaction() as s:
        assert lab.complete_testing(s, w.user(s, "system"), app_id)


def moisture_limit(snapshot: dict[str, Any]) -> Decimal:
    [p] = [p for p in snapshot["parameters"] if p["id"] == "moisture"]
    assert p["requirement"]["kind"] == "max"
    return Decimal(str(p["requirement"]["max"]))


def changed_catalog(version_delta: int, moisture_max: str) -> Catalog:
    """The shipped catalog with abon's moisture limit changed (the shipped one untouched)."""
    cat = default_catalog()
    cl = cat.checklists[PRODUCT]
    params = [
        p.model_copy(update={"requirement": MaxReq(kind="max", max=Decimal(moisture_max))})
        if p.id == "moisture"
        else p
        for p in cl.parameters
    ]
    changed = cl.model_copy(update={"version": cl.version + version_delta, "parameters": params})
    return dataclasses.replace(cat, checklists={**cat.checklists, PRODUCT: changed})


def doc_file(name: str) -> tuple[str, bytes]:
    spec = default_catalog().product(PRODUCT).model_dump(mode="json")
    [doc] = [d for d in spec["documents"] if d["id"] == name]
    return synthetic.document(doc, PRODUCT, "UMKM koreksi", seed=3)


class _Rollback(Exception):
    """Raised inside a transaction to make the caller roll it back."""


# ---------------------------------------------------------------- the table itself


def test_transition_table_matches_the_specified_lifecycle() -> None:
    assert len(BY_ACTION) == len(TRANSITIONS), "application actions must be unique"
    assert len(CERT_BY_ACTION) == len(CERTIFICATE_TRANSITIONS)
    assert {s.value for s in State} == set(EXPECTED_ALLOWED)
    for state in State:
        assert lifecycle.allowed_actions(state.value) == sorted(EXPECTED_ALLOWED[state.value])
    for cstate in CertState:
        assert lifecycle.allowed_actions(cstate.value, CERTIFICATE_TRANSITIONS) == sorted(
            EXPECTED_CERT_ALLOWED[cstate.value]
        )
    assert {s.value for s in FINAL} == {s for s, a in EXPECTED_ALLOWED.items() if not a}
    assert BY_ACTION["withdraw"].sources == OPEN
    # each transition leaves its own audit action: the trail says which one was taken
    assert len(TRANSITION_AUDIT_ACTIONS) == len(TRANSITIONS)
    assert len({audit_action(t, "certificate") for t in CERTIFICATE_TRANSITIONS}) == len(
        CERTIFICATE_TRANSITIONS
    )
    # every state a transition leads to is reachable and has its stage defined
    assert set(STAGES) == set(State)
    for state, stage in STAGES.items():
        assert (stage.role is None) == (state in FINAL)


# ---------------------------------------------------------------- 1. allowed transitions

SERVICE_CASES = [(t.action, src.value) for t in TRANSITIONS for src in sorted(t.sources)]


@pytest.mark.parametrize(
    ("action", "source"), SERVICE_CASES, ids=[f"{a}-from-{s}" for a, s in SERVICE_CASES]
)
def test_allowed_transition_through_its_service(home, action: str, source: str) -> None:
    t = BY_ACTION[action]
    w, app_id = setup_for(action, source)
    before = dump()

    # The state change and its audit event are written in the caller's transaction...
    with pytest.raises(_Rollback), db.transaction() as s:
        top = max_seq(s)
        run(w, s, action, app_id)
        assert application(s, app_id).state == t.target
        assert len(events(s, app_id, audit_action(t), top)) == 1
        raise _Rollback
    # ...so a caller that rolls back loses both, and nothing else was written.
    assert dump() == before

    with db.transaction() as s:
        top = max_seq(s)
        actor_email = run(w, s, action, app_id).email
    with db.transaction() as s:
        app = application(s, app_id)
        assert app.state == t.target.value
        stage = STAGES[t.target]
        assert app.awaiting_role == (stage.role.value if stage.role else None)
        assert app.awaiting_action == stage.awaiting
        assert (app.due_at is not None) == (stage.service_standard is not None)
        [ev] = events(s, app_id, audit_action(t), top)
        data = json.loads(ev.data)
        assert (data["from"], data["to"]) == (source, t.target.value)
        assert (ev.entity, ev.entity_id, ev.actor) == ("application", app_id, actor_email)
        # exactly one state change happened: no other application.<transition> event
        moved = [
            e.action
            for e in s.scalars(
                select(AuditEvent).where(AuditEvent.application_id == app_id, AuditEvent.seq > top)
            )
            if e.action in TRANSITION_AUDIT_ACTIONS
        ]
        assert moved == [audit_action(t)]


def test_resample_through_a_lab_service(home) -> None:
    w = World().setup_staff()
    app_id = w.new_application(PRODUCT)
    reach(w, app_id, "testing")
    with db.transaction() as s:
        first = lab.test_sample(s, w.app(app_id))
        lab.reject_sample(s, w.user(s, "analyst"), first.id, "Segel sampel rusak")
    assert w.app(app_id).state == "sampling"
    with db.transaction() as s:
        fresh = lab.create_samples(s, w.user(s, "system"), app_id)
        assert [x.seq for x in fresh] == [3, 4]  # numbering continues after the rejected
        assert {x.status for x in lab.samples_of(s, app_id) if x.seq < 3} == {"rejected"}
        assert lab.create_samples(s, w.user(s, "system"), app_id) == fresh  # idempotent


# ---------------------------------------------------------------- 2. refused transitions

OMNI = make_user("omni", frozenset(Role))  # holds every role: refusals are about the state
REFUSED = [(st.value, a) for st in State for a in ACTIONS if a not in EXPECTED_ALLOWED[st.value]]
ALLOWED = [(st.value, a) for st in State for a in ACTIONS if a in EXPECTED_ALLOWED[st.value]]
CERT_REFUSED = [
    (st.value, a)
    for st in CertState
    for a in CERT_ACTIONS
    if a not in EXPECTED_CERT_ALLOWED[st.value]
]


def test_matrix_is_complete() -> None:
    assert len(REFUSED) + len(ALLOWED) == len(State) * len(ACTIONS)
    assert len(ALLOWED) == sum(len(t.sources) for t in TRANSITIONS)


def assert_names(message: str, action: str, state: str, allowed: set[str]) -> None:
    """The refusal names the action, the current state and every action allowed from it."""
    assert message.startswith(f"cannot {action!r} "), message
    assert f" in state {state!r};" in message, message
    allowed_text = ", ".join(sorted(allowed)) or "none (final state)"
    assert message.endswith(f"allowed from there: {allowed_text}"), message


@pytest.mark.parametrize(("state", "action"), REFUSED, ids=[f"{s}-{a}" for s, a in REFUSED])
def test_refused_transition(state: str, action: str) -> None:
    with pytest.raises(IllegalTransition) as info:
        lifecycle.check(state, action, OMNI)
    err = info.value
    assert (err.state, err.action) == (state, action)
    assert err.allowed == sorted(EXPECTED_ALLOWED[state])
    assert_names(str(err), action, state, EXPECTED_ALLOWED[state])


@pytest.mark.parametrize(("state", "action"), ALLOWED, ids=[f"{s}-{a}" for s, a in ALLOWED])
def test_allowed_check_returns_the_transition(state: str, action: str) -> None:
    t = lifecycle.check(state, action, OMNI)
    assert t is BY_ACTION[action]
    assert state in t.sources


@pytest.mark.parametrize(
    ("state", "action"), CERT_REFUSED, ids=[f"{s}-{a}" for s, a in CERT_REFUSED]
)
def test_refused_certificate_transition(state: str, action: str) -> None:
    with pytest.raises(IllegalTransition) as info:
        lifecycle.check(state, action, OMNI, CERTIFICATE_TRANSITIONS, "certificate")
    assert info.value.allowed == sorted(EXPECTED_CERT_ALLOWED[state])
    assert_names(str(info.value), action, state, EXPECTED_CERT_ALLOWED[state])
    assert "certificate" in str(info.value)


def test_refusals_through_services_change_nothing(home) -> None:
    w = World().setup_staff()
    app_id = w.new_application(PRODUCT)

    def decide(outcome: str) -> Callable[[Session], Any]:
        return lambda s: decisions.decide(s, w.user(s, "decider"), app_id, outcome, REASON)

    def issue(s: Session) -> Any:
        return certificates.issue(s, w.user(s, "system"), app_id)

    def submit(s: Session) -> Any:
        return applications.submit(s, w.owner(s, app_id), app_id, fees.agreement().version)

    assert_refused(
        decide("grant"),
        IllegalTransition,
        "cannot 'grant'",
        "in state 'draft'",
        "allowed from there: submit, withdraw",
    )
    assert_refused(issue, IllegalTransition, "cannot 'issue'", "in state 'draft'")
    assert_refused(
        lambda s: applications.screen(s, w.user(s, "system"), app_id),
        IllegalTransition,
        "in state 'draft'",
    )

    reach(w, app_id, "submitted")
    assert_refused(
        submit,
        IllegalTransition,
        "cannot 'submit'",
        "in state 'submitted'",
        "allowed from there: screen_fail, screen_pass, withdraw",
    )

    reach(w, app_id, "evaluation")
    assert_refused(
        issue, IllegalTransition, "in state 'evaluation'", "allowed from there: evaluate, withdraw"
    )
    assert_refused(decide("refuse"), IllegalTransition, "cannot 'refuse'", "in state 'evaluation'")
    assert_refused(
        lambda s: applications.record_review(
            s, w.user(s, "reviewer"), app_id, verdicts_for(s, app_id)
        ),
        IllegalTransition,
        "cannot 'review_pass'",
        "in state 'evaluation'",
    )
    # steps that are not transitions refuse out of their state too
    name, data = doc_file(NC_DOC)
    assert_refused(
        lambda s: applications.attach_document(s, w.owner(s, app_id), app_id, NC_DOC, name, data),
        Conflict,
        "is a draft or answers non-conformities",
        "is now: " + messages.text("st_evaluation", "en"),
    )
    assert_refused(
        lambda s: lab.create_samples(s, w.user(s, "system"), app_id),
        Conflict,
        "is now: " + messages.text("st_evaluation", "en"),
    )
    assert_refused(
        lambda s: lab.record_result(s, w.user(s, "analyst"), app_id, "moisture", "5", "%"),
        Conflict,
        "is now: " + messages.text("st_evaluation", "en"),
    )

    reach(w, app_id, "certified")
    assert_refused(issue, IllegalTransition, "in state 'certified'", "none (final state)")
    assert_refused(
        lambda s: applications.withdraw(s, w.owner(s, app_id), app_id, "x"),
        IllegalTransition,
        "cannot 'withdraw'",
        "in state 'certified'",
        "none (final state)",
    )
    assert_refused(submit, IllegalTransition, "in state 'certified'")
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Certificate)) == 1


def test_refusal_names_the_state_after_a_move_in_the_same_transaction(home) -> None:
    """The services re-read the locked row, so a second step in one transaction sees the
    stored state (a plain string, not the State enum apply() assigned)."""
    w = World().setup_staff()
    app_id = w.new_application(PRODUCT)
    with pytest.raises(IllegalTransition) as info, db.transaction() as s:
        owner = w.owner(s, app_id)
        applications.submit(s, owner, app_id, fees.agreement().version)
        applications.submit(s, owner, app_id, fees.agreement().version)
    assert "in state 'submitted';" in str(info.value)


# ---------------------------------------------------------------- 3. role guards

ROLE_MATRIX = [
    (kind, t.action, name)
    for kind, table in TABLES.items()
    for t in table
    for name, roles in CAST.items()
    if not roles & t.roles
]
ROLE_ALLOWED = [
    (kind, t.action, name)
    for kind, table in TABLES.items()
    for t in table
    for name, roles in CAST.items()
    if roles & t.roles
]


@pytest.mark.parametrize(
    ("kind", "action", "name"), ROLE_MATRIX, ids=[f"{k}:{a}-{n}" for k, a, n in ROLE_MATRIX]
)
def test_check_refuses_an_actor_without_the_role(kind: str, action: str, name: str) -> None:
    table = TABLES[kind]
    t = next(x for x in table if x.action == action)
    actor = make_user(name, CAST[name])
    for source in sorted(t.sources):
        with pytest.raises(PermissionDenied) as info:
            lifecycle.check(source.value, action, actor, table, kind)
        assert type(info.value) is PermissionDenied
        assert info.value.key == "err_needs_role"
        said = str(info.value)
        assert all(messages.text(f"role_{r}", "en") in said for r in {*t.roles, *CAST[name]})
        assert actor.email in said


@pytest.mark.parametrize(
    ("kind", "action", "name"), ROLE_ALLOWED, ids=[f"{k}:{a}-{n}" for k, a, n in ROLE_ALLOWED]
)
def test_check_lets_an_actor_with_the_role(kind: str, action: str, name: str) -> None:
    table = TABLES[kind]
    t = next(x for x in table if x.action == action)
    for source in t.sources:
        assert lifecycle.check(source.value, action, make_user(name, CAST[name]), table, kind) is t


def test_an_actor_without_roles_is_refused_everything() -> None:
    nobody = make_user("nobody", set())
    for kind, table in TABLES.items():
        for t in table:
            for source in t.sources:
                with pytest.raises(PermissionDenied, match="nobody@test.example has none"):
                    lifecycle.check(source.value, t.action, nobody, table, kind)


SERVICE_ROLE_CASES = [t.action for t in TRANSITIONS]


@pytest.mark.parametrize("action", SERVICE_ROLE_CASES)
def test_service_refuses_every_actor_without_the_role(home, action: str) -> None:
    t = BY_ACTION[action]
    source = "draft" if action == "withdraw" else next(iter(t.sources)).value
    w, app_id = setup_for(action, source)
    lacking = [n for n, roles in CAST.items() if not roles & t.roles]
    assert lacking
    with db.transaction() as s:
        emails = {n: who(w, s, n, app_id).email for n in lacking}
    before = dump()
    for name in lacking:
        with pytest.raises(PermissionDenied) as info, db.transaction() as s:
            run(w, s, action, app_id, actor=name)
        err = info.value
        assert type(err) is PermissionDenied, f"{name}: {err!r}"
        assert emails[name] in str(err)
        if Role.APPLICANT in t.roles:  # applicant steps: staff do not act for the business
            assert "does not act for the business" in str(err)
        else:
            assert err.key == "err_needs_role"
            assert all(messages.text(f"role_{r}", "en") in str(err) for r in t.roles)
    assert dump() == before
    # the refusal was about the actor: the right one may
    with db.transaction() as s:
        run(w, s, action, app_id)
    assert w.app(app_id).state == t.target


def test_applicant_cannot_act_on_another_business_application(home) -> None:
    w = World().setup_staff()
    app_id = w.new_application(PRODUCT)  # owned by applicant0's business
    w.applicant(PRODUCT, name="other")
    name, data = doc_file(NC_DOC)
    denied = ("other@umkm.example does not act for the business of application",)

    def as_other(fn: Callable[..., Any], *args: Any) -> Callable[[Session], Any]:
        return lambda s: fn(s, w.user(s, "other"), *args)

    assert_refused(as_other(applications.submit, app_id, 1), PermissionDenied, *denied)
    assert_refused(
        as_other(applications.attach_document, app_id, NC_DOC, name, data),
        PermissionDenied,
        *denied,
    )
    assert_refused(
        as_other(applications.withdraw, app_id, "bukan punya saya"), PermissionDenied, *denied
    )

    reach(w, app_id, "nonconformity")
    with db.transaction() as s:
        [nc] = applications.open_nonconformities(s, app_id)
        nc_id = nc.id
    assert_refused(
        as_other(applications.answer_nonconformity, nc_id, "Sudah diperbaiki"),
        PermissionDenied,
        *denied,
    )
    assert_refused(
        as_other(applications.attach_document, app_id, NC_DOC, name, data),
        PermissionDenied,
        *denied,
    )
    assert_refused(
        as_other(applications.withdraw, app_id, "bukan punya saya"), PermissionDenied, *denied
    )
    # the owner may
    with db.transaction() as s:
        applications.answer_nonconformity(s, w.owner(s, app_id), nc_id, "Sudah diperbaiki")
    assert w.app(app_id).state == "document_review"


def test_only_officials_create_staff(home) -> None:
    w = World().setup_staff()
    w.applicant(PRODUCT, name="umkm")
    for name in ["sampler", "analyst", "verifier", "labboth", "system", "umkm"]:
        assert_refused(
            lambda s, n=name: accounts.create_staff(
                s, w.user(s, n), f"new-{n}@lspro.example", "Staf Baru", {Role.OFFICIAL}
            ),
            PermissionDenied,
            "needs the role Official",
            f"{name}@",
        )
    # an official may, and only with staff roles
    assert_refused(
        lambda s: accounts.create_staff(
            s, w.user(s, "reviewer"), "x@lspro.example", "X", {Role.SYSTEM}
        ),
        InvalidInput,
        "roles",
    )
    with db.transaction() as s:
        user, code = accounts.create_staff(
            s, w.user(s, "evaluator"), "ppc2@lspro.example", "PPC 2", {Role.SAMPLER}
        )
        assert user.roles == {Role.SAMPLER} and user.must_change_password and code


def test_only_officials_approve_checklists(home) -> None:
    w = World().setup_staff()
    w.applicant(PRODUCT, name="umkm")
    with db.transaction() as s:
        loaded = checklists.sync(s, w.user(s, "reviewer"), changed_catalog(1, "5"))
        assert [(r.product, r.version, r.status) for r in loaded] == [(PRODUCT, 2, "draft")]
    for name in ["sampler", "analyst", "verifier", "labboth", "system", "umkm"]:
        assert_refused(
            lambda s, n=name: checklists.approve(s, w.user(s, n), PRODUCT, 2),
            PermissionDenied,
            "needs the role Official",
            f"{name}@",
        )
    with db.transaction() as s:
        checklists.approve(s, w.user(s, "decider"), PRODUCT, 2)
    with db.transaction() as s:
        statuses = dict(
            s.execute(
                select(ChecklistVersion.version, ChecklistVersion.status).where(
                    ChecklistVersion.kind == "lab", ChecklistVersion.product == PRODUCT
                )
            ).all()
        )
        assert statuses == {1: "retired", 2: "approved"}
    assert_refused(
        lambda s: checklists.approve(s, w.user(s, "reviewer"), PRODUCT, 2),
        IllegalTransition,
        "checklist version in state 'approved'",
    )


# ---------------------------------------------------------------- 4. separation of duties


def test_reviewer_and_evaluator_may_not_decide(home) -> None:
    w = World().setup_staff()
    app_id = w.new_application(PRODUCT)
    reach(w, app_id, "decision")  # reviewed by "reviewer", evaluated by "evaluator"
    for name in ["reviewer", "evaluator"]:
        for outcome in ["grant", "refuse"]:
            assert_refused(
                lambda s, n=name, o=outcome: decisions.decide(s, w.user(s, n), app_id, o, REASON),
                MayNotAct,
                f"{name}@lspro.example",
                "may not decide",
            )
    with db.transaction() as s:
        decisions.decide(s, w.user(s, "decider"), app_id, "grant", REASON)
    with db.transaction() as s:
        d = s.scalar(select(Decision).where(Decision.application_id == app_id))
        assert (d.outcome, d.decided_by) == ("grant", w.users["decider"])
        assert application(s, app_id).state == "approved"


def test_an_earlier_round_reviewer_may_not_decide(home) -> None:
    w = World().setup_staff()
    app_id = w.new_application(PRODUCT)
    reach(w, app_id, "nonconformity")  # round 1 failed by "reviewer"
    with db.transaction() as s:
        run(w, s, "answer_nonconformities", app_id)
    w.review_all(app_id, reviewer="evaluator")  # round 2 passed by someone else
    reach(w, app_id, "decision")
    assert_refused(
        lambda s: decisions.decide(s, w.user(s, "reviewer"), app_id, "grant", REASON),
        MayNotAct,
        "reviewer@",
    )
    with db.transaction() as s:
        decisions.decide(s, w.user(s, "decider"), app_id, "grant", REASON)
    assert w.app(app_id).state == "approved"


def test_lab_analyst_may_not_verify_own_result(home) -> None:
    w = World().setup_staff()
    app_id = w.new_application(PRODUCT)
    reach(w, app_id, "testing")
    with db.transaction() as s:
        r = lab.record_result(s, w.user(s, "labboth"), app_id, "moisture", "5", "%")
        own_id = r.id
    assert_refused(
        lambda s: lab.verify_result(s, w.user(s, "labboth"), own_id),
        SeparationOfDuties,
        "labboth@lspro.example entered result",
        "may not verify",
    )
    assert_refused(
        lambda s: lab.verify_result(s, w.user(s, "analyst"), own_id),
        PermissionDenied,
        "needs the role Lab verifier",
    )
    with db.transaction() as s:
        lab.verify_result(s, w.user(s, "verifier"), own_id)
    with db.transaction() as s:
        r = s.get(LabResult, own_id)
        assert (r.status, r.analyst_id, r.verified_by) == (
            "verified",
            w.users["labboth"],
            w.users["verifier"],
        )
    # labboth may verify what someone else entered
    with db.transaction() as s:
        other_id = lab.record_result(s, w.user(s, "analyst"), app_id, "protein", "20", "%").id
    with db.transaction() as s:
        lab.verify_result(s, w.user(s, "labboth"), other_id)
    with db.transaction() as s:
        assert s.get(LabResult, other_id).verified_by == w.users["labboth"]


def test_results_of_a_withdrawn_application_cannot_be_verified(home) -> None:
    """A final case takes no more lab steps (record_result and verify_result both check)."""
    w = World().setup_staff()
    app_id = w.new_application(PRODUCT)
    reach(w, app_id, "testing")
    with db.transaction() as s:
        result_id = lab.record_result(s, w.user(s, "analyst"), app_id, "moisture", "5", "%").id
    with db.transaction() as s:
        run(w, s, "withdraw", app_id)
    assert_refused(
        lambda s: lab.verify_result(s, w.user(s, "verifier"), result_id),
        Conflict,
        "is now: " + messages.text("st_withdrawn", "en"),
    )
    assert_refused(
        lambda s: lab.record_result(s, w.user(s, "analyst"), app_id, "protein", "20", "%"),
        Conflict,
        "is now: " + messages.text("st_withdrawn", "en"),
    )


# ---------------------------------------------------------------- 5. checklist snapshots


def test_checklist_snapshot_survives_a_new_checklist_version(home) -> None:
    w = World().setup_staff()
    old = w.new_application(PRODUCT)
    reach(w, old, "submitted")
    with db.transaction() as s:
        app = application(s, old)
        old_version_id = app.checklist_version_id
        old_snapshot = copy.deepcopy(app.checklist_snapshot)
    assert old_snapshot["version"] == 1 and moisture_limit(old_snapshot) == 7

    with db.transaction() as s:
        official = w.user(s, "reviewer")
        loaded = checklists.sync(s, official, changed_catalog(1, "5"))
        assert [(r.product, r.version) for r in loaded] == [(PRODUCT, 2)]
        checklists.approve(s, official, PRODUCT, 2)

    with db.transaction() as s:
        app = application(s, old)
        assert app.checklist_version_id == old_version_id
        assert app.checklist_snapshot == old_snapshot
        v1 = s.get(ChecklistVersion, old_version_id)
        assert (v1.version, v1.status, v1.content) == (1, "retired", old_snapshot)
        v2_id = checklists.current(s, PRODUCT).id

    new = w.new_application(PRODUCT)
    reach(w, new, "submitted")
    with db.transaction() as s:
        app = application(s, new)
        assert app.checklist_version_id == v2_id
        assert app.checklist_snapshot["version"] == 2
        assert moisture_limit(app.checklist_snapshot) == 5

    # 6 % moisture: within the old limit (7), over the new one (5)
    for app_id in (old, new):
        reach(w, app_id, "testing")
        enter_results(w, app_id, {"moisture": "6"})
        reach(w, app_id, "decision")
    with db.transaction() as s:

        def verdict(app_id: int) -> str:
            return s.scalar(
                select(LabResult.verdict).where(
                    LabResult.application_id == app_id, LabResult.parameter_id == "moisture"
                )
            )

        def evaluation(app_id: int) -> Evaluation:
            return s.scalar(select(Evaluation).where(Evaluation.application_id == app_id))

        assert verdict(old) == "conform"
        assert evaluation(old).recommendation == "grant"
        assert verdict(new) == "nonconform"
        assert evaluation(new).recommendation == "refuse"
        assert evaluation(new).findings["failing_parameters"] == ["moisture"]
        assert application(s, old).checklist_snapshot == old_snapshot


def test_changing_an_approved_checklist_needs_a_new_version(home) -> None:
    w = World().setup_staff()
    assert_refused(
        lambda s: checklists.sync(s, w.user(s, "reviewer"), changed_catalog(0, "5")),
        Conflict,
        "checklist abon version 1 is approved and frozen",
        "raise its `version`",
    )
    with db.transaction() as s:  # unchanged content: nothing to load
        assert checklists.sync(s, w.user(s, "reviewer"), default_catalog()) == []

    # a draft version may still change under its own number, and is never used
    with db.transaction() as s:
        checklists.sync(s, w.user(s, "reviewer"), changed_catalog(1, "5"))
    with db.transaction() as s:
        [row] = checklists.sync(s, w.user(s, "reviewer"), changed_catalog(1, "6"))
        assert (row.version, row.status, moisture_limit(row.content)) == (2, "draft", 6)
    app_id = w.new_application(PRODUCT)
    reach(w, app_id, "submitted")
    assert w.app(app_id).checklist_snapshot["version"] == 1

    with db.transaction() as s:
        checklists.approve(s, w.user(s, "reviewer"), PRODUCT, 2)
    assert_refused(
        lambda s: checklists.sync(s, w.user(s, "reviewer"), changed_catalog(1, "4")),
        Conflict,
        "checklist abon version 2 is approved and frozen",
    )
    assert_refused(
        lambda s: checklists.sync(s, w.user(s, "reviewer"), changed_catalog(0, "4")),
        Conflict,
        "checklist abon version 1 is retired and frozen",
    )


def test_no_approved_checklist_refuses_creation_then_submission(home) -> None:
    w = World()  # no official yet: the shipped checklists are loaded as drafts only
    owner = w.applicant(PRODUCT)
    with db.transaction() as s:
        statuses = s.scalars(
            select(ChecklistVersion.status).where(
                ChecklistVersion.kind == "lab", ChecklistVersion.product == PRODUCT
            )
        ).all()
        assert statuses == ["draft"]
    # refused when the application is started, not after the dossier is filled
    assert_refused(
        lambda s: applications.create(s, w.user(s, owner), PRODUCT, "Merek", "Oebobo"),
        InvalidInput,
        "is not open for application yet",
    )
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Application)) == 0
    # an application started while the checklist was approved (data from before this
    # rule): submission still needs an approved version
    World().setup_staff()  # its own cast: only staff are qualified
    app_id = w.new_application(PRODUCT, applicant=owner)
    with db.transaction() as s:
        for row in s.scalars(select(ChecklistVersion).where(ChecklistVersion.product == PRODUCT)):
            row.status = "draft"
    assert_refused(
        lambda s: applications.submit(s, w.owner(s, app_id), app_id, fees.agreement().version),
        Conflict,
        "approved checklist for product abon",
        "an official must approve one",
    )
    app = w.app(app_id)
    assert (app.state, app.checklist_snapshot, app.checklist_version_id) == ("draft", None, None)


# ---------------------------------------------------------------- 6. non-conformities


def test_nonconformity_loop(home) -> None:
    w = World().setup_staff()
    app_id = w.new_application(PRODUCT)
    reach(w, app_id, "document_review")
    w.review_all(app_id, nonconform={NC_ITEM})
    with db.transaction() as s:
        app = application(s, app_id)
        assert (app.state, app.review_round, app.awaiting_role) == ("nonconformity", 1, "applicant")
        [nc] = applications.open_nonconformities(s, app_id)
        assert (nc.item_id, nc.source, nc.round, nc.raised_by) == (
            NC_ITEM,
            "review",
            1,
            w.users["reviewer"],
        )
        nc_id = nc.id

    # the owner attaches a corrected NPWP and answers with it
    name, data = doc_file(NC_DOC)
    with db.transaction() as s:
        owner = w.owner(s, app_id)
        doc = applications.attach_document(s, owner, app_id, NC_DOC, name, data)
        applications.answer_nonconformity(
            s, owner, nc_id, "NPWP diganti yang terbaru", document_id=doc.id
        )
        doc_id = doc.id
    with db.transaction() as s:
        app = application(s, app_id)
        assert (app.state, app.review_round) == ("document_review", 2)
        assert applications.open_nonconformities(s, app_id) == []
        nc = s.get(Nonconformity, nc_id)
        assert nc.status == "answered"
        assert [(r.document_id, r.answered_by) for r in nc.responses] == [
            (doc_id, w.users[f"owner:{app_id}"])
        ]
        assert applications.latest_documents(s, app_id)[NC_DOC].id == doc_id
    # the answered non-conformity cannot be answered again
    assert_refused(
        lambda s: applications.answer_nonconformity(s, w.owner(s, app_id), nc_id, "lagi"),
        IllegalTransition,
        "non-conformity in state 'answered'",
    )

    w.review_all(app_id)
    with db.transaction() as s:
        assert application(s, app_id).state == "sampling"
        rounds = s.execute(
            select(ReviewVerdict.round, ReviewVerdict.verdict)
            .where(ReviewVerdict.application_id == app_id, ReviewVerdict.item_id == NC_ITEM)
            .order_by(ReviewVerdict.round)
        ).all()
        assert [tuple(r) for r in rounds] == [(1, "nonconform"), (2, "conform")]
    # the evaluation counts the latest round's verdict
    reach(w, app_id, "decision")
    with db.transaction() as s:
        ev = s.scalar(select(Evaluation).where(Evaluation.application_id == app_id))
        assert ev.recommendation == "grant"


def test_answers_are_all_or_nothing(home) -> None:
    w = World().setup_staff()
    app_id = w.new_application(PRODUCT)
    reach(w, app_id, "document_review")
    w.review_all(app_id, nonconform={NC_ITEM, "brand_registered"})
    with db.transaction() as s:
        first, second = (nc.id for nc in applications.open_nonconformities(s, app_id))

    def answer_both(s: Session) -> None:
        owner = w.owner(s, app_id)
        applications.answer_nonconformity(s, owner, first, "Sudah diperbaiki")
        applications.answer_nonconformity(s, owner, second, "   ")  # refused: empty

    assert_refused(answer_both, InvalidInput, "text", "Required")
    with db.transaction() as s:
        assert len(applications.open_nonconformities(s, app_id)) == 2
        assert s.scalar(select(func.count()).select_from(NonconformityResponse)) == 0
    # answering one of two keeps the case waiting for the other
    with db.transaction() as s:
        applications.answer_nonconformity(s, w.owner(s, app_id), first, "Sudah diperbaiki")
    assert w.app(app_id).state == "nonconformity"
    with db.transaction() as s:
        applications.answer_nonconformity(s, w.owner(s, app_id), second, "Sudah diperbaiki")
    assert (w.app(app_id).state, w.app(app_id).review_round) == ("document_review", 2)


def test_submission_refuses_a_dossier_missing_a_mandatory_document(home) -> None:
    w = World().setup_staff()
    app_id = w.new_application(PRODUCT, documents=False)
    product = default_catalog().product(PRODUCT).model_dump(mode="json")
    with db.transaction() as s:
        owner = w.owner(s, app_id)
        for spec in product["documents"]:
            if spec["id"] != NC_DOC:
                fname, data = synthetic.document(spec, PRODUCT, "UMKM test")
                applications.attach_document(s, owner, app_id, spec["id"], fname, data)
        top = max_seq(s)
    with pytest.raises(InvalidInput) as refused:
        w.submit(app_id)
    [spec] = [d for d in product["documents"] if d["id"] == NC_DOC]
    assert (refused.value.field, refused.value.value) == ("documents", [NC_DOC])
    assert refused.value.key == "dossier_incomplete"
    assert refused.value.params == {"count": 1, "names": [spec["name"]]}
    with db.transaction() as s:  # nothing changed: still a draft, nothing recorded
        assert application(s, app_id).state == "draft"
        assert max_seq(s) == top
    name, data = doc_file(NC_DOC)
    with db.transaction() as s:
        applications.attach_document(s, w.owner(s, app_id), app_id, NC_DOC, name, data)
    w.submit(app_id)
    assert w.app(app_id).state == "submitted"


def test_screening_names_a_missing_mandatory_document(home) -> None:
    w = World().setup_staff()
    app_id = w.new_application(PRODUCT)
    product = default_catalog().product(PRODUCT).model_dump(mode="json")
    w.submit_with_gaps(app_id, {NC_DOC})
    with db.transaction() as s:
        top = max_seq(s)
        applications.screen(s, w.user(s, "system"), app_id)
    [spec] = [d for d in product["documents"] if d["id"] == NC_DOC]
    with db.transaction() as s:
        assert application(s, app_id).state == "nonconformity"
        [nc] = applications.open_nonconformities(s, app_id)
        assert (nc.source, nc.item_id, nc.round) == ("screening", NC_DOC, 1)
        assert nc.description == f"Dokumen wajib belum ada: {spec['name']['id']}"
        [ev] = events(s, app_id, audit_action(BY_ACTION["screen_fail"]), top)
        assert json.loads(ev.data)["findings"] == 1
        nc_id = nc.id
    name, data = doc_file(NC_DOC)
    with db.transaction() as s:
        owner = w.owner(s, app_id)
        doc = applications.attach_document(s, owner, app_id, NC_DOC, name, data)
        applications.answer_nonconformity(s, owner, nc_id, "NPWP dilampirkan", document_id=doc.id)
    # screening's findings answered before any payment: the invoice comes next
    assert (w.app(app_id).state, w.app(app_id).review_round) == ("payment", 2)


# ---------------------------------------------------------------- 7. a failing lab result


def test_failing_moisture_leads_to_refusal(home) -> None:
    w = World().setup_staff()
    app_id = w.new_application(PRODUCT)
    reach(w, app_id, "testing")
    w.pass_site_audit(app_id)  # beside the lab work: testing goes straight to evaluation
    with db.transaction() as s:
        top = max_seq(s)
    enter_results(w, app_id, {"moisture": "9.5"})  # limit: max 7 % b/b
    with db.transaction() as s:
        r = s.scalar(
            select(LabResult).where(
                LabResult.application_id == app_id, LabResult.parameter_id == "moisture"
            )
        )
        assert (r.verdict, r.status) == ("nonconform", "verified")
        [ev] = events(s, app_id, audit_action(BY_ACTION["testing_complete"]), top)
        assert json.loads(ev.data)["nonconforming"] == ["moisture"]
    reach(w, app_id, "decision")
    with db.transaction() as s:
        ev = s.scalar(select(Evaluation).where(Evaluation.application_id == app_id))
        assert ev.recommendation == "refuse"
        assert ev.findings["conform"] is False
        assert ev.findings["failing_parameters"] == ["moisture"]

    assert_refused(
        lambda s: decisions.decide(s, w.user(s, "decider"), app_id, "grant", REASON),
        Conflict,
        "cannot be granted",
        "moisture",
    )
    with db.transaction() as s:
        decisions.decide(s, w.user(s, "decider"), app_id, "refuse", "Kadar air 9,5 % > 7 %")
    assert w.app(app_id).state == "refused"
    with db.transaction() as s:
        assert decisions.refusal_reason(s, app_id) == "Kadar air 9,5 % > 7 %"
    assert_refused(
        lambda s: certificates.issue(s, w.user(s, "system"), app_id),
        IllegalTransition,
        "in state 'refused'",
        "none (final state)",
    )


# ---------------------------------------------------------------- 8. certificates


def test_certificate_status_changes(home) -> None:
    w = World().setup_staff()
    apps = [w.new_application(PRODUCT) for _ in range(2)]
    for app_id in apps:
        reach(w, app_id, "certified")
    with db.transaction() as s:
        cert_a, cert_b = (
            s.scalar(select(Certificate.id).where(Certificate.application_id == a)) for a in apps
        )

    def change(
        fn: Callable[..., Any], actor: str, cert_id: int, *args: Any
    ) -> Callable[[Session], Any]:
        return lambda s: fn(s, w.user(s, actor), cert_id, *args)

    def status(cert_id: int) -> str:
        with db.transaction() as s:
            return s.get(Certificate, cert_id).status

    def do(fn: Callable[..., Any], actor: str, cert_id: int, *args: Any) -> dict[str, Any]:
        with db.transaction() as s:
            top = max_seq(s)
            change(fn, actor, cert_id, *args)(s)
        with db.transaction() as s:
            # (the holder told of it is recorded too: notification.written)
            [ev] = s.scalars(
                select(AuditEvent).where(AuditEvent.seq > top, AuditEvent.entity == "certificate")
            )
            assert ev.action == audit_action(CERT_BY_ACTION[fn.__name__], "certificate")
            assert (ev.entity, ev.entity_id) == ("certificate", cert_id)
            return json.loads(ev.data)

    # role guards: only officials suspend, reinstate, withdraw; only the system expires
    w.users["holder"] = w.users[f"owner:{apps[0]}"]  # the certificate holder (applicant)
    for name in ["sampler", "analyst", "verifier", "labboth", "system", "holder"]:
        for fn in (certificates.suspend, certificates.withdraw):
            assert_refused(
                change(fn, name, cert_a, "Label salah"),
                PermissionDenied,
                "needs the role Official",
            )
    assert_refused(
        change(certificates.expire, "reviewer", cert_a),
        PermissionDenied,
        "needs the role System",
    )
    # state guards and reasons
    assert_refused(
        change(certificates.reinstate, "reviewer", cert_a, "ok"),
        IllegalTransition,
        "cannot 'reinstate' a certificate in state 'active'",
        "allowed from there: expire, suspend, withdraw",
    )
    assert_refused(
        change(certificates.suspend, "reviewer", cert_a, "  "),
        InvalidInput,
        "reason: Required",
    )

    assert do(certificates.suspend, "reviewer", cert_a, "Label tanpa nomor SNI") == {
        "from": "active",
        "to": "suspended",
        "reason": "Label tanpa nomor SNI",
        "fix_by": None,
    }
    assert_refused(
        change(certificates.suspend, "reviewer", cert_a, "lagi"),
        IllegalTransition,
        "in state 'suspended'",
        "allowed from there: expire, reinstate, withdraw",
    )
    assert_refused(
        change(certificates.reinstate, "sampler", cert_a, "ok"),
        PermissionDenied,
        "needs the role Official",
    )
    assert do(certificates.reinstate, "evaluator", cert_a, "Label diperbaiki")["to"] == "active"
    assert do(certificates.withdraw, "reviewer", cert_a, "Produk dihentikan")["to"] == ("withdrawn")
    assert status(cert_a) == "withdrawn"
    for fn, args in [
        (certificates.suspend, ("x",)),
        (certificates.reinstate, ("x",)),
        (certificates.withdraw, ("x",)),
    ]:
        assert_refused(
            change(fn, "reviewer", cert_a, *args),
            IllegalTransition,
            "in state 'withdrawn'",
            "none (final state)",
        )
    assert_refused(
        change(certificates.expire, "system", cert_a),
        IllegalTransition,
        "in state 'withdrawn'",
        "none (final state)",
    )

    # expiry: from suspended (and, see the pure matrix, from active), by the system
    do(certificates.suspend, "reviewer", cert_b, "Surveilans tertunda")
    assert_refused(
        change(certificates.expire, "system", cert_b), Conflict, "cannot expire now"
    )  # not before its validity ends
    clock.advance(timedelta(days=4 * 366))
    assert do(certificates.expire, "system", cert_b) == {
        "from": "suspended",
        "to": "expired",
        "reason": "validity ended",
    }
    assert_refused(
        change(certificates.reinstate, "reviewer", cert_b, "x"),
        IllegalTransition,
        "in state 'expired'",
        "none (final state)",
    )
    # certificate changes never move the application
    assert [w.app(a).state for a in apps] == ["certified", "certified"]


def test_an_active_certificate_expires(home) -> None:
    w = World().setup_staff()
    app_id = w.new_application(PRODUCT)
    reach(w, app_id, "certified")
    with db.transaction() as s:
        cert_id = s.scalar(select(Certificate.id).where(Certificate.application_id == app_id))
        valid_until = s.get(Certificate, cert_id).valid_until
    clock.freeze(valid_until)  # the first moment it is no longer valid
    with db.transaction() as s:
        certificates.expire(s, w.user(s, "system"), cert_id)
    with db.transaction() as s:
        cert = s.get(Certificate, cert_id)
        assert (cert.status, cert.status_reason) == ("expired", "validity ended")


def test_transition_type_is_frozen() -> None:
    t: Transition = BY_ACTION["submit"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.target = State.CERTIFIED  # type: ignore[misc]
