"""Complaints and appeals in the service layer: every lifecycle step allowed and refused
(roles, guards, conflicts), impartial handling, the 30-day limit and the rate limit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from snicert import clock, lifecycle
from snicert.db import engine as db
from snicert.db.models import AuditEvent, Certificate, Complaint, SurveillanceCase
from snicert.errors import (
    Conflict,
    IllegalTransition,
    InvalidInput,
    NotFound,
    PermissionDenied,
    SeparationOfDuties,
    TooManyAttempts,
)
from snicert.roles import Role
from snicert.services import accounts, appeals, certificates, complaints, decisions, sessions
from snicert.services.guards import application
from tests.world import World


@pytest.fixture
def world(home) -> World:
    w = World().setup_staff()
    with db.transaction() as s:
        official = w.user(s, "reviewer")
        for name in ("handler", "other"):
            user, _ = accounts.create_staff(
                s, official, f"{name}@lspro.example", name.title(), {Role.OFFICIAL}, "rahasia-123"
            )
            w.users[name] = user.id
    return w


def certified(w: World) -> tuple[int, str]:
    app_id = w.new_application("abon")
    w.advance_to(app_id, "certified")
    with db.reading() as s:
        cert = s.scalar(select(Certificate).where(Certificate.application_id == app_id))
        return cert.id, cert.number


def actions(seq_from: int) -> list[str]:
    with db.reading() as s:
        # (the officials told of a complaint are recorded too: notification.written)
        return list(
            s.scalars(
                select(AuditEvent.action).where(
                    AuditEvent.seq > seq_from, AuditEvent.entity != "notification"
                )
            )
        )


def last_seq() -> int:
    with db.reading() as s:
        return s.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1)) or 0


def file(number: str | None = None, address: str = "203.0.113.7", **kw) -> tuple[int, str]:
    with db.transaction() as s:
        row, code = complaints.file(
            s,
            address,
            subject="certificate" if number else "lspro",
            certificate_number=number,
            text_=kw.pop("text_", "Abon bermerek ini berbau tengik dan kemasannya bocor."),
            **kw,
        )
        return row.id, code


def test_complaint_lifecycle_and_its_refusals(world: World) -> None:
    cert_id, number = certified(world)
    before = last_seq()
    cid, code = file(
        number.lower(), contact_email="warga@example.id", contact_phone="0812 3456 789"
    )
    assert len(code) == 19 and code.count("-") == 3
    with db.reading() as s:
        row = complaints.track(s, code.lower().replace("-", ""))  # as typed, any case
        assert row.id == cid and row.state == "acknowledged"
        assert row.contact_phone == "+628123456789"
        assert row.number.startswith("ADU-")
        with pytest.raises(NotFound):
            complaints.track(s, "AAAA-AAAA-AAAA-AAAA")
    assert actions(before) == ["complaint.acknowledged"]

    with db.transaction() as s:
        # a step out of order, and the wrong role
        with pytest.raises(IllegalTransition):
            complaints.close(s, world.user(s, "handler"), cid, "upheld", "x")
        with pytest.raises(PermissionDenied):
            complaints.take(s, world.user(s, "sampler"), cid)
    for involved in ("reviewer", "evaluator", "decider"):
        with db.transaction() as s, pytest.raises(SeparationOfDuties, match="involved"):
            complaints.take(s, world.user(s, involved), cid)
    with db.transaction() as s:
        complaints.take(s, world.user(s, "handler"), cid)
    with db.transaction() as s:
        with pytest.raises(IllegalTransition):
            complaints.take(s, world.user(s, "other"), cid)  # taken already
        with pytest.raises(PermissionDenied, match="another official"):
            complaints.investigate(s, world.user(s, "other"), cid, "x")
        with pytest.raises(InvalidInput) as e:
            complaints.investigate(s, world.user(s, "handler"), cid, "  ")
        assert e.value.field == "note"
        with pytest.raises(Conflict, match="investigation"):
            complaints.close(s, world.user(s, "handler"), cid, "upheld", "Terbukti.")
    with db.transaction() as s:
        complaints.investigate(s, world.user(s, "handler"), cid, "Sampel pasar diuji: tengik.")
    with db.transaction() as s:
        handler = world.user(s, "handler")
        with pytest.raises(InvalidInput) as e:
            complaints.close(s, handler, cid, "maybe", "x")
        assert e.value.field == "outcome"
        with pytest.raises(InvalidInput) as e:
            complaints.close(s, handler, cid, "upheld", "")
        assert e.value.field == "public_outcome"
        with pytest.raises(InvalidInput) as e:
            complaints.close(s, handler, cid, "not_upheld", "x", "suspension")
        assert e.value.field == "action"
    with db.transaction() as s:
        complaints.close(
            s, world.user(s, "handler"), cid, "upheld", "Pengaduan terbukti.", "suspension"
        )
    with db.reading() as s:
        assert s.get(Certificate, cert_id).status == "suspended"
        assert s.get(Complaint, cid).state == "closed"
    assert [a for a in actions(before) if a.startswith(("complaint.", "certificate."))] == [
        "complaint.acknowledged",
        "complaint.taken",
        "complaint.investigated",
        "complaint.closed",
        "certificate.suspended",
    ]
    with db.transaction() as s, pytest.raises(IllegalTransition, match="final"):
        complaints.investigate(s, world.user(s, "handler"), cid, "more")


def test_a_complaint_opens_a_special_surveillance(world: World) -> None:
    cert_id, number = certified(world)
    cid, _ = file(number)
    with db.transaction() as s:
        h = world.user(s, "handler")
        complaints.take(s, h, cid)
        complaints.investigate(s, h, cid, "Perlu uji ulang di pasar.")
        complaints.close(
            s, h, cid, "upheld", "Akan dilakukan survailan khusus.", "special_surveillance"
        )
    with db.reading() as s:
        case = s.scalar(select(SurveillanceCase).where(SurveillanceCase.complaint_id == cid))
        assert case.certificate_id == cert_id and case.cycle == -1 and case.status == "open"


def test_a_complaint_about_the_lspro_has_no_certificate_action(world: World) -> None:
    cid, _ = file(None)
    with db.transaction() as s:
        h = world.user(s, "reviewer")  # no case: any official may handle it
        complaints.take(s, h, cid)
        complaints.investigate(s, h, cid, "Loket tutup lebih awal pada 3 November.")
        with pytest.raises(InvalidInput, match="about a certificate"):
            complaints.close(s, h, cid, "upheld", "x", "suspension")
        complaints.close(s, h, cid, "upheld", "Jam layanan diperbaiki.")


@pytest.mark.parametrize(
    ("field", "kw"),
    [
        ("text", {"text_": ""}),
        ("text", {"text_": "x" * 4001}),
        ("text", {"text_": "ada\x00nul"}),
        ("contact_email", {"contact_email": "bukan-email"}),
        ("contact_phone", {"contact_phone": "0380 821234"}),  # a landline
        ("contact_name", {"contact_name": "a" * 201}),
    ],
)
def test_bad_complaints_are_refused(world: World, field: str, kw: dict) -> None:
    with pytest.raises(InvalidInput) as e:
        file(None, **kw)
    assert e.value.field == field
    with db.reading() as s:
        assert s.scalar(select(Complaint.id)) is None


def test_unknown_certificate_and_subject_refused(world: World) -> None:
    with pytest.raises(InvalidInput) as e:
        file("SNI-ABN-2026-9999")
    assert e.value.field == "certificate_number"
    with db.transaction() as s, pytest.raises(InvalidInput) as e:
        complaints.file(s, "1.2.3.4", subject="neighbour", text_="x")
    assert e.value.field == "subject"


def test_complaints_are_rate_limited_per_address(world: World) -> None:
    for _ in range(sessions.COMPLAINTS.attempts):
        file(None, address="198.51.100.9")
    with pytest.raises(TooManyAttempts):
        file(None, address="198.51.100.9")
    file(None, address="198.51.100.10")  # another address is not held up
    with pytest.raises(InvalidInput):
        file(None, address="198.51.100.11", text_="")
    with db.reading() as s:
        assert len(s.scalars(select(Complaint.id)).all()) == sessions.COMPLAINTS.attempts + 1


# ---------------------------------------------------------------- appeals


def refused(w: World) -> int:
    app_id = w.new_application("abon")
    w.advance_to(app_id, "decision", failing={"moisture"})
    with db.transaction() as s:
        decisions.decide(s, w.user(s, "decider"), app_id, "refuse", "Kadar air melebihi batas.")
    return app_id


def test_an_appeal_of_a_refusal_decided_by_someone_uninvolved(world: World) -> None:
    app_id = refused(world)
    before = last_seq()
    world.applicant("abon", "applicant_other")
    with db.transaction() as s:
        for stranger in ("applicant_other", "handler"):  # not the case's applicant
            with pytest.raises(PermissionDenied):
                appeals.file(s, world.user(s, stranger), app_id, "refusal", "x")
        owner = world.owner(s, app_id)
        with pytest.raises(Conflict, match="to appeal"):
            appeals.file(s, owner, app_id, "suspension", "x")
        with pytest.raises(InvalidInput) as e:
            appeals.file(s, owner, app_id, "refusal", "")
        assert e.value.field == "grounds"
    with db.transaction() as s:
        aid = appeals.file(s, world.owner(s, app_id), app_id, "refusal", "Uji ulang lab lain.").id
    with db.transaction() as s, pytest.raises(Conflict, match="already"):
        appeals.file(s, world.owner(s, app_id), app_id, "refusal", "lagi")
    with db.transaction() as s:
        assert appeals.open_to_appeal(s, application(s, app_id)) == []
        with pytest.raises(SeparationOfDuties, match="appealed refusal|involved"):
            appeals.take(s, world.user(s, "decider"), aid)
        with pytest.raises(SeparationOfDuties, match="involved"):
            appeals.take(s, world.user(s, "evaluator"), aid)
        with pytest.raises(IllegalTransition):
            appeals.decide(s, world.user(s, "handler"), aid, "overturn", "x", "y")
    with db.transaction() as s:
        appeals.take(s, world.user(s, "handler"), aid)
    with db.transaction() as s:
        h = world.user(s, "handler")
        with pytest.raises(PermissionDenied):
            appeals.decide(s, world.user(s, "other"), aid, "uphold", "x")
        with pytest.raises(InvalidInput) as e:
            appeals.decide(s, h, aid, "overturn", "Metode uji salah.")
        assert e.value.field == "next_step"
        with pytest.raises(InvalidInput) as e:
            appeals.decide(s, h, aid, "uphold", " ")
        assert e.value.field == "reasons"
    with db.transaction() as s:
        row = appeals.decide(
            s,
            world.user(s, "handler"),
            aid,
            "overturn",
            "Metode uji kadar air salah.",
            "Evaluasi ulang atas permohonan baru tanpa biaya.",
        )
        assert row.state == "overturned"
    assert [a for a in actions(before) if a.startswith("appeal.")] == [
        "appeal.acknowledged",
        "appeal.taken",
        "appeal.decided",
    ]


def test_an_appeal_of_a_suspension_reinstates_when_overturned(world: World) -> None:
    cert_id, _ = certified(world)
    with db.transaction() as s:
        certificates.suspend(s, world.user(s, "other"), cert_id, "Label tidak sesuai.")
        app_id = s.get(Certificate, cert_id).application_id
    with db.transaction() as s:
        owner = world.owner(s, app_id)
        assert [d.kind for d in appeals.open_to_appeal(s, application(s, app_id))] == ["suspension"]
        aid = appeals.file(s, owner, app_id, "suspension", "Label sudah diperbaiki.").id
    with db.transaction() as s, pytest.raises(SeparationOfDuties, match="made the appealed"):
        appeals.take(s, world.user(s, "other"), aid)  # suspended it
    with db.transaction() as s:
        h = world.user(s, "handler")
        appeals.take(s, h, aid)
        appeals.decide(s, h, aid, "overturn", "Label sesuai SNI sejak awal.")
    with db.reading() as s:
        assert s.get(Certificate, cert_id).status == "active"


def test_appeals_close_after_thirty_days(world: World) -> None:
    app_id = refused(world)
    clock.freeze(clock.now() + timedelta(days=appeals.APPEAL_DAYS, minutes=1))
    with db.transaction() as s:
        assert appeals.open_to_appeal(s, application(s, app_id)) == []
        with pytest.raises(Conflict, match="within 30 days"):
            appeals.file(s, world.owner(s, app_id), app_id, "refusal", "Terlambat.")
    clock.freeze(clock.now() - timedelta(minutes=2))  # the last minute of the 30 days
    with db.transaction() as s:
        assert appeals.file(s, world.owner(s, app_id), app_id, "refusal", "Tepat waktu.").id


@pytest.mark.parametrize(
    ("table", "guards", "entity"),
    [
        (lifecycle.COMPLAINT_TRANSITIONS, complaints.GUARDS, "complaint"),
        (lifecycle.APPEAL_TRANSITIONS, appeals.GUARDS, "appeal"),
    ],
)
def test_every_step_of_the_tables_is_an_officials_and_its_guards_exist(
    world: World, table, guards, entity
) -> None:
    name = world.applicant()
    with db.reading() as s:
        official, sampler = world.user(s, "handler"), world.user(s, "sampler")
        applicant = world.user(s, name)
        for t in table:
            assert set(t.guards) <= set(guards), t.action
            for state in t.sources:
                assert lifecycle.check(state, t.action, official, table, entity) is t
                for other in (sampler, applicant):
                    with pytest.raises(PermissionDenied):
                        lifecycle.check(state, t.action, other, table, entity)
            for state in {x for x in t.target.__class__} - set(t.sources):
                with pytest.raises(IllegalTransition):
                    lifecycle.check(state, t.action, official, table, entity)
