"""Roll-up counts the management review sums instead of scanning every row, kept exact by
being written in the same transaction as the change they count."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from snicert import audit, settings
from snicert.db.models import (
    ActorDay,
    LabResult,
    LabResultDay,
    Nonconformity,
    NonconformityDay,
    StageDay,
)
from snicert.lifecycle import ResultState


def _add(s: Session, model: type, keys: dict[str, object]) -> None:
    """One more in the row of `keys` (inserted at 1): one upsert, queued on its row. The
    row is shared by every case of its product and day: taken after the audit head, which
    every recording transaction takes, so two transactions never wait on each other."""
    audit.hold_head(s)
    insert = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(model).values(**keys, n=1)
    s.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_={"n": model.n + 1}))


def stage_event(
    s: Session, day: date, product: str, state: str, event: str, working_days: int = -1
) -> None:
    """A stay entered (working_days -1) or left with its lead, on the local `day`."""
    _add(
        s,
        StageDay,
        {
            "day": day,
            "product": product,
            "state": state,
            "event": event,
            "working_days": working_days,
        },
    )


def lab_result_concluded(s: Session, result: LabResult) -> None:
    """One more result concluded (verified, retracted, or verified with a retest asked) on
    the local day of its verified_at: one upsert, queued on its row like any write."""
    assert result.verified_at is not None
    day = result.verified_at.astimezone(settings.current().zone).date()
    _add(
        s,
        LabResultDay,
        {
            "day": day,
            "product": result.product,
            "parameter_id": result.parameter_id,
            # the roll-up's own outcome columns: a retest asked is a verified result with
            # the retest flag (rows before the lifecycle named that state are alike)
            "status": "retracted" if result.status == ResultState.RETRACTED else "verified",
            "retest_requested": result.status == ResultState.RETEST_REQUESTED,
            "verdict": result.verdict or "",
        },
    )


def _local_day(moment: datetime) -> date:
    return moment.astimezone(settings.current().zone).date()


def actor_event(s: Session, actor_id: int, at: datetime) -> None:
    """One more audit event by `actor_id` on the local day of `at` (audit.record's)."""
    _add(s, ActorDay, {"actor_id": actor_id, "day": _local_day(at)})


def nonconformity_raised(s: Session, nc: Nonconformity, product: str) -> None:
    """One more non-conformity of `product`'s checklist item, on its local day."""
    keys = {"day": _local_day(nc.raised_at), "product": product, "item_id": nc.item_id}
    _add(s, NonconformityDay, keys)
