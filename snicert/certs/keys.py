"""The Ed25519 signing keys of this installation and the public keys it publishes.

Two keys, one per purpose, so that neither signature can pass for the other:
  CERTIFICATES  signs the certificate credentials; its public keys are published
  AUDIT         signs the audit chain's checkpoints (snicert/checkpoints.py)

Layout under SNICERT_HOME/keys (folders mode 0700), the audit key's under keys/audit/:
  signing.key     the current private key, PKCS#8 PEM, mode 0600
  <kid>.pub       every public key this installation ever signed with (raw key, base64url);
                  kept when rotating so older certificates still verify
  <kid>.retired   the moment that key stopped signing (`snicert keys rotate`); its private
                  key is gone, its public key stays published, marked retired

Neither key is ever stored in the database: someone who can write the database cannot
sign a certificate or a checkpoint.

The key id (kid) is the first 16 hex digits of SHA-256 over the 32-byte raw public key.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from snicert import config

PRIVATE_FILE = "signing.key"
CERTIFICATES = "certificates"
AUDIT = "audit"


def b64u(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64u_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def kid_for(public_raw: bytes) -> str:
    """Key id: first 16 hex digits of sha256(raw 32-byte Ed25519 public key)."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


def _raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@dataclass(frozen=True)
class KeyPair:
    kid: str
    private: Ed25519PrivateKey
    public_raw: bytes

    @classmethod
    def from_private(cls, private: Ed25519PrivateKey) -> KeyPair:
        raw = _raw(private.public_key())
        return cls(kid_for(raw), private, raw)

    @classmethod
    def generate(cls) -> KeyPair:
        """A fresh in-memory key pair (tests, benchmarks); ensure_keypair() stores one."""
        return cls.from_private(Ed25519PrivateKey.generate())

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(message)

    def public_jwk(self) -> dict[str, str]:
        return jwk(self.kid, self.public_raw)


def jwk(kid: str, public_raw: bytes) -> dict[str, str]:
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": b64u(public_raw),
        "kid": kid,
        "alg": "EdDSA",
        "use": "sig",
    }


def key_dir(home: Path | None = None, purpose: str = CERTIFICATES) -> Path:
    folder = (home or config.home()) / "keys"
    return folder if purpose == CERTIFICATES else folder / purpose


def ensure_keypair(home: Path | None = None, purpose: str = CERTIFICATES) -> KeyPair:
    """The installation's signing key, created on first call (idempotent, safe when two
    processes race: the key file is linked into place only if absent)."""
    folder = key_dir(home, purpose)
    folder.mkdir(parents=True, exist_ok=True)
    for private_folder in {key_dir(home), folder}:
        os.chmod(private_folder, 0o700)
    path = folder / PRIVATE_FILE
    if not path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-key-")  # created with mode 0600
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
                fh.flush()
                os.fsync(fh.fileno())
            with contextlib.suppress(FileExistsError):  # a racing process keeps its key
                os.link(tmp, path)  # atomic create-if-absent
        finally:
            Path(tmp).unlink(missing_ok=True)
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)
    pair = load_keypair(home, purpose)
    pub = folder / f"{pair.kid}.pub"
    if not pub.exists():
        _write_text(pub, b64u(pair.public_raw) + "\n")
    return pair


def load_keypair(home: Path | None = None, purpose: str = CERTIFICATES) -> KeyPair:
    """The current signing key; FileNotFoundError when `snicert init` has not created it."""
    path = key_dir(home, purpose) / PRIVATE_FILE
    private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return KeyPair.from_private(private)


_SIGNERS: dict[tuple[Path, str], KeyPair] = {}


def signer(purpose: str) -> KeyPair:
    """The current key of SNICERT_HOME for `purpose`, created if missing and kept for the
    process (the audit key signs at every commit: reading the file each time would cost
    more than the signature)."""
    key = (config.home(), purpose)
    if key not in _SIGNERS:
        _SIGNERS[key] = ensure_keypair(key[0], purpose)
    return _SIGNERS[key]


def rotate(home: Path | None = None) -> tuple[KeyPair, KeyPair]:
    """Replace the signing key by a new one; the old public key stays published (retired)
    so every certificate it signed still verifies. Returns (old, new)."""
    from snicert import clock

    folder = key_dir(home)
    old = ensure_keypair(home)  # also makes sure the old key's .pub exists
    new = KeyPair.generate()
    _write_text(folder / f"{new.kid}.pub", b64u(new.public_raw) + "\n")
    pem = new.private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-key-")  # created with mode 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, folder / PRIVATE_FILE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _write_text(folder / f"{old.kid}.retired", clock.now().isoformat() + "\n")
    return old, new


def public_keys(home: Path | None = None, purpose: str = CERTIFICATES) -> dict[str, Any]:
    """Every public key of this installation as a JWK Set, ready to publish as JSON:
    {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": <base64url raw key>, "kid": ...}]}.
    A retired key (it signs no more) carries "retired": <when> and is still valid for the
    certificates it signed."""
    folder = key_dir(home, purpose)
    found: dict[str, bytes] = {}
    if folder.is_dir():
        for pub in sorted(folder.glob("*.pub")):
            raw = b64u_decode(pub.read_text().strip())
            found[kid_for(raw)] = raw
        if not found and (folder / PRIVATE_FILE).exists():  # a key made before .pub files
            pair = load_keypair(home, purpose)
            found[pair.kid] = pair.public_raw
    keys = []
    for kid, raw in sorted(found.items()):
        entry: dict[str, str] = jwk(kid, raw)
        retired = folder / f"{kid}.retired"
        if retired.exists():
            entry["retired"] = retired.read_text().strip()
        keys.append(entry)
    return {"keys": keys}


KnownKeys = Mapping[str, Ed25519PublicKey]


def load_public_keys(
    source: Mapping[str, Any] | str | Path | None = None,
) -> dict[str, Ed25519PublicKey]:
    """Known keys by kid, from a JWK Set ({"keys": [...]}), a flat {kid: base64url raw key}
    mapping, a JSON file holding either, or (None) this installation's public keys.
    A kid that does not match its key is refused: the kid is derived from the key."""
    if source is None:
        source = public_keys()
    elif isinstance(source, str | Path):
        source = json.loads(Path(source).read_text(encoding="utf-8"))
    if not isinstance(source, Mapping):
        raise ValueError("public keys: expected a JSON object")
    entries: list[tuple[str, Any]]
    if "keys" in source and isinstance(source["keys"], list):
        entries = []
        for k in source["keys"]:
            if not isinstance(k, Mapping) or k.get("kty") != "OKP" or k.get("crv") != "Ed25519":
                continue
            entries.append((str(k.get("kid", "")), k.get("x")))
    else:
        entries = list(source.items())
    out: dict[str, Ed25519PublicKey] = {}
    for kid, value in entries:
        if isinstance(value, Ed25519PublicKey):
            raw = _raw(value)
        elif isinstance(value, bytes):
            raw = value
        elif isinstance(value, str):
            raw = b64u_decode(value)
        else:
            raise ValueError(f"public key {kid!r}: unreadable value")
        if len(raw) != 32:
            raise ValueError(f"public key {kid!r}: not a 32-byte Ed25519 key")
        if kid and kid != kid_for(raw):
            raise ValueError(
                f"public key {kid!r}: the kid does not match the key (expected {kid_for(raw)})"
            )
        out[kid_for(raw)] = Ed25519PublicKey.from_public_bytes(raw)
    return out


def _write_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-pub-")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_TRUSTED: dict[tuple[Path, str], dict[str, Ed25519PublicKey]] = {}


def trusted_keys(
    purpose: str = CERTIFICATES, kid: str | None = None
) -> dict[str, Ed25519PublicKey]:
    """This installation's public keys for `purpose` (files under SNICERT_HOME/keys, never
    the database), kept for the process; read again when `kid` is not among them (a key
    added since, by rotation)."""
    key = (config.home(), purpose)
    known = _TRUSTED.get(key)
    if known is None or (kid is not None and kid not in known):
        known = _TRUSTED[key] = load_public_keys(public_keys(key[0], purpose))
    return known
