"""Engine time per application on the demo's path (embedded default: SQLite, local
Prefect server, flows run in-process), for 10 and for 200 applications in one process.

Server start-up, database creation and staff accounts are excluded: one warm-up
application runs before the clock starts. Usage: python bench/flow_per_application.py [N...]

This machine's CPU speed varies by up to 1.8x from minute to minute (a fixed pure-Python
loop took 0.24-0.44 s in one session), so a reference time is printed before and after:
compare figures taken at similar reference times.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

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
    player.play(demo.Plan("abon", 99_000))  # warm-up: starts the Prefect server
    mode = os.environ.get("SNICERT_FLOW_MODE", "local")
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
    print(f"reference loop after:  {reference_seconds():.3f} s")
    if len(sizes) == 2:
        a, b = sizes
        print(f"ratio per application {b} vs {a}: {per_app[b] / per_app[a]:.2f} (target <= 1.2)")


if __name__ == "__main__":
    main([int(x) for x in sys.argv[1:]] or [10, 200])
