"""Accounts on the web: registration, sign-in, CSRF and the sign-in limiter."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from snicert import clock
from snicert.db import engine as db
from snicert.db.models import AuditEvent, Business, User
from snicert.errors import TooManyAttempts
from snicert.services import accounts, sessions
from snicert.web.app import create_app
from snicert.web.auth import COOKIE
from tests.world import World

GOOD = {
    "name": "Maria Ndolu",
    "email": "maria@umkm.example",
    "phone": "+62 812 1111 2222",
    "password": "rahasia-123",
    "business_name": "UMKM Abon Maria",
    "nib": "9100000000001",
    "address": "Jl. El Tari No. 5, Kel. Oebobo",
    "city": "Kota Kupang",
}
REVIEWER = {"email": "reviewer@lspro.example", "password": "rahasia-123"}
WRONG = {"email": "reviewer@lspro.example", "password": "salah-salah"}


@pytest.fixture
def client(home) -> TestClient:
    return TestClient(create_app(), base_url="https://testserver")


def _from(address: str) -> TestClient:
    """A browser at another address (and, being another app, like another web process)."""
    return TestClient(create_app(), base_url="https://testserver", client=(address, 5000))


def _csrf(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200
    # the page's own form comes after the header's sign-out form (when signed in)
    return re.findall(r'name="csrf_token" value="([^"]+)"', page.text)[-1]


def _login(client: TestClient, form: dict[str, str]):
    # each attempt from a browser not signed in (its device cookie kept): a signed-in one is
    # sent from /login to its own work
    client.cookies.delete(COOKIE)
    return client.post(
        "/login", data={**form, "csrf_token": _csrf(client, "/login")}, follow_redirects=False
    )


def _count(model, *where) -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


class CountingHasher(PasswordHasher):
    """Records the hash every password check verified against; cheap parameters keep the
    tests fast (a hash carries its parameters, so verifying costs what hashing did)."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.checked: list[str] = []
        self.lock = threading.Lock()

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        with self.lock:
            self.checked.append(hash)
        return super().verify(hash, password)


@pytest.fixture(autouse=True)
def window_start(home) -> None:
    """The limiter's windows are fixed: start each test at one's beginning, so that no test
    crosses a window's end unless it moves the clock itself."""
    clock.freeze(datetime(2026, 11, 30, 9, 0, 1, tzinfo=UTC))


@pytest.fixture(autouse=True)
def hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    spy = CountingHasher()
    monkeypatch.setattr(accounts, "_hasher", spy)
    return spy


def test_register_then_sign_in(client: TestClient) -> None:
    token = _csrf(client, "/register")
    r = client.post("/register", data={**GOOD, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 200 and "Pendaftaran diterima" in r.text
    assert "snicert_session" not in r.headers.get("set-cookie", "")
    with db.transaction() as s:
        assert s.scalar(select(Business.nib)) == GOOD["nib"]
    signed_in = _login(client, {"email": GOOD["email"], "password": GOOD["password"]})
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/me"
    cookie = signed_in.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie
    me = client.get("/api/v1/me").json()
    assert me["email"] == GOOD["email"] and me["roles"] == ["applicant"]
    assert "Maria Ndolu" in client.get("/me").text


def test_register_does_not_tell_whether_an_email_has_an_account(
    client: TestClient, hasher: CountingHasher
) -> None:
    World().setup_staff()
    users, audit = _count(User), _count(AuditEvent)
    token = _csrf(client, "/register")
    answers = []
    for email, nib in (("reviewer@lspro.example", "9100000000002"), (GOOD["email"], GOOD["nib"])):
        form = {**GOOD, "email": email, "nib": nib, "csrf_token": token}
        r = client.post("/register", data=form, follow_redirects=False)
        answers.append((r.status_code, r.text.replace(email, "E"), r.headers.get("set-cookie")))
    assert answers[0] == answers[1]  # a staff e-mail and a new one: the same answer
    assert _count(User) == users + 1 and _count(Business) == 1  # only the new one stored
    assert _count(AuditEvent) == audit + 1  # business.registered, once
    assert len(hasher.checked) == 0  # registration hashes; it checks no password


def test_a_registered_nib_is_reported(client: TestClient) -> None:
    token = _csrf(client, "/register")
    client.post("/register", data={**GOOD, "csrf_token": token})
    again = {**GOOD, "email": "other@umkm.example", "csrf_token": token}
    r = client.post("/register", data=again)
    assert r.status_code == 422
    assert re.search(r'id="nib-error">Usaha dengan NIB 9100000000001 sudah terdaftar', r.text)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("nib", "12345", "tepat 13 angka"),
        ("email", "not-an-email", "bukan alamat email"),
        ("password", "short", "minimal 8 karakter"),
        ("password", "Password1", "paling umum"),
        ("password", "Maria.2024", "terlalu mirip dengan nama"),
        ("password", "abonmaria1", "terlalu mirip dengan nama"),
    ],
)
def test_register_errors_stand_next_to_the_field(client, field, value, message) -> None:
    token = _csrf(client, "/register")
    r = client.post("/register", data={**GOOD, field: value, "csrf_token": token})
    assert r.status_code == 422
    assert re.search(rf'id="{field}-error">[^<]*{message}', r.text), r.text
    assert 'aria-invalid="true"' in r.text
    assert _count(User) == 1 and _count(Business) == 0  # only the system user


def test_register_shows_every_error_at_once_and_keeps_the_values(client: TestClient) -> None:
    """Five fields wrong at once: each error at its own field in one answer, the values
    typed kept (the password never sent back), nothing stored."""
    token = _csrf(client, "/register")
    form = {
        **GOOD,
        "nib": "12345",
        "email": "maria-at-umkm",
        "password": "short",
        "address": "   ",
        "phone": "021 555 1234",
        "csrf_token": token,
    }
    r = client.post("/register", data=form)
    assert r.status_code == 422
    expected = {
        "nib": "NIB terdiri dari tepat 13 angka",
        "email": "Ini bukan alamat email",
        "password": "Kata sandi minimal 8 karakter.",
        "address": "Wajib diisi.",
        "phone": "nomor telepon rumah/kantor",
    }
    for field, text in expected.items():
        assert re.search(rf'id="{field}-error">[^<]*{re.escape(text)}', r.text), field
        assert f'aria-describedby="{field}-error"' in r.text
    assert "(***)" not in r.text and "short" not in r.text  # the password is not echoed
    for field in ("name", "business_name", "city", "nib", "email", "phone"):
        assert f'value="{form[field]}"' in r.text, field  # what was typed stays
    assert 'id="name-error"' not in r.text and 'id="city-error"' not in r.text
    assert _count(User) == 1 and _count(Business) == 0  # only the system user


def test_register_in_english_names_the_errors_in_english(client: TestClient) -> None:
    client.cookies.set("lang", "en")
    token = _csrf(client, "/register")
    r = client.post(
        "/register", data={**GOOD, "nib": "1", "business_name": "", "csrf_token": token}
    )
    assert r.status_code == 422
    assert re.search(r'id="nib-error">An NIB has exactly 13 digits', r.text)
    assert re.search(r'id="business_name-error">Required\.', r.text)


def test_forms_without_csrf_are_refused_and_change_nothing(client: TestClient) -> None:
    before = _count(AuditEvent)
    assert client.post("/register", data=GOOD).status_code == 403
    assert client.post("/register", data={**GOOD, "csrf_token": "forged"}).status_code == 403
    assert client.post("/login", data={"email": "x@y.example", "password": "z"}).status_code == 403
    assert _count(User) == 1 and _count(AuditEvent) == before
    # signed in: logout and token creation need the session's token
    token = _csrf(client, "/register")
    client.post("/register", data={**GOOD, "csrf_token": token})
    _login(client, {"email": GOOD["email"], "password": GOOD["password"]})
    assert client.post("/api/v1/tokens", data={"name": "x"}).status_code == 403
    assert client.post("/logout", data={"csrf_token": "nope"}).status_code == 403
    assert client.get("/api/v1/me").status_code == 200  # still signed in


def test_sign_in_and_out(client: TestClient) -> None:
    World().setup_staff()  # reviewer@lspro.example / rahasia-123
    bad = _login(client, WRONG)
    assert bad.status_code == 401 and "salah" in bad.text
    assert _login(client, REVIEWER).status_code == 303
    assert client.get("/api/v1/me").json()["roles"] == ["official"]
    session_csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/me").text)[1]
    assert client.post("/logout", data={"csrf_token": session_csrf}).status_code == 200
    assert client.get("/api/v1/me").status_code == 401
    assert _count(AuditEvent, AuditEvent.action == "user.signed_out") == 1


def test_unknown_and_known_emails_cost_one_password_check_each(
    client: TestClient, hasher: CountingHasher
) -> None:
    """An unknown e-mail, a known one and an account without a password each verify one
    argon2 hash (the dummy when there is no usable account), so their answers take the same
    time; the page says the same thing for all three."""
    World().setup_staff()
    with db.transaction() as s:
        reviewer_hash = s.scalar(select(User.password_hash).where(User.email == WRONG["email"]))
    answers = {}
    for email in (WRONG["email"], "nobody@lspro.example", accounts.SYSTEM_EMAIL):
        hasher.checked.clear()
        r = _login(client, {"email": email, "password": WRONG["password"]})
        answers[email] = (r.status_code, r.text.replace(email, "E"))
        expected = reviewer_hash if email == WRONG["email"] else accounts._dummy_hash()
        assert hasher.checked == [expected]
    assert len(set(answers.values())) == 1


def test_parallel_wrong_passwords_never_exceed_the_limit(
    client: TestClient, hasher: CountingHasher
) -> None:
    """30 wrong passwords at once from one address: the attempt is claimed in the database
    before the password is checked, so at most PER_PAIR.attempts checks happen."""
    World().setup_staff()
    token = _csrf(client, "/login")
    statuses: list[int] = []
    start = threading.Barrier(30)

    def attempt() -> None:
        start.wait()
        r = client.post("/login", data={**WRONG, "csrf_token": token}, follow_redirects=False)
        statuses.append(r.status_code)

    threads = [threading.Thread(target=attempt) for _ in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    limit = sessions.PER_PAIR.attempts
    assert len(hasher.checked) == statuses.count(401) == limit
    assert statuses.count(429) == 30 - limit


def test_an_attackers_failures_do_not_lock_out_the_owner(client: TestClient) -> None:
    """Failures from one address slow that address down for that account (a 429 page in
    Indonesian with Retry-After), not the account's owner elsewhere nor the address's other
    users; the address may try again when its window ends."""
    World().setup_staff()
    attacker = _from("198.51.100.7")
    for _ in range(sessions.PER_PAIR.attempts):
        assert _login(attacker, WRONG).status_code == 401
    refused = _login(attacker, REVIEWER)
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("text/html")
    assert "Terlalu banyak percobaan" in refused.text
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert f"{-(-int(refused.headers['Retry-After']) // 60)} menit" in refused.text
    owner = _from("203.0.113.9")
    assert _login(owner, REVIEWER).status_code == 303  # the owner, from another address
    colleague = {"email": "sampler@lspro.example", "password": "rahasia-123"}
    assert _login(attacker, colleague).status_code == 303  # same address, another account
    clock.advance(timedelta(minutes=15, seconds=1))
    assert _login(attacker, REVIEWER).status_code == 303


def test_429_in_english_or_json_on_request(client: TestClient) -> None:
    World().setup_staff()
    for _ in range(sessions.PER_PAIR.attempts):
        _login(client, WRONG)
    token = _csrf(client, "/login")
    r = client.post("/login?lang=en", data={**WRONG, "csrf_token": token})
    assert r.status_code == 429 and "Too many attempts" in r.text and "Retry-After" in r.headers
    r = client.post(
        "/login",
        data={**WRONG, "csrf_token": token},
        headers={"Accept": "application/json"},
    )
    assert r.status_code == 429 and r.json()["detail"].startswith("Too many attempts")
    assert int(r.headers["Retry-After"]) > 0


def test_account_and_address_budgets(home) -> None:
    """Service level: the account's budget is shared by every address; an address's budget
    by every account; a successful sign-in gives its claim back (an office signing in all
    day never runs out)."""
    World().setup_staff()
    for n in range(sessions.PER_ACCOUNT.attempts):
        with db.transaction() as s:
            sessions.claim_sign_in(s, f"10.0.{n}.1", "target@lspro.example")
    with pytest.raises(TooManyAttempts), db.transaction() as s:
        sessions.claim_sign_in(s, "10.9.9.9", "target@lspro.example")
    for n in range(sessions.PER_ADDRESS.attempts):
        with db.transaction() as s:
            sessions.claim_sign_in(s, "192.0.2.1", f"user{n}@umkm.example")
    with pytest.raises(TooManyAttempts), db.transaction() as s:
        sessions.claim_sign_in(s, "192.0.2.1", "fresh@umkm.example")
    for _ in range(sessions.PER_ADDRESS.attempts + 5):
        with db.transaction() as s:
            claim = sessions.claim_sign_in(s, "192.0.2.2", "reviewer@lspro.example")
            user = s.scalar(select(User).where(User.email == "reviewer@lspro.example"))
            sessions.open_session(s, user, claim)


def test_registrations_per_address_are_limited(client: TestClient) -> None:
    token = _csrf(client, "/register")
    for n in range(sessions.REGISTRATIONS.attempts):
        form = {**GOOD, "nib": "12345", "csrf_token": token}
        assert client.post("/register", data=form).status_code == 422, n
    r = client.post("/register", data={**GOOD, "csrf_token": token})
    assert r.status_code == 429 and "Retry-After" in r.headers
    assert _count(Business) == 0


def test_an_ipv6_subscriber_counts_as_one_address(home) -> None:
    """Addresses of one /64 share a budget; another /64 and IPv4 keep their own."""
    for n in range(sessions.PER_PAIR.attempts):
        with db.transaction() as s:
            sessions.claim_sign_in(s, f"2001:db8:1:2::{n + 1:x}", "reviewer@lspro.example")
    with pytest.raises(TooManyAttempts), db.transaction() as s:
        sessions.claim_sign_in(s, "2001:db8:1:2:ffff::9", "reviewer@lspro.example")
    for other in ("2001:db8:1:3::1", "::ffff:192.0.2.1", "192.0.2.2"):
        with db.transaction() as s:
            sessions.claim_sign_in(s, other, "reviewer@lspro.example")


def test_a_known_device_signs_in_through_an_attack_from_many_addresses(client) -> None:
    """Failures from many addresses spend the account's budget: a browser new to the account
    waits for the window's end, the browser the owner signed in with before does not; that
    browser's cookie alone (stolen) still gets only PER_DEVICE tries."""
    World().setup_staff()
    owner = _from("203.0.113.9")
    first = _login(owner, REVIEWER)
    assert first.status_code == 303 and "snicert_device=" in str(first.headers)
    assert "Path=/login" in [c for c in first.headers.get_list("set-cookie") if "device" in c][0]
    for n in range(sessions.PER_ACCOUNT.attempts):
        assert _login(_from(f"198.51.100.{n + 1}"), WRONG).status_code == 401
    assert _login(_from("203.0.113.10"), REVIEWER).status_code == 429  # a new browser
    assert _login(owner, REVIEWER).status_code == 303  # the known one
    for _ in range(sessions.PER_DEVICE.attempts):
        assert _login(owner, WRONG).status_code == 401
    assert _login(owner, REVIEWER).status_code == 429
    with db.transaction() as s:  # signing out everywhere forgets the devices too
        reviewer = s.scalar(select(User).where(User.email == REVIEWER["email"]))
        sessions.sign_out_everywhere(s, reviewer)
        assert (
            sessions._known_device(s, owner.cookies.get("snicert_device"), reviewer.email) is None
        )


def test_a_success_clears_its_address_and_account_count(client: TestClient) -> None:
    """Typos before the right password do not add up over the day: a success from an
    address starts that address's count for the account again."""
    World().setup_staff()
    for _ in range(3):
        for _ in range(sessions.PER_PAIR.attempts - 1):
            assert _login(client, WRONG).status_code == 401
        assert _login(client, REVIEWER).status_code == 303
