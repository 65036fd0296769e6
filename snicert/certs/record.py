"""A certificate row checked against the signed credential stored with it at issuance.

The row (holder, product, dates...) is what the public lookup shows; the credential is
what the LSPro signed. Someone who can write the database can change the row, or the row
and the stored credential together, but cannot sign: an edited row no longer equals its
credential's subject, an edited credential no longer matches its signature.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from snicert.certs.credential import kid_of, proof_is_valid
from snicert.certs.keys import CERTIFICATES, trusted_keys


def _same_moment(column: datetime | None, text: Any) -> bool:
    if column is None or text is None:
        return column is None and text is None
    try:
        return datetime.fromisoformat(text) == column
    except (TypeError, ValueError):
        return False


# Proofs already checked in this process, by the exact content of the credential: the
# proof's canonical form (JCS, in Python) costs ~0.5 ms, the key to this cache ~0.05 ms.
# Sound because a credential's content, kid included, fixes the outcome.
_CHECKED: dict[bytes, bool] = {}
_CHECKED_MAX = 100_000


def _proof_checks_out(credential: dict[str, Any], public: Ed25519PublicKey) -> bool:
    key = hashlib.sha256(
        json.dumps(credential, sort_keys=True, separators=(",", ":")).encode()
    ).digest()
    ok = _CHECKED.get(key)
    if ok is None:
        if len(_CHECKED) >= _CHECKED_MAX:
            _CHECKED.clear()
        ok = _CHECKED[key] = proof_is_valid(credential, public)
    return ok


def row_problem(
    number: str,
    data: Any,
    credential: Any,
    key_id: str | None,
    issued_at: datetime | None,
    valid_until: datetime | None,
) -> str | None:
    """Why this certificate row is not what was signed, or None when it is."""
    if not isinstance(credential, dict):
        return "no signed credential is stored with it"
    kid = kid_of(credential)
    public = trusted_keys(CERTIFICATES, kid).get(kid) if kid else None
    if public is None:
        return f"its credential is signed by an unknown key {kid!r}"
    if not _proof_checks_out(credential, public):
        return "its stored credential does not match its signature (the credential was edited)"
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict) or not isinstance(data, dict):
        return "its data is not a certificate"
    differ = sorted(k for k in subject.keys() | data.keys() if subject.get(k) != data.get(k))
    if subject.get("number") != number:
        differ.append("number column")
    if key_id != kid:
        differ.append("key_id column")
    if not _same_moment(issued_at, subject.get("issued_at")):
        differ.append("issued_at column")
    if not _same_moment(valid_until, subject.get("valid_until")):
        differ.append("valid_until column")
    if differ:
        return f"{', '.join(differ)} differ(s) from the signed credential"
    return None
