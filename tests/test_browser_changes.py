"""In a real browser (Debian's Chromium, headless): a holder on a phone notifies a change
with a photo, an official assesses it on a desktop; the list of certificates behind a new
checklist and an overdue major finding on the auditor's and officials' pages. Screenshots
at 390 px and 1280 px go to test-artifacts/changes-*.png."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from snicert import clock
from snicert.db import engine as db
from snicert.db.models import AuditFinding, Certificate, CertificateChange
from snicert.roles import Role
from snicert.services import accounts, site_audits
from tests.test_browser import PASSWORD, REFUSED, browser, new_page, shot, site  # noqa: F401
from tests.test_certificate_changes import new_checklist_version, reported_with_major
from tests.world import World


def sign_in(browser, site: str, email: str, mobile: bool = False):  # noqa: F811
    """Signed in, on whichever page the person lands (their own work)."""
    page = new_page(
        browser,
        viewport={"width": 390, "height": 844} if mobile else {"width": 1280, "height": 900},
    )
    page.goto(f"{site}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def _world() -> World:
    w = World().setup_staff()
    with db.transaction() as s:
        user, _ = accounts.create_staff(
            s,
            w.user(s, "reviewer"),
            "assessor@lspro.example",
            "Yohana Assessor",
            {Role.OFFICIAL},
            "rahasia-123",
        )
        user.must_change_password = False
        w.users["assessor"] = user.id
    return w


def test_change_notified_on_a_phone_and_assessed(site: str, browser, tmp_path: Path) -> None:  # noqa: F811
    w = _world()
    app_id = w.new_application("abon")
    w.advance_to(app_id, "certified")
    photo = tmp_path / "lokasi-baru.png"
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (30, 110, 160)).save(buf, "PNG")
    photo.write_bytes(buf.getvalue())

    phone = sign_in(browser, site, "applicant0@umkm.example", mobile=True)
    phone.goto(f"{site}/applications/{app_id}")
    phone.click("#notify-change")
    phone.check("input[name=kind][value=site]")
    phone.fill(
        "#description", "Produksi pindah ke Jl. Timor Raya No. 12, Kel. Oesapa, mulai 1 Desember."
    )
    phone.set_input_files("#documents", str(photo))
    shot(phone, "changes-holder-form-390")
    phone.click("#change-form button[type=submit]")
    phone.wait_for_selector("#sent")
    shot(phone, "changes-holder-sent-390")
    assert phone.locator("#changes li").count() == 1
    # no horizontal scrolling on the phone
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    desk = sign_in(browser, site, "assessor@lspro.example")
    desk.goto(f"{site}/official/changes")
    shot(desk, "changes-official-list-1280")
    desk.click("#changes li a")
    desk.check("input[name=outcome][value=new_evaluation]")
    desk.fill(
        "#f-reasons", "Lokasi baru belum pernah diaudit: survailan khusus dengan audit sarana."
    )
    shot(desk, "changes-official-assess-1280")
    desk.click("#assess-form button[type=submit]")
    desk.wait_for_selector("[data-status=new_evaluation]")
    with db.reading() as s:
        row = s.scalar(select(CertificateChange))
        assert (row.state, row.surveillance_case_id is not None) == ("new_evaluation", True)
        change_id = row.id

    phone.goto(f"{site}/applications/{app_id}/changes")
    assert phone.locator("[data-status=new_evaluation]").count() == 1
    shot(phone, "changes-holder-assessed-390")
    small = sign_in(browser, site, "assessor@lspro.example", mobile=True)
    small.goto(f"{site}/official/changes/{change_id}")
    shot(small, "changes-official-assess-390")
    assert not REFUSED, REFUSED


def test_new_versions_and_overdue_findings_on_the_pages(site: str, browser) -> None:  # noqa: F811
    w = _world()
    app_id = w.new_application("abon")
    w.advance_to(app_id, "certified")
    new_checklist_version(w, "abon")
    _, audit_id, finding_id = reported_with_major(w)
    with db.reading() as s:
        due = s.get(AuditFinding, finding_id).due_at
        cert_id = s.scalar(select(Certificate.id).where(Certificate.application_id == app_id))
    clock.freeze(due + timedelta(days=1))
    with db.transaction() as s:
        site_audits.flag_overdue_findings(s, w.user(s, "system"))

    for width, mobile in ((1280, False), (390, True)):
        desk = sign_in(browser, site, "assessor@lspro.example", mobile=mobile)
        desk.goto(f"{site}/official/versions")
        assert desk.locator(f"#row-{cert_id}-checklist[data-status=pending]").count() == 1
        shot(desk, f"changes-versions-{width}")
        desk.goto(f"{site}/dashboard")
        assert desk.locator(f"#overdue-findings [data-finding='{finding_id}']").count() == 1
        shot(desk, f"changes-dashboard-overdue-{width}")
        auditor = sign_in(browser, site, "auditor@lspro.example", mobile=mobile)
        auditor.goto(f"{site}/audits/{audit_id}")
        assert auditor.locator("#overdue-major").count() == 1
        shot(auditor, f"changes-audit-overdue-{width}")
    desk = sign_in(browser, site, "assessor@lspro.example")
    desk.goto(f"{site}/official/versions")
    desk.fill(f"#f-{cert_id}-checklist", "Perubahan versi hanya redaksional.")
    desk.click(f"#row-{cert_id}-checklist button[type=submit]")
    desk.wait_for_selector(f"#row-{cert_id}-checklist[data-status=assessed]")
    assert not REFUSED, REFUSED
