"""The export for BSN: which certificates and applications fall in a period and why, the
files (CSV, XLSX, JSON) against the shipped JSON Schema, refusals, and who may export."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import jsonschema
import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from snicert import clock
from snicert.cli import app as cli
from snicert.db import engine as db
from snicert.db.models import AuditEvent, Certificate
from snicert.services import certificates, decisions
from snicert.services.bsn_export import RECORDS
from snicert.web.app import create_app
from tests.test_web_staff import bearer
from tests.world import World

SCHEMA_FILE = Path(__file__).parent.parent / "docs" / "bsn-export.schema.json"
SCHEMA = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
CHECKER = jsonschema.Draft202012Validator.FORMAT_CHECKER


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def certified(w: World, product: str, at: datetime) -> tuple[int, str, int]:
    clock.freeze(at)
    app_id = w.new_application(product)
    w.advance_to(app_id, "certified")
    with db.reading() as s:
        cert = s.scalar(select(Certificate).where(Certificate.application_id == app_id))
        return app_id, cert.number, cert.id


def change(w: World, at: datetime, fn, *args, who: str = "decider") -> None:
    clock.freeze(at)
    with db.transaction() as s:
        fn(s, w.user(s, who), *args)


@pytest.fixture
def history(home) -> tuple[World, dict[str, str]]:
    """A small history around the first quarter of 2026 (WITA = UTC+8)."""
    w = World().setup_staff()
    n: dict[str, str] = {}
    _, n["E"], e = certified(w, "emping", utc(2022, 1, 15, 2))  # valid until 2026-01-15
    _, n["C"], c = certified(w, "sasando", utc(2025, 12, 20, 2))  # before the period
    _, n["A"], a = certified(w, "abon", utc(2026, 1, 10, 2))
    _, n["B"], b = certified(w, "tenun_ikat", utc(2026, 1, 20, 2))
    fix_by = utc(2026, 3, 30)
    change(w, utc(2026, 2, 5, 3), certificates.suspend, a, "Penandaan SNI tidak sesuai", fix_by)
    change(w, utc(2026, 2, 15, 3), certificates.withdraw, b, "Usaha berhenti berproduksi")
    # refused: moisture fails
    clock.freeze(utc(2026, 2, 10, 2))
    d = w.new_application("abon")
    w.advance_to(d, "evaluation", failing={"moisture"})
    with db.transaction() as s:
        w.evaluate(s, d)
    change(w, utc(2026, 2, 12, 2), decisions.decide, d, "refuse", "Kadar air melebihi batas")
    # received in the period, certified after it
    clock.freeze(utc(2026, 3, 20, 2))
    h = w.new_application("tenun_ikat")
    w.advance_to(h, "sampling")
    # the last evening of the period in WITA, and the first minutes after it
    _, n["F"], _ = certified(w, "abon", utc(2026, 3, 31, 15, 30))  # 23:30 WITA, 31 March
    _, n["G"], _ = certified(w, "emping", utc(2026, 3, 31, 16, 10))  # 00:10 WITA, 1 April
    # after the period: none of this shows, statuses stay as they were at its end
    change(w, utc(2026, 4, 2, 2), certificates.suspend, c, "Di luar periode", None)
    change(w, utc(2026, 4, 2, 3), certificates.expire, e, who="system")  # the sweep, late
    change(w, utc(2026, 4, 10, 2), certificates.reinstate, a, "Perbaikan diterima")
    clock.freeze(utc(2026, 4, 5, 2))
    w.advance_to(h, "certified")
    clock.freeze(utc(2026, 11, 1, 2))
    n["D"], n["H"] = w.app(d).number, w.app(h).number
    n["app_A"] = _app_number(n["A"])
    n["app_B"] = _app_number(n["B"])
    n["app_F"] = _app_number(n["F"])
    return w, n


def _app_number(cert_number: str) -> str:
    with db.reading() as s:
        return s.scalar(select(Certificate).where(Certificate.number == cert_number)).data[
            "application"
        ]


def _export(runner: CliRunner, tmp_path: Path, what: str, fmt: str) -> bytes:
    out = tmp_path / f"{what}.{fmt}"
    r = runner.invoke(
        cli,
        ["export", what, "--from", "2026-01-01", "--to", "2026-03-31", "--format", fmt]
        + ["--output", str(out), "--as", "reviewer@lspro.example", "--password-stdin"],
        input="rahasia-123\n",
    )
    assert r.exit_code == 0, r.output
    return out.read_bytes()


def _validate_rows(rows: list[dict[str, str]], record: str) -> None:
    """CSV cells against the schema's record: empty cells are none."""
    schema = {"$defs": SCHEMA["$defs"], "$ref": f"#/$defs/{record}"}
    for row in rows:
        jsonschema.validate(
            {k: (v or None) for k, v in row.items()}, schema, format_checker=CHECKER
        )


def test_the_period_holds_what_happened_in_it(history, tmp_path: Path) -> None:
    _, n = history
    runner = CliRunner()

    doc = json.loads(_export(runner, tmp_path, "certificates", "json"))
    jsonschema.validate(doc, SCHEMA, format_checker=CHECKER)
    assert doc["kind"] == "certificates" and doc["count"] == 6
    assert doc["lspro_accreditation"] == "LSPr-099-IDN"
    assert doc["period"] == {"from": "2026-01-01", "to": "2026-03-31", "timezone": "Asia/Makassar"}
    got = [
        (r["certificate_number"], r["event"], r["event_date"], r["event_reason"])
        + (r["status"], r["status_reason"])
        for r in doc["records"]
    ]
    suspended = "Penandaan SNI tidak sesuai"
    withdrawn = "Usaha berhenti berproduksi"
    assert got == [
        # suspended on 5 February, reinstated only on 10 April: suspended at the period's end
        (n["A"], "issued", "2026-01-10", None, "suspended", suspended),
        # lapsed on 15 January (the sweep recorded it in April): expired
        (n["E"], "expired", "2026-01-15", None, "expired", "validity ended"),
        (n["B"], "issued", "2026-01-20", None, "withdrawn", withdrawn),
        (n["A"], "suspended", "2026-02-05", suspended, "suspended", suspended),
        (n["B"], "withdrawn", "2026-02-15", withdrawn, "withdrawn", withdrawn),
        # 23:30 WITA on the last day is in; G, at 00:10 WITA the next day, is not
        (n["F"], "issued", "2026-03-31", None, "active", None),
    ]
    first = doc["records"][0]
    assert first["sni_number"] == "SNI 01-3707-1995; SNI 7690:2019"
    assert first["product_code"] == "abon" and first["scheme"] == "5"
    assert first["issued_on"] == "2026-01-10" and first["valid_until"] == "2030-01-10"
    assert len(first["nib"]) == 13 and first["city"] == "Kota Kupang"

    apps = json.loads(_export(runner, tmp_path, "applications", "json"))
    jsonschema.validate(apps, SCHEMA, format_checker=CHECKER)
    got = [
        (r["application_number"], r["received_on"], r["state"], r["state_reason"])
        + (r["closed_on"], r["certificate_number"])
        for r in apps["records"]
    ]
    assert got == [
        (n["app_A"], "2026-01-10", "certified", None, "2026-01-10", n["A"]),
        (n["app_B"], "2026-01-20", "certified", None, "2026-01-20", n["B"]),
        (n["D"], "2026-02-10", "refused", "Kadar air melebihi batas", "2026-02-12", None),
        (n["H"], "2026-03-20", "sampling", None, None, None),  # certified in April
        (n["app_F"], "2026-03-31", "certified", None, "2026-03-31", n["F"]),
    ]

    # CSV: the same records, one header of field names, every row valid
    for what, record, count in (
        ("certificates", "CertificateRecord", 6),
        ("applications", "ApplicationRecord", 5),
    ):
        data = _export(runner, tmp_path, what, "csv")
        assert data.startswith("\ufeff".encode())
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
        assert len(rows) == count
        assert list(rows[0]) == list(RECORDS[what].model_fields)
        _validate_rows(rows, record)
    # the workbook opens; records on the first sheet, what each column means on the second
    wb = openpyxl.load_workbook(io.BytesIO(_export(runner, tmp_path, "certificates", "xlsx")))
    assert wb.sheetnames == ["Sertifikat", "Keterangan"]
    sheet = list(wb["Sertifikat"].iter_rows(values_only=True))
    assert list(sheet[0]) == list(RECORDS["certificates"].model_fields)
    assert len(sheet) == 7
    row = dict(zip(sheet[0], sheet[1], strict=True))
    assert row["certificate_number"] == n["A"] and row["event_date"].date() == date(2026, 1, 10)
    about = [c for r in wb["Keterangan"].iter_rows(values_only=True) for c in r if c]
    assert any("LSPr-099-IDN" in str(c) for c in about)
    assert "Nomor sertifikat SPPT SNI" in about and "certificate_number" in about

    # each export is in the audit log: who took which data
    with db.reading() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "export.generated")).all()
        assert len(events) == 5  # json x2, csv x2, xlsx
        assert events[-1].actor == "reviewer@lspro.example" and json.loads(events[-1].data) == {
            "what": "certificates",
            "period_from": "2026-01-01",
            "period_to": "2026-03-31",
            "format": "xlsx",
            "records": 6,
        }


def test_officials_download_it_through_the_api(history) -> None:
    w_token = bearer(history[0], "reviewer")
    client = TestClient(create_app(), base_url="https://testserver")
    r = client.get(
        "/api/v1/exports/certificates",
        params={"from": "2026-01-01", "to": "2026-03-31", "format": "json"},
        headers=w_token,
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    assert r.headers["content-disposition"] == (
        "attachment; filename*=UTF-8''bsn-certificates-2026-01-01_2026-03-31.json"
    )
    body = r.json()
    jsonschema.validate(body, SCHEMA, format_checker=CHECKER)
    assert body["count"] == 6
    r = client.get(
        "/api/v1/exports/applications",
        params={"from": "2026-01-01", "to": "2026-03-31", "format": "xlsx"},
        headers=w_token,
    )
    assert r.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["Permohonan", "Keterangan"]
    assert wb["Permohonan"].max_row == 6
    r = client.get(
        "/api/v1/exports/certificates",
        params={"from": "2026-01-01", "to": "2026-03-31"},
        headers=w_token,
    )
    assert r.headers["content-type"] == "text/csv; charset=utf-8"  # csv by default
    assert len(r.text.splitlines()) == 7


def test_exports_stream_in_pieces_equal_to_the_whole_file(history, monkeypatch) -> None:
    """Streamed by chunks of applications and batches of records (here 2 at a time), each
    format gives the same records as the export built in memory, and the API's answer is
    that stream."""
    from snicert import export_files
    from snicert.services import bsn_export
    from snicert.services.bsn_export import ExportQuery

    monkeypatch.setattr(bsn_export, "CHUNK", 2)
    monkeypatch.setattr(export_files, "BATCH", 2)
    for what in ("applications", "certificates"):
        for fmt in ("csv", "json", "xlsx"):
            query = ExportQuery.model_validate(
                {"from": "2026-01-01", "to": "2026-03-31"} | {"format": fmt}
            )
            with db.transaction() as s:
                whole = bsn_export.build(s, "cli", what, query)
                pieces = list(export_files.stream(bsn_export.prepare(s, "cli", what, query)))
            assert whole.root.count >= 5
            if fmt == "csv":
                assert len(pieces) >= 3  # the header, then batches of two records
                assert b"".join(pieces) == export_files.render(whole, fmt)
            elif fmt == "json":
                streamed = json.loads(b"".join(pieces))
                jsonschema.validate(streamed, SCHEMA, format_checker=CHECKER)
                expected = json.loads(export_files.render(whole, fmt))
                assert streamed["records"] == expected["records"]
                assert streamed["count"] == len(streamed["records"]) == whole.root.count
            else:
                book = openpyxl.load_workbook(io.BytesIO(b"".join(pieces)))
                rows = list(book.worksheets[0].iter_rows(min_row=2, values_only=True))
                assert len(rows) == whole.root.count
    client = TestClient(create_app(), base_url="https://testserver")
    r = client.get(
        "/api/v1/exports/applications",
        params={"from": "2026-01-01", "to": "2026-03-31", "format": "csv"},
        headers=bearer(history[0], "reviewer"),
    )
    assert r.status_code == 200 and "content-length" not in r.headers  # streamed
    assert len(r.text.splitlines()) == whole_count_plus_header(history)


def whole_count_plus_header(history) -> int:
    from snicert.services import bsn_export
    from snicert.services.bsn_export import ExportQuery

    query = ExportQuery.model_validate({"from": "2026-01-01", "to": "2026-03-31"})
    with db.reading() as s:
        return bsn_export.prepare(s, "cli", "applications", query).count + 1


BAD = [
    ({"from": "2026-13-01", "to": "2026-12-31"}, "from", "--from", "not a day of the calendar"),
    ({"from": "01/02/2026", "to": "2026-12-31"}, "from", "--from", "YYYY-MM-DD"),
    ({"from": "1767225600", "to": "2026-12-31"}, "from", "--from", "YYYY-MM-DD"),
    ({"from": "2026-01-01T00:00", "to": "2026-12-31"}, "from", "--from", "YYYY-MM-DD"),
    ({"from": "2026-03-01", "to": "2026-02-01"}, "to", "--to", "before from"),
    ({"from": "1900-01-01", "to": "2026-02-01"}, "from", "--from", "2000-01-01 or later"),
    ({"from": "2026-01-01", "to": "2999-02-01"}, "to", "--to", "at most 10 years"),
    ({"from": "2099-01-01", "to": "2099-02-01"}, "from", "--from", "after today"),
    ({"from": "2026-01-01", "to": "2026-02-01", "format": "pdf"}, "format", "--format", "csv"),
]


@pytest.mark.parametrize(("query", "field", "option", "why"), BAD)
def test_bad_periods_and_formats_are_refused(home, query, field, option, why) -> None:
    clock.freeze(utc(2026, 11, 1, 2))
    runner = CliRunner()
    args = ["export", "certificates", "--from", query["from"], "--to", query["to"]]
    args += ["--format", query.get("format", "csv"), "--output", str(home / "x.csv")]
    args += ["--as", "reviewer@lspro.example", "--password-stdin"]  # not asked: refused before
    r = runner.invoke(cli, args)
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith(f"error: {option} ") and why in r.stderr, r.stderr
    assert not (home / "x.csv").exists()
    headers = bearer(World().setup_staff(), "reviewer")
    r = TestClient(create_app()).get("/api/v1/exports/certificates", params=query, headers=headers)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field and why in r.json()["detail"]


def test_only_officials_export(home) -> None:
    w = World().setup_staff()
    w.applicant("abon", "applicant0")
    client = TestClient(create_app())
    params = {"from": "2026-01-01", "to": "2026-03-31"}
    for path in ("/api/v1/exports/certificates", "/api/v1/exports/applications"):
        assert client.get(path, params=params).status_code == 401
        for name in ("applicant0", "sampler", "analyst", "verifier", "labboth"):
            r = client.get(path, params=params, headers=bearer(w, name))
            assert r.status_code == 403, (name, r.text)
        assert client.get(path, params=params, headers=bearer(w, "reviewer")).status_code == 200


def test_a_period_is_days_in_the_site_time_zone(home) -> None:
    from snicert.services.bsn_export import ExportQuery

    q = ExportQuery.model_validate({"from": "2026-01-01", "to": "2026-01-31"})
    start, end = q.bounds()
    assert start == utc(2025, 12, 31, 16) and end == utc(2026, 1, 31, 16)
    assert end - start == timedelta(days=31)


def test_officials_export_from_a_page(history) -> None:
    from tests.test_web_staff import error_next_to, sign_in

    b = sign_in(create_app(), "reviewer@lspro.example")
    r = b.get("/exports")
    assert r.status_code == 200 and 'action="/exports"' in r.text
    assert 'value="2026-10-01"' in r.text and 'value="2026-10-31"' in r.text  # last month
    form = {"what": "certificates", "from": "2026-01-01", "to": "2026-03-31", "format": "csv"}
    r = b.post("/exports", form)
    assert r.status_code == 200
    assert r.headers["content-disposition"].endswith("bsn-certificates-2026-01-01_2026-03-31.csv")
    assert len(r.content.decode("utf-8-sig").splitlines()) == 7
    # refused: the form again, each message next to its field, in Indonesian
    r = b.post("/exports", {**form, "from": "2026-04-01", "format": "pdf"})
    assert r.status_code == 422 and "text/html" in r.headers["content-type"]
    assert error_next_to(r.text, "f-to") == "Tanggal akhir sebelum tanggal awal (2026-04-01)."
    assert error_next_to(r.text, "f-format") == "Pilih salah satu yang tersedia."
    r = b.post("/exports?lang=en", {**form, "from": "31-01-2026"})
    assert error_next_to(r.text, "f-from") == "Write the date as YYYY-MM-DD, e.g. 2026-01-31."
    assert b.post("/exports", form, csrf=False).status_code == 403
