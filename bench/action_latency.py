"""A person's action and the automated stage it starts, against a running `snicert serve`.

Starts `snicert serve` on a fresh home (embedded: its Prefect server, runner and task
worker), then in this process:

1. plays N demo applications (every role, through the service layer, as the web app calls
   it): each person's action is timed from the start of its transaction to the end of its
   after-commit effects (commit, Prefect event, the stage's `.delay()` handed to a thread
   of its own), i.e. what a web request adds to its HTTP handling; the `.delay()` itself
   in that thread; and each automated stage from the dispatch until serve's task worker
   finished it (read from the database, as the demo waits);
2. submits M more applications through serve's HTTP API (`POST
   /api/v1/applications/{id}/submit`, a bearer token): the HTTP action's p50/p95, and
   submission -> screening done.

Usage: python bench/action_latency.py [N=8] [M=20]. Prints the figures and the load
average; run it on an otherwise quiet machine for figures worth comparing.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


HOME = tempfile.mkdtemp(prefix="snicert-latency-")
PREFECT_PORT, WEB_PORT = _free_port(), _free_port()
API = f"http://127.0.0.1:{PREFECT_PORT}/api"
WEB = f"http://127.0.0.1:{WEB_PORT}"
# before Prefect is imported: this process submits to serve's server, and keeps the runs'
# parameters where serve's worker reads them (SNICERT_HOME/prefect, as serve's processes)
os.environ.update(SNICERT_HOME=HOME, SNICERT_FLOW_MODE="worker", PREFECT_API_URL=API)
for name in list(os.environ):
    if name.startswith("PREFECT_") and name not in ("PREFECT_API_URL",):
        del os.environ[name]

from snicert.prefect_env import configure  # noqa: E402

configure()

import random  # noqa: E402

from snicert import bootstrap, demo, effects  # noqa: E402
from snicert.db import engine, events  # noqa: E402
from snicert.lifecycle import State  # noqa: E402
from snicert.services import applications, decisions, fees, lab  # noqa: E402

ACTIONS = {
    "submit": (applications, "submit"),
    "answer": (applications, "answer_nonconformity"),
    "review": (applications, "record_review"),
    "sampling": (lab, "record_sampling"),
    "result": (lab, "record_result"),
    "verify": (lab, "verify_result"),
    "evaluate": (decisions, "evaluate"),
    "grant": (decisions, "decide"),
}
_label: ContextVar[str | None] = ContextVar("action", default=None)
action_ms: dict[str, list[float]] = defaultdict(list)
delay_ms: list[float] = []
stage_s: list[float] = []
_dispatched: dict[int, float] = {}


def _labelled(name: str, fn: Callable) -> Callable:
    def call(*args, **kwargs):
        _label.set(name)
        return fn(*args, **kwargs)

    return call


def _timed_transactions() -> None:
    real = engine.transaction

    @contextmanager
    def transaction(*args, **kwargs) -> Iterator:
        token = _label.set(None)
        start = time.perf_counter()
        try:
            with real(*args, **kwargs) as s:
                yield s
        finally:
            name = _label.get()
            _label.reset(token)
        if name:  # committed, after-commit effects done: the action's own time
            action_ms[name].append((time.perf_counter() - start) * 1000)

    engine.transaction = transaction


def _timed_waits() -> None:
    real = demo.wait_for

    def wait_for(app_id: int, *states: State, **kwargs) -> str:
        state = real(app_id, *states, **kwargs)
        if (began := _dispatched.pop(app_id, None)) is not None:
            stage_s.append(time.perf_counter() - began)
        return state

    demo.wait_for = wait_for


def _submit_and_time(submit: Callable[[int], None]) -> Callable[[int], None]:
    from flows.certification import advance

    delay = advance.delay

    def timed_delay(app_id: int):  # in the submitting thread, after the action returned
        start = time.perf_counter()
        future = delay(app_id)
        delay_ms.append((time.perf_counter() - start) * 1000)
        return future

    advance.delay = timed_delay

    def run(app_id: int) -> None:
        _dispatched[app_id] = time.perf_counter()
        submit(app_id)

    return run


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def line(name: str, values: list[float], unit: str) -> str:
    return (
        f"{name:<22} n={len(values):>3}  p50 {statistics.median(values):7.1f} {unit}  "
        f"p95 {pct(values, 0.95):7.1f} {unit}  max {max(values):7.1f} {unit}"
    )


def start_serve() -> subprocess.Popen:
    env = {**os.environ}
    env.pop("PREFECT_API_URL")  # serve starts its own server (embedded mode)
    env.pop("PREFECT_HOME", None)
    env.pop("SNICERT_FLOW_MODE")
    env["SNICERT_PUBLIC_URL"] = WEB
    out = Path(HOME) / "serve.out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "snicert", "serve", "--port", str(WEB_PORT),
         "--prefect-port", str(PREFECT_PORT)],
        cwd=ROOT, env=env, stdout=out.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while "logs:" not in out.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"serve did not start:\n{out.read_text()}")
        time.sleep(0.5)
    return proc


def http_submissions(player: demo.Player, count: int) -> tuple[list[float], list[float]]:
    """Drafts made here, submitted through serve's API: HTTP ms, submit -> screened s."""
    import json

    from snicert.db.models import User
    from snicert.services import sessions

    took, screened = [], []
    for i in range(count):
        app_id, owner_id, _ = player.draft(demo.Plan("abon", 50_000 + i))
        with engine.transaction() as s:
            token, _ = sessions.create_api_token(s, s.get(User, owner_id), "bench")
        body = json.dumps({"agreement_version": fees.agreement().version}).encode()
        request = urllib.request.Request(
            f"{WEB}/api/v1/applications/{app_id}/submit",
            data=body,
            method="POST",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        start = time.perf_counter()
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert answer.status == 200, answer.status
        took.append((time.perf_counter() - start) * 1000)
        demo.wait_for(app_id, State.PAYMENT)
        screened.append(time.perf_counter() - start)
    return took, screened


def main(n: int, m: int) -> None:
    demo.use_demo_identity()
    bootstrap.init()
    cast = demo.Cast()
    engine.dispose_all()
    serve = start_serve()
    try:
        for name, (module, attr) in ACTIONS.items():
            setattr(module, attr, _labelled(name, getattr(module, attr)))
        _timed_transactions()
        _timed_waits()
        real_start = effects._runner("worker")
        events.install(effects.table("worker", run=_submit_and_time(real_start)))
        player = demo.Player(cast, random.Random(3), nib_offset=0)
        player.play(demo.Plan("abon", 99_000))  # warm-up: first imports, first runs
        action_ms.clear(), delay_ms.clear(), stage_s.clear()
        products = sorted(player.specs)
        for i in range(n):
            plan = demo.Plan(products[i % len(products)], i, nonconformity=i % 4 == 0)
            assert player.play(plan).state == "certified"
        played = {k: list(v) for k, v in action_ms.items()}
        delays, stages = list(delay_ms), list(stage_s)
        http, screened = http_submissions(player, m)
    finally:
        serve.terminate()
        serve.wait(30)
    print(f"SNICERT_HOME={HOME}  load average {os.getloadavg()}")
    print(f"embedded serve, {n} applications played (+1 warm-up), {m} submitted over HTTP")
    print("person's action in-process (transaction, commit, event, .delay()), ms:")
    for name in ACTIONS:
        if played.get(name):
            print("  " + line(name, played[name], "ms"))
    print("  " + line("all actions", sum(played.values(), []), "ms"))
    print("  " + line(".delay() (its thread)", delays, "ms"))
    print("  " + line("HTTP submit", http, "ms"))
    print("action -> automated stage done (serve's task worker), s:")
    print("  " + line("any stage (played)", stages, "s"))
    print("  " + line("HTTP submit->screened", screened, "s"))


if __name__ == "__main__":
    args = [int(x) for x in sys.argv[1:]]
    main(*(args + [8, 20][len(args) :]))
