"""Tampering by someone with write access to the database (issue 11, items 6 and 10) is
detected: `snicert audit verify` exits 1 naming the rows, the public lookup never shows an
altered certificate as valid, and a crashed issuance leaves no signed file behind."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, select, update
from typer.testing import CliRunner

from snicert import audit, outputs, stages
from snicert.cli import app as cli
from snicert.db import engine as db
from snicert.db.models import Application, AuditEvent, AuditHead, Certificate, Output
from snicert.services import certificates, public
from snicert.web.app import create_app
from tests.world import World

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def attacker() -> Iterator[Connection]:
    """A raw connection that drops the audit log's append-only triggers (as in the issue),
    and puts them back afterwards (PostgreSQL's schema is shared by the tests)."""
    with db.engine().begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("DROP TRIGGER audit_events_append_only ON audit_events")
            yield conn
            conn.exec_driver_sql(
                "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON "
                "audit_events FOR EACH ROW EXECUTE FUNCTION snicert_audit_append_only()"
            )
            return
        for verb in ("UPDATE", "DELETE"):
            conn.exec_driver_sql(f"DROP TRIGGER audit_events_no_{verb.lower()}")
        yield conn
        for verb in ("UPDATE", "DELETE"):
            conn.exec_driver_sql(
                f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
                "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
            )


def audit_verify() -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["audit", "verify"])
    return result.exit_code, result.output


def chain_only_ok() -> bool:
    """The hash chain and its head alone (what was checked before): the attacks below pass
    it, which is why the checkpoints exist."""
    with db.transaction() as s:
        return audit.verify(s).ok


@pytest.fixture
def world(home) -> World:
    w = World().setup_staff()
    w.advance_to(w.new_application("abon"), "certified")
    return w


def _cert() -> Certificate:
    with db.transaction() as s:
        return s.scalars(select(Certificate).order_by(Certificate.id)).first()


def _head() -> AuditHead:
    with db.transaction() as s:
        return s.get(AuditHead, 1)


def test_clean_home_verifies(world: World) -> None:
    code, out = audit_verify()
    assert code == 0, out
    assert "chain intact" in out and "1 certificates match their signed credentials" in out
    head = _head()
    assert head.signature and head.signature.split(":")[0]
    last = (
        (home_file := Path(os.environ["SNICERT_HOME"]) / "audit" / "checkpoints.jsonl")
        .read_text()
        .splitlines()[-1]
    )
    assert f'"seq":{head.seq},' in last and head.hash in last, home_file


def test_trigger_dropped_last_rows_deleted_head_rewritten(world: World) -> None:
    head = _head()
    keep = head.seq - 3
    with attacker() as conn:
        conn.execute(AuditEvent.__table__.delete().where(AuditEvent.seq > keep))
        last_hash = conn.scalar(select(AuditEvent.hash).where(AuditEvent.seq == keep))
        conn.execute(update(AuditHead).values(seq=keep, hash=last_hash))
    assert chain_only_ok()  # the hash chain alone is fooled
    code, out = audit_verify()
    assert code == 1, out
    assert f"the chain's head (row {keep}) is not signed by snicert" in out
    assert f"rows {keep + 1}..{head.seq} were deleted" in out


def test_edit_then_rechain(world: World) -> None:
    with db.transaction() as s:
        events = s.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    target = next(e for e in events if e.action == "application.granted")
    with attacker() as conn:
        prev = target.prev_hash
        for e in events[events.index(target) :]:
            if e is target:
                e.data = e.data.replace("Memenuhi persyaratan", "Dipalsukan")
            e.prev_hash, e.hash = prev, audit._digest(prev, e)
            conn.execute(
                update(AuditEvent)
                .where(AuditEvent.seq == e.seq)
                .values(data=e.data, prev_hash=e.prev_hash, hash=e.hash)
            )
            prev = e.hash
        conn.execute(update(AuditHead).values(seq=events[-1].seq, hash=prev))
    assert chain_only_ok()
    code, out = audit_verify()
    assert code == 1, out
    assert "is not signed by snicert: its signature does not match" in out
    assert "differs from its signed checkpoint" in out


def test_head_put_back_to_an_older_signed_state(world: World) -> None:
    """A saved copy of an older, correctly signed head row: the file outside the database
    still records the rows that came after it."""
    saved = _head()
    world.new_application("sasando")  # more commits, more checkpoints
    with attacker() as conn:
        conn.execute(AuditEvent.__table__.delete().where(AuditEvent.seq > saved.seq))
        conn.execute(
            update(AuditHead).values(seq=saved.seq, hash=saved.hash, signature=saved.signature)
        )
    assert chain_only_ok()
    code, out = audit_verify()
    assert code == 1, out
    assert "is not signed" not in out  # the head's own signature is genuine...
    assert f"the chain ends at row {saved.seq}" in out  # ...but the file knows better


def test_holder_name_changed(world: World) -> None:
    cert = _cert()
    forged = {**cert.data, "holder": {**cert.data["holder"], "name": "UMKM Palsu"}}
    with attacker() as conn:
        conn.execute(update(Certificate).where(Certificate.id == cert.id).values(data=forged))
    code, out = audit_verify()
    assert code == 1, out
    assert (
        f"certificate {cert.number} (id {cert.id}): holder differ(s) from the signed "
        "credential" in out
    )
    client = TestClient(create_app())
    body = client.get(f"/api/v1/certificates/{cert.number}").json()
    assert body["status"] == "untrustworthy" and body["valid"] is False
    assert "UMKM Palsu" not in str(body)
    page = client.get(f"/verify/{cert.number}").text
    assert "TIDAK DAPAT DIPERCAYA" in page and "UMKM Palsu" not in page
    assert "BERLAKU" not in page
    items = client.get("/api/v1/directory").json()["items"]
    assert [i["status"] for i in items] == ["untrustworthy"] and "UMKM Palsu" not in str(items)
    page = client.get("/directory").text
    assert "TIDAK DAPAT DIPERCAYA" in page and "UMKM Palsu" not in page


def test_credential_changed_with_the_row(world: World) -> None:
    """Changing the stored credential to match the forged row breaks its signature."""
    cert = _cert()
    forged = {**cert.data, "holder": {**cert.data["holder"], "name": "UMKM Palsu"}}
    credential = {**cert.credential, "credentialSubject": forged}
    with attacker() as conn:
        conn.execute(
            update(Certificate)
            .where(Certificate.id == cert.id)
            .values(data=forged, credential=credential)
        )
    code, out = audit_verify()
    assert code == 1 and "does not match its signature" in out, out
    assert public.lookup_certificate(cert.number)["status"] == "untrustworthy"


def test_direct_status_change(world: World) -> None:
    cert = _cert()
    with db.transaction() as s:
        certificates.withdraw(s, world.user(s, "decider"), cert.id, "Label palsu")
    assert public.lookup_certificate(cert.number)["status"] == "withdrawn"
    with attacker() as conn:
        conn.execute(
            update(Certificate)
            .where(Certificate.id == cert.id)
            .values(status="active", status_reason=None)
        )
        conn.execute(
            update(Application)
            .where(Application.id == cert.application_id)
            .values(state="approved")
        )
    public.forget_certificates()  # as another process's cache would, after 30 s
    code, out = audit_verify()
    assert code == 1, out
    assert (
        f"certificate {cert.number} (id {cert.id}): status 'active' but the last audit "
        "event that set it"
    ) in out and "says 'withdrawn'" in out
    app_number = world.app(cert.application_id).number
    assert f"application {app_number}" in out and "says 'certified'" in out
    view = public.lookup_certificate(cert.number)
    assert view["status"] == "untrustworthy" and not view["valid"]


def test_snicert_verify_checks_the_home_database(world: World) -> None:
    """`snicert verify FILE` on the LSPro's machine also asks its own database."""
    cert = _cert()
    with db.transaction() as s:
        pdf = outputs.absolute(outputs.find(s, f"certificate:{cert.id}", "pdf"))
    result = CliRunner().invoke(cli, ["verify", str(pdf)])
    assert result.exit_code == 0, result.output
    assert "registry (this home's database): active" in result.output
    with attacker() as conn:
        conn.execute(
            update(Certificate).where(Certificate.id == cert.id).values(status="withdrawn")
        )
    public.forget_certificates()
    result = CliRunner().invoke(cli, ["verify", str(pdf)])
    assert result.exit_code == 1 and "not trustworthy" in result.output, result.output
    assert CliRunner().invoke(cli, ["verify", "--offline", str(pdf)]).exit_code == 0


# --- issuance files -------------------------------------------------------------------


def _files(home: Path) -> list[str]:
    """Certificate files in place, and anything written aside."""
    return sorted(
        str(p.relative_to(home))
        for p in (home / "outputs").rglob("*")
        if p.is_file()
        and (p.name.startswith(("certificate.", "label.")) or p.parent.name == ".pending")
    )


def test_failed_issuance_leaves_no_file(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    w = World().setup_staff()
    app_id = w.new_application("abon")
    w.advance_to(app_id, "approved")

    def crash(*args, **kwargs):
        raise RuntimeError("crash after signing, before the commit")

    with monkeypatch.context() as m, pytest.raises(RuntimeError):
        m.setattr(certificates.lifecycle, "apply", crash)
        stages.issue(app_id)
    assert _files(home) == []
    assert stages.issue(app_id)
    placed = _files(home)
    assert len(placed) == 6 and not any(".pending" in p for p in placed), placed


def _kill_issuance(app_id: int, tmp_path: Path) -> None:
    """Issue in another process, kill -9 it inside the issuing transaction (after signing
    and writing the files aside)."""
    marker = tmp_path / f"at-{app_id}"
    env = {
        **os.environ,
        "SNICERT_FAULT": "approved",
        "SNICERT_FAULT_MARKER": str(marker),
        "SNICERT_FLOW_MODE": "off",
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", f"from snicert import stages; stages.issue({app_id})"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None, proc.stdout.read().decode()
        assert time.monotonic() < deadline, "issuance never reached the fault point"
        time.sleep(0.05)
    proc.kill()
    proc.wait(timeout=30)


def test_killed_issuance_leaves_only_pending_files_and_they_verify_as_nothing(
    home: Path, tmp_path: Path
) -> None:
    """The issue's case: killed mid-issuance, then the number goes to another business. The
    files written aside are never placed, the sweep removes them, and a copy kept of one
    is refused by `snicert verify`: its number belongs to another holder."""
    w = World().setup_staff()
    first, second = (w.new_application("abon") for _ in range(2))
    for app_id in (first, second):
        w.advance_to(app_id, "approved")
    _kill_issuance(first, tmp_path)
    pending = sorted((home / outputs.PENDING).iterdir())
    assert len(pending) == 6 and not any((home / "outputs").rglob("certificate.*"))
    leftover = next(p for p in pending if p.read_bytes().startswith(b"%PDF"))
    kept = tmp_path / "leftover.pdf"
    kept.write_bytes(leftover.read_bytes())

    assert stages.issue(second)  # the number the killed issuance had signed
    with db.transaction() as s:
        assert outputs.sweep_pending(s, older_than=0) == (0, 6)
        cert = s.scalar(select(Certificate).where(Certificate.application_id == second))
        recorded = s.scalars(select(Output).where(Output.owner == f"certificate:{cert.id}")).all()
    assert list((home / outputs.PENDING).iterdir()) == []
    assert all(outputs.absolute(o).exists() for o in recorded)
    result = CliRunner().invoke(cli, ["verify", str(kept)])
    assert result.exit_code == 1, result.output
    assert f"{cert.number} belongs to another holder" in result.output
    assert stages.issue(first)
    code, out = audit_verify()
    assert code == 0, out


def test_output_left_pending_after_the_commit_is_placed_on_first_read(home: Path) -> None:
    """Killed between the commit and the move: the recorded file is still found."""
    w = World().setup_staff()
    app_id = w.new_application("abon")
    w.advance_to(app_id, "certified")
    with db.transaction() as s:
        out = s.scalar(select(Output).where(Output.kind == "pdf"))
    path = home / out.path
    path.rename(home / outputs.PENDING / f"{out.sha256}.abc123")
    assert outputs.absolute(out) == path and path.exists()


def test_home_upgraded_from_before_tamper_evidence(world: World) -> None:
    """A home from before migration 0008: it takes each certificate's credential from its
    signed JSON file, and `snicert init` signs the chain's head as found; the home then
    verifies clean. (Run on the rows directly: later migrations do not all go down with
    data on SQLite.)"""
    import importlib

    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    from snicert import bootstrap
    from snicert.checkpoints import path as checkpoint_file

    migration = importlib.import_module("snicert.migrations.versions.0008_tamper_evidence")
    with db.engine().begin() as conn:  # as the rows were before 0008
        conn.execute(update(Certificate).values(credential=None))
        conn.execute(update(AuditHead).values(signature=None))
    checkpoint_file().unlink()
    code, out = audit_verify()
    assert code == 1 and "no signed credential is stored with it" in out, out
    with db.engine().begin() as conn, Operations.context(MigrationContext.configure(conn)):
        migration._backfill_credentials()
    assert _cert().credential["proof"]["proofValue"]
    code, out = audit_verify()
    assert code == 1 and "carries no signature" in out and "no checkpoints outside" in out
    bootstrap.init()
    code, out = audit_verify()
    assert code == 0, out


def test_a_savepoint_is_not_a_commit(home: Path) -> None:
    """Releasing a savepoint (notify() takes one) fires the session's commit events: the
    head is signed and its checkpoint appended only when the whole transaction commits, so
    one that then rolls back leaves no checkpoint naming rows that never existed."""
    from snicert import checkpoints

    def lines() -> int:
        return len(checkpoints.path().read_text().splitlines())

    before = lines()
    with pytest.raises(RuntimeError), db.transaction() as s:
        audit.record(s, None, "test.savepoint", "test", None)
        with s.begin_nested():
            pass
        raise RuntimeError("rolled back after the savepoint")
    assert lines() == before
    with db.transaction() as s:
        audit.record(s, None, "test.savepoint", "test", None)
        with s.begin_nested():
            pass
        audit.record(s, None, "test.after_savepoint", "test", None)
    assert lines() == before + 1
    code, out = audit_verify()
    assert code == 0, out
