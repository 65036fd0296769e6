"""`snicert serve` starts the embedded stack and Ctrl-C stops all of it."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(url: str, body: dict) -> list:
    req = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        return json.loads(resp.read())


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def test_serve_starts_server_and_runner_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port, web_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SNICERT_"))}
    env.update(SNICERT_HOME=str(tmp_path / "home"), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "snicert",
            "serve",
            "--prefect-port",
            str(port),
            "--port",
            str(web_port),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 150
        names: set[str] = set()
        while time.monotonic() < deadline and names != {"certification", "surveillance"}:
            assert proc.poll() is None, proc.stdout.read()
            with contextlib.suppress(OSError):
                names = {d["name"] for d in _post(f"{api}/deployments/filter", {})}
            time.sleep(1)
        assert names == {"certification", "surveillance"}  # the runner serves both
        deployments = _post(f"{api}/deployments/filter", {})
        sweep = next(d for d in deployments if d["name"] == "surveillance")
        assert sweep["schedules"][0]["schedule"]["cron"] == "0 6 * * *"
        assert (tmp_path / "home" / "prefect").is_dir()  # the server's database lives here
        assert (tmp_path / "home" / "snicert.db").exists()  # initialised
        page = b""
        for _ in range(30):  # the web app answers
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"http://127.0.0.1:{web_port}/directory", timeout=5) as r,
            ):
                page = r.read()
                break
            time.sleep(1)
        assert b"Direktori" in page
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as r:
            assert b"<html" in r.read().lower()  # the Prefect UI is served too
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert "stopped prefect-server" in out and "stopped runner" in out
    assert not _listening(port) and not _listening(web_port)
