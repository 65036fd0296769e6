"""The seeded world the browser walk visits: one applicant owning cases in many states,
the staff cast, a surveillance, a complaint, an appeal and a change, so every page has
something to show. Returns the ids each page's URL needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from snicert import clock, synthetic
from snicert.db import engine as db
from snicert.db.models import Certificate, Document
from snicert.services import (
    accounts,
    appeals,
    changes,
    complaints,
    decisions,
    lab,
    monitoring,
    site_audits,
)
from snicert.services.guards import application
from tests.world import World

OWNER = "owner"  # the applicant whose pages the walk visits: owner@umkm.example


@dataclass
class Seeded:
    world: World
    apps: dict[str, int] = field(default_factory=dict)  # state (or role in the walk) -> id
    ids: dict[str, int | str] = field(default_factory=dict)  # other things by name


def seed() -> Seeded:
    w = World().setup_staff()
    w.applicant("abon", name=OWNER)
    out = Seeded(w)

    def case(
        name: str, target: str | None, product: str = "abon", failing: frozenset = frozenset(), **kw
    ) -> int:
        app_id = w.new_application(product, applicant=OWNER, **kw)
        if target:
            w.advance_to(app_id, target, set(failing))
        out.apps[name] = app_id
        return app_id

    case("empty", None, documents=False)  # a draft with nothing uploaded yet
    case("draft", None, product="emping")
    case("payment", "payment")
    case("payment_check", "payment_check")
    case("document_review", "document_review")
    # a non-conformity raised on two documents, waiting for the applicant's answer
    nc = case("nonconformity", "document_review", product="emping")
    items = [i["id"] for i in w.app(nc).checklist_snapshot["document_items"]][:2]
    w.review_all(nc, nonconform=set(items))
    smp = case("sampling", "sampling")
    with db.transaction() as s:
        lab.create_samples(s, w.user(s, "system"), smp)
    # at the lab: samples received, half the results entered and waiting for verification
    tst = case("testing", "testing")
    w.receive_samples(tst)
    with db.transaction() as s:
        params = w.app(tst).checklist_snapshot["parameters"]
        for p in params[: len(params) // 2]:
            lab.record_result(
                s, w.user(s, "analyst"), tst, p["id"], synthetic.passing_value(p), p["unit"]
            )
    aud = case("site_audit", "site_audit")
    out.ids["audit"] = w.plan_site_audit(aud)
    case("evaluation", "evaluation")
    case("decision", "decision")
    # refused for what the lab found (the review's table of failed parameters shows it)
    refused = case("refused", "decision", product="emping", failing=frozenset({"moisture"}))
    with db.transaction() as s:
        decisions.decide(
            s, w.user(s, "decider"), refused, "refuse", "Kadar air melebihi batas SNI."
        )
    with db.transaction() as s:
        out.ids["appeal"] = appeals.file(
            s, w.owner(s, refused), refused, "refusal", "Hasil uji ulang memenuhi SNI."
        ).id
    # certified 340 days ago, so that its yearly surveillance opens today: opened on a
    # clock set a year ahead, its notification read as dated in the future
    clock.freeze(clock.now() - timedelta(days=340))
    cert_app = case("certified", "certified")
    clock.reset()
    with db.reading() as s:
        cert = s.scalar(select(Certificate).where(Certificate.application_id == cert_app))
        out.ids["certificate"], out.ids["number"] = cert.id, cert.number
        out.ids["document"] = s.scalar(
            select(Document.id).where(Document.application_id == cert_app).limit(1)
        )
    with db.transaction() as s:
        out.ids["change"] = changes.notify(
            s,
            w.owner(s, cert_app),
            int(out.ids["certificate"]),
            "site",
            "Produksi pindah ke Jl. Timor Raya 12",
        ).id
    with db.transaction() as s:
        row, code = complaints.file(
            s,
            "192.0.2.10",
            subject="certificate",
            text_="Kemasan abon ini robek dan isinya berbau tengik.",
            certificate_number=str(out.ids["number"]),
            contact_name="Yuliana Benu",
            contact_email="yuliana@example.id",
        )
        out.ids["complaint"], out.ids["tracking"] = row.id, code
    with db.transaction() as s:  # the yearly surveillance, due today
        [sv] = monitoring.open_due_surveillance(s, accounts.system_user(s))
        out.ids["surveillance"] = sv.id
    with db.transaction() as s:
        assert application(s, cert_app).state == "certified"
        assert site_audits.case_audit(s, aud) is not None
    return out
