"""`snicert serve` end to end: the sweep is scheduled on its Prefect server and a run started
through the deployment does its work; the Prefect UI knows its port; /healthz sees the
scheduler; one serve per home; SIGTERM and SIGINT stop everything it started; no ERROR or
traceback in SNICERT_HOME/logs. Also `snicert demo` on a fresh home: clean logs and every
recorded change reached Prefect as an event (none lost while its server starts)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from snicert import clock, demo
from snicert.db import engine as db
from snicert.db.models import Application, AuditEvent
from snicert.effects import EVENT_ENTITIES
from snicert.lifecycle import State
from snicert.serve import ServeError, _announce, home_lock, public_url_problem
from snicert.services import fees, sessions
from tests.world import World

ROOT = Path(__file__).resolve().parents[1]
STARTUP = 180  # seconds: the Prefect server's first start migrates its database
BAD_LOG_LINE = re.compile(r"\bERROR\b|\bCRITICAL\b|Traceback")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _descendants(pid: int) -> set[int]:
    """Every process below `pid` (read from /proc)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            # the command name may hold spaces: the fields after its ")" are fixed
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        kids = {p for p, pp in parents.items() if pp == parent}
        found |= kids
        todo += kids
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SNICERT_"))}
    env.update(SNICERT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    if os.environ.get("SNICERT_DATABASE_URL"):  # the home fixture's database (PostgreSQL)
        env["SNICERT_DATABASE_URL"] = os.environ["SNICERT_DATABASE_URL"]
    return env


class Serve:
    """One `snicert serve` process, its output in a file (read while it runs)."""

    def __init__(
        self, home: Path, out: Path, port: int, prefect_port: int, public_url: str | None = None
    ):
        self.out = out
        env = _env(home)
        if public_url:
            env["SNICERT_PUBLIC_URL"] = public_url
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "snicert", "serve", "--port", str(port),
             "--prefect-port", str(prefect_port)],
            cwd=ROOT, env=env, stdout=out.open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip

    def output(self) -> str:
        return self.out.read_text()

    def wait_for(self, line: str, timeout: float = STARTUP) -> None:
        deadline = time.monotonic() + timeout
        while line not in self.output():
            assert self.proc.poll() is None, self.output()
            assert time.monotonic() < deadline, f"no {line!r} in: {self.output()}"
            time.sleep(0.5)

    def stop(self, sig: int) -> tuple[set[int], float]:
        """Send `sig`; the processes serve had started and the seconds it took to exit."""
        started = _descendants(self.proc.pid)
        began = time.monotonic()
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=30)
        finally:
            for pid in started:  # never leave a test's processes behind, whatever failed
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
        return started, time.monotonic() - began


def _overdue_application() -> tuple[World, int]:
    """A case waiting for the document review whose due date has passed."""
    w = World().setup_staff()
    app_id = w.new_application()
    w.advance_to(app_id, "document_review")
    with db.transaction() as s:
        s.execute(
            update(Application)
            .where(Application.id == app_id)
            .values(due_at=clock.now() - timedelta(days=3), overdue=False)
        )
    db.dispose_all()  # serve's processes use the database from here on
    return w, app_id


def _clean_logs(home: Path) -> None:
    logs = sorted((home / "logs").glob("*.log"))
    assert logs, f"no logs under {home / 'logs'}"
    bad = [
        f"{path.name}: {line}"
        for path in logs
        for line in path.read_text(errors="replace").splitlines()
        if BAD_LOG_LINE.search(line)
    ]
    assert not bad, "\n".join(bad)


def test_serve_runs_the_sweep_and_stops_cleanly(home: Path, tmp_path: Path) -> None:
    from prefect.client.orchestration import SyncPrefectClient
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    w, app_id = _overdue_application()
    draft = w.new_application("abon")
    with db.transaction() as s:
        token, _ = sessions.create_api_token(s, w.owner(s, draft), "test")
    db.dispose_all()
    port, web_port = _free_port(), _free_port()
    api, web = f"http://127.0.0.1:{port}/api", f"http://127.0.0.1:{web_port}"
    first = Serve(home, tmp_path / "serve1.out", web_port, port, public_url=web)
    try:
        first.wait_for("logs:")
        out = first.output()
        for line in (f"web app: {web}/", f"API docs: {web}/api/docs",
                     f"Prefect UI: http://127.0.0.1:{port}/"):  # fmt: skip
            assert line in out

        # a second serve on the same home refuses at once, naming the first one's pid (its
        # 4 s of start-up CPU took 37-52 s at load average 20)
        second = subprocess.run(
            [sys.executable, "-m", "snicert", "serve", "--port", str(_free_port()),
             "--prefect-port", str(_free_port())],
            cwd=ROOT, env=_env(home), capture_output=True, text=True, timeout=STARTUP,
        )  # fmt: skip
        assert second.returncode == 1
        assert f"already running for SNICERT_HOME={home} (pid {first.proc.pid})" in second.stderr

        # the UI is told this server's API, not Prefect's default port
        status, body = _get(f"http://127.0.0.1:{port}/ui-settings")
        assert status == 200 and json.loads(body)["api_url"] == api
        assert b"<html" in _get(f"http://127.0.0.1:{port}/")[1].lower()
        for path, expected in (("/", 200), ("/directory", 200), ("/login", 200),
                               ("/api/docs", 200), ("/verify/SNI-ABN-2020-0001", 404)):  # fmt: skip
            assert _get(web + path)[0] == expected, path

        with SyncPrefectClient(api) as client:
            deadline = time.monotonic() + 120
            scheduled = []
            while not scheduled:  # the runner registers it, the scheduler plans its runs
                assert time.monotonic() < deadline, "the sweep was never scheduled"
                time.sleep(1)
                with contextlib.suppress(Exception):
                    sweep = client.read_deployment_by_name("surveillance/surveillance")
                    scheduled = client.read_flow_runs(
                        deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[sweep.id])),
                        flow_run_filter=FlowRunFilter(
                            state=FlowRunFilterState(
                                type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])
                            )
                        ),
                    )
            assert sweep.schedules[0].schedule.cron == "0 6 * * *"
            assert all(r.expected_start_time.hour == 22 for r in scheduled)  # 06:00 WITA
            health = json.loads(_get(f"{web}/healthz")[1])
            assert health["database"]["state"] == "ok" and health["prefect"]["state"] == "ok"
            assert health["scheduler"]["next_run"]["state"] == "Scheduled"

            # a person's action through the web app submits the stage and answers; serve's
            # task worker runs it
            request = urllib.request.Request(
                f"{web}/api/v1/applications/{draft}/submit",
                data=json.dumps({"agreement_version": fees.agreement().version}).encode(),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=60) as answer:
                assert json.load(answer)["state"] == "submitted"
            assert demo.wait_for(draft, State.PAYMENT, timeout=120) == "payment"

            # a run started through the deployment: the runner picks it up and runs it
            run = client.create_flow_run_from_deployment(sweep.id)
            deadline = time.monotonic() + 150
            while not (run := client.read_flow_run(run.id)).state.is_final():
                assert time.monotonic() < deadline, f"sweep run still {run.state.name}"
                time.sleep(1)
            assert run.state.is_completed(), run.state

            # the notification outbox: delivered every minute, and a run of it completes
            outbox = client.read_deployment_by_name("deliver-notifications/notifications")
            assert outbox.schedules[0].schedule.interval.total_seconds() == 60
            run = client.create_flow_run_from_deployment(outbox.id)
            deadline = time.monotonic() + 150
            while not (run := client.read_flow_run(run.id)).state.is_final():
                assert time.monotonic() < deadline, f"outbox run still {run.state.name}"
                time.sleep(1)
            assert run.state.is_completed(), run.state
        with db.transaction() as s:
            assert s.get(Application, app_id).overdue  # flagged by that run
            assert s.scalars(
                select(AuditEvent.actor).where(AuditEvent.action == "application.overdue")
            ).all()
        health = json.loads(_get(f"{web}/healthz")[1])
        assert health["status"] == "ok", health
        assert health["scheduler"]["last_run"]["state"] == "Completed"
        assert health["scheduler"]["deployment"] == "READY"
    finally:
        started, took = first.stop(signal.SIGTERM)

    assert first.proc.returncode == 0, first.output()
    assert took < 10, f"took {took:.1f} s to stop"
    assert len(started) >= 3  # the Prefect server, the runner and the task worker, at least
    assert not [p for p in started if _alive(p)]
    assert not _listening(port) and not _listening(web_port)
    for child in ("prefect-server", "runner", "task-worker"):
        assert f"stopped {child}" in first.output()
    assert "public URL" not in first.output()  # it names where this serve listened
    with home_lock(home):  # released
        pass

    # the same home again, stopped with Ctrl-C this time
    port, web_port = _free_port(), _free_port()
    again = Serve(home, tmp_path / "serve2.out", web_port, port)
    try:
        again.wait_for("logs:")
        assert _get(f"http://127.0.0.1:{web_port}/healthz")[0] == 200
    finally:
        started, took = again.stop(signal.SIGINT)
    assert again.proc.returncode == 0, again.output()
    # the default public URL names port 8000, not where this one served
    assert "public URL http://127.0.0.1:8000 does not point at this web app" in again.output()
    assert took < 10, f"took {took:.1f} s to stop"
    assert not [p for p in started if _alive(p)]
    assert not _listening(port) and not _listening(web_port)
    _clean_logs(home)


def test_lock_of_a_killed_serve_is_taken_over(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom pathlib import Path\n"
         "from snicert.serve import home_lock\n"
         "with home_lock(Path(sys.argv[1])):\n print('held', flush=True); time.sleep(60)",
         str(tmp_path)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        with (
            pytest.raises(ServeError, match=f"already running .*pid {holder.pid}"),
            home_lock(tmp_path),
        ):
            pass
    finally:
        holder.kill()
        holder.wait()
    with home_lock(tmp_path):
        assert (tmp_path / "serve.lock").read_text().strip() == str(os.getpid())
    assert (tmp_path / "serve.lock").read_text() == ""


def test_demo_on_a_fresh_home_loses_no_event_and_logs_no_error(tmp_path: Path) -> None:
    """The real embedded Prefect server, started by the demo's first event."""
    home = tmp_path / "fresh"
    env = {**_env(home), "SNICERT_FLOW_MODE": "worker"}
    env.pop("SNICERT_DATABASE_URL", None)
    demo = subprocess.run(
        [sys.executable, "-m", "snicert", "demo", "--count", "1"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert demo.returncode == 0, demo.stderr
    assert not BAD_LOG_LINE.search(demo.stderr), demo.stderr
    _clean_logs(home)
    with sqlite3.connect(home / "snicert.db") as conn:
        recorded = Counter(
            f"snicert.{action}"
            for action, entity in conn.execute("SELECT action, entity FROM audit_events")
            if entity in EVENT_ENTITIES
        )
    with sqlite3.connect(home / "prefect" / "prefect.db") as conn:
        sent = Counter(
            name
            for (name,) in conn.execute("SELECT event FROM events WHERE event LIKE 'snicert.%'")
        )
    assert recorded["snicert.application.created"] == 5  # 4 products + the refused one
    assert sent == recorded


def test_public_url_that_does_not_reach_this_web_app_is_named() -> None:
    port = _free_port()  # nothing listens there
    assert "does not point at this web app" in public_url_problem(
        "http://127.0.0.1:8000", "127.0.0.1", port
    )
    problem = public_url_problem(f"http://127.0.0.1:{port}", "127.0.0.1", port)
    assert "does not reach this web app" in problem and "refused" in problem


def test_a_port_in_use_is_refused_before_anything_starts(home: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = subprocess.run(
            [sys.executable, "-m", "snicert", "serve", "--port", str(_free_port()),
             "--prefect-port", str(port)],
            cwd=ROOT, env=_env(home), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert refused.returncode == 1
    assert f"127.0.0.1:{port} is in use: choose another --prefect-port" in refused.stderr
    assert not (home / "logs" / "prefect-server.log").exists()  # nothing was started


def test_children_of_a_killed_serve_are_stopped_by_the_kernel(tmp_path: Path) -> None:
    """serve SIGKILLed (or killed by the OOM killer) runs no cleanup: its children must not
    live on holding their ports (Linux: PR_SET_PDEATHSIG)."""
    parent = subprocess.Popen(
        [sys.executable, "-c", "import os, sys, time\nfrom snicert.serve import Services\n"
         "child = Services(lambda line: None).start('sleeper', [sys.executable, '-c', "
         "'import time; time.sleep(120)'], dict(os.environ))\n"
         "print(child.pid, flush=True); time.sleep(120)"],
        cwd=ROOT, env={**os.environ, "SNICERT_HOME": str(tmp_path)}, stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    child = int(parent.stdout.readline())
    try:
        assert _alive(child)
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 10
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(child)
    finally:
        with contextlib.suppress(OSError):
            os.kill(child, signal.SIGKILL)


def test_addresses_printed_for_all_interfaces_are_usable(home: Path) -> None:
    lines: list[str] = []
    _announce("0.0.0.0", 8080, 4300, lines.append)
    assert lines[:4] == [
        "web app: http://127.0.0.1:8080/ (listening on all interfaces, 0.0.0.0)",
        "API docs: http://127.0.0.1:8080/api/docs",
        "health: http://127.0.0.1:8080/healthz",
        "Prefect UI: http://127.0.0.1:4300/",
    ]
    lines.clear()
    _announce("::1", 8080, None, lines.append)  # server mode: no Prefect UI of its own
    assert lines[0] == "web app: http://[::1]:8080/" and not any("Prefect" in x for x in lines)
