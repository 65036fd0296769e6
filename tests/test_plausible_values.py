"""Impossible lab values are refused with nothing stored, wherever a value enters: result
entry (service, web form, API) and `snicert evaluate`; possible edge values are judged."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from typer.testing import CliRunner

from snicert import judgment
from snicert.catalog import default_catalog, load_catalog
from snicert.catalog.loader import DataError
from snicert.cli import app as cli
from snicert.db import engine as db
from snicert.db.models import LabResult
from snicert.errors import InvalidInput
from snicert.services import lab
from snicert.web.app import create_app
from tests.test_web_staff import bearer, email, error_next_to, sign_in
from tests.world import World

ROOT = Path(__file__).resolve().parents[1]

# (parameter, value): every one of them was judged conform before domains existed
IMPOSSIBLE = [
    ("moisture", "-5"),
    ("moisture", "-1e6"),
    ("moisture", "-1000000"),
    ("protein", "150"),
    ("protein", "1e999999999"),
    ("protein", "100.0001"),
    ("lead", "-0.01"),
    ("lead", "2000000"),
    ("total_plate_count", "1e13"),
    ("coliform", "-1"),
    # a detection limit that leaves no possible value, or lies outside them
    ("moisture", "< 0"),
    ("moisture", "< -1"),
    ("mercury", "< -0.01"),
    ("mercury", "< 2000000"),
    ("protein", "> 100"),
    ("protein", "> 1e999999999"),
]
NOT_FINITE = [
    ("moisture", "inf"),
    ("moisture", "NaN"),
    ("protein", "Infinity"),
    ("moisture", float("inf")),
    ("moisture", float("nan")),
    ("protein", Decimal("Infinity")),
]


def count_results() -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(LabResult))


@pytest.fixture
def testing(home) -> tuple[World, int]:
    w = World().setup_staff()
    app_id = w.new_application("abon")
    w.advance_to(app_id, "testing")
    w.receive_samples(app_id)
    return w, app_id


def enter(w: World, app_id: int, parameter: str, value, unit: str = "%", **kw):
    with db.transaction() as s:
        return lab.record_result(s, w.user(s, "analyst"), app_id, parameter, value, unit, **kw)


def unit_of(parameter: str) -> str:
    return default_catalog().checklists["abon"].parameter(parameter).unit


# ---------------------------------------------------------------- service


@pytest.mark.parametrize(("parameter", "value"), IMPOSSIBLE + NOT_FINITE)
def test_impossible_values_are_refused_at_entry(testing, parameter, value) -> None:
    w, app_id = testing
    with pytest.raises(InvalidInput) as err:
        enter(w, app_id, parameter, value, unit_of(parameter))
    assert err.value.field == parameter
    assert count_results() == 0


def test_the_refusal_names_the_possible_values(testing) -> None:
    w, app_id = testing
    with pytest.raises(
        InvalidInput,
        match=r"impossible: a value outside the possible "
        r"values 0 to 100",
    ):
        enter(w, app_id, "moisture", "-5")
    with pytest.raises(InvalidInput, match="impossible: a bound outside"):
        enter(w, app_id, "moisture", "< 0")


@pytest.mark.parametrize(
    ("parameter", "value", "verdict"),
    [
        ("moisture", "0", "conform"),
        ("moisture", "0,0", "conform"),
        ("moisture", "100", "nonconform"),
        ("protein", "100", "conform"),
        ("protein", "0", "nonconform"),
        ("mercury", "< 0.01", "conform"),
        ("total_plate_count", "0", "conform"),
        ("total_plate_count", "1E12", "nonconform"),
        ("lead", "1000000", "nonconform"),
        ("moisture", "< 100", "nonconform"),
    ],
)
def test_possible_edge_values_are_judged(testing, parameter, value, verdict) -> None:
    w, app_id = testing
    assert enter(w, app_id, parameter, value, unit_of(parameter)).verdict == verdict


@pytest.mark.parametrize(
    ("parameter", "value", "unit", "u"),
    [
        ("moisture", "5", "%", "101"),  # wider than 0 to 100
        ("moisture", "5", "%", "1e999999999"),
        ("moisture", "5", "%", "inf"),
        ("salmonella", "negatif", "/25 g", "0.1"),  # a word has no uncertainty
    ],
)
def test_an_insane_uncertainty_is_refused(testing, parameter, value, unit, u) -> None:
    w, app_id = testing
    with pytest.raises(InvalidInput) as err:
        enter(w, app_id, parameter, value, unit, uncertainty=u)
    assert err.value.field == f"{parameter}.uncertainty"
    assert count_results() == 0
    assert enter(w, app_id, "moisture", "5", uncertainty="100").verdict == "conform"


def test_a_parameter_domain_overrides_its_units(home) -> None:
    """tenun ikat's dimensional change is in % but may be negative (shrinkage)."""
    w = World().setup_staff()
    app_id = w.new_application("tenun_ikat")
    w.advance_to(app_id, "testing")
    w.receive_samples(app_id)
    assert enter(w, app_id, "dimensional_change_warp", "-5").verdict == "conform"
    assert enter(w, app_id, "dimensional_change_weft", "-7.5").verdict == "nonconform"
    with pytest.raises(InvalidInput, match="-100 to 100"):
        enter(w, app_id, "dimensional_change_warp", "-101")


def test_a_snapshot_from_before_domains_keeps_its_limits() -> None:
    """A limit outside the unit's domain (approved before domains existed) drops that
    bound: real results are still judged, never refused."""
    units = default_catalog().units
    old = {
        "id": "shrinkage",
        "unit": "%",
        "requirement": {"kind": "range", "min": "-5", "max": "2"},
    }
    assert judgment.judge_result(old, "-7", "%", units) == "nonconform"
    assert judgment.judge_result(old, "-4", "%", units) == "conform"
    with pytest.raises(InvalidInput):
        judgment.judge_result(old, "101", "%", units)  # the other bound still holds


# ---------------------------------------------------------------- web form and API


@pytest.fixture
def web(home) -> FastAPI:
    return create_app()


def test_the_web_form_shows_the_error_next_to_the_value(testing, web) -> None:
    w, app_id = testing
    browser = sign_in(web, email("analyst"))
    r = browser.post(
        f"/lab/applications/{app_id}/results",
        {
            "fat.value": "20",
            "fat.unit": "%",
            "moisture.value": "-5",
            "moisture.unit": "%",
            "protein.value": "1e999999999",
            "protein.unit": "%",
        },
    )
    assert r.status_code == 422
    assert "impossible" in error_next_to(r.text, "f-moisture-value")
    assert "impossible" in error_next_to(r.text, "f-protein-value")
    assert count_results() == 0  # fat was fine, but nothing of the submission is stored


def test_the_api_names_each_impossible_value(testing, web) -> None:
    w, app_id = testing
    client = sign_in(web, None).client
    rows = [
        {"parameter": "fat", "value": 20, "unit": "%"},
        {"parameter": "moisture", "value": -5, "unit": "%"},
        {"parameter": "protein", "value": "150", "unit": "%"},
        {"parameter": "mercury", "value": "< -1", "unit": "mg/kg"},
    ]
    r = client.post(
        f"/api/v1/applications/{app_id}/results", json=rows, headers=bearer(w, "analyst")
    )
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"moisture", "protein", "mercury"}
    # a JSON number too large for a float arrives as infinity: refused too
    body = '[{"parameter": "protein", "value": 1e999999999, "unit": "%"}]'
    r = client.post(
        f"/api/v1/applications/{app_id}/results",
        content=body,
        headers={**bearer(w, "analyst"), "Content-Type": "application/json"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "protein"
    assert count_results() == 0


# ---------------------------------------------------------------- snicert evaluate


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("moisture", -5),
        ("moisture", "-1e6"),
        ("protein", 150),
        ("protein", "1e999999999"),
        ("mercury", "< -0.01"),
    ],
)
def test_evaluate_exits_2_naming_the_parameter(tmp_path: Path, parameter, value) -> None:
    path = tmp_path / "r.json"
    path.write_text(
        json.dumps(
            {"results": [{"parameter": parameter, "value": value, "unit": unit_of(parameter)}]}
        )
    )
    result = CliRunner().invoke(cli, ["evaluate", "abon", str(path)])
    assert result.exit_code == 2, result.output
    assert f"results[0]: {parameter}: impossible" in result.output


def test_evaluate_refuses_a_json_number_too_large_for_a_float(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text('{"results": [{"parameter": "protein", "value": 1e999999999, "unit": "%"}]}')
    result = CliRunner().invoke(cli, ["evaluate", "abon", str(path)])
    assert result.exit_code == 2, result.output
    assert "results[0]: protein: impossible" in result.output


def test_evaluate_accepts_the_edges(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("parameter,value,unit\nmoisture,0,%\nprotein,100,%\n")
    result = CliRunner().invoke(cli, ["evaluate", "abon", str(path), "--json"])
    report = json.loads(result.stdout)
    assert [r["verdict"] for r in report["results"] if r["value"] is not None] == [
        "conform",
        "conform",
    ]


# ---------------------------------------------------------------- the data


def _data(tmp_path: Path, units: str | None = None, edit=None) -> Path:
    """A copy of the shipped data with the abon checklist (and the units) changed."""
    (tmp_path / "products").mkdir()
    (tmp_path / "checklists").mkdir()
    for f in (ROOT / "products").glob("*.yaml"):
        (tmp_path / "products" / f.name).write_text(f.read_text())
    text = (ROOT / "checklists" / "abon.yaml").read_text()
    (tmp_path / "checklists" / "abon.yaml").write_text(edit(text) if edit else text)
    (tmp_path / "checklists" / "units.yaml").write_text(
        units or (ROOT / "checklists" / "units.yaml").read_text()
    )
    return tmp_path


def _problems(tmp_path: Path, **kw) -> list[str]:
    root = _data(tmp_path, **kw)
    with pytest.raises(DataError) as err:
        load_catalog([root / "products", root / "checklists"])
    return [str(p) for p in err.value.problems]


def test_a_limit_outside_the_domain_is_a_data_error(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        edit=lambda t: t.replace(
            "requirement: {kind: min, min: 15}", "requirement: {kind: min, min: 150}"
        ),
    )
    assert len(problems) == 1
    assert "abon.yaml:" in problems[0]
    assert "parameters[8].requirement.min" in problems[0]
    assert "0 to 100" in problems[0] and "value: 150" in problems[0]


def test_a_parameter_domain_that_excludes_its_limit_is_a_data_error(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        edit=lambda t: t.replace(
            "requirement: {kind: max, max: 30}\n    method: SNI 01-2891-1992, lemak",
            "requirement: {kind: max, max: 30}\n    domain: {max: 20}\n"
            "    method: SNI 01-2891-1992, lemak",
        ),
    )
    assert any("parameters[7].requirement.max" in p and "0 to 20" in p for p in problems)


def test_a_numeric_unit_needs_a_domain(tmp_path: Path) -> None:
    units = (
        (ROOT / "checklists" / "units.yaml")
        .read_text()
        .replace("    domain: {min: 0, max: 100}\n", "", 1)
    )
    problems = _problems(tmp_path, units=units)
    assert any(
        "units.yaml" in p and "units[0].domain" in p and "min and max" in p for p in problems
    )


def test_the_possible_values_are_shown_with_each_parameter(testing, web) -> None:
    w, app_id = testing
    page = sign_in(web, email("analyst")).get(f"/lab/applications/{app_id}").text
    assert "Nilai yang mungkin: 0 s.d. 100" in page
    assert "Nilai yang mungkin: 0 s.d. 1000000000000" in page  # colonies/g
    client = sign_in(web, None).client
    r = client.get(f"/api/v1/lab/applications/{app_id}", headers=bearer(w, "analyst"))
    possible = {p["id"]: p["possible_values"] for p in r.json()["parameters"]}
    assert possible["moisture"] == {"min": "0", "max": "100"}
    assert possible["salmonella"] is None  # words have no range
