"""What /healthz reports: the database, the Prefect API and the scheduled sweep.

The database is what people's work needs: when it does not answer the app is down (503).
Prefect and the sweep only make it degraded (still 200): flows and events wait, people
can go on working, and restarting the web app would not help.

Prefect is asked over its REST API with plain httpx, one short timeout and no retries:
Prefect's client retries a slow answer for up to about a minute, longer than any health
check waits.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import text

from snicert.db import engine as db

TIMEOUT = 2.0  # seconds per request to Prefect
# the sweep's flow (flows/surveillance.py) and deployment (flows/runner.py, prefect.yaml)
SWEEP_FLOW, SWEEP_DEPLOYMENT = "surveillance", "surveillance"


def report() -> tuple[bool, dict[str, Any]]:
    """(database answers, the report). status: ok, degraded (Prefect or the sweep) or down."""
    database = _database()
    api = os.environ.get("PREFECT_API_URL")
    if api:
        prefect, scheduler = _prefect(api.rstrip("/"))
    else:
        # the embedded server is started on first use by whoever runs a flow; no schedule
        prefect = {"state": "not configured", "detail": "PREFECT_API_URL is not set"}
        scheduler = {"state": "not configured"}
    up = database["state"] == "ok"
    healthy = up and prefect["state"] == "ok" and scheduler["state"] == "ok"
    status = "ok" if healthy else ("degraded" if up else "down")
    return up, {
        "status": status,
        "checked_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": database,
        "prefect": prefect,
        "scheduler": scheduler,
    }


def _database() -> dict[str, Any]:
    try:
        with db.reading() as s:
            s.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means the same to a health check
        # the class only: a message may carry the database's address
        return {"state": "down", "error": type(exc).__name__}
    return {"state": "ok", "backend": db.engine().dialect.name}


def _prefect(api: str) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        with httpx.Client(base_url=api, timeout=TIMEOUT) as client:
            client.get("/health").raise_for_status()
            prefect = {"state": "ok", "api": api}
            try:
                scheduler = _scheduler(client)
            except httpx.HTTPError as exc:
                scheduler = {"state": "unknown", "error": type(exc).__name__}
    except httpx.HTTPError as exc:
        return {"state": "down", "api": api, "error": type(exc).__name__}, {"state": "unknown"}
    return prefect, scheduler


def _scheduler(client: httpx.Client) -> dict[str, Any]:
    answer = client.get(f"/deployments/name/{SWEEP_FLOW}/{SWEEP_DEPLOYMENT}")
    if answer.status_code == 404:
        return {"state": "missing", "detail": f"no deployment {SWEEP_FLOW}/{SWEEP_DEPLOYMENT}"}
    answer.raise_for_status()
    deployment = answer.json()
    last = _runs(client, deployment["id"], {"not_any_": ["SCHEDULED"]}, "EXPECTED_START_TIME_DESC")
    upcoming = _runs(client, deployment["id"], {"any_": ["SCHEDULED"]}, "EXPECTED_START_TIME_ASC")
    out: dict[str, Any] = {
        # READY: a runner or worker polled for its runs within the last minute
        "deployment": deployment["status"],
        "paused": deployment["paused"],
        "schedules": [s["schedule"] for s in deployment["schedules"] if s["active"]],
        "last_run": last,
        "next_run": upcoming,
    }
    if deployment["paused"] or not out["schedules"]:
        out["state"] = "paused"
    elif upcoming is None:
        out["state"] = "not scheduled"
    elif last is not None and last["state_type"] in ("FAILED", "CRASHED"):
        out["state"] = "last run failed"
    elif deployment["status"] != "READY":
        out["state"] = "no runner"
    else:
        out["state"] = "ok"
    return out


def _runs(
    client: httpx.Client, deployment_id: str, state_type: dict[str, list[str]], sort: str
) -> dict[str, Any] | None:
    body = {
        "deployments": {"id": {"any_": [deployment_id]}},
        "flow_runs": {"state": {"type": state_type}},
        "sort": sort,
        "limit": 1,
    }
    answer = client.post("/flow_runs/filter", json=body)
    answer.raise_for_status()
    runs = answer.json()
    if not runs:
        return None
    run = runs[0]
    return {
        "name": run["name"],
        "state": run["state_name"],
        "state_type": run["state_type"],
        "expected_start": run["expected_start_time"],
        "start": run["start_time"],
        "end": run["end_time"],
    }
