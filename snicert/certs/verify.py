"""Offline verification of any certificate file (JSON, PDF, PNG, HTML), and the optional
online status check against the public registry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from snicert.certs.credential import VerifyResult, verify_credential
from snicert.certs.embed import NoCredential, extract
from snicert.certs.keys import load_public_keys

MAX_FILE = 64 * 1024 * 1024


def verify_bytes(data: bytes, known_keys: Any = None, now: datetime | None = None) -> VerifyResult:
    keys = _keys(known_keys)
    try:
        form, credential = extract(data)
    except NoCredential as exc:
        return VerifyResult(False, str(exc))
    return verify_credential(credential, keys, now, form)


def verify_file(
    path_or_bytes: str | Path | bytes, known_keys: Any = None, now: datetime | None = None
) -> VerifyResult:
    """Verify a certificate file offline: reads only the embedded signed credential (no
    pixels, no page content), checks the Ed25519 proof against `known_keys`, then the
    validity period against `now` (default: snicert.clock.now()).

    known_keys: {kid: Ed25519PublicKey}, a JWK Set / {kid: base64url} mapping, a path to
    such a JSON file, or None for this installation's public keys (SNICERT_HOME/keys).
    """
    if isinstance(path_or_bytes, bytes | bytearray | memoryview):
        return verify_bytes(bytes(path_or_bytes), known_keys, now)
    path = Path(path_or_bytes)
    try:
        if path.stat().st_size > MAX_FILE:
            return VerifyResult(False, f"{path}: too large for a certificate file")
        data = path.read_bytes()
    except OSError as exc:
        return VerifyResult(False, f"cannot read {path}: {exc.strerror or exc}")
    return verify_bytes(data, known_keys, now)


def _keys(known_keys: Any) -> dict[str, Ed25519PublicKey]:
    if (
        isinstance(known_keys, dict)
        and known_keys
        and all(isinstance(v, Ed25519PublicKey) for v in known_keys.values())
    ):
        return known_keys
    return load_public_keys(known_keys)


@dataclass
class OnlineStatus:
    ok: bool
    status: str | None  # active | suspended | withdrawn | expired | untrustworthy | None
    message: str


# What the registry's answer and the file's credential must agree on: a file signed for a
# number that was then given to another business (an issuance that crashed after signing,
# say) carries another holder, brand or date than the registry's record of that number.
_SAME = (
    ("holder", lambda d: (d.get("holder") or {}).get("name")),
    ("brand", lambda d: d.get("brand")),
    ("product", lambda d: (d.get("product") or {}).get("code")),
    ("issued_at", lambda d: d.get("issued_at")),
    ("valid_until", lambda d: d.get("valid_until")),
)


def registry_status(
    record: dict[str, Any] | None, result: VerifyResult, where: str
) -> OnlineStatus:
    """Judge the registry's record of the file's number (the public lookup's answer, from
    the web API or the home's database) against the file's verified credential."""
    if record is None:
        return OnlineStatus(
            False,
            None,
            f"not in the registry: {where} has no certificate {result.number} (never issued)",
        )
    status = record.get("status")
    reason = record.get("reason") or record.get("status_reason")
    suffix = f" ({reason})" if reason else ""
    if status in ("suspended", "withdrawn", "expired"):
        return OnlineStatus(False, status, f"{where}: {status}{suffix}")
    if status == "untrustworthy":
        return OnlineStatus(
            False,
            status,
            f"{where}: the registry's record of {result.number} "
            "is not trustworthy (changed outside snicert)",
        )
    if status != "active":
        return OnlineStatus(False, str(status), f"{where}: unknown status {status!r}")
    subject = (result.credential or {}).get("credentialSubject") or {}
    differ = [name for name, get in _SAME if get(subject) != get(record)]
    if differ:
        holder = (record.get("holder") or {}).get("name")
        return OnlineStatus(
            False,
            status,
            f"{where}: {result.number} belongs to another "
            f"holder ({holder}); this file's "
            f"{', '.join(differ)} differ: it was never issued "
            "as that certificate",
        )
    return OnlineStatus(True, status, f"{where}: active")


def check_online(
    base_url: str, result: VerifyResult, timeout: float = 10.0, client: Any = None
) -> OnlineStatus:
    """Ask the registry at {base_url}/api/v1/certificates/{number} for the current status
    and whether that number is the file's certificate (registry_status)."""
    import httpx

    number = result.number or ""

    url = f"{base_url.rstrip('/')}/api/v1/certificates/{number}"
    try:
        if client is None:
            with httpx.Client(timeout=timeout, follow_redirects=True) as c:
                response = c.get(url, headers={"Accept": "application/json"})
        else:
            response = client.get(url, headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        return OnlineStatus(False, None, f"online check failed: {url}: {exc}")
    if response.status_code == 404:
        return registry_status(None, result, f"online ({url} answered 404)")
    if response.status_code != 200:
        return OnlineStatus(
            False, None, f"online check failed: {url} answered {response.status_code}"
        )
    try:
        body = response.json()
        body["status"]
    except (ValueError, KeyError, TypeError):
        return OnlineStatus(False, None, f"online check failed: {url} gave no JSON status")
    return registry_status(body, result, "online")


def check_local(result: VerifyResult) -> OnlineStatus | None:
    """The same check against this home's database (the LSPro's own machine), when it has
    one: SNICERT_DATABASE_URL set, or SNICERT_HOME/snicert.db present. None without."""
    import os

    from snicert import config

    if not os.environ.get("SNICERT_DATABASE_URL") and not (config.home() / "snicert.db").exists():
        return None
    from sqlalchemy.exc import SQLAlchemyError

    from snicert.services.public import lookup_certificate

    try:
        record = lookup_certificate(result.number or "")
    except SQLAlchemyError as exc:
        return OnlineStatus(False, None, f"cannot read the registry database: {exc}")
    return registry_status(record, result, "registry (this home's database)")
