"""Certificate numbers under concurrency, and renewal."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from snicert.db import engine as db
from snicert.db.models import Application, Certificate
from snicert.errors import Conflict
from snicert.services import applications, certificates
from snicert.services.guards import user_by_email
from tests.world import World


def test_twenty_concurrent_issuances_get_consecutive_numbers(home) -> None:
    w = World().setup_staff()
    apps = []
    for _ in range(20):
        app_id = w.new_application("abon")
        w.advance_to(app_id, "approved")
        apps.append(app_id)
    officials = ["reviewer@lspro.example", "evaluator@lspro.example", "decider@lspro.example"]

    def issue(i: int) -> str:
        with db.transaction() as s:
            actor = user_by_email(s, officials[i % 3])
            return certificates.issue(s, actor, apps[i]).number

    with ThreadPoolExecutor(20) as pool:
        numbers = list(pool.map(issue, range(20)))
    year = datetime.now(UTC).year
    assert sorted(numbers) == [f"SNI-ABN-{year}-{n:04d}" for n in range(1, 21)]
    with db.transaction() as s:
        assert len(set(s.scalars(select(Certificate.number)))) == 20
        states = set(s.scalars(select(Application.state).where(Application.id.in_(apps))))
    assert states == {"certified"}


def test_renewal_carries_the_history(home) -> None:
    w = World().setup_staff()
    first = w.new_application("sasando")
    w.advance_to(first, "certified")
    with db.transaction() as s:
        cert = s.scalar(select(Certificate).where(Certificate.application_id == first))
        renewal = applications.renew(s, w.owner(s, first), cert.id)
        assert renewal.renewal_of == first and renewal.product == "sasando"
        assert renewal.state == "draft"
        renewal_id = renewal.id
    with pytest.raises(Conflict, match="already being renewed"), db.transaction() as s:
        applications.renew(s, w.owner(s, first), cert.id)
    # someone else's certificate cannot be renewed by this applicant
    other = w.applicant("sasando")
    from snicert.errors import PermissionDenied

    with pytest.raises(PermissionDenied), db.transaction() as s:
        applications.renew(s, w.user(s, other), cert.id)
    assert renewal_id != first
