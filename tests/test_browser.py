"""The whole case in a real browser (Playwright driving Debian's Chromium, headless): an
applicant registers on a phone-sized screen and submits a dossier with uploads, a reviewer
raises a non-conformity, the applicant answers it, the sampler seals samples, lab staff
enter results and another verifies them, an official evaluates, another decides, and the
public verification page shows the certificate as valid. Screenshots of each role's main
page go to test-artifacts/."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from snicert import stages, synthetic
from snicert.catalog import default_catalog
from snicert.db import engine as db
from snicert.services import dates, lab
from tests.world import World

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="needs Debian's chromium (apt-get install chromium)"
)
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
PASSWORD = "rahasia-123"
REFUSED: list[str] = []  # what the pages' Content-Security-Policy blocked, if anything


def new_page(browser, **options):
    page = browser.new_context(**options).new_page()
    page.on("console", lambda m: REFUSED.append(m.text) if "Content Security" in m.text else 0)
    return page


@pytest.fixture
def site(home, tmp_path):
    import uvicorn

    from snicert.web.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield b
        b.close()


def automation() -> None:
    """What a task worker does between people (flows are off in tests)."""
    with db.transaction() as s:
        from sqlalchemy import select

        from snicert.db.models import Application

        ids = list(s.scalars(select(Application.id)))
    for app_id in ids:
        stages.run_until_waiting(app_id)


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(browser, site: str, email: str, mobile: bool = False):
    page = new_page(
        browser,
        viewport={"width": 390, "height": 844} if mobile else {"width": 1280, "height": 900},
    )
    page.goto(f"{site}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)  # each lands on their own work
    return page


def test_certification_in_the_browser(site: str, browser, tmp_path: Path) -> None:
    World().setup_staff()  # officials, sampler, analyst, verifier; checklists approved
    # --- the applicant, on a phone
    phone = new_page(browser, viewport={"width": 390, "height": 844})
    phone.goto(f"{site}/register")
    for field, value in {
        "name": "Maria Ndolu",
        "email": "maria@umkm.example",
        "phone": "+62 812 3456 7890",
        "password": PASSWORD,
        "business_name": "UMKM Abon Sei Maria",
        "nib": "9100000000007",
        "address": "Jl. El Tari No. 5, Kel. Oebobo",
    }.items():
        phone.fill(f"#{field}", value)
    phone.click("main button[type=submit]")
    # registration answers a new and a taken e-mail alike: the sign-in page, e-mail filled in
    phone.wait_for_selector("text=Pendaftaran diterima")
    phone.fill("#password", PASSWORD)
    phone.click("main button[type=submit]")
    phone.wait_for_url(f"{site}/me")
    phone.click("text=Permohonan baru")
    phone.select_option("#product", "abon")
    phone.fill("#brand", "Abon Sei Maria")
    phone.fill("#production_site", "Jl. El Tari No. 5, Kota Kupang")
    phone.click("main button[type=submit]")
    phone.wait_for_selector("#submit-dossier")
    app_id = int(phone.url.rsplit("/", 1)[1])
    for spec in default_catalog().product("abon").model_dump(mode="json")["documents"]:
        name, data = synthetic.document(spec, "abon", "UMKM Abon Sei Maria")
        path = tmp_path / name
        path.write_bytes(data)
        form = phone.locator(f"form:has(input[name=kind][value={spec['id']}])")
        form.locator("input[type=file]").set_input_files(str(path))
        form.locator("button").click()
        phone.wait_for_load_state()
    mandatory = sum(d.mandatory for d in default_catalog().product("abon").documents)
    assert phone.get_attribute("#doc-counter", "data-uploaded") == str(mandatory)
    shot(phone, "1-applicant-dossier")
    phone.click("#agreement summary")  # reads the agreement, then accepts it
    phone.check("#accept-agreement")
    phone.click("#submit-dossier")
    phone.wait_for_selector('[data-state="submitted"]')
    automation()  # screening passes: the invoice is issued

    # --- the applicant pays and uploads the transfer slip on the phone
    phone.goto(f"{site}/applications/{app_id}/quotation")
    phone.wait_for_selector('[data-state="payment"]')
    shot(phone, "1b-applicant-quotation-invoice")
    with db.transaction() as s:
        from snicert.services import fees

        inv = fees.invoice(s, app_id)
        slip_name, slip = synthetic.payment_proof(inv.number, inv.total_idr, "Maria Ndolu")
    (tmp_path / slip_name).write_bytes(slip)
    phone.set_input_files("#proof-file", str(tmp_path / slip_name))
    phone.fill("#proof-ref", "TRF12345678")
    phone.click("#proof-form button[type=submit]")
    phone.wait_for_selector('[data-state="payment_check"]')

    # --- an official confirms the payment; the document review starts
    reviewer = sign_in(browser, site, "reviewer@lspro.example")
    reviewer.goto(f"{site}/official/payments")
    reviewer.click(f"[data-app] a[href='/official/payments/{app_id}']")
    shot(reviewer, "1c-official-payment-check")
    reviewer.click("#confirm-payment")
    reviewer.wait_for_selector('[data-state="document_review"]')

    # --- the reviewer raises a non-conformity
    reviewer.goto(f"{site}/review/{app_id}")
    radios = reviewer.locator("input[type=radio][value=conform]")
    for i in range(radios.count()):
        radios.nth(i).check()
    first = reviewer.locator("input[type=radio][value=nonconform]").first
    first.check()
    item = first.get_attribute("name").split(".", 1)[1]
    reviewer.fill(f"[name='comment.{item}']", "Surat permohonan belum ditandatangani.")
    shot(reviewer, "2-official-review")
    reviewer.click(f"form[action='/review/{app_id}'] button[type=submit]")
    reviewer.wait_for_load_state()

    # --- the applicant answers it
    phone.goto(f"{site}/applications/{app_id}")
    phone.fill("#answers-form textarea", "Sudah ditandatangani dan diunggah ulang.")
    phone.click("#send-answers")
    phone.wait_for_selector('[data-state="document_review"]')

    # --- second review passes; the flow plans the samples
    reviewer.goto(f"{site}/review/{app_id}")
    radios = reviewer.locator("input[type=radio][value=conform]")
    for i in range(radios.count()):
        radios.nth(i).check()
    reviewer.click(f"form[action='/review/{app_id}'] button[type=submit]")
    reviewer.wait_for_load_state()
    automation()

    # --- the sampler seals the samples
    sampler = sign_in(browser, site, "sampler@lspro.example")
    sampler.goto(f"{site}/sampling")
    seals = sampler.locator(f"#sampling-{app_id} input[name^=seal_]")
    for i in range(seals.count()):
        seals.nth(i).fill(f"SEGEL-{i}")
    shot(sampler, "3-sampler-worklist")
    sampler.click(f"#sampling-{app_id} button[type=submit]")
    sampler.wait_for_load_state()

    # --- the site audit (type 5), beside the lab work: an official plans it, the auditor
    # records a finding with a photo on a phone, the applicant answers it, the auditor
    # accepts the corrective action and the audit passes
    reviewer.goto(f"{site}/site-audit/{app_id}")
    reviewer.fill("#f-planned_for", dates.today().isoformat())
    reviewer.check("input[name^=auditor_]")
    reviewer.click("#plan-form button[type=submit]")
    reviewer.wait_for_load_state()
    auditor = sign_in(browser, site, "auditor@lspro.example", mobile=True)
    auditor.goto(f"{site}/audits")
    auditor.click("[data-audit] a")
    auditor.click("#start-visit")
    auditor.wait_for_selector('#audit-state[data-state="on_site"]')
    auditor.select_option("#f-item_id", "pelabelan")
    auditor.check("input[name=grade][value=minor]")
    auditor.fill("#f-description", "Label belum mencantumkan kode produksi.")
    photo = tmp_path / "label.jpg"
    photo.write_bytes(synthetic.photo("abon", "Label", 3))
    auditor.set_input_files("#f-evidence", str(photo))
    shot(auditor, "4a-auditor-finding-on-a-phone")
    auditor.click("#finding-form button[type=submit]")
    auditor.wait_for_selector(".finding.minor")
    assert auditor.locator(".finding.minor a[href^='/audit-evidence/']").inner_text() == (
        "label.jpg"
    )
    # the page fits the phone: nothing wider than the screen
    assert auditor.evaluate("document.documentElement.scrollWidth") <= 390
    auditor.click("#close-form button[type=submit]")
    auditor.wait_for_selector('#audit-state[data-state="reported"]')
    phone.goto(f"{site}/applications/{app_id}")
    phone.fill("textarea[name=cause]", "Mesin cetak kode belum ada.")
    phone.fill("textarea[name=action]", "Kode produksi dicap pada setiap label.")
    phone.fill("input[name=deadline]", dates.today().isoformat())
    phone.click("form[action$='/answer'] button[type=submit]")
    phone.wait_for_selector('#audit [data-status="answered"], [data-status="answered"]')
    auditor.reload()
    auditor.click("form[action$='/verify'] button[value=accept]")
    auditor.wait_for_selector('#audit-state[data-state="passed"]')
    shot(auditor, "4b-auditor-audit-passed")

    # --- the analyst receives the samples and enters every result
    analyst = sign_in(browser, site, "analyst@lspro.example")
    with db.transaction() as s:
        samples = [(x.id, x.seal_number) for x in lab.samples_of(s, app_id)]
    for sample_id, seal in samples:
        analyst.goto(f"{site}/lab/applications/{app_id}")
        form = analyst.locator(f"form[action='/lab/samples/{sample_id}/receive']")
        form.locator("input[name=seal_number]").fill(seal)
        form.locator("input[name=seal_intact]").check()
        form.locator("button").click()
        analyst.wait_for_load_state()
    analyst.goto(f"{site}/lab/applications/{app_id}")
    params = default_catalog().checklists["abon"].model_dump(mode="json")["parameters"]
    for p in params:
        analyst.fill(f"[name='{p['id']}.value']", synthetic.passing_value(p))
    shot(analyst, "4-lab-results")
    analyst.click(f"form[action='/lab/applications/{app_id}/results'] button[type=submit]")
    analyst.wait_for_load_state()

    # --- another person verifies them
    verifier = sign_in(browser, site, "verifier@lspro.example")
    verifier.goto(f"{site}/lab/verify")
    shot(verifier, "5-lab-verification")
    for _ in range(5):  # the queue's pages, each verified at once (bounded: never a hang)
        if not verifier.locator("#bulk").count():
            break
        verifier.click("#bulk button[name=all]")
        verifier.wait_for_load_state()
    assert not verifier.locator("form[action^='/lab/results/'][action$='/verify']").count()
    automation()  # testing closes, the evaluation report is compiled

    # --- an official evaluates, a third decides
    evaluator = sign_in(browser, site, "evaluator@lspro.example")
    evaluator.goto(f"{site}/evaluation/{app_id}")
    evaluator.check("input[name=recommendation][value=grant]")
    evaluator.fill("#f-summary", "Dokumen, hasil uji dan audit sarana memenuhi persyaratan.")
    evaluator.click(f"form[action='/evaluation/{app_id}'] button[type=submit]")
    evaluator.wait_for_load_state()
    decider = sign_in(browser, site, "decider@lspro.example")
    decider.goto(f"{site}/dashboard")
    shot(decider, "6-official-dashboard")
    # the staff styles come from /static under the page policy (no inline <style>)
    grid = decider.locator("table.grid").first
    assert grid.evaluate("t => getComputedStyle(t).borderCollapse") == "collapse"
    decider.goto(f"{site}/decision/{app_id}")
    decider.check("input[name=outcome][value=grant]")
    decider.fill("#f-reason", "Seluruh persyaratan terpenuhi.")
    decider.click(f"form[action='/decision/{app_id}'] button[type=submit]")
    decider.wait_for_load_state()
    automation()  # issuance

    # --- the applicant sees the certificate; the public page says it is valid
    phone.goto(f"{site}/applications/{app_id}")
    phone.wait_for_selector('[data-state="certified"]')
    shot(phone, "7-applicant-certified")
    number = phone.locator("a[href^='/verify/']").first.inner_text()
    public = new_page(browser, viewport={"width": 390, "height": 844})
    public.goto(f"{site}/verify/{number}")
    assert public.locator('[data-status="active"]').inner_text() == "BERLAKU"
    shot(public, "8-public-verification")
    assert REFUSED == []


def test_public_complaint_form_on_a_phone(site: str, browser) -> None:
    """A visitor on a phone complains about the LSPro from the home page, gets a tracking
    code, and an official (on a desktop) finds and takes it; no page scrolls sideways."""
    World().setup_staff()
    phone = new_page(browser, viewport={"width": 390, "height": 844})
    phone.goto(site)
    phone.click("a[href='/complaints/new']")
    phone.wait_for_selector("#complaint-form")
    phone.check("input[name=subject][value=lspro]")
    phone.fill("#text", "Loket pelayanan tutup sebelum jam 15.00 pada hari Senin.")
    phone.fill("#contact_email", "bukan-email")  # refused by the server, the form kept
    phone.evaluate("document.querySelector('#contact_email').type = 'text'")
    phone.click("#complaint-form button[type=submit]")
    phone.wait_for_selector("#contact_email-error")
    assert phone.input_value("#text").startswith("Loket pelayanan")
    shot(phone, "complaint-1-refused-on-phone")
    phone.check("input[name=subject][value=lspro]")
    phone.fill("#contact_email", "warga.kupang@example.id")
    phone.fill("#contact_phone", "0812 3456 7890")
    phone.click("#complaint-form button[type=submit]")
    phone.wait_for_selector("#tracking-code")
    code = phone.inner_text("#tracking-code")
    assert len(code) == 19 and phone.get_attribute("[data-status]", "data-status") == (
        "acknowledged"
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "complaint-2-tracking-on-phone")

    official = sign_in(browser, site, "reviewer@lspro.example")
    official.goto(f"{site}/official/complaints?status=acknowledged")
    official.click("#complaints a")
    assert "warga.kupang@example.id" in official.content()  # officials see the contact
    official.click("#take")
    official.wait_for_selector('[data-status="investigating"]')
    shot(official, "complaint-3-official-handling")
    phone.reload()
    assert phone.get_attribute("[data-status]", "data-status") == "investigating"
    assert "warga.kupang" not in phone.content()
    assert REFUSED == []
