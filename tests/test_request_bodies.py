"""Request bodies (snicert/web/bodies.py): bounded in size from Content-Length and while
streaming, and not read at all before the caller is known.

The app is called as an ASGI application with a body source that counts what it gives, so
the tests see exactly how much of a body was read, not only the answer.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import starlette.formparsers
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from snicert import config, synthetic
from snicert.db import engine as db
from snicert.db.models import Application, AuditEvent, Document, User
from snicert.services import sessions
from snicert.web.app import create_app
from snicert.web.auth import COOKIE
from snicert.web.bodies import FORM_LIMIT
from snicert.web.routes.applicant import upload_limit
from tests.world import World

MB = 2**20
CHUNK = 64 * 1024
BOUNDARY = "snicertboundary"


def _multipart_head(kind: str, filename: str) -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="kind"\r\n\r\n{kind}\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'
    ).encode()


def _upload_body(size: int, kind: str = "npwp") -> Iterator[bytes]:
    """A multipart upload of a `size`-byte PDF, produced lazily in 64 KiB chunks."""
    yield _multipart_head(kind, "besar.pdf") + b"%PDF-1.4\n"
    left = size - 9
    while left > 0:
        yield b"0" * min(CHUNK, left)
        left -= CHUNK
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


class Sent:
    def __init__(self) -> None:
        self.status: int | None = None
        self.headers: dict[str, str] = {}
        self.body = b""
        self.read = 0  # body bytes the app pulled


def call(
    app,
    method: str,
    path: str,
    chunks: Iterator[bytes],
    length: int | None = None,
    headers: dict[str, str] | None = None,
) -> Sent:
    sent = Sent()
    source = iter(chunks)
    raw = {"content-type": f"multipart/form-data; boundary={BOUNDARY}", **(headers or {})}
    if length is not None:
        raw["content-length"] = str(length)
    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 5555),
        "headers": [(k.encode(), v.encode()) for k, v in raw.items()],
    }

    async def receive() -> dict:
        chunk = next(source, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        sent.read += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            sent.status = message["status"]
            sent.headers = {k.decode(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            sent.body += message.get("body", b"")

    asyncio.run(app(scope, receive, send))
    return sent


@pytest.fixture
def spooled(monkeypatch) -> list:
    """Every temporary file the form parser opens for an uploaded file."""
    made: list = []
    real = starlette.formparsers.SpooledTemporaryFile

    def recording(*args, **kwargs):
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(starlette.formparsers, "SpooledTemporaryFile", recording)
    return made


@pytest.fixture
def draft(home) -> tuple[int, str]:
    """A draft application and an API token of its applicant."""
    world = World().setup_staff()  # applications need an approved checklist
    app_id = world.new_application("abon", documents=False)
    with db.transaction() as s:
        token, _ = sessions.create_api_token(s, world.owner(s, app_id), "test")
    return app_id, token


def _session_cookie(app_id: int) -> str:
    """Sign the application's owner in through the login form; the session cookie."""
    with db.reading() as s:
        email = s.get(User, s.get(Application, app_id).created_by).email
    browser = TestClient(create_app())
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/login").text)[1]
    r = browser.post(
        "/login",
        data={"email": email, "password": "rahasia-123", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return browser.cookies[COOKIE]


def _counts() -> tuple[int, int, int]:
    with db.reading() as s:
        docs = s.scalar(select(func.count()).select_from(Document))
        events = s.scalar(select(func.count()).select_from(AuditEvent))
    blobs = (
        sum(1 for p in config.blob_dir().rglob("*") if p.is_file())
        if config.blob_dir().exists()
        else 0
    )
    return docs, events, blobs


SIXTY_MB = 60 * MB


@pytest.mark.parametrize(
    "path", ["/api/v1/applications/{app}/documents", "/applications/{app}/documents"]
)
@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_an_anonymous_60mb_upload_is_refused_unread(draft, spooled, path, declared) -> None:
    app_id, _ = draft
    before = _counts()
    r = call(
        create_app(),
        "POST",
        path.format(app=app_id),
        _upload_body(SIXTY_MB),
        length=SIXTY_MB + 400 if declared else None,
    )
    if declared:  # too large whoever sends it: JSON for the API, a page for people
        assert r.status == 413 and "terlalu besar" in r.body.decode()
        page = not path.startswith("/api/")
        assert r.headers["content-type"].startswith("text/html" if page else "application/json")
    elif path.startswith("/api/"):
        assert r.status == 401
    else:  # a page: to the sign-in form, as every page does for someone signed out
        assert (r.status, r.headers["location"]) == (303, "/login")
    assert r.headers["connection"] == "close"
    assert r.read == 0  # not a byte of the body was read
    assert spooled == []  # no temporary file
    assert _counts() == before  # no row, no audit event, no blob


def test_a_signed_in_upload_larger_than_any_document_is_cut_off(draft, spooled) -> None:
    app_id, token = draft
    cookie = _session_cookie(app_id)  # signing in is audited: before counting
    before = _counts()
    auth = {"authorization": f"Bearer {token}"}
    path = f"/api/v1/applications/{app_id}/documents"
    r = call(
        create_app(), "POST", path, _upload_body(SIXTY_MB), length=SIXTY_MB + 400, headers=auth
    )
    assert r.status == 413 and r.read == 0 and spooled == []
    # Streamed without a length: reading stops at the limit, and the spooled file is closed.
    r = call(create_app(), "POST", path, _upload_body(SIXTY_MB), headers=auth)
    assert r.status == 413 and "terlalu besar" in json.loads(r.body)["detail"]
    assert upload_limit() < r.read <= upload_limit() + CHUNK
    assert spooled and all(f.closed for f in spooled)
    # The same from the upload form: a page that says the limit, in the person's language.
    spooled.clear()
    r = call(
        create_app(),
        "POST",
        f"/applications/{app_id}/documents?lang=en",
        _upload_body(SIXTY_MB),
        headers={"cookie": f"{COOKIE}={cookie}"},
    )
    assert r.status == 413 and r.headers["content-type"].startswith("text/html")
    assert "over 10 MB" in r.body.decode(), r.body
    assert spooled and all(f.closed for f in spooled)
    assert _counts() == before


def test_a_signed_in_upload_over_its_document_limit_stores_nothing(draft) -> None:
    app_id, token = draft
    before = _counts()
    size = 6 * MB  # the NPWP accepts 5 MB; other documents accept 10
    r = call(
        create_app(),
        "POST",
        f"/api/v1/applications/{app_id}/documents",
        _upload_body(size),
        headers={"authorization": f"Bearer {token}"},
    )
    assert r.status == 422
    body = json.loads(r.body)
    assert body["field"] == "npwp" and "5 MB" in body["detail"]
    assert _counts() == before


def test_an_upload_within_its_limit_is_stored(draft) -> None:
    app_id, token = draft
    data = synthetic.pdf("NPWP")
    chunks = [_multipart_head("npwp", "npwp.pdf") + data + f"\r\n--{BOUNDARY}--\r\n".encode()]
    r = call(
        create_app(),
        "POST",
        f"/api/v1/applications/{app_id}/documents",
        iter(chunks),
        headers={"authorization": f"Bearer {token}"},
    )
    assert r.status == 201, r.body
    assert json.loads(r.body)["size"] == len(data)


def test_forms_and_json_have_a_small_limit(draft) -> None:
    app_id, token = draft
    before = _counts()
    big = json.dumps({"product": "abon", "brand": "x" * FORM_LIMIT, "production_site": "y"})
    auth = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    for length in (len(big), None):
        r = call(
            create_app(),
            "POST",
            "/api/v1/applications",
            iter([big[i : i + CHUNK].encode() for i in range(0, len(big), CHUNK)]),
            length=length,
            headers=auth,
        )
        assert r.status == 413, r.body
        assert r.read <= FORM_LIMIT + CHUNK
    assert _counts() == before


def test_a_bad_token_or_length_is_answered_before_the_body(draft) -> None:
    app_id, _ = draft
    path = f"/api/v1/applications/{app_id}/documents"
    r = call(
        create_app(),
        "POST",
        path,
        _upload_body(MB),
        headers={"authorization": "Bearer not-a-token"},
    )
    assert (r.status, r.read) == (401, 0)
    r = call(create_app(), "POST", path, _upload_body(MB), headers={"content-length": "-1"})
    assert (r.status, r.read) == (400, 0)


def test_the_forms_before_signing_in_take_a_body(home) -> None:
    r = call(
        create_app(),
        "POST",
        "/login",
        iter([b"email=a%40b.c&password=x"]),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status == 403  # read, and refused for its missing CSRF token, not for a session
    assert r.read > 0


@pytest.fixture
def served(home) -> Iterator[int]:
    """The app served by uvicorn in a thread; its port."""
    server = uvicorn.Server(
        uvicorn.Config(create_app(), host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "the server did not start"
        time.sleep(0.01)
    yield server.servers[0].sockets[0].getsockname()[1]
    server.should_exit = True
    thread.join(10)


def _send_the_start_only(port: int, path: str, headers: dict[str, str], start: bytes) -> str:
    """Send the request line, the headers and the start of the body, never the rest, and
    read the answer: a server that waited for the whole body would never give one."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        lines = [
            f"POST {path} HTTP/1.1",
            "Host: 127.0.0.1",
            *(f"{k}: {v}" for k, v in headers.items()),
        ]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + start)
        return sock.recv(65536).decode("latin-1")


def test_a_real_server_answers_before_the_body_arrives(served, draft, spooled) -> None:
    app_id, _ = draft
    before = _counts()
    head = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    first = next(_upload_body(SIXTY_MB))
    path = f"/api/v1/applications/{app_id}/documents"
    answer = _send_the_start_only(served, path, {**head, "Content-Length": str(SIXTY_MB)}, first)
    assert answer.startswith("HTTP/1.1 413 "), answer
    chunk = b"%x\r\n%s\r\n" % (len(first), first)
    answer = _send_the_start_only(served, path, {**head, "Transfer-Encoding": "chunked"}, chunk)
    assert answer.startswith("HTTP/1.1 401 "), answer
    answer = _send_the_start_only(
        served, f"/applications/{app_id}/documents", {**head, "Transfer-Encoding": "chunked"}, chunk
    )
    assert answer.startswith("HTTP/1.1 303 ") and "location: /login" in answer.lower(), answer
    assert spooled == [] and _counts() == before
