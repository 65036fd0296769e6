"""Judge a lab results file against a product's checklist, outside any application.

This is a preview for labs and applicants: it uses the checklist in checklists/ (the
checklist file's version, which an official approves before it is used to certify) and
the same `judge_result()` result entry uses, but records nothing.

Pure functions: `load_results(path)` / `parse_results(text, fmt)` turn a file into rows,
`evaluate(product, rows, catalog)` turns rows into a `Report`. Anything that cannot be
judged raises `ResultsError` listing every problem, each naming the row and parameter.

File formats
------------
JSON: ``{"results": [{"parameter": "moisture", "value": 6.5, "unit": "%"}, ...]}``; the
value is a number or a text such as "negatif" or "< 0.01". JSON numbers are read exactly
(never through a binary float). Optional key ``uncertainty`` (used only when the
checklist says ``acceptance: guarded``). Other keys in a result are errors (a misspelt
"uncertainty" must not be dropped silently); duplicate keys and NaN / Infinity are errors.

CSV: a header row with the columns parameter, value, unit (and optionally uncertainty),
in any order, separated by ``,``, ``;`` or tabs (``;`` is what spreadsheets write where
the decimal separator is a comma). Blank lines are skipped; other columns are errors.

The format comes from the extension (.json / .csv), otherwise from the content (a file
starting with ``{`` or ``[`` is JSON).

Checks: every parameter must be in the checklist and appear once; the unit must be the
parameter's unit, written as its id or one of its aliases in checklists/units.yaml (a
unit inside the value, "6.5 %", is not read: see snicert.judgment); the value must be
readable and possible (within the parameter's domain). Checked and judged by
`snicert.judgment.judge_result`, the same path as result entry.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from snicert.catalog import Catalog
from snicert.errors import InvalidInput, SnicertError
from snicert.judgment import CONFORM, NONCONFORM, judge_result, requirement_text

NOT_TESTED = "not_tested"
COLUMNS = ("parameter", "value", "unit")
OPTIONAL_COLUMNS = ("uncertainty",)
Format = Literal["json", "csv"]


class ResultsError(SnicertError):
    """The results cannot be judged. `problems` lists each one, naming row and parameter."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Row:
    """One result as read from the file."""

    parameter: str
    value: Any
    unit: str
    where: str  # "results[2]" (JSON) or "line 3" (CSV)
    uncertainty: Any = None


@dataclass(frozen=True)
class Verdict:
    parameter: str
    verdict: str  # conform | nonconform | not_tested
    requirement: dict[str, Any]
    unit: str  # the checklist's unit id
    provisional: bool
    value: Any = None
    given_unit: str | None = None
    uncertainty: Any = None

    def as_dict(self) -> dict[str, Any]:
        out = {
            "parameter": self.parameter,
            "verdict": self.verdict,
            "requirement": self.requirement,
            "value": _json_value(self.value),
            "unit": self.given_unit if self.given_unit is not None else self.unit,
            "provisional": self.provisional,
        }
        if self.uncertainty is not None:
            out["uncertainty"] = _json_value(self.uncertainty)
        return out


@dataclass(frozen=True)
class Report:
    product: str
    checklist_version: int
    acceptance: str
    results: list[Verdict] = field(default_factory=list)

    @property
    def overall(self) -> str:
        """nonconform if any result fails; else incomplete if any is missing; else conform."""
        verdicts = {r.verdict for r in self.results}
        if NONCONFORM in verdicts:
            return NONCONFORM
        if NOT_TESTED in verdicts:
            return "incomplete"
        return CONFORM

    @property
    def exit_code(self) -> int:
        return 0 if self.overall == CONFORM else 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "product": self.product,
            "checklist_version": self.checklist_version,
            "acceptance": self.acceptance,
            "overall": self.overall,
            "results": [r.as_dict() for r in self.results],
        }


# ---------------------------------------------------------------- reading files


def load_results(path: Path | str) -> list[Row]:
    """Read a results file (.json or .csv; otherwise detected from the content)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ResultsError([f"{path}: cannot read the file: {exc.strerror or exc}"]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ResultsError([f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})"]) from None
    suffix = path.suffix.lower()
    fmt: Format | None = "json" if suffix == ".json" else "csv" if suffix == ".csv" else None
    return parse_results(text, fmt, str(path))


def parse_results(text: str, fmt: Format | None = None, name: str = "results") -> list[Row]:
    """Rows from a results file's text; `fmt` None detects JSON by a leading { or [."""
    if fmt is None:
        fmt = "json" if text.lstrip().startswith(("{", "[")) else "csv"
    if not text.strip():
        raise ResultsError([f"{name}: the file is empty"])
    return _json_rows(text, name) if fmt == "json" else _csv_rows(text, name)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _json_rows(text: str, name: str) -> list[Row]:
    try:
        doc = json.loads(
            text,
            parse_float=Decimal,
            parse_constant=_no_constant,
            object_pairs_hook=_no_duplicate_keys,
        )
    except json.JSONDecodeError as exc:
        raise ResultsError(
            [f"{name}: malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"]
        ) from None
    except ValueError as exc:
        raise ResultsError([f"{name}: malformed JSON: {exc}"]) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
        raise ResultsError(
            [f'{name}: expected an object {{"results": [...]}} with a list of results']
        )
    rows: list[Row] = []
    problems: list[str] = []
    allowed = (*COLUMNS, *OPTIONAL_COLUMNS)
    for i, item in enumerate(doc["results"]):
        where = f"results[{i}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: expected an object with parameter, value and unit")
            continue
        label = _label(where, item.get("parameter"))
        unknown = sorted(set(item) - set(allowed))
        if unknown:
            problems.append(
                f"{label}: unknown key(s) {', '.join(map(repr, unknown))}; "
                f"allowed: {', '.join(allowed)}"
            )
        missing = [k for k in COLUMNS if k not in item]
        if missing:
            problems.append(f"{label}: missing {', '.join(missing)}")
            continue
        param, value, unit = item["parameter"], item["value"], item["unit"]
        if not isinstance(param, str) or not param.strip():
            problems.append(f"{where}: parameter must be a non-empty text (value: {param!r})")
            continue
        if not isinstance(unit, str):
            problems.append(f"{label}: unit must be a text (value: {unit!r})")
            continue
        if value is None or isinstance(value, dict | list):
            problems.append(f"{label}: value must be a number or a text (value: {_shown(value)})")
            continue
        if not unknown:
            rows.append(Row(param.strip(), value, unit.strip(), where, item.get("uncertainty")))
    if problems:
        raise ResultsError(problems)
    return rows


def _csv_rows(text: str, name: str) -> list[Row]:
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    header: list[str] = []
    delimiter = ","
    for delimiter in (",", ";", "\t"):
        header = [h.strip().casefold() for h in next(csv.reader([first], delimiter=delimiter))]
        if set(COLUMNS) <= set(header):
            break
    else:
        raise ResultsError(
            [
                f"{name}: the CSV header must have the columns "
                f"{', '.join(COLUMNS)} (found: {first.strip()!r})"
            ]
        )
    allowed = (*COLUMNS, *OPTIONAL_COLUMNS)
    unknown = [h for h in header if h not in allowed]
    doubled = sorted({h for h in header if header.count(h) > 1})
    if unknown or doubled:
        raise ResultsError(
            [
                f"{name}: CSV header: "
                + "; ".join(
                    (
                        [
                            f"unknown column(s) {', '.join(map(repr, unknown))} "
                            f"(allowed: {', '.join(allowed)})"
                        ]
                        if unknown
                        else []
                    )
                    + ([f"repeated column(s) {', '.join(doubled)}"] if doubled else [])
                )
            ]
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[Row] = []
    problems: list[str] = []
    seen_header = False
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if not seen_header:
                seen_header = True
                continue
            where = f"line {reader.line_num}"
            if len(cells) != len(header):
                hint = (
                    ' (quote a value with a decimal comma, "6,5", or separate the columns with ;)'
                    if delimiter == "," and len(cells) > len(header)
                    else ""
                )
                problems.append(
                    f"{where}: expected {len(header)} cells ({', '.join(header)}), "
                    f"found {len(cells)}{hint}"
                )
                continue
            cell = dict(zip(header, (c.strip() for c in cells), strict=True))
            if not cell["parameter"]:
                problems.append(f"{where}: parameter is empty")
                continue
            rows.append(
                Row(
                    cell["parameter"],
                    cell["value"],
                    cell["unit"],
                    where,
                    cell.get("uncertainty") or None,
                )
            )
    except csv.Error as exc:
        raise ResultsError([f"{name}: malformed CSV at line {reader.line_num}: {exc}"]) from None
    if problems:
        raise ResultsError(problems)
    return rows


# ---------------------------------------------------------------- judging


def evaluate(product: str, rows: Iterable[Row], catalog: Catalog) -> Report:
    """Judge `rows` against the catalog's checklist for `product`.

    Every checklist parameter is in the report, in checklist order; those without a row
    are not_tested. Raises ResultsError (every problem found) for an unknown product or
    parameter, a repeated parameter, a wrong or unknown unit, or an unreadable value.
    """
    checklist = catalog.checklists.get(product)
    if checklist is None:
        known = ", ".join(sorted(catalog.checklists)) or "none"
        what = "has no checklist" if product in catalog.products else "is not a known product"
        raise ResultsError([f"product {product!r} {what} (known: {known})"])
    params = {p.id: p for p in checklist.parameters}
    guarded = checklist.acceptance == "guarded"
    problems: list[str] = []
    first_row: dict[str, Row] = {}
    judged: dict[str, Verdict] = {}
    for row in rows:
        label = _label(row.where, row.parameter)
        param = params.get(row.parameter)
        if param is None:
            problems.append(
                f"{label}: not a parameter of the {product} checklist "
                f"v{checklist.version} (parameters: {', '.join(params)})"
            )
            continue
        if row.parameter in first_row:
            problems.append(
                f"{label}: {row.parameter} repeated (first at "
                f"{first_row[row.parameter].where}); give each parameter once"
            )
            continue
        first_row[row.parameter] = row
        parameter = param.model_dump(mode="json")
        requirement = parameter["requirement"]
        try:
            verdict = judge_result(
                parameter, row.value, row.unit, catalog.units, row.uncertainty, guarded
            )
        except InvalidInput as exc:  # names the parameter: "moisture.unit: ..."
            problems.append(f"{row.where}: {exc}")
            continue
        judged[param.id] = Verdict(
            param.id,
            verdict,
            requirement,
            param.unit,
            param.source.status == "provisional",
            row.value,
            row.unit,
            row.uncertainty,
        )
    if problems:
        raise ResultsError(problems)
    results = [
        judged.get(p.id)
        or Verdict(
            p.id,
            NOT_TESTED,
            p.requirement.model_dump(mode="json"),
            p.unit,
            p.source.status == "provisional",
        )
        for p in checklist.parameters
    ]
    return Report(product, checklist.version, checklist.acceptance, results)


# ---------------------------------------------------------------- showing


def text_lines(report: Report, checklist_file: str | None = None) -> list[str]:
    """The report for people: one line per parameter, then the overall verdict."""
    provisional = sum(r.provisional for r in report.results)
    source = f" ({checklist_file})" if checklist_file else ""
    lines = [
        f"{report.product}: checklist v{report.checklist_version}{source}, "
        f"{report.acceptance} acceptance"
        + (f", {provisional} provisional requirement(s)" if provisional else "")
    ]
    width = max(len(r.parameter) for r in report.results)
    for r in report.results:
        shown = "-" if r.value is None else f"{_json_value(r.value)}"
        if r.value is not None and r.given_unit not in (None, "", "-"):
            shown += f" {r.given_unit}"
        note = "  (provisional)" if r.provisional else ""
        lines.append(
            f"{r.parameter:<{width}}  {r.verdict:<10}  {shown:<18}  "
            f"{requirement_text(r.requirement, 'en', r.unit)}{note}"
        )
    counts = {
        v: sum(r.verdict == v for r in report.results) for v in (CONFORM, NONCONFORM, NOT_TESTED)
    }
    failing = [r.parameter for r in report.results if r.verdict == NONCONFORM]
    missing = [r.parameter for r in report.results if r.verdict == NOT_TESTED]
    lines.append(
        f"overall: {report.overall} ({counts[CONFORM]} conform, "
        f"{counts[NONCONFORM]} nonconform, {counts[NOT_TESTED]} not tested)"
    )
    if failing:
        lines.append(f"nonconform: {', '.join(failing)}")
    if missing:
        lines.append(f"not tested: {', '.join(missing)}")
    return lines


def _label(where: str, parameter: Any) -> str:
    return f"{where} ({parameter})" if isinstance(parameter, str) and parameter else where


def _shown(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _json_value(value: Any) -> Any:
    """A Decimal read from JSON back as a JSON number when that loses nothing."""
    if isinstance(value, Decimal):
        as_float = float(value)
        return as_float if Decimal(repr(as_float)) == value else str(value)
    return value
