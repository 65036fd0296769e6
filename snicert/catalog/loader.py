"""Load and validate product, checklist, unit and holiday files.

`check-data` and run-time loading share this code, so a file that passes the check is
exactly a file the engine accepts. Every problem names the file, the field path (with
its line when known) and the offending value.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from snicert.catalog.models import (
    Agreement,
    AuditChecklist,
    Checklist,
    HolidaysFile,
    LocatedError,
    Parameter,
    Product,
    Unit,
    UnitsFile,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
UNITS_FILE = "units.yaml"
HOLIDAYS_FILE = "holidays.yaml"
AGREEMENT_FILE = "agreement.yaml"


def data_root() -> Path:
    """Folder holding products/ and checklists/ (SNICERT_DATA_DIR overrides the repo's)."""
    return Path(os.environ.get("SNICERT_DATA_DIR", REPO_ROOT))


@dataclass(frozen=True)
class Problem:
    file: str
    path: str
    value: Any
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field_path = self.path or "(file)"
        value = "" if self.value is _NO_VALUE else f" (value: {_short(self.value)})"
        return f"{where}: {field_path}: {self.message}{value}"


_NO_VALUE = object()


class DataError(Exception):
    """One or more data files are invalid."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class Catalog:
    products: dict[str, Product] = field(default_factory=dict)
    checklists: dict[str, Checklist] = field(default_factory=dict)
    audit_checklists: dict[str, AuditChecklist] = field(default_factory=dict)  # site audits
    units: dict[str, Unit] = field(default_factory=dict)  # id and every alias -> Unit
    agreement: Agreement | None = None  # products/agreement.yaml
    files: dict[tuple[str, str], Path] = field(default_factory=dict)  # (kind, id) -> file

    def product(self, code: str) -> Product:
        try:
            return self.products[code]
        except KeyError:
            known = ", ".join(sorted(self.products))
            raise KeyError(f"unknown product {code!r}; known: {known}") from None

    def unit(self, name: str) -> Unit:
        return self.units[name]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


# ---------------------------------------------------------------- YAML with line numbers


def _read_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text), yaml.compose(text, Loader=yaml.SafeLoader)


def _line_of(node: yaml.Node | None, loc: Iterable[Any]) -> int | None:
    """1-based line of the YAML node at a pydantic error location, as deep as it resolves.

    A mapping key resolves to the key's own line (a block value starts on the next one); a
    key that is not in the file (a missing field) leaves the line of the mapping lacking it.
    """
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = [(k, v) for k, v in node.value if getattr(k, "value", None) == str(key)]
            if match:
                key_node, node = match[-1]  # YAML keeps the last of duplicate keys
                line = key_node.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            if key >= len(node.value):
                break
            node = node.value[key]
            line = node.start_mark.line + 1
    return line


def _bad_scalars(path: Path, label: str) -> list[Problem]:
    """The scalars PyYAML fails to build (impossible dates), with their field and line."""
    problems: list[Problem] = []

    def walk(node: yaml.Node, loc: tuple[Any, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                walk(v, (*loc, k.value))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                walk(v, (*loc, i))
        elif isinstance(node, yaml.ScalarNode) and node.tag.endswith(":timestamp"):
            try:
                yaml.safe_load(node.value)
            except ValueError as exc:
                line = node.start_mark.line + 1
                problems.append(
                    Problem(label, _dotted(loc), node.value, f"not a date: {exc}", line)
                )

    walk(yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader), ())
    return problems


def _validate(model: type[BaseModel], path: Path, label: str) -> tuple[Any, list[Problem]]:
    try:
        raw, root = _read_yaml(path)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        return None, [Problem(label, "", _NO_VALUE, f"not valid YAML: {exc}")]
    except OSError as exc:
        return None, [Problem(label, "", _NO_VALUE, f"cannot read file: {exc.strerror or exc}")]
    except ValueError:  # a date YAML recognises but cannot build, e.g. 2026-13-01
        return None, _bad_scalars(path, label)
    if not isinstance(raw, dict):
        return None, [Problem(label, "", _NO_VALUE, "expected a mapping at the top level")]
    # YAML silently keeps the last of two equal keys: a repeated `max:` must not pass.
    problems = [
        Problem(label, _dotted(loc), value, "duplicate key (YAML keeps only the last)", line)
        for loc, value, line in _duplicate_keys(root, ())
    ]
    try:
        obj = model.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            loc = _clean_loc(err["loc"])
            value = err.get("input", _NO_VALUE) if err["type"] != "missing" else _NO_VALUE
            ctx = err.get("ctx") or {}
            if isinstance(ctx.get("error"), LocatedError):
                # a model-level rule that knows where it was broken
                loc += list(ctx["error"].loc)
                value = ctx["error"].value
            elif err["type"] in ("union_tag_invalid", "union_tag_not_found"):
                # name the discriminator field itself (requirement.kind), not the mapping
                loc.append(str(ctx.get("discriminator", "kind")).strip("'"))
                value = ctx.get("tag", _NO_VALUE)
            message = err["msg"].removeprefix("Value error, ")  # our own rules' messages
            problems.append(Problem(label, _dotted(loc), value, message, _line_of(root, loc)))
        return None, problems
    return (None if problems else obj), problems


_Duplicate = tuple[list[Any], Any, int]  # location, key, line


def _duplicate_keys(
    node: yaml.Node | None, loc: tuple[Any, ...], visited: set[int] | None = None
) -> list[_Duplicate]:
    """Every mapping key that repeats an earlier key of the same mapping."""
    visited = set() if visited is None else visited
    if node is None or id(node) in visited:  # aliases may point back up the tree
        return []
    visited.add(id(node))
    found: list[_Duplicate] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for k, v in node.value:
            key = getattr(k, "value", None)
            if isinstance(key, str):
                if key in seen:
                    found.append(([*loc, key], key, k.start_mark.line + 1))
                seen.add(key)
            found += _duplicate_keys(v, (*loc, key), visited)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            found += _duplicate_keys(item, (*loc, i), visited)
    return found


_TAGS = {"max", "min", "range", "equals", "one_of", "negative", "sensory_normal", "pass_fail"}


def _clean_loc(loc: Iterable[Any]) -> list[Any]:
    """A pydantic error location without the discriminated union's tag, which is no field."""
    out: list[Any] = []
    for part in loc:
        if part in _TAGS and out and out[-1] == "requirement":
            continue
        out.append(part)
    return out


def _dotted(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# ---------------------------------------------------------------- catalog


def _kind_of(path: Path) -> str | None:
    parts = path.parent.parts
    if "checklists" in parts:
        if "audit" in parts[parts.index("checklists") :]:
            return "audit_checklists"
        return "units" if path.name == UNITS_FILE else "checklists"
    if "products" in parts:
        if path.name == AGREEMENT_FILE:
            return "agreement"
        return "holidays" if path.name == HOLIDAYS_FILE else "products"
    if "surveys" in parts:
        return "surveys"
    return None


def _yaml_files(dirs: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for d in dirs:
        if d.is_file():
            files.append(d)
        elif d.is_dir():
            files += sorted(p for p in d.rglob("*") if p.suffix in (".yaml", ".yml"))
        else:
            raise DataError([Problem(str(d), "", _NO_VALUE, "no such file or folder")])
    return files


def load_catalog(dirs: Iterable[Path | str] | None = None) -> Catalog:
    """Validate every data file under `dirs` (default: the repo's products/, checklists/ and
    surveys/).

    Raises DataError listing every problem found, not only the first.
    """
    base = data_root()
    given = (
        [Path(d) for d in dirs]
        if dirs
        else [base / "products", base / "checklists", base / "surveys"]
    )
    files = _yaml_files(given)
    kinds = {f: _kind_of(f.resolve()) for f in files}
    # A check of checklists alone still needs products and units to check against.
    if "products" not in kinds.values():
        files += _yaml_files([base / "products"])
    if "units" not in kinds.values():
        files.append(base / "checklists" / UNITS_FILE)
    files = list({f.resolve(): f for f in files}.values())  # products/ may be named twice
    kinds = {f: _kind_of(f.resolve()) for f in files}

    cat = Catalog()
    problems: list[Problem] = []
    parsed_checklists: list[tuple[Path, Checklist]] = []
    parsed_audits: list[tuple[Path, AuditChecklist]] = []
    # Files that failed on their own are reported once; checklists are not checked against
    # them, so one broken units or product file does not bury the report in follow-on errors.
    units_loaded = False
    broken_products: set[str] = set()
    for f in files:
        label = str(f)
        kind = kinds[f]
        if kind is None:
            problems.append(
                Problem(
                    label,
                    "",
                    _NO_VALUE,
                    "put data files under a products/, checklists/ or surveys/ folder",
                )
            )
        elif kind == "surveys":
            from snicert.survey import Questionnaire  # it builds on this module

            problems += _validate(Questionnaire, f, label)[1]
        elif kind == "holidays":
            problems += _validate(HolidaysFile, f, label)[1]
        elif kind == "agreement":
            agreement, errs = _validate(Agreement, f, label)
            problems += errs
            cat.agreement = agreement
        elif kind == "units":
            units, errs = _validate(UnitsFile, f, label)
            problems += errs
            units_loaded = units is not None
            for u in units.units if units else []:
                for name in [u.id, *u.aliases]:
                    cat.units[name] = u
        elif kind == "products":
            product, errs = _validate(Product, f, label)
            problems += errs
            if product is None:
                broken_products.add(f.stem)
                continue
            if product.code in cat.products:
                other = cat.files[("products", product.code)]
                problems.append(
                    _at(f, ["code"], product.code, f"duplicate product code, also in {other}")
                )
                continue
            if f.stem != product.code:
                problems.append(
                    _at(f, ["code"], product.code, f"file name must be {product.code}.yaml")
                )
            cat.products[product.code] = product
            cat.files[("products", product.code)] = f
        elif kind == "audit_checklists":
            audit_list, errs = _validate(AuditChecklist, f, label)
            problems += errs
            if audit_list is not None:
                parsed_audits.append((f, audit_list))
            elif errs:
                broken_products.add(f"audit:{f.stem}")
        else:
            checklist, errs = _validate(Checklist, f, label)
            problems += errs
            if checklist is not None:
                parsed_checklists.append((f, checklist))

    prefixes: dict[str, str] = {}
    for p in cat.products.values():
        if p.certificate_prefix in prefixes:
            problems.append(
                _at(
                    cat.files[("products", p.code)],
                    ["certificate_prefix"],
                    p.certificate_prefix,
                    f"already used by product {prefixes[p.certificate_prefix]}",
                )
            )
        prefixes[p.certificate_prefix] = p.code

    for f, cl in parsed_checklists:
        problems += _cross_check(f, cl, cat, broken_products, units_loaded)
        if cl.product in cat.checklists:
            problems.append(
                _at(
                    f,
                    ["product"],
                    cl.product,
                    f"second checklist for this product, also in "
                    f"{cat.files[('checklists', cl.product)]}",
                )
            )
            continue
        cat.checklists[cl.product] = cl
        cat.files[("checklists", cl.product)] = f

    problems += _audit_checks(parsed_audits, dirs is None, cat, broken_products)
    agreement_listed = any(k == "agreement" for k in kinds.values())
    if dirs is None and not agreement_listed:
        # applications are submitted only under an agreement the applicant accepts
        problems.append(
            Problem(str(base / "products" / AGREEMENT_FILE), "", _NO_VALUE, "file missing")
        )
    if problems:
        raise DataError(problems)
    return cat


def _audit_checks(
    parsed: list[tuple[Path, AuditChecklist]],
    complete: bool,
    cat: Catalog,
    broken: set[str],
) -> list[Problem]:
    """Each audit checklist belongs to a product whose scheme audits the site; and, when
    the whole data set was loaded (`complete`), every such product has one."""
    problems: list[Problem] = []
    for f, cl in parsed:
        product = cat.products.get(cl.product)
        if product is None:
            if cl.product not in broken:
                known = ", ".join(sorted(cat.products)) or "none"
                problems.append(
                    _at(f, ["product"], cl.product, f"unknown product (known: {known})")
                )
            continue
        if not product.scheme.factory_audit:
            problems.append(
                _at(f, ["product"], cl.product, "this product's scheme has no factory_audit")
            )
        if cl.product in cat.audit_checklists:
            other = cat.files[("audit_checklists", cl.product)]
            problems.append(
                _at(f, ["product"], cl.product, f"second audit checklist, also in {other}")
            )
            continue
        cat.audit_checklists[cl.product] = cl
        cat.files[("audit_checklists", cl.product)] = f
    if not complete:
        return problems  # only some files were checked
    for code, product in cat.products.items():
        if product.scheme.factory_audit and code not in cat.audit_checklists:
            if f"audit:{code}" in broken:
                continue  # that file's own problems are reported
            problems.append(
                _at(
                    cat.files[("products", code)],
                    ["scheme", "factory_audit"],
                    True,
                    f"the scheme audits the site: add checklists/audit/{code}.yaml",
                )
            )
    return problems


def _at(file: Path, loc: list[Any], value: Any, message: str) -> Problem:
    """A problem found after a file validated, with its line looked up in the file."""
    try:
        root = yaml.compose(file.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        root = None
    return Problem(str(file), _dotted(loc), value, message, _line_of(root, loc))


def _cross_check(
    file: Path, cl: Checklist, cat: Catalog, broken_products: set[str], units_loaded: bool
) -> list[Problem]:
    problems: list[Problem] = []
    product = cat.products.get(cl.product)
    if product is None:
        if cl.product in broken_products:
            return []  # the product file's own problems are reported
        known = ", ".join(sorted(cat.products)) or "none"
        return [_at(file, ["product"], cl.product, f"unknown product (known: {known})")]
    doc_ids = {d.id for d in product.documents}
    for i, item in enumerate(cl.document_items):
        if item.document is not None and item.document not in doc_ids:
            problems.append(
                _at(
                    file,
                    ["document_items", i, "document"],
                    item.document,
                    f"not a document of product {product.code}",
                )
            )
    # the surveillance plan re-tests parameters of this checklist
    param_ids = {p.id for p in cl.parameters}
    for i, pid in enumerate(product.surveillance.parameters or [] if product.surveillance else []):
        if pid not in param_ids:
            problems.append(
                _at(
                    cat.files[("products", product.code)],
                    ["surveillance", "parameters", i],
                    pid,
                    f"not a parameter of checklists/{product.code}.yaml",
                )
            )
    for i, param in enumerate(cl.parameters):
        if not units_loaded:
            break  # the units file's own problems are reported
        unit = cat.units.get(param.unit)
        if unit is None:
            problems.append(
                _at(
                    file,
                    ["parameters", i, "unit"],
                    param.unit,
                    "unknown unit (see checklists/units.yaml)",
                )
            )
        elif param.requirement.kind in ("max", "min", "range") and not unit.numeric:
            problems.append(
                _at(
                    file,
                    ["parameters", i, "unit"],
                    param.unit,
                    f"a {param.requirement.kind} requirement needs a numeric unit",
                )
            )
        elif param.domain is not None and not unit.numeric:
            problems.append(
                _at(
                    file,
                    ["parameters", i, "domain"],
                    param.domain.model_dump(mode="json"),
                    f"unit {param.unit!r} is not numeric: it has no domain",
                )
            )
        else:
            problems += _domain_problems(file, i, param, cat)
    return problems


def _domain_problems(file: Path, i: int, param: Parameter, cat: Catalog) -> list[Problem]:
    """The parameter's possible values (its unit's domain, or its own) must be a range
    that holds every limit of its requirement."""
    from snicert.judgment import domain_of, limits_outside

    domain = domain_of(param.model_dump(mode="json"), cat.units)
    if domain is None:
        return []
    origin = (
        "its own domain over the unit's"
        if param.domain is not None
        else f"unit {param.unit!r} in {UNITS_FILE}"
    )
    if domain.min is not None and domain.max is not None and domain.min > domain.max:
        return [
            _at(
                file,
                ["parameters", i, "domain"],
                param.domain.model_dump(mode="json"),
                f"no possible value: {domain} ({origin})",
            )
        ]
    requirement = param.requirement.model_dump(mode="json")
    return [
        _at(
            file,
            ["parameters", i, "requirement", *loc],
            int(limit) if limit == limit.to_integral_value() else float(limit),
            f"outside the parameter's possible values {domain} ({origin}); give the "
            "parameter a `domain` if its results can go there",
        )
        for loc, limit in limits_outside(requirement, domain)
    ]


def holidays_file() -> Path:
    return data_root() / "products" / HOLIDAYS_FILE


@lru_cache(maxsize=1)
def extra_holidays() -> HolidaysFile:
    """The LSPro's own days off (validated once per process; none when there is no file)."""
    path = holidays_file()
    if not path.exists():
        return HolidaysFile(days=[])
    days, problems = _validate(HolidaysFile, path, str(path))
    if problems:
        raise DataError(problems)
    return days


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    """The shipped catalog, validated once per process."""
    return load_catalog()
