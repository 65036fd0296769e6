"""What the security-headers middleware (snicert/web/headers.py) costs per response.

The same bare FastAPI endpoint is called in-process through its ASGI interface (no
network, no server), without and with SecurityHeaders, alternating; the best round of
each is printed (the machine's speed varies from minute to minute), and their difference.
Also the header work alone (`with_security` on a JSON answer's headers), best of 7.
The verification API pays the same per answer; bench/verify_endpoint.py measures its
throughput over HTTP.

Usage: python bench/security_headers.py [CALLS]   (default 20,000 per round, 7 rounds)
"""

from __future__ import annotations

import asyncio
import sys
import time
import timeit

from fastapi import FastAPI

from snicert.web.headers import SecurityHeaders, with_security

SCOPE = {
    "type": "http",
    "http_version": "1.1",
    "method": "GET",
    "path": "/bare",
    "raw_path": b"/bare",
    "root_path": "",
    "scheme": "http",
    "query_string": b"",
    "headers": [],
    "client": ("127.0.0.1", 1),
    "server": ("127.0.0.1", 80),
}


def app(with_headers: bool) -> FastAPI:
    api = FastAPI()
    if with_headers:
        api.add_middleware(SecurityHeaders)

    @api.get("/bare")
    async def bare() -> dict[str, str]:
        return {"status": "ok"}

    return api


async def per_call_us(api: FastAPI, calls: int) -> float:
    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        pass

    for _ in range(500):  # warm-up: routing caches, middleware stack built
        await api(dict(SCOPE), receive, send)
    start = time.perf_counter()
    for _ in range(calls):
        await api(dict(SCOPE), receive, send)
    return (time.perf_counter() - start) / calls * 1e6


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    plain, headed = app(False), app(True)
    rounds = [
        (asyncio.run(per_call_us(plain, calls)), asyncio.run(per_call_us(headed, calls)))
        for _ in range(7)
    ]
    for without, with_ in rounds:
        print(
            f"without {without:7.1f} us  with {with_:7.1f} us  difference {with_ - without:5.1f} us"
        )
    best_without, best_with = min(r[0] for r in rounds), min(r[1] for r in rounds)
    print(
        f"best round per response: without {best_without:.1f} us, with {best_with:.1f} us: "
        f"the headers cost {best_with - best_without:.1f} us"
    )
    raw = [(b"content-length", b"15"), (b"content-type", b"application/json")]
    alone = min(timeit.repeat(lambda: with_security(raw), number=calls, repeat=7))
    print(f"adding the headers alone: {alone / calls * 1e6:.2f} us per response")


if __name__ == "__main__":
    main()
