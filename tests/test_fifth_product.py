"""A fifth product is data only: kopi bubuk (SNI 2983:2014) written into a temporary
products/ and checklists/ folder, with its own documents, lab parameters, audit items,
sampling plan, surveillance block and tariff, goes from application to certificate with no
code naming it."""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from snicert import stages, synthetic
from snicert.catalog import default_catalog
from snicert.db import engine as db
from snicert.db.models import Certificate
from snicert.services import accounts, checklists, fees
from tests.world import World

REPO = Path(__file__).resolve().parents[1]
SRC = "source: {status: provisional, reference: SNI 2983:2014 Kopi bubuk (test data)}"

PRODUCT = """\
code: kopi
certificate_prefix: KPI
name: {id: Kopi bubuk, en: Ground coffee}
standards:
  - {number: "SNI 2983:2014", title: Kopi bubuk}
scope:
  id: Kopi bubuk produksi UMKM Kota Kupang dalam kemasan eceran tertutup.
  en: Ground coffee made by Kota Kupang micro enterprises, in closed retail packs.
scheme: {type: "5", validity_years: 4, surveillance_interval_months: 12, factory_audit: true}
documents:
  - {id: application_form, name: {id: Formulir permohonan, en: Application form},
     mandatory: true, file_types: [pdf], max_size_mb: 10}
  - {id: business_identity, name: {id: NIB, en: Business identity (NIB)},
     mandatory: true, file_types: [pdf, jpg, png]}
  - {id: roasting_record, name: {id: Catatan penyangraian, en: Roasting records},
     mandatory: true, file_types: [pdf]}
  - {id: product_photos, name: {id: Foto kemasan berlabel, en: Photos of the labelled pack},
     mandatory: true, file_types: [jpg, png], max_size_mb: 5}
sampling_plan:
  test_units: 4
  retained_units: 4
  unit_amount: {value: 200, unit: g}
  container: {id: "Kemasan asli tertutup, disegel", en: "Original closed pack, sealed"}
  retention_days: 90
  max_transit_hours: 72
surveillance:
  testing: true
  parameters: [moisture, caffeine]
  sampling_plan:
    test_units: 2
    retained_units: 2
    unit_amount: {value: 200, unit: g}
    container: {id: "Kemasan asli tertutup, disegel", en: "Original closed pack, sealed"}
    retention_days: 90
    max_transit_hours: 72
marking:
  - {id: Nama produk dan merek, en: Product name and brand}
  - {id: Berat bersih, en: Net weight}
service_standard_days: {screening: 2, document_review: 5, nonconformity_response: 10,
  sampling: 5, testing: 10, evaluation: 4, decision: 3, issuance: 2}
tariff:
  status: provisional
  legal_basis: {id: Tarif uji (data uji), en: Test tariff (test data)}
  reference: Test data, not a tariff.
  items:
    - {id: application_review, name: {id: Kaji ulang dokumen, en: Document review},
       amount_idr: 400000}
    - {id: testing, name: {id: Pengujian kopi bubuk, en: Testing ground coffee},
       amount_idr: 1800000}
"""

CHECKLIST = f"""\
product: kopi
version: 1
title: {{id: Daftar periksa kopi bubuk, en: Ground coffee checklist}}
acceptance: simple
result_counts: latest
document_items:
  - {{id: form_signed, text: {{id: Formulir ditandatangani., en: The form is signed.}},
     document: application_form, {SRC}}}
  - {{id: nib_matches, text: {{id: NIB sesuai formulir., en: The NIB matches the form.}},
     document: business_identity, {SRC}}}
  - {{id: roasting_logged, text: {{id: Suhu sangrai dicatat., en: Roast temperatures logged.}},
     document: roasting_record, {SRC}}}
  - {{id: label_shown, text: {{id: Label memuat berat bersih., en: The label shows net weight.}},
     document: product_photos, {SRC}}}
parameters:
  - {{id: odour, name: {{id: "Keadaan: bau", en: "Appearance: odour"}}, unit: "-",
     requirement: {{kind: sensory_normal}}, method: SNI 01-2891-1992, group: sensory, {SRC}}}
  - {{id: moisture, name: {{id: Kadar air, en: Moisture}}, unit: "%",
     requirement: {{kind: max, max: 7}}, method: SNI 01-2891-1992, {SRC}}}
  - {{id: caffeine, name: {{id: Kafein, en: Caffeine}}, unit: "%",
     requirement: {{kind: range, min: 0.45, max: 2}}, method: SNI 2983:2014 lampiran, {SRC}}}
  - {{id: lead, name: {{id: Timbal (Pb), en: Lead (Pb)}}, unit: mg/kg,
     requirement: {{kind: max, max: 2.0}}, method: SNI 2896:2008, group: contaminant, {SRC}}}
"""

AUDIT = f"""\
product: kopi
version: 1
title: {{id: Audit sarana produksi kopi bubuk, en: Ground coffee site audit}}
basis: cppb_irt
items:
  - {{id: ruang_sangrai, element: {{id: II. Bangunan, en: II. Building}},
     text: {{id: Ruang sangrai berventilasi., en: The roasting room is ventilated.}}, {SRC}}}
  - {{id: penggilingan, element: {{id: III. Peralatan, en: III. Equipment}},
     text: {{id: Mesin giling bersih., en: The grinder is clean.}}, {SRC}}}
"""


@pytest.fixture
def fifth(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The shipped data plus kopi, as SNICERT_DATA_DIR; the catalog read again."""
    data = tmp_path / "data"
    for folder in ("products", "checklists", "surveys"):
        shutil.copytree(REPO / folder, data / folder)
    (data / "products" / "kopi.yaml").write_text(PRODUCT)
    (data / "checklists" / "kopi.yaml").write_text(CHECKLIST)
    (data / "checklists" / "audit" / "kopi.yaml").write_text(AUDIT)
    monkeypatch.setenv("SNICERT_DATA_DIR", str(data))
    default_catalog.cache_clear()
    yield data
    monkeypatch.undo()
    default_catalog.cache_clear()


def test_fifth_product_from_data_to_certificate(fifth: Path, home: Path) -> None:
    catalog = default_catalog()
    assert len(catalog.products) == 5 and "kopi" in catalog.checklists
    with db.transaction() as s:  # what start-up does with the catalog's checklists
        checklists.sync(s, accounts.system_user(s), catalog)
    # the synthetic business data takes the product from the catalog ('kopi' is no list's)
    info = synthetic.business("kopi", 0, random.Random(1))
    assert info["business_name"].startswith("UMKM Kopi ") and info["brand"].startswith("Kopi ")

    w = World().setup_staff()
    app_id = w.new_application("kopi")
    w.advance_to(app_id, "evaluation")
    with db.reading() as s:  # quoted from kopi's own tariff
        assert fees.quotation(s, app_id).total_idr >= 400000 + 1800000
    app = w.app(app_id)
    assert [p["id"] for p in app.checklist_snapshot["parameters"]] == [
        "odour",
        "moisture",
        "caffeine",
        "lead",
    ]
    assert app.product_snapshot["sampling_plan"]["test_units"] == 4
    w.advance_to(app_id, "decision")
    stages.compile_evaluation(app_id)
    w.advance_to(app_id, "certified")
    with db.reading() as s:
        number = s.scalar(select(Certificate.number).where(Certificate.application_id == app_id))
    assert number is not None and number.startswith("SNI-KPI-")
