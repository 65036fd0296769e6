"""Load and validate product, checklist and unit files.

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

from snicert.catalog.models import Checklist, Product, Unit, UnitsFile

REPO_ROOT = Path(__file__).resolve().parents[2]
UNITS_FILE = "units.yaml"


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
    units: dict[str, Unit] = field(default_factory=dict)  # id and every alias -> Unit
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
    """1-based line of the YAML node at a pydantic error location, as deep as it resolves."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = [v for k, v in node.value if getattr(k, "value", None) == str(key)]
            if not match:
                continue  # discriminator tags and model names are not in the file
            node = match[0]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            if key >= len(node.value):
                break
            node = node.value[key]
        else:
            continue
        line = node.start_mark.line + 1
    return line


def _validate(model: type[BaseModel], path: Path, label: str) -> tuple[Any, list[Problem]]:
    try:
        raw, root = _read_yaml(path)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        return None, [Problem(label, "", _NO_VALUE, f"not valid YAML: {exc}")]
    if not isinstance(raw, dict):
        return None, [Problem(label, "", _NO_VALUE, "expected a mapping at the top level")]
    try:
        return model.model_validate(raw), []
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = [p for p in err["loc"]]
            problems.append(
                Problem(
                    label,
                    _dotted(loc, model),
                    err.get("input", _NO_VALUE) if err["type"] != "missing" else _NO_VALUE,
                    err["msg"],
                    _line_of(root, loc),
                )
            )
        return None, problems


_TAGS = {"max", "min", "range", "equals", "one_of", "negative", "sensory_normal", "pass_fail"}


def _dotted(loc: list[Any], model: type[BaseModel]) -> str:
    out = ""
    for i, part in enumerate(loc):
        # pydantic puts the discriminated union's tag into the location; it is not a field
        if part in _TAGS and i > 0 and loc[i - 1] == "requirement":
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# ---------------------------------------------------------------- catalog


def _kind_of(path: Path) -> str | None:
    parts = path.parent.parts
    if "checklists" in parts:
        return "units" if path.name == UNITS_FILE else "checklists"
    if "products" in parts:
        return "products"
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
    """Validate every data file under `dirs` (default: the repo's products/ and checklists/).

    Raises DataError listing every problem found, not only the first.
    """
    base = data_root()
    given = [Path(d) for d in dirs] if dirs else [base / "products", base / "checklists"]
    files = _yaml_files(given)
    kinds = {f: _kind_of(f.resolve()) for f in files}
    # A check of checklists alone still needs products and units to check against.
    if "products" not in kinds.values():
        files += _yaml_files([base / "products"])
    if "units" not in kinds.values():
        files.append(base / "checklists" / UNITS_FILE)
    kinds = {f: _kind_of(f.resolve()) for f in files}

    cat = Catalog()
    problems: list[Problem] = []
    parsed_checklists: list[tuple[Path, Checklist]] = []
    for f in files:
        label = str(f)
        kind = kinds[f]
        if kind is None:
            problems.append(Problem(label, "", _NO_VALUE,
                                    "put data files under a products/ or checklists/ folder"))
        elif kind == "units":
            units, errs = _validate(UnitsFile, f, label)
            problems += errs
            for u in units.units if units else []:
                for name in [u.id, *u.aliases]:
                    cat.units[name] = u
        elif kind == "products":
            product, errs = _validate(Product, f, label)
            problems += errs
            if product is None:
                continue
            if product.code in cat.products:
                other = cat.files[("products", product.code)]
                problems.append(Problem(label, "code", product.code,
                                        f"duplicate product code, also in {other}"))
                continue
            if f.stem != product.code:
                problems.append(Problem(label, "code", product.code,
                                        f"file name must be {product.code}.yaml"))
            cat.products[product.code] = product
            cat.files[("products", product.code)] = f
        else:
            checklist, errs = _validate(Checklist, f, label)
            problems += errs
            if checklist is not None:
                parsed_checklists.append((f, checklist))

    prefixes: dict[str, str] = {}
    for p in cat.products.values():
        if p.certificate_prefix in prefixes:
            problems.append(Problem(str(cat.files[("products", p.code)]), "certificate_prefix",
                                    p.certificate_prefix,
                                    f"already used by product {prefixes[p.certificate_prefix]}"))
        prefixes[p.certificate_prefix] = p.code

    for f, cl in parsed_checklists:
        problems += _cross_check(str(f), cl, cat)
        if cl.product in cat.checklists:
            problems.append(Problem(str(f), "product", cl.product,
                                    f"second checklist for this product, also in "
                                    f"{cat.files[('checklists', cl.product)]}"))
            continue
        cat.checklists[cl.product] = cl
        cat.files[("checklists", cl.product)] = f

    if problems:
        raise DataError(problems)
    return cat


def _cross_check(label: str, cl: Checklist, cat: Catalog) -> list[Problem]:
    problems: list[Problem] = []
    product = cat.products.get(cl.product)
    if product is None:
        known = ", ".join(sorted(cat.products)) or "none"
        return [Problem(label, "product", cl.product, f"unknown product (known: {known})")]
    doc_ids = {d.id for d in product.documents}
    for i, item in enumerate(cl.document_items):
        if item.document is not None and item.document not in doc_ids:
            problems.append(Problem(label, f"document_items[{i}].document", item.document,
                                    f"not a document of product {product.code}"))
    for i, param in enumerate(cl.parameters):
        unit = cat.units.get(param.unit)
        if unit is None:
            problems.append(Problem(label, f"parameters[{i}].unit", param.unit,
                                    "unknown unit (see checklists/units.yaml)"))
        elif param.requirement.kind in ("max", "min", "range") and not unit.numeric:
            problems.append(Problem(label, f"parameters[{i}].unit", param.unit,
                                    f"a {param.requirement.kind} requirement needs a numeric unit"))
    return problems


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    """The shipped catalog, validated once per process."""
    return load_catalog()
