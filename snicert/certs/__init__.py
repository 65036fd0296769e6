"""Certificates as files: signed W3C VC 2.0 credential (Ed25519, eddsa-jcs-2022), HTML,
A4 PDF and PNG with QR code, a product label; offline verification of any of them.

Wiring (issuance and init):
    from snicert.certs import ensure_keypair, render_certificate
    key = ensure_keypair()                       # snicert init (idempotent)
    r = render_certificate(cert.data, photo_bytes, key)
    for kind, name, data, media_type in r.files(): outputs.write(...)
"""

from snicert.certs.credential import (
    VerifyResult,
    build_credential,
    canonical,
    public_url,
    sign,
    sign_certificate,
    verify_credential,
    verify_url,
)
from snicert.certs.keys import (
    KeyPair,
    ensure_keypair,
    load_keypair,
    load_public_keys,
    public_keys,
)
from snicert.certs.render import Rendered, render_certificate
from snicert.certs.verify import OnlineStatus, check_online, verify_bytes, verify_file

__all__ = [
    "KeyPair",
    "OnlineStatus",
    "Rendered",
    "VerifyResult",
    "build_credential",
    "canonical",
    "check_online",
    "ensure_keypair",
    "load_keypair",
    "load_public_keys",
    "public_keys",
    "public_url",
    "render_certificate",
    "sign",
    "sign_certificate",
    "verify_bytes",
    "verify_credential",
    "verify_file",
    "verify_url",
]
