"""Server mode, as in production: a Prefect server on PostgreSQL, two `snicert worker`
processes (Prefect task workers) sharing the automated stages, and the application
database on PostgreSQL too."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from snicert import audit
from snicert.db import engine as db
from snicert.db.models import Certificate

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PG = ("127.0.0.1", 5432)


def _pg_answers() -> bool:
    try:
        socket.create_connection(PG, timeout=2).close()
        return True
    except OSError:
        return False


pytestmark = [
    pytest.mark.scale_out,
    pytest.mark.skipif(
        not _pg_answers(), reason="needs a PostgreSQL server on 127.0.0.1:5432 (user postgres)"
    ),
]


def _fresh_database(name: str) -> str:
    admin = create_engine(
        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()[-3000:]
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise AssertionError("the Prefect server did not start:\n" + log.read_text()[-3000:])


def _task_runs(api: str) -> list[dict]:
    """Every task run on the server (read over plain HTTP)."""

    def post(path: str, body: dict) -> list[dict]:
        req = urllib.request.Request(
            api + path, json.dumps(body).encode(), {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=30) as answer:
            return json.load(answer)

    runs: list[dict] = []
    while page := post("/task_runs/filter", {"limit": 200, "offset": len(runs)}):
        runs += page
    return runs


def _summary(runs: list[dict]) -> str:
    """Runs per state, and how long a stage took from its submission (a person's action)
    to its end: the figures the test prints."""
    counts = Counter((r["state_type"], r["state_name"]) for r in runs)
    took = sorted(
        (
            datetime.fromisoformat(r["end_time"]) - datetime.fromisoformat(r["created"])
        ).total_seconds()
        for r in runs
        if r["end_time"]
    )
    lines = [f"{st} {name}: {n}" for (st, name), n in sorted(counts.items(), key=str)]
    if took:
        lines.append(
            f"stage, action to end: p50 {took[len(took) // 2]:.1f} s, "
            f"p95 {took[int(len(took) * 0.95)]:.1f} s, max {took[-1]:.1f} s "
            f"over {len(took)} runs"
        )
    return "\n".join(lines)


def test_twenty_applications_through_two_workers(tmp_path: Path, monkeypatch) -> None:
    started = time.monotonic()
    prefect_db = _fresh_database("snicert_scale_prefect")
    app_db = _fresh_database("snicert_scale_app")
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_DATABASE_CONNECTION_URL": prefect_db.replace(
            "postgresql://", "postgresql+asyncpg://"
        ),
        "PREFECT_LOGGING_LEVEL": "INFO",  # the workers' logs say which runs each took
        "SNICERT_DATABASE_URL": app_db,
        "SNICERT_HOME": str(tmp_path / "home"),
    }
    procs: list[subprocess.Popen] = []

    def start(name: str, *args: str) -> tuple[subprocess.Popen, Path]:
        log = tmp_path / f"{name}.log"
        proc = subprocess.Popen(
            list(args),
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        procs.append(proc)
        return proc, log

    try:
        server, server_log = start(
            "server", str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1",
            "--port", str(port),
        )  # fmt: skip
        _wait_healthy(api, server, server_log)
        workers = [start(f"worker{i}", str(BIN / "snicert"), "worker") for i in (1, 2)]

        # Another process plays the people (its Prefect settings come from this env);
        # each automated stage is submitted to the server, and one of the workers runs it.
        play = [sys.executable, "-m", "snicert", "demo", "--count", "5", "--parallel", "10"]
        began = time.monotonic()
        try:
            played = subprocess.run(
                [*play, "--json"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=1200,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(
                "the demo did not finish in 20 min; task runs:\n" + _summary(_task_runs(api))
            )
        demo, minutes = ((time.monotonic() - t) / 60 for t in (began, started))
        runs = _task_runs(api)
        figures = _summary(runs)
        print(f"demo in server mode: {demo:.1f} min (test so far {minutes:.1f} min)\n{figures}")
        assert played.returncode == 0, played.stderr[-3000:] + "\n" + figures
        # Nothing crashed or failed.
        assert not [r for r in runs if r["state_type"] in ("CRASHED", "FAILED")], figures
        results = json.loads(played.stdout)[:20]  # 5 per product; the 21st is refused
        assert len(results) == 20
        assert [r["final_state"] for r in results] == ["certified"] * 20, results
        numbers = [r["certificate_number"] for r in results]
        assert len(set(numbers)) == 20
        for key in ("SNICERT_DATABASE_URL", "SNICERT_HOME"):
            monkeypatch.setenv(key, env[key])
        db.dispose_all()
        with db.transaction() as s:
            assert sorted(s.scalars(select(Certificate.number))) == sorted(numbers)
            assert audit.verify(s).ok
        # Both workers were handed runs; together they ran every one, once.
        logs = [log.read_text() for _, log in workers]
        assert all(proc.poll() is None for proc, _ in workers)
        taken = [len(re.findall(r"Received task run", text)) for text in logs]
        assert sum(taken) == len(runs) >= 80, taken  # ~4-5 automated stages per application
        assert min(taken) >= 10, taken
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        db.dispose_all()
        shutil.rmtree(tmp_path / "home", ignore_errors=True)
