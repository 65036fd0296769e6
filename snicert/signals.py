"""What follows a recorded change once it is committed.

Every change goes through `audit.record`, which calls `recorded()` here. In the same
transaction, the people concerned are notified (snicert.services.moments). After the commit:
- a Prefect event `snicert.<entity>.<event>` is emitted (operators build automations on it);
- when a person acted on an application, that application's certification flow runs again
  and moves the case on as far as it can.

SNICERT_FLOW_MODE chooses how the flow runs: `local` (in this process, the embedded
default), `deployment` (run_deployment into a work pool, when a Prefect server is set) or
`off` (nothing is started and no events are sent: service-only use and unit tests).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from sqlalchemy.orm import Session

from snicert.db.engine import after_commit
from snicert.db.models import Application, AuditEvent, Certificate, User
from snicert.roles import Role

log = logging.getLogger(__name__)
DEPLOYMENT = "certification/certification"


def flow_mode() -> str:
    mode = os.environ.get("SNICERT_FLOW_MODE", "local")
    if mode not in ("local", "deployment", "off"):
        raise ValueError(f"SNICERT_FLOW_MODE must be local, deployment or off, not {mode!r}")
    return mode


def recorded(s: Session, event: AuditEvent, actor: User | None) -> None:
    from snicert.services import moments

    moments.tell(s, event, actor)  # the people told of it: in this transaction
    if event.entity == "certificate":
        from snicert.services.public import forget_certificates

        after_commit(s, "forget-certificates", forget_certificates)
    if flow_mode() == "off":
        return
    payload = _prefect_event(s, event)
    if payload is not None:
        after_commit(s, ("event", event.seq), lambda: _emit(payload))
    person = actor is not None and Role.SYSTEM not in actor.roles
    if person and event.application_id is not None:
        app_id = event.application_id
        after_commit(s, ("kick", app_id), lambda: kick(app_id))


# Entities whose changes are announced as Prefect events; the rest (documents, samples,
# single lab results) stay in the audit log only, so the event stream carries the case's
# state changes, not every keystroke.
EVENT_ENTITIES = frozenset({"application", "certificate", "surveillance_case", "nonconformity"})


def _prefect_event(s: Session, event: AuditEvent) -> dict[str, Any] | None:
    if event.entity not in EVENT_ENTITIES:
        return None
    app = s.get(Application, event.application_id) if event.application_id else None
    resource = {
        "prefect.resource.id": f"snicert.{event.entity}.{event.entity_id}",
        "prefect.resource.name": event.entity,
    }
    related = []
    if event.entity == "certificate" and event.entity_id is not None:
        cert = s.get(Certificate, event.entity_id)
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
        if event.entity == "application":
            resource["prefect.resource.name"] = app.number
            resource["snicert.state"] = app.state
    return {
        "event": f"snicert.{event.action}",
        "resource": resource,
        "related": related,
        "payload": {"audit_seq": event.seq, "actor": event.actor},
    }


def _emit(payload: dict[str, Any]) -> None:
    from prefect.events import emit_event

    from snicert.prefect_server import ensure_api

    try:
        ensure_api()
        emit_event(**payload)
    except Exception:  # an event is a notification: never undo or fail the person's action
        log.exception("could not emit %s", payload["event"])


def kick(application_id: int) -> None:
    """Run the application's certification flow again (after a person's action), unless
    the case only waits for the next person: a run would find nothing to do."""
    from snicert import stages

    mode = flow_mode()
    try:
        if not stages.has_work(application_id):
            return
        if mode == "local":
            from flows.certification import run_local

            run_local(application_id)
        elif mode == "deployment":
            from prefect.deployments import run_deployment

            run_deployment(DEPLOYMENT, parameters={"application_id": application_id}, timeout=0)
    except Exception:
        # The action is committed; a failed run is retried by the next action or by the
        # scheduled sweep (flows/surveillance.py), which re-runs stuck automated stages.
        log.exception("certification flow for application %s failed", application_id)
