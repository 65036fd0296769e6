"""Certificates: issuance with gap-free numbers, and suspend / reinstate / withdraw / expire."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert import audit, clock, lifecycle, settings, snapshots
from snicert.db.models import Certificate, Evaluation, User
from snicert.errors import Conflict, InvalidInput
from snicert.lifecycle import CERTIFICATE_TRANSITIONS, CertState
from snicert.services import dates, text
from snicert.services.guards import application, get


def number_for(prefix: str, year: int, seq: int) -> str:
    """SNI-<PREFIX>-<YEAR>-<NNNN>, e.g. SNI-ABN-2026-0001: product, year, sequence."""
    return f"SNI-{prefix}-{year}-{seq:04d}"


def _add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def issue(s: Session, actor: User, app_id: int) -> Certificate:
    """Issue the certificate of a granted application (numbers come from a locked counter)."""
    from snicert.services import counters

    app = application(s, app_id, lock=True)
    lifecycle.check(app.state, "issue", actor)
    body = certification_body()
    product = snapshots.product(app)
    now = clock.now()
    seq = counters.next_value(s, f"certificate:{product.certificate_prefix}:{now.year}")
    number = number_for(product.certificate_prefix, now.year, seq)
    scheme = product.scheme
    valid_until = _add_years(now, scheme.validity_years) if scheme.validity_years else None
    evaluation = s.scalar(select(Evaluation).where(Evaluation.application_id == app.id))
    b = app.business
    data: dict[str, Any] = {
        "number": number,
        "holder": {
            "name": b.name,
            "nib": b.nib,
            "address": b.address,
            "city": b.city,
            "province": b.province,
        },
        "production_site": app.production_site,
        "brand": app.brand,
        "product": {
            "code": app.product,
            "name": product.name.model_dump(),
            "variants": app.variants,
        },
        "standards": [{"number": x.number, "title": x.title} for x in product.standards],
        "scheme": scheme.type,
        "scope": app.lot if scheme.type == "1b" else product.scope.model_dump(),
        "issued_at": now.isoformat(),
        "valid_until": valid_until.isoformat() if valid_until else None,
        "checklist": {"product": app.product, "version": snapshots.checklist(app).version},
        "evaluation_id": evaluation.id if evaluation else None,
        "application": app.number,
        "certification_body": body,
    }
    cert = Certificate(
        application_id=app.id,
        number=number,
        product=app.product,
        business_id=app.business_id,
        status=CertState.ACTIVE.value,
        issued_by=actor.id,
        issued_at=now,
        valid_until=valid_until,
        data=data,
    )
    s.add(cert)
    s.flush()
    cert.key_id, cert.credential = _render(s, app, cert)
    audit.record(
        s,
        actor,
        "certificate.issued",
        "certificate",
        cert.id,
        app.id,
        number=number,
        key_id=cert.key_id,
    )
    lifecycle.apply(s, app, "issue", actor, certificate=number)
    return cert


def certification_body() -> dict[str, Any]:
    """Who certifies, as the certificate names it (ISO/IEC 17065 §7.7); refused while the
    LSPro's identity settings are incomplete."""
    cfg = settings.current()
    missing = cfg.missing_identity()
    if missing:
        raise Conflict("cert_err_identity", names=[settings.env_name(n) for n in missing])
    return {
        "name": cfg.lspro_name,
        "address": cfg.lspro_address,
        "accreditation": cfg.lspro_accreditation,
        "signatory": {"name": cfg.signatory_name, "title": cfg.signatory_title},
    }


PHOTO_KIND = "product_photos"


def _render(s: Session, app, cert: Certificate) -> tuple[str, dict[str, Any]]:
    """Sign and render the certificate (JSON credential, HTML, PDF, PNG, label) into
    SNICERT_HOME/outputs/<application>/ (placed there once the issuance commits); returns
    the signing key's id and the signed credential, stored with the row."""
    from snicert import outputs, storage
    from snicert.certs import ensure_keypair, render_certificate
    from snicert.services.applications import latest_documents

    photo_doc = latest_documents(s, app.id).get(PHOTO_KIND)
    photo = storage.get(photo_doc.sha256) if photo_doc is not None else None
    rendered = render_certificate(cert.data, photo, ensure_keypair())
    for kind, name, data, media_type in rendered.files():
        outputs.write(
            s, f"certificate:{cert.id}", kind, f"outputs/{app.number}/{name}", data, media_type
        )
    return rendered.kid, rendered.credential


def _past_validity(s: Session, cert: Certificate, actor: User) -> None:
    if cert.valid_until is None or cert.valid_until > clock.now():
        if cert.valid_until is None:
            raise Conflict("cert_err_lot", number=cert.number)
        raise Conflict(
            "cert_err_valid", number=cert.number, until=settings.local_time(cert.valid_until)
        )


# the named guards of CERTIFICATE_TRANSITIONS
GUARDS: dict[str, lifecycle.Guard] = {"past_validity": _past_validity}
_LIFECYCLE = lifecycle.LIFECYCLES["certificate"]


def _change(
    s: Session, actor: User, cert_id: int, action: str, reason: str | None, **data: Any
) -> Certificate:
    cert = get(s, Certificate, cert_id, "certificate")
    # an illegal step is refused as such, before its reason is judged
    lifecycle.check(cert.status, action, actor, CERTIFICATE_TRANSITIONS, "certificate")
    reason = text.clean(
        "reason",
        reason,
        Certificate.status_reason,
        multiline=True,
        required=True,
    )
    lifecycle.transition(
        s, cert, _LIFECYCLE, action, actor, GUARDS, cert.application_id, reason=reason, **data
    )
    cert.status_reason = reason
    return cert


def suspend(
    s: Session, actor: User, cert_id: int, reason: str, fix_by: datetime | None = None
) -> Certificate:
    if fix_by is not None:
        dates.fix_by("fix_by", fix_by, get(s, Certificate, cert_id, "certificate").valid_until)
    return _change(
        s, actor, cert_id, "suspend", reason, fix_by=fix_by.isoformat() if fix_by else None
    )


def reinstate(s: Session, actor: User, cert_id: int, reason: str) -> Certificate:
    return _change(s, actor, cert_id, "reinstate", reason)


def withdraw(s: Session, actor: User, cert_id: int, reason: str) -> Certificate:
    return _change(s, actor, cert_id, "withdraw", reason)


# What an official may do to a certificate by hand (the rest happens to it: expiry).
OFFICIAL_ACTIONS = ("suspend", "reinstate", "withdraw")


def change(
    s: Session,
    actor: User,
    cert_id: int,
    action: str,
    reason: str,
    fix_by: datetime | None = None,
) -> Certificate:
    """An official's change named by its action (a page's form): suspend (with an optional
    fix-by date), reinstate or withdraw."""
    if action == "suspend":
        return suspend(s, actor, cert_id, reason, fix_by)
    if action == "reinstate":
        return reinstate(s, actor, cert_id, reason)
    if action == "withdraw":
        return withdraw(s, actor, cert_id, reason)
    raise InvalidInput("action", action, "err_choose", choices=", ".join(OFFICIAL_ACTIONS))


def expire(s: Session, actor: User, cert_id: int) -> Certificate:
    return _change(s, actor, cert_id, "expire", "validity ended")
