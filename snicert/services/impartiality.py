"""Who is involved in a case, and so may not handle a complaint or an appeal about it
(ISO/IEC 17065 §4.2, §7.13.5). One place to ask: `impartial()`; declared conflicts of
interest can be added to `involvement()` as further reasons."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert.db.models import (
    Application,
    Decision,
    Evaluation,
    Nonconformity,
    ReviewVerdict,
    User,
)
from snicert.errors import SeparationOfDuties


def involvement(
    s: Session, user: User, app: Application | None, also: Mapping[int, str] = {}
) -> list[str]:
    """Why `user` is involved in the case of `app` (empty: not involved). `also` adds
    people involved in the subject beyond the case's own steps (user id -> what they did)."""
    why = []
    if user.id in also:
        why.append(also[user.id])
    if app is None:
        return why
    if s.scalar(
        select(ReviewVerdict.id)
        .where(ReviewVerdict.application_id == app.id, ReviewVerdict.reviewer_id == user.id)
        .limit(1)
    ):
        why.append(f"reviewed the documents of {app.number}")
    elif s.scalar(
        select(Nonconformity.id)
        .where(Nonconformity.application_id == app.id, Nonconformity.raised_by == user.id)
        .limit(1)
    ):
        why.append(f"raised non-conformities on {app.number}")
    if s.scalar(
        select(Evaluation.id).where(
            Evaluation.application_id == app.id, Evaluation.evaluator_id == user.id
        )
    ):
        why.append(f"evaluated {app.number}")
    if s.scalar(
        select(Decision.id).where(Decision.application_id == app.id, Decision.decided_by == user.id)
    ):
        why.append(f"decided on {app.number}")
    if app.business_id is not None and user.business_id == app.business_id:
        why.append(f"acts for the business of {app.number}")
    return why


def impartial(
    s: Session, user: User, app: Application | None, also: Mapping[int, str] = {}
) -> None:
    """Raise SeparationOfDuties, naming why, unless `user` is uninvolved in the subject."""
    why = involvement(s, user, app, also)
    if why:
        raise SeparationOfDuties(
            f"{user.email} is involved in the subject ({'; '.join(why)}) and may not handle it"
        )
