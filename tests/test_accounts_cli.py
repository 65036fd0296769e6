"""Staff accounts and credentialed approvals from the command line: `snicert init`,
`snicert users ...` and `snicert checklists approve`, each with refused bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from snicert.cli import app
from snicert.db import engine as db
from snicert.db.models import AuditEvent, ChecklistVersion, User
from snicert.errors import PermissionDenied
from snicert.services import accounts
from snicert.web.auth import sign_in as web_sign_in

BOSS = "kepala@lspro.example"
GOOD = "Sasando-Merdu-7"


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(app, list(args), input=input)


def signs_in(email: str, password: str) -> bool:
    """Does this password sign in? (Rolled back: a one-time code stays unused.)"""
    with db.transaction() as s:
        try:
            accounts.authenticate(s, email, password)
        except PermissionDenied:
            return False
        finally:
            s.rollback()
    return True


def user(email: str) -> User | None:
    """The account as stored now (detached: its columns stay readable)."""
    with db.reading() as s:
        found = s.scalar(select(User).where(User.email == email))
        if found is not None:
            s.expunge(found)
        return found


def last_actor(action: str) -> str:
    """Who the audit log names for the latest event of this action."""
    with db.reading() as s:
        return s.scalar(
            select(AuditEvent.actor)
            .where(AuditEvent.action == action)
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        )


def status(product: str = "abon") -> str:
    with db.reading() as s:
        return s.scalar(
            select(ChecklistVersion.status).where(
                ChecklistVersion.kind == "lab", ChecklistVersion.product == product
            )
        )


def code_in(output: str) -> str:
    return re.search(r"one-time code: (\S+)", output)[1]


@pytest.fixture
def boss(home: Path) -> str:
    r = run(
        "init",
        "--official-email",
        BOSS,
        "--official-name",
        "Ibu Kepala",
        "--password-stdin",
        input=f"{GOOD}\n",
    )
    assert r.exit_code == 0, r.output
    return BOSS


def test_init_needs_a_password_and_says_what_it_changed(home: Path) -> None:
    # refused: an empty or short password creates nobody
    r = run("init", "--official-email", BOSS, "--password-stdin", input="\n")
    assert r.exit_code == 1 and "password: Required" in r.output
    r = run("init", "--official-email", BOSS, "--password-stdin", input="pendek\n")
    assert r.exit_code == 1 and "at least 8" in r.output
    assert user(BOSS) is None
    # the hidden prompt asks twice; different answers are not accepted
    r = run("init", "--official-email", BOSS, input=f"{GOOD}\nSalah-Ketik-9\n")
    assert r.exit_code == 1 and "do not match" in r.output and user(BOSS) is None
    r = run(
        "init", "--official-email", BOSS, "--official-name", "Ibu Kepala", input=f"{GOOD}\n{GOOD}\n"
    )
    assert r.exit_code == 0, r.output
    assert f"official: created {BOSS}" in r.output and GOOD not in r.output
    assert "database: unchanged" in r.output and "checklists: unchanged" in r.output
    assert signs_in(BOSS, GOOD) and not user(BOSS).must_change_password
    # again: says plainly that nothing changed, the password neither
    r = run("init", "--official-email", BOSS, "--password-stdin", input="Lain-Sekali-55\n")
    assert r.exit_code == 0
    assert f"official: {BOSS} already exists, unchanged" in r.output
    assert "reset-password" in r.output and signs_in(BOSS, GOOD)
    assert not signs_in(BOSS, "Lain-Sekali-55")
    r = run("init")
    assert r.exit_code == 0 and f"officials: {BOSS} (unchanged)" in r.output
    # a second first official: refused, naming the way to add staff
    r = run("init", "--official-email", "lain@lspro.example", "--password-stdin", input=f"{GOOD}\n")
    assert r.exit_code == 1 and "not created: An official already exists" in r.output
    assert "snicert users add" in r.output and user("lain@lspro.example") is None


def test_init_on_an_empty_home_creates_everything(tmp_path: Path, monkeypatch) -> None:
    """An empty SNICERT_HOME with the default database (a new SQLite file in it)."""
    home = tmp_path / "fresh"
    monkeypatch.setenv("SNICERT_HOME", str(home))
    monkeypatch.delenv("SNICERT_DATABASE_URL", raising=False)
    home.mkdir()
    db.dispose_all()
    r = run("init")
    assert r.exit_code == 0, r.output
    assert "database: created" in r.output and "signing key: created" in r.output
    assert "loaded checklist abon v1" in r.output and "no official yet" in r.output
    r = run("init", "--official-email", BOSS, "--password-stdin", input=f"{GOOD}\n")
    assert "database: unchanged" in r.output and "signing key: unchanged" in r.output
    assert f"official: created {BOSS}" in r.output
    db.dispose_all()


def test_users_add_list_disable_enable_reset(boss: str) -> None:
    r = run(
        "users",
        "add",
        "Lab@LSPro.example",
        "--name",
        "Yohanes Lab",
        "--role",
        "lab_analyst",
        "--role",
        "lab_verifier",
    )
    assert r.exit_code == 0, r.output
    assert "created lab@lspro.example (lab_analyst, lab_verifier)" in r.output
    code = code_in(r.output)
    assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", code)
    assert user("lab@lspro.example").must_change_password
    assert last_actor("user.created") == "cli"
    r = run(
        "users",
        "add",
        "ppc@lspro.example",
        "--name",
        "Maria PPC",
        "--role",
        "sampler",
        "--password-stdin",
        input="Awal-Sementara-1\n",
    )
    assert r.exit_code == 0 and "one-time code" not in r.output

    rows = json.loads(run("users", "list", "--json").output)
    assert rows == [
        {
            "email": BOSS,
            "name": "Ibu Kepala",
            "roles": ["official"],
            "active": True,
            "must_change_password": False,
        },
        {
            "email": "lab@lspro.example",
            "name": "Yohanes Lab",
            "roles": ["lab_analyst", "lab_verifier"],
            "active": True,
            "must_change_password": True,
        },
        {
            "email": "ppc@lspro.example",
            "name": "Maria PPC",
            "roles": ["sampler"],
            "active": True,
            "must_change_password": True,
        },
    ]
    assert "password not chosen yet" in run("users", "list").output

    # refused, each naming the field or the state, and nothing stored
    for args, stdin, message in [
        (
            ["--role", "inspector"],
            None,
            "roles: The staff roles are: Auditor, Laboratory, Lab verifier, Official, "
            "Sampling officer. (value: 'inspector')",
        ),
        (["--role", "applicant"], None, "(value: 'applicant')"),
        (["--role", "sampler", "--password-stdin"], "\n", "password: Required"),
        (["--role", "sampler", "--password-stdin"], "1234567\n", "at least 8"),
    ]:
        r = run("users", "add", "baru@lspro.example", "--name", "Baru", *args, input=stdin)
        assert r.exit_code == 1 and message in r.output, r.output
    assert user("baru@lspro.example") is None
    r = run("users", "add", "baru@lspro.example", "--name", "Baru")
    assert r.exit_code == 2 and "--role" in r.output  # typer: the option is required
    r = run("users", "add", "LAB@lspro.example", "--name", "Lagi", "--role", "sampler")
    assert r.exit_code == 1 and "lab@lspro.example already exists" in r.output

    r = run("users", "disable", "ppc@lspro.example")
    assert r.exit_code == 0 and "ppc@lspro.example: deactivated" in r.output
    assert not user("ppc@lspro.example").active
    assert not signs_in("ppc@lspro.example", "Awal-Sementara-1")
    r = run("users", "disable", "ppc@lspro.example")
    assert r.exit_code == 1 and "already deactivated" in r.output
    assert run("users", "enable", "ppc@lspro.example").exit_code == 0
    assert signs_in("ppc@lspro.example", "Awal-Sementara-1")
    r = run("users", "disable", "nobody@lspro.example")
    assert r.exit_code == 1 and "no account 'nobody@lspro.example'" in r.output
    r = run("users", "disable", accounts.SYSTEM_EMAIL)
    assert r.exit_code == 1 and "no account" in r.output
    r = run("users", "disable", BOSS)  # the last active official
    assert r.exit_code == 1 and "last active official" in r.output and user(BOSS).active

    r = run("users", "reset-password", "lab@lspro.example")
    assert r.exit_code == 0 and "sessions and API tokens ended" in r.output
    new_code = code_in(r.output)
    assert new_code != code and signs_in("lab@lspro.example", new_code)
    assert not signs_in("lab@lspro.example", code)
    r = run("users", "reset-password", BOSS, "--password-stdin", input="Kepala-Baru-2026\n")
    assert r.exit_code == 0 and user(BOSS).must_change_password
    assert signs_in(BOSS, "Kepala-Baru-2026") and not signs_in(BOSS, GOOD)
    assert last_actor("user.password_reset") == "cli"
    r = run(
        "users",
        "reset-password",
        "nobody@lspro.example",
        "--password-stdin",
        input="Apa-Saja-123\n",
    )
    assert r.exit_code == 1 and "no account" in r.output


def test_a_one_time_code_signs_in_once(boss: str) -> None:
    code = code_in(
        run("users", "add", "ppc@lspro.example", "--name", "PPC", "--role", "sampler").output
    )
    assert signs_in("ppc@lspro.example", code)  # checking it does not use it up
    assert web_sign_in("127.0.0.1", "ppc@lspro.example", code, None)  # opening a session does
    assert not signs_in("ppc@lspro.example", code)
    with pytest.raises(PermissionDenied):
        web_sign_in("127.0.0.2", "ppc@lspro.example", code, None)
    with db.transaction() as s, pytest.raises(PermissionDenied):  # a sign-in racing it
        accounts.use_one_time_credential(s, accounts.account(s, "ppc@lspro.example"))
    assert user("ppc@lspro.example").must_change_password
    with db.transaction() as s:
        accounts.choose_password(s, s.get(User, user("ppc@lspro.example").id), GOOD)
    assert signs_in("ppc@lspro.example", GOOD)
    assert not user("ppc@lspro.example").must_change_password


def test_approving_a_checklist_needs_the_officials_password(boss: str) -> None:
    assert status() == "draft"
    r = run(
        "checklists", "approve", "abon", "--as", BOSS, "--password-stdin", input="Tebak-Tebakan-1\n"
    )
    assert r.exit_code == 1 and "wrong e-mail or password" in r.output
    r = run("checklists", "approve", "abon", "--as", BOSS, "--password-stdin", input="\n")
    assert r.exit_code == 1 and "Required" in r.output
    r = run(
        "checklists",
        "approve",
        "abon",
        "--as",
        "nobody@lspro.example",
        "--password-stdin",
        input=f"{GOOD}\n",
    )
    assert r.exit_code == 1 and "wrong e-mail or password" in r.output
    r = run("checklists", "approve", "roti", "--as", BOSS, "--password-stdin", input=f"{GOOD}\n")
    assert r.exit_code == 1 and "no checklist for 'roti'" in r.output
    assert status() == "draft"
    # a lab analyst with their own, right password: not an official
    run(
        "users",
        "add",
        "lab@lspro.example",
        "--name",
        "Lab",
        "--role",
        "lab_analyst",
        "--password-stdin",
        input="Awal-Sementara-1\n",
    )
    r = run(
        "checklists",
        "approve",
        "abon",
        "--as",
        "lab@lspro.example",
        "--password-stdin",
        input="Awal-Sementara-1\n",
    )
    assert r.exit_code == 1 and "has no password of their own yet" in r.output
    with db.transaction() as s:
        accounts.choose_password(s, accounts.account(s, "lab@lspro.example"), "Lab-Sendiri-2")
    r = run(
        "checklists",
        "approve",
        "abon",
        "--as",
        "lab@lspro.example",
        "--password-stdin",
        input="Lab-Sendiri-2\n",
    )
    assert r.exit_code == 1 and "needs the role Official" in r.output
    assert status() == "draft"
    # the official's password at the hidden prompt
    r = run("checklists", "approve", "abon", "--as", BOSS, input=f"{GOOD}\n")
    assert r.exit_code == 0, r.output
    assert f"approved checklist abon v1 as {BOSS}" in r.output and GOOD not in r.output
    assert status() == "approved"
    assert last_actor("checklist.approved") == BOSS
    r = run("checklists", "approve", "emping", "--as", BOSS, "--password-stdin", input=f"{GOOD}\n")
    assert r.exit_code == 0 and status("emping") == "approved"
