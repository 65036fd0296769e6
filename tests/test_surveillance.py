"""Yearly surveillance as a case with sampling and testing: its lifecycle (allowed and
refused steps, roles, guards), samples and results through the lab services beside the
application's own, a passing cycle, a failing result that suspends, and no duplicates
when a step runs again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from snicert import clock, lifecycle
from snicert.db import engine as db
from snicert.db.models import (
    Application,
    AuditEvent,
    Certificate,
    LabResult,
    Notification,
    Sample,
    SurveillanceCase,
)
from snicert.errors import Conflict, IllegalTransition, InvalidInput, MayNotAct, PermissionDenied
from snicert.lifecycle import SURVEILLANCE_TRANSITIONS, SurveillanceState
from snicert.roles import Role
from snicert.services import accounts, impartiality, lab, monitoring, surveillance
from tests.world import World

EXPECTED = {
    "open": {"start", "start_without_testing", "fail"},
    "sampling": {"samples_sent", "fail"},
    "testing": {
        "resample",
        "testing_complete",
        "testing_nonconforming",
        "await_site_audit",
        "fail",
    },
    "site_audit": {"site_audit_done", "fail"},
    "evaluation": {"pass", "fail"},
    "passed": set(),
    "failed": set(),
}


def test_the_table() -> None:
    for state in SurveillanceState:
        allowed = set(lifecycle.allowed_actions(state, SURVEILLANCE_TRANSITIONS))
        assert allowed == EXPECTED[state.value], state
    roles = {t.action: t.roles for t in SURVEILLANCE_TRANSITIONS}
    assert roles["samples_sent"] == {Role.SAMPLER}
    assert roles["pass"] == {Role.OFFICIAL}
    assert roles["testing_complete"] == {Role.SYSTEM}


def _certified(w: World, product: str = "abon") -> tuple[int, int, int]:
    """A certified type-5 application and its first yearly surveillance, opened."""
    app_id = w.new_application(product)
    w.advance_to(app_id, "certified")
    with db.transaction() as s:
        cert = s.scalar(select(Certificate).where(Certificate.application_id == app_id))
        cert_id, issued = cert.id, cert.issued_at
    clock.freeze(issued + timedelta(days=340))
    with db.transaction() as s:
        [case] = monitoring.open_due_surveillance(s, accounts.system_user(s))
        return app_id, cert_id, case.id


@pytest.fixture
def world(home):
    w = World().setup_staff()
    yield w
    clock.reset()


def _status(case_id: int) -> str:
    with db.transaction() as s:
        return s.get(SurveillanceCase, case_id).status


def test_a_passing_cycle(world: World) -> None:
    w = world
    app_id, cert_id, case_id = _certified(w)
    with db.transaction() as s:
        own_samples = {x.id for x in lab.samples_of(s, app_id)}
        own_results = {r.id for r in lab.results(s, app_id)}
    # roles: a sampler does not start a surveillance; the official does
    with db.transaction() as s, pytest.raises(PermissionDenied):
        surveillance.start(s, w.user(s, "sampler"), case_id)
    w.run_surveillance(app_id, case_id, until="sampling")
    with db.transaction() as s:
        case = s.get(SurveillanceCase, case_id)
        # the plan and the checklist cut to its parameters are frozen on the case
        ids = [p["id"] for p in case.checklist_snapshot["parameters"]]
        assert ids and set(ids) == set(case.plan["parameters"])
        assert case.plan["sampling_plan"]["test_units"] == 3
        samples = lab.samples_of(s, app_id, case_id)
        assert [x.code.split("-")[-2:] for x in samples] == [
            ["V1", f"S{len(own_samples) + 1}"],
            ["V1", f"S{len(own_samples) + 2}"],
        ]
        # a second start is refused; planning the samples again returns the same ones
        with pytest.raises(Conflict, match="is already Sampling"):
            surveillance.start(s, w.user(s, "reviewer"), case_id)
        again = lab.create_samples(s, w.user(s, "system"), app_id, surveillance=case_id)
        assert [x.id for x in again] == [x.id for x in samples]
        # a pass before evaluation is refused by the table
        with pytest.raises(IllegalTransition):
            surveillance.pass_(s, w.user(s, "reviewer"), case_id)
    # results are entered against the frozen plan: a parameter outside it is refused
    with db.transaction() as s:
        lab.record_sampling(
            s,
            w.user(s, "sampler"),
            app_id,
            {x.code: f"SEAL-{x.id}" for x in samples},
            "Gudang",
            surveillance=case_id,
        )
    with db.transaction() as s:
        for x in lab.samples_of(s, app_id, case_id):
            lab.receive_sample(s, w.user(s, "analyst"), x.id, x.seal_number, True)
    with db.transaction() as s, pytest.raises(InvalidInput, match="surveillance plan"):
        lab.record_result(s, w.user(s, "analyst"), app_id, "ash", "3", "%", surveillance=case_id)
    with db.transaction() as s:
        case = s.get(SurveillanceCase, case_id)
        from snicert import synthetic

        for p in case.checklist_snapshot["parameters"]:
            r = lab.record_result(
                s,
                w.user(s, "analyst"),
                app_id,
                p["id"],
                synthetic.passing_value(p),
                p["unit"],
                surveillance=case_id,
            )
            lab.verify_result(s, w.user(s, "verifier"), r.id)
    # the last verification moved it on: the lab is done, the audit not yet
    assert _status(case_id) == "site_audit"
    with db.transaction() as s, pytest.raises(IllegalTransition):
        lab.complete_testing(s, w.user(s, "system"), app_id, case_id)
    with db.transaction() as s, pytest.raises(IllegalTransition):
        surveillance.pass_(s, w.user(s, "reviewer"), case_id)
    w.pass_surveillance_audit(app_id, case_id)
    assert _status(case_id) == "evaluation"
    with db.transaction() as s, pytest.raises(PermissionDenied):
        surveillance.pass_(s, w.user(s, "analyst"), case_id)
    with db.transaction() as s:
        surveillance.pass_(s, w.user(s, "reviewer"), case_id)
    with db.transaction() as s:
        case = s.get(SurveillanceCase, case_id)
        assert case.status == "passed" and case.recorded_by == w.users["reviewer"]
        assert s.get(Certificate, cert_id).status == "active"
        passed = s.scalar(select(AuditEvent).where(AuditEvent.action == "surveillance.passed"))
        assert '"next_due"' in passed.data and '"next_due":null' not in passed.data
        # the application's own samples and results are untouched and apart
        assert {x.id for x in lab.samples_of(s, app_id)} == own_samples
        assert {r.id for r in lab.results(s, app_id)} == own_results
        assert all(r.surveillance_case_id == case_id for r in surveillance.results_of(s, case_id))
        assert len(surveillance.results_of(s, case_id)) == len(
            case.checklist_snapshot["parameters"]
        )
        told = s.scalars(
            select(Notification.moment).where(Notification.user_id == w.users[f"owner:{app_id}"])
        ).all()
        assert told[-1] == "surveillance_passed"


def test_a_failing_result_suspends(world: World) -> None:
    w = world
    app_id, cert_id, case_id = _certified(w, "tenun_ikat")
    w.run_surveillance(app_id, case_id, failing={"azo_amines"}, until="testing_done")
    # a non-conforming result goes to evaluation at once, where it cannot pass
    assert _status(case_id) == "evaluation"
    with db.transaction() as s, pytest.raises(Conflict, match="non-conforming results: azo"):
        surveillance.pass_(s, w.user(s, "reviewer"), case_id)
    with db.transaction() as s, pytest.raises(PermissionDenied):
        surveillance.fail(s, w.user(s, "system"), case_id, "x")
    with db.transaction() as s:
        surveillance.fail(
            s,
            w.user(s, "reviewer"),
            case_id,
            "Hasil uji amina aromatik (azo) tidak memenuhi syarat",
        )
    with db.transaction() as s:
        case = s.get(SurveillanceCase, case_id)
        cert = s.get(Certificate, cert_id)
        assert case.status == "failed" and "tidak memenuhi syarat" in case.result_note
        assert (
            "surveillance_failed"
            in s.scalars(
                select(Notification.moment).where(Notification.user_id == w.users["evaluator"])
            ).all()
        )
        assert cert.status == "suspended"
        assert cert.status_reason.startswith("Surveilans tahun ke-1:")
        told = s.scalars(
            select(Notification.moment).where(Notification.user_id == w.users[f"owner:{app_id}"])
        ).all()
        assert "certificate_suspended" in told
        # a failed case takes no further step
        with pytest.raises(IllegalTransition):
            surveillance.fail(s, w.user(s, "reviewer"), case_id, "lagi")


def test_an_official_fails_by_hand(world: World) -> None:
    w = world
    app_id, cert_id, case_id = _certified(w, "sasando")
    w.run_surveillance(app_id, case_id, until="testing")
    assert _status(case_id) == "testing"
    with db.transaction() as s, pytest.raises(PermissionDenied):
        surveillance.fail(s, w.user(s, "analyst"), case_id, "Akses ditolak")
    with db.transaction() as s, pytest.raises(InvalidInput, match="note"):
        surveillance.fail(s, w.user(s, "reviewer"), case_id, "  ")
    # judging the holder is refused to an official conflicted with its business
    with db.transaction() as s:
        holder = s.get(Application, app_id).business_id
        impartiality.declare_conflict(
            s,
            w.user(s, "decider"),
            w.user(s, "decider"),
            holder,
            "consulting",
            period_from=clock.now().date() - timedelta(days=200),
        )
    with db.transaction() as s, pytest.raises(MayNotAct):
        surveillance.fail(s, w.user(s, "decider"), case_id, "Akses ke sarana ditolak")
    with db.transaction() as s:
        surveillance.fail(s, w.user(s, "reviewer"), case_id, "Akses ke sarana ditolak")
    with db.transaction() as s:
        assert s.get(Certificate, cert_id).status == "suspended"
        # its samples in the lab can no longer be tested
        x = lab.samples_of(s, app_id, case_id)[0]
        with pytest.raises(Conflict, match="testing stage"):
            lab.record_result(
                s,
                w.user(s, "analyst"),
                app_id,
                "construction",
                "sesuai",
                "-",
                surveillance=case_id,
            )
        assert x.surveillance_case_id == case_id


def test_a_surveillance_of_another_certificate_is_refused(world: World) -> None:
    w = world
    app_id, _, case_id = _certified(w)
    other = w.new_application("abon")
    w.run_surveillance(app_id, case_id, until="sampling")
    with db.transaction() as s, pytest.raises(InvalidInput, match="surveillance"):
        lab.create_samples(s, w.user(s, "system"), other, surveillance=case_id)


def test_no_duplicate_samples_or_results(world: World) -> None:
    w = world
    app_id, _, case_id = _certified(w)
    w.run_surveillance(app_id, case_id, until="testing")
    with db.transaction() as s:
        x = lab.samples_of(s, app_id, case_id)[0]
        seq, sample_id = x.seq, x.id
    # the same sequence number twice for the application is refused by the database
    with pytest.raises(IntegrityError), db.transaction() as s:
        s.add(
            Sample(
                application_id=app_id,
                seq=seq,
                code="X-1",
                purpose="test",
                units=1,
                container="c",
                status="planned",
                created_at=clock.now(),
                surveillance_case_id=case_id,
            )
        )
    with db.transaction() as s:
        case = s.get(SurveillanceCase, case_id)
        p = case.checklist_snapshot["parameters"][0]
        from snicert import synthetic

        r = lab.record_result(
            s,
            w.user(s, "analyst"),
            app_id,
            p["id"],
            synthetic.passing_value(p),
            p["unit"],
            surveillance=case_id,
        )
        # entering it again is refused while it awaits verification
        with pytest.raises(Conflict, match="awaiting verification"):
            lab.record_result(
                s,
                w.user(s, "analyst"),
                app_id,
                p["id"],
                synthetic.passing_value(p),
                p["unit"],
                surveillance=case_id,
            )
        attempt = r.attempt
    with pytest.raises(IntegrityError), db.transaction() as s:
        s.add(
            LabResult(
                application_id=app_id,
                sample_id=sample_id,
                parameter_id=p["id"],
                attempt=attempt,
                value_text="1",
                unit="%",
                analyst_id=w.users["analyst"],
                entered_at=clock.now(),
                surveillance_case_id=case_id,
            )
        )
    # the sweep opens each cycle once
    with db.transaction() as s:
        assert monitoring.open_due_surveillance(s, accounts.system_user(s)) == []
        assert s.scalar(select(func.count()).select_from(SurveillanceCase)) == 1
