"""`snicert audit verify`: everything that shows the database was changed behind snicert.

1. the audit chain (audit.verify): rows edited, deleted, inserted or reordered;
2. the signed checkpoints (checkpoints.check): the head rewritten, rows deleted at the end
   or the chain recomputed after an edit;
3. each certificate row against its signed credential (certs.record.row_problem);
4. each application's state and certificate's status against the last audit event that
   set it: a status changed directly in the database is explained by no event.
Every problem names the row. One pass over the chain does 1, 2 and 4.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert import audit, checkpoints
from snicert.certs.record import row_problem
from snicert.db import engine as db
from snicert.db.models import Application, AuditEvent, AuditHead, Certificate


@dataclass
class IntegrityReport:
    events: int = 0
    checkpoints: int = 0
    certificates: int = 0
    applications: int = 0
    problems: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(self.problems.values())


def check() -> IntegrityReport:
    # The file first: every checkpoint in it was appended after its commit, so the rows it
    # names are visible to the reads below.
    found, file_problems = checkpoints.read()
    wanted = {c.seq for c in found}
    hashes: dict[int, str] = {}
    last_status: dict[tuple[str, int], tuple[int, str]] = {}

    def visit(e: AuditEvent) -> None:
        if e.seq in wanted:
            hashes[e.seq] = e.hash
        status = audit.status_set_by(e.entity, e.action, e.data)
        if status is not None and e.entity_id is not None:
            last_status[(e.entity, e.entity_id)] = (e.seq, status)

    report = IntegrityReport(checkpoints=len(found))
    with db.reading() as s:
        if s.bind.dialect.name == "postgresql":  # one snapshot for every read below
            s.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        chain = audit.verify(s, visit)
        report.events = chain.checked
        head = s.get(AuditHead, 1)
        chain_end = s.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1)) or 0
        report.problems["chain"] = chain.problems
        report.problems["checkpoints"] = file_problems + checkpoints.check(
            head.seq if head else 0,
            head.hash if head else audit.GENESIS,
            head.signature if head else None,
            chain_end,
            hashes,
            found,
        )
        report.problems["certificates"], report.certificates = _certificates(s)
        status_problems, report.applications = _statuses(s, last_status)
        report.problems["statuses"] = status_problems
    return report


def _certificates(s: Session) -> tuple[list[str], int]:
    problems, count = [], 0
    for c in s.scalars(select(Certificate).order_by(Certificate.id)).yield_per(500):
        count += 1
        why = row_problem(c.number, c.data, c.credential, c.key_id, c.issued_at, c.valid_until)
        if why:
            problems.append(f"certificate {c.number} (id {c.id}): {why}")
    return problems, count


def _statuses(s: Session, last: dict[tuple[str, int], tuple[int, str]]) -> tuple[list[str], int]:
    problems = []
    apps = s.execute(
        select(Application.id, Application.number, Application.state).order_by(Application.id)
    ).all()
    for app_id, number, state in apps:
        problems += _status_problem("application", app_id, number, "state", state, last)
    for cert_id, number, status in s.execute(
        select(Certificate.id, Certificate.number, Certificate.status).order_by(Certificate.id)
    ):
        problems += _status_problem("certificate", cert_id, number, "status", status, last)
    return problems, len(apps)


def _status_problem(
    entity: str,
    entity_id: int,
    number: str,
    column: str,
    value: str,
    last: dict[tuple[str, int], tuple[int, str]],
) -> list[str]:
    seq, expected = last.get((entity, entity_id), (None, None))
    if expected is None:
        return [
            f"{entity} {number} (id {entity_id}): {column} {value!r} but no audit event records it"
        ]
    if expected != value:
        return [
            f"{entity} {number} (id {entity_id}): {column} {value!r} but the last audit "
            f"event that set it (row {seq}) says {expected!r}: changed outside snicert"
        ]
    return []
