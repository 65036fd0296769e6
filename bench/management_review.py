"""Time the management review over a seeded history (default 100,000 applications on
PostgreSQL): the figures of one year beside the year before, then each file.

Usage: python bench/management_review.py [N] [--database-url URL] [--runs R] [--reuse]

The database (default postgresql://postgres@127.0.0.1:5432/snicert_bench_review) is emptied
and seeded with snicert/seed_history.py (bench/seed_history.py's seeder), in a temporary
SNICERT_HOME; with --reuse, a database already seeded is kept (migrated to the head) and
timed again. The review's figures are SQL aggregates; the target is 2 s at 100,000. Prints
the seconds of each section's queries (this period and the previous one together) of the
fastest run, the first and median totals, and each file's rendering.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/snicert_bench_review"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, nargs="?", default=100_000)
    ap.add_argument("--database-url", default=DEFAULT_URL)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--reuse", action="store_true", help="time a database seeded before")
    args = ap.parse_args()
    home = tempfile.mkdtemp(prefix="snicert-bench-review-")
    os.environ.update(
        SNICERT_HOME=home, SNICERT_FLOW_MODE="off", SNICERT_DATABASE_URL=args.database_url
    )

    from sqlalchemy import text

    from snicert import bootstrap, clock, seed_history, settings, synthetic
    from snicert.db import engine as db
    from snicert.review.formats import renderer
    from snicert.services import review

    for name, value in synthetic.IDENTITY.items():
        os.environ.setdefault(settings.env_name(name), value)
    if db.engine().dialect.name == "postgresql":
        _create_database(args.database_url)
        if not args.reuse:
            with db.engine().begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        db.dispose_all()
    started = time.perf_counter()
    bootstrap.init()
    print(f"init (migrations): {time.perf_counter() - started:.1f} s", flush=True)
    with db.engine().connect() as conn:
        held = conn.execute(text("SELECT count(*) FROM applications")).scalar()
    if args.reuse and held:
        print(f"reused: {held} applications already seeded")
    else:
        started = time.perf_counter()
        report = seed_history.seed(args.n, snapshots=False)
        print(
            f"seeded {report.applications} applications ({report.events} audit events, "
            f"{report.rows} rows) in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
    with db.engine().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("VACUUM ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
        visits = conn.execute(text("SELECT count(*) FROM stage_visits")).scalar()
    print(f"stage visits: {visits}")

    today = clock.now().astimezone(settings.current().zone).date()
    period = review.Period(today - timedelta(days=364), today)
    times, sections = [], []
    for _ in range(args.runs):
        spent: dict[str, float] = {}
        t0 = time.perf_counter()
        with db.reading() as s:
            m = review.build(s, period, timings=spent)
        times.append(time.perf_counter() - t0)
        sections.append(spent)
    started_now = sum(r["started"]["now"] for r in m["flow"])
    started_before = sum(r["started"]["before"] for r in m["flow"])
    print(
        f"management review {period} beside {m['previous']}: {started_now} applications "
        f"submitted (year before {started_before}), {len(m['stages'])} product stages"
    )
    print(
        f"figures on {db.engine().dialect.name}, {held or args.n} applications: first "
        f"{times[0]:.2f} s, median of {len(times)} {statistics.median(times):.2f} s "
        f"(target 2 s); machine load {_load()}"
    )
    fastest = sections[times.index(min(times))]
    print(f"sections of the fastest run ({min(times):.2f} s), both periods:")
    for name, seconds in sorted(fastest.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<24} {seconds:6.3f} s")
    print(f"  {'(the rest: Python)':<24} {min(times) - sum(fastest.values()):6.3f} s")
    for fmt in ("html", "pdf", "xlsx"):
        t0 = time.perf_counter()
        data = renderer(fmt)(m, "id")
        print(f"  {fmt}: {len(data) / 1024:.0f} kB in {time.perf_counter() - t0:.2f} s")
    print(f"machine load after: {_load()}")
    print(f"home: {home}")
    return 0


def _load() -> str:
    """The load averages (1, 5, 15 min): on a shared machine, what the seconds mean."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores"


def _create_database(url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from snicert.db import engine as db

    target = make_url(url)
    admin = db.make_engine(target.set(database="postgres").render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        found = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}
        ).scalar()
        if not found:
            conn.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
