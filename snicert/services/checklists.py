"""Checklist versions: loaded from checklists/, approved by an official, then frozen."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert import audit, clock
from snicert.audit import canonical_json
from snicert.catalog import Catalog
from snicert.db.models import ChecklistVersion, User
from snicert.errors import Conflict, NotFound
from snicert.roles import Role
from snicert.services.guards import require_role


def _content(catalog: Catalog, product: str) -> tuple[dict, str]:
    content = catalog.checklists[product].model_dump(
        mode="json", by_alias=True, exclude={"schema_"}
    )
    return content, hashlib.sha256(canonical_json(content).encode()).hexdigest()


def sync(s: Session, actor: User | None, catalog: Catalog) -> list[ChecklistVersion]:
    """Load every checklist file's version as a draft. An approved version is frozen: its
    file must change its `version` number before its content may change."""
    loaded = []
    for product in sorted(catalog.checklists):
        content, digest = _content(catalog, product)
        version = content["version"]
        row = s.scalar(
            select(ChecklistVersion).where(
                ChecklistVersion.product == product, ChecklistVersion.version == version
            )
        )
        if row is not None and row.sha256 == digest:
            continue
        if row is not None and row.status != "draft":
            raise Conflict(
                f"checklist {product} version {version} is {row.status} and frozen, "
                f"but {catalog.files[('checklists', product)]} differs from it: "
                "raise its `version` to make a new version"
            )
        if row is None:
            row = ChecklistVersion(product=product, version=version, status="draft")
            s.add(row)
        row.content, row.sha256, row.loaded_at = content, digest, clock.now()
        s.flush()
        audit.record(
            s,
            actor,
            "checklist.loaded",
            "checklist_version",
            row.id,
            product=product,
            version=version,
            sha256=digest,
        )
        loaded.append(row)
    return loaded


def approve(s: Session, actor: User, product: str, version: int) -> ChecklistVersion:
    require_role(actor, Role.OFFICIAL)
    row = s.scalar(
        select(ChecklistVersion)
        .where(ChecklistVersion.product == product, ChecklistVersion.version == version)
        .with_for_update()
    )
    if row is None:
        raise NotFound(f"checklist {product} version {version} is not loaded")
    if row.status != "draft":
        raise Conflict(f"checklist {product} version {version} is already {row.status}")
    for older in s.scalars(
        select(ChecklistVersion).where(
            ChecklistVersion.product == product, ChecklistVersion.status == "approved"
        )
    ):
        older.status = "retired"
    row.status, row.approved_by, row.approved_at = "approved", actor.id, clock.now()
    audit.record(
        s,
        actor,
        "checklist.approved",
        "checklist_version",
        row.id,
        product=product,
        version=version,
        sha256=row.sha256,
    )
    return row


def versions(s: Session) -> list[ChecklistVersion]:
    return list(
        s.scalars(
            select(ChecklistVersion).order_by(ChecklistVersion.product, ChecklistVersion.version)
        )
    )


def changes(s: Session, row: ChecklistVersion) -> dict[str, Any] | None:
    """What a version changes against its product's approved one (None: there is none, or
    it is this one): changed settings, and document items and parameters added, removed or
    changed, each change as (field, before, after)."""
    base = s.scalar(
        select(ChecklistVersion).where(
            ChecklistVersion.product == row.product, ChecklistVersion.status == "approved"
        )
    )
    if base is None or base.id == row.id:
        return None
    lists = ("document_items", "parameters")
    settings = {k: v for k, v in base.content.items() if k not in (*lists, "version")}
    new_settings = {k: v for k, v in row.content.items() if k not in (*lists, "version")}
    return {
        "against": base.version,
        "settings": _leaf_changes(settings, new_settings),
        **{
            key: _item_changes(base.content.get(key, []), row.content.get(key, [])) for key in lists
        },
    }


def _item_changes(old: list[dict], new: list[dict]) -> dict[str, Any]:
    before, after = {i["id"]: i for i in old}, {i["id"]: i for i in new}
    changed = {}
    for key in before.keys() & after.keys():
        if leaves := _leaf_changes(before[key], after[key]):
            changed[key] = leaves
    return {
        "added": [k for k in after if k not in before],
        "removed": [k for k in before if k not in after],
        "changed": dict(sorted(changed.items())),
    }


def _leaf_changes(old: dict, new: dict) -> list[tuple[str, Any, Any]]:
    a, b = _flat(old), _flat(new)
    return [(k, a.get(k), b.get(k)) for k in sorted(a.keys() | b.keys()) if a.get(k) != b.get(k)]


def _flat(value: dict, prefix: str = "") -> dict[str, Any]:
    """{"requirement": {"max": "7"}} -> {"requirement.max": "7"} (lists stay values)."""
    out: dict[str, Any] = {}
    for key, item in value.items():
        if isinstance(item, dict):
            out.update(_flat(item, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = item
    return out


def current(s: Session, product: str) -> ChecklistVersion:
    row = s.scalar(
        select(ChecklistVersion).where(
            ChecklistVersion.product == product, ChecklistVersion.status == "approved"
        )
    )
    if row is None:
        raise Conflict(
            f"no approved checklist for product {product}: an official must approve one "
            "(/admin/checklists, or snicert checklists approve) before applications can be "
            "submitted"
        )
    return row
