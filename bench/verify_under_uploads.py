"""Public verification API latency while applicants upload large images.

Serves the app with uvicorn (one process, as `snicert serve` does) on a fresh database with
2,000 certificates and an applicant's draft application, then asks the verification API
for random certificates one request after another, first alone, then while another
process uploads a ~40-megapixel PNG to the document API over and over, several at once.
Each phase follows a pass over all the numbers, so answers come from the cache as on a
busy server. Prints the median and p99 latency of each phase and how many uploads were
stored.

Before the upload routes left the event loop (issue 11), six such uploads took the median
from 2 ms to 850 ms. Usage: python bench/verify_under_uploads.py [--seconds 15]
[--uploaders 6]
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import verify_endpoint  # noqa: E402  (its certificate filler)

SERVER = """
import sys
import uvicorn
from snicert.web.app import create_app
uvicorn.run(create_app(), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""
SIZE = (7296, 5480)  # 39.98 megapixels: just within the 40-megapixel budget


def photo() -> bytes:
    """A 40-megapixel RGB PNG that compresses to well under the photo's 5 MB limit."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", SIZE, (245, 240, 230))
    draw = ImageDraw.Draw(img)
    rng = random.Random(7)
    for _ in range(60):
        x, y = rng.randrange(SIZE[0] - 900), rng.randrange(SIZE[1] - 700)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.ellipse([x, y, x + rng.randrange(200, 900), y + rng.randrange(150, 700)], colour)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def applicant() -> tuple[int, str]:
    """A draft application and an API token of its applicant."""
    from snicert.db import engine as db
    from snicert.services import accounts, applications, sessions

    with db.transaction() as s:
        user = accounts.register_applicant(
            s,
            email="bench@umkm.example",
            name="Pemilik Bench",
            password="Kupang-bench-2026!",
            business_name="UMKM Unggah",
            nib="9100000000001",
            address="Jl. El Tari 2",
        )
        app = applications.create(s, user, "abon", "Abon Bench", "Kel. Oebobo, Kota Kupang")
        token, _ = sessions.create_api_token(s, user, "bench")
        return app.id, token


def upload_loop(
    base: str, token: str, app_id: int, data: bytes, clients: int, stop, counts
) -> None:
    """In its own process: `clients` threads each upload the photo until told to stop."""
    import httpx

    def one() -> None:
        with httpx.Client(timeout=120, headers={"Authorization": f"Bearer {token}"}) as http:
            while not stop.is_set():
                r = http.post(
                    f"{base}/api/v1/applications/{app_id}/documents",
                    data={"kind": "product_photos"},
                    files={"file": ("foto-besar.png", data, "image/png")},
                )
                if r.status_code != 201:
                    print(f"upload answered {r.status_code}: {r.text[:300]}", file=sys.stderr)
                    stop.set()
                    return
                with counts.get_lock():
                    counts.value += 1

    threads = [threading.Thread(target=one) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def probe(base: str, numbers: list[str], seconds: float) -> list[float]:
    """Verification requests one after another; each one's latency in ms."""
    import httpx

    latencies = []
    with httpx.Client(timeout=30) as http:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            r = http.get(f"{base}/api/v1/certificates/{random.choice(numbers)}")
            latencies.append((time.perf_counter() - start) * 1000)
            assert r.status_code == 200, r.text
    return latencies


def warm(base: str, numbers: list[str]) -> None:
    import httpx

    with httpx.Client(timeout=30) as http:
        for number in numbers:
            http.get(f"{base}/api/v1/certificates/{number}").raise_for_status()


def report(name: str, latencies: list[float]) -> None:
    p99 = statistics.quantiles(latencies, n=100)[98]
    print(
        f"{name:<34} median {statistics.median(latencies):7.1f} ms   p99 {p99:7.1f} ms   "
        f"max {max(latencies):7.1f} ms   ({len(latencies)} requests)"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=15)  # within the cache's 30 s
    ap.add_argument("--uploaders", type=int, default=6)
    args = ap.parse_args()
    os.environ.setdefault("SNICERT_HOME", tempfile.mkdtemp(prefix="snicert-bench-uploads-"))
    os.environ["SNICERT_FLOW_MODE"] = "off"
    verify_endpoint.N_CERTS = 2000
    numbers = verify_endpoint.fill()
    app_id, token = applicant()
    data = photo()
    print(
        f"upload: {SIZE[0]}x{SIZE[1]} PNG ({SIZE[0] * SIZE[1] / 1e6:.1f} MP, "
        f"{len(data) / 2**20:.1f} MB), {args.uploaders} at once"
    )
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
        warm(base, numbers)
        alone = probe(base, numbers, args.seconds)
        warm(base, numbers)  # both phases answer from the cache (30 s), as a busy server does
        ctx = multiprocessing.get_context("spawn")
        stop, counts = ctx.Event(), ctx.Value("i", 0)
        uploader = ctx.Process(
            target=upload_loop, args=(base, token, app_id, data, args.uploaders, stop, counts)
        )
        uploader.start()
        time.sleep(2)  # the uploads under way
        during = probe(base, numbers, args.seconds)
        stop.set()
        uploader.join(300)
        if counts.value == 0:
            raise SystemExit("no upload was stored")
    finally:
        server.terminate()
        server.wait()
    report("verify API alone:", alone)
    report(f"verify API during {args.uploaders} uploads:", during)
    print(f"uploads stored: {counts.value} in about {args.seconds + 2:.0f} s")


if __name__ == "__main__":
    main()
