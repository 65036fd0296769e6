"""README "Running it for real": every line of its command block, run as written in a fresh
home, then a case taken to a certificate with the accounts those lines created, served and
verified by the public page."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sqlalchemy import select

from snicert import settings
from snicert.db import engine as db
from snicert.db.models import Certificate, User
from snicert.services import accounts
from tests.test_serve import STARTUP, _free_port, _get
from tests.world import World

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Sasando-Kupang-2026"


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Running it for real", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "the section has a ```sh block"
    return [line for line in block[1].splitlines() if line.strip()]


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SNICERT_")}
    env["SNICERT_HOME"] = str(home)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env["PYTHONPATH"] = str(ROOT)
    return env


def _run(command: str, cwd: Path, env: dict[str, str]) -> str:
    # no controlling terminal (a session of its own): hidden prompts read standard input
    done = subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        env=env,
        input=f"{PASSWORD}\n{PASSWORD}\n",
        capture_output=True,
        text=True,
        timeout=300,
        start_new_session=True,
    )
    assert done.returncode == 0, (command, done.stdout, done.stderr)
    return done.stdout


def test_the_readme_takes_a_fresh_home_to_a_certificate(tmp_path, monkeypatch) -> None:
    home, cwd = tmp_path / "home", tmp_path / "work"
    cwd.mkdir()
    env = _env(home)
    commands = readme_commands()
    assert commands[0].startswith("snicert init ") and commands[-1].startswith("snicert backup")
    serve_line = next(c for c in commands if c.startswith("snicert serve"))
    outputs = {}
    for command in commands:
        if command != serve_line:
            outputs[command] = _run(command, cwd, env)
    users = _run("snicert users list --json", cwd, env)
    by_email = {u["email"]: u for u in json.loads(users)}
    officials = [e for e, u in by_email.items() if "official" in u["roles"]]
    assert len(officials) == 3  # the first official and the two she created
    assert all(
        "approved" in line
        for line in _run("snicert checklists list", cwd, env).split("\n")
        if line.strip()
    )
    assert list(cwd.glob("backups/snicert-*/manifest.json"))

    # The case, through the service layer, by the people the README created
    for name in list(os.environ):
        if name.startswith("SNICERT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SNICERT_HOME", str(home))
    db.dispose_all()
    assert settings.current().lspro_accreditation == "LSPr-123-IDN"
    with db.transaction() as s:
        ids = {u.email: u.id for u in s.scalars(select(User))}
        system = accounts.system_user(s).id
    w = World()
    w.users.update(
        system=system,
        reviewer=ids["penilai@lspro.kupangkota.go.id"],
        evaluator=ids["penilai@lspro.kupangkota.go.id"],
        decider=ids["pemutus@lspro.kupangkota.go.id"],
        sampler=ids["pengambil.contoh@lspro.kupangkota.go.id"],
        analyst=ids["analis@lspro.kupangkota.go.id"],
        verifier=ids["verifikator@lspro.kupangkota.go.id"],
        auditor=ids["auditor@lspro.kupangkota.go.id"],
    )
    app_id = w.new_application("sasando")
    w.advance_to(app_id, "certified")
    with db.reading() as s:
        cert = s.scalar(select(Certificate).where(Certificate.application_id == app_id))
        number, body = cert.number, cert.data["certification_body"]
        holder = cert.data["holder"]["name"]
    db.dispose_all()
    assert body["name"] == "LSPro Dinas Perindustrian Kota Kupang"
    assert body["signatory"]["title"] == "Kepala LSPro"

    # serve, as written but on free ports: the public page knows the certificate
    port, prefect_port = _free_port(), _free_port()
    args = shlex.split(serve_line.replace("--port 8000", f"--port {port}"))
    args += ["--prefect-port", str(prefect_port)]
    proc = subprocess.Popen(
        args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + STARTUP
        while True:
            try:
                status, body_bytes = _get(f"http://127.0.0.1:{port}/healthz")
                if status == 200:
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            assert proc.poll() is None, proc.stdout.read()
            assert time.monotonic() < deadline, "serve did not answer /healthz"
            time.sleep(0.5)
        status, page = _get(f"http://127.0.0.1:{port}/verify/{number}")
        assert status == 200
        assert number.encode() in page and holder.encode() in page
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    assert f"127.0.0.1:{port}" in out  # serve printed where it answers
