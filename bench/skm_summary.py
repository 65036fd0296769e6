"""Time the satisfaction index (snicert.services.skm.summary) over a seeded history.

Usage: python bench/skm_summary.py --home DIR [--database-url URL] [--repeat 5]

Reads the home a `bench/seed_history.py N` run left (it prints its home and database);
prints the surveys in it, then the best and median time of the summary over the whole
history (every product, and per product) and over one year.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", required=True)
    ap.add_argument("--database-url")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    os.environ["SNICERT_HOME"] = args.home
    os.environ["SNICERT_FLOW_MODE"] = "off"
    if args.database_url:
        os.environ["SNICERT_DATABASE_URL"] = args.database_url

    from sqlalchemy import func, select

    from snicert import clock, settings
    from snicert.db import engine as db
    from snicert.db.models import SkmSurvey
    from snicert.services import skm

    with db.reading() as s:
        surveys = s.scalar(select(func.count()).select_from(SkmSurvey))
        answered = s.scalar(select(func.count()).where(SkmSurvey.state == "answered"))
    print(f"database: {db.engine().url.render_as_string(hide_password=True)}")
    print(f"{surveys} surveys, {answered} answered")
    today = clock.now().astimezone(settings.current().zone).date()
    periods = {
        "whole history, all products": (today - timedelta(days=365 * 6), today, None),
        "one year, all products": (today - timedelta(days=364), today, None),
        "whole history, abon": (today - timedelta(days=365 * 6), today, "abon"),
    }
    for label, (start, end, product) in periods.items():
        times = []
        for _ in range(args.repeat):
            began = time.perf_counter()
            with db.reading() as s:
                result = skm.summary(s, start, end, product)
            times.append(time.perf_counter() - began)
        print(
            f"{label}: {result.respondents} respondents, IKM {result.ikm} {result.category}; "
            f"best {min(times) * 1000:.0f} ms, median {statistics.median(times) * 1000:.0f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
