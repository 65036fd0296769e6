"""Staff, applicant and public pages at N applications: p50/p95 under concurrent clients.

Seeds N applications of made-up history (snicert/seed_history.py: every state and product,
with documents' rows, results, certificates and audit events) into a fresh home, serves the
app with uvicorn in another process (one process, as `snicert serve` does), then drives each
page with `--clients` concurrent keep-alive clients for `--seconds` and prints p50/p95 in ms
and requests/s. Staff and the applicant call with bearer tokens (pages accept them too).
Goal (issue #13): every page p95 <= 100 ms at N = 100,000 on PostgreSQL, growing <= 1.5x
from 1,000 to 100,000.

Usage: python bench/pages_at_scale.py N [--database-url URL] [--seconds 5] [--clients 8]
[--home DIR --seeded] (the PostgreSQL database must be empty or hold a snicert schema;
with --seeded, the home and database of `bench/seed_history.py N --home DIR` are measured
again without seeding).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SERVER = """
import sys, uvicorn
from snicert.web.app import create_app
uvicorn.run(create_app(), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def prepare(n: int, seeded: bool) -> dict[str, object]:
    """Seed (unless `seeded`: the home and database hold a history already, e.g. from
    bench/seed_history.py), then tokens for an official, a lab verifier and an applicant
    with cases."""
    from sqlalchemy import func, select

    from snicert import bootstrap, seed_history
    from snicert.db import engine as db
    from snicert.db.models import Application, Business, Certificate, User, UserRole
    from snicert.roles import Role
    from snicert.services import sessions

    bootstrap.init()
    started = time.perf_counter()
    if not seeded:
        report = seed_history.seed(n)
        print(
            f"seeded {report.applications} applications, {report.certificates} certificates, "
            f"{report.events} audit events in {report.seconds:.0f} s",
            flush=True,
        )
    if db.engine().dialect.name == "postgresql":  # fresh statistics, as autovacuum would
        with db.engine().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    tokens = {}
    with db.transaction() as s:
        for role in (Role.OFFICIAL, Role.LAB_VERIFIER):
            user = s.scalar(
                select(User)
                .join(UserRole, UserRole.user_id == User.id)
                .where(UserRole.role == role)
            )
            tokens[role.value] = sessions.create_api_token(s, user, "bench")[0]
        # the applicant whose business has the most applications
        business = s.scalar(
            select(Application.business_id)
            .group_by(Application.business_id)
            .order_by(func.count().desc())
            .limit(1)
        )
        applicant = s.scalar(select(User).where(User.business_id == business).limit(1))
        tokens["applicant"] = sessions.create_api_token(s, applicant, "bench")[0]
        numbers = list(s.scalars(select(Certificate.number).limit(2000)))
        word = s.scalar(select(Business.name).limit(1)).split()[-1]
    print(f"tokens and lookups ready in {time.perf_counter() - started:.0f} s", flush=True)
    return {"tokens": tokens, "numbers": numbers, "word": word}


def pages(ctx: dict) -> list[tuple[str, str | None, object]]:
    """(name, whose token, path or a function giving one)."""
    numbers, word = ctx["numbers"], ctx["word"]
    return [
        ("dashboard", "official", "/dashboard"),
        ("dashboard API", "official", "/api/v1/dashboard"),
        ("all applications", "official", "/official/applications"),
        ("applications: search", "official", f"/official/applications?q={word}&sort=due"),
        ("applications: page 20", "official", "/official/applications?page=20&sort=changed"),
        ("payment checks", "official", "/official/payments"),
        ("verify queue", "lab_verifier", "/lab/verify"),
        ("verify queue API", "lab_verifier", "/api/v1/lab/verification"),
        ("lab worklist", "lab_verifier", "/lab"),
        ("lab worklist: search", "lab_verifier", f"/lab?q={word}&sort=business"),
        ("lab worklist API", "lab_verifier", "/api/v1/lab/worklist"),
        ("directory", None, "/directory"),
        ("directory: search", None, f"/directory?q={word}"),
        ("applicant home", "applicant", "/me"),
        ("public verify page", None, lambda: f"/verify/{random.choice(numbers)}"),
        ("public verify API", None, lambda: f"/api/v1/certificates/{random.choice(numbers)}"),
    ]


async def drive(base: str, headers: dict, path, seconds: float, clients: int) -> list[float]:
    import httpx

    took: list[float] = []
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
            while time.perf_counter() < deadline:
                url = path() if callable(path) else path
                start = time.perf_counter()
                r = await http.get(url)
                took.append(time.perf_counter() - start)
                if r.status_code != 200:
                    raise SystemExit(f"{url}: {r.status_code} {r.text[:300]}")

    await asyncio.gather(*(client() for _ in range(clients)))
    return took


def under_load(base: str, ctx: dict, seconds: float, clients: int) -> None:
    """The public verify API's p50/p99 from 2 clients while `clients` load the dashboard
    (the issue's goal: p99 <= 10 ms)."""
    numbers = ctx["numbers"]
    official = {"Authorization": f"Bearer {ctx['tokens']['official']}"}

    async def both() -> list[float]:
        _, took = await asyncio.gather(
            drive(base, official, "/dashboard", seconds, clients),
            drive(base, {}, lambda: f"/api/v1/certificates/{random.choice(numbers)}", seconds, 2),
        )
        return took

    took = asyncio.run(both())
    q = statistics.quantiles(took, n=100)
    print(
        f"{'verify API, dashboard loaded':28} {q[49] * 1000:8.1f} {q[94] * 1000:8.1f}"
        f"   p99 {q[98] * 1000:.1f} ms ({len(took)} requests)",
        flush=True,
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int)
    ap.add_argument("--database-url")
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--home", help="the SNICERT_HOME to use (default: a new one)")
    ap.add_argument("--seeded", action="store_true", help="measure the history already there")
    args = ap.parse_args()
    if args.seeded and not args.home:
        ap.error("--seeded needs the --home the history was seeded in (its signing keys)")
    home = args.home or tempfile.mkdtemp(prefix="snicert-pages-")
    os.environ.update(SNICERT_HOME=home, SNICERT_FLOW_MODE="off")
    if args.database_url:
        os.environ["SNICERT_DATABASE_URL"] = args.database_url
    from snicert import settings, synthetic

    for name, value in synthetic.IDENTITY.items():
        os.environ.setdefault(settings.env_name(name), value)
    ctx = prepare(args.n, args.seeded)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        for _ in range(200):
            try:
                httpx.get(f"{base}/directory", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        backend = "PostgreSQL" if args.database_url else "SQLite"
        print(f"N = {args.n} on {backend}, {args.clients} clients, {args.seconds:.0f} s a page")
        print(f"{'page':28} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>8}")
        for name, who, path in pages(ctx):
            token = ctx["tokens"].get(who) if who else None
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            asyncio.run(drive(base, headers, path, 0.5, 2))  # warm caches and connections
            started = time.perf_counter()
            took = asyncio.run(drive(base, headers, path, args.seconds, args.clients))
            rate = len(took) / (time.perf_counter() - started)
            q = statistics.quantiles(took, n=100)
            print(f"{name:28} {q[49] * 1000:8.1f} {q[94] * 1000:8.1f} {rate:8.1f}", flush=True)
        under_load(base, ctx, args.seconds, args.clients)
        print(f"load average (1, 5, 15 min): {os.getloadavg()} - a shared machine")
    finally:
        server.terminate()
        server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
