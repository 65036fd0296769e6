"""The audit log is append-only in the database and any tampering breaks its hash chain."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from snicert import audit
from snicert.cli import app as cli
from snicert.db import engine as db
from snicert.db.models import AuditEvent
from tests.world import World


@pytest.fixture
def chain(home) -> int:
    """A database with a realistic chain (a full certification); returns its length."""
    w = World().setup_staff()
    w.advance_to(w.new_application("abon"), "certified")
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent))


def _verify() -> audit.ChainReport:
    with db.transaction() as s:
        return audit.verify(s)


def _tamper(*statements: str) -> None:
    """Run raw SQL with the append-only triggers switched off, as an attacker with DB access."""
    with db.engine().begin() as conn:
        pg = conn.dialect.name == "postgresql"
        if pg:
            conn.exec_driver_sql(
                "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"
            )
        else:
            conn.exec_driver_sql("DROP TRIGGER audit_events_no_update")
            conn.exec_driver_sql("DROP TRIGGER audit_events_no_delete")
        for stmt in statements:
            conn.exec_driver_sql(stmt)
        if pg:
            conn.exec_driver_sql("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only")


def test_intact_chain_verifies(chain: int) -> None:
    assert chain > 20
    report = _verify()
    assert report.ok and report.checked == chain
    result = CliRunner().invoke(cli, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"{chain} audit events" in result.output


def test_every_event_links_to_the_one_before(chain: int) -> None:
    with db.transaction() as s:
        events = s.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert [e.seq for e in events] == list(range(1, chain + 1))
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:], strict=False))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET action = 'x' WHERE seq = 3",
        "DELETE FROM audit_events WHERE seq = 3",
    ],
)
def test_database_refuses_update_and_delete(chain: int, statement: str) -> None:
    with pytest.raises(DBAPIError, match="append-only"), db.engine().begin() as conn:
        conn.execute(text(statement))
    assert _verify().ok


def test_edited_row_is_detected(chain: int) -> None:
    _tamper('UPDATE audit_events SET data = \'{"outcome":"grant","forged":true}\' WHERE seq = 5')
    report = _verify()
    assert not report.ok
    assert any("row 5" in p and "edited" in p for p in report.problems), report.problems
    result = CliRunner().invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1
    assert "row 5" in result.output


def test_edited_actor_is_detected(chain: int) -> None:
    _tamper("UPDATE audit_events SET actor = 'someone@else.example' WHERE seq = 7")
    assert any("row 7" in p for p in _verify().problems)


def test_deleted_row_is_detected(chain: int) -> None:
    _tamper("DELETE FROM audit_events WHERE seq = 4")
    problems = _verify().problems
    assert any("4..4 are missing" in p for p in problems), problems
    assert any("row 5" in p and "does not follow" in p for p in problems), problems


def test_deleted_last_row_is_detected(chain: int) -> None:
    _tamper(f"DELETE FROM audit_events WHERE seq = {chain}")
    problems = _verify().problems
    assert any("rows at the end were deleted" in p for p in problems), problems


def test_reordered_rows_are_detected(chain: int) -> None:
    _tamper(
        "UPDATE audit_events SET seq = -1 WHERE seq = 2",
        "UPDATE audit_events SET seq = 2 WHERE seq = 3",
        "UPDATE audit_events SET seq = 3 WHERE seq = -1",
    )
    problems = _verify().problems
    assert any("row 2" in p for p in problems) and any("row 3" in p for p in problems), problems


def test_failed_step_leaves_no_event(chain: int) -> None:
    """An audit event is written in the step's own transaction: a refusal writes none."""
    from snicert.errors import SnicertError
    from snicert.services import certificates
    from snicert.services.guards import user_by_email

    with pytest.raises(SnicertError), db.transaction() as s:
        certificates.issue(s, user_by_email(s, "system@snicert.local"), 1)  # already issued
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == chain
    assert _verify().ok
