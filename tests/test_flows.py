"""The certification flow and the scheduled sweep, run against a Prefect test server."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterName,
    FlowRunFilterStartTime,
)
from prefect.settings import PREFECT_API_URL
from prefect.testing.utilities import prefect_test_harness
from sqlalchemy import func, select

from flows import certification as cert_flow
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
from snicert.services import applications, fees

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def prefect_server():
    with prefect_test_harness(server_startup_timeout=60):
        cert_flow._local_settings.cache_clear()  # take the test server's settings
        yield PREFECT_API_URL.value()
    cert_flow._local_settings.cache_clear()


@pytest.fixture
def flows_on(home, prefect_server, effects_table):
    """Services start the certification flow after each person's action (embedded mode),
    and every Prefect event snicert emits is collected."""
    emitted: list[dict] = []

    def collect(payload: dict) -> None:
        emitted.append(payload)
        effects._emit(payload)

    effects_table("local", emit=collect)
    return emitted


@pytest.fixture
def player(flows_on) -> demo.Player:
    return demo.Player(demo.Cast(), random.Random(5), nib_offset=0)


def _flow_runs(app_id: int, since: datetime):
    """This test's runs for the application (application ids restart in every test DB)."""

    async def read():
        async with get_client() as client:
            return await client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    name=FlowRunFilterName(any_=[f"application-{app_id}"]),
                    start_time=FlowRunFilterStartTime(after_=since),
                )
            )

    return asyncio.run(read())


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
    # the flow ran after each step with automated work, and each run completed
    runs = _flow_runs(outcome.application_id, since)
    # submitted (then the applicant pays), review passed, results verified, evaluated (the
    # report), granted
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


def test_local_runs_share_a_lighter_client(player: demo.Player, monkeypatch) -> None:
    """In-process runs: the flow's id is asked once, and a run is named when created (no
    rename request), yet every run still shows as application-<id>."""
    from flows import local_client

    sent: list[tuple[str, str]] = []
    real = local_client.SyncPrefectClient.request

    def spy(self, method, path, *args, **kwargs):
        sent.append((method, path))
        return real(self, method, path, *args, **kwargs)

    monkeypatch.setattr(local_client.SyncPrefectClient, "request", spy)
    since = datetime.now(UTC)
    first = player.play(demo.Plan("abon", 7))
    second = player.play(demo.Plan("emping", 8))
    for outcome in (first, second):
        assert outcome.state == "certified"
        assert len(_flow_runs(outcome.application_id, since)) == 5
    assert sent.count(("POST", "/flow_runs/")) == 10
    assert sent.count(("POST", "/flows/")) <= 1  # once per process (0: kept from before)
    assert not any(m == "PATCH" for m, _ in sent)  # nor a rename

    async def delete_flow():  # someone deletes the flow (and its runs) in the Prefect UI
        async with get_client() as client:
            await client.delete_flow((await client.read_flow_by_name("certification")).id)

    asyncio.run(delete_flow())
    sent.clear()
    third = player.play(demo.Plan("sasando", 9))
    assert third.state == "certified" and len(_flow_runs(third.application_id, since)) == 5
    # the kept id failed once (one refused run creation), then was asked again
    assert sent.count(("POST", "/flows/")) == 1 and sent.count(("POST", "/flow_runs/")) == 6


def test_document_nonconformity_loop(player: demo.Player, flows_on) -> None:
    outcome = player.play(demo.Plan("emping", 0, nonconformity=True))
    assert outcome.state == "certified"
    assert "nonconformity answered" in outcome.scenario
    names = [e["event"] for e in flows_on]
    assert names.count("snicert.application.review_failed") == 1
    assert names.count("snicert.nonconformity.answered") == 1
    assert names.count("snicert.application.review_passed") == 1


def test_failing_lab_result_is_refused(player: demo.Player) -> None:
    outcome = player.play(demo.Plan("abon", 0, failing="total_plate_count"))
    assert outcome.state == "refused"
    assert outcome.certificate is None
    assert "Angka lempeng total" in outcome.refusal_reason
    assert _count(Certificate) == 0


def test_rerunning_a_flow_duplicates_nothing(player: demo.Player) -> None:
    outcome = player.play(demo.Plan("sasando", 0, retest=True))
    app_id = outcome.application_id
    before = {m.__name__: _count(m) for m in (Sample, LabResult, Certificate, Output, AuditEvent)}
    for _ in range(3):
        cert_flow.run_local(app_id)
    after = {m.__name__: _count(m) for m in (Sample, LabResult, Certificate, Output, AuditEvent)}
    assert after == before


def _run_flow_until(point: str, app_id: int, tmp_path: Path, api_url: str) -> None:
    """Run the certification flow in another process, wait until it hangs at `point`
    (inside the stage's open transaction) and kill it with SIGKILL."""
    marker = tmp_path / f"at-{point}"
    env = {
        **os.environ,
        "SNICERT_FAULT": point,
        "SNICERT_FAULT_MARKER": str(marker),
        "PREFECT_API_URL": api_url,
        "SNICERT_FLOW_MODE": "local",
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", f"from flows.certification import run_local; run_local({app_id})"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 90
    while not marker.exists():
        assert proc.poll() is None, proc.stdout.read().decode()
        assert time.monotonic() < deadline, "the flow never reached the fault point"
        time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


def test_flow_killed_mid_stage_then_rerun(
    player: demo.Player, monkeypatch, tmp_path, prefect_server, effects_table
) -> None:
    """Killed inside the sampling and the issuance stages; the re-runs finish the case
    with exactly one set of samples, one certificate, and no gap in the numbering."""
    cast = player.cast
    effects_table("off")  # we start the runs ourselves here
    outcome_plan = demo.Plan("tenun_ikat", 0)
    # take the case by hand up to "review passed": sampling is the next automated stage
    info_app = _case_until_review(player, outcome_plan)
    _run_flow_until("sampling", info_app, tmp_path, prefect_server)
    assert _count(Sample, application_id=info_app) == 0  # the killed transaction left nothing
    cert_flow.run_local(info_app)
    assert _count(Sample, application_id=info_app) == 2
    cert_flow.run_local(info_app)
    assert _count(Sample, application_id=info_app) == 2

    # on to "granted": issuance is next; kill it while the certificate is being written
    _finish_to_granted(player, cast, info_app)
    _run_flow_until("approved", info_app, tmp_path, prefect_server)
    assert _count(Certificate) == 0
    cert_flow.run_local(info_app)
    cert_flow.run_local(info_app)
    with db.transaction() as s:
        certs = s.scalars(select(Certificate)).all()
        assert [c.number for c in certs] == [f"SNI-TNI-{datetime.now(UTC).year}-0001"]
        assert s.scalar(select(Counter.value).where(Counter.name.like("certificate:%"))) == 1
        assert audit.verify(s).ok
    assert stages.status(info_app).state == "certified"


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
    assert stages.status(waiting).state == "payment"
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
