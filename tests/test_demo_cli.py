"""`snicert demo --json` on a fresh home: every product in the catalog certified, one refused, every
certificate file it lists verifies offline with `snicert verify`, and the history it leaves
exports for BSN."""

from __future__ import annotations

import json
from datetime import timedelta

from typer.testing import CliRunner

from snicert import clock, demo, settings
from snicert.catalog import default_catalog
from snicert.cli import app
from snicert.db import engine as db
from snicert.services import skm


def test_demo_json_then_verify_each_file(home, monkeypatch) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["demo", "--count", "2", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    products = sorted(default_catalog().products)  # the demo takes them from the catalog
    n = len(products)
    assert len(rows) == 2 * n + 1  # 2 per product + the failing one
    certified = [r for r in rows if r["final_state"] == "certified"]
    assert sorted({r["product"] for r in certified}) == products
    assert len(certified) == 2 * n and len({r["certificate_number"] for r in certified}) == 2 * n
    [refused] = [r for r in rows if r["final_state"] == "refused"]
    assert "Angka lempeng total" in refused["refusal_reason"]
    assert refused["certificate_number"] is None
    # one complaint filed and closed, one appeal decided (snicert/demo.py)
    assert any(x.startswith("appeal BDG-") and x.endswith(" upheld") for x in refused["scenario"])
    closed = [x for r in certified for x in r["scenario"] if x.startswith("complaint ADU-")]
    assert len(closed) == 1 and closed[0].endswith(" closed")
    # every closed case answered the satisfaction survey, so the demo's SKM is not empty
    today = clock.now().astimezone(settings.current().zone).date()
    with db.reading() as s:
        summary = skm.summary(s, today - timedelta(days=1), today + timedelta(days=1))
    assert summary.respondents == 2 * n + 1 and summary.category in ("A", "B", "C", "D")
    assert all(f.respondents >= 2 for f in summary.by_product.values())
    scenarios = [s for r in certified for s in r["scenario"]]
    assert sum(s == "nonconformity answered" for s in scenarios) == n
    assert sum(s.startswith("retest") for s in scenarios) == n
    # type 5: every case passed its site audit, one minor finding closed, report listed
    for row in rows:
        assert "site audit: 1 minor finding closed" in row["scenario"]
        reports = [f for f in row["files"] if "site-audit-" in f]
        assert [r.rsplit(".", 1)[1] for r in reports] == ["html", "pdf"], row["files"]
    for row in certified:
        for suffix in (".json", ".pdf", ".png"):
            [path] = [f for f in row["files"] if f.endswith("certificate" + suffix)]
            check = runner.invoke(app, ["verify", path])
            assert check.exit_code == 0, check.output
            assert "valid" in check.output and row["certificate_number"] in check.output
    # the demo's history exports for BSN: its certificates issued today, its applications
    period = ["--from", (today - timedelta(days=1)).isoformat(), "--to", today.isoformat()]
    for what, fmt, records in (("certificates", "csv", 2 * n), ("applications", "xlsx", 2 * n + 1)):
        out = home / f"bsn-{what}.{fmt}"
        r = runner.invoke(
            app,
            ["export", what, *period, "--format", fmt, "--output", str(out)]
            + ["--as", demo.STAFF["manager"][0], "--password-stdin"],
            input=demo.PASSWORD + "\n",
        )
        assert r.exit_code == 0, r.output
        assert f": {records} {what} records" in r.stdout and out.stat().st_size > 0
