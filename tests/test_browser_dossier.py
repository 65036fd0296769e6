"""The applicant's way on a phone (390 px), in a real browser: register, start an
application, upload the dossier one document at a time with the counter moving (a bad file
refused at its document), submit only once complete, then answer two findings on one page
with the corrected document attached at its finding. Screenshots at 390 and 1280 px go to
test-artifacts/dossier-*.png; no page may be wider than the screen."""

from __future__ import annotations

from pathlib import Path

from snicert import synthetic
from snicert.catalog import default_catalog
from snicert.db import engine as db
from snicert.db.models import User
from snicert.services.guards import user_by_email
from tests.test_browser import ARTIFACTS, PASSWORD, automation, browser, new_page, site  # noqa: F401
from tests.world import World

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}


def both(page, name: str) -> None:
    """Screenshots of the page as it stands (a form's answer too) at 390 and 1280 px;
    neither may scroll sideways."""
    ARTIFACTS.mkdir(exist_ok=True)
    for size in (PHONE, DESK):
        page.set_viewport_size(size)
        page.screenshot(path=str(ARTIFACTS / f"dossier-{name}-{size['width']}.png"), full_page=True)
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= size["width"], f"{name} at {size['width']} px is {wide} px wide"
    page.set_viewport_size(PHONE)


def counter(page) -> tuple[int, int]:
    c = page.locator("#doc-counter")
    return int(c.get_attribute("data-uploaded")), int(c.get_attribute("data-mandatory"))


def test_the_applicant_way_on_a_phone(site: str, browser, tmp_path: Path) -> None:  # noqa: F811
    w = World().setup_staff()
    phone = new_page(browser, viewport=PHONE)
    phone.goto(f"{site}/register")
    for field, value in {
        "name": "Yohana Lede",
        "email": "yohana@umkm.example",
        "phone": "+62 812 3456 7000",
        "password": PASSWORD,
        "business_name": "UMKM Abon Lede",
        "nib": "9100000000031",
        "address": "Jl. Soeharto No. 8, Kel. Naikoten",
    }.items():
        phone.fill(f"#{field}", value)
    phone.click("main button[type=submit]")
    phone.wait_for_selector("text=Pendaftaran diterima")
    phone.fill("#password", PASSWORD)
    phone.click("main button[type=submit]")
    phone.wait_for_url(f"{site}/me")
    phone.click("text=Permohonan baru")
    phone.select_option("#product", "abon")
    phone.fill("#brand", "Abon Lede")
    phone.fill("#production_site", "Kel. Naikoten, Kota Kupang")
    phone.click("main button[type=submit]")
    phone.wait_for_selector("#doc-counter")
    app_id = int(phone.url.rsplit("/", 1)[1].split("?")[0])
    specs = default_catalog().product("abon").model_dump(mode="json")["documents"]
    mandatory = [d for d in specs if d["mandatory"]]
    assert counter(phone) == (0, len(mandatory))
    assert phone.is_disabled("#submit-dossier")
    why = phone.inner_text("#submit-why")
    assert (
        f"Masih kurang {len(mandatory)} dokumen wajib" in why and mandatory[0]["name"]["id"] in why
    )
    # the guidance note of the brand registration (the DJKI receipt) is at its document
    brand = next(d for d in specs if d["id"] == "brand_registration")
    assert brand["note"]["id"] in phone.inner_text("#doc-brand_registration")
    both(phone, "1-empty")

    # a file that is not what it says: refused at its document, nothing counted
    bad = tmp_path / "bukan-pdf.pdf"  # not a name the dossier's own files take
    bad.write_bytes(b"GIF89a not a pdf at all")
    phone.set_input_files("#file-npwp", str(bad))
    phone.click("#doc-npwp button[type=submit]")
    phone.wait_for_selector("#err-npwp")
    assert "bukan jenis yang diterima" in phone.inner_text("#doc-npwp .error")
    assert phone.locator("#page-error").count() == 0  # not at the top of the page
    assert counter(phone) == (0, len(mandatory))
    both(phone, "2-error-at-document")

    for n, spec in enumerate(specs):
        name, data = synthetic.document(spec, "abon", "UMKM Abon Lede")
        (tmp_path / name).write_bytes(data)
        before = counter(phone)[0]
        phone.set_input_files(f"#file-{spec['id']}", str(tmp_path / name))
        phone.click(f"#doc-{spec['id']} button[type=submit]")
        phone.wait_for_selector(f"#doc-{spec['id']} .saved")
        assert name in phone.inner_text(f"#doc-{spec['id']} .saved")  # success, at the document
        assert counter(phone)[0] == before + (1 if spec["mandatory"] else 0)
        if n == 4:
            both(phone, "3-half-way")
            assert phone.is_disabled("#submit-dossier")
            phone.goto(f"{site}/me")  # the home shows the count too
            done = sum(d["mandatory"] for d in specs[: n + 1])
            assert f"{done} dari {len(mandatory)} dokumen wajib" in phone.inner_text("main")
            both(phone, "3b-home")
            phone.goto(f"{site}/applications/{app_id}?lang=en")  # in English too
            assert f"{done} of {len(mandatory)} mandatory documents" in phone.inner_text("main")
            both(phone, "3c-english")
            phone.goto(f"{site}/applications/{app_id}?lang=id")
    assert counter(phone) == (len(mandatory), len(mandatory))
    assert not phone.is_disabled("#submit-dossier")
    both(phone, "4-complete")
    phone.click("#agreement summary")
    phone.check("#accept-agreement")
    phone.click("#submit-dossier")
    phone.wait_for_selector('[data-state="submitted"]')

    # screening passes, the invoice is paid and confirmed; the review finds two faults
    automation()
    with db.transaction() as s:
        w.users[f"owner:{app_id}"] = user_by_email(s, "yohana@umkm.example").id
        assert isinstance(s.get(User, w.users[f"owner:{app_id}"]), User)
    w.pay(app_id)
    w.confirm_payment(app_id)
    items = w.app(app_id).checklist_snapshot["document_items"]
    with_doc = next(i for i in items if i.get("document") == "npwp")
    other = next(i for i in items if i["id"] != with_doc["id"])
    w.review_all(app_id, nonconform={with_doc["id"], other["id"]})

    phone.goto(f"{site}/applications/{app_id}")
    phone.wait_for_selector("#answers-form")
    findings = phone.locator("fieldset.finding")
    assert findings.count() == 2
    text = phone.inner_text("#answers-form")
    assert with_doc["id"] not in text and with_doc["text"]["id"] in text  # words, not ids
    first, second = (findings.nth(i).get_attribute("data-nc") for i in range(2))
    phone.fill(f"#nc-{first}-text", "NPWP yang benar sudah dilampirkan.")
    phone.fill(f"#nc-{second}-text", "Sudah diperbaiki dan ditandatangani.")
    npwp_nc = next(
        nc for nc in (first, second) if "NPWP" in phone.inner_text(f"label[for=nc-{nc}-file]")
    )
    phone.set_input_files(f"#nc-{npwp_nc}-file", str(bad))
    phone.click("#send-answers")
    phone.wait_for_selector(f"#nc-{npwp_nc}-file-err")  # at its finding, answers kept
    assert phone.input_value(f"#nc-{first}-text") == "NPWP yang benar sudah dilampirkan."
    assert phone.input_value(f"#nc-{second}-text") == "Sudah diperbaiki dan ditandatangani."
    both(phone, "5-findings-error")

    name, data = synthetic.document(
        next(d for d in specs if d["id"] == "npwp"), "abon", "Perbaikan NPWP", seed=7
    )
    good = tmp_path / f"perbaikan-{name}"
    good.write_bytes(data)
    phone.set_input_files(f"#nc-{npwp_nc}-file", str(good))
    phone.click("#send-answers")
    phone.wait_for_selector('[data-state="document_review"]')
    assert phone.locator("#answers-saved").count() == 1
    answered = phone.inner_text("ul.answered")
    assert good.name in answered and "Dokumen #" not in answered
    # the corrected file is now the dossier's NPWP
    assert good.name in phone.inner_text("main")
    both(phone, "6-answered")
