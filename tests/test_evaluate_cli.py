"""`snicert evaluate PRODUCT RESULTS_FILE [--json]` with real abon parameters, driven
through typer's CliRunner, and the pure functions of snicert.evaluate."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from snicert import evaluate as ev
from snicert.catalog import Catalog, default_catalog
from snicert.cli import app

# Every abon parameter (checklists/abon.yaml) with a conforming result and its unit, some
# written with the unit's aliases (checklists/units.yaml).
ABON_OK: dict[str, tuple[Any, str]] = {
    "sensory_shape": ("normal", "-"),
    "sensory_odour": ("Normal", "-"),
    "sensory_taste": ("khas", "-"),
    "sensory_colour": ("normal", "-"),
    "moisture": (7.0, "%"),  # exactly at its maximum of 7
    "ash": ("6,5", "% b/b"),
    "acid_insoluble_ash": (0.05, "%"),
    "fat": (22.4, "%"),
    "protein": (15, "percent"),  # exactly at its minimum of 15
    "crude_fibre": (0.8, "%"),
    "total_sugar": (12, "%"),
    "mercury": ("< 0.01", "mg/kg"),
    "lead": (0.5, "ppm"),
    "copper": (3.2, "mg/kg"),
    "zinc": (20, "mg/kg"),
    "tin": ("< 1", "mg/kg"),
    "arsenic": (0.2, "mg/kg"),
    "total_plate_count": ("5 x 10^4", "CFU/g"),
    "coliform": ("< 3", "APM/g"),
    "salmonella": ("negatif", "/25 g"),
    "staphylococcus_aureus": ("1E1", "colonies/g"),
}


def runner() -> CliRunner:
    # click >= 8.2 always keeps stderr apart (result.stderr); older ones needed mix_stderr
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()


def rows(
    overrides: dict[str, tuple[Any, str]] | None = None, drop: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    merged = {**ABON_OK, **(overrides or {})}
    return [
        {"parameter": p, "value": v, "unit": u} for p, (v, u) in merged.items() if p not in drop
    ]


def write_json(tmp_path: Path, results: list[dict[str, Any]], name: str = "r.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"results": results}), encoding="utf-8")
    return path


def write_csv(
    tmp_path: Path, results: list[dict[str, Any]], name: str = "r.csv", sep: str = ","
) -> Path:
    lines = [sep.join(["parameter", "value", "unit"])]
    for r in results:
        value = str(r["value"])
        if sep in value:
            value = f'"{value}"'
        lines.append(sep.join([r["parameter"], value, r["unit"]]))
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(*args: str | Path):
    return runner().invoke(app, ["evaluate", *map(str, args)])


def run_json(*args: str | Path) -> tuple[int, dict[str, Any]]:
    result = run(*args, "--json")
    return result.exit_code, json.loads(result.stdout)


def verdicts(report: dict[str, Any]) -> dict[str, str]:
    return {r["parameter"]: r["verdict"] for r in report["results"]}


def test_the_fixture_covers_the_abon_checklist():
    assert list(ABON_OK) == [p.id for p in default_catalog().checklists["abon"].parameters]


# ---------------------------------------------------------------- verdicts


def test_all_conform_json(tmp_path: Path):
    code, report = run_json("abon", write_json(tmp_path, rows()))
    assert code == 0
    assert report["overall"] == "conform"
    assert report["product"] == "abon" and report["checklist_version"] >= 1
    assert set(verdicts(report).values()) == {"conform"}
    assert [r["parameter"] for r in report["results"]] == list(ABON_OK)
    by_id = {r["parameter"]: r for r in report["results"]}
    assert by_id["moisture"]["requirement"] == {"kind": "max", "max": "7"}
    assert by_id["moisture"]["value"] == 7.0 and by_id["moisture"]["unit"] == "%"
    assert by_id["mercury"]["value"] == "< 0.01"
    assert by_id["staphylococcus_aureus"]["provisional"] is True
    assert by_id["moisture"]["provisional"] is False


def test_all_conform_csv_human_output(tmp_path: Path):
    result = run("abon", write_csv(tmp_path, rows()))
    assert result.exit_code == 0, result.output
    assert "overall: conform" in result.stdout
    assert "moisture" in result.stdout and "(provisional)" in result.stdout
    assert result.stderr == ""


def test_csv_with_semicolons_and_decimal_commas(tmp_path: Path):
    path = tmp_path / "lab.csv"
    path.write_text(
        "Parameter;Value;Unit\nmoisture;6,9;%\nprotein;15,0;%\n"
        "total_plate_count;4,9 × 10⁴;koloni/g\n",
        encoding="utf-8",
    )
    code, report = run_json("abon", path)
    assert code == 1 and report["overall"] == "incomplete"
    assert {k: v for k, v in verdicts(report).items() if v != "not_tested"} == {
        "moisture": "conform",
        "protein": "conform",
        "total_plate_count": "conform",
    }


def test_one_failing_is_nonconform_and_named(tmp_path: Path):
    path = write_json(tmp_path, rows({"moisture": ("7.01", "%")}))
    code, report = run_json("abon", path)
    assert code == 1
    assert report["overall"] == "nonconform"
    assert [p for p, v in verdicts(report).items() if v != "conform"] == ["moisture"]
    result = run("abon", path)
    assert result.exit_code == 1
    assert "overall: nonconform" in result.stdout
    assert "nonconform: moisture" in result.stdout


@pytest.mark.parametrize(
    "parameter,value,unit",
    [
        ("protein", "< 20", "%"),  # a '<' bound never shows a minimum is met
        ("salmonella", "positif", "/25 g"),
        ("sensory_odour", "tidak normal", "-"),
        ("total_plate_count", "5.1 x 10^4", "colonies/g"),
        ("mercury", "< 0.06", "mg/kg"),
    ],
)
def test_failing_values_of_each_kind(tmp_path: Path, parameter: str, value: str, unit: str):
    code, report = run_json("abon", write_csv(tmp_path, rows({parameter: (value, unit)})))
    assert code == 1 and report["overall"] == "nonconform"
    assert [p for p, v in verdicts(report).items() if v != "conform"] == [parameter]


def test_json_numbers_are_read_exactly(tmp_path: Path):
    # as a binary float 7.000000000000000001 is 7.0 and would pass a maximum of 7
    path = tmp_path / "r.json"
    path.write_text(
        '{"results": [{"parameter": "moisture", "value": 7.000000000000000001, "unit": "%"}]}',
        encoding="utf-8",
    )
    code, report = run_json("abon", path)
    assert code == 1 and verdicts(report)["moisture"] == "nonconform"
    assert (
        report["results"][[r["parameter"] for r in report["results"]].index("moisture")]["value"]
        == "7.000000000000000001"
    )


def test_some_missing_is_incomplete_with_not_tested(tmp_path: Path):
    path = write_json(tmp_path, rows(drop=("salmonella", "lead")))
    code, report = run_json("abon", path)
    assert code == 1
    assert report["overall"] == "incomplete"
    assert len(report["results"]) == len(ABON_OK)
    assert {p for p, v in verdicts(report).items() if v == "not_tested"} == {"salmonella", "lead"}
    missing = next(r for r in report["results"] if r["parameter"] == "salmonella")
    assert missing["value"] is None and missing["requirement"] == {"kind": "negative"}
    result = run("abon", path)
    assert result.exit_code == 1 and "overall: incomplete" in result.stdout
    assert "not tested: lead, salmonella" in result.stdout


def test_failing_and_missing_is_nonconform(tmp_path: Path):
    path = write_json(tmp_path, rows({"fat": (31, "%")}, drop=("salmonella",)))
    code, report = run_json("abon", path)
    assert code == 1 and report["overall"] == "nonconform"
    assert verdicts(report)["salmonella"] == "not_tested"


def test_format_detected_from_content_without_extension(tmp_path: Path):
    json_file = write_json(tmp_path, rows(), name="results")
    csv_file = write_csv(tmp_path, rows(), name="results.txt")
    assert run("abon", json_file).exit_code == 0
    assert run("abon", csv_file).exit_code == 0


# ---------------------------------------------------------------- bad input: exit 2


def assert_bad(result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    for word in words:
        assert word in result.stderr, (word, result.stderr)


def test_unknown_product(tmp_path: Path):
    assert_bad(run("rendang", write_json(tmp_path, rows())), "rendang", "known: abon")


def test_unknown_parameter(tmp_path: Path):
    results = rows() + [{"parameter": "cadmium", "value": 0.1, "unit": "mg/kg"}]
    assert_bad(
        run("abon", write_json(tmp_path, results)),
        "results[21] (cadmium)",
        "not a parameter of the abon checklist",
    )


def test_wrong_unit(tmp_path: Path):
    assert_bad(
        run("abon", write_csv(tmp_path, rows({"moisture": ("6.5", "mg/kg")}))),
        "line 6: moisture.unit",
        "'mg/kg'",
        "expected '%'",
        "'% b/b'",
    )


def test_unknown_unit(tmp_path: Path):
    assert_bad(
        run("abon", write_json(tmp_path, rows({"lead": ("0.5", "ppb")}))),
        "results[12]: lead.unit: unknown unit",
        "'ppb'",
    )


@pytest.mark.parametrize("value", ["tujuh", "6.5 %", "", "nd", "1.000.000", "60.000", True])
def test_unreadable_value(tmp_path: Path, value: Any):
    result = run("abon", write_json(tmp_path, rows({"moisture": (value, "%")})))
    assert_bad(result, "results[4]", "moisture")


def test_unreadable_word(tmp_path: Path):
    assert_bad(
        run("abon", write_csv(tmp_path, rows({"salmonella": ("mungkin", "/25 g")}))),
        "salmonella",
        "not understood",
        "mungkin",
    )


def test_every_problem_is_listed(tmp_path: Path):
    results = rows({"moisture": ("abc", "%"), "lead": ("1", "g")})
    result = run("abon", write_json(tmp_path, results))
    assert_bad(result, "moisture", "lead", "2 problem(s)")


def test_duplicate_parameter_rows(tmp_path: Path):
    results = rows() + [{"parameter": "moisture", "value": 5, "unit": "%"}]
    assert_bad(
        run("abon", write_csv(tmp_path, results)),
        "line 23 (moisture)",
        "repeated (first at line 6)",
    )


@pytest.mark.parametrize(
    "text,words",
    [
        ('{"results": [{"parameter": "moisture", "value": 6.5, "unit": "%"}', ["malformed JSON"]),
        ("{results: []}", ["malformed JSON"]),
        ('{"results": {"moisture": 6.5}}', ['{"results": [...]}']),
        ('[{"parameter": "moisture", "value": 6.5, "unit": "%"}]', ['{"results": [...]}']),
        ('{"results": [{"parameter": "moisture", "value": NaN, "unit": "%"}]}', ["NaN"]),
        (
            '{"results": [{"parameter": "moisture", "value": 1, "value": 9, "unit": "%"}]}',
            ["duplicate key 'value'"],
        ),
        (
            '{"results": [{"parameter": "moisture", "value": 6.5}]}',
            ["results[0] (moisture)", "missing unit"],
        ),
        (
            '{"results": [{"parameter": "moisture", "value": 6.5, "unit": "%", '
            '"uncertainity": 1}]}',
            ["results[0] (moisture)", "'uncertainity'"],
        ),
        ('{"results": [{"parameter": "moisture", "value": null, "unit": "%"}]}', ["value must be"]),
        (
            '{"results": [{"parameter": "moisture", "value": [6.5], "unit": "%"}]}',
            ["value must be"],
        ),
        ('{"results": [{"parameter": "", "value": 6.5, "unit": "%"}]}', ["parameter must be"]),
        ('{"results": [{"parameter": "moisture", "value": 6.5, "unit": 1}]}', ["unit must be"]),
        ('{"results": ["moisture"]}', ["results[0]"]),
        ("", ["empty"]),
    ],
)
def test_malformed_json(tmp_path: Path, text: str, words: list[str]):
    path = tmp_path / "r.json"
    path.write_text(text, encoding="utf-8")
    assert_bad(run("abon", path), *words)


@pytest.mark.parametrize(
    "text,words",
    [
        ("param,value,unit\nmoisture,6.5,%\n", ["header", "parameter, value, unit"]),
        ("parameter,value\nmoisture,6.5\n", ["header"]),
        ("parameter,value,unit,note\nmoisture,6.5,%,x\n", ["unknown column", "'note'"]),
        ("parameter,value,unit,unit\nmoisture,6.5,%,%\n", ["repeated column"]),
        ("parameter,value,unit\nmoisture,6,5,%\n", ["line 2", "found 4", "decimal comma"]),
        ("parameter,value,unit\nmoisture,6.5\n", ["line 2", "found 2"]),
        ("parameter,value,unit\n,6.5,%\n", ["line 2", "parameter is empty"]),
    ],
)
def test_malformed_csv(tmp_path: Path, text: str, words: list[str]):
    path = tmp_path / "r.csv"
    path.write_text(text, encoding="utf-8")
    assert_bad(run("abon", path), *words)


def test_missing_and_binary_files(tmp_path: Path):
    assert_bad(run("abon", tmp_path / "nope.json"), "cannot read")
    path = tmp_path / "r.csv"
    path.write_bytes(b"\xff\xfe\x00p\x00a")
    assert_bad(run("abon", path), "not UTF-8")


# ---------------------------------------------------------------- the pure functions


def guarded_catalog() -> Catalog:
    cat = default_catalog()
    abon = cat.checklists["abon"].model_copy(update={"acceptance": "guarded"})
    return Catalog(
        products=cat.products,
        checklists={**cat.checklists, "abon": abon},
        units=cat.units,
        files=cat.files,
    )


def test_guarded_acceptance_uses_the_uncertainty():
    text = json.dumps(
        {
            "results": [
                {"parameter": "moisture", "value": "6.8", "unit": "%", "uncertainty": "0.3"},
                {"parameter": "protein", "value": "15.5", "unit": "%", "uncertainty": 0.5},
                {"parameter": "fat", "value": "29", "unit": "%"},  # no uncertainty: simple
            ]
        }
    )
    rows_ = ev.parse_results(text, "json")
    simple = ev.evaluate("abon", rows_, default_catalog())
    guarded = ev.evaluate("abon", rows_, guarded_catalog())

    def pick(report: ev.Report) -> dict[str, str]:
        return {r.parameter: r.verdict for r in report.results if r.verdict != "not_tested"}

    assert pick(simple) == {"moisture": "conform", "protein": "conform", "fat": "conform"}
    assert pick(guarded) == {"moisture": "nonconform", "protein": "conform", "fat": "conform"}
    assert guarded.acceptance == "guarded" and guarded.overall == "nonconform"
    assert guarded.as_dict()["results"][4]["uncertainty"] == "0.3"


@pytest.mark.parametrize("u", ["-0.1", "abc", "< 1"])
def test_an_unusable_uncertainty_is_bad_input(u: str):
    csv_text = f"parameter,value,unit,uncertainty\nmoisture,6,%,{u}\n"
    with pytest.raises(ev.ResultsError, match=r"line 2: moisture\.uncertainty"):
        ev.evaluate("abon", ev.parse_results(csv_text, "csv"), default_catalog())


def test_report_as_dict_is_json_ready():
    report = ev.evaluate(
        "abon",
        ev.parse_results('{"results": [{"parameter": "moisture", "value": 6.5, "unit": "%"}]}'),
        default_catalog(),
    )
    data = json.loads(json.dumps(report.as_dict()))
    assert data["overall"] == "incomplete" and report.exit_code == 1
    assert data["results"][4] == {
        "parameter": "moisture",
        "verdict": "conform",
        "requirement": {"kind": "max", "max": "7"},
        "value": 6.5,
        "unit": "%",
        "provisional": False,
    }
    assert isinstance(
        ev.parse_results('{"results": [{"parameter": "fat", "value": 1.5, "unit": "%"}]}')[0].value,
        Decimal,
    )
