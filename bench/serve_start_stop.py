"""`snicert serve` on a fresh home: seconds until the web app listens, until the sweep's
runs are planned on its Prefect server and /healthz says ok, and from SIGTERM until serve
and every process it started are gone. Usage: python bench/serve_start_stop.py [ROUNDS]

Each round is a new home; prints one line per round, then the reference loop time (this
machine's CPU speed changes from minute to minute, see bench/flow_per_application.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def reference_seconds() -> float:
    start = time.perf_counter()
    sum(i * i for i in range(5_000_000))
    return time.perf_counter() - start


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def descendants(pid: int) -> set[int]:
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        kids = {p for p, pp in parents.items() if pp == parent}
        found |= kids
        todo += kids
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def health(url: str) -> dict:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return json.loads(r.read())
    except OSError:
        return {}


def one_round() -> str:
    home = Path(tempfile.mkdtemp(prefix="snicert-bench-serve-"))
    port, prefect_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SNICERT_"))}
    env.update(SNICERT_HOME=str(home), SNICERT_PUBLIC_URL=f"http://127.0.0.1:{port}")
    out = home / "serve.out"
    began = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "snicert", "serve", "--port", str(port),
         "--prefect-port", str(prefect_port)],
        cwd=ROOT, env=env, stdout=out.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        while "logs:" not in out.read_text():
            if proc.poll() is not None or time.monotonic() - began > 300:
                raise SystemExit(out.read_text())
            time.sleep(0.2)
        listening = time.monotonic() - began
        while health(f"http://127.0.0.1:{port}/healthz").get("status") != "ok":
            if time.monotonic() - began > 300:
                raise SystemExit("the sweep was never scheduled")
            time.sleep(0.5)
        scheduled = time.monotonic() - began
    finally:
        started = descendants(proc.pid)
        stop = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        stopped = time.monotonic() - stop
        left = [p for p in started if alive(p)]
        for pid in left:
            os.kill(pid, signal.SIGKILL)
    return (
        f"web app listening {listening:5.1f} s; health ok (sweep planned) {scheduled:5.1f} s; "
        f"SIGTERM to exit {stopped:4.1f} s (exit code {proc.returncode}); "
        f"{len(started)} processes started, {len(left)} left"
    )


def main(rounds: int) -> None:
    print(f"reference loop before: {reference_seconds():.3f} s")
    for _ in range(rounds):
        print(one_round(), flush=True)
    print(f"reference loop after: {reference_seconds():.3f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
