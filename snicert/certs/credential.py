"""The signed form of a certificate: a W3C Verifiable Credential 2.0 with a Data Integrity
proof, cryptosuite eddsa-jcs-2022 (Ed25519 over JCS, RFC 8785).

Signing (as in the W3C vc-di-eddsa spec, section eddsa-jcs-2022):
  proofConfig  = proof options (without proofValue) + the credential's @context
  hashData     = sha256(JCS(proofConfig)) || sha256(JCS(credential without proof))
  proofValue   = "z" + base58btc(Ed25519 signature over hashData)
The proof options (type, cryptosuite, created, verificationMethod, proofPurpose) are
therefore signed too. verificationMethod is "<base_url>/api/v1/keys#<kid>": verifiers look
the key up by the kid after '#', in a set of known keys (keys.load_public_keys).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from json.encoder import encode_basestring
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from snicert import settings
from snicert.certs.keys import KeyPair

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
CREDENTIAL_TYPE = "ProductCertificate"
CRYPTOSUITE = "eddsa-jcs-2022"
CLOCK_SKEW = timedelta(minutes=5)  # a verifier's clock may lag the issuer's a little


def public_url() -> str:
    """Base URL of the public site (setting public_url), without a trailing slash."""
    return settings.current().public_url


def issuer_name(data: dict[str, Any]) -> str:
    """The certification body named in the certificate's data (settings at issuance)."""
    body = data.get("certification_body") or {}
    return body.get("name") or settings.current().lspro_name


def verify_url(number: str, base_url: str | None = None) -> str:
    """The public verification page a certificate's QR code opens."""
    return f"{(base_url or public_url()).rstrip('/')}/verify/{number}"


# --- JCS (RFC 8785) -------------------------------------------------------------------


def _string(s: str) -> str:
    # RFC 8785 §3.2.2.2 escapes exactly what json's C string encoder (ensure_ascii off)
    # does: '"', '\\', \b \f \n \r \t by their short forms, other controls as lowercase
    # \\u00xx (~20x faster than a character loop; a seeded history signs ~85,000 credentials).
    return encode_basestring(s)


def _number(v: int | float) -> str:
    if isinstance(v, int):
        if abs(v) > 2**53:
            raise ValueError(f"integer {v} is outside the I-JSON range (JCS)")
        return str(v)
    if not math.isfinite(v):
        raise ValueError(f"{v} cannot be represented in JSON")
    if v == 0:
        return "0"
    # ECMAScript Number.prototype.toString on the shortest round-trip digits
    sign, digits_t, exp = Decimal(repr(v)).normalize().as_tuple()
    digits = "".join(map(str, digits_t))
    k, n = len(digits), int(exp) + len(digits)
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = f"{digits[:n]}.{digits[n:]}"
    elif -6 < n <= 0:
        text = "0." + "0" * -n + digits
    else:
        e = n - 1
        mantissa = digits[0] + (f".{digits[1:]}" if k > 1 else "")
        text = f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    return ("-" if sign else "") + text


def _jcs(v: Any, out: list[str]) -> None:
    if v is None:
        out.append("null")
    elif v is True:
        out.append("true")
    elif v is False:
        out.append("false")
    elif isinstance(v, str):
        out.append(_string(v))
    elif isinstance(v, int | float):
        out.append(_number(v))
    elif isinstance(v, dict):
        out.append("{")
        for i, key in enumerate(sorted(v, key=lambda k: k.encode("utf-16-be"))):
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys are strings, not {type(key).__name__}")
            if i:
                out.append(",")
            out.append(_string(key))
            out.append(":")
            _jcs(v[key], out)
        out.append("}")
    elif isinstance(v, list | tuple):
        out.append("[")
        for i, item in enumerate(v):
            if i:
                out.append(",")
            _jcs(item, out)
        out.append("]")
    else:
        raise TypeError(f"{type(v).__name__} is not JSON data")


def canonical(value: Any) -> bytes:
    """JSON Canonicalization Scheme (RFC 8785), UTF-8."""
    out: list[str] = []
    _jcs(value, out)
    return "".join(out).encode("utf-8")


# --- base58btc (multibase 'z') ---------------------------------------------------------

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58)}


def b58encode(raw: bytes) -> str:
    n = int.from_bytes(raw, "big")
    out = []
    while n:
        n, r = divmod(n, 58)
        out.append(_B58[r])
    pad = len(raw) - len(raw.lstrip(b"\0"))
    return "1" * pad + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    n = 0
    for c in text:
        n = n * 58 + _B58_INDEX[c]  # KeyError on a character outside the alphabet
    pad = len(text) - len(text.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * pad + body


# --- credential ------------------------------------------------------------------------


def build_credential(
    data: dict[str, Any], base_url: str | None = None, issuer: str | None = None
) -> dict[str, Any]:
    """The unsigned credential of a certificate's data dict (services.certificates.issue)."""
    base = (base_url or public_url()).rstrip("/")
    number = data["number"]
    vc: dict[str, Any] = {
        "@context": [VC_CONTEXT],
        "id": verify_url(number, base),
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "name": f"SPPT SNI {number}",
        "description": "Sertifikat Produk Penggunaan Tanda SNI / "
        "Certificate of product conformity for the use of the SNI mark",
        "issuer": {"id": base, "name": issuer or issuer_name(data)},
        "validFrom": data["issued_at"],
        "credentialSubject": json.loads(json.dumps(data)),  # a JSON copy: what is signed
    }
    if data.get("valid_until"):
        vc["validUntil"] = data["valid_until"]
    return vc


def _hash_data(unsecured: dict[str, Any], options: dict[str, Any]) -> bytes:
    config = {k: v for k, v in options.items() if k != "proofValue"}
    if "@context" in config:  # a proof may carry the context it was made under
        ctx = config["@context"]
        doc_ctx = unsecured.get("@context")
        if not isinstance(ctx, list) or not isinstance(doc_ctx, list) or doc_ctx[: len(ctx)] != ctx:
            raise ValueError("the proof's @context does not match the credential's")
        unsecured = {**unsecured, "@context": ctx}
    elif "@context" in unsecured:
        config["@context"] = unsecured["@context"]
    return (
        hashlib.sha256(canonical(config)).digest() + hashlib.sha256(canonical(unsecured)).digest()
    )


def proof_is_valid(credential: dict[str, Any], public: Ed25519PublicKey) -> bool:
    """The eddsa-jcs-2022 proof of `credential` checks out under `public` (shape, dates and
    the trust in the key are verify_credential's business)."""
    proof = credential.get("proof")
    if not isinstance(proof, dict):
        return False
    value = proof.get("proofValue")
    try:
        if not isinstance(value, str) or not value.startswith("z"):
            return False
        signature = b58decode(value[1:])
        unsecured = {k: v for k, v in credential.items() if k != "proof"}
        public.verify(signature, _hash_data(unsecured, proof))
    except (InvalidSignature, KeyError, ValueError, TypeError):
        return False
    return True


def sign(credential: dict[str, Any], key: KeyPair, created: str | None = None) -> dict[str, Any]:
    """The credential with its DataIntegrityProof. `created` defaults to validFrom (the
    issue time), which keeps the whole signed form reproducible from data and key."""
    unsecured = {k: v for k, v in credential.items() if k != "proof"}
    issuer = unsecured["issuer"]
    issuer_id = issuer["id"] if isinstance(issuer, dict) else issuer
    options = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": created or unsecured.get("validFrom"),
        "verificationMethod": f"{issuer_id}/api/v1/keys#{key.kid}",
        "proofPurpose": "assertionMethod",
    }
    signature = key.sign(_hash_data(unsecured, options))
    return {**unsecured, "proof": {**options, "proofValue": "z" + b58encode(signature)}}


def sign_certificate(
    data: dict[str, Any], key: KeyPair, base_url: str | None = None, issuer: str | None = None
) -> dict[str, Any]:
    """Build and sign the credential of one certificate."""
    return sign(build_credential(data, base_url, issuer), key)


def kid_of(credential: dict[str, Any]) -> str | None:
    proof = credential.get("proof")
    if not isinstance(proof, dict) or not isinstance(proof.get("verificationMethod"), str):
        return None
    return proof["verificationMethod"].rsplit("#", 1)[-1]


@dataclass
class VerifyResult:
    valid: bool
    reason: str
    number: str | None = None
    holder: str | None = None
    kid: str | None = None
    form: str | None = None  # json | pdf | png | html
    valid_until: str | None = None
    credential: dict[str, Any] | None = field(default=None, repr=False)

    def __bool__(self) -> bool:
        return self.valid


def _parse_time(text: Any, what: str) -> datetime:
    if not isinstance(text, str):
        raise ValueError(f"{what} is not a date-time")
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"{what} has no time zone")
    return moment


def verify_credential(
    credential: Any,
    known_keys: dict[str, Ed25519PublicKey],
    now: datetime | None = None,
    form: str = "json",
) -> VerifyResult:
    """Check shape, signature, key and validity period of a signed credential."""
    subject = credential.get("credentialSubject") if isinstance(credential, dict) else None
    number = holder = None
    if isinstance(subject, dict):
        number = subject.get("number") if isinstance(subject.get("number"), str) else None
        h = subject.get("holder")
        holder = h.get("name") if isinstance(h, dict) and isinstance(h.get("name"), str) else None
    kid = kid_of(credential) if isinstance(credential, dict) else None

    def result(valid: bool, reason: str) -> VerifyResult:
        vu = credential.get("validUntil") if isinstance(credential, dict) else None
        return VerifyResult(
            valid,
            reason,
            number,
            holder,
            kid,
            form,
            vu if isinstance(vu, str) else None,
            credential if isinstance(credential, dict) else None,
        )

    if not isinstance(credential, dict) or not isinstance(subject, dict):
        return result(False, "not a certificate credential (no credentialSubject)")
    ctx = credential.get("@context")
    types = credential.get("type")
    if (
        not isinstance(ctx, list)
        or not ctx
        or ctx[0] != VC_CONTEXT
        or not isinstance(types, list)
        or "VerifiableCredential" not in types
    ):
        return result(False, "not a W3C Verifiable Credential 2.0")
    proof = credential.get("proof")
    if not isinstance(proof, dict):
        return result(False, "the credential carries no proof (unsigned)")
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
        return result(False, f"unsupported proof (expected DataIntegrityProof / {CRYPTOSUITE})")
    if proof.get("proofPurpose") != "assertionMethod":
        return result(False, "the proof is not for assertionMethod")
    if not kid:
        return result(False, "the proof names no verification key")
    public = known_keys.get(kid)
    if public is None:
        return result(False, f"unknown signing key {kid}: not among the known public keys")
    if not proof_is_valid(credential, public):
        return result(
            False,
            "signature does not match: the certificate data or its proof was changed after signing",
        )
    # intact: the dates below are the issuer's own
    now = now or _now()
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    try:
        valid_from = _parse_time(credential.get("validFrom"), "validFrom")
        until = credential.get("validUntil")
        valid_until = _parse_time(until, "validUntil") if until is not None else None
    except ValueError as exc:
        return result(False, f"unreadable validity period: {exc}")
    if (
        not number
        or subject.get("issued_at") != credential.get("validFrom")
        or subject.get("valid_until") != until
    ):
        return result(
            False,
            "the credential does not match its certificate data (number, issue date or validity)",
        )
    if valid_until is not None and valid_until < now:
        return result(False, f"expired: valid until {until}, checked at {now.isoformat()}")
    if valid_from > now + CLOCK_SKEW:
        return result(
            False,
            f"not yet valid: valid from {credential['validFrom']}, checked at {now.isoformat()}",
        )
    return result(True, "valid")


def _now() -> datetime:
    from snicert import clock

    moment = clock.now()
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
