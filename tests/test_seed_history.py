"""The seeded history (snicert/seed_history.py): consistent with the lifecycle and the audit
chain, spread over two years, and leaving the database usable by the services."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from snicert import integrity, seed_history
from snicert.db import engine as db
from snicert.db.models import (
    Application,
    AuditEvent,
    Certificate,
    Decision,
    LabResult,
    Nonconformity,
    SkmSurvey,
)
from snicert.lifecycle import State
from snicert.services import skm
from tests import rollup_counts
from tests.world import World

END = datetime(2026, 6, 30, 8, tzinfo=UTC)


def test_a_seeded_history_follows_the_lifecycle_and_verifies(home):
    report = seed_history.seed(400, end=END, batch=150)
    assert report.applications == 400

    with db.reading() as s:
        states = dict(
            s.execute(select(Application.state, func.count()).group_by(Application.state)).all()
        )
        assert states == dict(report.states)
        assert set(states) <= {x.value for x in State}
        assert {"certified", "refused", "withdrawn"} <= set(states)
        assert len(set(states) - {"certified", "refused", "withdrawn"}) >= 3  # open ones too
        statuses = dict(
            s.execute(select(Certificate.status, func.count()).group_by(Certificate.status)).all()
        )
        assert statuses == dict(report.certificate_statuses)
        assert {"active", "expired", "withdrawn"} <= set(statuses)
        # every month of the two years has applications started in it
        created = s.scalars(select(Application.created_at)).all()
        assert max(created) <= END
        recent = {(c.year, c.month) for c in created if c > END - timedelta(days=730)}
        assert len(recent) >= 24
        # expired certificates lapsed within the history, from applications before it
        for c in s.scalars(select(Certificate).where(Certificate.status == "expired")):
            assert c.valid_until <= END
        assert s.scalar(select(func.count()).where(LabResult.verdict == "nonconform")) > 0
        assert s.scalar(select(func.count()).select_from(Nonconformity)) > 0
        refusals = s.scalars(select(Decision.reason).where(Decision.outcome == "refuse")).all()
        assert refusals and all(r.startswith("Tidak memenuhi syarat mutu: ") for r in refusals)
        # every closed case invited its applicant to the satisfaction survey; most answered
        closed = states["certified"] + states["refused"] + states["withdrawn"]
        assert s.scalar(select(func.count()).select_from(SkmSurvey)) == closed
        whole = skm.summary(s, date(2021, 1, 1), date(2026, 6, 30))
        assert 0.6 * closed < whole.respondents < 0.8 * closed and whole.category in "ABC"
        assert s.scalar(select(func.count()).where(SkmSurvey.u9.is_(None))) == closed - (
            whole.respondents
        )
        # each application's events follow one another in time, as its states do
        last_at: dict[int, datetime] = {}
        for app_id, at in s.execute(
            select(AuditEvent.application_id, AuditEvent.at)
            .where(AuditEvent.application_id.is_not(None))
            .order_by(AuditEvent.seq)
        ):
            assert at >= last_at.get(app_id, at)
            last_at[app_id] = at

        # the review's daily roll-ups hold what counting the seeded rows gives
        assert rollup_counts.rolled(s) == rollup_counts.counted(s)

    # the chain, its signed checkpoints, the certificates' credentials and every status
    found = integrity.check()
    assert found.ok, found.problems
    assert found.applications == 400 and found.certificates == report.certificates


def test_the_services_go_on_after_a_seeded_history(home):
    """Ids and numbers continue after the seeded rows (PostgreSQL's sequences included)."""
    world = World().setup_staff()
    seed_history.seed(60, end=datetime.now(UTC) - timedelta(days=1))
    seed_history.seed(30)  # a second seeding appends
    app_id = world.new_application("emping")
    world.advance_to(app_id, "certified")
    with db.reading() as s:
        app = s.get(Application, app_id)
        numbers = s.scalars(select(Application.number)).all()
        assert len(numbers) == len(set(numbers)) == 91
        assert app.state == "certified"
    assert integrity.check().ok
