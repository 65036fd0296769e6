"""Domain events: collected by the unit of work, dispatched after its commit through the
one handler table (snicert/db/events.py, built by snicert/effects.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from snicert import audit, effects
from snicert.db import engine as db
from snicert.db import events
from snicert.db.models import Notification
from snicert.lifecycle import State
from tests.world import World

ROOT = Path(__file__).resolve().parents[1]

# What the audit log may stand on: the database layer and the leaf modules below it
# (configuration, clock, roles, the signing keys its checkpoints use, and the text catalog
# the certificate templates read, which imports nothing of snicert).
BELOW_THE_DATABASE = (
    "snicert.audit",
    "snicert.checkpoints",
    "snicert.clock",
    "snicert.config",
    "snicert.settings",
    "snicert.roles",
    "snicert.db",
    "snicert.certs",
    "snicert.templating",
    "snicert.messages",
)


def test_audit_imports_nothing_above_the_database_layer() -> None:
    code = (
        "import sys, snicert.audit\n"
        "roots = ('snicert', 'flows', 'prefect')\n"
        "print('\\n'.join(m for m in sys.modules if m.split('.')[0] in roots))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    above = [
        m
        for m in out
        if m != "snicert" and not any(m == b or m.startswith(b + ".") for b in BELOW_THE_DATABASE)
    ]
    assert above == []
    assert "snicert.audit" in out  # the check saw the import happen


class Spy:
    """A table that notes when each handler saw which events."""

    def __init__(self) -> None:
        self.during: list[tuple[str, bool]] = []  # (action, transaction open)
        self.after: list[list[str]] = []

    def table(self) -> events.Table:
        return events.Table(
            "off",
            during=(("spy", lambda s, e: self.during.append((e.action, s.in_transaction()))),),
            after=(("spy", lambda evs: self.after.append([e.action for e in evs])),),
        )


def test_events_reach_the_table_after_the_commit_in_order(home) -> None:
    spy = Spy()
    with events.use(spy.table()):
        with db.transaction() as s:
            audit.record(s, "cli", "test.first", "test", None)
            audit.record(s, "cli", "test.second", "test", None)
            assert spy.after == []  # nothing outside the database before the commit
        assert spy.during == [("test.first", True), ("test.second", True)]
        assert spy.after == [["test.first", "test.second"]]
        with db.transaction() as s:
            audit.record(s, "cli", "test.third", "test", None)
    assert spy.after[-1] == ["test.third"]  # each transaction dispatches its own


def test_a_rolled_back_change_has_no_effects(home) -> None:
    spy = Spy()
    with events.use(spy.table()), pytest.raises(RuntimeError), db.transaction() as s:
        audit.record(s, "cli", "test.undone", "test", None)
        raise RuntimeError("refused")
    assert spy.during == [("test.undone", True)]  # what it wrote rolled back with it
    assert spy.after == []


def test_a_persons_action_starts_the_flow_once_and_is_announced(home) -> None:
    w = World().setup_staff()
    app_id = w.new_application("abon")
    emitted: list[dict] = []
    runs: list[int] = []
    with events.use(effects.table("worker", emit=emitted.append, run=runs.append)):
        w.submit(app_id)  # the applicant: a person
        assert runs == [app_id]  # screening is automated work: one run, after the commit
        submitted = [e for e in emitted if e["event"] == "snicert.application.submitted"]
        assert submitted[0]["resource"]["snicert.state"] == State.SUBMITTED
        assert submitted[0]["resource"]["prefect.resource.id"] == f"snicert.application.{app_id}"
        with db.transaction() as s:  # the system acting: no run (it is the run)
            audit.record(s, None, "application.noted", "application", app_id, app_id)
        assert runs == [app_id]


def test_dispatch_starts_automated_work_only_when_there_is_some(home) -> None:
    w = World().setup_staff()
    app_id = w.new_application("abon")
    runs: list[int] = []
    with events.use(effects.table("worker", emit=lambda payload: None, run=runs.append)):
        effects.dispatch(app_id)  # a draft: the applicant acts next
        assert runs == []
        with events.use(effects.table("off")):
            w.submit(app_id)  # nothing started it
        effects.dispatch(app_id)  # submitted: screening is the system's
        assert runs == [app_id]
    effects.dispatch(app_id)  # the tests' table starts nothing
    assert runs == [app_id]


def test_the_outbox_is_written_with_the_change(home) -> None:
    """Notifications are a `during` handler: the table without it tells no one."""
    w = World().setup_staff()
    app_id = w.new_application("abon")
    quiet = events.Table("off")
    with events.use(quiet):
        w.submit(app_id)
    with db.transaction() as s:
        assert s.scalars(select(Notification)).all() == []
    w.submit(w.new_application("abon"))  # the tests' table (conftest) tells
    with db.transaction() as s:
        assert s.scalars(select(Notification)).all() != []


def test_the_configured_table() -> None:
    assert effects.table("off").names() == [
        "workload",
        "tell",
        "system_turn",
        "forget_certificates",
    ]
    assert effects.table("worker").names() == [
        "workload",
        "tell",
        "prefect_resource",
        "system_turn",
        "forget_certificates",
        "emit",
        "kick",
    ]
    with pytest.raises(ValueError, match="worker or off"):
        effects.table("sometimes")
