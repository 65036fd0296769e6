"""Public verification endpoint under load, next to a bare FastAPI endpoint in the same run.

Fills a fresh database with 10,000 certificates, serves the app with uvicorn (one
process, as `snicert serve` does), and drives it from another process with concurrent
keep-alive connections. Prints requests per second and p99 latency for
/api/v1/certificates/<number> (random numbers) and for a bare endpoint returning a
constant. Targets: at least half the bare throughput, p99 at most 50 ms.

The load comes from `wrk` (Debian package wrk) when installed: a Python client saturates
its own core at ~1,500 requests/s here, below what the bare endpoint serves, which would
flatter the ratio. Without wrk it falls back to httpx and says so.
Usage: python bench/verify_endpoint.py [--seconds 10] [--clients 16]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

N_CERTS = 10_000
SERVER = """
import sys
from fastapi import FastAPI
import uvicorn
from snicert.web.app import create_app
app = create_app()
@app.get("/bare")
async def bare() -> dict:
    return {"status": "ok"}
app.router.routes.insert(0, app.router.routes.pop())  # matched first: the cheapest baseline
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def fill() -> list[str]:
    from snicert import audit, bootstrap
    from snicert.certs import ensure_keypair, sign_certificate
    from snicert.db import engine as db
    from snicert.db.models import Business, Certificate, User
    from snicert.services import accounts, public

    bootstrap.init()
    key = ensure_keypair()
    now = datetime.now(UTC)
    numbers = []
    with db.transaction() as s:
        system = accounts.system_user(s)
        # one real application row to hang the certificates on (FK), then bulk rows
        b = Business(
            name="UMKM Bench",
            nib="9100000000000",
            address="Jl. El Tari 1",
            city="Kota Kupang",
            province="NTT",
            contact_name="x",
            created_at=now,
        )
        s.add(b)
        s.flush()
        from snicert.db.models import Application

        rows = []
        for i in range(N_CERTS):
            app = Application(
                number=f"APP-B-{i:05d}",
                business_id=b.id,
                product="abon",
                state="certified",
                brand="Bench",
                production_site="Kupang",
                created_by=system.id,
                created_at=now,
                state_changed_at=now,
            )
            rows.append(app)
        s.add_all(rows)
        s.flush()
        certs = []
        for i, app in enumerate(rows):
            number = f"SNI-ABN-2026-{i + 1:05d}"
            numbers.append(number)
            certs.append(
                Certificate(
                    application_id=app.id,
                    number=number,
                    product="abon",
                    business_id=b.id,
                    status="active",
                    issued_by=system.id,
                    issued_at=now,
                    valid_until=now + timedelta(days=1460),
                    key_id="bench",
                    data={
                        "number": number,
                        "holder": {
                            "name": "UMKM Bench",
                            "nib": b.nib,
                            "address": b.address,
                            "city": b.city,
                            "province": b.province,
                        },
                        "production_site": "Kupang",
                        "brand": "Bench",
                        "product": {
                            "code": "abon",
                            "name": {"id": "Abon", "en": "Floss"},
                            "variants": None,
                        },
                        "standards": [{"number": "SNI 01-3707-1995", "title": "Abon"}],
                        "scheme": "5",
                        "scope": {"id": "x", "en": "x"},
                        "issued_at": now.isoformat(),
                        "valid_until": (now + timedelta(days=1460)).isoformat(),
                    },
                )
            )
        # signed and recorded as issuance does: the lookup checks both (see Certificates)
        for c in certs:
            c.credential = sign_certificate(c.data, key)
            c.key_id = key.kid
        s.add_all(certs)
        s.flush()
        for c in certs:
            audit.record(
                s,
                system,
                "certificate.issued",
                "certificate",
                c.id,
                c.application_id,
                number=c.number,
            )
        assert s.query(User).count() >= 1
    with db.reading():
        assert public.lookup_certificate(numbers[0])["status"] == "active"
    return numbers


async def load(url_of, seconds: float, clients: int) -> tuple[float, float, int]:
    import httpx

    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        async with httpx.AsyncClient(timeout=10) as http:
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                r = await http.get(url_of())
                latencies.append(time.perf_counter() - start)
                assert r.status_code == 200, r.text

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - start
    p99 = statistics.quantiles(latencies, n=100)[98] * 1000
    return len(latencies) / elapsed, p99, len(latencies)


WRK_SCRIPT = f"""
request = function()
  return wrk.format("GET", string.format("/api/v1/certificates/SNI-ABN-2026-%05d",
                                         math.random(1, {N_CERTS})))
end
"""


def wrk(
    url: str, seconds: float, clients: int, script: str | None = None
) -> tuple[float, float, int]:
    """Requests/s, p99 in ms and request count, from wrk's --latency report."""
    args = ["wrk", "-t1", f"-c{clients}", f"-d{seconds:.0f}s", "--latency", url]
    if script:
        args[1:1] = ["-s", script]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"wrk saw error answers:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    count = int(re.search(r"(\d+) requests in", out).group(1))
    value, unit = re.search(r"\s99%\s+([\d.]+)(us|ms|s)", out).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return rps, p99, count


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--clients", type=int, default=16)
    args = ap.parse_args()
    os.environ.setdefault("SNICERT_HOME", tempfile.mkdtemp(prefix="snicert-bench-web-"))
    os.environ["SNICERT_FLOW_MODE"] = "off"
    numbers = fill()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], env=os.environ)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        asyncio.run(load(lambda: f"{base}/bare", 2, 4))  # warm-up
        if shutil.which("wrk"):
            tool = "wrk"
            script = Path(os.environ["SNICERT_HOME"]) / "verify.lua"
            script.write_text(WRK_SCRIPT)
            bare = wrk(f"{base}/bare", args.seconds, args.clients)
            first = wrk(base, args.seconds, args.clients, str(script))
            verify = wrk(base, args.seconds, args.clients, str(script))
        else:
            tool = "httpx (install wrk for a load generator that outruns the server)"
            bare = asyncio.run(load(lambda: f"{base}/bare", args.seconds, args.clients))
            first, verify = (
                asyncio.run(
                    load(
                        lambda: f"{base}/api/v1/certificates/{random.choice(numbers)}",
                        args.seconds,
                        args.clients,
                    )
                )
                for _ in range(2)
            )
    finally:
        server.terminate()
        server.wait()
    print(
        f"{N_CERTS} certificates, {args.clients} concurrent clients, {args.seconds:.0f} s "
        f"each, load from {tool}"
    )
    print(f"bare endpoint:   {bare[0]:8.0f} req/s   p99 {bare[1]:6.1f} ms   ({bare[2]} requests)")
    # The first pass reads every certificate from the database once (the per-process
    # answer cache, services/public.py, starts empty); the second is the steady state.
    print(
        f"verify, 1st pass:{first[0]:8.0f} req/s   p99 {first[1]:6.1f} ms   "
        f"({first[2]} requests; cache filling, ratio {first[0] / bare[0]:.2f})"
    )
    print(
        f"verify endpoint: {verify[0]:8.0f} req/s   p99 {verify[1]:6.1f} ms   "
        f"({verify[2]} requests)"
    )
    ratio = verify[0] / bare[0]
    ok = ratio >= 0.5 and verify[1] <= 50
    print(
        f"throughput ratio {ratio:.2f} (target >= 0.5), p99 target <= 50 ms: "
        f"{'met' if ok else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
