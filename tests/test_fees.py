"""The certification agreement and the fees: acceptance at submission, the quotation from
the product's tariff, the invoice, the proof of payment and the official's verdict; the
document review waits for the confirmed payment."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from snicert import lifecycle, outputs, synthetic
from snicert.catalog import default_catalog
from snicert.catalog.loader import DataError, load_catalog
from snicert.db import engine as db
from snicert.db.models import AuditEvent, Invoice, Notification, PaymentProof, Quotation
from snicert.errors import IllegalTransition, InvalidInput, PermissionDenied
from snicert.services import applications, fees
from snicert.services.guards import application
from tests.world import World

ROOT = Path(__file__).resolve().parents[1]


def _actions(app_id: int) -> list[str]:
    with db.transaction() as s:
        return list(
            s.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.application_id == app_id)
                .order_by(AuditEvent.seq)
            )
        )


def test_submission_needs_the_agreement_in_force(home) -> None:
    w = World().setup_staff()
    app_id = w.new_application("abon")
    version = fees.agreement().version
    for given, key in ((None, "agreement_required"), (version + 1, "agreement_outdated")):
        with pytest.raises(InvalidInput) as info, db.transaction() as s:
            applications.submit(s, w.owner(s, app_id), app_id, given)
        assert (info.value.field, info.value.key) == ("agreement_version", key)
    assert w.app(app_id).state == "draft"
    with db.transaction() as s:
        assert fees.quotation(s, app_id) is None  # nothing made by a refused submission
    w.submit(app_id)
    app = w.app(app_id)
    assert (app.state, app.agreement_version) == ("submitted", version)
    assert app.agreement_accepted_at is not None
    with db.transaction() as s:
        [ev] = s.scalars(
            select(AuditEvent).where(
                AuditEvent.application_id == app_id, AuditEvent.action == "application.submitted"
            )
        )
        assert json.loads(ev.data)["agreement_version"] == version


def test_the_agreement_states_every_obligation() -> None:
    a = default_catalog().agreement
    assert a is not None and a.version >= 1
    ids = {o.id for o in a.obligations}
    assert ids >= {"requirements", "certificate_and_mark", "surveillance_access", "changes"}
    assert "complaints" in ids
    assert all(o.text.id.strip() and o.text.en.strip() for o in a.obligations)


def test_quotation_amounts_come_from_the_tariff(home) -> None:
    w = World().setup_staff()
    app_id = w.new_application("emping")
    w.submit(app_id)
    tariff = default_catalog().product("emping").tariff
    with db.transaction() as s:
        q = fees.quotation(s, app_id)
        assert [i["amount_idr"] for i in q.items["items"]] == [i.amount_idr for i in tariff.items]
        assert q.total_idr == tariff.total_idr == sum(i.amount_idr for i in tariff.items)
        assert q.items["legal_basis"]["id"] == tariff.legal_basis.id
        assert q.number.startswith("PNW-")
        pdf = outputs.find(s, f"quotation:{q.id}", "quotation_pdf")
        assert pdf is not None
        path = outputs.absolute(pdf)
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")


def test_invoice_at_screening_numbered_uniquely(home) -> None:
    w = World().setup_staff()
    apps = [w.new_application("abon") for _ in range(3)]
    for app_id in apps:
        w.advance_to(app_id, "payment")
    with db.transaction() as s:
        invoices = [fees.invoice(s, a) for a in apps]
        assert len({i.number for i in invoices}) == 3
        assert [int(i.number.rsplit("-", 1)[1]) for i in invoices] == [1, 2, 3]
        assert all(
            i.total_idr == fees.quotation(s, a).total_idr
            for i, a in zip(invoices, apps, strict=True)
        )
        app = application(s, apps[0])
        assert fees.issue_invoice(s, w.user(s, "system"), app) is invoices[0]  # once
        assert s.query(Invoice).count() == 3
        assert app.awaiting_role == "applicant" and app.due_at is not None
    # the applicant is told of the invoice
    with db.transaction() as s:
        told = s.scalars(
            select(Notification.moment).where(Notification.user_id == w.owner(s, apps[0]).id)
        ).all()
        assert "invoice_issued" in told


def test_proof_upload_checked_like_documents(home) -> None:
    w = World().setup_staff()
    app_id = w.new_application("abon")
    w.advance_to(app_id, "payment")
    with pytest.raises(InvalidInput) as info, db.transaction() as s:
        fees.submit_proof(s, w.owner(s, app_id), app_id, "bukti.pdf", b"MZ\x90\x00not a pdf")
    assert info.value.field == fees.PROOF_KIND
    with pytest.raises(InvalidInput), db.transaction() as s:
        fees.submit_proof(s, w.owner(s, app_id), app_id, "bukti.pdf", b"")
    other = w.applicant("abon", name="other")
    with pytest.raises(PermissionDenied), db.transaction() as s:
        name, data = synthetic.payment_proof("INV", 1, "x")
        fees.submit_proof(s, w.user(s, other), app_id, name, data)
    proof_id = w.pay(app_id)
    assert w.app(app_id).state == "payment_check"
    with db.transaction() as s:
        proof = s.get(PaymentProof, proof_id)
        assert proof.verdict is None and proof.reference == "TRF-1"
        _, doc, data = fees.proof_file(s, w.owner(s, app_id), proof_id)
        assert doc.kind == fees.PROOF_KIND and data.startswith(b"%PDF-")
        told = s.scalars(
            select(Notification.moment).where(Notification.user_id == w.users["reviewer"])
        ).all()
        assert "payment_proof_waiting" in told


def test_only_officials_confirm(home) -> None:
    w = World().setup_staff()
    app_id = w.new_application("abon")
    w.advance_to(app_id, "payment_check")
    for name in ("auditor", "sampler"):
        with pytest.raises(PermissionDenied), db.transaction() as s:
            fees.confirm(s, w.user(s, name), app_id)
    with pytest.raises(PermissionDenied), db.transaction() as s:
        fees.confirm(s, w.owner(s, app_id), app_id)
    assert w.app(app_id).state == "payment_check"
    w.confirm_payment(app_id, "evaluator")
    app = w.app(app_id)
    assert app.state == "document_review"
    with db.transaction() as s:
        inv = fees.invoice(s, app_id)
        assert inv.paid_at is not None
        assert [p.verdict for p in fees.proofs(s, inv.id)] == ["confirmed"]
    assert _actions(app_id)[-1] == "application.payment_confirmed"


def test_refused_proof_is_uploaded_again(home) -> None:
    w = World().setup_staff()
    app_id = w.new_application("abon")
    w.advance_to(app_id, "payment_check")
    with pytest.raises(InvalidInput) as info, db.transaction() as s:
        fees.refuse(s, w.user(s, "reviewer"), app_id, "  ")
    assert info.value.field == "reason"
    with db.transaction() as s:
        fees.refuse(s, w.user(s, "reviewer"), app_id, "Jumlah transfer kurang Rp 50.000")
    assert w.app(app_id).state == "payment"
    with db.transaction() as s:
        told = s.scalars(
            select(Notification.moment).where(Notification.user_id == w.owner(s, app_id).id)
        ).all()
        assert "payment_refused" in told
    with pytest.raises(IllegalTransition), db.transaction() as s:
        fees.confirm(s, w.user(s, "reviewer"), app_id)  # nothing to confirm now
    w.pay(app_id)
    w.confirm_payment(app_id)
    with db.transaction() as s:
        inv = fees.invoice(s, app_id)
        got = [(p.verdict, p.reason) for p in fees.proofs(s, inv.id)]
    assert got == [("refused", "Jumlah transfer kurang Rp 50.000"), ("confirmed", None)]
    assert w.app(app_id).state == "document_review"


def test_document_review_waits_for_the_payment(home) -> None:
    w = World().setup_staff()
    app_id = w.new_application("abon")
    w.advance_to(app_id, "payment")
    for stage in ("payment", "payment_check"):
        assert w.app(app_id).state == stage
        with pytest.raises(IllegalTransition), db.transaction() as s:
            applications.record_review(s, w.user(s, "reviewer"), app_id, {})
        if stage == "payment":
            w.pay(app_id)
    # the table itself: only the confirmation leads into document review
    into_review = [t.action for t in lifecycle.TRANSITIONS if t.target == "document_review"]
    assert sorted(into_review) == ["answer_nonconformities", "confirm_payment"]
    assert lifecycle.TRANSITIONS[
        [t.action for t in lifecycle.TRANSITIONS].index("answer_nonconformities")
    ].guards == ("payment_confirmed",)


def test_screening_answered_goes_to_payment_then_review(home) -> None:
    w = World().setup_staff()
    app_id = w.new_application("abon")
    w.submit_with_gaps(app_id)
    with db.transaction() as s:
        applications.screen(s, w.user(s, "system"), app_id)
        assert fees.invoice(s, app_id) is None  # an incomplete dossier is not billed
        spec = default_catalog().product("abon").model_dump(mode="json")["documents"]
        owner = w.owner(s, app_id)
        for d in spec:
            name, data = synthetic.document(d, "abon", "UMKM")
            applications.attach_document(s, owner, app_id, d["id"], name, data)
        for nc in applications.open_nonconformities(s, app_id):
            applications.answer_nonconformity(s, owner, nc.id, "Dilengkapi")
    assert w.app(app_id).state == "payment"
    with db.transaction() as s:
        assert fees.invoice(s, app_id) is not None
    w.advance_to(app_id, "document_review")
    # a review's non-conformities, answered after payment, return to the review
    w.review_all(app_id, nonconform={"npwp_present"})
    with db.transaction() as s:
        owner = w.owner(s, app_id)
        for nc in applications.open_nonconformities(s, app_id):
            applications.answer_nonconformity(s, owner, nc.id, "Diperbaiki")
    assert w.app(app_id).state == "document_review"
    with db.transaction() as s:
        assert s.query(Invoice).count() == 1 and s.query(Quotation).count() == 1


def test_a_fifth_products_tariff_is_data_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "products", data / "products")
    shutil.copytree(ROOT / "checklists", data / "checklists")
    product = yaml.safe_load((data / "products" / "emping.yaml").read_text())
    product.update(code="kopi", certificate_prefix="KOP")
    product["tariff"]["items"] = [
        {"id": "everything", "name": {"id": "Semua", "en": "All"}, "amount_idr": 4_200_000}
    ]
    (data / "products" / "kopi.yaml").write_text(yaml.safe_dump(product, allow_unicode=True))
    cat = load_catalog([data / "products"])
    assert cat.products["kopi"].tariff.total_idr == 4_200_000
    # a tariff without items, or a negative amount, is refused naming the field
    product["tariff"]["items"] = [{"id": "x", "name": {"id": "X", "en": "X"}, "amount_idr": -5}]
    (data / "products" / "kopi.yaml").write_text(yaml.safe_dump(product, allow_unicode=True))
    with pytest.raises(DataError) as info:
        load_catalog([data / "products"])
    assert "tariff.items[0].amount_idr" in str(info.value)


def test_an_agreement_without_an_obligation_is_named(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "products", data / "products")
    shutil.copytree(ROOT / "checklists", data / "checklists")
    agreement = yaml.safe_load((data / "products" / "agreement.yaml").read_text())
    agreement["obligations"] = [o for o in agreement["obligations"] if o["id"] != "complaints"]
    (data / "products" / "agreement.yaml").write_text(yaml.safe_dump(agreement))
    with pytest.raises(DataError) as info:
        load_catalog([data / "products"])
    assert "agreement.yaml" in str(info.value) and "complaints" in str(info.value)


def test_the_applicant_is_reminded_to_pay_and_officials_see_the_proof(home) -> None:
    from datetime import UTC, datetime

    from snicert import clock
    from snicert.services import reminders
    from snicert.web.routes.official import dashboard

    clock.freeze(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))  # Monday 09:00 WITA
    w = World().setup_staff()
    app_id = w.new_application("abon")
    w.advance_to(app_id, "payment")
    due = w.app(app_id).due_at
    clock.freeze(due)  # the due day itself (local): the applicant is reminded
    with db.transaction() as s:
        reminders.send(s, w.user(s, "system"))
        told = s.scalars(
            select(Notification.moment).where(Notification.user_id == w.owner(s, app_id).id)
        ).all()
    assert "deadline_today" in told
    w.pay(app_id)
    with db.transaction() as s:
        board = dashboard(s)
        [row] = [x for x in board["awaited"] if x["id"] == app_id]
        assert row["link"] == f"/official/payments/{app_id}"
        assert row["awaiting_role"] == "official"
