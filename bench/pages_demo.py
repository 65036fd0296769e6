"""Every HTML page each role can reach on the demo home: p50/p95 of one client (#14: p95 <=
150 ms).

Runs `snicert demo --count N` into a fresh home (SQLite in a temp dir, or an empty
PostgreSQL database with --database-url), gives one account of each role a known password
(the demo's applicants have none), serves the app with uvicorn in another process (one
process, as `snicert serve` does), signs in as each role through the /login form, and
walks the pages from the role's landing page: every same-site link of an HTML page is
followed, up to --per-route URLs of each route (ids and query values vary, the route is
the same page). Each URL found is then fetched --repeat times, one request after another;
the table gives p50/p95 per role and route, then the worst pages, then the app's HTML GET
routes no role reached by a link (not measured).

Usage: python bench/pages_demo.py [--count 2] [--repeat 20] [--per-route 3]
       [--database-url postgresql://...]
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx

PASSWORD = "kain-tenun-ikat-sabu"
ROLES = ("applicant", "official", "sampler", "lab_analyst", "lab_verifier", "auditor")
NOT_PAGES = re.compile(r"\.(pdf|png|jpg|jpeg|json|csv|xlsx|svg|css|js|html)$|/download|/file")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(count: int) -> dict[str, str]:
    """The demo, then the e-mail of one account per role, each with PASSWORD."""
    from sqlalchemy import func, select

    from snicert import demo
    from snicert.db import engine as db
    from snicert.db.models import Application, User, UserRole
    from snicert.services import accounts

    started = time.perf_counter()
    outcomes = demo.run(count)
    print(f"demo: {len(outcomes)} applications in {time.perf_counter() - started:.0f} s")
    if db.engine().dialect.name == "postgresql":  # fresh statistics, as autovacuum would
        with db.engine().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    emails = {}
    with db.transaction() as s:
        busiest = s.scalar(  # the applicant whose business has the most applications
            select(Application.business_id)
            .group_by(Application.business_id)
            .order_by(func.count().desc(), Application.business_id)
            .limit(1)
        )
        for role in ROLES:
            query = select(User).join(UserRole, UserRole.user_id == User.id)
            query = query.where(UserRole.role == role, User.active.is_(True))
            if role == "applicant":
                query = query.where(User.business_id == busiest)
            user = s.scalars(query.order_by(User.id).limit(1)).first()
            # a bench's own account set-up: the demo's applicants have no password
            user.password_hash = accounts.password_for(user, PASSWORD)
            user.must_change_password = False
            emails[role] = user.email
    db.dispose_all()
    return emails


def sign_in(base: str, email: str) -> tuple[httpx.Client, str, float]:
    client = httpx.Client(base_url=base, timeout=60)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)[1]
    t0 = time.perf_counter()
    r = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    took = time.perf_counter() - t0
    if r.status_code != 303:
        raise SystemExit(f"sign-in as {email}: {r.status_code}")
    return client, r.headers["location"], took


def template(url: str) -> str:
    """The route a URL shows: numbers and codes in the path as {id}, query keys kept."""
    parts = urlsplit(url)
    path = re.sub(r"/(?=[^/]*\d)[^/]+", "/{id}", parts.path)
    keys = sorted({k for k, _ in parse_qsl(parts.query) if k != "lang"})
    return path + (f"?{'&'.join(keys)}" if keys else "")


def crawl(client: httpx.Client, start: str, per_route: int, limit: int = 400) -> list[str]:
    """The pages reachable by links from `start`: up to `per_route` URLs of each route."""
    seen, queue, found = {start}, [start], []
    taken: dict[str, int] = defaultdict(int)
    while queue and len(found) < limit:
        url = queue.pop(0)
        r = client.get(url)
        if r.status_code != 200 or not r.headers["content-type"].startswith("text/html"):
            continue
        found.append(url)
        for href in re.findall(r'<a [^>]*href="([^"#]+)"', r.text):
            href = href.replace("&amp;", "&")
            if not href.startswith("/") or href.startswith("//") or NOT_PAGES.search(href):
                continue
            if "lang=" in href or href in seen or href in ("/logout",):
                continue
            seen.add(href)
            if taken[template(href)] < per_route:
                taken[template(href)] += 1
                queue.append(href)
    return found


def html_routes() -> set[str]:
    from fastapi.routing import APIRoute

    from snicert.web.app import create_app

    out = set()
    for r in create_app().routes:
        if isinstance(r, APIRoute) and "GET" in r.methods and not r.path.startswith("/api"):
            path = re.sub(r"\{[^}]+\}", "{id}", r.path)
            if not NOT_PAGES.search(path):
                out.add(path)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=2, help="demo applications per product")
    parser.add_argument("--repeat", type=int, default=20, help="requests per URL")
    parser.add_argument("--per-route", type=int, default=3, help="URLs measured per route")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="snicert-bench-pages-demo-"))
    os.environ.update(SNICERT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    # the demo's flows run on Prefect's embedded server: its 20 s start is too short on a
    # loaded machine
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    if args.database_url:
        os.environ["SNICERT_DATABASE_URL"] = args.database_url
    emails = prepare(args.count)
    os.environ["SNICERT_FLOW_MODE"] = "off"  # the pages only: no certification runs
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "snicert.web.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    )  # fmt: skip
    rows: list[tuple[str, str, int, float, float, str]] = []
    reached: set[str] = set()
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        for role in ROLES:
            client, landing, signed = sign_in(base, emails[role])
            urls = crawl(client, landing, args.per_route)
            by_route: dict[str, list[float]] = defaultdict(list)
            worst_url: dict[str, tuple[float, str]] = {}
            for url in urls:
                took = []
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    client.get(url)
                    took.append(time.perf_counter() - t0)
                route = template(url)
                by_route[route] += took
                p95 = statistics.quantiles(took, n=20)[18]
                if p95 > worst_url.get(route, (0.0, ""))[0]:
                    worst_url[route] = (p95, url)
            print(f"{role}: signed in in {signed * 1000:.0f} ms, {len(urls)} pages")
            for route, took in sorted(by_route.items()):
                q = statistics.quantiles(took, n=20)
                slowest = worst_url[route][1]
                rows.append((role, route, len(took), q[9] * 1000, q[18] * 1000, slowest))
                reached.add(route.split("?")[0])
            client.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"\n{'role':<13} {'route':<52} {'n':>4} {'p50 ms':>7} {'p95 ms':>7}")
    for role, route, n, p50, p95, _ in rows:
        flag = "  > 150" if p95 > 150 else ""
        print(f"{role:<13} {route:<52} {n:>4} {p50:>7.0f} {p95:>7.0f}{flag}")
    print("\nworst pages (p95 of the slowest URL's route):")
    for role, _route, _n, _p50, p95, url in sorted(rows, key=lambda r: -r[4])[:10]:
        print(f"  {p95:6.0f} ms  {role:<13} {url}")
    over = [r for r in rows if r[4] > 150]
    print(f"\n{len(over)} of {len(rows)} role/route pairs over 150 ms at p95")
    missed = sorted(html_routes() - reached)
    print(f"HTML GET routes no role reached by a link ({len(missed)}): {', '.join(missed)}")
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
