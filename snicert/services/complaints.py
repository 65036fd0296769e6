"""Complaints (ISO/IEC 17065 §7.13): anyone files one about a certificate (its product or
holder) or about the LSPro, without signing in, and follows it with a tracking code. An
official not involved in the subject takes it, records the investigation and closes it
with an outcome told to the complainant; an upheld complaint may open a special
surveillance or suspend the certificate (through their own lifecycles).

The steps follow lifecycle.COMPLAINT_TRANSITIONS and its named guards (GUARDS below). Each
step is audited as `complaint.<event>`. A complainant without an account who left an
e-mail or phone is told here, in the same transaction (notifications.notify_contact): the
acknowledgement with the tracking link (the code exists in clear only at filing) and the
outcome at closing; the officials are told through snicert/services/moments.py.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert import audit, clock, lifecycle, phones
from snicert.db.models import Certificate, Complaint, SurveillanceCase, User
from snicert.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from snicert.lifecycle import COMPLAINT_TRANSITIONS, ComplaintState, Transition
from snicert.messages import named
from snicert.roles import Role
from snicert.services import certificates, counters, monitoring, notifications, sessions, text
from snicert.services.accounts import EMAIL_RE
from snicert.services.guards import application, get, require_role
from snicert.services.impartiality import impartial

SUBJECTS = ("certificate", "lspro")  # a certified product or holder; the LSPro itself
OUTCOMES = ("upheld", "not_upheld")
ACTIONS = ("none", "special_surveillance", "suspension")
# 32 letters and digits without look-alikes (0/O, 1/I): 16 of them are 80 random bits
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 16


def new_tracking_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def _hash(code: str) -> str:
    """The stored form of a tracking code, as typed in any case, with or without dashes."""
    normal = "".join(ch for ch in text.harmless(code).upper() if ch.isalnum())
    return hashlib.sha256(normal.encode()).hexdigest()


def file(
    s: Session,
    address: str,
    *,
    subject: str,
    text_: str,
    certificate_number: str | None = None,
    contact_name: str | None = None,
    contact_email: str | None = None,
    contact_phone: str | None = None,
    lang: str = "id",
) -> tuple[Complaint, str]:
    """Record a complaint from anyone, acknowledged at once; returns it and its tracking
    code (shown once: only its hash is kept). At most sessions.COMPLAINTS per address."""
    if subject not in SUBJECTS:
        raise InvalidInput("subject", subject, "cmp_no_subject")
    if not isinstance(text_, str) or not text_.strip():
        raise InvalidInput("text", "", "cmp_need_text")
    body = text.clean("text", text_, Complaint.text, multiline=True)
    cert = None
    number = text.optional("certificate_number", certificate_number, Certificate.number)
    if subject == "certificate":
        if number is None:
            raise InvalidInput("certificate_number", "", "cmp_need_certificate")
        cert = s.scalar(select(Certificate).where(Certificate.number == number.upper()))
        if cert is None:
            raise InvalidInput("certificate_number", number, "cmp_no_certificate")
    name = text.optional("contact_name", contact_name, Complaint.contact_name)
    email = text.optional("contact_email", contact_email, Complaint.contact_email)
    if email is not None and not EMAIL_RE.match(email):
        raise InvalidInput("contact_email", email, "cmp_bad_email")
    phone = phones.indonesian_mobile("contact_phone", contact_phone)
    if lang not in notifications.LANGS:
        raise InvalidInput("lang", lang, "err_lang")
    sessions.claim_complaint(s, address)
    now = clock.now()
    code = new_tracking_code()
    row = Complaint(
        number=f"ADU-{now.year}-{counters.next_value(s, f'complaint:{now.year}'):04d}",
        tracking_hash=_hash(code),
        subject=subject,
        certificate_id=cert.id if cert else None,
        application_id=cert.application_id if cert else None,
        text=body,
        contact_name=name,
        contact_email=email.lower() if email else None,
        contact_phone=phone,
        lang=lang,
        state=ComplaintState.ACKNOWLEDGED.value,
        filed_at=now,
    )
    s.add(row)
    s.flush()
    audit.record(
        s,
        None,
        "complaint.acknowledged",
        "complaint",
        row.id,
        row.application_id,
        number=row.number,
        subject=subject,
        certificate=cert.number if cert else None,
        contact=bool(email or phone),
    )
    _tell(s, row, "complaint_acknowledged_public", f"/complaints/{code}", code=code)
    return row, code


def _tell(s: Session, row: Complaint, moment: str, link: str, **params: Any) -> None:
    notifications.notify_contact(
        s,
        row.contact_email,
        row.contact_phone,
        row.lang,
        moment,
        {"complaint": row.number, **params},
        link,
        f"complaint:{row.id}:{moment}",
    )


def track(s: Session, code: str) -> Complaint:
    """The complaint a tracking code names (NotFound for any other string)."""
    row = s.scalar(select(Complaint).where(Complaint.tracking_hash == _hash(code or "")))
    if row is None:
        raise NotFound("cmp_err_tracking")
    return row


def certificate_of(s: Session, row: Complaint) -> Certificate | None:
    return s.get(Certificate, row.certificate_id) if row.certificate_id else None


# ---------------------------------------------------------------- the guards


def _impartial(s: Session, actor: User, row: Complaint, **_: Any) -> None:
    app = application(s, row.application_id) if row.application_id else None
    impartial(s, actor, app)


def _handler(s: Session, actor: User, row: Complaint, **_: Any) -> None:
    if row.handler_id != actor.id:
        raise PermissionDenied("cmp_err_handler", number=row.number)


def _note_stated(s: Session, actor: User, row: Complaint, note: str = "", **_: Any) -> None:
    text.clean("note", note, text.LONG_TEXT, multiline=True, required=True)


def _investigated(s: Session, actor: User, row: Complaint, **_: Any) -> None:
    if not row.investigation:
        raise Conflict("cmp_err_investigate_first", number=row.number)


def _outcome_stated(
    s: Session, actor: User, row: Complaint, outcome: str = "", public_outcome: str = "", **_: Any
) -> None:
    if outcome not in OUTCOMES:
        raise InvalidInput(
            "outcome", outcome, "err_choose", choices=[named(f"cmp_out_{o}") for o in OUTCOMES]
        )
    text.clean(
        "public_outcome",
        public_outcome,
        Complaint.public_outcome,
        multiline=True,
        required=True,
    )


def _action_fits_subject(
    s: Session, actor: User, row: Complaint, outcome: str = "", action: str = "", **_: Any
) -> None:
    if action not in ACTIONS:
        raise InvalidInput(
            "action", action, "err_choose", choices=[named(f"cmp_act_{a}") for a in ACTIONS]
        )
    if action != "none" and row.certificate_id is None:
        raise InvalidInput("action", action, "cmp_err_action_certificate")
    if action != "none" and outcome != "upheld":
        raise InvalidInput("action", action, "cmp_err_action_upheld")


GUARDS: dict[str, Callable[..., None]] = {
    "impartial": _impartial,
    "handler": _handler,
    "note_stated": _note_stated,
    "investigated": _investigated,
    "outcome_stated": _outcome_stated,
    "action_fits_subject": _action_fits_subject,
}


def _step(s: Session, actor: User, complaint_id: int, step: str, **data: Any) -> Transition:
    row = get(s, Complaint, complaint_id, "complaint")
    t = lifecycle.check(row.state, step, actor, COMPLAINT_TRANSITIONS, "complaint")
    for guard in t.guards:
        GUARDS[guard](s, actor, row, **data)
    return t


def _record(s: Session, actor: User, row: Complaint, t: Transition, **data: Any) -> None:
    before = row.state
    row.state = t.target.value
    audit.record(
        s,
        actor,
        f"complaint.{t.event}",
        "complaint",
        row.id,
        row.application_id,
        **{"from": before, "to": row.state, "number": row.number, **data},
    )


# ---------------------------------------------------------------- the steps


def take(s: Session, actor: User, complaint_id: int) -> Complaint:
    """An official not involved in the subject takes the complaint to investigate it."""
    t = _step(s, actor, complaint_id, "take")
    row = s.get(Complaint, complaint_id)
    row.handler_id, row.taken_at = actor.id, clock.now()
    _record(s, actor, row, t)
    return row


def investigate(s: Session, actor: User, complaint_id: int, note: str) -> Complaint:
    """The handler records what the investigation found (private; appended, dated)."""
    t = _step(s, actor, complaint_id, "investigate", note=note)
    row = s.get(Complaint, complaint_id)
    note = text.clean("note", note, text.LONG_TEXT, multiline=True)
    stamp = clock.now().strftime("%Y-%m-%d %H:%M UTC")
    entry = f"[{stamp}] {note}"
    combined = f"{row.investigation}\n\n{entry}" if row.investigation else entry
    if len(combined) > text.LONG_TEXT:
        raise InvalidInput("note", note[:40], "cmp_err_record_full")
    row.investigation = combined
    _record(s, actor, row, t, note=note)
    return row


def close(
    s: Session,
    actor: User,
    complaint_id: int,
    outcome: str,
    public_outcome: str,
    action: str = "none",
) -> Complaint:
    """The handler closes the complaint: upheld or not, what the complainant is told, and
    (upheld, about a certificate) a special surveillance or the certificate's suspension."""
    t = _step(
        s,
        actor,
        complaint_id,
        "close",
        outcome=outcome,
        public_outcome=public_outcome,
        action=action,
    )
    row = s.get(Complaint, complaint_id)
    told = text.clean("public_outcome", public_outcome, Complaint.public_outcome, multiline=True)
    row.outcome, row.action, row.public_outcome = outcome, action, told
    row.closed_at = clock.now()
    _record(s, actor, row, t, outcome=outcome, follow_up=action)
    # the tracking code is kept hashed only: the message points to the first one for it
    _tell(s, row, "complaint_closed_public", "/", outcome=told)
    cert = certificate_of(s, row)
    if action == "special_surveillance":
        monitoring.open_special_surveillance(s, actor, cert, row)
    elif action == "suspension":
        certificates.suspend(s, actor, cert.id, f"Pengaduan {row.number}: {told}"[:9000])
    return row


def listing(s: Session, actor: User, state: str | None = None) -> list[Complaint]:
    require_role(actor, Role.OFFICIAL)
    q = select(Complaint).order_by(Complaint.filed_at.desc(), Complaint.id.desc()).limit(500)
    if state:
        if state not in {x.value for x in ComplaintState}:
            raise InvalidInput(
                "state", state, "err_choose", choices=[named(f"cmp_st_{x}") for x in ComplaintState]
            )
        q = q.where(Complaint.state == state)
    return list(s.scalars(q))


def special_surveillance(s: Session, row: Complaint) -> SurveillanceCase | None:
    return s.scalar(select(SurveillanceCase).where(SurveillanceCase.complaint_id == row.id))
