"""The applicant's pages and API: dossier, uploads (checked by content, re-encoded), submit,
and nothing of another business reachable whatever id is tried."""

from __future__ import annotations

import io
import re

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from snicert import config, storage, synthetic
from snicert.catalog import default_catalog
from snicert.db import engine as db
from snicert.db.models import Application, AuditEvent, Document
from snicert.messages import text
from snicert.web.app import create_app
from tests.world import World


def _register(client: TestClient, n: int) -> None:
    page = client.get("/register")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]
    r = client.post(
        "/register",
        data={
            "name": f"Pemilik {n}",
            "email": f"owner{n}@umkm.example",
            "password": "rahasia-123",
            "business_name": f"UMKM {n}",
            "nib": f"91000000000{n:02d}",
            "address": "Jl. Timor Raya",
            "city": "Kota Kupang",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert r.status_code == 200, r.text  # the same answer for a new and a taken e-mail
    token = re.search(r'name="csrf_token" value="([^"]+)"', r.text)[1]
    r = client.post(
        "/login",
        data={"email": f"owner{n}@umkm.example", "password": "rahasia-123", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


def _csrf(client: TestClient) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/me").text)[1]


@pytest.fixture
def two(home) -> tuple[TestClient, TestClient]:
    a, b = TestClient(create_app()), TestClient(create_app())
    _register(a, 1)
    _register(b, 2)
    World().setup_staff()  # approves the checklists
    return a, b


def _new_app(client: TestClient, product: str = "abon") -> int:
    r = client.post(
        "/applications",
        data={
            "product": product,
            "brand": "Abon Sei",
            "production_site": "Oebobo",
            "csrf_token": _csrf(client),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    return int(r.headers["location"].rsplit("/", 1)[1])


def _upload(client: TestClient, app_id: int, kind: str, name: str, data: bytes):
    return client.post(
        f"/applications/{app_id}/documents",
        data={"kind": kind, "csrf_token": _csrf(client)},
        files={"file": (name, data)},
    )


def _counts() -> tuple[int, int, int]:
    with db.transaction() as s:
        docs = s.scalar(select(func.count()).select_from(Document))
        events = s.scalar(select(func.count()).select_from(AuditEvent))
    blobs = (
        sum(1 for p in config.blob_dir().rglob("*") if p.is_file())
        if config.blob_dir().exists()
        else 0
    )
    return docs, events, blobs


def test_dossier_upload_and_submit(two) -> None:
    client, _ = two
    app_id = _new_app(client)
    for spec in default_catalog().product("abon").model_dump(mode="json")["documents"]:
        name, data = synthetic.document(spec, "abon", "UMKM 1")
        assert _upload(client, app_id, spec["id"], name, data).status_code == 200
    page = client.get(f"/applications/{app_id}").text
    assert page.count("✓") == len(default_catalog().product("abon").documents)
    assert 'name="agreement_version"' in page and "Perjanjian Sertifikasi" in page
    # without ticking the agreement the submission is refused, saying so, and stays a draft
    r = client.post(f"/applications/{app_id}/submit", data={"csrf_token": _csrf(client)})
    assert r.status_code == 422 and 'data-state="draft"' in r.text
    assert "perjanjian sertifikasi" in r.text
    r = client.post(
        f"/applications/{app_id}/submit",
        data={"csrf_token": _csrf(client), "agreement_version": "1"},
    )
    assert r.status_code == 200 and 'data-state="submitted"' in r.text
    assert "application.submitted" in r.text  # the timeline
    # the quotation, numbered, from abon's tariff: a page and its PDF
    total = default_catalog().product("abon").tariff.total_idr
    assert f'data-total="{total}"' in r.text
    q = client.get(f"/applications/{app_id}/quotation")
    assert q.status_code == 200 and "PNW-" in q.text and f'data-total="{total}"' in q.text
    pdf = client.get(f"/applications/{app_id}/quotation.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def test_form_errors_stand_next_to_the_field(two) -> None:
    client, _ = two
    r = client.post(
        "/applications",
        data={
            "product": "abon",
            "brand": " ",
            "production_site": "Oebobo",
            "csrf_token": _csrf(client),
        },
    )
    assert r.status_code == 422 and 'id="brand-error"' in r.text


def _bomb() -> bytes:
    out = io.BytesIO()
    Image.new("L", (9000, 5000)).save(out, "PNG")  # 45 megapixels of nothing, a small file
    return out.getvalue()


@pytest.mark.parametrize(
    ("case", "kind", "name", "data", "message"),
    [
        (
            "png renamed .pdf",
            "application_form",
            "surat.pdf",
            synthetic.photo("abon", "x", 1, "PNG"),
            text("up_type", "id"),
        ),
        (
            "text renamed .jpg",
            "product_photos",
            "foto.jpg",
            b"hello, not an image",
            text("up_type", "id"),
        ),
        ("empty", "product_photos", "foto.jpg", b"", text("up_empty", "id")),
        (
            "over the document's 5 MB",
            "npwp",
            "npwp.pdf",
            b"%PDF-1.4\n" + b"0" * (6 * 2**20),
            text("up_too_large", "id", limit="5"),
        ),
        (
            "decompression bomb",
            "product_photos",
            "bom.png",
            _bomb(),
            text("up_image_too_large", "id"),
        ),
        (
            "truncated image",
            "product_photos",
            "rusak.jpg",
            synthetic.photo("abon", "x", 1)[:400],
            text("up_image_unreadable", "id"),
        ),
        (
            "unknown kind",
            "../../etc/passwd",
            "x.pdf",
            synthetic.pdf("x"),
            text("app_err_doc_kind", "id"),
        ),
    ],
)
def test_bad_uploads_are_refused_and_nothing_changes(two, case, kind, name, data, message):
    client, _ = two
    app_id = _new_app(client)
    before = _counts()
    r = _upload(client, app_id, kind, name, data)
    assert 400 <= r.status_code < 500, (case, r.status_code)
    assert message in r.text, r.text  # the Indonesian text of the refusal's message key
    assert _counts() == before


def test_file_names_are_never_paths(two) -> None:
    client, _ = two
    app_id = _new_app(client)
    r = _upload(
        client, app_id, "application_form", "../../../../tmp/evil.pdf", synthetic.pdf("surat")
    )
    assert r.status_code == 200
    with db.transaction() as s:
        doc = s.scalar(select(Document))
        assert doc.filename == "evil.pdf"
        assert storage.blob_path(doc.sha256).is_relative_to(config.blob_dir())


def test_images_are_reencoded_without_metadata(two) -> None:
    client, _ = two
    app_id = _new_app(client)
    img = Image.new("RGB", (320, 240), (120, 60, 30))
    exif = Image.Exif()
    exif[0x010F] = "KameraRahasia"  # Make
    exif[0x8825] = {2: (8, 30, 0)}  # GPS info
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes())
    assert b"KameraRahasia" in out.getvalue()
    assert _upload(client, app_id, "product_photos", "foto.jpg", out.getvalue()).status_code == 200
    with db.transaction() as s:
        stored = storage.get(s.scalar(select(Document.sha256)))
    assert b"KameraRahasia" not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()


def test_nothing_of_another_business_is_reachable(two) -> None:
    a, b = two
    app_id = _new_app(a)
    assert b.get(f"/applications/{app_id}").status_code == 404
    assert b.get(f"/api/v1/applications/{app_id}").status_code == 404
    assert b.get(f"/applications/{app_id}/certificate.pdf").status_code == 404
    before = _counts()
    r = _upload(b, app_id, "application_form", "x.pdf", synthetic.pdf("x"))
    assert r.status_code == 404
    assert (
        b.post(f"/applications/{app_id}/submit", data={"csrf_token": _csrf(b)}).status_code == 404
    )
    assert _counts() == before
    assert [x["id"] for x in b.get("/api/v1/applications").json()["items"]] == []
    assert [x["id"] for x in a.get("/api/v1/applications").json()["items"]] == [app_id]
    for guess in range(app_id + 1, app_id + 5):  # ids that do not exist look the same
        assert b.get(f"/applications/{guess}").status_code == 404


def test_api_with_a_token(two) -> None:
    from snicert.services import sessions
    from snicert.services.guards import user_by_email

    with db.transaction() as s:
        token, _ = sessions.create_api_token(s, user_by_email(s, "owner1@umkm.example"), "app")
    api = TestClient(create_app(), headers={"Authorization": f"Bearer {token}"})
    made = api.post(
        "/api/v1/applications",
        json={"product": "sasando", "brand": "Sasando Rote", "production_site": "Kupang"},
    )
    assert made.status_code == 201 and made.json()["state"] == "draft"
    app_id = made.json()["id"]
    up = api.post(
        f"/api/v1/applications/{app_id}/documents",
        data={"kind": "npwp"},
        files={"file": ("npwp.pdf", synthetic.pdf("NPWP"))},
    )
    assert up.status_code == 201 and up.json()["media_type"] == "application/pdf"
    bad = api.post(
        f"/api/v1/applications/{app_id}/documents",
        data={"kind": "npwp"},
        files={"file": ("npwp.pdf", b"")},
    )
    assert bad.status_code == 422 and "empty" in bad.json()["detail"]
    # an incomplete dossier is refused, naming every mandatory document still missing
    specs = default_catalog().product("sasando").model_dump(mode="json")["documents"]
    refused = api.post(f"/api/v1/applications/{app_id}/submit", json={"agreement_version": 1})
    body = refused.json()
    assert refused.status_code == 422 and body["field"] == "documents", body
    missing = [d for d in specs if d["mandatory"] and d["id"] != "npwp"]
    assert all(d["id"] in body["detail"] for d in missing) and "'npwp'" not in body["detail"]
    assert body["message"].startswith(f"Belum bisa diajukan. Masih kurang {len(missing)} dokumen")
    assert all(d["name"]["id"] in body["message"] for d in missing)
    english = api.post(f"/api/v1/applications/{app_id}/submit?lang=en", json={})
    assert all(d["name"]["en"] in english.json()["message"] for d in missing)
    for d in missing:
        name, data = synthetic.document(d, "sasando", "UMKM 1")
        up = api.post(
            f"/api/v1/applications/{app_id}/documents",
            data={"kind": d["id"]},
            files={"file": (name, data)},
        )
        assert up.status_code == 201
    refused = api.post(f"/api/v1/applications/{app_id}/submit")
    assert refused.status_code == 422 and "agreement_version" in refused.json()["detail"]
    assert api.get("/api/v1/agreement").json()["version"] == 1
    done = api.post(f"/api/v1/applications/{app_id}/submit", json={"agreement_version": 1})
    assert done.json()["state"] == "submitted"
    assert done.json()["quotation"]["number"].startswith("PNW-")
    with db.transaction() as s:
        assert s.get(Application, app_id).checklist_snapshot is not None
