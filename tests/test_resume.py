"""Nothing stays stuck (#13 point 5): a case whose automated step failed or whose process
died mid-step keeps its mark (Application.system_since) and flows/resume.py moves it on;
the officials' dashboard counts what waits on the system longer than five minutes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prefect.settings import PREFECT_API_URL
from prefect.testing.utilities import prefect_test_harness
from sqlalchemy import func, select

from flows.resume import resume
from snicert import clock, queries, stages
from snicert.db import engine as db
from snicert.db.models import Application, Certificate
from tests.world import World

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def prefect_server():
    with prefect_test_harness(server_startup_timeout=300):
        yield PREFECT_API_URL.value()


@pytest.fixture
def world(home) -> World:
    return World().setup_staff()


def _since(app_id: int) -> datetime | None:
    with db.reading() as s:
        return s.scalar(select(Application.system_since).where(Application.id == app_id))


def _later(minutes: float) -> datetime:
    moment = datetime.now(UTC) + timedelta(minutes=minutes)
    clock.freeze(moment)
    return moment


def test_the_mark_follows_whose_turn_it_is(world: World) -> None:
    app_id = world.new_application("abon")
    assert _since(app_id) is None  # a draft: the applicant's turn
    world.submit(app_id)
    assert _since(app_id) is not None  # screening is due
    stages.run_until_waiting(app_id)
    assert stages.status(app_id).state == "payment"
    assert _since(app_id) is None  # the applicant pays next
    world.advance_to(app_id, "testing")
    assert _since(app_id) is None  # the lab enters its results
    world.enter_all_results(app_id)
    assert _since(app_id) is not None  # every result counted: closing testing is due
    stages.run_until_waiting(app_id)
    assert stages.status(app_id).state == "site_audit"  # abon's scheme audits the site
    assert _since(app_id) is None  # the auditor's turn


def test_a_failing_stage_is_resumed(
    world: World, prefect_server, effects_table, monkeypatch
) -> None:
    # the person's action starts the stage: here, in this process, as a task worker would
    effects_table("worker", run=stages.run_until_waiting)
    app_id = world.new_application("abon")
    monkeypatch.setenv("SNICERT_FAULT", "submitted:fail")
    world.submit(app_id)  # committed; the flow's screening step raises
    assert stages.status(app_id).state == "submitted"
    marked = _since(app_id)
    assert marked is not None
    assert resume() == []  # not yet: a run may still be going
    _later(6)
    with db.reading() as s:  # the dashboard's count, and its list
        assert queries.system_late(s) == 1
        listed = queries.applications(s, queries.ListQuery(system=True, sort="submitted"))
        assert [r["id"] for r in listed.rows] == [app_id]
    monkeypatch.delenv("SNICERT_FAULT")  # the passing fault is gone
    assert resume() == [app_id]
    assert stages.status(app_id).state == "payment"
    assert _since(app_id) is None
    with db.reading() as s:
        assert queries.system_late(s) == 0
        assert queries.applications(s, queries.ListQuery(system=True, sort="submitted")).rows == []


def _stage_process(app_id: int, fault: str, marker: Path) -> subprocess.Popen:
    """Issue the certificate in another process; it stops at `fault` inside the stage's
    open transaction (rows locked) and writes `marker` when it got there."""
    env = {
        **os.environ,
        "SNICERT_FAULT": fault,
        "SNICERT_FAULT_MARKER": str(marker),
        "SNICERT_FLOW_MODE": "off",
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", f"from snicert import stages; print(stages.issue({app_id}))"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 90
    while not marker.exists():
        assert proc.poll() is None, proc.stdout.read().decode()
        assert time.monotonic() < deadline, "the stage never reached the fault point"
        time.sleep(0.1)
    return proc


def _certificates() -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(Certificate))


def test_a_process_killed_mid_stage_is_resumed(
    world: World, prefect_server, effects_table, tmp_path
) -> None:
    app_id = world.new_application("abon")
    world.advance_to(app_id, "approved")  # by hand (the tests' table starts no flows)
    # from here on dispatching runs the stage here, as a task worker would
    effects_table("worker", run=stages.run_until_waiting)
    assert stages.status(app_id).state == "approved"
    assert _since(app_id) is not None  # issuance is due
    proc = _stage_process(app_id, "approved", tmp_path / "at-approved")
    proc.send_signal(signal.SIGKILL)  # kill -9 while the certificate is being written
    proc.wait(timeout=30)
    assert stages.status(app_id).state == "approved"  # the killed transaction left nothing
    assert _certificates() == 0
    assert _since(app_id) is not None  # still marked: resume finds it
    _later(3)
    assert resume() == [app_id]
    assert stages.status(app_id).state == "certified"
    assert _certificates() == 1
    assert _since(app_id) is None


def test_resuming_a_stage_still_running_duplicates_nothing(
    world: World, prefect_server, effects_table, tmp_path
) -> None:
    """The other process holds the stage's transaction open (its row lock taken) while
    resume dispatches the same case: the second run waits for the lock, then finds the
    case moved on; one certificate, one numbering."""
    app_id = world.new_application("abon")
    world.advance_to(app_id, "approved")  # by hand (the tests' table starts no flows)
    # from here on dispatching runs the stage here, as a task worker would
    effects_table("worker", run=stages.run_until_waiting)
    proc = _stage_process(app_id, "approved:pause=4", tmp_path / "at-approved")
    _later(3)
    resumed: list[list[int]] = []
    second = threading.Thread(target=lambda: resumed.append(resume()))
    second.start()
    out, _ = proc.communicate(timeout=60)
    second.join(timeout=60)
    assert not second.is_alive()
    assert proc.returncode == 0, out.decode()
    assert out.decode().strip().endswith("True")  # the first run issued it
    assert resumed == [[app_id]]
    assert stages.status(app_id).state == "certified"
    assert _certificates() == 1


def test_the_dashboard_counts_what_waits_on_the_system(world: World) -> None:
    from snicert.web.app import create_app
    from tests.test_web_staff import email, sign_in

    app_id = world.new_application("abon")
    world.submit(app_id)  # screening due; no flow runs here (the tests' table)
    number = stages.status(app_id).number
    official = sign_in(create_app(), email("reviewer"))
    link = '<a href="/official/applications?system=1">Menunggu sistem lebih dari 5 menit: '
    assert link + "<strong>0</strong>" in official.get("/dashboard").text  # 5 minutes not yet
    assert official.api("GET", "/api/v1/dashboard").json()["waiting_on_system_late"] == 0
    _later(6)
    assert link + "<strong>1</strong>" in official.get("/dashboard").text
    assert official.api("GET", "/api/v1/dashboard").json()["waiting_on_system_late"] == 1
    assert number in official.get("/official/applications?system=1").text
    found = official.api("GET", "/api/v1/official/applications?system=1").json()
    assert [x["number"] for x in found["items"]] == [number]
    stages.run_until_waiting(app_id)  # screened: the applicant's turn
    assert link + "<strong>0</strong>" in official.get("/dashboard").text
    assert number not in official.get("/official/applications?system=1").text


def test_a_mark_no_step_needs_is_dropped_by_resume(world: World) -> None:
    """A mark written outside the services (here by hand) on a case a person holds:
    the re-dispatch finds nothing to do and the mark goes, so no one is misled."""
    app_id = world.new_application("abon")
    world.submit(app_id)
    stages.run_until_waiting(app_id)  # screened: the applicant pays next
    with db.transaction() as s:
        s.get(Application, app_id).system_since = datetime.now(UTC)
    _later(6)
    assert resume.fn() == [app_id]
    assert stages.status(app_id).state == "payment"
    assert _since(app_id) is None
    assert resume.fn() == []
