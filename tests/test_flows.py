"""The automated stages as Prefect background tasks (submitted with .delay(), run by task
workers) and the scheduled sweep, against a Prefect test server."""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    TaskRunFilter,
    TaskRunFilterName,
)
from prefect.settings import PREFECT_API_URL, PREFECT_RESULTS_LOCAL_STORAGE_PATH
from prefect.testing.utilities import prefect_test_harness
from sqlalchemy import func, select

from flows import worker
from flows.certification import advance
from flows.surveillance import sweep
from snicert import audit, clock, demo, effects, stages
from snicert.catalog import default_catalog
from snicert.db import engine as db
from snicert.db.models import (
    Application,
    AuditEvent,
    Certificate,
    Counter,
    LabResult,
    Output,
    Sample,
    SurveillanceCase,
)
from snicert.lifecycle import State
from snicert.services import applications, fees
from tests.world import World

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def prefect_server():
    with prefect_test_harness(server_startup_timeout=300):
        yield PREFECT_API_URL.value()


@pytest.fixture
def flows_on(home, prefect_server, effects_table):
    """Services submit the automated stage after each person's action, a task worker in
    a thread runs it, and every Prefect event snicert emits is collected."""
    emitted: list[dict] = []

    def collect(payload: dict) -> None:
        emitted.append(payload)
        effects._emit(payload)

    effects_table("worker", emit=collect)
    with worker.in_thread():
        yield emitted


@pytest.fixture
def player(flows_on) -> demo.Player:
    return demo.Player(demo.Cast(), random.Random(5), nib_offset=0)


def _task_runs(app_id: int | None, since: datetime, count: int | None = None) -> list:
    """This test's runs for the application (application ids restart in every test DB;
    None: the runs not started yet, all named after the task until a worker names them);
    the server records task runs from their events, about a second later: wait for
    `count` final ones."""
    name = "advance" if app_id is None else f"application-{app_id}"

    async def read():
        async with get_client() as client:
            runs = await client.read_task_runs(
                task_run_filter=TaskRunFilter(name=TaskRunFilterName(any_=[name]))
            )
        return [r for r in runs if r.created and r.created >= since]

    deadline = time.monotonic() + 120  # returns as soon as they are there
    while True:
        runs = asyncio.run(read())
        final = [r for r in runs if r.state and r.state.is_final()]
        if count is None or len(final) >= count or time.monotonic() > deadline:
            return runs
        time.sleep(0.5)


def _count(model, **where) -> int:
    with db.transaction() as s:
        q = select(func.count()).select_from(model)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return s.scalar(q)


@pytest.mark.parametrize("product", sorted(default_catalog().products))
def test_full_path_for_each_product(player: demo.Player, flows_on, product: str) -> None:
    since = datetime.now(UTC)
    outcome = player.play(demo.Plan(product, 1))
    assert outcome.state == "certified"
    prefix = default_catalog().product(product).certificate_prefix
    assert outcome.certificate == f"SNI-{prefix}-{datetime.now(UTC).year}-0001"
    report = Path(outcome.files[0])
    assert report.name == "evaluation-report.pdf" and report.read_bytes().startswith(b"%PDF-")
    # the worker ran the stage after each step with automated work, and each run completed:
    # submitted (then the applicant pays), review passed, results verified, evaluated (the
    # report), granted
    runs = _task_runs(outcome.application_id, since, count=5)
    assert len(runs) == 5
    assert all(r.state.is_completed() for r in runs)
    assert sorted(r.state.name for r in runs) == sorted(
        ["Awaiting applicant", "Awaiting sampler"] + ["Awaiting official"] * 2 + ["Certified"]
    )
    # the stage a case is in, and state changes, are visible as Prefect events
    names = [e["event"] for e in flows_on]
    for event in (
        "snicert.application.submitted",
        "snicert.application.screening_passed",
        "snicert.application.review_passed",
        "snicert.application.testing_completed",
        "snicert.application.granted",
        "snicert.certificate.issued",
        "snicert.application.certified",
    ):
        assert event in names
    issued = next(e for e in flows_on if e["event"] == "snicert.certificate.issued")
    roles = {r["prefect.resource.role"]: r["prefect.resource.id"] for r in issued["related"]}
    assert roles == {
        "application": f"snicert.application.{outcome.application_id}",
        "product": f"snicert.product.{product}",
        "business": roles["business"],
    }


def test_an_action_returns_before_its_stage_runs(home, prefect_server, effects_table) -> None:
    """No worker yet: the submission commits and returns with the case still submitted
    and a scheduled run waiting on the server; a worker started later moves it on."""
    w = World().setup_staff()
    app_id = w.new_application("abon")
    effects_table("worker", emit=lambda payload: None)
    since = datetime.now(UTC)
    w.submit(app_id)
    assert stages.status(app_id).state == "submitted"
    deadline = time.monotonic() + 60
    while not (waiting := _task_runs(None, since)):  # submitted right after the commit
        assert time.monotonic() < deadline, "no run was submitted"
        time.sleep(0.2)
    [waiting] = waiting
    assert waiting.state.is_scheduled()
    time.sleep(1)
    assert stages.status(app_id).state == "submitted"  # nobody runs it
    with worker.in_thread():
        assert demo.wait_for(app_id, State.PAYMENT, timeout=60) == "payment"
        [ran] = _task_runs(app_id, since, count=1)
    assert ran.id == waiting.id and ran.state.name == "Awaiting applicant"


def test_failing_lab_result_is_refused(player: demo.Player) -> None:
    outcome = player.play(demo.Plan("abon", 0, failing="total_plate_count"))
    assert outcome.state == "refused"
    assert outcome.certificate is None
    assert "Angka lempeng total" in outcome.refusal_reason
    assert _count(Certificate) == 0


def test_document_nonconformity_loop(player: demo.Player, flows_on) -> None:
    outcome = player.play(demo.Plan("emping", 0, nonconformity=True))
    assert outcome.state == "certified"
    assert "nonconformity answered" in outcome.scenario
    names = [e["event"] for e in flows_on]
    assert names.count("snicert.application.review_failed") == 1
    assert names.count("snicert.nonconformity.answered") == 1
    assert names.count("snicert.application.review_passed") == 1


def test_runs_delivered_again_duplicate_nothing(home, prefect_server, effects_table) -> None:
    """The same stage run several times at once (a run delivered twice, a re-dispatch
    while the first still runs) and again after the case is done: one certificate, one
    number taken, no extra audit event."""
    w = World().setup_staff()
    app_id = w.new_application("sasando")
    w.advance_to(app_id, "approved")  # issuance is next, and nothing ran it yet
    assert stages.status(app_id).state == "approved"
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: advance.fn(app_id), range(4)))
    assert stages.status(app_id).state == "certified"
    watched = (Sample, LabResult, Certificate, Output, AuditEvent)
    before = {m.__name__: _count(m) for m in watched}
    assert before["Certificate"] == 1
    effects_table("worker", emit=lambda payload: None)
    since = datetime.now(UTC)
    with worker.in_thread():
        effects.dispatch(app_id)  # nothing left to do: not even submitted
        for _ in range(3):
            advance.delay(app_id)  # delivered anyway: each finds nothing to do
        runs = _task_runs(app_id, since, count=3)
    assert [r.state.name for r in runs] == ["Certified"] * 3
    assert {m.__name__: _count(m) for m in watched} == before
    with db.transaction() as s:
        assert s.scalar(select(Counter.value).where(Counter.name.like("certificate:%"))) == 1
        assert audit.verify(s).ok


def _worker_process(tmp_path: Path, api_url: str, name: str, **env: str) -> subprocess.Popen:
    """`python -m flows.worker` against the test server, sharing this process's task
    scheduling storage (the runs' parameters), logging each run it receives."""
    return subprocess.Popen(
        [sys.executable, "-m", "flows.worker"],
        cwd=ROOT,
        env={
            **os.environ,
            "PREFECT_API_URL": api_url,
            "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(PREFECT_RESULTS_LOCAL_STORAGE_PATH.value()),
            "PREFECT_LOGGING_LEVEL": "INFO",
            **env,
        },
        stdout=(tmp_path / f"{name}.log").open("w"),
        stderr=subprocess.STDOUT,
    )


def _run_stage_until(point: str, app_id: int, tmp_path: Path, api_url: str) -> None:
    """Hand the case's stage to a worker process, wait until it hangs at `point` (inside
    the stage's open transaction) and kill it with SIGKILL."""
    marker = tmp_path / f"at-{point}"
    proc = _worker_process(
        tmp_path, api_url, f"killed-{point}", SNICERT_FAULT=point, SNICERT_FAULT_MARKER=str(marker)
    )
    try:
        advance.delay(app_id)
        deadline = time.monotonic() + 300  # the worker's start-up: ~50 s at load 20
        while not marker.exists():
            assert proc.poll() is None, (tmp_path / f"killed-{point}.log").read_text()
            assert time.monotonic() < deadline, "the worker never reached the fault point"
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)


def test_worker_killed_mid_stage_then_dispatched_again(
    home, tmp_path, prefect_server, effects_table
) -> None:
    """A worker killed inside the sampling and the issuance stages; dispatched again, the
    case finishes with exactly one set of samples, one certificate, and no gap in the
    numbering. (No worker in this process but while re-dispatching: the killed one must
    be the one handed the run.)"""
    player = demo.Player(demo.Cast(), random.Random(5), nib_offset=0)
    cast = player.cast
    effects_table("off")  # we hand the runs over ourselves here
    outcome_plan = demo.Plan("tenun_ikat", 0)
    # take the case by hand up to "review passed": sampling is the next automated stage
    info_app = _case_until_review(player, outcome_plan)
    _run_stage_until("sampling", info_app, tmp_path, prefect_server)
    assert _count(Sample, application_id=info_app) == 0  # the killed transaction left nothing
    with worker.in_thread():
        advance.delay(info_app)
        demo.wait_for(info_app, State.SAMPLING, timeout=60)
    assert _count(Sample, application_id=info_app) == 2

    # on to "granted": issuance is next; kill it while the certificate is being written
    _finish_to_granted(player, cast, info_app)
    _run_stage_until("approved", info_app, tmp_path, prefect_server)
    assert _count(Certificate) == 0
    with worker.in_thread():
        advance.delay(info_app)
        demo.wait_for(info_app, State.CERTIFIED, timeout=60)
    with db.transaction() as s:
        certs = s.scalars(select(Certificate)).all()
        assert [c.number for c in certs] == [f"SNI-TNI-{datetime.now(UTC).year}-0001"]
        assert s.scalar(select(Counter.value).where(Counter.name.like("certificate:%"))) == 1
        assert audit.verify(s).ok


def test_two_workers_share_the_runs(home, prefect_server, effects_table, tmp_path) -> None:
    """Two worker processes subscribed to one server: each run goes to one of them, and
    both get some."""
    w = World().setup_staff()
    apps = [w.new_application("abon") for _ in range(8)]
    effects_table("worker", emit=lambda payload: None)
    db.dispose_all()  # the workers use the database from here on
    procs = [_worker_process(tmp_path, prefect_server, f"worker-{i}") for i in (1, 2)]
    try:
        # both subscribed (a run handed out before the second is there would all go to
        # the first): each logs it as it subscribes; a busy machine took 8-40 s to start them
        deadline = time.monotonic() + 180
        while not all(
            "Subscribing to runs" in (tmp_path / f"worker-{i}.log").read_text() for i in (1, 2)
        ):
            assert time.monotonic() < deadline, "the workers never subscribed"
            assert all(p.poll() is None for p in procs), "a worker exited"
            time.sleep(0.5)
        time.sleep(2)  # the websocket's handshake after the log line
        for app_id in apps:
            w.submit(app_id)
        for app_id in apps:
            demo.wait_for(app_id, State.PAYMENT, timeout=120)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=30)
    # the run ids each worker was handed; Prefect delivers at least once (a busy machine
    # saw one run handed out again), which the stages make harmless
    received = [
        set(re.findall(r"Received task run: (\S+)", (tmp_path / f"worker-{i}.log").read_text()))
        for i in (1, 2)
    ]
    assert len(received[0] | received[1]) == len(apps), received
    assert all(received), received  # both got some
    for proc in procs:
        assert proc.returncode == 0


def _case_until_review(player: demo.Player, plan: demo.Plan) -> int:
    """Create and submit a case and pass its review, running the automated steps inline
    (flows are off), so the case waits in `sampling` with no samples yet."""
    from snicert.services.accounts import register_applicant
    from snicert.synthetic import business, document

    info = business(plan.product, 7, random.Random(1))
    with db.transaction() as s:
        owner = register_applicant(
            s,
            email=info["email"],
            name=info["name"],
            password=None,
            business_name=info["business_name"],
            nib=info["nib"],
            address=info["address"],
        )
        app = applications.create(s, owner, plan.product, info["brand"], info["address"])
        for spec in player.specs[plan.product]:
            applications.attach_document(
                s, owner, app.id, spec["id"], *document(spec, plan.product, "x")
            )
        applications.submit(s, owner, app.id, fees.agreement().version)
        app_id = app.id
    stages.screen(app_id)
    player._pay(app_id, owner.id, "x")
    player._review(app_id, nonconform=False)
    assert stages.status(app_id).state == "sampling"
    return app_id


def _finish_to_granted(player: demo.Player, cast: demo.Cast, app_id: int) -> None:
    from snicert.services import decisions, lab

    with db.transaction() as s:
        seals = {x.code: "SEAL-1" for x in lab.samples_of(s, app_id)}
        lab.record_sampling(s, cast(s, "sampler"), app_id, seals, "Kupang")
    with db.transaction() as s:
        for sample in lab.samples_of(s, app_id):
            lab.receive_sample(s, cast(s, "analyst"), sample.id, "SEAL-1", seal_intact=True)
    with db.transaction() as s:
        owner_id = s.get(Application, app_id).created_by
    player._site_audit(app_id, owner_id, demo.Plan("tenun_ikat", 0), [])  # type 5
    player._test(app_id, demo.Plan("tenun_ikat", 0), [])
    assert stages.close_testing(app_id)
    with db.transaction() as s:
        decisions.evaluate(s, cast(s, "evaluator"), app_id, "grant", "Memenuhi")
    with db.transaction() as s:
        decisions.decide(s, cast(s, "manager"), app_id, "grant", "Memenuhi")
    assert stages.status(app_id).state == "approved"


def test_sweep_surveillance_expiry_and_overdue(player: demo.Player, flows_on) -> None:
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
    clock.freeze(start)
    certified = player.play(demo.Plan("abon", 0))
    assert certified.state == "certified"
    # a second case stops in payment, waiting for its applicant
    waiting = _submit_only(player)
    assert demo.wait_for(waiting, State.PAYMENT, timeout=60) == "payment"  # a worker screened it
    due = stages.status(waiting).due_at
    assert due is not None

    result = sweep()
    assert result["surveillance_opened"] == [] and result["expired"] == []
    assert result["overdue"] == []

    clock.freeze(due + timedelta(hours=1))  # past the payment's service standard
    result = sweep()
    assert len(result["overdue"]) == 1
    assert any(e["event"] == "snicert.application.overdue" for e in flows_on)
    assert sweep()["overdue"] == []  # flagged once

    clock.freeze(start + timedelta(days=340))  # within a month of the first anniversary
    opened = sweep()["surveillance_opened"]
    assert len(opened) == 1
    assert sweep()["surveillance_opened"] == []  # opened once
    with db.transaction() as s:
        case = s.get(SurveillanceCase, opened[0])
        assert case.cycle == 1 and case.due_at.year == 2027

    clock.freeze(start + timedelta(days=3 * 365 + 340))  # cycles 2 and 3 come due
    assert len(sweep()["surveillance_opened"]) == 2
    clock.freeze(start + timedelta(days=4 * 365 + 2))  # past its 4-year validity
    result = sweep()
    assert result["expired"] == [certified.certificate]
    assert result["surveillance_opened"] == []  # no surveillance after validity ends
    with db.transaction() as s:
        assert s.scalar(select(Certificate.status)) == "expired"
        assert s.scalar(select(func.count()).select_from(SurveillanceCase)) == 3


def _submit_only(player: demo.Player) -> int:
    from snicert.services.accounts import register_applicant
    from snicert.synthetic import business, document

    info = business("emping", 3, random.Random(2))
    with db.transaction() as s:
        owner = register_applicant(
            s,
            email=info["email"],
            name=info["name"],
            password=None,
            business_name=info["business_name"],
            nib=info["nib"],
            address=info["address"],
        )
        app = applications.create(s, owner, "emping", info["brand"], info["address"])
        for spec in player.specs["emping"]:
            applications.attach_document(
                s, owner, app.id, spec["id"], *document(spec, "emping", "x")
            )
        app_id = app.id
    with db.transaction() as s:
        applications.submit(s, s.get(type(owner), owner.id), app_id, fees.agreement().version)
    return app_id
