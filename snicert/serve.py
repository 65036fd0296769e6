"""`snicert serve`: everything on one machine, or the parts a scaled-out setup needs.

Embedded default: a local Prefect server (database under SNICERT_HOME/prefect), the
runner for the scheduled sweep, and the web app; flows triggered by people's actions run
in the web app's process. With PREFECT_API_URL and SNICERT_DATABASE_URL set, it uses that
server and database and starts neither its own server nor a runner: workers of the
`snicert` work pool run the flows (see prefect.yaml).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from snicert import bootstrap, config, prefect_server

ROOT = Path(__file__).resolve().parents[1]


class Services:
    def __init__(self, say: Callable[[str], None]):
        self.say = say
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = config.home() / "logs" / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        proc = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append((name, proc))
        self.say(f"started {name} (pid {proc.pid}, log {log})")
        return proc

    def check(self) -> None:
        for name, proc in self.procs:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"{name} exited with code {proc.returncode}; see "
                    f"{config.home() / 'logs' / (name + '.log')}"
                )

    def stop(self) -> None:
        for _, proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for name, proc in reversed(self.procs):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            self.say(f"stopped {name}")


def wait_healthy(url: str, services: Services, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        services.check()
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def run(host: str, port: int, prefect_port: int, say: Callable[[str], None]) -> None:
    external = bool(os.environ.get("PREFECT_API_URL") and os.environ.get("SNICERT_DATABASE_URL"))
    bootstrap.init()
    services = Services(say)
    env = dict(os.environ)
    try:
        if external:
            env.setdefault("SNICERT_FLOW_MODE", "deployment")
            say(
                f"using Prefect at {env['PREFECT_API_URL']}; workers of pool 'snicert' run "
                "the flows"
            )
        else:
            api = f"http://127.0.0.1:{prefect_port}/api"
            # Prefect's server app with its UI and services, behind snicert's SQLite wrapper
            services.start(
                "prefect-server",
                prefect_server.command("127.0.0.1", prefect_port),
                prefect_server.server_env(env),
            )
            wait_healthy(f"{api}/health", services)
            env["PREFECT_API_URL"] = api
            os.environ["PREFECT_API_URL"] = api  # flows run in this process report there
            services.start("runner", [sys.executable, "-m", "flows.runner"], env)
            say(f"Prefect UI: http://127.0.0.1:{prefect_port}")
        os.environ["SNICERT_FLOW_MODE"] = env.get("SNICERT_FLOW_MODE", "local")
        web = _web_app()
        if web is not None:
            web(host, port, services)  # blocks until Ctrl-C
        else:
            say("web app not installed in this version; press Ctrl-C to stop")
            while True:
                services.check()
                time.sleep(1)
    except KeyboardInterrupt:
        say("shutting down")
    finally:
        services.stop()


def _web_app() -> Callable[[str, int, Services], None] | None:
    try:
        from snicert.web.server import serve_web
    except ImportError:
        return None
    return serve_web
