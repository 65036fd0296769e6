"""Backups, restores into an empty home, and signing-key rotation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from snicert import backup
from snicert.certs import verify_file
from snicert.certs.keys import public_keys
from snicert.cli import app as cli
from snicert.db import engine as db
from snicert.db.models import AuditEvent, Certificate, Output
from tests.conftest import PG_URL
from tests.world import World


def _certified_home() -> World:
    w = World().setup_staff()
    for product in ("abon", "sasando"):
        app_id = w.new_application(product)
        w.advance_to(app_id, "certified")
    return w


def _certificate_files(home: Path) -> list[Path]:
    with db.reading() as s:
        return [
            home / o.path
            for o in s.scalars(select(Output).where(Output.kind.in_(("json", "pdf", "png"))))
        ]


@pytest.fixture
def empty_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Switch SNICERT_HOME (and the database) to a new, empty one."""

    def switch() -> Path:
        new = tmp_path / "restored"
        monkeypatch.setenv("SNICERT_HOME", str(new))
        if PG_URL:
            url = make_url(PG_URL).set(database=f"{make_url(PG_URL).database}_restore")
            admin = db.make_engine(
                make_url(PG_URL).set(database="postgres").render_as_string(hide_password=False)
            )
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{url.database}"'))
            admin.dispose()
            monkeypatch.setenv("SNICERT_DATABASE_URL", url.render_as_string(hide_password=False))
        else:
            monkeypatch.setenv("SNICERT_DATABASE_URL", f"sqlite:///{new / 'snicert.db'}")
        db.dispose_all()
        return new

    return switch


def test_backup_and_restore_into_a_new_home(home, tmp_path, empty_home) -> None:
    _certified_home()
    runner = CliRunner()
    dest = tmp_path / "backup-1"
    result = runner.invoke(cli, ["backup", str(dest)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((dest / "manifest.json").read_text())
    assert any(name.startswith("files/keys/") for name in manifest["files"])
    assert any(name.startswith("files/blobs/") for name in manifest["files"])
    counts = manifest["counts"]
    assert counts["certificates"] == 2 and counts["audit_events"] > 50
    with db.reading() as s:
        numbers = sorted(s.scalars(select(Certificate.number)))

    new = empty_home()
    result = runner.invoke(cli, ["restore", str(dest)])
    assert result.exit_code == 0, result.output
    assert backup.row_counts() == counts
    verified = runner.invoke(cli, ["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    with db.reading() as s:
        assert sorted(s.scalars(select(Certificate.number))) == numbers
    files = _certificate_files(new)
    assert len(files) == 6
    for path in files:  # with the restored home's published keys only
        result = verify_file(path, public_keys(new))
        assert result.valid, (path, result)
    assert (new / "keys").stat().st_mode & 0o077 == 0


def test_restore_refuses_a_home_that_is_not_empty(home, tmp_path) -> None:
    _certified_home()
    dest = tmp_path / "backup-2"
    assert CliRunner().invoke(cli, ["backup", str(dest)]).exit_code == 0
    result = CliRunner().invoke(cli, ["restore", str(dest)])
    assert result.exit_code == 2
    assert "restore needs an empty home" in result.output


def test_a_backup_that_does_not_match_its_manifest_is_refused(home, tmp_path, empty_home) -> None:
    _certified_home()
    dest = tmp_path / "backup-3"
    assert CliRunner().invoke(cli, ["backup", str(dest)]).exit_code == 0
    blob = next(p for p in (dest / "files" / "blobs").rglob("*") if p.is_file())
    blob.write_bytes(blob.read_bytes() + b"x")
    (dest / "files" / "extra.txt").write_text("not from the backup")
    new = empty_home()
    result = CliRunner().invoke(cli, ["restore", str(dest)])
    assert result.exit_code == 2
    assert "does not match its manifest" in result.output
    assert blob.relative_to(dest).as_posix() in result.output
    assert "files/extra.txt: not in the manifest" in result.output
    assert not new.exists() or not any(new.iterdir())  # nothing restored


def test_backup_refuses_a_folder_that_is_not_empty(home, tmp_path) -> None:
    dest = tmp_path / "used"
    dest.mkdir()
    (dest / "something").write_text("x")
    result = CliRunner().invoke(cli, ["backup", str(dest)])
    assert result.exit_code == 2 and "must be new or empty" in result.output
    result = CliRunner().invoke(cli, ["restore", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "not a snicert backup" in result.output


def test_rotation_keeps_old_certificates_valid(home) -> None:
    w = World().setup_staff()
    first = w.new_application("abon")
    w.advance_to(first, "certified")
    old_files = _certificate_files(home)
    result = CliRunner().invoke(cli, ["keys", "rotate"])
    assert result.exit_code == 0, result.output
    second = w.new_application("abon")
    w.advance_to(second, "certified")
    with db.reading() as s:
        kids = dict(s.execute(select(Certificate.application_id, Certificate.key_id)).all())
        rotated = s.scalar(select(AuditEvent.data).where(AuditEvent.action == "keys.rotated"))
    assert kids[first] != kids[second]
    assert json.loads(rotated) == {"retired": kids[first], "current": kids[second]}
    jwks = {k["kid"]: k for k in public_keys()["keys"]}
    assert set(jwks) == {kids[first], kids[second]}
    assert "retired" in jwks[kids[first]] and "retired" not in jwks[kids[second]]
    for path in old_files:
        assert verify_file(path).valid, path
    for path in set(_certificate_files(home)) - set(old_files):
        result = verify_file(path)
        assert result.valid and result.kid == kids[second]
