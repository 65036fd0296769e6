"""The shipped product/checklist/unit files, and how broken files are reported."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from snicert.catalog import Catalog, DataError, Problem, load_catalog
from snicert.catalog.schema import SCHEMAS, render
from snicert.cli import app

ROOT = Path(__file__).resolve().parents[1]
# the shipped products are the files under products/ (a product is data: adding one's
# files adds it here, no list to edit)
CODES = {
    p.stem for p in (ROOT / "products").glob("*.yaml") if p.stem not in ("agreement", "holidays")
}
ABON_REFERENCE = (
    "SNI 01-3707-1995, syarat mutu (table reproduced in a thesis citing the "
    "standard; see shared/DOMAIN.md)"
)
# SNI 01-3707-1995 syarat mutu, as in shared/DOMAIN.md: id -> (kind, limit)
ABON_TABLE: dict[str, tuple[str, str | None]] = {
    "sensory_shape": ("sensory_normal", None),
    "sensory_odour": ("sensory_normal", None),
    "sensory_taste": ("sensory_normal", None),
    "sensory_colour": ("sensory_normal", None),
    "moisture": ("max", "7"),
    "ash": ("max", "7"),
    "acid_insoluble_ash": ("max", "0.1"),
    "fat": ("max", "30"),
    "protein": ("min", "15"),
    "crude_fibre": ("max", "1.0"),
    "total_sugar": ("max", "30"),
    "mercury": ("max", "0.05"),
    "lead": ("max", "2.0"),
    "copper": ("max", "20.0"),
    "zinc": ("max", "40.0"),
    "tin": ("max", "40.0"),
    "arsenic": ("max", "1.0"),
    "total_plate_count": ("max", "50000"),
    "coliform": ("max", "10"),
    "salmonella": ("negative", None),
}
ABON_IDS = [*ABON_TABLE, "staphylococcus_aureus"]


# ---------------------------------------------------------------- helpers


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A private copy of the shipped products/, checklists/ and surveys/ to corrupt."""
    for folder in ("products", "checklists", "surveys"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


def load(data: Path) -> Catalog:
    return load_catalog([data / "products", data / "checklists"])


def only_problem(data: Path) -> Problem:
    with pytest.raises(DataError) as exc:
        load(data)
    problems = exc.value.problems
    assert len(problems) == 1, "\n".join(str(p) for p in problems)
    return problems[0]


def edit(path: Path, old: str, new: str, after: str = "") -> int:
    """Replace the first `old` that follows `after`; return the 1-based line it was on."""
    text = path.read_text(encoding="utf-8")
    start = text.index(after) if after else 0
    at = text.index(old, start)
    path.write_text(text[:at] + new + text[at + len(old) :], encoding="utf-8")
    return text.count("\n", 0, at) + 1


def has_no_value(problem: Problem) -> bool:
    return "(value:" not in str(problem)


# ---------------------------------------------------------------- the shipped data


def test_shipped_data_loads_every_product_each_with_a_checklist() -> None:
    cat = load_catalog([ROOT / "products", ROOT / "checklists"])
    assert set(cat.products) == CODES
    assert set(cat.checklists) == CODES
    prefixes = [p.certificate_prefix for p in cat.products.values()]
    assert len(set(prefixes)) == len(CODES)
    for code, product in cat.products.items():
        assert cat.files[("products", code)].name == f"{code}.yaml"
        assert product.scheme.type == "5"
        assert product.scheme.validity_years == 4
        assert product.scheme.surveillance_interval_months == 12
        days = product.service_standard_days.model_dump()
        # the site audit runs beside sampling and testing: its days overlap theirs; the
        # payment's days are the applicant's and the cashier's, outside the 41 of the body
        payment = days["payment"] + days["payment_check"]
        assert (days["payment"], days["payment_check"]) == (10, 2)
        assert sum(days.values()) - days["site_audit"] - payment == 41
        # tenun_ikat v2 gave its dimensional changes their own domain (negative %)
        assert cat.checklists[code].version == (2 if code == "tenun_ikat" else 1)
        docs = {d.id for d in product.documents if d.mandatory}
        assert {"application_form", "declaration_of_conformity", "product_photos"} <= docs


def test_abon_checklist_has_exactly_the_sni_table_parameters() -> None:
    cat = load_catalog([ROOT / "products", ROOT / "checklists"])
    abon = cat.checklists["abon"]
    assert sorted(p.id for p in abon.parameters) == sorted(ABON_IDS)
    assert len(abon.parameters) == len(ABON_IDS)
    for pid, (kind, limit) in ABON_TABLE.items():
        param = abon.parameter(pid)
        assert param.requirement.kind == kind, pid
        if limit is not None:
            assert getattr(param.requirement, kind) == Decimal(limit), pid
        assert param.source.status == "verified", pid
        assert param.source.reference == ABON_REFERENCE, pid
    staph = abon.parameter("staphylococcus_aureus")
    assert staph.source.status == "provisional"
    assert "placeholder" in staph.source.reference.lower()
    assert abon.parameter("salmonella").unit == "/25 g"
    assert abon.parameter("total_plate_count").unit == "colonies/g"
    assert "SNI 7690:2019" in [s.number for s in cat.products["abon"].standards]


@pytest.mark.parametrize("code", ["emping", "tenun_ikat", "sasando"])
def test_checklists_without_a_limit_table_are_all_provisional(code: str) -> None:
    cat = load_catalog([ROOT / "products", ROOT / "checklists"])
    params = cat.checklists[code].parameters
    assert params
    assert [p.id for p in params if p.source.status != "provisional"] == []


def test_standards_not_found_are_marked() -> None:
    cat = load_catalog([ROOT / "products", ROOT / "checklists"])
    status = {code: [s.status for s in p.standards] for code, p in cat.products.items()}
    assert status["tenun_ikat"] == ["not_found"]
    assert status["sasando"] == ["not_found"]
    assert status["emping"] == ["confirmed"]
    assert [s.number for s in cat.products["emping"].standards] == ["SNI 01-3712-1995"]


def test_every_document_item_and_unit_resolves() -> None:
    cat = load_catalog([ROOT / "products", ROOT / "checklists"])
    for code, cl in cat.checklists.items():
        docs = {d.id for d in cat.products[code].documents}
        assert 8 <= len(cl.document_items) <= 14, code
        for item in cl.document_items:
            assert item.document is None or item.document in docs
        for p in cl.parameters:
            unit = cat.unit(p.unit)
            if p.requirement.kind in ("max", "min", "range"):
                assert unit.numeric, (code, p.id)
    assert cat.unit("ppm").id == "mg/kg"
    assert cat.unit("CFU/g").id == cat.unit("koloni/g").id == "colonies/g"
    assert cat.unit("APM/g").id == "MPN/g"
    assert cat.unit("-").numeric is False


# ---------------------------------------------------------------- broken copies


def test_duplicate_parameter_id(data: Path) -> None:
    f = data / "checklists" / "abon.yaml"
    line = edit(f, "- id: ash\n", "- id: moisture\n")
    p = only_problem(data)
    assert p.file == str(f)
    assert p.path == "parameters[5].id"
    assert p.value == "moisture"
    assert "duplicate parameter id 'moisture'" in p.message
    assert "parameters[4]" in p.message  # where the first one is
    assert p.line == line
    assert str(p).startswith(f"{f}:{line}: parameters[5].id: ")


def test_duplicate_document_item_id(data: Path) -> None:
    f = data / "checklists" / "emping.yaml"
    line = edit(f, "- id: npwp_present\n", "- id: application_complete\n")
    p = only_problem(data)
    assert (p.file, p.path, p.value) == (str(f), "document_items[2].id", "application_complete")
    assert "duplicate document item id" in p.message
    assert p.line == line


def test_unknown_unit(data: Path) -> None:
    f = data / "checklists" / "emping.yaml"
    line = edit(f, "unit: MPN/g\n", "unit: MPN/ml\n")
    p = only_problem(data)
    assert (p.file, p.path, p.value) == (str(f), "parameters[16].unit", "MPN/ml")
    assert "unknown unit" in p.message
    assert p.line == line


def test_requirement_unit_must_be_numeric(data: Path) -> None:
    f = data / "checklists" / "abon.yaml"
    edit(f, 'unit: "%"', 'unit: "-"', after="- id: fat\n")
    p = only_problem(data)
    assert (p.file, p.path, p.value) == (str(f), "parameters[7].unit", "-")
    assert "max requirement needs a numeric unit" in p.message


def test_unknown_requirement_kind(data: Path) -> None:
    f = data / "checklists" / "abon.yaml"
    line = edit(f, "{kind: min, min: 15}", "{kind: minimum, min: 15}")
    p = only_problem(data)
    assert (p.file, p.path, p.value) == (str(f), "parameters[8].requirement.kind", "minimum")
    assert "'minimum'" in p.message and "'sensory_normal'" in p.message
    assert p.line == line


def test_range_with_min_above_max(data: Path) -> None:
    f = data / "checklists" / "tenun_ikat.yaml"
    edit(f, "{kind: range, min: 10, max: 40}", "{kind: range, min: 50, max: 40}")
    p = only_problem(data)
    assert (p.file, p.path) == (str(f), "parameters[5].requirement")
    assert p.value == {"kind": "range", "min": 50, "max": 40}
    assert "min 50 is greater than max 40" in p.message


def test_missing_source(data: Path) -> None:
    f = data / "checklists" / "abon.yaml"
    text = f.read_text(encoding="utf-8")
    block = text.index("    source:\n", text.index("- id: staphylococcus_aureus"))
    f.write_text(text[:block], encoding="utf-8")  # the last parameter's source, cut off
    p = only_problem(data)
    assert (p.file, p.path) == (str(f), "parameters[20].source")
    assert p.message == "Field required"
    assert has_no_value(p)


def test_source_with_empty_reference(data: Path) -> None:
    f = data / "checklists" / "abon.yaml"
    line = edit(f, f"reference: {ABON_REFERENCE}", 'reference: ""', after="- id: moisture\n")
    p = only_problem(data)
    assert (p.file, p.path, p.value) == (str(f), "parameters[4].source.reference", "")
    assert "at least 1 character" in p.message
    assert p.line == line


def test_unknown_key_typo(data: Path) -> None:
    f = data / "checklists" / "tenun_ikat.yaml"
    line = edit(f, "group: material\n", "grup: material\n")
    p = only_problem(data)
    assert (p.file, p.path, p.value) == (str(f), "parameters[14].grup", "material")
    assert "Extra inputs are not permitted" in p.message
    assert p.line == line


def test_duplicate_yaml_key_does_not_pass_silently(data: Path) -> None:
    f = data / "checklists" / "abon.yaml"
    line = edit(f, "{kind: max, max: 7}", "{kind: max, max: 7, max: 70}")
    p = only_problem(data)
    assert (p.file, p.path, p.value) == (str(f), "parameters[4].requirement.max", "max")
    assert "duplicate key" in p.message
    assert p.line == line


def test_checklist_for_an_unknown_product(data: Path) -> None:
    f = data / "checklists" / "batik.yaml"
    text = (data / "checklists" / "abon.yaml").read_text(encoding="utf-8")
    f.write_text(text.replace("product: abon\n", "product: batik\n"), encoding="utf-8")
    p = only_problem(data)
    assert (p.file, p.path, p.value) == (str(f), "product", "batik")
    assert "unknown product" in p.message and "sasando" in p.message
    assert p.line == text.count("\n", 0, text.index("product: abon")) + 1


def test_document_item_pointing_to_an_unknown_document(data: Path) -> None:
    f = data / "checklists" / "abon.yaml"
    line = edit(f, "document: npwp\n", "document: tax_card\n")
    p = only_problem(data)
    assert (p.file, p.path, p.value) == (str(f), "document_items[2].document", "tax_card")
    assert p.message == "not a document of product abon"
    assert p.line == line


def test_product_file_name_must_match_its_code(data: Path) -> None:
    f = data / "products" / "sasando_biola.yaml"
    (data / "products" / "sasando.yaml").rename(f)
    p = only_problem(data)
    assert (p.file, p.path, p.value) == (str(f), "code", "sasando")
    assert p.message == "file name must be sasando.yaml"
    assert p.line == 2


def test_duplicate_document_id_in_product(data: Path) -> None:
    f = data / "products" / "abon.yaml"
    line = edit(f, "- id: organisation_chart\n", "- id: npwp\n")
    p = only_problem(data)
    assert (p.file, p.path, p.value) == (str(f), "documents[6].id", "npwp")
    assert "duplicate document id 'npwp' (first at documents[2])" in p.message
    assert p.line == line


def test_type_5_scheme_needs_validity(data: Path) -> None:
    f = data / "products" / "emping.yaml"
    edit(f, "  validity_years: 4\n", "")
    # one problem: the emping checklist is not also reported as "unknown product"
    p = only_problem(data)
    assert (p.file, p.path) == (str(f), "scheme")
    assert p.value == {"type": "5", "surveillance_interval_months": 12, "factory_audit": True}
    assert "scheme type 5 needs validity_years" in p.message


def test_broken_units_file_is_reported_once(data: Path) -> None:
    f = data / "checklists" / "units.yaml"
    line = edit(f, "aliases: [cents]", "aliases: [cents, ppm]")
    p = only_problem(data)  # and no "unknown unit" for every parameter of every checklist
    assert (p.file, p.path, p.value) == (str(f), "units[14].aliases[1]", "ppm")
    assert "duplicate unit or alias 'ppm'" in p.message
    assert p.line == line


def test_every_problem_is_reported_not_only_the_first(data: Path) -> None:
    edit(data / "checklists" / "abon.yaml", "document: npwp\n", "document: tax_card\n")
    edit(data / "checklists" / "sasando.yaml", "unit: cent\n", "unit: cents_x\n")
    edit(data / "products" / "tenun_ikat.yaml", "prefix: TNI", "prefix: tni")
    with pytest.raises(DataError) as exc:
        load(data)
    paths = sorted((Path(p.file).name, p.path) for p in exc.value.problems)
    assert paths == [
        ("abon.yaml", "document_items[2].document"),
        ("sasando.yaml", "parameters[7].unit"),
        ("tenun_ikat.yaml", "certificate_prefix"),
    ]


# ---------------------------------------------------------------- command line


def test_cli_check_data_passes_on_shipped_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SNICERT_DATA_DIR", raising=False)
    result = CliRunner().invoke(app, ["check-data"])
    assert result.exit_code == 0, result.output
    assert "ok: 4 products, 4 checklists, 4 audit checklists" in result.output


def test_cli_check_data_fails_naming_file_path_and_value(data: Path) -> None:
    edit(data / "checklists" / "tenun_ikat.yaml", "group: material\n", "grup: material\n")
    result = CliRunner().invoke(
        app, ["check-data", str(data / "products"), str(data / "checklists")]
    )
    assert result.exit_code == 1
    assert "tenun_ikat.yaml:" in result.output
    assert "parameters[14].grup" in result.output
    assert "(value: 'material')" in result.output
    assert "1 problem(s) found" in result.output


def test_cli_check_data_reads_snicert_data_dir(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    edit(data / "checklists" / "emping.yaml", "unit: MPN/g\n", "unit: MPN/ml\n")
    monkeypatch.setenv("SNICERT_DATA_DIR", str(data))
    result = CliRunner().invoke(app, ["check-data"])
    assert result.exit_code == 1
    assert "emping.yaml" in result.output and "'MPN/ml'" in result.output


def test_cli_products_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SNICERT_DATA_DIR", raising=False)
    result = CliRunner().invoke(app, ["products", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["code"]: r for r in json.loads(result.stdout)}
    assert set(rows) == CODES
    for code, row in rows.items():
        raw = yaml.safe_load((ROOT / "checklists" / f"{code}.yaml").read_text(encoding="utf-8"))
        items = raw["parameters"] + raw["document_items"]
        assert row["parameters"] == len(raw["parameters"])
        assert row["document_items"] == len(raw["document_items"])
        assert row["provisional"] == sum(i["source"]["status"] == "provisional" for i in items)
        assert row["scheme"] == "5" and row["validity_years"] == 4
        assert row["checklist_version"] == (2 if code == "tenun_ikat" else 1)
    assert rows["abon"]["parameters"] == 21
    assert rows["abon"]["sni"] == ["SNI 01-3707-1995", "SNI 7690:2019"]


# ---------------------------------------------------------------- JSON Schemas


@pytest.mark.parametrize("rel", sorted(SCHEMAS))
def test_committed_schema_matches_the_models(rel: str) -> None:
    committed = (ROOT / rel).read_text(encoding="utf-8")
    assert committed == render(SCHEMAS[rel]), f"run `snicert schema` to refresh {rel}"


def _schema_for(path: Path) -> str:
    if path.name == "holidays.yaml":
        return "products/holidays.schema.json"
    if path.name == "agreement.yaml":
        return "products/agreement.schema.json"
    if path.parent.name == "products":
        return "products/product.schema.json"
    if path.name == "units.yaml":
        return "checklists/units.schema.json"
    return "checklists/checklist.schema.json"


def _data_files(root: Path) -> list[Path]:
    return sorted([*(root / "products").glob("*.yaml"), *(root / "checklists").glob("*.yaml")])


def test_shipped_files_validate_against_their_json_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    files = _data_files(ROOT)
    assert len(files) == 11  # with products/agreement.yaml
    for f in files:
        rel = _schema_for(f)
        schema = json.loads((ROOT / rel).read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
        text = f.read_text(encoding="utf-8")
        # editors find the schema through the first line
        assert text.splitlines()[0] == f"# yaml-language-server: $schema={Path(rel).name}", f.name
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(yaml.safe_load(text)))
        assert errors == [], (f.name, [e.message for e in errors])


def test_json_schema_also_rejects_a_typo(data: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    f = data / "checklists" / "tenun_ikat.yaml"
    edit(f, "group: material\n", "grup: material\n")
    schema = json.loads((ROOT / "checklists/checklist.schema.json").read_text(encoding="utf-8"))
    errors = list(
        jsonschema.Draft202012Validator(schema).iter_errors(
            yaml.safe_load(f.read_text(encoding="utf-8"))
        )
    )
    assert errors
