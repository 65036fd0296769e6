"""Certificate files: signed credential (Ed25519, eddsa-jcs-2022), HTML, PDF, PNG, label;
offline verification of each form, and `snicert verify` with --keys and --online."""

from __future__ import annotations

import copy
import hashlib
import io
import json
import os
import re
import stat
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from PIL import Image
from typer.testing import CliRunner

from snicert import clock, synthetic
from snicert.certs import (
    KeyPair,
    canonical,
    embed,
    ensure_keypair,
    load_public_keys,
    public_keys,
    render,
    render_certificate,
    sign_certificate,
    verify_file,
)
from snicert.certs import credential as credential_mod
from snicert.certs.credential import b58decode, b58encode, proof_is_valid
from snicert.certs.keys import b64u, kid_for
from snicert.cli import app as cli

ISSUED = synthetic.certificate_data()["issued_at"]
UNTIL = synthetic.certificate_data()["valid_until"]
NOW = datetime(2027, 6, 1, tzinfo=UTC)
URL = "http://127.0.0.1:8000/verify/SNI-ABN-2026-0001"


def sample_data(**changes: Any) -> dict[str, Any]:
    return synthetic.certificate_data(**changes)


PHOTO = synthetic.photo("abon", "Abon Sei Kupang", 1)


@pytest.fixture(autouse=True)
def _public_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SNICERT_PUBLIC_URL", raising=False)
    monkeypatch.delenv("SNICERT_ISSUER_NAME", raising=False)


@pytest.fixture(scope="module")
def key() -> KeyPair:
    return KeyPair.generate()


@pytest.fixture(scope="module")
def known(key: KeyPair) -> dict[str, Any]:
    return {key.kid: key.private.public_key()}


@pytest.fixture(scope="module")
def rendered(key: KeyPair) -> render.Rendered:
    saved = {k: os.environ.pop(k, None) for k in ("SNICERT_PUBLIC_URL", "SNICERT_ISSUER_NAME")}
    try:
        return render_certificate(sample_data(), PHOTO, key)
    finally:
        os.environ.update({k: v for k, v in saved.items() if v is not None})


@pytest.fixture
def home_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> KeyPair:
    monkeypatch.setenv("SNICERT_HOME", str(tmp_path / "home"))
    return ensure_keypair()


def decode_qr(png: bytes) -> list[str]:
    import zxingcpp  # dev dependency: zxing-cpp (wheels, no system library)

    with Image.open(io.BytesIO(png)) as im:
        return [r.text for r in zxingcpp.read_barcodes(im.convert("L"))]


# --- keys ------------------------------------------------------------------------------


def test_keypair_is_created_once_with_private_mode(home_keys: KeyPair, tmp_path: Path) -> None:
    again = ensure_keypair()
    assert again.kid == home_keys.kid and again.public_raw == home_keys.public_raw
    folder = tmp_path / "home" / "keys"
    assert stat.S_IMODE((folder / "signing.key").stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert home_keys.kid == hashlib.sha256(home_keys.public_raw).hexdigest()[:16]
    published = public_keys()
    assert published == {
        "keys": [
            {
                "kty": "OKP",
                "crv": "Ed25519",
                "x": b64u(home_keys.public_raw),
                "kid": home_keys.kid,
                "alg": "EdDSA",
                "use": "sig",
            }
        ]
    }
    json.dumps(published)  # publishable as is
    assert set(load_public_keys(published)) == {home_keys.kid}
    assert set(load_public_keys({home_keys.kid: b64u(home_keys.public_raw)})) == {home_keys.kid}


def test_concurrent_ensure_keypair_agrees(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SNICERT_HOME", str(tmp_path / "race"))
    kids: list[str] = []
    threads = [threading.Thread(target=lambda: kids.append(ensure_keypair().kid)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(kids) == 8 and len(set(kids)) == 1
    assert [k["kid"] for k in public_keys()["keys"]] == kids[:1]


def test_a_kid_that_does_not_match_its_key_is_refused(key: KeyPair) -> None:
    with pytest.raises(ValueError, match="does not match"):
        load_public_keys({"0123456789abcdef": b64u(key.public_raw)})


def test_old_public_keys_stay_published_after_rotation(home_keys: KeyPair, tmp_path: Path) -> None:
    (tmp_path / "home" / "keys" / "signing.key").rename(tmp_path / "old.key")
    new = ensure_keypair()
    assert new.kid != home_keys.kid
    assert {k["kid"] for k in public_keys()["keys"]} == {home_keys.kid, new.kid}


# --- the credential ------------------------------------------------------------------


def test_credential_shape(rendered: render.Rendered, key: KeyPair) -> None:
    vc = rendered.credential
    assert vc["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert vc["type"] == ["VerifiableCredential", "ProductCertificate"]
    assert vc["validFrom"] == ISSUED and vc["validUntil"] == UNTIL
    assert vc["credentialSubject"] == sample_data()
    assert vc["id"] == URL
    proof = vc["proof"]
    assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == "eddsa-jcs-2022"
    assert proof["verificationMethod"].endswith(f"#{key.kid}")
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["proofValue"].startswith("z")
    assert rendered.kid == key.kid
    # the signed form is reproducible from data and key (Ed25519 is deterministic)
    assert sign_certificate(sample_data(), key) == vc
    assert json.loads(rendered.json) == vc


def test_jcs_follows_rfc8785() -> None:
    numbers = [
        333333333.33333329,
        1e30,
        4.50,
        2e-3,
        0.000000000000000000000000001,
        1e21,
        1e-7,
        0.000001,
        -0.0,
        100.0,
        9007199254740991,
    ]
    assert canonical({"numbers": numbers}) == (
        b'{"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27,1e+21,1e-7,0.000001,0,100,'
        b"9007199254740991]}"
    )
    keys = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet",
        "1": "One",
        "\U0001f600": "Emoji",
        "\u0080": "Control",
        "\u00f6": "Latin",
    }
    order = [k for k in json.loads(canonical(keys))]
    assert order == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]
    assert canonical({"s": 'a"b\\c\n\u001f\u007f</script>'}) == (
        '{"s":"a\\"b\\\\c\\n\\u001f\u007f</script>"}'.encode()
    )
    with pytest.raises(ValueError):
        canonical({"n": float("nan")})


def test_proof_matches_the_w3c_eddsa_jcs_2022_test_vector() -> None:
    """The signed example of the W3C vc-di-eddsa test vectors (eddsa-jcs-2022): its proof
    checks out with our hashing, under the spec's public key (multicodec ed25519-pub)."""
    ctx = ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"]
    vm = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    signed = {
        "@context": ctx,
        "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
        "type": ["VerifiableCredential", "AlumniCredential"],
        "name": "Alumni Credential",
        "description": "A minimum viable example of an Alumni Credential.",
        "issuer": "https://vc.example/issuers/5678",
        "validFrom": "2023-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
        "proof": {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-jcs-2022",
            "created": "2023-02-24T23:36:38Z",
            "verificationMethod": f"https://vc.example/issuers/5678#{vm}",
            "proofPurpose": "assertionMethod",
            "@context": ctx,
            "proofValue": "z63t83Y53KfzJ5ZosfKTnqfMcKB2dmTrfjSaQjeNNjAD5srBowQfmWqe"
            "Rb8rRjmeEuCBEsddF9LsVogtuTsijJKh4",
        },
    }
    multikey = b58decode(vm[1:])
    assert multikey[:2] == b"\xed\x01"
    public = Ed25519PublicKey.from_public_bytes(multikey[2:])
    assert proof_is_valid(signed, public)
    changed = copy.deepcopy(signed)
    changed["credentialSubject"]["alumniOf"] = "Another School"
    assert not proof_is_valid(changed, public)
    # the same private key signs the same bytes (Ed25519 is deterministic)
    seed = b58decode("3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq")
    assert seed[:2] == b"\x80\x26"
    pair = KeyPair.from_private(Ed25519PrivateKey.from_private_bytes(seed[2:]))
    assert pair.public_raw == multikey[2:]
    unsecured = {k: v for k, v in signed.items() if k != "proof"}
    signature = pair.sign(credential_mod._hash_data(unsecured, signed["proof"]))
    assert "z" + b58encode(signature) == signed["proof"]["proofValue"]


# --- every form verifies ---------------------------------------------------------------

FORMS = ["json", "html", "pdf", "png", "label_png", "label_html"]


@pytest.mark.parametrize("form", FORMS)
def test_each_form_verifies(
    rendered: render.Rendered, known: dict[str, Any], form: str, tmp_path: Path
) -> None:
    path = tmp_path / render.FILE_NAMES[form]
    path.write_bytes(getattr(rendered, form))
    for source in (path, str(path), getattr(rendered, form)):
        result = verify_file(source, known, NOW)
        assert result.valid, result.reason
        assert result.reason == "valid"
        assert result.number == "SNI-ABN-2026-0001"
        assert result.holder == "UMKM Abon Lay 1"
        assert result.form == form.removeprefix("label_")


# --- tampering -------------------------------------------------------------------------

FIELDS: list[tuple[Any, ...]] = [
    ("credentialSubject", "number"),
    ("credentialSubject", "holder", "name"),
    ("credentialSubject", "holder", "nib"),
    ("credentialSubject", "product", "name", "en"),
    ("credentialSubject", "standards", 0, "number"),
    ("credentialSubject", "scope", "id"),
    ("credentialSubject", "valid_until"),
    ("credentialSubject", "checklist", "version"),
    ("validUntil",),
    ("issuer", "name"),
    ("proof", "created"),
]


def _tamper(vc: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    forged = copy.deepcopy(vc)
    node = forged
    for part in path[:-1]:
        node = node[part]
    old = node[path[-1]]
    if isinstance(old, int):
        node[path[-1]] = old + 1
    elif path[-1] in ("valid_until", "validUntil", "created"):
        node[path[-1]] = old.replace("2030", "2099").replace("2026", "2025")
    else:
        node[path[-1]] = old + "X"
    assert forged != vc
    return forged


def _forge(form: str, rendered: render.Rendered, key: KeyPair, forged: dict[str, Any]) -> bytes:
    """The file of `form` carrying the forged credential, re-saved by the usual writer."""
    if form == "json":
        return json.dumps(forged, ensure_ascii=False, indent=2).encode()
    if form == "png":
        return render.png_with_credential(rendered.png, forged)  # Pillow re-save
    if form == "pdf":
        return render_certificate(sample_data(), PHOTO, key, credential=forged).pdf
    if form == "html":
        return render_certificate(sample_data(), PHOTO, key, credential=forged).html
    raise AssertionError(form)


@pytest.mark.parametrize("form", ["json", "pdf", "png", "html"])
@pytest.mark.parametrize("field", FIELDS, ids=lambda f: ".".join(map(str, f)))
def test_changed_field_fails(
    rendered: render.Rendered,
    key: KeyPair,
    known: dict[str, Any],
    form: str,
    field: tuple[Any, ...],
) -> None:
    data = _forge(form, rendered, key, _tamper(rendered.credential, field))
    result = verify_file(data, known, NOW)
    assert not result.valid
    assert "signature does not match" in result.reason, result.reason


@pytest.mark.parametrize("form", ["json", "pdf", "png"])
def test_changed_key_reference_is_an_unknown_key(
    rendered: render.Rendered, key: KeyPair, known: dict[str, Any], form: str
) -> None:
    forged = copy.deepcopy(rendered.credential)
    vm = forged["proof"]["verificationMethod"]
    forged["proof"]["verificationMethod"] = vm[:-1] + ("0" if vm[-1] != "0" else "1")
    result = verify_file(_forge(form, rendered, key, forged), known, NOW)
    assert not result.valid and "unknown signing key" in result.reason


def test_pdf_edited_in_place_fails(rendered: render.Rendered, known: dict[str, Any]) -> None:
    start = rendered.pdf.index(embed.XMP_OPEN)
    edited = rendered.pdf[:start] + rendered.pdf[start:].replace(
        b"UMKM Abon Lay 1", b"UMKM Abon Lay 7", 1
    )
    assert edited != rendered.pdf and len(edited) == len(rendered.pdf)
    result = verify_file(edited, known, NOW)
    assert not result.valid and "signature does not match" in result.reason
    assert result.holder == "UMKM Abon Lay 7"  # what the forger claimed, reported as invalid


def test_png_pixels_are_not_decoded_and_a_stripped_png_fails(
    rendered: render.Rendered, known: dict[str, Any]
) -> None:
    with Image.open(io.BytesIO(rendered.png)) as im:
        out = io.BytesIO()
        im.save(out, "PNG")  # re-saved without its metadata
    result = verify_file(out.getvalue(), known, NOW)
    assert not result.valid and "no signed credential" in result.reason
    doubled = render.png_with_credential(rendered.png, rendered.credential)
    assert verify_file(doubled, known, NOW).valid
    # a PNG with two credential chunks is refused
    chunk_at = doubled.index(b"iTXt") - 4
    length = int.from_bytes(doubled[chunk_at : chunk_at + 4], "big")
    chunk = doubled[chunk_at : chunk_at + 12 + length]
    twice = doubled[:chunk_at] + chunk + chunk + doubled[chunk_at + len(chunk) :]
    assert "more than one" in verify_file(twice, known, NOW).reason


def test_unknown_key_fails(rendered: render.Rendered, known: dict[str, Any]) -> None:
    stranger = KeyPair.generate()
    result = verify_file(rendered.json, {stranger.kid: stranger.private.public_key()}, NOW)
    assert not result.valid
    assert result.reason.startswith(f"unknown signing key {rendered.kid}")
    assert verify_file(rendered.json, {}, NOW).reason.startswith("unknown signing key")
    # a forger signing with their own key is unknown too
    forged = render_certificate(sample_data(), PHOTO, stranger)
    for form in ("json", "pdf", "png"):
        result = verify_file(getattr(forged, form), known, NOW)
        assert not result.valid and "unknown signing key" in result.reason


def test_forger_claiming_the_real_kid_fails(key: KeyPair, known: dict[str, Any]) -> None:
    forger = KeyPair.generate()
    impostor = KeyPair(kid=key.kid, private=forger.private, public_raw=forger.public_raw)
    vc = sign_certificate(sample_data(), impostor)
    result = verify_file(json.dumps(vc).encode(), known, NOW)
    assert not result.valid and "signature does not match" in result.reason


# --- validity period -------------------------------------------------------------------


def test_expired_certificate_fails_with_a_clear_reason(
    rendered: render.Rendered, known: dict[str, Any]
) -> None:
    until = datetime.fromisoformat(UNTIL)
    assert verify_file(rendered.pdf, known, until - timedelta(seconds=1)).valid
    result = verify_file(rendered.pdf, known, until + timedelta(seconds=1))
    assert not result.valid
    assert result.reason.startswith(f"expired: valid until {UNTIL}")
    assert result.number == "SNI-ABN-2026-0001"


def test_not_yet_valid_and_lot_certificates(key: KeyPair, known: dict[str, Any]) -> None:
    early = verify_file(
        render_certificate(sample_data(), None, key).json, known, datetime(2026, 1, 1, tzinfo=UTC)
    )
    assert not early.valid and early.reason.startswith("not yet valid")
    lot = sample_data(scheme="1b", scope="LOT-2026-07 (500 kemasan)", valid_until=None)
    r = render_certificate(lot, PHOTO, key)
    assert "validUntil" not in r.credential
    assert verify_file(r.png, known, datetime(2090, 1, 1, tzinfo=UTC)).valid
    html = r.html.decode()
    assert "Hanya untuk lot yang disertifikasi" in html and "LOT-2026-07" in html


def test_default_now_is_the_snicert_clock(rendered: render.Rendered, known: dict[str, Any]) -> None:
    try:
        clock.freeze(datetime(2031, 1, 1, tzinfo=UTC))
        assert verify_file(rendered.json, known).reason.startswith("expired")
        clock.freeze(NOW)
        assert verify_file(rendered.json, known).valid
    finally:
        clock.reset()


# --- what the files show ---------------------------------------------------------------


def test_png_is_a4_at_150_dpi_and_its_qr_opens_the_verification_page(
    rendered: render.Rendered,
) -> None:
    with Image.open(io.BytesIO(rendered.png)) as im:
        assert im.format == "PNG" and im.size == (1240, 1754) == render.A4_PX
        assert round(im.info["dpi"][0]) == 150
        assert im.info["Title"] == "SPPT SNI SNI-ABN-2026-0001"
        assert json.loads(im.info[embed.PNG_KEYWORD]) == rendered.credential  # Pillow reads it
    assert decode_qr(rendered.png) == [URL]


def test_qr_follows_the_public_url(
    key: KeyPair, monkeypatch: pytest.MonkeyPatch, known: dict[str, Any]
) -> None:
    monkeypatch.setenv("SNICERT_PUBLIC_URL", "https://sni.kupang.example/")
    r = render_certificate(sample_data(), PHOTO, key)
    url = "https://sni.kupang.example/verify/SNI-ABN-2026-0001"
    assert r.verify_url == url and decode_qr(r.png) == [url] and decode_qr(r.label_png) == [url]
    assert r.credential["issuer"]["id"] == "https://sni.kupang.example"
    assert url.encode() in r.html and verify_file(r.pdf, known, NOW).valid


def test_pdf_is_a_real_a4_pdf(rendered: render.Rendered) -> None:
    pdf = rendered.pdf
    assert pdf.startswith(b"%PDF-1.") and pdf.rstrip().endswith(b"%%EOF")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert len(boxes) == 1
    w, h = (float(x) for x in boxes[0])
    assert abs(w - 595.28) < 0.5 and abs(h - 841.89) < 0.5  # A4 in points
    assert b"/Title (SPPT SNI SNI-ABN-2026-0001)" in pdf
    assert b"/Type /Metadata" in pdf and embed.XMP_OPEN in pdf
    assert b"/DCTDecode" in pdf  # the product photo, embedded as JPEG
    credential = json.loads(embed.pdf_text(pdf))
    assert credential == rendered.credential


def test_html_is_indonesian_first_then_english(rendered: render.Rendered) -> None:
    html = rendered.html.decode()
    assert html.startswith("<!DOCTYPE html>") and '<html lang="id">' in html
    body = html[html.index("<body>") :]  # what a reader sees (the head carries the credential)
    pairs = [
        (
            "SERTIFIKAT PRODUK PENGGUNAAN TANDA SNI",
            "Certificate of product conformity for the use of the SNI mark",
        ),
        ("Pemegang sertifikat", "Certificate holder"),
        ("Merek", "Brand"),
        ("Berlaku sampai", "Valid until"),
        ("Ruang lingkup", "Scope"),
        ("Abon daging dan abon ikan", "Meat and fish floss made by"),
        ("Pindai untuk memeriksa", "Scan to check"),
    ]
    for indonesian, english in pairs:
        assert body.index(indonesian) < body.index(english), (indonesian, english)
    assert html.count("SNI-ABN-2026-0001") >= 3
    assert "24 November 2030" in html and "SNI 01-3707-1995" in html
    assert f'href="{URL}"' in html and "<svg" in html
    assert "data:image/jpeg;base64," in html


def test_html_escapes_hostile_data(key: KeyPair, known: dict[str, Any]) -> None:
    data = sample_data()
    data["holder"]["name"] = "Toko </script><script>alert(1)</script> & Co"
    r = render_certificate(data, PHOTO, key)
    html = r.html.decode()
    assert "<script>alert(1)" not in html
    assert "Toko &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html
    result = verify_file(r.html, known, NOW)
    assert result.valid and result.holder == data["holder"]["name"]


def test_text_outside_windows_1252_keeps_exact_data(key: KeyPair, known: dict[str, Any]) -> None:
    data = sample_data(brand="Sasando \u014ai \u2600 \u4e2d")
    r = render_certificate(data, PHOTO, key)
    result = verify_file(r.pdf, known, NOW)
    assert result.valid and result.credential["credentialSubject"]["brand"] == data["brand"]
    assert verify_file(r.png, known, NOW).valid


def test_label_png_carries_the_qr_and_the_credential(
    rendered: render.Rendered, known: dict[str, Any]
) -> None:
    with Image.open(io.BytesIO(rendered.label_png)) as im:
        assert im.size == render.LABEL_PX == (827, 472)
    assert decode_qr(rendered.label_png) == [URL]
    assert verify_file(rendered.label_png, known, NOW).valid
    label = rendered.label_html.decode()
    assert "SNI-ABN-2026-0001" in label and "SNI 01-3707-1995" in label
    assert label.index("Pindai untuk cek keaslian") < label.index("Scan to verify")


def test_photos(key: KeyPair) -> None:
    rgba = Image.new("RGBA", (3000, 1000), (200, 30, 30, 128))
    buf = io.BytesIO()
    rgba.save(buf, "PNG")
    r = render_certificate(sample_data(), buf.getvalue(), key)
    assert b"/DCTDecode" in r.pdf
    none = render_certificate(sample_data(), None, key)
    assert "Foto tidak tersedia" in none.html.decode()
    assert b"/DCTDecode" not in none.pdf
    with pytest.raises(ValueError, match="photo cannot be read"):
        render_certificate(sample_data(), b"not an image", key)


def test_files_for_outputs(rendered: render.Rendered) -> None:
    files = {kind: (name, media) for kind, name, _, media in rendered.files()}
    assert files["pdf"] == ("certificate.pdf", "application/pdf")
    assert files["png"] == ("certificate.png", "image/png")
    assert files["label_png"] == ("label.png", "image/png")
    assert set(files) == {"json", "html", "pdf", "png", "label_png", "label_html"}


def test_not_a_certificate_file(known: dict[str, Any], tmp_path: Path) -> None:
    assert "not a certificate file" in verify_file(b"hello", known, NOW).reason
    assert "cannot read" in verify_file(tmp_path / "missing.pdf", known, NOW).reason
    assert "no signed credential" in verify_file(synthetic.pdf("x"), known, NOW).reason
    assert "not a certificate credential" in verify_file(b'{"a": 1}', known, NOW).reason


# --- a real issued certificate -----------------------------------------------------------


def test_issued_certificate_renders_and_verifies(home: Path) -> None:
    from snicert.db import engine as db
    from snicert.db.models import Certificate
    from tests.world import World

    w = World().setup_staff()
    app_id = w.new_application("abon")
    w.advance_to(app_id, "certified")
    with db.transaction() as s:
        cert = s.query(Certificate).one()
        data = cert.data
    key = ensure_keypair()
    r = render_certificate(data, PHOTO, key)
    for form in ("json", "pdf", "png", "html"):
        result = verify_file(getattr(r, form))  # this installation's keys, snicert's clock
        assert result.valid, result.reason
        assert result.number == data["number"] == cert.number


# --- snicert verify --------------------------------------------------------------------


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.fixture
def home_rendered(home_keys: KeyPair) -> render.Rendered:
    return render_certificate(sample_data(), PHOTO, home_keys)


@pytest.fixture
def frozen() -> Iterator[None]:
    clock.freeze(NOW)
    yield
    clock.reset()


@pytest.mark.parametrize("form", ["json", "pdf", "png"])
def test_cli_verify_valid(
    home_rendered: render.Rendered, tmp_path: Path, frozen: None, form: str
) -> None:
    path = _write(tmp_path, render.FILE_NAMES[form], getattr(home_rendered, form))
    result = CliRunner().invoke(cli, ["verify", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("valid: SNI-ABN-2026-0001, UMKM Abon Lay 1")


def test_cli_verify_changed_expired_and_unknown(
    home_rendered: render.Rendered, home_keys: KeyPair, tmp_path: Path, frozen: None
) -> None:
    forged = _forge(
        "png",
        home_rendered,
        home_keys,
        _tamper(home_rendered.credential, ("credentialSubject", "holder", "name")),
    )
    result = CliRunner().invoke(cli, ["verify", str(_write(tmp_path, "f.png", forged))])
    assert result.exit_code == 1 and "signature does not match" in result.output

    pdf = _write(tmp_path, "c.pdf", home_rendered.pdf)
    clock.freeze(datetime(2031, 1, 1, tzinfo=UTC))
    result = CliRunner().invoke(cli, ["verify", str(pdf)])
    assert result.exit_code == 1 and "expired: valid until 2030-11-24" in result.output
    clock.freeze(NOW)

    stranger = KeyPair.generate()
    other = _write(tmp_path, "keys.json", json.dumps({"keys": [stranger.public_jwk()]}).encode())
    result = CliRunner().invoke(cli, ["verify", str(pdf), "--keys", str(other)])
    assert result.exit_code == 1 and "unknown signing key" in result.output


def test_cli_verify_with_published_keys_elsewhere(
    home_rendered: render.Rendered, tmp_path: Path, frozen: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    published = _write(tmp_path, "published.json", json.dumps(public_keys()).encode())
    pdf = _write(tmp_path, "c.pdf", home_rendered.pdf)
    monkeypatch.setenv("SNICERT_HOME", str(tmp_path / "someone-else"))  # no local keys
    result = CliRunner().invoke(cli, ["verify", str(pdf)])
    assert result.exit_code == 1 and "no known public keys" in result.output
    result = CliRunner().invoke(cli, ["verify", str(pdf), "--keys", str(published)])
    assert result.exit_code == 0, result.output


class _Registry(BaseHTTPRequestHandler):
    statuses: dict[str, dict[str, Any]] = {}

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        number = self.path.rsplit("/", 1)[-1]
        body = self.statuses.get(number)
        if not self.path.startswith("/api/v1/certificates/") or body is None:
            self.send_response(404)
            self.end_headers()
            return
        raw = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def registry() -> Iterator[tuple[str, dict[str, dict[str, Any]]]]:
    statuses: dict[str, dict[str, Any]] = {}
    handler = type("Handler", (_Registry,), {"statuses": statuses})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", statuses
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.mark.parametrize(
    "status,code,text",
    [
        ("active", 0, "online: active"),
        ("suspended", 1, "online: suspended (Hasil survailan tidak memenuhi)"),
        ("withdrawn", 1, "online: withdrawn (Hasil survailan tidak memenuhi)"),
        ("expired", 1, "online: expired"),
    ],
)
def test_cli_verify_online(
    home_rendered: render.Rendered,
    tmp_path: Path,
    frozen: None,
    registry: tuple[str, dict[str, Any]],
    status: str,
    code: int,
    text: str,
) -> None:
    url, statuses = registry
    statuses["SNI-ABN-2026-0001"] = {
        **_record(home_rendered),
        "status": status,
        "reason": "Hasil survailan tidak memenuhi" if status != "active" else None,
    }
    pdf = _write(tmp_path, "c.pdf", home_rendered.pdf)
    result = CliRunner().invoke(cli, ["verify", str(pdf), "--online", url])
    assert result.exit_code == code, result.output
    assert text in result.output
    assert "valid: SNI-ABN-2026-0001" in result.output  # the offline check passed first


def _record(r: render.Rendered, **changes: Any) -> dict[str, Any]:
    """The registry's answer for the certificate in `r` (public.certificate_view's shape)."""
    d = r.credential["credentialSubject"]
    return {
        "number": d["number"],
        "status": "active",
        "holder": {"name": d["holder"]["name"]},
        "brand": d["brand"],
        "product": {"code": d["product"]["code"]},
        "issued_at": d["issued_at"],
        "valid_until": d["valid_until"],
        **changes,
    }


@pytest.mark.parametrize(
    "changes",
    [
        {"holder": {"name": "UMKM Lain"}},
        {"issued_at": "2026-11-25T09:00:00+08:00"},
    ],
)
def test_cli_verify_online_refuses_a_number_given_to_another_holder(
    home_rendered: render.Rendered,
    tmp_path: Path,
    frozen: None,
    registry: tuple[str, dict[str, Any]],
    changes: dict[str, Any],
) -> None:
    """A file signed for a number the registry gave to someone else (an issuance that
    crashed after signing) is not valid, however good its signature."""
    url, statuses = registry
    statuses["SNI-ABN-2026-0001"] = _record(home_rendered, **changes)
    pdf = _write(tmp_path, "c.pdf", home_rendered.pdf)
    result = CliRunner().invoke(cli, ["verify", str(pdf), "--online", url])
    assert result.exit_code == 1, result.output
    assert "belongs to another holder" in result.output
    assert next(iter(changes)) in result.output.split("belongs to another holder")[1]


def test_cli_verify_online_unknown_to_the_registry(
    home_rendered: render.Rendered,
    tmp_path: Path,
    frozen: None,
    registry: tuple[str, dict[str, Any]],
) -> None:
    pdf = _write(tmp_path, "c.pdf", home_rendered.pdf)
    result = CliRunner().invoke(cli, ["verify", str(pdf), "--online", registry[0]])
    assert result.exit_code == 1 and "not in the registry" in result.output


def test_verify_is_fast_enough_to_need_no_pixels(
    rendered: render.Rendered, known: dict[str, Any]
) -> None:
    for form in ("json", "pdf", "png"):
        data = getattr(rendered, form)
        best = min(_timed(lambda d=data: verify_file(d, known, NOW)) for _ in range(5))
        assert best < 0.05, (form, best)  # the target is 5 ms; generous for loaded CI


def _timed(fn: Any) -> float:
    import time

    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def test_kid_is_derived_from_the_key(key: KeyPair) -> None:
    assert kid_for(key.public_raw) == key.kid
