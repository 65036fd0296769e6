"""A cast of users and helpers that drive an application through the service layer."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete

from snicert import synthetic
from snicert.catalog import default_catalog
from snicert.db import engine as db
from snicert.db.models import Application, Document, User
from snicert.roles import Role
from snicert.services import (
    accounts,
    applications,
    certificates,
    checklists,
    decisions,
    fees,
    impartiality,
    lab,
    site_audits,
)
from snicert.services.guards import application

QUALIFIED_FROM = date(2000, 1, 1)  # before any moment a test moves the clock to
ORDER = [
    "draft",
    "submitted",
    "payment",
    "payment_check",
    "document_review",
    "sampling",
    "testing",
    "evaluation",
    "decision",
    "approved",
    "certified",
]


@dataclass
class World:
    """User ids by name; every call opens its own transaction like a real caller."""

    users: dict[str, int] = field(default_factory=dict)
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    applicants: int = 0

    def user(self, s, name: str) -> User:
        return s.get(User, self.users[name])

    def setup_staff(self) -> World:
        with db.transaction() as s:
            official, _ = accounts.bootstrap_official(
                s, "reviewer@lspro.example", "Reviewer", "rahasia-123"
            )
            self.users["reviewer"] = official.id
            self.users["system"] = accounts.system_user(s).id
            for name, roles in {
                "evaluator": {Role.OFFICIAL},
                "decider": {Role.OFFICIAL},
                "sampler": {Role.SAMPLER},
                "analyst": {Role.LAB_ANALYST},
                "verifier": {Role.LAB_VERIFIER},
                "labboth": {Role.LAB_ANALYST, Role.LAB_VERIFIER},
                "auditor": {Role.AUDITOR},
            }.items():
                user, _ = accounts.create_staff(
                    s, official, f"{name}@lspro.example", name.title(), roles, "rahasia-123"
                )
                user.must_change_password = False  # as if they had chosen it at first sign-in
                self.users[name] = user.id
            s.flush()
            for name, user_id in self.users.items():
                if name != "system":
                    self._qualify(s, official, user_id)
            for product in default_catalog().checklists:
                version = default_catalog().checklists[product].version
                checklists.approve(s, official, product, version)
            for product, audit_list in default_catalog().audit_checklists.items():
                checklists.approve(s, official, product, audit_list.version, checklists.AUDIT)
        return self

    @staticmethod
    def _qualify(s, official: User, user_id: int) -> None:
        """Qualify a staff member for every function their roles allow, on every catalog
        product, from long ago and without end (the LSPro's competence records)."""
        user = s.get(User, user_id)
        impartiality.qualify_many(
            s,
            official,
            user,
            impartiality.functions_of(user),
            list(default_catalog().products),
            "Sertifikat pelatihan (uji)",
            QUALIFIED_FROM,
        )

    def qualify(self, name: str) -> None:
        """Qualify a staff member a test created beside the cast (see _qualify)."""
        with db.transaction() as s:
            self._qualify(s, self.user(s, "reviewer"), self.users[name])

    def applicant(self, product: str = "abon", name: str | None = None) -> str:
        name = name or f"applicant{self.applicants}"
        info = synthetic.business(product, self.applicants, self.rng)
        self.applicants += 1
        with db.transaction() as s:
            self.users[name] = accounts.register_applicant(
                s,
                email=f"{name}@umkm.example",
                name=info["name"],
                password="rahasia-123",
                business_name=info["business_name"],
                nib=info["nib"],
                address=info["address"],
                phone=info["phone"],
            ).id
        return name

    def new_application(
        self, product: str = "abon", applicant: str | None = None, documents: bool = True
    ) -> int:
        applicant = applicant or self.applicant(product)
        with db.transaction() as s:
            actor = self.user(s, applicant)
            app = applications.create(
                s,
                actor,
                product,
                brand=f"Merek {product}",
                production_site="Kel. Oebobo, Kota Kupang",
            )
            if documents:
                spec_list = default_catalog().product(product).model_dump(mode="json")["documents"]
                for spec in spec_list:
                    fname, data = synthetic.document(spec, product, "UMKM test")
                    applications.attach_document(s, actor, app.id, spec["id"], fname, data)
            self.users[f"owner:{app.id}"] = actor.id
            return app.id

    def submit(self, app_id: int) -> None:
        """The owner submits, accepting the agreement in force."""
        with db.transaction() as s:
            applications.submit(s, self.owner(s, app_id), app_id, fees.agreement().version)

    def pay(self, app_id: int) -> int:
        """The owner uploads a proof of payment of the case's invoice; returns its id."""
        with db.transaction() as s:
            inv = fees.invoice(s, app_id)
            name, data = synthetic.payment_proof(inv.number, inv.total_idr, "UMKM test")
            return fees.submit_proof(s, self.owner(s, app_id), app_id, name, data, "TRF-1").id

    def confirm_payment(self, app_id: int, official: str = "reviewer") -> None:
        with db.transaction() as s:
            fees.confirm(s, self.user(s, official), app_id)

    def submit_with_gaps(self, app_id: int, kinds: set[str] | None = None) -> None:
        """Submit a complete dossier, then lose its documents of `kinds` (all when None):
        submission refuses a dossier with gaps, so this is how screening's own check for
        missing documents (and what it tells the applicant) is reached."""
        self.submit(app_id)
        with db.transaction() as s:
            gone = Document.application_id == app_id
            s.execute(delete(Document).where(gone, *([Document.kind.in_(kinds)] if kinds else [])))

    def owner(self, s, app_id: int) -> User:
        return s.get(User, self.users[f"owner:{app_id}"])

    def app(self, app_id: int) -> Application:
        with db.transaction() as s:
            return application(s, app_id)

    def review_all(
        self,
        app_id: int,
        verdict: str = "conform",
        reviewer: str = "reviewer",
        nonconform: set[str] | None = None,
    ) -> None:
        with db.transaction() as s:
            app = application(s, app_id)
            verdicts = {}
            for item in app.checklist_snapshot["document_items"]:
                bad = nonconform is not None and item["id"] in nonconform
                verdicts[item["id"]] = (
                    ("nonconform", "Perbaiki dokumen") if bad else (verdict, None)
                )
            applications.record_review(s, self.user(s, reviewer), app_id, verdicts)

    def receive_samples(self, app_id: int) -> None:
        with db.transaction() as s:
            for sample in lab.samples_of(s, app_id):
                if sample.status == "sealed":
                    lab.receive_sample(
                        s, self.user(s, "analyst"), sample.id, sample.seal_number, seal_intact=True
                    )

    def enter_all_results(
        self,
        app_id: int,
        failing: set[str] = frozenset(),
        analyst: str = "analyst",
        verifier: str = "verifier",
    ) -> None:
        self.receive_samples(app_id)
        with db.transaction() as s:
            app = application(s, app_id)
            for p in app.checklist_snapshot["parameters"]:
                value = (
                    synthetic.failing_value(p) if p["id"] in failing else synthetic.passing_value(p)
                )
                r = lab.record_result(s, self.user(s, analyst), app_id, p["id"], value, p["unit"])
                lab.verify_result(s, self.user(s, verifier), r.id)

    def plan_site_audit(self, app_id: int, auditor: str = "auditor") -> int:
        with db.transaction() as s:
            return site_audits.plan(
                s,
                self.user(s, "reviewer"),
                app_id,
                site_audits.dates.today(),
                [self.users[auditor]],
            ).id

    def pass_site_audit(self, app_id: int, minor: bool = False, auditor: str = "auditor") -> int:
        """Plan, visit and close the case's site audit (with `minor`: one minor finding,
        answered by the applicant and accepted). Returns the audit id."""
        with db.transaction() as s:
            existing = site_audits.case_audit(s, app_id)
        audit_id = existing.id if existing else self.plan_site_audit(app_id, auditor)
        with db.transaction() as s:
            user = self.user(s, auditor)
            site_audits.start_visit(s, user, audit_id)
            finding = None
            if minor:
                item = site_audits.get(s, site_audits.SiteAudit, audit_id).checklist_snapshot
                finding = site_audits.record_finding(
                    s, user, audit_id, item["items"][0]["id"], "minor", "Catatan belum lengkap"
                ).id
            site_audits.close_visit(s, user, audit_id)
        if finding is not None:
            with db.transaction() as s:
                site_audits.answer(
                    s,
                    self.owner(s, app_id),
                    finding,
                    "Belum ada formulir",
                    "Formulir dibuat dan diisi",
                    site_audits.dates.today(),
                )
            with db.transaction() as s:
                site_audits.verify(s, self.user(s, auditor), finding, True)
        return audit_id

    def pass_surveillance_audit(self, app_id: int, case_id: int) -> int:
        """A surveillance's site audit without findings: it passes (and a surveillance
        waiting for it goes on to its evaluation)."""
        with db.transaction() as s:
            audit_id = site_audits.plan(
                s,
                self.user(s, "reviewer"),
                app_id,
                site_audits.dates.today(),
                [self.users["auditor"]],
                surveillance_case_id=case_id,
            ).id
        with db.transaction() as s:
            site_audits.start_visit(s, self.user(s, "auditor"), audit_id)
            site_audits.close_visit(s, self.user(s, "auditor"), audit_id, "Sesuai")
        return audit_id

    def run_surveillance(
        self,
        app_id: int,
        case_id: int,
        failing: set[str] = frozenset(),
        until: str = "passed",
    ) -> None:
        """Take a surveillance through its cycle with the same services as an application:
        start (plan frozen, samples planned), sampling, lab results, its site audit without
        findings, and the official's pass; `until` stops at a state on the way."""
        from snicert.services import surveillance

        def status() -> str:
            with db.transaction() as s:
                return s.get(surveillance.SurveillanceCase, case_id).status

        with db.transaction() as s:
            surveillance.start(s, self.user(s, "reviewer"), case_id)
            samples = lab.samples_of(s, app_id, case_id)
        if until == "sampling":
            return
        with db.transaction() as s:
            lab.record_sampling(
                s,
                self.user(s, "sampler"),
                app_id,
                {x.code: f"SEAL-{x.id}" for x in samples},
                "Gudang produksi, Kota Kupang",
                surveillance=case_id,
            )
        with db.transaction() as s:
            for sample in lab.samples_of(s, app_id, case_id):
                if sample.status == "sealed":
                    lab.receive_sample(
                        s, self.user(s, "analyst"), sample.id, sample.seal_number, True
                    )
        if until == "testing":
            return
        with db.transaction() as s:
            case = s.get(surveillance.SurveillanceCase, case_id)
            for p in case.checklist_snapshot["parameters"]:
                value = (
                    synthetic.failing_value(p) if p["id"] in failing else synthetic.passing_value(p)
                )
                r = lab.record_result(
                    s,
                    self.user(s, "analyst"),
                    app_id,
                    p["id"],
                    value,
                    p["unit"],
                    surveillance=case_id,
                )
                lab.verify_result(s, self.user(s, "verifier"), r.id)
        # the last verified result moved it on (lab.verify_result)
        assert status() != "testing"
        if until in ("site_audit", "testing_done") or status() in ("passed", "failed"):
            return
        self.pass_surveillance_audit(app_id, case_id)
        if until == "evaluation":
            return
        with db.transaction() as s:
            surveillance.pass_(s, self.user(s, "reviewer"), case_id)

    def evaluate(self, s, app_id: int, summary: str = "Dievaluasi dalam uji.", who="evaluator"):
        """The evaluator's recommendation as the findings allow (grant when they conform)."""
        conform = decisions.findings(s, application(s, app_id))["conform"]
        return decisions.evaluate(
            s, self.user(s, who), app_id, "grant" if conform else "refuse", summary
        )

    def advance_to(self, app_id: int, target: str, failing: set[str] = frozenset()) -> None:
        """Drive the application along the happy path until it reaches `target`. On it a
        type-5 case passes its site audit while in testing (the audit runs beside the lab
        work), so it goes from testing straight to evaluation; target "site_audit" stops
        where the lab work is done and the audit not yet."""
        if target == "site_audit":
            if self.app(app_id).state != "site_audit":
                self.advance_to(app_id, "testing")
                self.enter_all_results(app_id, failing)
                with db.transaction() as s:
                    assert lab.complete_testing(s, self.user(s, "system"), app_id)
            return
        while (state := self.app(app_id).state) != target:
            if state != "site_audit" and ORDER.index(state) >= ORDER.index(target):
                raise AssertionError(f"already past {target}: {state}")
            with db.transaction() as s:
                system = self.user(s, "system")
                if state == "draft":
                    applications.submit(s, self.owner(s, app_id), app_id, fees.agreement().version)
                elif state == "submitted":
                    applications.screen(s, system, app_id)
                elif state == "payment":
                    inv = fees.invoice(s, app_id)
                    name, data = synthetic.payment_proof(inv.number, inv.total_idr, "UMKM test")
                    fees.submit_proof(s, self.owner(s, app_id), app_id, name, data, "TRF-1")
                elif state == "payment_check":
                    fees.confirm(s, self.user(s, "reviewer"), app_id)
                elif state == "sampling":
                    samples = lab.create_samples(s, system, app_id)
                    lab.record_sampling(
                        s,
                        self.user(s, "sampler"),
                        app_id,
                        {x.code: f"SEAL-{x.id}" for x in samples},
                        "Gudang produksi, Kota Kupang",
                    )
                elif state == "site_audit":
                    pass  # below, then the system step
                elif state == "evaluation":
                    self.evaluate(s, app_id)
                elif state == "decision":
                    decisions.decide(
                        s, self.user(s, "decider"), app_id, "grant", "Memenuhi persyaratan"
                    )
                elif state == "approved":
                    certificates.issue(s, system, app_id)
            if state == "site_audit":
                self.pass_site_audit(app_id)
                with db.transaction() as s:
                    site_audits.lifecycle.apply(
                        s,
                        application(s, app_id, lock=True),
                        "site_audit_done",
                        self.user(s, "system"),
                    )
            if state == "document_review":
                self.review_all(app_id)
            elif state == "sampling":
                self.receive_samples(app_id)  # "testing" here means: at the lab
            elif state == "testing":
                self.enter_all_results(app_id, failing)
                with db.transaction() as s:
                    audit_due = site_audits.awaited(s, application(s, app_id))
                if audit_due:
                    self.pass_site_audit(app_id)
                with db.transaction() as s:
                    assert lab.complete_testing(s, self.user(s, "system"), app_id)
