"""The review's daily roll-ups as stored, and as counting their rows by local day gives:
the tests compare the two (after live changes, a seeded history, a migration's backfill)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert import settings
from snicert.db.models import (
    ActorDay,
    Application,
    AuditEvent,
    LabResult,
    LabResultDay,
    Nonconformity,
    NonconformityDay,
    StageDay,
    StageVisit,
)


def counted(s: Session) -> dict[str, dict[tuple[Any, ...], int]]:
    zone = settings.current().zone
    out: dict[str, Counter] = {k: Counter() for k in ("stage", "lab", "actor", "nc")}
    for v in s.scalars(select(StageVisit)):
        out["stage"][v.entered_at.astimezone(zone).date(), v.product, v.state, "entered", -1] += 1
        if v.left_at is not None:
            day = v.left_at.astimezone(zone).date()
            out["stage"][day, v.product, v.state, "left", v.working_days] += 1
    for r in s.scalars(select(LabResult).where(LabResult.status != "entered")):
        day = r.verified_at.astimezone(zone).date()
        retest = r.status == "retest_requested"  # the roll-up: verified, with the flag
        key = (r.parameter_id, "verified" if retest else r.status, retest, r.verdict or "")
        out["lab"][(day, r.product, *key)] += 1
    for actor, at in s.execute(
        select(AuditEvent.actor_id, AuditEvent.at).where(AuditEvent.actor_id.is_not(None))
    ):
        out["actor"][actor, at.astimezone(zone).date()] += 1
    for product, item, at in s.execute(
        select(Application.product, Nonconformity.item_id, Nonconformity.raised_at).join(
            Application, Application.id == Nonconformity.application_id
        )
    ):
        out["nc"][at.astimezone(zone).date(), product, item] += 1
    return {k: dict(v) for k, v in out.items()}


def rolled(s: Session) -> dict[str, dict[tuple[Any, ...], int]]:
    return {
        "stage": {
            (r.day, r.product, r.state, r.event, r.working_days): r.n
            for r in s.scalars(select(StageDay))
        },
        "lab": {
            (r.day, r.product, r.parameter_id, r.status, r.retest_requested, r.verdict): r.n
            for r in s.scalars(select(LabResultDay))
        },
        "actor": {(r.actor_id, r.day): r.n for r in s.scalars(select(ActorDay))},
        "nc": {(r.day, r.product, r.item_id): r.n for r in s.scalars(select(NonconformityDay))},
    }
