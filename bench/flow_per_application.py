"""Engine time per application on the demo's path (embedded default: SQLite, local
Prefect server, the demo's task worker in a thread), for 10 and for 200 applications in
one process.

Server start-up, database creation and staff accounts are excluded: one warm-up
application runs before the clock starts. Usage: python bench/flow_per_application.py [N...]

Server mode: python bench/flow_per_application.py --server N [K...] plays about N
applications (`snicert demo --parallel 8`) against a Prefect server on PostgreSQL with K
`snicert worker` processes (default 1 and 2), both databases on PostgreSQL (fresh ones,
127.0.0.1:5432, user postgres), and prints the throughput for each K.

This machine's CPU speed varies by up to 1.8x from minute to minute (a fixed pure-Python
loop took 0.24-0.44 s in one session), so a reference time is printed before and after:
compare figures taken at similar reference times.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

os.environ.setdefault("SNICERT_HOME", tempfile.mkdtemp(prefix="snicert-bench-"))

from snicert.prefect_env import configure  # noqa: E402

configure()

import random  # noqa: E402

from snicert import bootstrap, demo  # noqa: E402
from snicert.catalog import default_catalog  # noqa: E402

PRODUCTS = sorted(default_catalog().products)


def reference_seconds() -> float:
    """A fixed pure-Python workload: the machine's speed right now."""
    start = time.perf_counter()
    sum(i * i for i in range(5_000_000))
    return time.perf_counter() - start


def main(sizes: list[int]) -> None:
    print(f"reference loop before: {reference_seconds():.3f} s")
    demo.use_demo_identity()  # issuance needs the LSPro identity settings
    bootstrap.init()
    player = demo.Player(demo.Cast(), random.Random(1), nib_offset=0)
    with demo.task_worker():  # the demo's: a thread next to the embedded server
        per_app = _play(player, sizes)
    print(f"reference loop after:  {reference_seconds():.3f} s")
    if len(sizes) == 2:
        a, b = sizes
        print(f"ratio per application {b} vs {a}: {per_app[b] / per_app[a]:.2f} (target <= 1.2)")


def _play(player: demo.Player, sizes: list[int]) -> dict[int, float]:
    player.play(demo.Plan("abon", 99_000))  # warm-up: starts the Prefect server
    mode = os.environ.get("SNICERT_FLOW_MODE", "worker")
    print(f"SNICERT_HOME={os.environ['SNICERT_HOME']}  flow mode={mode}")
    per_app = {}
    offset = 0
    for n in sizes:
        todo = [
            demo.Plan(PRODUCTS[i % 4], offset + i, nonconformity=i % 10 == 0, retest=i % 10 == 1)
            for i in range(n)
        ]
        offset += n
        start = time.perf_counter()
        for plan in todo:
            outcome = player.play(plan)
            assert outcome.state == "certified", outcome
        elapsed = time.perf_counter() - start
        per_app[n] = elapsed / n
        print(f"{n:>4} applications: {elapsed:7.1f} s total, {per_app[n]:.3f} s per application")
    return per_app


def _fresh_database(name: str) -> str:
    from sqlalchemy import create_engine, text

    admin = create_engine(
        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def server_mode(n: int, worker_counts: list[int]) -> None:
    """Throughput of the automated stages with K task workers (see the docstring)."""
    bin_dir = Path(sys.executable).parent
    figures = {}
    for k in worker_counts:
        tmp = Path(tempfile.mkdtemp(prefix=f"snicert-bench-server{k}-"))
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        api = f"http://127.0.0.1:{port}/api"
        env = {
            **{k_: v for k_, v in os.environ.items() if not k_.startswith("SNICERT_")},
            "PREFECT_HOME": str(tmp / "prefect"),
            "PREFECT_API_URL": api,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_SERVER_DATABASE_CONNECTION_URL": _fresh_database(
                f"snicert_bench_prefect_{k}"
            ).replace("postgresql://", "postgresql+asyncpg://"),
            "SNICERT_DATABASE_URL": _fresh_database(f"snicert_bench_app_{k}"),
            "SNICERT_HOME": str(tmp / "home"),
        }
        procs = []

        def start(name: str, *args: str, env=env, tmp=tmp, procs=procs) -> None:
            log = (tmp / f"{name}.log").open("w")
            procs.append(
                subprocess.Popen(list(args), env=env, stdout=log, stderr=subprocess.STDOUT)
            )

        try:
            start("server", str(bin_dir / "prefect"), "server", "start", "--port", str(port))
            deadline = time.monotonic() + 300
            while True:
                try:
                    with urllib.request.urlopen(f"{api}/health", timeout=2):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise SystemExit("the Prefect server did not start") from None
                    time.sleep(0.5)
            for i in range(k):
                start(f"worker{i}", str(bin_dir / "snicert"), "worker")
            per_product = max(1, n // len(PRODUCTS))
            began = time.perf_counter()
            done = subprocess.run(
                [str(bin_dir / "snicert"), "demo", "--count", str(per_product),
                 "--parallel", "8"],
                env=env, capture_output=True, text=True,
            )  # fmt: skip
            elapsed = time.perf_counter() - began
            if done.returncode:
                raise SystemExit(done.stderr[-3000:])
            apps = per_product * len(PRODUCTS) + 1  # and the refused one
            figures[k] = apps / elapsed * 60
            print(
                f"{k} task worker(s): {apps} applications in {elapsed:.0f} s "
                f"(demo set-up included): {figures[k]:.1f} applications/min  "
                f"load average {os.getloadavg()[0]:.1f}",
                flush=True,
            )
        finally:
            for proc in reversed(procs):
                proc.terminate()
            for proc in procs:
                proc.wait(30)
    if 1 in figures and 2 in figures:
        print(f"2 workers vs 1: {figures[2] / figures[1]:.2f}x (goal >= 1.6x)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--server"]:
        rest = [int(x) for x in sys.argv[2:]]
        server_mode(rest[0] if rest else 200, rest[1:] or [1, 2])
    else:
        main([int(x) for x in sys.argv[1:]] or [10, 200])
