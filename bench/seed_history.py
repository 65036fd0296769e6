"""Seed N applications of made-up history (snicert/seed_history.py) and print how long it took.

Usage: python bench/seed_history.py N [--database-url URL] [--home DIR] [--no-snapshots]

Without --home, a new temporary SNICERT_HOME; without --database-url, SQLite in it. On
PostgreSQL the database must be empty or hold a snicert schema (`snicert init` runs first
either way). The home is kept and printed, so other benchmarks can read the history.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int)
    ap.add_argument("--database-url")
    ap.add_argument("--home")
    ap.add_argument("--no-snapshots", action="store_true")
    args = ap.parse_args()
    home = args.home or tempfile.mkdtemp(prefix="snicert-seed-")
    os.environ["SNICERT_HOME"] = home
    os.environ["SNICERT_FLOW_MODE"] = "off"
    if args.database_url:
        os.environ["SNICERT_DATABASE_URL"] = args.database_url

    from snicert import bootstrap, seed_history
    from snicert.db import engine as db

    started = time.perf_counter()
    bootstrap.init()
    print(f"init: {time.perf_counter() - started:.1f} s", flush=True)

    def progress(done: int, total: int) -> None:
        print(f"  {done}/{total} applications, {time.perf_counter() - started:.0f} s", flush=True)

    report = seed_history.seed(args.n, snapshots=not args.no_snapshots, progress=progress)
    print(f"home: {home}")
    print(f"database: {db.engine().url.render_as_string(hide_password=True)}")
    print(
        f"seeded {report.applications} applications, {report.businesses} businesses, "
        f"{report.certificates} certificates, {report.events} audit events, "
        f"{report.rows} rows in {report.seconds:.1f} s "
        f"({report.applications / report.seconds:.0f} applications/s)"
    )
    print("states:", dict(sorted(report.states.items())))
    print("certificates:", dict(sorted(report.certificate_statuses.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
