"""Who is told what (snicert.services.moments) and when (snicert.services.reminders): each
moment reaches the right people, once, in their language, with a link to act on; the
sweep's reminders, escalation, digest and expiry notices come once however often it runs;
every text exists in Bahasa Indonesia and English and carries no internal codes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from snicert import clock, settings
from snicert.db import engine as db
from snicert.db.models import Certificate, Notification, SurveillanceCase, User
from snicert.lifecycle import CERTIFICATE_TRANSITIONS, TRANSITIONS, CertState, State
from snicert.notifications import catalog
from snicert.roles import Role
from snicert.services import (
    applications,
    certificates,
    dates,
    decisions,
    moments,
    monitoring,
    notifications,
    reminders,
)
from tests.world import World

OFFICIALS = ("reviewer", "evaluator", "decider")
WITA = timedelta(hours=8)


def told(w: World, name: str) -> list[str]:
    """The moments `name` was told, in order."""
    with db.transaction() as s:
        return list(
            s.scalars(
                select(Notification.moment)
                .where(Notification.user_id == w.users[name])
                .order_by(Notification.id)
            )
        )


def notes(w: World, name: str, moment: str) -> list[Notification]:
    with db.transaction() as s:
        return list(
            s.scalars(
                select(Notification)
                .where(Notification.user_id == w.users[name], Notification.moment == moment)
                .order_by(Notification.id)
            )
        )


def total() -> int:
    with db.transaction() as s:
        return len(s.scalars(select(Notification.id)).all())


def owner_name(w: World, app_id: int) -> str:
    return next(k for k, v in w.users.items() if v == w.users[f"owner:{app_id}"] and ":" not in k)


@pytest.fixture
def world(home) -> World:
    clock.freeze(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))  # Monday 09:00 WITA
    return World().setup_staff()


def test_every_moment_of_a_case_reaches_the_right_people_once(world: World) -> None:
    w = world
    app_id = w.new_application("abon")
    applicant = owner_name(w, app_id)
    with db.transaction() as s:  # this applicant reads English
        notifications.set_preferences(
            s, w.user(s, applicant), lang="en", email=True, whatsapp=False, phone=None
        )
    w.advance_to(app_id, "document_review")
    app = w.app(app_id)
    first_item = app.checklist_snapshot["document_items"][0]
    [document] = [d for d in app.product_snapshot["documents"] if d["id"] == first_item["document"]]
    w.review_all(app_id, nonconform={first_item["id"]})
    with db.transaction() as s:
        for nc in applications.open_nonconformities(s, app_id):
            applications.answer_nonconformity(s, w.owner(s, app_id), nc.id, "Sudah diperbaiki")
    w.advance_to(app_id, "certified")
    with db.transaction() as s:
        cert = s.scalar(select(Certificate).where(Certificate.application_id == app_id))
        official = w.user(s, "reviewer")
        certificates.suspend(
            s, official, cert.id, "Label tanpa nomor SNI.", fix_by=clock.now() + timedelta(days=30)
        )
        certificates.reinstate(s, official, cert.id, "Label sudah diperbaiki")
        certificates.withdraw(s, official, cert.id, "Tanda SNI dipakai pada produk lain")
        number = cert.number

    assert told(w, applicant) == [
        "application_received",
        "invoice_issued",
        "payment_confirmed",
        "review_nonconformities",
        "sampling_planned",
        "test_report_conform",
        "decision_granted",
        "certificate_issued",
        "certificate_suspended",
        "certificate_reinstated",
        "certificate_withdrawn",
    ]
    # staff: new work in their own queue, never a step they took themselves
    # (the reviewer confirmed the payment: the others are told the documents await review)
    assert told(w, "reviewer") == ["payment_proof_waiting", "review_waiting", "evaluation_waiting"]
    assert told(w, "evaluator") == [
        "payment_proof_waiting",
        "review_waiting",
        "review_waiting",
        "evaluation_waiting",
    ]
    # only the official who neither reviewed nor evaluated is asked to decide
    assert told(w, "decider") == [
        "payment_proof_waiting",
        "review_waiting",
        "review_waiting",
        "evaluation_waiting",
        "decision_waiting",
    ]
    assert told(w, "sampler") == ["sampling_waiting"]
    assert told(w, "analyst") == ["samples_on_the_way"]
    # every result awaits verification, told once a day per case; the analyst who entered
    # them is not asked to verify (labboth holds both roles and did not enter them)
    assert told(w, "verifier") == ["results_to_verify"]
    assert told(w, "labboth") == ["samples_on_the_way", "results_to_verify"]

    base = settings.current().public_url
    [issued] = notes(w, applicant, "certificate_issued")
    assert issued.lang == "en" and issued.subject == f"Certificate {number} issued"
    assert f"{base}/applications/{app_id}/certificate.pdf" in issued.body
    assert f"{base}/verify/{number}" in issued.body
    assert issued.link == f"/applications/{app_id}"
    [nc] = notes(w, applicant, "review_nonconformities")
    assert f"{document['name']['en']}: Perbaiki dokumen" in nc.body
    [suspended] = notes(w, applicant, "certificate_suspended")
    assert "Label tanpa nomor SNI" in suspended.body and "01/04/2026" in suspended.body
    with db.reading() as s:  # free text ends a sentence without a doubled full stop
        for body in s.scalars(select(Notification.body)):
            assert ".." not in body and "SNI SNI-" not in body, body
    [review] = notes(w, "decider", "decision_waiting")
    assert review.lang == "id" and review.link == f"/decision/{app_id}"
    assert notes(w, "sampler", "sampling_waiting")[0].link == "/sampling"


def test_refusal_withdrawal_and_screening(world: World) -> None:
    w = world
    refused = w.new_application("abon")
    w.advance_to(refused, "decision", failing={"total_plate_count"})
    with db.transaction() as s:
        decisions.decide(
            s, w.user(s, "decider"), refused, "refuse", "Angka lempeng total melebihi batas"
        )
    assert told(w, owner_name(w, refused)) == [
        "application_received",
        "invoice_issued",
        "payment_confirmed",
        "sampling_planned",
        "test_report_nonconform",
        "decision_refused",
    ]
    [note] = notes(w, owner_name(w, refused), "decision_refused")
    assert "Angka lempeng total melebihi batas" in note.body and "banding" in note.body
    [report] = notes(w, owner_name(w, refused), "test_report_nonconform")
    assert "1 parameter tidak memenuhi syarat" in report.body

    incomplete = w.new_application("emping")
    w.submit_with_gaps(incomplete)
    with db.transaction() as s:
        applications.screen(s, w.user(s, "system"), incomplete)
        applications.withdraw(s, w.owner(s, incomplete), incomplete, "Belum siap")
    assert told(w, owner_name(w, incomplete)) == [
        "application_received",
        "screening_nonconformities",
        "application_withdrawn",
    ]
    [gaps] = notes(w, owner_name(w, incomplete), "screening_nonconformities")
    assert "Dokumen wajib belum ada" in gaps.body and "…" in gaps.body  # cut for a phone


def _sweep(w: World) -> int:
    """What the daily sweep does that tells people (flows/surveillance.py, in its order);
    returns the number of notifications written."""
    before = total()
    with db.transaction() as s:
        system = w.user(s, "system")
        monitoring.open_due_surveillance(s, system)
        monitoring.expire_certificates(s, system)
        monitoring.flag_overdue(s, system)
        by_reminders = reminders.send(s, system)
    written = total() - before
    assert by_reminders <= written
    return written


def _at_local(day, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - WITA


def test_reminders_before_and_on_the_due_date_and_escalation(world: World) -> None:
    w = world
    review = w.new_application("abon")  # waits for the officials
    w.advance_to(review, "document_review")
    answer = w.new_application("abon")  # waits for its applicant
    w.advance_to(answer, "document_review")
    w.review_all(answer, nonconform={w.app(answer).checklist_snapshot["document_items"][0]["id"]})
    applicant = owner_name(w, answer)
    due_review = dates.local_day(w.app(review).due_at)  # 5 working days: Monday 9 March
    due_answer = dates.local_day(w.app(answer).due_at)  # 10 working days: Monday 16 March
    assert (due_review.isoformat(), due_answer.isoformat()) == ("2026-03-09", "2026-03-16")
    before = {n: len(told(w, n)) for n in (*OFFICIALS, applicant)}

    clock.freeze(_at_local(reminders.working_days_before(due_review, 3)) - timedelta(days=1))
    assert _sweep(w) == 0  # 4 working days before: nothing yet

    clock.freeze(_at_local(reminders.working_days_before(due_review, 3)))  # Wednesday 4 March
    assert _sweep(w) == 3  # the three officials
    assert _sweep(w) == 0  # a second sweep the same day sends nothing new
    [soon] = notes(w, "reviewer", "deadline_soon")
    assert soon.link == f"/review/{review}"
    assert "meninjau dokumen" in soon.body and "09/03/2026" in soon.body

    clock.freeze(_at_local(due_review, 8))  # the due day, before the hour it is due
    assert _sweep(w) == 3
    assert _sweep(w) == 0
    clock.freeze(_at_local(due_review, 11))  # later that day: overdue now
    assert _sweep(w) == 6  # each official: this case overdue, and the day's digest
    assert _sweep(w) == 0
    [overdue] = notes(w, "decider", "case_overdue")
    assert w.app(review).number in overdue.body and overdue.link == f"/review/{review}"
    [digest] = notes(w, "evaluator", "overdue_digest")
    assert digest.link == "/dashboard" and w.app(review).number in digest.body

    clock.freeze(_at_local(due_answer - timedelta(days=5)))  # Wednesday 11 March
    assert _sweep(w) == 3 + 1  # a new day's digest, and the applicant's reminder
    clock.freeze(_at_local(due_answer))
    assert _sweep(w) == 3 + 1
    assert _sweep(w) == 0

    for name in OFFICIALS:
        assert told(w, name)[before[name] :] == [
            "deadline_soon",
            "deadline_today",
            "case_overdue",
            "overdue_digest",
            "overdue_digest",
            "overdue_digest",
        ]
    assert told(w, applicant)[before[applicant] :] == ["deadline_soon", "deadline_today"]
    [today] = notes(w, applicant, "deadline_today")
    assert "menjawab ketidaksesuaian" in today.body and today.link == f"/applications/{answer}"


def test_surveillance_and_expiry_notices(world: World) -> None:
    w = world
    app_id = w.new_application("tenun_ikat")  # type 5: yearly surveillance, 4 years
    w.advance_to(app_id, "certified")
    applicant = owner_name(w, app_id)
    with db.transaction() as s:
        cert = s.scalar(select(Certificate).where(Certificate.application_id == app_id))
        cert_id, valid_until = cert.id, cert.valid_until
    start = clock.now()

    clock.freeze(start + timedelta(days=340))  # a month before the first anniversary
    assert _sweep(w) == 1 + 3  # the holder, and the officials who record it
    assert _sweep(w) == 0
    [due] = notes(w, applicant, "surveillance_due")
    assert "Surveilans tahunan ke-1" in due.body
    with db.transaction() as s:
        case_id = _open_case(s, cert_id)
    # sampling, testing, the site audit, then the official's pass (services/surveillance.py)
    w.run_surveillance(app_id, case_id)
    with db.transaction() as s:
        assert s.get(SurveillanceCase, case_id).status == "passed"
    assert told(w, applicant)[-1] == "surveillance_passed"

    clock.freeze(valid_until - timedelta(days=91))
    assert _sweep(w) == 2 * (1 + 3)  # the later cycles come due; the expiry not yet
    assert _sweep(w) == 0
    clock.freeze(valid_until - timedelta(days=90))
    assert _sweep(w) == 1
    assert _sweep(w) == 0
    clock.freeze(valid_until - timedelta(days=30))
    assert _sweep(w) == 1
    clock.freeze(valid_until - timedelta(days=10))
    assert _sweep(w) == 0
    clock.freeze(valid_until + timedelta(hours=1))
    assert _sweep(w) == 1  # expired
    expiring = notes(w, applicant, "certificate_expiring")
    assert [n.params["days"] for n in expiring] == [90, 30]
    assert told(w, applicant)[-1] == "certificate_expired"
    with db.transaction() as s:
        assert s.get(Certificate, cert_id).status == CertState.EXPIRED


def _open_case(s, cert_id: int) -> int:
    from snicert.db.models import SurveillanceCase

    return s.scalar(
        select(SurveillanceCase.id).where(
            SurveillanceCase.certificate_id == cert_id, SurveillanceCase.status == "open"
        )
    )


# --- the texts ----------------------------------------------------------------------------

CODES = {x.value for x in State} | {x.value for x in CertState} | {x.value for x in Role}
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def test_every_moment_told_has_its_texts_in_both_languages() -> None:
    told_moments = {r.moment for rows in moments.TOLD.values() for r in rows}
    assert told_moments | set(reminders.MOMENTS) <= set(catalog.moments())
    for name, m in catalog.moments().items():
        for lang in ("id", "en"):
            text = getattr(m, lang)
            assert text.subject.strip() and text.text.strip(), (name, lang)


@pytest.mark.parametrize("name", sorted(catalog.moments()))
def test_texts_carry_no_internal_codes(name: str) -> None:
    m = catalog.moments()[name]
    sample = {p: (3 if p in ("count", "days", "cycle") else "X") for p in m.params}
    for lang in ("id", "en"):
        text = getattr(m, lang)
        for part in (text.subject, text.text):
            plain = PLACEHOLDER.sub("", part)
            assert not SNAKE.search(plain), (name, lang, SNAKE.search(plain).group())
            words = set(re.findall(r"[a-z_]+", plain.lower()))
            # Indonesian texts use no English code at all; English ones no code that is not
            # also a plain word ("withdrawn" is one, "document_review" or "nonconformity" not)
            codes = CODES if lang == "id" else {c for c in CODES if "_" in c} | {"nonconformity"}
            assert not words & codes, (name, lang, words & codes)
        subject, body = catalog.render(name, sample, lang)
        assert len(body) <= 700 and "\n" not in subject  # a phone screen, one subject line


def test_the_reminders_use_the_dashboard_words(world: World) -> None:
    """The task named in a reminder is the dashboard's own plain text, in both languages."""
    app_id = world.new_application("abon")
    world.advance_to(app_id, "document_review")
    with db.transaction() as s:
        from snicert.services.guards import application

        app = application(s, app_id)
        assert moments.task(app, "id") == "meninjau dokumen"
        assert moments.task(app, "en") == "review the documents"
        assert [u.email for u in moments.awaited(s, app)] == [
            s.get(User, world.users[n]).email for n in OFFICIALS
        ]
        assert moments.staff_page(app) == f"/review/{app_id}"


def test_the_table_names_only_recorded_actions() -> None:
    """Every action in the table is one the services record (a typo would tell no one)."""
    source = "\n".join(p.read_text(encoding="utf-8") for p in Path("snicert").rglob("*.py"))
    recorded = {f"application.{t.event}" for t in TRANSITIONS}
    recorded |= {f"certificate.{t.event}" for t in CERTIFICATE_TRANSITIONS}
    for action in moments.TOLD:
        assert action in recorded or f'"{action}"' in source, action


def test_appeals_and_complaints(world: World) -> None:
    from snicert.services import accounts, appeals, complaints

    w = world
    with db.transaction() as s:  # an official not involved in the case handles the appeal
        handler, _ = accounts.create_staff(
            s, w.user(s, "reviewer"), "banding@lspro.example", "Banding", {Role.OFFICIAL}
        )
        w.users["handler"] = handler.id
    refused = w.new_application("abon")
    applicant = owner_name(w, refused)
    w.advance_to(refused, "decision", failing={"total_plate_count"})
    with db.transaction() as s:
        decisions.decide(s, w.user(s, "decider"), refused, "refuse", "ALT melebihi batas")
    with db.transaction() as s:
        appeal = appeals.file(s, w.owner(s, refused), refused, "refusal", "Uji ulang memenuhi")
        number = appeal.number
    with db.transaction() as s:
        appeals.take(s, w.user(s, "handler"), appeal.id)
        appeals.decide(s, w.user(s, "handler"), appeal.id, "uphold", "Hasil uji sah")
    assert told(w, applicant)[-3:] == ["decision_refused", "appeal_received", "appeal_upheld"]
    [refusal] = notes(w, applicant, "decision_refused")
    assert f"dalam {appeals.APPEAL_DAYS} hari" in refusal.body
    [upheld] = notes(w, applicant, "appeal_upheld")
    assert number in upheld.subject and "Hasil uji sah" in upheld.body
    for name in (*OFFICIALS, "handler"):
        [waiting] = notes(w, name, "appeal_waiting")
        assert waiting.link == f"/official/appeals/{appeal.id}"

    with db.transaction() as s:
        complaint, _ = complaints.file(
            s, "192.0.2.7", subject="lspro", text_="Petugas tidak datang sesuai jadwal"
        )
        filed, complaint_id = complaint.number, complaint.id
    for name in (*OFFICIALS, "handler"):
        [note] = notes(w, name, "complaint_waiting")
        assert filed in note.subject and note.link == f"/official/complaints/{complaint_id}"


def test_a_long_list_is_cut_between_words() -> None:
    from snicert.services.moments import shortened

    words = "Dokumen wajib belum ada; Sertifikat merek belum diunggah"
    assert shortened(words, 100) == words
    assert shortened(words, 30) == "Dokumen wajib belum ada…"
    assert shortened(words, 35) == "Dokumen wajib belum ada…"
    assert shortened(words, 36) == "Dokumen wajib belum ada; Sertifikat…"
    assert all(len(shortened(words, n)) <= n for n in range(10, 60))
