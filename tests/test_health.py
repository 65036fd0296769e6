"""/healthz: the database, the Prefect API and the sweep; 503 only when the database is down.
(With a real Prefect server and its scheduler: tests/test_serve.py.)"""

from __future__ import annotations

import socket

from fastapi.testclient import TestClient

from snicert.db import engine as db
from snicert.web.app import create_app


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once it is closed


def test_database_up_prefect_not_configured(home, monkeypatch) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    answer = TestClient(create_app()).get("/healthz")
    assert answer.status_code == 200
    body = answer.json()
    assert body["database"]["state"] == "ok"
    assert body["database"]["backend"] == db.engine().dialect.name
    assert body["prefect"]["state"] == "not configured"
    assert body["status"] == "degraded"  # no sweep is scheduled anywhere


def test_prefect_down_is_degraded_not_down(home, monkeypatch) -> None:
    api = f"http://127.0.0.1:{_closed_port()}/api"
    monkeypatch.setenv("PREFECT_API_URL", api)
    answer = TestClient(create_app()).get("/healthz")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "degraded"
    assert body["prefect"] == {"state": "down", "api": api, "error": "ConnectError"}
    assert body["scheduler"]["state"] == "unknown"


def test_database_down_answers_503(home, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    client = TestClient(create_app())
    assert client.get("/healthz").status_code == 200
    # the database file's directory is gone: SQLite cannot open it
    monkeypatch.setenv("SNICERT_DATABASE_URL", f"sqlite:///{tmp_path / 'gone' / 'x.db'}")
    answer = client.get("/healthz")
    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "down"
    assert body["database"] == {"state": "down", "error": "OperationalError"}
    assert "gone" not in answer.text  # no path or address leaks
