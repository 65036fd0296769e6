"""Certificates issued under an older version: when a product's lab checklist or audit
checklist gets a newer approved version (services/checklists.py), or its SNI changes (the
product file's `standards`), officials see every valid (active or suspended) certificate
issued under the older one, and assess each with an outcome
(lifecycle.VERSION_REVIEW_TRANSITIONS): no action, a new evaluation (a special
surveillance) or suspension. All is derived from what the certificate and its case
stored: the certificate's `checklist` and `standards`, and the checklist snapshot of the
case's site audit. One review per certificate, basis and newer version (a database
constraint); a still newer version makes the certificate pending again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert import audit, clock, lifecycle
from snicert.catalog import default_catalog
from snicert.db.models import Certificate, ChecklistVersion, SiteAudit, User, VersionReview
from snicert.errors import Conflict, InvalidInput
from snicert.lifecycle import VERSION_REVIEW_TRANSITIONS, CertState, VersionReviewState
from snicert.roles import Role
from snicert.services import changes, checklists, text
from snicert.services.guards import application, get, require_role

BASES = ("checklist", "audit_checklist", "standard")
OUTCOMES = ("no_action", "new_evaluation", "suspension")
LIVE = (CertState.ACTIVE.value, CertState.SUSPENDED.value)


@dataclass
class Affected:
    """One certificate issued under an older version of one basis."""

    certificate: Certificate
    basis: str
    issued_under: str
    against: str
    review: VersionReview | None

    @property
    def state(self) -> str:
        return (VersionReviewState.ASSESSED if self.review else VersionReviewState.PENDING).value


def _approved(s: Session, kind: str) -> dict[str, int]:
    """product -> the approved version of checklists of `kind`."""
    rows = s.execute(
        select(ChecklistVersion.product, ChecklistVersion.version).where(
            ChecklistVersion.kind == kind, ChecklistVersion.status == "approved"
        )
    )
    return {product: version for product, version in rows}


def _standards(product: str) -> str | None:
    try:
        p = default_catalog().product(product)
    except KeyError:
        return None  # a product no longer in the catalog: nothing newer to compare with
    return ", ".join(sorted(x.number for x in p.standards))


def _outdated(
    s: Session, cert: Certificate, lab: dict[str, int], aud: dict[str, int]
) -> list[tuple[str, str, str]]:
    """(basis, issued under, newer) for each basis on which `cert` is behind."""
    out = []
    mine = (cert.data.get("checklist") or {}).get("version")
    if mine is not None and cert.product in lab and lab[cert.product] > mine:
        out.append(("checklist", f"v{mine}", f"v{lab[cert.product]}"))
    site = s.scalar(
        select(SiteAudit.checklist_snapshot)
        .where(
            SiteAudit.application_id == cert.application_id,
            SiteAudit.surveillance_case_id.is_(None),
            SiteAudit.state == "passed",
        )
        .order_by(SiteAudit.id.desc())
        .limit(1)
    )
    if site and cert.product in aud and aud[cert.product] > site["version"]:
        out.append(("audit_checklist", f"v{site['version']}", f"v{aud[cert.product]}"))
    issued = ", ".join(sorted(x["number"] for x in cert.data.get("standards", [])))
    now = _standards(cert.product)
    if issued and now and issued != now:
        out.append(("standard", issued, now))
    return out


def affected(
    s: Session, actor: User, product: str | None = None, pending_only: bool = False
) -> list[Affected]:
    """Valid certificates issued under an older version, with their review if assessed."""
    require_role(actor, Role.OFFICIAL)
    lab, aud = _approved(s, checklists.LAB), _approved(s, checklists.AUDIT)
    q = select(Certificate).where(Certificate.status.in_(LIVE)).order_by(Certificate.id)
    if product:
        q = q.where(Certificate.product == product)
    rows = []
    for cert in s.scalars(q):
        for basis, under, against in _outdated(s, cert, lab, aud):
            review = s.scalar(
                select(VersionReview).where(
                    VersionReview.certificate_id == cert.id,
                    VersionReview.basis == basis,
                    VersionReview.against == against,
                )
            )
            if review is None or not pending_only:
                rows.append(Affected(cert, basis, under, against, review))
    return rows


# ---------------------------------------------------------------- the guards


def _still_affected(s: Session, actor: User, found: Affected | None, **_: Any) -> None:
    if found is None:
        raise Conflict("ver_err_not_behind")


def _note_stated(s: Session, actor: User, found: Affected | None, note: str = "", **_: Any) -> None:
    text.clean("note", note, text.LONG_TEXT - 60, multiline=True, required=True)


def _fits(s: Session, actor: User, found: Affected, outcome: str = "", **_: Any) -> None:
    if outcome not in OUTCOMES:
        raise InvalidInput("outcome", outcome, "err_choose", choices=", ".join(OUTCOMES))
    if outcome == "suspension" and found.certificate.status != CertState.ACTIVE:
        raise Conflict("ver_err_suspended", number=found.certificate.number)


GUARDS: dict[str, Callable[..., None]] = {
    "still_affected": _still_affected,
    "note_stated": _note_stated,
    "outcome_fits_certificate": _fits,
}


def assess(
    s: Session, actor: User, cert_id: int, basis: str, outcome: str, note: str
) -> VersionReview:
    """Mark one affected certificate as handled, with an outcome (and its effect)."""
    cert = get(s, Certificate, cert_id, "certificate")
    application(s, cert.application_id, lock=True)
    if basis not in BASES:
        raise InvalidInput("basis", basis, "err_choose", choices=", ".join(BASES))
    found = next(
        (
            a
            for a in affected(s, actor, cert.product)
            if a.certificate.id == cert.id and a.basis == basis
        ),
        None,
    )
    state = found.state if found else VersionReviewState.PENDING.value
    t = lifecycle.check(state, "assess", actor, VERSION_REVIEW_TRANSITIONS, "version review")
    for guard in t.guards:
        GUARDS[guard](s, actor, found, outcome=outcome, note=note)
    note = text.clean("note", note, text.LONG_TEXT - 60, multiline=True)
    cause = f"Versi baru ({basis} {found.against}): {note}"
    case = changes.follow(s, actor, cert, outcome, cause)
    row = VersionReview(
        certificate_id=cert.id,
        basis=basis,
        against=found.against,
        issued_under=found.issued_under,
        outcome=outcome,
        note=note,
        assessed_by=actor.id,
        assessed_at=clock.now(),
        surveillance_case_id=case.id if case else None,
    )
    s.add(row)
    s.flush()
    audit.record(
        s,
        actor,
        f"version_review.{t.event}",
        "version_review",
        row.id,
        cert.application_id,
        certificate=cert.number,
        basis=basis,
        issued_under=found.issued_under,
        against=found.against,
        outcome=outcome,
    )
    return row
