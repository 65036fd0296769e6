"""A draft is its owner's alone: staff pages and API answer 404 for it, never 500."""

from __future__ import annotations

import pytest

from snicert.web.app import create_app
from tests.test_web_staff import bearer, sign_in
from tests.world import World

PAGES = ("/review/{id}", "/evaluation/{id}", "/decision/{id}", "/lab/applications/{id}")
API = (
    "/api/v1/applications/{id}/review",
    "/api/v1/applications/{id}/evaluation",
    "/api/v1/applications/{id}/decision",
    "/api/v1/lab/applications/{id}",
)


@pytest.mark.parametrize("who", ["reviewer", "analyst"])
def test_staff_get_404_for_a_draft(home, who: str) -> None:
    w = World().setup_staff()
    draft = w.new_application("abon")
    web = create_app()
    browser = sign_in(web, f"{who}@lspro.example")
    headers = bearer(w, who)
    for path in PAGES:
        r = browser.get(path.format(id=draft))
        assert r.status_code in (403, 404), (path, r.status_code)
    for path in API:
        r = browser.client.get(path.format(id=draft), headers=headers)
        assert r.status_code in (403, 404, 405), (path, r.status_code, r.text)
    submitted = w.new_application("abon")
    w.advance_to(submitted, "document_review")
    if who == "reviewer":
        assert browser.get(f"/review/{submitted}").status_code == 200
