"""JSON Schemas for the data files, generated from the pydantic models.

The generated files are committed next to the data (editors validate and autocomplete
through the `$schema` key / yaml-language-server comment); a test keeps them in sync.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from snicert.catalog.loader import data_root
from snicert.catalog.models import (
    Agreement,
    AuditChecklist,
    Checklist,
    HolidaysFile,
    Product,
    UnitsFile,
)
from snicert.services.bsn_export import BsnExport

SCHEMAS: dict[str, type[BaseModel]] = {
    "products/product.schema.json": Product,
    "products/holidays.schema.json": HolidaysFile,
    "products/agreement.schema.json": Agreement,
    "checklists/checklist.schema.json": Checklist,
    "checklists/units.schema.json": UnitsFile,
    "checklists/audit/audit_checklist.schema.json": AuditChecklist,
    "docs/bsn-export.schema.json": BsnExport,
}


def render(model: type[BaseModel]) -> str:
    schema = model.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def write_all(root: Path | None = None) -> list[Path]:
    root = root or data_root()
    written = []
    for rel, model in SCHEMAS.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(model), encoding="utf-8")
        written.append(path)
    return written
