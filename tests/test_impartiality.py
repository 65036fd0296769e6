"""Impartiality and competence (ISO/IEC 17065 §4.2, §6.1, §7.6): declared conflicts of
interest, qualifications per function and product, and the one check every assignment
and step goes through, refusing with the reasons named."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from snicert import messages, synthetic
from snicert.db import engine as db
from snicert.db.models import AuditEvent, StaffConflict, StaffQualification
from snicert.errors import IllegalTransition, InvalidInput, MayNotAct, PermissionDenied
from snicert.roles import Role
from snicert.services import accounts, applications, decisions, impartiality, lab, site_audits
from snicert.services.dates import today
from snicert.services.guards import application
from snicert.web.i18n import refusal
from tests.world import World


@pytest.fixture
def w(home) -> World:
    return World().setup_staff()


def business_of(w: World, app_id: int) -> int:
    return w.app(app_id).business_id


def events(action: str) -> list[dict]:
    with db.reading() as s:
        return [
            json.loads(e.data) if isinstance(e.data, str) else e.data
            for e in s.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
            )
        ]


def refused(call, *fragments: str) -> MayNotAct:
    with pytest.raises(MayNotAct) as info, db.transaction() as s:
        call(s)
    for fragment in fragments:
        assert fragment in str(info.value), (fragment, str(info.value))
    return info.value


# --- conflicts: lifecycle ----------------------------------------------------------------


def test_staff_declare_their_own_conflicts_and_officials_close_them(w: World) -> None:
    app_id = w.new_application("abon")
    biz = business_of(w, app_id)
    with db.transaction() as s:
        c = impartiality.declare_conflict(
            s, w.user(s, "sampler"), w.user(s, "sampler"), biz, "relationship", note="Adik ipar"
        )
        conflict_id = c.id
        # declaring again duplicates nothing
        again = impartiality.declare_conflict(
            s, w.user(s, "sampler"), w.user(s, "sampler"), biz, "relationship"
        )
        assert again.id == conflict_id
    assert events("staff_conflict.declared") == [
        {
            "user": w.users["sampler"],
            "business": biz,
            "kind": "relationship",
            "period_from": None,
            "period_until": None,
        }
    ]
    # staff declare only their own; closing is an official's
    with pytest.raises(PermissionDenied), db.transaction() as s:
        impartiality.declare_conflict(
            s, w.user(s, "sampler"), w.user(s, "analyst"), biz, "ownership"
        )
    with pytest.raises(PermissionDenied), db.transaction() as s:
        impartiality.close_conflict(s, w.user(s, "sampler"), conflict_id, "Sudah tidak berlaku")
    with pytest.raises(InvalidInput) as bad, db.transaction() as s:
        impartiality.close_conflict(s, w.user(s, "reviewer"), conflict_id, " ")
    assert bad.value.field == "reason"
    with pytest.raises(InvalidInput) as bad, db.transaction() as s:
        impartiality.declare_conflict(s, w.user(s, "sampler"), w.user(s, "sampler"), biz, "friend")
    assert bad.value.field == "kind"
    with pytest.raises(InvalidInput) as bad, db.transaction() as s:
        impartiality.declare_conflict(
            s, w.user(s, "sampler"), w.user(s, "sampler"), 99999, "ownership"
        )
    assert bad.value.field == "business_id"
    with db.transaction() as s:
        row = impartiality.close_conflict(
            s, w.user(s, "reviewer"), conflict_id, "Hubungan keluarga berakhir (cerai)"
        )
        assert row.state == "closed" and row.closed_by == w.users["reviewer"]
    assert events("staff_conflict.closed")[0]["reason"] == "Hubungan keluarga berakhir (cerai)"
    with pytest.raises(IllegalTransition), db.transaction() as s:
        impartiality.close_conflict(s, w.user(s, "reviewer"), conflict_id, "lagi")
    # closed: a new declaration of the same kind is a new row
    with db.transaction() as s:
        fresh = impartiality.declare_conflict(
            s, w.user(s, "reviewer"), w.user(s, "sampler"), biz, "relationship"
        )
        assert fresh.id != conflict_id and fresh.declared_by == w.users["reviewer"]


def test_the_database_keeps_one_open_conflict_per_person_business_and_kind(w: World) -> None:
    app_id = w.new_application("abon")
    biz = business_of(w, app_id)
    with db.transaction() as s:
        impartiality.declare_conflict(s, "cli", w.user(s, "sampler"), biz, "ownership")
    with pytest.raises(IntegrityError), db.transaction() as s:
        first = s.scalar(select(StaffConflict))
        s.add(
            StaffConflict(
                user_id=first.user_id,
                business_id=first.business_id,
                kind="ownership",
                declared_on=first.declared_on,
                state="declared",
                declared_at=first.declared_at,
            )
        )
        s.flush()


def test_consulting_counts_for_two_years_after_it_ended(w: World) -> None:
    app_id = w.new_application("abon")
    biz = business_of(w, app_id)
    day = today()
    with db.transaction() as s:
        c = impartiality.declare_conflict(
            s,
            w.user(s, "sampler"),
            w.user(s, "sampler"),
            biz,
            "consulting",
            day - timedelta(days=900),
            day - timedelta(days=400),
        )
        assert impartiality.counts(c, day)
        assert not impartiality.counts(c, day + timedelta(days=400))
    # one that ended more than two years ago is no conflict to declare
    with pytest.raises(InvalidInput) as bad, db.transaction() as s:
        impartiality.declare_conflict(
            s,
            w.user(s, "analyst"),
            w.user(s, "analyst"),
            biz,
            "consulting",
            day - timedelta(days=2000),
            day - timedelta(days=800),
        )
    assert bad.value.field == "period_until" and bad.value.key == "imp_consulting_too_old"


# --- qualifications: lifecycle ------------------------------------------------------------


def test_officials_record_supersede_and_withdraw_qualifications(w: World) -> None:
    with db.transaction() as s:
        new, _ = accounts.create_staff(
            s, w.user(s, "reviewer"), "ppc2@lspro.example", "PPC Dua", {Role.SAMPLER}
        )
        new_id = new.id
    day = today()
    with db.transaction() as s:
        user = s.get(type(w.user(s, "sampler")), new_id)
        with pytest.raises(PermissionDenied):
            impartiality.qualify(s, w.user(s, "sampler"), user, "sampler", "abon", "SK 1")
        for field, args in {
            "function": ("chef", "abon", "SK 1"),
            "product": ("sampler", "rendang", "SK 1"),
            "evidence": ("sampler", "abon", "  "),
        }.items():
            with pytest.raises(InvalidInput) as bad:
                impartiality.qualify(s, w.user(s, "reviewer"), user, *args)
            assert bad.value.field == field
        # a function the person's roles do not allow
        with pytest.raises(InvalidInput) as bad:
            impartiality.qualify(s, w.user(s, "reviewer"), user, "auditor", "abon", "SK 1")
        assert bad.value.field == "function"
    with db.transaction() as s:
        user = s.get(type(w.user(s, "sampler")), new_id)
        q1 = impartiality.qualify(
            s, w.user(s, "reviewer"), user, "sampler", "abon", "SK 1", day, day + timedelta(days=30)
        )
        same = impartiality.qualify(
            s, w.user(s, "reviewer"), user, "sampler", "abon", "SK 1", day, day + timedelta(days=30)
        )
        assert same.id == q1.id  # re-running duplicates nothing
        q2 = impartiality.qualify(
            s,
            w.user(s, "reviewer"),
            user,
            "sampler",
            "abon",
            "SK 2",
            day,
            day + timedelta(days=365),
        )
        assert q1.state == "superseded" and q2.state == "current"
        first, second = q1.id, q2.id
    recorded = events("staff_qualification.recorded")[-2:]
    assert [e["recorded"] for e in recorded] == [
        [{"id": first, "function": "sampler", "product": "abon"}],
        [{"id": second, "function": "sampler", "product": "abon"}],
    ]
    assert events("staff_qualification.superseded")[0]["reason"] == "recorded again"
    with db.transaction() as s:
        q = impartiality.withdraw_qualification(
            s, w.user(s, "reviewer"), second, "Tidak lulus penilaian ulang"
        )
        assert q.state == "withdrawn"
    with pytest.raises(IllegalTransition), db.transaction() as s:
        impartiality.withdraw_qualification(s, w.user(s, "reviewer"), first, "sudah diganti")
    assert events("staff_qualification.withdrawn")[0]["reason"] == "Tidak lulus penilaian ulang"


def test_the_database_keeps_one_current_qualification_per_function_and_product(w: World) -> None:
    with pytest.raises(IntegrityError), db.transaction() as s:
        q = s.scalar(
            select(StaffQualification).where(StaffQualification.user_id == w.users["sampler"])
        )
        s.add(
            StaffQualification(
                user_id=q.user_id,
                function=q.function,
                product=q.product,
                valid_from=q.valid_from + timedelta(days=1),
                evidence="dup",
                state="current",
                recorded_at=q.recorded_at,
            )
        )
        s.flush()


# --- the one check: refusals naming why ------------------------------------------------


def test_a_conflicted_sampler_is_refused_naming_the_conflict(w: World) -> None:
    app_id = w.new_application("abon")
    w.advance_to(app_id, "sampling")
    with db.transaction() as s:
        impartiality.declare_conflict(
            s,
            w.user(s, "sampler"),
            w.user(s, "sampler"),
            application(s, app_id).business_id,
            "ownership",
        )

    def sample(s):
        samples = lab.create_samples(s, w.user(s, "system"), app_id)
        lab.record_sampling(
            s, w.user(s, "sampler"), app_id, {x.code: f"S-{x.id}" for x in samples}, "Gudang"
        )

    err = refused(
        sample, "sampler@lspro.example", "as sampling officer", "conflict of interest (ownership)"
    )
    assert err.reasons[0][0] == "imp_conflict_ownership"
    text = refusal(err, "id")
    assert "menyatakan konflik kepentingan (kepemilikan) dengan usaha" in text
    assert w.app(app_id).state == "sampling"


def test_an_unqualified_or_expired_reviewer_is_refused(w: World) -> None:
    app_id = w.new_application("tenun_ikat")
    w.advance_to(app_id, "document_review")
    with db.transaction() as s:
        q = impartiality.current(s, w.users["reviewer"], "reviewer", "tenun_ikat")
        impartiality.withdraw_qualification(s, w.user(s, "evaluator"), q.id, "Belum dilatih")
    with pytest.raises(MayNotAct) as info:
        w.review_all(app_id)
    assert "not qualified as reviewer for the product tenun_ikat" in str(info.value)
    assert refusal(info.value, "id") == (
        "tidak memiliki kualifikasi sebagai peninjau dokumen untuk produk tenun_ikat"
    )
    # a qualification that ended yesterday
    day = today()
    with db.transaction() as s:
        impartiality.qualify(
            s,
            w.user(s, "evaluator"),
            w.user(s, "reviewer"),
            "reviewer",
            "tenun_ikat",
            "Pelatihan 2024",
            day - timedelta(days=400),
            day - timedelta(days=1),
        )
    with pytest.raises(MayNotAct) as info:
        w.review_all(app_id)
    assert f"expired on {day - timedelta(days=1)}" in str(info.value)
    assert info.value.reasons == [
        (
            "imp_expired",
            {
                "function": "reviewer",
                "product": "tenun_ikat",
                "day": (day - timedelta(days=1)).isoformat(),
            },
        )
    ]
    # and one that starts tomorrow
    with db.transaction() as s:
        impartiality.qualify(
            s,
            w.user(s, "evaluator"),
            w.user(s, "reviewer"),
            "reviewer",
            "tenun_ikat",
            "Pelatihan 2026",
            day + timedelta(days=1),
        )
    with pytest.raises(MayNotAct) as info:
        w.review_all(app_id)
    assert "starts only on" in str(info.value)
    # qualified today: the review goes through
    with db.transaction() as s:
        impartiality.qualify(
            s, w.user(s, "evaluator"), w.user(s, "reviewer"), "reviewer", "tenun_ikat", "SK", day
        )
    w.review_all(app_id)
    assert w.app(app_id).state == "sampling"


def test_qualification_is_per_product(w: World) -> None:
    """Withdrawn for abon, the analyst still tests emping; abon refuses naming abon."""
    abon, emping = w.new_application("abon"), w.new_application("emping")
    with db.transaction() as s:
        q = impartiality.current(s, w.users["analyst"], "lab_analyst", "abon")
        impartiality.withdraw_qualification(s, w.user(s, "reviewer"), q.id, "Pindah tugas")
    w.advance_to(emping, "testing")
    w.enter_all_results(emping)
    w.advance_to(abon, "testing")
    with pytest.raises(MayNotAct) as info:
        w.enter_all_results(abon)
    assert "not qualified as lab_analyst for the product abon" in str(info.value)


def test_the_decider_who_reviewed_audited_or_evaluated_is_refused(w: World) -> None:
    with db.transaction() as s:
        official, _ = accounts.create_staff(
            s, w.user(s, "reviewer"), "both@lspro.example", "Both", {Role.OFFICIAL, Role.AUDITOR}
        )
        w.users["both"] = official.id
    w.qualify("both")
    app_id = w.new_application("abon")  # type 5: audited
    w.advance_to(app_id, "sampling")
    w.plan_site_audit(app_id, auditor="both")
    with db.transaction() as s:
        site_audits.start_visit(s, w.user(s, "both"), site_audits.case_audit(s, app_id).id)
        site_audits.close_visit(s, w.user(s, "both"), site_audits.case_audit(s, app_id).id)
    w.advance_to(app_id, "decision")
    for name, step in (("reviewer", "reviewed"), ("evaluator", "evaluated"), ("both", "audited")):
        err = refused(
            lambda s, n=name: decisions.decide(s, w.user(s, n), app_id, "grant", "Memenuhi"),
            f"{name}@lspro.example",
            messages.text(f"imp_decider_{step}", "en"),
        )
        assert err.reasons == [(f"imp_decider_{step}", {})]
    with db.reading() as s:
        app = application(s, app_id)
        assert [r.key for r in impartiality.may_act(s, w.user(s, "decider"), "decider", app)] == []
    with db.transaction() as s:
        decisions.decide(s, w.user(s, "decider"), app_id, "grant", "Memenuhi persyaratan")
    assert w.app(app_id).state == "approved"


def test_assigning_a_conflicted_or_unqualified_auditor_is_refused(w: World) -> None:
    with db.transaction() as s:
        other, _ = accounts.create_staff(
            s, w.user(s, "reviewer"), "auditor2@lspro.example", "Auditor Dua", {Role.AUDITOR}
        )
        w.users["auditor2"] = other.id
    app_id = w.new_application("abon")
    w.advance_to(app_id, "sampling")
    err = refused(
        lambda s: site_audits.plan(
            s, w.user(s, "reviewer"), app_id, today(), [w.users["auditor2"]]
        ),
        "auditor2@lspro.example may not act as auditor",
        "not qualified as auditor for the product abon",
    )
    assert "tidak memiliki kualifikasi sebagai auditor untuk produk abon" in refusal(err, "id")
    with db.transaction() as s:
        impartiality.declare_conflict(
            s,
            w.user(s, "auditor"),
            w.user(s, "auditor"),
            application(s, app_id).business_id,
            "consulting",
        )
    err = refused(
        lambda s: site_audits.plan(s, w.user(s, "reviewer"), app_id, today(), [w.users["auditor"]]),
        "consulted for the business",
    )
    assert "menjadi konsultan usaha" in refusal(err, "id")
    with db.reading() as s:
        assert site_audits.case_audit(s, app_id) is None  # nothing planned
    # qualified and unconflicted: planned
    w.qualify("auditor2")
    w.plan_site_audit(app_id, auditor="auditor2")


def test_evaluator_and_verifier_go_through_the_check(w: World) -> None:
    app_id = w.new_application("emping")
    biz = business_of(w, app_id)
    w.advance_to(app_id, "testing")
    w.receive_samples(app_id)
    with db.transaction() as s:
        impartiality.declare_conflict(s, "cli", w.user(s, "verifier"), biz, "relationship")
        p = application(s, app_id).checklist_snapshot["parameters"][0]
        r = lab.record_result(
            s, w.user(s, "analyst"), app_id, p["id"], synthetic.passing_value(p), p["unit"]
        )
        result_id = r.id
    refused(
        lambda s: lab.verify_result(s, w.user(s, "verifier"), result_id),
        "as lab verifier",
        "(family relationship)",
    )
    # the verifier with both lab roles and no conflict verifies; the case goes on
    with db.transaction() as s:
        lab.verify_result(s, w.user(s, "labboth"), result_id)
    with db.transaction() as s:
        for p in application(s, app_id).checklist_snapshot["parameters"][1:]:
            r = lab.record_result(
                s, w.user(s, "analyst"), app_id, p["id"], synthetic.passing_value(p), p["unit"]
            )
            lab.verify_result(s, w.user(s, "labboth"), r.id)
    with db.transaction() as s:
        lab.complete_testing(s, w.user(s, "system"), app_id)
    w.advance_to(app_id, "evaluation")  # emping is type 5: through its site audit
    with db.transaction() as s:
        impartiality.declare_conflict(s, "cli", w.user(s, "evaluator"), biz, "ownership")
    refused(
        lambda s: w.evaluate(s, app_id),
        "as evaluator",
        "(ownership)",
    )
    assert w.app(app_id).state == "evaluation"


def test_settings_can_lift_only_the_qualification_rule(w: World, monkeypatch) -> None:
    app_id = w.new_application("abon")
    w.advance_to(app_id, "document_review")
    with db.transaction() as s:
        q = impartiality.current(s, w.users["reviewer"], "reviewer", "abon")
        impartiality.withdraw_qualification(s, w.user(s, "evaluator"), q.id, "Kedaluwarsa")
    monkeypatch.setenv("SNICERT_REQUIRE_QUALIFICATIONS", "false")
    with db.transaction() as s:
        app = application(s, app_id)
        assert impartiality.may_act(s, w.user(s, "reviewer"), "reviewer", app) == []
        impartiality.declare_conflict(
            s, "cli", w.user(s, "reviewer"), app.business_id, "relationship"
        )
        assert [r.key for r in impartiality.may_act(s, w.user(s, "reviewer"), "reviewer", app)] == [
            "conflict_relationship"
        ]
    with pytest.raises(MayNotAct):
        w.review_all(app_id)
    monkeypatch.setenv("SNICERT_REQUIRE_QUALIFICATIONS", "true")
    with db.reading() as s:
        app = application(s, app_id)
        assert [r.key for r in impartiality.may_act(s, w.user(s, "reviewer"), "reviewer", app)] == [
            "conflict_relationship",
            "unqualified",
        ]


def test_a_conflicted_official_may_not_handle_a_complaint_about_the_case(w: World) -> None:
    app_id = w.new_application("abon")
    with db.transaction() as s:
        impartiality.declare_conflict(
            s, "cli", w.user(s, "decider"), application(s, app_id).business_id, "ownership"
        )
        app = application(s, app_id)
        why = impartiality.involvement(s, w.user(s, "decider"), app)
    assert [(r.key, r.params) for r in why] == [
        ("involved_conflict_ownership", {"case": app.number or str(app.id)})
    ]


def test_applications_service_refuses_before_storing_anything(w: World) -> None:
    """A refused review stores no verdict and leaves the case where it was."""
    app_id = w.new_application("abon")
    w.advance_to(app_id, "document_review")
    with db.transaction() as s:
        impartiality.declare_conflict(
            s, "cli", w.user(s, "reviewer"), application(s, app_id).business_id, "relationship"
        )
    with pytest.raises(MayNotAct):
        w.review_all(app_id)
    from snicert.db.models import ReviewVerdict

    with db.reading() as s:
        assert s.scalar(select(ReviewVerdict).where(ReviewVerdict.application_id == app_id)) is None
    assert w.app(app_id).state == "document_review"
    assert applications  # the review goes through applications.record_review


def test_an_assigned_auditor_who_declares_a_conflict_stops_acting(w: World) -> None:
    app_id = w.new_application("abon")
    w.advance_to(app_id, "sampling")
    audit_id = w.plan_site_audit(app_id)
    with db.transaction() as s:
        impartiality.declare_conflict(
            s,
            w.user(s, "auditor"),
            w.user(s, "auditor"),
            application(s, app_id).business_id,
            "relationship",
        )
    refused(
        lambda s: site_audits.start_visit(s, w.user(s, "auditor"), audit_id),
        "may not act as auditor",
        "(family relationship)",
    )
    with db.reading() as s:
        assert site_audits.get(s, site_audits.SiteAudit, audit_id).state == "planned"
