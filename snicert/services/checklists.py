"""Checklist versions: loaded from checklists/, approved by an official, then frozen."""

from __future__ import annotations

import hashlib

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


def current(s: Session, product: str) -> ChecklistVersion:
    row = s.scalar(
        select(ChecklistVersion).where(
            ChecklistVersion.product == product, ChecklistVersion.status == "approved"
        )
    )
    if row is None:
        raise Conflict(
            f"no approved checklist for product {product}: an official must approve "
            "one (snicert checklists approve) before applications can be submitted"
        )
    return row
