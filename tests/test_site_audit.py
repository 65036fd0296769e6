"""The production-site / quality-system audit of scheme type 5: its lifecycle (allowed and
refused steps, roles, guards), the evaluation blocked by an open major finding, the
report, a surveillance audit that fails and suspends, and the audit checklist data."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select
from typer.testing import CliRunner

from snicert import clock, lifecycle, outputs, stages
from snicert.catalog import DataError, load_catalog
from snicert.cli import app as cli
from snicert.db import engine as db
from snicert.db.models import AuditEvent, Certificate, Evaluation, SiteAudit, User, UserRole
from snicert.errors import Conflict, IllegalTransition, InvalidInput, NotFound, PermissionDenied
from snicert.lifecycle import AUDIT_TRANSITIONS, FINDING_TRANSITIONS, AuditState, FindingState
from snicert.roles import Role
from snicert.services import accounts, decisions, lab, monitoring, site_audits
from snicert.services.dates import today
from snicert.services.guards import application
from tests.world import World

EXPECTED_AUDIT = {
    "planned": {"start_visit", "cancel"},
    "on_site": {"close_visit"},
    "reported": {"pass", "fail"},
    "passed": set(),
    "failed": set(),
    "cancelled": set(),
}
EXPECTED_FINDING = {
    "open": {"answer"},
    "answered": {"accept", "reopen"},
    "closed": set(),
    "noted": set(),
}


def _user(*roles: Role) -> User:
    return User(email="x@test.example", name="x", role_rows=[UserRole(role=r.value) for r in roles])


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


def test_audit_and_finding_tables() -> None:
    omni = _user(*Role)
    for table, expected, entity in (
        (AUDIT_TRANSITIONS, EXPECTED_AUDIT, "site audit"),
        (FINDING_TRANSITIONS, EXPECTED_FINDING, "audit finding"),
    ):
        actions = {t.action for t in table}
        for state, allowed in expected.items():
            assert set(lifecycle.allowed_actions(state, table)) == allowed
            for action in actions - allowed:
                with pytest.raises(IllegalTransition, match=entity):
                    lifecycle.check(state, action, omni, table, entity)
        for t in table:
            for state in t.sources:
                lifecycle.check(state, t.action, _user(*t.roles), table, entity)
                others = [r for r in Role if r not in t.roles]
                with pytest.raises(PermissionDenied):
                    lifecycle.check(state, t.action, _user(*others), table, entity)
    assert {s.value for s in AuditState} == set(EXPECTED_AUDIT)
    assert {s.value for s in FindingState} == set(EXPECTED_FINDING)
    # the auditor records, the applicant answers, only an official fails or cancels
    by = {t.action: t for t in AUDIT_TRANSITIONS}
    assert by["fail"].roles == by["cancel"].roles == {Role.OFFICIAL}
    assert by["start_visit"].guards == ("assigned_auditor",)
    app = {t.action: t for t in lifecycle.TRANSITIONS}
    assert app["evaluate"].guards == ("no_open_major_finding", "site_audit_concluded")
    assert app["issue"].guards == ("site_audit_passed",)
    assert set(lifecycle.application_guards()) >= {
        g for t in lifecycle.TRANSITIONS for g in t.guards
    }


def _events(app_id: int, prefix: str) -> list[str]:
    with db.transaction() as s:
        return [
            e.action
            for e in s.scalars(
                select(AuditEvent).where(
                    AuditEvent.application_id == app_id, AuditEvent.action.like(f"{prefix}%")
                )
            )
        ]


def test_site_audit_from_plan_to_passed_report(home) -> None:
    w = World().setup_staff()
    with db.transaction() as s:
        other, _ = accounts.create_staff(
            s, w.user(s, "reviewer"), "auditor2@lspro.example", "Auditor Dua", {Role.AUDITOR}
        )
        other_id = other.id
    app_id = w.new_application("abon")
    w.advance_to(app_id, "sampling")
    day = today()

    def plan(who: str, when=day, auditors=None):
        with db.transaction() as s:
            return site_audits.plan(
                s, w.user(s, who), app_id, when, auditors or [w.users["auditor"]]
            ).id

    with pytest.raises(PermissionDenied):
        plan("sampler")
    with pytest.raises(InvalidInput) as info:
        plan("reviewer", day - timedelta(days=1))
    assert info.value.field == "planned_for"
    with pytest.raises(InvalidInput) as info:
        plan("reviewer", auditors=[w.users["analyst"]])
    assert info.value.field == "auditors" and "auditor" in str(info.value)
    audit_id = plan("reviewer")
    with pytest.raises(Conflict, match="already has site audit"):
        plan("reviewer")

    def as_(who, fn, *args):
        with db.transaction() as s:
            if who == "owner":
                user = w.owner(s, app_id)
            else:
                user = s.get(User, other_id) if who == "auditor2" else w.user(s, who)
            return fn(s, user, *args)

    with pytest.raises(PermissionDenied, match="not an auditor of site audit"):
        as_("auditor2", site_audits.start_visit, audit_id)
    with pytest.raises(PermissionDenied, match="needs the role Auditor"):
        as_("reviewer", site_audits.start_visit, audit_id)
    with pytest.raises(Conflict, match="recorded on site"):
        as_("auditor", site_audits.record_finding, audit_id, "penyimpanan", "minor", "x")
    as_("auditor", site_audits.start_visit, audit_id)
    with pytest.raises(InvalidInput) as info:
        as_("auditor", site_audits.record_finding, audit_id, "no_such_item", "minor", "x")
    assert info.value.field == "item_id"
    with pytest.raises(InvalidInput) as info:
        as_("auditor", site_audits.record_finding, audit_id, "penyimpanan", "critical", "x")
    assert info.value.field == "grade"
    with pytest.raises(InvalidInput) as info:  # evidence is checked like dossier documents
        as_(
            "auditor",
            site_audits.record_finding,
            audit_id,
            "penyimpanan",
            "minor",
            "x",
            [("foto.png", b"<html>not a picture</html>")],
        )
    assert info.value.field == "evidence"
    major = as_(
        "auditor",
        site_audits.record_finding,
        audit_id,
        "fasilitas_sanitasi",
        "major",
        "Tidak ada tempat cuci tangan di ruang produksi",
        [("wastafel.png", _png())],
    ).id
    minor = as_(
        "auditor", site_audits.record_finding, audit_id, "pelabelan", "minor", "Label tanpa kode"
    ).id
    as_("auditor", site_audits.record_finding, audit_id, "penyimpanan", "observation", "Rapi")

    # the photo: for staff and the business audited, nobody else
    with db.transaction() as s:
        [ev] = site_audits.evidence_of(s, [major])
        ev_id = ev.id
        assert ev.media_type == "image/png" and ev.filename == "wastafel.png"
        assert site_audits.evidence_file(s, w.owner(s, app_id), ev_id)[1][:4] == b"\x89PNG"
    stranger = w.applicant("abon", name="stranger")
    with pytest.raises(NotFound):
        as_(stranger, site_audits.evidence_file, ev_id)

    # the lab's work ends while the visit goes on: the case waits for the audit
    w.advance_to(app_id, "testing")
    w.enter_all_results(app_id)
    with db.transaction() as s:
        assert lab.complete_testing(s, w.user(s, "system"), app_id)
    assert w.app(app_id).state == "site_audit"
    assert w.app(app_id).awaiting_role == "auditor"
    assert stages.site_audit_done(app_id) is False

    deadline = day + timedelta(days=14)
    with pytest.raises(Conflict, match="answers come once it reported"):
        as_("owner", site_audits.answer, major, "sebab", "tindakan", deadline)
    as_("auditor", site_audits.close_visit, audit_id, "Kunjungan selesai")
    assert stages.site_audit_done(app_id) is True
    assert w.app(app_id).state == "evaluation"

    def evaluate():
        with db.transaction() as s:
            return w.evaluate(s, app_id)

    with pytest.raises(Conflict, match=rf"major finding open: fasilitas_sanitasi \(#{major}\)"):
        evaluate()
    with pytest.raises(PermissionDenied, match="does not act for the business"):
        as_(stranger, site_audits.answer, major, "sebab", "tindakan", deadline)
    with pytest.raises(InvalidInput) as info:
        as_("owner", site_audits.answer, major, "sebab", "tindakan", day + timedelta(days=90))
    assert info.value.field == "deadline"
    as_(
        "owner",
        site_audits.answer,
        major,
        "Tidak direncanakan",
        "Wastafel dipasang",
        deadline,
        [("wastafel-baru.png", _png())],
    )
    with pytest.raises(PermissionDenied, match="not an auditor"):
        as_("auditor2", site_audits.verify, major, True)
    with pytest.raises(InvalidInput) as info:
        as_("auditor", site_audits.verify, major, False)
    assert info.value.field == "note"
    as_("auditor", site_audits.verify, major, False, "Belum ada sabun")
    with pytest.raises(Conflict, match="major finding open"):
        evaluate()
    as_("owner", site_audits.answer, major, "Lupa", "Sabun disediakan", deadline)
    as_("auditor", site_audits.verify, major, True)
    # no major open, but the minor one still awaits: not before the audit concludes
    with pytest.raises(Conflict, match="must pass or fail first"):
        evaluate()
    as_("owner", site_audits.answer, minor, "Mesin", "Kode produksi dicetak", deadline)
    as_("auditor", site_audits.verify, minor, True)

    with db.transaction() as s:
        a = s.get(SiteAudit, audit_id)
        assert a.state == "passed" and a.closed_at is not None
        html = outputs.find(s, f"site_audit:{audit_id}", "audit_report_html")
        pdf = outputs.find(s, f"site_audit:{audit_id}", "audit_report_pdf")
        html_text = outputs.absolute(html).read_text()
        pdf_bytes = outputs.absolute(pdf).read_bytes()
    assert "LULUS" in html_text and "Tidak ada tempat cuci tangan" in html_text
    # both corrective actions of the major finding: the reopened one and the accepted one
    assert html_text.index("Wastafel dipasang") < html_text.index("Belum ada sabun")
    assert html_text.index("Belum ada sabun") < html_text.index("Sabun disediakan")
    assert pdf_bytes.startswith(b"%PDF-")
    ev = evaluate()
    assert stages.compile_evaluation(app_id) is False  # rendered, an official decides
    with db.transaction() as s:
        report = outputs.find(s, f"application:{app_id}", "evaluation_report")
        assert 'id="site-audit">lulus / passed' in outputs.absolute(report).read_text()
    assert ev.recommendation == "grant" and ev.findings["site_audit"]["state"] == "passed"
    assert ev.findings["site_audit"] == {
        "id": audit_id,
        "state": "passed",
        "major": 1,
        "minor": 1,
        "observation": 1,
    }
    trail = _events(app_id, "site_audit.") + _events(app_id, "audit_finding.")
    for action in (
        "site_audit.planned",
        "site_audit.auditor_assigned",
        "site_audit.visit_started",
        "site_audit.reported",
        "site_audit.passed",
        "audit_finding.recorded",
        "audit_finding.answered",
        "audit_finding.reopened",
        "audit_finding.closed",
    ):
        assert action in trail


def test_failed_audit_refuses_and_type5_never_certifies_without_a_pass(home) -> None:
    w = World().setup_staff()
    app_id = w.new_application("sasando")
    w.advance_to(app_id, "testing")
    audit_id = w.plan_site_audit(app_id)
    with db.transaction() as s:
        auditor = w.user(s, "auditor")
        site_audits.start_visit(s, auditor, audit_id)
        f = site_audits.record_finding(
            s, auditor, audit_id, "identifikasi_ketertelusuran", "major", "Tanpa kode produk"
        )
        site_audits.close_visit(s, auditor, audit_id)
    with db.transaction() as s, pytest.raises(PermissionDenied, match="Official"):
        site_audits.fail(s, w.user(s, "auditor"), audit_id, "Tidak diperbaiki")
    with db.transaction() as s:
        site_audits.fail(s, w.user(s, "reviewer"), audit_id, "Tidak diperbaiki dalam 60 hari")
    with db.transaction() as s:
        app = application(s, app_id)
        with pytest.raises(Conflict, match="only after a passed site audit"):
            site_audits.GUARDS["site_audit_passed"](s, app, w.user(s, "system"))
        assert s.get(type(f), f.id).status == "open"
    w.advance_to(app_id, "decision")
    with db.transaction() as s:
        ev = s.scalar(select(Evaluation).where(Evaluation.application_id == app_id))
        assert ev.recommendation == "refuse" and "site_audit" in ev.findings["failing_parameters"]
    with db.transaction() as s, pytest.raises(Conflict, match="cannot be granted"):
        decisions.decide(s, w.user(s, "decider"), app_id, "grant", "Memenuhi")


def test_surveillance_audit_failure_suspends(home) -> None:
    w = World().setup_staff()
    app_id = w.new_application("tenun_ikat")
    w.advance_to(app_id, "certified")
    with db.transaction() as s:
        cert = s.scalar(select(Certificate).where(Certificate.application_id == app_id))
    clock.freeze(cert.issued_at + timedelta(days=340))
    try:
        with db.transaction() as s:
            [case] = monitoring.open_due_surveillance(s, accounts.system_user(s))
            case_id = case.id
        # a pass by form is refused: type 5 passes through its site audit
        with db.transaction() as s, pytest.raises(Conflict, match="site audit"):
            monitoring.record_surveillance(s, w.user(s, "reviewer"), case_id, True, "baik")
        with db.transaction() as s:
            audit_id = site_audits.plan(
                s,
                w.user(s, "reviewer"),
                app_id,
                today(),
                [w.users["auditor"]],
                surveillance_case_id=case_id,
            ).id
        with db.transaction() as s:
            auditor = w.user(s, "auditor")
            site_audits.start_visit(s, auditor, audit_id)
            site_audits.record_finding(
                s, auditor, audit_id, "penanganan_keluhan", "major", "Keluhan tidak dicatat"
            )
            site_audits.close_visit(s, auditor, audit_id)
        with db.transaction() as s:
            site_audits.fail(s, w.user(s, "reviewer"), audit_id, "Tidak ada tindakan korektif")
        with db.transaction() as s:
            cert = s.get(Certificate, cert.id)
            assert cert.status == "suspended"
            assert s.get(monitoring.SurveillanceCase, case_id).status == "failed"
            assert outputs.find(s, f"site_audit:{audit_id}", "audit_report_pdf") is not None
    finally:
        clock.reset()


def test_audit_checklist_data(tmp_path: Path) -> None:
    cat = load_catalog()
    assert set(cat.audit_checklists) == {
        p for p, x in cat.products.items() if x.scheme.factory_audit
    }
    assert cat.audit_checklists["abon"].basis == "cppb_irt"
    assert cat.audit_checklists["sasando"].basis == "iso_9001"
    for cl in cat.audit_checklists.values():
        assert all(i.source.reference for i in cl.items)
    folder = tmp_path / "checklists" / "audit"
    folder.mkdir(parents=True)
    text = (Path("checklists/audit/emping.yaml")).read_text()
    broken = text.replace("basis: cppb_irt", "basis: haccp", 1)
    (folder / "emping.yaml").write_text(broken)
    line = broken.splitlines().index("basis: haccp") + 1
    with pytest.raises(DataError) as info:
        load_catalog([folder])
    [problem] = info.value.problems
    assert (problem.path, problem.line, problem.value) == ("basis", line, "haccp")
    result = CliRunner().invoke(cli, ["check-data", str(folder / "emping.yaml")])
    assert result.exit_code == 1
    assert f"{folder / 'emping.yaml'}:{line}: basis:" in result.output
    # an audit checklist for a product whose scheme audits nothing is refused too
    (folder / "emping.yaml").write_text(text.replace("product: emping", "product: kopi", 1))
    with pytest.raises(DataError, match="unknown product"):
        load_catalog([folder])
