"""`snicert demo`: synthetic UMKM businesses taken through certification, every role played
through the service layer while a task worker moves each case between people (its
automated stages)."""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from snicert import bootstrap, config, settings, snapshots, stages, synthetic
from snicert.catalog import default_catalog
from snicert.db import engine as db
from snicert.db import events
from snicert.db.models import Business, Certificate, ChecklistVersion, Output, User
from snicert.errors import SnicertError
from snicert.lifecycle import State
from snicert.notifications import delivery
from snicert.outputs import absolute, find
from snicert.roles import Role
from snicert.services import (
    accounts,
    appeals,
    applications,
    checklists,
    complaints,
    dates,
    decisions,
    fees,
    impartiality,
    lab,
    site_audits,
    skm,
)
from snicert.services.guards import application

PASSWORD = "snicert-demo"
STAFF = {  # key: (e-mail, name, roles)
    "manager": (
        "manajer@lspro-kupang.example",
        "Yosefina Lerik (Manajer Sertifikasi)",
        {Role.OFFICIAL},
    ),
    "reviewer": (
        "peninjau@lspro-kupang.example",
        "Arnoldus Kase (Peninjau Dokumen)",
        {Role.OFFICIAL},
    ),
    "evaluator": ("evaluator@lspro-kupang.example", "Theresia Sogen (Evaluator)", {Role.OFFICIAL}),
    # handles complaints and appeals: takes no part in the certification decisions
    "complaints": (
        "pengaduan@lspro-kupang.example",
        "Kristina Tallo (Penanganan Pengaduan dan Banding)",
        {Role.OFFICIAL},
    ),
    "sampler": ("ppc@lspro-kupang.example", "Frans Leo (Petugas Pengambil Contoh)", {Role.SAMPLER}),
    "analyst": ("analis@lab-kupang.example", "Rini Bunga (Analis)", {Role.LAB_ANALYST}),
    "verifier": (
        "verifikator@lab-kupang.example",
        "Daniel Ataupah (Verifikator)",
        {Role.LAB_VERIFIER},
    ),
    "auditor": ("auditor@lspro-kupang.example", "Marthen Nalle (Auditor)", {Role.AUDITOR}),
}
FAILING_PARAMETER = {"abon": "total_plate_count"}
# What each member of the cast is qualified for, on every product (ISO/IEC 17065 §6.1);
# the complaints handler does none of the certification work.
QUALIFIED_AS = {
    "manager": ("decider",),
    "reviewer": ("reviewer",),
    "evaluator": ("evaluator",),
    "sampler": ("sampler",),
    "analyst": ("lab_analyst",),
    "verifier": ("lab_verifier",),
    "auditor": ("auditor",),
}
QUALIFICATION_EVIDENCE = "Sertifikat pelatihan dan penilaian kompetensi LSPro (demo)"


@dataclass
class Plan:
    product: str
    index: int
    nonconformity: bool = False
    retest: bool = False
    failing: str | None = None


@dataclass
class Outcome:
    product: str
    application_id: int
    number: str
    business: str
    state: str
    scenario: list[str]
    certificate: str | None = None
    refusal_reason: str | None = None
    files: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "product": self.product,
            "application_id": self.application_id,
            "number": self.number,
            "business": self.business,
            "final_state": self.state,
            "certificate_number": self.certificate,
            "refusal_reason": self.refusal_reason,
            "scenario": self.scenario,
            "files": self.files,
        }


def plans(count: int) -> list[Plan]:
    """count per product all end certified (the first answers a non-conformity, the second
    goes through a retest; with count 1 the one does both), plus one that fails for good."""
    out = []
    for product in sorted(default_catalog().products):
        for i in range(count):
            out.append(Plan(product, i, nonconformity=i == 0, retest=i == min(1, count - 1)))
    out.append(Plan("abon", count, failing=FAILING_PARAMETER["abon"]))
    return out


class Cast:
    """The staff accounts the demo plays, created once per SNICERT_HOME."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        with db.transaction() as s:
            existing = {u.email: u for u in s.scalars(select(User))}
            manager_email = STAFF["manager"][0]
            if manager_email in existing:
                manager = existing[manager_email]
            else:
                manager, _ = accounts.bootstrap_official(
                    s, manager_email, STAFF["manager"][1], PASSWORD
                )
            self.ids["manager"] = manager.id
            for key, (email, name, roles) in STAFF.items():
                if key == "manager":
                    continue
                user = (
                    existing.get(email)
                    or accounts.create_staff(s, manager, email, name, roles, PASSWORD)[0]
                )
                self.ids[key] = user.id
            s.flush()
            today = dates.today()
            for key, functions in QUALIFIED_AS.items():
                user = s.get(User, self.ids[key])
                if not impartiality.qualifications(s, user.id, current_only=True):
                    impartiality.qualify_many(
                        s,
                        manager,
                        user,
                        list(functions),
                        list(default_catalog().products),
                        QUALIFICATION_EVIDENCE,
                        today - timedelta(days=365),
                        today + timedelta(days=3 * 365),
                    )
            approved = set(
                s.execute(
                    select(ChecklistVersion.kind, ChecklistVersion.product).where(
                        ChecklistVersion.status == "approved"
                    )
                ).tuples()
            )
            for kind in checklists.KINDS:
                files = default_catalog().checklists
                if kind == checklists.AUDIT:
                    files = default_catalog().audit_checklists
                for product, cl in files.items():
                    if (kind, product) not in approved:
                        checklists.approve(s, manager, product, cl.version, kind)

    def __call__(self, s, key: str) -> User:
        return s.get(User, self.ids[key])


# Seconds a player waits for the automated stage: a task worker runs it, behind the other
# players' runs (on two busy cores with several workers, a run waited over two minutes for
# its turn in the scale-out test).
WAIT_SECONDS = 300.0
POLL_SECONDS = 0.02  # one indexed row read


def wait_for(app_id: int, *states: State, timeout: float = WAIT_SECONDS) -> str:
    """Wait until the automated stage moved the case into one of `states` and did its
    work there: a task worker runs it (read the database until it did). Flows off: take
    the automated steps here."""
    if events.current().automation == "off":
        stages.run_until_waiting(app_id)
    deadline = time.monotonic() + timeout
    while True:
        state = stages.status(app_id).state
        if state in states and not stages.has_work(app_id):  # the stage finished its part
            return state
        if time.monotonic() > deadline:
            raise SnicertError(
                "demo_err_stuck", ident=app_id, state=state, expected=" / ".join(states)
            )
        time.sleep(POLL_SECONDS)


class Player:
    def __init__(self, cast: Cast, rng: random.Random, nib_offset: int):
        self.cast, self.rng, self.nib_offset = cast, rng, nib_offset
        catalog = default_catalog()
        self.specs = {
            code: p.model_dump(mode="json")["documents"] for code, p in catalog.products.items()
        }

    def draft(self, plan: Plan) -> tuple[int, int, dict]:
        """A new applicant's complete dossier, not submitted: the application's and its
        owner's ids, and the synthetic business."""
        info = synthetic.business(plan.product, plan.index + self.nib_offset, self.rng)
        with db.transaction() as s:
            owner = accounts.register_applicant(
                s,
                email=info["email"],
                name=info["name"],
                password=None,
                business_name=info["business_name"],
                nib=info["nib"],
                address=info["address"],
                phone=info["phone"],
            )
            owner_id = owner.id
            app = applications.create(
                s,
                owner,
                plan.product,
                brand=info["brand"],
                production_site=info["address"] + ", Kota Kupang",
            )
            app_id = app.id
            for spec in self.specs[plan.product]:
                name, data = synthetic.document(
                    spec, plan.product, info["business_name"], seed=plan.index
                )
                applications.attach_document(s, owner, app_id, spec["id"], name, data)
        return app_id, owner_id, info

    def play(self, plan: Plan) -> Outcome:
        app_id, owner_id, info = self.draft(plan)
        scenario = []
        with db.transaction() as s:
            applications.submit(s, s.get(User, owner_id), app_id, fees.agreement().version)
        wait_for(app_id, State.PAYMENT)
        self._pay(app_id, owner_id, info["business_name"])
        wait_for(app_id, State.DOCUMENT_REVIEW)

        if plan.nonconformity:
            scenario.append("nonconformity answered")
            self._review(app_id, nonconform=True)
            wait_for(app_id, State.NONCONFORMITY)
            self._answer(app_id, owner_id, plan)
            wait_for(app_id, State.DOCUMENT_REVIEW)
        self._review(app_id, nonconform=False)
        wait_for(app_id, State.SAMPLING)
        with db.transaction() as s:
            samples = [x for x in lab.samples_of(s, app_id) if x.status == "planned"]
            seals = {x.code: f"SEGEL-{self.rng.randrange(10**6):06d}" for x in samples}
            lab.record_sampling(
                s,
                self.cast(s, "sampler"),
                app_id,
                seals,
                f"Tempat produksi {info['business_name']}, Kota Kupang",
            )
        wait_for(app_id, State.TESTING)
        if plan.product in default_catalog().audit_checklists:
            self._site_audit(app_id, owner_id, plan, scenario)
        with db.transaction() as s:
            for sample in lab.samples_of(s, app_id):
                if sample.status == "sealed":
                    lab.receive_sample(
                        s, self.cast(s, "analyst"), sample.id, sample.seal_number, seal_intact=True
                    )
        self._test(app_id, plan, scenario)
        wait_for(app_id, State.EVALUATION)
        with db.transaction() as s:
            conform = decisions.findings(s, application(s, app_id))["conform"]
            decisions.evaluate(
                s,
                self.cast(s, "evaluator"),
                app_id,
                "grant" if conform else "refuse",
                "Semua persyaratan terpenuhi."
                if conform
                else "Ada persyaratan yang tidak dipenuhi; lihat hasil uji.",
            )
        wait_for(app_id, State.DECISION)
        with db.transaction() as s:
            basis = application(s, app_id)
            ev = decisions.findings(s, basis)
            if ev["conform"]:
                decisions.decide(
                    s,
                    self.cast(s, "manager"),
                    app_id,
                    "grant",
                    "Seluruh persyaratan dokumen dan hasil uji terpenuhi.",
                )
            else:
                # plain words: the reason is what the applicant is told
                failing = ", ".join(
                    p["name"]["id"] for p in ev["parameters"] if p["id"] in ev["failing_parameters"]
                )
                decisions.decide(
                    s,
                    self.cast(s, "manager"),
                    app_id,
                    "refuse",
                    f"Hasil uji tidak memenuhi persyaratan: {failing}",
                )
        if plan.failing:
            scenario.append(f"failing {plan.failing}")
        final = wait_for(app_id, State.CERTIFIED, State.REFUSED)
        self._survey(app_id, owner_id, refused=final == State.REFUSED)
        return self._outcome(app_id, plan, info["business_name"], final, scenario)

    def _pay(self, app_id: int, owner_id: int, payer: str) -> None:
        """The applicant pays the invoice and uploads the transfer slip; an official
        confirms it (the document review starts)."""
        with db.transaction() as s:
            inv = fees.invoice(s, app_id)
            name, data = synthetic.payment_proof(inv.number, inv.total_idr, payer)
            reference = f"TRF{self.rng.randrange(10**8):08d}"
            fees.submit_proof(s, s.get(User, owner_id), app_id, name, data, reference)
        wait_for(app_id, State.PAYMENT_CHECK)
        with db.transaction() as s:
            fees.confirm(s, self.cast(s, "manager"), app_id)

    def _site_audit(self, app_id: int, owner_id: int, plan: Plan, scenario: list[str]) -> None:
        """Type 5: the site audit, beside the lab work; one minor finding (with a photo),
        closed by the applicant's corrective action and the auditor's acceptance."""
        today = site_audits.dates.today()
        with db.transaction() as s:
            audit_id = site_audits.plan(
                s, self.cast(s, "manager"), app_id, today, [self.cast.ids["auditor"]]
            ).id
        with db.transaction() as s:
            auditor = self.cast(s, "auditor")
            site_audits.start_visit(s, auditor, audit_id)
            items = s.get(site_audits.SiteAudit, audit_id).checklist_snapshot["items"]
            item = items[plan.index % len(items)]
            finding = site_audits.record_finding(
                s,
                auditor,
                audit_id,
                item["id"],
                "minor",
                f"Belum sepenuhnya diterapkan: {item['text']['id']}",
                [("temuan.jpg", synthetic.photo(plan.product, "Temuan audit", plan.index))],
            ).id
            site_audits.close_visit(s, auditor, audit_id, "Kunjungan ke sarana produksi selesai.")
        with db.transaction() as s:
            site_audits.answer(
                s,
                s.get(User, owner_id),
                finding,
                "Prosedur belum ditulis dan belum ada yang bertanggung jawab.",
                "Prosedur ditulis, penanggung jawab ditunjuk, catatan mulai diisi.",
                today + timedelta(days=14),
            )
        with db.transaction() as s:
            site_audits.verify(s, self.cast(s, "auditor"), finding, True, "Bukti cukup.")
        scenario.append("site audit: 1 minor finding closed")

    def _survey(self, app_id: int, owner_id: int, refused: bool) -> None:
        """The applicant answers the satisfaction survey the closed case invited them to:
        mostly 3s and 4s, lower after a refusal, now and then a comment."""
        scores = synthetic.survey_scores(self.rng, refused)
        comment = self.rng.choice([None, None, *synthetic.SURVEY_COMMENTS])
        with db.transaction() as s:
            skm.answer(s, s.get(User, owner_id), app_id, scores, comment)

    def _review(self, app_id: int, nonconform: bool) -> None:
        with db.transaction() as s:
            items = snapshots.checklist(application(s, app_id)).document_items
            verdicts: dict[str, tuple[str, str | None]] = {i.id: ("conform", None) for i in items}
            if nonconform:
                verdicts[items[0].id] = (
                    "nonconform",
                    "Tanda tangan pimpinan usaha belum ada pada dokumen.",
                )
            applications.record_review(s, self.cast(s, "reviewer"), app_id, verdicts)

    def _answer(self, app_id: int, owner_id: int, plan: Plan) -> None:
        with db.transaction() as s:
            owner = s.get(User, owner_id)
            for nc in applications.open_nonconformities(s, app_id):
                spec = next(iter(self.specs[plan.product]))
                name, data = synthetic.document(spec, plan.product, "Perbaikan", seed=99)
                doc = applications.attach_document(s, owner, app_id, spec["id"], name, data)
                applications.answer_nonconformity(
                    s, owner, nc.id, "Dokumen sudah ditandatangani dan diunggah ulang.", doc.id
                )

    def _test(self, app_id: int, plan: Plan, scenario: list[str]) -> None:
        with db.transaction() as s:
            params = application(s, app_id).checklist_snapshot["parameters"]
            analyst, verifier = self.cast(s, "analyst"), self.cast(s, "verifier")
            retest_param = next(
                (p for p in params if p["requirement"]["kind"] in ("max", "min", "range")),
                params[0],
            )
            retested = []
            for p in params:
                value = (
                    synthetic.failing_value(p)
                    if p["id"] == plan.failing
                    else synthetic.passing_value(p)
                )
                r = lab.record_result(s, analyst, app_id, p["id"], value, p["unit"])
                if plan.retest and p["id"] == retest_param["id"]:
                    lab.request_retest(s, verifier, r.id, "Duplo menyimpang; uji ulang.")
                    retested.append(p)
                else:
                    lab.verify_result(s, verifier, r.id)
        if retested:
            scenario.append(f"retest {retest_param['id']}")
            with db.transaction() as s:
                analyst, verifier = self.cast(s, "analyst"), self.cast(s, "verifier")
                for p in retested:
                    r = lab.record_result(
                        s, analyst, app_id, p["id"], synthetic.passing_value(p), p["unit"]
                    )
                    lab.verify_result(s, verifier, r.id)

    def _outcome(
        self, app_id: int, plan: Plan, business: str, final: str, scenario: list[str]
    ) -> Outcome:
        with db.transaction() as s:
            app = application(s, app_id)
            cert = s.scalar(select(Certificate).where(Certificate.application_id == app_id))
            report = find(s, f"application:{app_id}", "evaluation_report_pdf")
            files = [str(absolute(report))] if report else []
            # the quotation and the invoice (PDF) the applicant received
            for owner, row in (
                ("quotation", fees.quotation(s, app_id)),
                ("invoice", fees.invoice(s, app_id)),
            ):
                if row is not None and (o := find(s, f"{owner}:{row.id}", f"{owner}_pdf")):
                    files.append(str(absolute(o)))
            for a in site_audits.audits_of(s, app_id):
                files += [
                    str(absolute(o))
                    for kind in ("audit_report_html", "audit_report_pdf")
                    if (o := find(s, f"site_audit:{a.id}", kind)) is not None
                ]
            if cert is not None:
                files += [
                    str(absolute(o))
                    for o in s.scalars(
                        select(Output)
                        .where(Output.owner == f"certificate:{cert.id}")
                        .order_by(Output.id)
                    )
                ]
            return Outcome(
                plan.product,
                app_id,
                app.number,
                business,
                final,
                scenario,
                certificate=cert.number if cert else None,
                refusal_reason=decisions.refusal_reason(s, app_id),
                files=files,
            )


DEMO_SENDER = "sertifikasi@lspro-kupang.example"


def use_demo_identity() -> None:
    """A made-up certification body for the identity settings this home has not set,
    stored in its snicert.toml (so serve, exports and reports after the demo name the same
    body; a real home sets its own first), and a sender for its e-mails (this process)."""
    sender = settings.env_name("mail_from_address")
    path = settings.file_path()
    if not os.environ.get(sender) and not (
        path.exists() and "mail_from_address" in settings.read_file(path)
    ):
        os.environ[sender] = DEMO_SENDER  # SNICERT_SMTP_URL alone is enough to watch them
    cfg = settings.current()
    missing = {n: v for n, v in synthetic.IDENTITY.items() if not getattr(cfg, n)}
    if missing:
        config.ensure_home()
        settings.write(missing)
    cfg = settings.current()
    for name in missing:  # an empty SNICERT_<NAME> in the environment would still win
        if not getattr(cfg, name):
            os.environ[settings.env_name(name)] = synthetic.IDENTITY[name]


@contextmanager
def task_worker() -> Iterator[None]:
    """The task worker that moves the demo's cases on between the players: one in a
    thread of this process next to the embedded Prefect server, unless a Prefect server
    is set (its workers do it: server mode) or flows are off."""
    from prefect.settings import PREFECT_API_URL

    if events.current().automation == "off" or PREFECT_API_URL.value():
        yield
        return
    from flows.worker import in_thread
    from snicert.prefect_server import ensure_api

    ensure_api()
    with in_thread():
        yield


def run(
    count: int,
    progress: Callable[[int, int], None] | None = None,
    seed: int = 2026,
    parallel: int = 1,
) -> list[Outcome]:
    """Play the whole demo on the current SNICERT_HOME (created and initialised if new).

    `parallel` plays that many applications at once (threads): worth it with several
    task workers, which run the automated stages while the players wait."""
    if count < 1 or parallel < 1:
        raise SnicertError("demo_err_count")
    use_demo_identity()
    bootstrap.init()
    cast = Cast()
    with db.transaction() as s:
        offset = len(s.scalars(select(Business.id)).all())  # a second run adds new businesses
    todo = plans(count)
    results: list[Outcome | None] = [None] * len(todo)
    lock = threading.Lock()

    def play(i: int) -> None:
        player = Player(cast, random.Random(seed + offset + i), offset)
        results[i] = player.play(todo[i])
        with lock:
            if progress:
                progress(sum(r is not None for r in results), len(todo))

    with task_worker():
        if parallel == 1:
            for i in range(len(todo)):
                play(i)
        else:
            with ThreadPoolExecutor(parallel) as pool:
                list(pool.map(play, range(len(todo))))
    done = [r for r in results if r is not None]
    complaint_and_appeal(cast, done, f"demo:{offset}")
    delivery.drain()  # the cases' notifications go out before the demo exits
    return done


def complaint_and_appeal(cast: Cast, outcomes: list[Outcome], address: str) -> None:
    """A consumer's complaint about the first certificate, investigated and closed (not
    upheld), and the refused applicant's appeal, upheld: both handled by the official who
    took no part in those cases. Each adds a line to its case's scenario."""
    certified = next(o for o in outcomes if o.certificate)
    refused = next(o for o in outcomes if o.state == State.REFUSED)
    with db.transaction() as s:
        row, _ = complaints.file(
            s,
            address,
            subject="certificate",
            certificate_number=certified.certificate,
            text_="Kemasan yang saya beli di pasar Oeba tidak mencantumkan tanda SNI dengan jelas.",
            contact_email="pembeli@example.id",
        )
        handler = cast(s, "complaints")
        complaints.take(s, handler, row.id)
        complaints.investigate(
            s, handler, row.id, "Contoh kemasan dari pasar diperiksa: tanda SNI sesuai ketentuan."
        )
        complaints.close(
            s,
            handler,
            row.id,
            "not_upheld",
            "Tanda SNI pada kemasan sudah sesuai ketentuan; terima kasih atas laporan Anda.",
        )
        certified.scenario.append(f"complaint {row.number} closed")
    with db.transaction() as s:
        owner = s.get(User, application(s, refused.application_id).created_by)
        appeal = appeals.file(
            s,
            owner,
            refused.application_id,
            "refusal",
            "Kami mohon peninjauan: bahan baku sudah diganti sebelum pengambilan contoh.",
        )
        handler = cast(s, "complaints")
        appeals.take(s, handler, appeal.id)
        appeals.decide(
            s,
            handler,
            appeal.id,
            "uphold",
            "Contoh diambil dan diuji sesuai prosedur; hasil uji angka lempeng total sah.",
        )
        refused.scenario.append(f"appeal {appeal.number} upheld")
