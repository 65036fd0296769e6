"""Changes affecting certification (§7.10), certificates behind a newer checklist or
standard version, and site-audit correction deadlines, in the service layer: each step
allowed and refused (roles, guards, states), its audit event and who is told."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from snicert import clock
from snicert.db import engine as db
from snicert.db.models import (
    AuditEvent,
    AuditFinding,
    Certificate,
    CertificateChange,
    ChecklistVersion,
    Notification,
    SurveillanceCase,
)
from snicert.errors import (
    Conflict,
    IllegalTransition,
    InvalidInput,
    PermissionDenied,
    SeparationOfDuties,
)
from snicert.lifecycle import CertState, ChangeState
from snicert.roles import Role
from snicert.services import (
    accounts,
    changes,
    checklists,
    dates,
    reminders,
    site_audits,
    versions,
)
from tests.world import World


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def world(home) -> World:
    w = World().setup_staff()
    with db.transaction() as s:
        official = w.user(s, "reviewer")
        user, _ = accounts.create_staff(
            s, official, "assessor@lspro.example", "Assessor", {Role.OFFICIAL}, "rahasia-123"
        )
        w.users["assessor"] = user.id
    return w


def certified(w: World, product: str = "abon") -> tuple[int, int]:
    app_id = w.new_application(product)
    w.advance_to(app_id, "certified")
    with db.reading() as s:
        cert = s.scalar(select(Certificate).where(Certificate.application_id == app_id))
        return app_id, cert.id


def told(w: World, name: str) -> list[str]:
    with db.reading() as s:
        return list(
            s.scalars(
                select(Notification.moment)
                .where(Notification.user_id == w.users[name])
                .order_by(Notification.id)
            )
        )


def notify(w: World, app_id: int, cert_id: int, **kw) -> int:
    with db.transaction() as s:
        row = changes.notify(
            s,
            w.owner(s, app_id),
            cert_id,
            kw.get("kind", "site"),
            kw.get("description", "Produksi pindah ke Jl. Timor Raya 12, Kupang"),
            kw.get("documents", []),
        )
        return row.id


# --- changes notified by the holder ------------------------------------------------------


def test_holder_notifies_a_change_told_to_officials_and_acknowledged(world: World) -> None:
    app_id, cert_id = certified(world)
    change_id = notify(world, app_id, cert_id, documents=[("denah.png", png())])
    with db.reading() as s:
        row = s.get(CertificateChange, change_id)
        assert row.state == ChangeState.NOTIFIED
        assert row.number.startswith("PRB-")
        assert [d.filename for d in changes.documents_of(s, row.id)] == ["denah.png"]
        actions = list(
            s.scalars(select(AuditEvent.action).where(AuditEvent.application_id == app_id))
        )
    assert "certificate_change.notified" in actions
    assert "change_document.attached" in actions
    assert told(world, f"owner:{app_id}")[-1] == "change_received"
    assert "change_waiting" in told(world, "assessor")


def test_notifying_is_refused_to_others_and_bad_input_names_the_field(world: World) -> None:
    app_id, cert_id = certified(world)
    other_app = world.new_application("abon")  # another business's applicant
    with db.transaction() as s:
        with pytest.raises(PermissionDenied):
            changes.notify(s, world.owner(s, other_app), cert_id, "site", "Pindah")
        with pytest.raises(PermissionDenied):
            changes.notify(s, world.user(s, "reviewer"), cert_id, "site", "Pindah")
    for kw, field in (
        ({"kind": "colour"}, "kind"),
        ({"description": "   "}, "description"),
        ({"documents": [("x.png", b"not an image")]}, "documents"),
    ):
        with pytest.raises(InvalidInput) as caught:
            notify(world, app_id, cert_id, **kw)
        assert caught.value.field == field
    with db.reading() as s:
        assert s.scalar(select(CertificateChange.id)) is None  # nothing stored


def test_no_change_on_a_withdrawn_certificate(world: World) -> None:
    from snicert.services import certificates

    app_id, cert_id = certified(world)
    with db.transaction() as s:
        certificates.withdraw(s, world.user(s, "reviewer"), cert_id, "Atas permintaan")
    with pytest.raises(Conflict):
        notify(world, app_id, cert_id)


def test_assessment_no_action(world: World) -> None:
    app_id, cert_id = certified(world)
    change_id = notify(world, app_id, cert_id, kind="ownership")
    with db.transaction() as s:
        with pytest.raises(PermissionDenied):  # the holder does not assess its own change
            changes.assess(s, world.owner(s, app_id), change_id, "no_action", "Tidak berdampak")
        with pytest.raises(InvalidInput) as caught:
            changes.assess(s, world.user(s, "assessor"), change_id, "no_action", " ")
        assert caught.value.field == "reasons"
        with pytest.raises(InvalidInput):
            changes.assess(s, world.user(s, "assessor"), change_id, "shrug", "x")
    with db.transaction() as s:
        changes.assess(s, world.user(s, "assessor"), change_id, "no_action", "Nama saja")
    with db.transaction() as s:
        row = s.get(CertificateChange, change_id)
        assert (row.state, row.reasons) == ("no_action", "Nama saja")
        assert s.get(Certificate, cert_id).status == CertState.ACTIVE
        with pytest.raises(IllegalTransition):  # assessed once
            changes.assess(s, world.user(s, "assessor"), change_id, "suspension", "Lagi")
    assert told(world, f"owner:{app_id}")[-1] == "change_no_action"


def test_assessment_by_an_official_involved_in_the_case_is_refused(world: World) -> None:
    app_id, cert_id = certified(world)
    change_id = notify(world, app_id, cert_id)
    # the reviewer reviewed this case's documents
    with db.transaction() as s, pytest.raises(SeparationOfDuties):
        changes.assess(s, world.user(s, "reviewer"), change_id, "no_action", "Tidak apa")


def test_assessment_new_evaluation_opens_a_special_surveillance(world: World) -> None:
    app_id, cert_id = certified(world)
    change_id = notify(world, app_id, cert_id, kind="product")
    with db.transaction() as s:
        changes.assess(s, world.user(s, "assessor"), change_id, "new_evaluation", "Resep baru")
    with db.reading() as s:
        row = s.get(CertificateChange, change_id)
        case = s.get(SurveillanceCase, row.surveillance_case_id)
        assert (row.state, case.certificate_id, case.status) == ("new_evaluation", cert_id, "open")
        assert case.cycle < 0 and case.complaint_id is None
    assert told(world, f"owner:{app_id}")[-2:] == ["surveillance_due", "change_new_evaluation"]


def test_assessment_suspension_goes_through_the_certificate_lifecycle(world: World) -> None:
    app_id, cert_id = certified(world)
    first = notify(world, app_id, cert_id)
    second = notify(world, app_id, cert_id, kind="other", description="Mesin baru")
    with db.transaction() as s:
        changes.assess(s, world.user(s, "assessor"), first, "suspension", "Lokasi belum diaudit")
    with db.transaction() as s:
        cert = s.get(Certificate, cert_id)
        assert cert.status == CertState.SUSPENDED
        assert "Lokasi belum diaudit" in cert.status_reason
        with pytest.raises(Conflict):  # a suspended certificate is not suspended again
            changes.assess(s, world.user(s, "assessor"), second, "suspension", "Lagi")
    assert {"certificate_suspended", "change_suspension"} <= set(told(world, f"owner:{app_id}"))


# --- certificates behind a newer version --------------------------------------------------


def new_checklist_version(w: World, product: str, kind: str = checklists.LAB) -> int:
    with db.transaction() as s:
        base = checklists.current(s, product, kind)
        row = ChecklistVersion(
            kind=kind,
            product=product,
            version=base.version + 1,
            content={**base.content, "version": base.version + 1},
            sha256="f" * 64,
            status="draft",
            loaded_at=clock.now(),
        )
        s.add(row)
        s.flush()
        checklists.approve(s, w.user(s, "reviewer"), product, row.version, kind)
        return row.version


def test_a_new_checklist_version_lists_the_holders_and_each_is_assessed_once(
    world: World,
) -> None:
    app_id, cert_id = certified(world)
    with db.reading() as s:
        assert versions.affected(s, world.user(s, "assessor")) == []
    version = new_checklist_version(world, "abon")
    with db.reading() as s:
        found = versions.affected(s, world.user(s, "assessor"))
        assert [(a.certificate.id, a.basis, a.against, a.state) for a in found] == [
            (cert_id, "checklist", f"v{version}", "pending")
        ]
        with pytest.raises(PermissionDenied):
            versions.affected(s, world.owner(s, app_id))
    with db.transaction() as s:
        with pytest.raises(PermissionDenied):
            versions.assess(s, world.owner(s, app_id), cert_id, "checklist", "no_action", "x")
        with pytest.raises(InvalidInput) as caught:
            versions.assess(s, world.user(s, "assessor"), cert_id, "checklist", "no_action", "")
        assert caught.value.field == "note"
        with pytest.raises(Conflict):  # not behind on the standard
            versions.assess(s, world.user(s, "assessor"), cert_id, "standard", "no_action", "x")
    with db.transaction() as s:
        versions.assess(
            s, world.user(s, "assessor"), cert_id, "checklist", "no_action", "Tidak berubah"
        )
    with db.transaction() as s:
        actor = world.user(s, "assessor")
        assert versions.affected(s, actor, pending_only=True) == []
        [done] = versions.affected(s, actor)
        assert (done.state, done.review.outcome) == ("assessed", "no_action")
        with pytest.raises(IllegalTransition):
            versions.assess(s, actor, cert_id, "checklist", "suspension", "Lagi")
        assert s.scalar(
            select(AuditEvent.seq).where(AuditEvent.action == "version_review.assessed")
        )
    new_checklist_version(world, "abon")  # a still newer version: pending again
    with db.reading() as s:
        pending = versions.affected(s, world.user(s, "assessor"), pending_only=True)
        assert [a.against for a in pending] == [f"v{version + 1}"]


def test_a_changed_standard_lists_the_holder_and_may_open_a_new_evaluation(
    world: World, monkeypatch
) -> None:
    app_id, cert_id = certified(world)
    monkeypatch.setattr(versions, "_standards", lambda product: "SNI 3707:2024")
    with db.transaction() as s:
        [a] = versions.affected(s, world.user(s, "assessor"))
        assert (a.basis, a.against) == ("standard", "SNI 3707:2024")
        assert a.issued_under.startswith("SNI 01-3707")
        versions.assess(
            s, world.user(s, "assessor"), cert_id, "standard", "new_evaluation", "Uji ulang"
        )
    with db.reading() as s:
        review = versions.affected(s, world.user(s, "assessor"))[0].review
        case = s.get(SurveillanceCase, review.surveillance_case_id)
        assert case.status == "open" and case.certificate_id == cert_id


# --- site-audit correction deadlines -------------------------------------------------------


def reported_with_major(w: World) -> tuple[int, int, int]:
    app_id = w.new_application("abon")
    w.advance_to(app_id, "testing")
    audit_id = w.plan_site_audit(app_id)
    with db.transaction() as s:
        user = w.user(s, "auditor")
        site_audits.start_visit(s, user, audit_id)
        items = site_audits.get(s, site_audits.SiteAudit, audit_id).checklist_snapshot["items"]
        f = site_audits.record_finding(s, user, audit_id, items[0]["id"], "major", "Air kotor")
        site_audits.close_visit(s, user, audit_id)
        return app_id, audit_id, f.id


def test_findings_are_due_in_working_days_reminded_and_flagged_overdue_once(
    world: World,
) -> None:
    app_id, audit_id, finding_id = reported_with_major(world)
    with db.reading() as s:
        f = s.get(AuditFinding, finding_id)
        reported = s.get(site_audits.SiteAudit, audit_id).reported_at
        assert f.due_at == clock.add_working_days(reported, site_audits.CORRECTION_WORKING_DAYS)
        assert not site_audits.is_overdue(f)
        due = f.due_at
    # the applicant is reminded 3 working days before, once
    clock.freeze(clock.add_working_days(reported, site_audits.CORRECTION_WORKING_DAYS - 2))
    for _ in range(2):
        with db.transaction() as s:
            reminders.send(s, world.user(s, "system"))
    assert told(world, f"owner:{app_id}").count("finding_due_soon") == 1
    # past the due date: flagged once; the applicant, the auditor and officials are told
    clock.freeze(due + timedelta(hours=2))
    with db.transaction() as s:
        with pytest.raises(PermissionDenied):
            site_audits.flag_overdue_findings(s, world.user(s, "reviewer"))
        assert [f.id for f in site_audits.flag_overdue_findings(s, world.user(s, "system"))] == [
            finding_id
        ]
    with db.transaction() as s:
        assert site_audits.flag_overdue_findings(s, world.user(s, "system")) == []
        assert [f.id for f, _ in site_audits.overdue_findings(s)] == [finding_id]
    assert told(world, f"owner:{app_id}")[-1] == "finding_overdue"
    assert told(world, "auditor")[-1] == "finding_overdue_staff"
    assert told(world, "assessor")[-1] == "finding_overdue_staff"
    assert "finding_overdue_staff" not in told(world, "sampler")
    # the case cannot be evaluated; an official fails the audit
    with db.transaction() as s:
        with pytest.raises(PermissionDenied):  # failing is an official's step
            site_audits.fail(s, world.user(s, "auditor"), audit_id, "Tidak diperbaiki")
        site_audits.fail(s, world.user(s, "assessor"), audit_id, "Tidak diperbaiki tepat waktu")
    with db.reading() as s:
        assert s.get(site_audits.SiteAudit, audit_id).state == "failed"
        assert site_audits.overdue_findings(s) == []


def test_an_answer_names_a_deadline_within_the_findings_due_day(world: World) -> None:
    app_id, audit_id, finding_id = reported_with_major(world)
    with db.transaction() as s:
        due = dates.local_day(s.get(AuditFinding, finding_id).due_at)
        with pytest.raises(InvalidInput) as caught:
            site_audits.answer(
                s, world.owner(s, app_id), finding_id, "Sebab", "Tindakan", due + timedelta(1)
            )
        assert caught.value.field == "deadline"
        site_audits.answer(s, world.owner(s, app_id), finding_id, "Sebab", "Tindakan", due)
    # answered: no longer awaiting the applicant, so never flagged
    clock.freeze(clock.now() + timedelta(days=120))
    with db.transaction() as s:
        assert site_audits.flag_overdue_findings(s, world.user(s, "system")) == []
