"""The management review meeting's decisions and actions: recorded by an official with the
review's period; an action has an owner and a due date and is open until an official marks
it done (stating what was done). Later reviews list them as they stand."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from snicert import audit, clock, lifecycle
from snicert.db.models import ReviewAction, User
from snicert.errors import InvalidInput
from snicert.lifecycle import ActionState
from snicert.roles import Role
from snicert.services import text
from snicert.services.guards import get, require_role
from snicert.services.review import Period, parse_date

KINDS = ("decision", "action")


def record(
    s: Session,
    actor: User,
    period: Period,
    kind: str,
    what: str,
    owner: str | None = None,
    due_on: str | date | None = None,
) -> ReviewAction:
    """A decision (what was decided) or an action (what, who, by when) of the review."""
    require_role(actor, Role.OFFICIAL)
    if kind not in KINDS:
        raise InvalidInput("kind", kind, "err_choose", choices=", ".join(KINDS))
    what = text.clean("text", what, ReviewAction.text, multiline=True, required=True)
    owner = text.optional("owner", owner, ReviewAction.owner)
    due = parse_date("due_on", due_on) if due_on else None
    if kind == "action":
        if not owner:
            raise InvalidInput("owner", owner, "mr_err_owner")
        if due is None:
            raise InvalidInput("due_on", due_on, "mr_err_due")
    elif owner or due:
        raise InvalidInput("kind", kind, "mr_err_decision")
    row = ReviewAction(
        review_from=period.start,
        review_to=period.end,
        kind=kind,
        text=what,
        owner=owner,
        due_on=due,
        status="decided" if kind == "decision" else ActionState.OPEN.value,
        created_by=actor.id,
        created_at=clock.now(),
    )
    s.add(row)
    s.flush()
    audit.record(
        s,
        actor,
        f"review.{kind}_recorded",
        "review_action",
        row.id,
        review=str(period),
        text=what,
        owner=owner,
        due_on=due.isoformat() if due else None,
    )
    return row


def guards(note: str | None) -> dict[str, lifecycle.Guard]:
    """The named guards of lifecycle.REVIEW_ACTION_TRANSITIONS for a step taken with `note`:
    what was done (complete), or why it is reopened (reopen), stated."""

    def stated(s: Session, row: ReviewAction, actor: User) -> None:
        if not note:
            raise InvalidInput("outcome", note, "required")

    return {"outcome_stated": stated, "reason_stated": stated}


_LIFECYCLE = lifecycle.LIFECYCLES["review_action"]


def change(s: Session, actor: User, action_id: int, step: str, note: str) -> ReviewAction:
    """`complete` an open action (what was done) or `reopen` a done one (why)."""
    row = get(s, ReviewAction, action_id, "review action")
    # an illegal step is refused as such, before its note is judged
    lifecycle.check(row.status, step, actor, _LIFECYCLE.transitions, _LIFECYCLE.label)
    cleaned = text.optional("outcome", note, ReviewAction.outcome, multiline=True)
    t = lifecycle.transition(s, row, _LIFECYCLE, step, actor, guards(cleaned), note=cleaned)
    if t.target == ActionState.DONE:
        row.outcome, row.closed_by, row.closed_at = cleaned, actor.id, clock.now()
    else:
        row.outcome, row.closed_by, row.closed_at = None, None, None
    return row
