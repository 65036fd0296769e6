"""The applicant's dossier and non-conformities as their page and the API show them: each
document with its guidance and state, the count of mandatory documents, and each finding
in words (the checklist item's text, never its id) with the document it concerns."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert import uploads
from snicert.db.models import Application, Document, Nonconformity
from snicert.services import applications


def _file(doc: Document) -> dict[str, Any]:
    return {
        "id": doc.id,
        "filename": doc.filename,
        "size": doc.size,
        "media_type": doc.media_type,
        "uploaded_at": doc.uploaded_at.isoformat(),
        "url": f"/documents/{doc.id}",
    }


def documents(
    app: Application, have: dict[str, Document]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every document the product asks for (`have`: the latest file of each kind), and the
    counter of mandatory ones."""
    rows = [
        {
            "kind": d["id"],
            "name": d["name"],
            "note": d.get("note"),
            "mandatory": d["mandatory"],
            "file_types": list(d["file_types"]),
            "max_size_mb": d["max_size_mb"],
            "uploaded": _file(have[d["id"]]) if d["id"] in have else None,
        }
        for d in applications.dossier_specs(app)
    ]
    mandatory = [r for r in rows if r["mandatory"]]
    missing = [r for r in mandatory if r["uploaded"] is None]
    counter = {
        "mandatory": len(mandatory),
        "uploaded": len(mandatory) - len(missing),
        "missing": [r["kind"] for r in missing],
        "missing_names": [r["name"] for r in missing],
    }
    return rows, counter


def findings(
    s: Session, app: Application, docs: list[dict[str, Any]], have: dict[str, Document]
) -> list[dict[str, Any]]:
    """The case's non-conformities, oldest first: what is wrong in words, the document it
    concerns and whether a file for it came in after it was raised, and the answers (with
    their files by name)."""
    if app.submitted_at is None:
        return []  # a draft has none: no query
    ncs = s.scalars(
        select(Nonconformity)
        .where(Nonconformity.application_id == app.id)
        .order_by(Nonconformity.id)
    ).all()
    by_kind = {d["kind"]: d for d in docs}
    items = {i["id"]: i for i in (app.checklist_snapshot or {}).get("document_items", [])}
    files = {
        d.id: d
        for d in s.scalars(
            select(Document).where(
                Document.id.in_({r.document_id for n in ncs for r in n.responses} - {None})
            )
        )
    }
    out = []
    for n in ncs:
        kind = applications.document_of(app, n)
        doc = by_kind.get(kind) if kind else None
        newer = have.get(kind) if kind else None
        item = items.get(n.item_id)
        out.append(
            {
                "id": n.id,
                "item_id": n.item_id,
                "item": item["text"] if item else None,  # what the reviewer checked
                "description": n.description,
                "source": n.source,
                "status": n.status,
                "round": n.round,
                # what a corrected file may be: the document's own rule, else any answer file
                "file_types": doc["file_types"] if doc else list(uploads.MEDIA_TYPES),
                "max_size_mb": doc["max_size_mb"] if doc else applications.NC_RESPONSE_LIMIT_MB,
                "document": (
                    {
                        "kind": kind,
                        "name": doc["name"],
                        # a file of that document came in after the finding: it is there now
                        "since": (
                            _file(newer) if newer and newer.uploaded_at > n.raised_at else None
                        ),
                    }
                    if doc
                    else None
                ),
                "responses": [
                    {
                        "text": r.text,
                        "at": r.at.isoformat(),
                        "file": _file(files[r.document_id]) if r.document_id in files else None,
                    }
                    for r in n.responses
                ],
            }
        )
    return out
