"""`snicert serve`: everything on one machine, or the parts a scaled-out setup needs.

Embedded default: a local Prefect server (database under SNICERT_HOME/prefect), the
runner for the scheduled sweep and the notifications' schedule, one Prefect task worker
(flows/worker.py) for the cases' automated stages, and the web app, which submits those
stages to the worker after each person's action and answers without waiting for them.
With PREFECT_API_URL and SNICERT_DATABASE_URL set, it uses that server and database and
starts neither its own server, runner nor worker: the operator runs `snicert worker`
processes (and the deployments of prefect.yaml).

SIGTERM (systemd, container runtimes) and SIGINT (Ctrl-C) both stop the web app, then the
worker, the runner and the Prefect server with everything they started, within
STOP_WITHIN seconds.
One `serve` per SNICERT_HOME at a time (`home_lock`).
"""

from __future__ import annotations

import ctypes
import fcntl
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from snicert import bootstrap, config, effects, prefect_server, settings

ROOT = Path(__file__).resolve().parents[1]
# seconds the children get to stop before they are killed; with the web app's grace
# (snicert.web.server.GRACE) serve stops within 10 s
STOP_WITHIN = 7.0
log = logging.getLogger(__name__)


class ServeError(RuntimeError):
    """`serve` cannot start or cannot go on (message for the operator, no traceback)."""


@contextmanager
def home_lock(home: Path) -> Iterator[None]:
    """Hold SNICERT_HOME/serve.lock while serving. It is an flock: the kernel releases it
    when the process ends however it ends, so a killed serve's lock is simply taken over.
    The file names the holder's pid for the refusal message."""
    path = home / "serve.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise ServeError(
            f"snicert serve is already running for SNICERT_HOME={home} (pid {holder}); "
            "stop it first (SIGTERM or Ctrl-C)"
        ) from None
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.ftruncate(fd, 0)
        os.close(fd)  # releases the lock


def _die_with_parent() -> None:
    """In a child, before exec: if serve itself is killed outright (SIGKILL, OOM), the
    kernel sends this child SIGTERM instead of leaving it running with its port."""
    _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


_PR_SET_PDEATHSIG = 1
# resolved here: the child only calls it. Linux only (elsewhere a killed serve's children
# are left to the operator, as before)
_prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform == "linux" else None


class Services:
    """The child processes serve starts, each in a session of its own (so a terminal's
    Ctrl-C reaches serve alone, which stops them in order), each logging to
    SNICERT_HOME/logs/<name>.log."""

    def __init__(self, say: Callable[[str], None]):
        self.say = say
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        path = config.home() / "logs" / f"{name}.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("ab") as out:
            proc = subprocess.Popen(
                args,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent if _prctl else None,
            )
        self.procs.append((name, proc))
        self.say(f"started {name} (pid {proc.pid}, log {path})")
        return proc

    def failed(self) -> str | None:
        """What went wrong if a child exited while serving, else None."""
        for name, proc in self.procs:
            if proc.poll() is not None:
                return (
                    f"{name} exited with code {proc.returncode}; see "
                    f"{config.home() / 'logs' / (name + '.log')}"
                )
        return None

    def stop(self) -> None:
        """SIGTERM to each child's whole process group (the runner's flow runs too), newest
        first; whatever is left after STOP_WITHIN seconds gets SIGKILL."""
        for _, proc in reversed(self.procs):
            _signal_group(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_WITHIN
        for name, proc in reversed(self.procs):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(f"{name} did not stop within {STOP_WITHIN:.0f} s: killed")
            while _signal_group(proc.pid, 0) and time.monotonic() < deadline:
                time.sleep(0.1)  # the group's other members (a flow run) are stopping
            _signal_group(proc.pid, signal.SIGKILL)
            proc.wait()
            self.say(f"stopped {name}")


def _signal_group(pgid: int, sig: int) -> bool:
    """Signal a process group; False when it has no process left."""
    try:
        os.killpg(pgid, sig)
        return True
    except ProcessLookupError:
        return False


def wait_healthy(url: str, services: Services, timeout: float = 300) -> None:
    # as long as the embedded server's start-up may take (snicert.prefect_env): the first
    # start creates the Prefect database
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if problem := services.failed():
            raise ServeError(problem)
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise ServeError(f"{url} did not answer within {timeout:.0f} s")


def run(host: str, port: int, prefect_port: int, say: Callable[[str], None]) -> None:
    """Serve until SIGTERM or SIGINT; raises ServeError when it cannot start or a child
    process died (then everything else is stopped too)."""
    external = bool(os.environ.get("PREFECT_API_URL") and os.environ.get("SNICERT_DATABASE_URL"))
    say = _logged(say)
    # SIGTERM stops serve as Ctrl-C does (uvicorn re-raises it after its own shutdown).
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    home = config.ensure_home()
    services = Services(say)
    env = dict(os.environ)
    try:
        public_url = settings.current().public_url  # a bad setting stops serve here
    except settings.SettingsError as exc:
        raise ServeError(str(exc)) from None
    with home_lock(home):
        # before anything starts: a Prefect server already on that port would answer
        # the health check in place of the one started here
        wanted = {"--port": (host, port)}
        if not external:
            wanted["--prefect-port"] = ("127.0.0.1", prefect_port)
        for option, (where, which) in wanted.items():
            if not _port_free(where, which):
                raise ServeError(f"{where}:{which} is in use: choose another {option}")
        try:
            bootstrap.init()
            if external:
                say(
                    f"using Prefect at {env['PREFECT_API_URL']}; `snicert worker` processes "
                    "run the automated stages"
                )
            else:
                api = f"http://127.0.0.1:{prefect_port}/api"
                # Prefect's server app with its UI and services, behind the SQLite wrapper
                services.start(
                    "prefect-server",
                    prefect_server.command("127.0.0.1", prefect_port),
                    prefect_server.server_env(env, "127.0.0.1", prefect_port),
                )
                wait_healthy(f"{api}/health", services)
                env["PREFECT_API_URL"] = api
                # the web app submits the automated stages there (and sends its events)
                prefect_server.use_api(api)
                services.start("runner", [sys.executable, "-m", "flows.runner"], env)
                services.start("task-worker", [sys.executable, "-m", "flows.worker"], env)
            os.environ["SNICERT_FLOW_MODE"] = env.get("SNICERT_FLOW_MODE", "worker")
            effects.install()  # the handler table, for this mode (init may have built one)
            from snicert.web.server import serve_web

            def ready() -> None:
                _announce(host, port, None if external else prefect_port, say)
                if problem := public_url_problem(public_url, host, port):
                    log.warning(problem)

            # returns on SIGTERM or SIGINT, or when a child process died
            if not serve_web(host, port, ready, services.failed):
                raise ServeError(f"the web app could not listen on {host}:{port}")
            if problem := services.failed():
                log.error(problem)
                raise ServeError(problem)
        except KeyboardInterrupt:
            pass
        finally:
            # a second Ctrl-C must not cut the stop short (children would be left running)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            say("shutting down")
            services.stop()


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _logged(say: Callable[[str], None]) -> Callable[[str], None]:
    def both(line: str) -> None:
        say(line)
        log.info(line)

    return both


def _announce(host: str, port: int, prefect_port: int | None, say: Callable[[str], None]) -> None:
    if host in ANY:  # every interface: this machine's own address reaches it
        web = f"http://127.0.0.1:{port}"
        say(f"web app: {web}/ (listening on all interfaces, {host})")
    else:
        web = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
        say(f"web app: {web}/")
    say(f"API docs: {web}/api/docs")
    say(f"health: {web}/healthz")
    if prefect_port is not None:
        say(f"Prefect UI: http://127.0.0.1:{prefect_port}/")
    say(f"logs: {config.home() / 'logs'}/")


LOOPBACK = {"127.0.0.1", "localhost", "::1"}
ANY = {"0.0.0.0", "::", ""}


def public_url_problem(public_url: str, host: str, port: int) -> str | None:
    """Why the public URL (printed in certificates' QR codes) would not reach this web app,
    or None. A loopback URL must name the port served here; any URL must answer /healthz."""
    parts = urlsplit(public_url)
    default_port = 443 if parts.scheme == "https" else 80
    if parts.hostname in LOOPBACK and (parts.port or default_port) != port:
        return (
            f"public URL {public_url} does not point at this web app ({host}:{port}); "
            "certificates' QR codes lead there. Set it: snicert settings set public_url URL"
        )
    try:
        with urllib.request.urlopen(f"{public_url}/healthz", timeout=5):
            return None
    except urllib.error.HTTPError as exc:
        if exc.code == 503:  # it is a snicert that reached; its database is the problem
            return None
        reason = f"answers {exc.code}"
    except OSError as exc:
        reason = str(getattr(exc, "reason", exc))
    return (
        f"public URL {public_url} does not reach this web app ({reason}); certificates' QR "
        "codes lead there. Set it: snicert settings set public_url URL"
    )
