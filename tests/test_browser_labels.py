"""Labels and previews in a real browser (Debian's Chromium, headless): the sampler's page
with its label links, the lab's case page, and an official's inline preview of a PDF and
a photo from the dossier, at 390 px and 1280 px. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest

from snicert import stages
from snicert.db import engine as db
from snicert.db.models import Document
from tests.test_browser import PASSWORD, REFUSED, browser, new_page, shot, site  # noqa: F401
from tests.world import World

WIDTHS = {"phone": (390, 844), "desk": (1280, 900)}


@pytest.fixture
def cases(home) -> dict[str, int]:
    w = World().setup_staff()
    sampling = w.new_application("abon")
    w.advance_to(sampling, "sampling")
    stages.plan_samples(sampling)
    review = w.new_application("abon")
    w.advance_to(review, "document_review")
    with db.reading() as s:
        docs = {
            d.media_type: d.id
            for d in s.query(Document).filter(Document.application_id == review).all()
        }
    return {
        "sampling": sampling,
        "review": review,
        "pdf": docs["application/pdf"],
        "photo": docs["image/jpeg"],
    }


def _page(browser, site: str, email: str, width: str):  # noqa: F811
    w, h = WIDTHS[width]
    page = new_page(browser, viewport={"width": w, "height": h})
    page.goto(f"{site}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)  # each lands on their own work
    return page


@pytest.mark.parametrize("width", WIDTHS)
def test_labels_and_previews_in_the_browser(site, browser, cases, width) -> None:  # noqa: F811
    REFUSED.clear()
    sampler = _page(browser, site, "sampler@lspro.example", width)
    sampler.goto(f"{site}/sampling")
    link = sampler.locator(f"#labels-{cases['sampling']}")
    assert link.is_visible()
    box = link.bounding_box()
    assert box["x"] + box["width"] <= WIDTHS[width][0]  # not cut off on a phone
    shot(sampler, f"labels-sampling-{width}")
    r = sampler.request.get(f"{site}/sampling/{cases['sampling']}/labels.pdf")
    assert r.ok and r.body().startswith(b"%PDF")

    analyst = _page(browser, site, "analyst@lspro.example", width)
    analyst.goto(f"{site}/lab/applications/{cases['sampling']}")
    assert analyst.locator(f"a[href='/sampling/{cases['sampling']}/labels.pdf']").is_visible()
    shot(analyst, f"labels-lab-{width}")

    official = _page(browser, site, "reviewer@lspro.example", width)
    official.goto(f"{site}/review/{cases['review']}")
    official.click(f"a[href='/documents/{cases['photo']}/view'] >> nth=0")
    official.wait_for_url(f"{site}/documents/{cases['photo']}/view")
    image = official.locator("img.preview-image")
    image.wait_for()
    official.wait_for_function("document.querySelector('img.preview-image').complete")
    assert official.evaluate("document.querySelector('img.preview-image').naturalWidth") > 0
    shot(official, f"preview-photo-{width}")
    official.goto(f"{site}/documents/{cases['pdf']}/view")
    frame = official.locator("iframe.preview-frame")
    frame.wait_for()
    official.wait_for_timeout(1500)  # the PDF viewer draws the first page
    framed = [f for f in official.frames if f.url.endswith(f"/documents/{cases['pdf']}/inline")]
    assert framed, "the PDF frame did not load"
    fbox = frame.bounding_box()
    assert fbox["width"] >= WIDTHS[width][0] * 0.8 and fbox["height"] > 300
    shot(official, f"preview-pdf-{width}")
    assert not REFUSED, REFUSED  # nothing blocked by a page's policy
