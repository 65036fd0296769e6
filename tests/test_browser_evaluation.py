"""The evaluation and the decision in a real browser (Debian's Chromium, headless), at
390 px and 1280 px: the evaluator chooses a recommendation and writes a summary (errors at
their fields first), the report is rendered after it, and the decider reads the
recommendation. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest

from snicert import stages
from tests.test_browser import PASSWORD, REFUSED, browser, new_page, shot, site  # noqa: F401
from tests.world import World

WIDTHS = {"phone": (390, 844), "desk": (1280, 900)}


def _page(browser, site: str, email: str, width: str):  # noqa: F811
    w, h = WIDTHS[width]
    page = new_page(browser, viewport={"width": w, "height": h})
    page.goto(f"{site}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return page


@pytest.mark.parametrize("width", WIDTHS)
def test_evaluation_then_decision_in_the_browser(site, browser, width) -> None:  # noqa: F811
    REFUSED.clear()
    w = World().setup_staff()
    app_id = w.new_application("abon")
    w.advance_to(app_id, "evaluation")

    evaluator = _page(browser, site, "evaluator@lspro.example", width)
    evaluator.goto(f"{site}/evaluation/{app_id}")
    evaluator.click(f"form[action='/evaluation/{app_id}'] button[type=submit]")
    evaluator.wait_for_selector("#f-recommendation-error")
    assert evaluator.locator("#f-summary-error").is_visible()
    shot(evaluator, f"evaluation-errors-{width}")
    assert evaluator.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width][0]

    evaluator.check("input[name=recommendation][value=grant]")
    summary = "Dokumen lengkap dan hasil uji memenuhi SNI 01-3707-1995."
    evaluator.fill("#f-summary", summary)
    evaluator.click(f"form[action='/evaluation/{app_id}'] button[type=submit]")
    evaluator.wait_for_selector("#recommendation")
    assert w.app(app_id).state == "decision"
    assert stages.compile_evaluation(app_id) is False  # the report, after the evaluation
    evaluator.reload()
    assert evaluator.locator(f"a[href='/evaluation/{app_id}/report.pdf']").is_visible()
    shot(evaluator, f"evaluation-recorded-{width}")

    decider = _page(browser, site, "decider@lspro.example", width)
    decider.goto(f"{site}/decision/{app_id}")
    box = decider.locator("#recommendation")
    assert box.get_attribute("data-recommendation") == "grant"
    assert summary in box.inner_text()
    assert decider.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width][0]
    shot(decider, f"decision-recommendation-{width}")
    r = decider.request.get(f"{site}/evaluation/{app_id}/report.pdf")
    assert r.ok and r.body().startswith(b"%PDF")
    assert not REFUSED, REFUSED
