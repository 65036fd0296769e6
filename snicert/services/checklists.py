"""Checklist versions: loaded from checklists/, approved by an official, then frozen.

Two kinds, each versioned on its own: `lab` (checklists/<product>.yaml: document items and
lab parameters) and `audit` (checklists/audit/<product>.yaml: the site-audit items).
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert import audit, clock, lifecycle
from snicert.audit import canonical_json
from snicert.catalog import Catalog
from snicert.db.models import ChecklistVersion, User
from snicert.errors import Conflict, NotFound
from snicert.lifecycle import ChecklistState
from snicert.messages import named
from snicert.roles import Role
from snicert.services.guards import require_role

LAB, AUDIT = "lab", "audit"
KINDS = (LAB, AUDIT)
_LISTS = {LAB: ("document_items", "parameters"), AUDIT: ("items",)}


def _files(catalog: Catalog, kind: str) -> dict[str, Any]:
    return catalog.checklists if kind == LAB else catalog.audit_checklists


def _content(catalog: Catalog, product: str, kind: str = LAB) -> tuple[dict, str]:
    content = _files(catalog, kind)[product].model_dump(
        mode="json", by_alias=True, exclude={"schema_"}
    )
    return content, hashlib.sha256(canonical_json(content).encode()).hexdigest()


def sync(s: Session, actor: User | None, catalog: Catalog) -> list[ChecklistVersion]:
    """Load every checklist file's version as a draft. An approved version is frozen: its
    file must change its `version` number before its content may change."""
    loaded = []
    for kind in KINDS:
        for product in sorted(_files(catalog, kind)):
            row = _sync_one(s, actor, catalog, product, kind)
            if row is not None:
                loaded.append(row)
    return loaded


def _sync_one(
    s: Session, actor: User | None, catalog: Catalog, product: str, kind: str
) -> ChecklistVersion | None:
    content, digest = _content(catalog, product, kind)
    version = content["version"]
    row = s.scalar(
        select(ChecklistVersion).where(
            ChecklistVersion.kind == kind,
            ChecklistVersion.product == product,
            ChecklistVersion.version == version,
        )
    )
    if row is not None and row.sha256 == digest:
        return None
    if row is not None and row.status != ChecklistState.DRAFT:
        raise Conflict(
            "cl_err_frozen",
            what=_name(kind),
            product=product,
            version=version,
            state=named(f"cl_{row.status}"),
            file=str(catalog.files[(_FILE_KEY[kind], product)]),
        )
    if row is None:
        row = ChecklistVersion(
            kind=kind, product=product, version=version, status=ChecklistState.DRAFT
        )
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
        **({"kind": kind} if kind != LAB else {}),
    )
    return row


_FILE_KEY = {LAB: "checklists", AUDIT: "audit_checklists"}


def _name(kind: str) -> dict[str, str]:
    return named("thing_checklist" if kind == LAB else "thing_audit_checklist")


CHECKLIST = lifecycle.LIFECYCLES["checklist_version"]


def approve(
    s: Session, actor: User, product: str, version: int, kind: str = LAB
) -> ChecklistVersion:
    require_role(actor, Role.OFFICIAL)
    row = s.scalar(
        select(ChecklistVersion)
        .where(
            ChecklistVersion.kind == kind,
            ChecklistVersion.product == product,
            ChecklistVersion.version == version,
        )
        .with_for_update()
    )
    if row is None:
        raise NotFound("cl_err_not_loaded", what=_name(kind), product=product, version=version)
    lifecycle.check(row.status, "approve", actor, CHECKLIST.transitions, CHECKLIST.label)
    named = {"product": product, **({"kind": kind} if kind != LAB else {})}
    for older in s.scalars(
        select(ChecklistVersion).where(
            ChecklistVersion.kind == kind,
            ChecklistVersion.product == product,
            ChecklistVersion.status == ChecklistState.APPROVED,
        )
    ):
        lifecycle.transition(
            s, older, CHECKLIST, "retire", actor, {}, version=older.version, by=version, **named
        )
    row.approved_by, row.approved_at = actor.id, clock.now()
    lifecycle.transition(
        s, row, CHECKLIST, "approve", actor, {}, version=version, sha256=row.sha256, **named
    )
    return row


def versions(s: Session) -> list[ChecklistVersion]:
    return list(
        s.scalars(
            select(ChecklistVersion).order_by(
                ChecklistVersion.kind.desc(), ChecklistVersion.product, ChecklistVersion.version
            )
        )
    )


def changes(s: Session, row: ChecklistVersion) -> dict[str, Any] | None:
    """What a version changes against its product's approved one (None: there is none, or
    it is this one): changed settings, and document items and parameters added, removed or
    changed, each change as (field, before, after)."""
    base = s.scalar(
        select(ChecklistVersion).where(
            ChecklistVersion.kind == row.kind,
            ChecklistVersion.product == row.product,
            ChecklistVersion.status == ChecklistState.APPROVED,
        )
    )
    if base is None or base.id == row.id:
        return None
    lists = _LISTS[row.kind]
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


def open_products(s: Session) -> frozenset[str]:
    """The products open for application: those whose lab checklist has an approved
    version (submission snapshots it, so an application for any other product would be
    stuck in draft)."""
    return frozenset(
        s.scalars(
            select(ChecklistVersion.product).where(
                ChecklistVersion.kind == LAB, ChecklistVersion.status == ChecklistState.APPROVED
            )
        )
    )


def current(s: Session, product: str, kind: str = LAB) -> ChecklistVersion:
    row = s.scalar(
        select(ChecklistVersion).where(
            ChecklistVersion.kind == kind,
            ChecklistVersion.product == product,
            ChecklistVersion.status == ChecklistState.APPROVED,
        )
    )
    if row is None:
        raise Conflict(
            "cl_err_none_approved" if kind == LAB else "cl_err_none_approved_audit", product=product
        )
    return row
