"""The handler table: what follows a recorded change (snicert/db/events.py runs it).

During the change's transaction:
- `workload`: the management review's count of each person's events per day;
- `tell`: the people concerned are notified (snicert.services.moments; the outbox rows
  commit with the change);
- `prefect_resource`: the Prefect event of a case's state change is composed while the
  transaction sees the state the change left.
Just before the commit:
- `system_turn`: each application the change touched is marked as waiting on the system
  when its automated step is now due (stages.mark; flows/resume.py finds what a failed
  run or a dead worker left), in every mode, tests included: it is the record.
After the commit:
- `forget_certificates`: the public verification cache drops what a certificate event
  may have changed;
- `emit`: each composed event `snicert.<entity>.<event>` is sent to Prefect (operators
  build automations on it);
- `kick`: when a person acted on an application with automated work, that work is
  submitted to Prefect's task workers (`dispatch`, the one seam that starts it) and the
  caller returns at once: a worker moves the case on as far as it can.

SNICERT_FLOW_MODE, read once when the table is built, chooses how automated work starts:
`worker` (the default: `advance.delay()` through the Prefect server to its task workers:
the one `snicert serve` starts, or `snicert worker` processes in server mode) or `off` (no
Prefect events, no runs: service-only use). Tests swap the table (tests/conftest.py).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from snicert.db import events
from snicert.db.events import DomainEvent, Table
from snicert.db.models import Application, Certificate

log = logging.getLogger(__name__)
MODES = ("worker", "off")


def flow_mode() -> str:
    mode = os.environ.get("SNICERT_FLOW_MODE", "worker")
    if mode not in MODES:
        raise ValueError(f"SNICERT_FLOW_MODE must be worker or off, not {mode!r}")
    return mode


def table(
    mode: str | None = None,
    emit: Callable[[dict[str, Any]], None] | None = None,
    run: Callable[[int], None] | None = None,
) -> Table:
    """The table for `mode` (the configured one by default). `emit` sends one Prefect event
    and `run` runs one application's flow (tests pass collectors)."""
    mode = mode or flow_mode()
    if mode not in MODES:
        raise ValueError(f"flow mode must be worker or off, not {mode!r}")
    during: list[tuple[str, events.During]] = [("workload", workload), ("tell", tell)]
    after: list[tuple[str, events.After]] = [("forget_certificates", forget_certificates)]
    closing: tuple[tuple[str, events.Closing], ...] = (("system_turn", system_turn),)
    if mode != "off":
        send = emit or _emit
        during.append(("prefect_resource", prefect_resource))
        after.append(("emit", lambda evs: _emit_all(evs, send)))
        start = run or _runner(mode)
        after.append(("kick", lambda evs: kick_all(evs, start)))
        return Table(mode, tuple(during), tuple(after), closing, start)
    return Table(mode, tuple(during), tuple(after), closing)


def install() -> Table:
    """Build the configured table now (at a process's start; otherwise at its first event)."""
    built = table()
    events.install(built)
    return built


def workload(s: Session, event: DomainEvent) -> None:
    """The review's staff workload: one more event of its person that day (a roll-up row
    shared across cases: written here, after audit.record held the chain's head)."""
    if event.actor is not None:
        from snicert.services import rollups  # it builds on the services

        rollups.actor_event(s, event.actor.id, event.audit.at)


def tell(s: Session, event: DomainEvent) -> None:
    from snicert.services import moments  # it builds on the services

    moments.tell(s, event.audit, event.actor)


def system_turn(s: Session, evs: Sequence[DomainEvent]) -> None:
    from snicert import stages  # it builds on the services
    from snicert.services.guards import application

    for app_id in dict.fromkeys(e.application_id for e in evs):
        if app_id is not None:
            stages.mark(s, application(s, app_id))


def forget_certificates(evs: Sequence[DomainEvent]) -> None:
    if any(e.entity == "certificate" for e in evs):
        from snicert.services.public import forget_certificates as forget

        forget()


# Entities whose changes are announced as Prefect events; the rest (documents, samples,
# single lab results) stay in the audit log only, so the event stream carries the case's
# state changes, not every keystroke.
EVENT_ENTITIES = frozenset({"application", "certificate", "surveillance_case", "nonconformity"})
_PREFECT = "prefect"


def prefect_resource(s: Session, event: DomainEvent) -> None:
    if event.entity not in EVENT_ENTITIES:
        return
    e = event.audit
    app = s.get(Application, e.application_id) if e.application_id else None
    resource = {
        "prefect.resource.id": f"snicert.{e.entity}.{e.entity_id}",
        "prefect.resource.name": e.entity,
    }
    related = []
    if e.entity == "certificate" and e.entity_id is not None:
        cert = s.get(Certificate, e.entity_id)
        if cert is not None:
            resource["prefect.resource.name"] = cert.number
            resource["snicert.status"] = cert.status
    if app is not None:
        related += [
            {
                "prefect.resource.id": f"snicert.application.{app.id}",
                "prefect.resource.role": "application",
                "prefect.resource.name": app.number,
                "snicert.state": app.state,
            },
            {
                "prefect.resource.id": f"snicert.product.{app.product}",
                "prefect.resource.role": "product",
            },
            {
                "prefect.resource.id": f"snicert.business.{app.business_id}",
                "prefect.resource.role": "business",
            },
        ]
        if e.entity == "application":
            resource["prefect.resource.name"] = app.number
            resource["snicert.state"] = app.state
    event.notes[_PREFECT] = {
        "event": f"snicert.{e.action}",
        "resource": resource,
        "related": related,
        "payload": {"audit_seq": e.seq, "actor": e.actor},
    }


def _emit_all(evs: Sequence[DomainEvent], send: Callable[[dict[str, Any]], None]) -> None:
    for e in evs:
        if _PREFECT in e.notes:
            send(e.notes[_PREFECT])


def _emit(payload: dict[str, Any]) -> None:
    from prefect.events import emit_event

    from snicert.prefect_server import ensure_api

    try:
        ensure_api()
        emit_event(**payload)
    except Exception:  # an event is a notification: never undo or fail the person's action
        log.exception("could not emit %s", payload["event"])


def kick_all(evs: Sequence[DomainEvent], run: Callable[[int], None]) -> None:
    """Each application a person acted on, once, in the order they acted."""
    for app_id in dict.fromkeys(e.application_id for e in evs if e.by_person):
        if app_id is not None:
            kick(app_id, run)


def _runner(mode: str) -> Callable[[int], None]:
    """Where automated work runs: submitted to Prefect's task workers (imported when first
    used: Prefect is heavy and most commands never start a run).

    `.delay()` creates the task run on the Prefect server and writes its parameters: one
    client, one file and one request, 0.2-1.2 s on this busy machine. A thread of its own
    does it, so the person's request answers without waiting for it. Not a daemon: a
    command's process finishes the submission before it exits. A process killed before
    its thread submitted leaves the case waiting on the system, where the resume of
    automated stages finds it."""

    def submit(app_id: int) -> None:
        from prefect.settings import PREFECT_API_URL

        if not PREFECT_API_URL.value():
            # A command outside `snicert serve` with no Prefect server set: no worker
            # would see the run; the case waits for serve's resume of automated stages.
            log.info("no Prefect API set: application %s waits for serve's resume", app_id)
            return
        threading.Thread(target=_delay, args=(app_id,), name=f"submit-{app_id}").start()

    return submit


def _delay(app_id: int) -> None:
    from flows.certification import advance

    try:
        advance.delay(app_id)
    except Exception:  # the case waits on the system; the resume finds it
        log.exception("could not submit the automated stage of application %s", app_id)


def dispatch(application_id: int) -> None:
    """Start the application's automated work if it has any (the one seam: after a
    person's action, and flows/resume.py for what waits on the system too long). The
    table decides where it runs; with flows `off` nothing is started."""
    start = events.current().start
    if start is not None:
        kick(application_id, start)


def kick(application_id: int, run: Callable[[int], None]) -> None:
    """Submit the application's automated stage (after a person's action), unless the
    case only waits for the next person: a run would find nothing to do."""
    from snicert import stages

    try:
        if stages.has_work(application_id):
            run(application_id)
    except Exception:
        # The action is committed and the case marked as waiting on the system (stages.mark):
        # flows/resume.py dispatches it again within minutes.
        log.exception("could not submit the automated stage of application %s", application_id)
