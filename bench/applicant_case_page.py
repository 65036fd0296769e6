"""Time of the applicant's case page (GET /applications/{id}) in the two states where it does
the most: a draft half uploaded (the dossier checklist, counter and upload forms) and a case
with two review findings to answer (the one-page findings form beside the dossier). Also
the upload itself (POST, post/redirect/get) of one document.
Target: page p95 <= 150 ms on SQLite (issue 14's budget for every page).
Usage: python bench/applicant_case_page.py [REQUESTS]   (default 60)
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("SNICERT_HOME", tempfile.mkdtemp(prefix="snicert-bench-case-"))
os.environ["SNICERT_FLOW_MODE"] = "off"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from argon2 import PasswordHasher  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from snicert import bootstrap, settings, synthetic  # noqa: E402
from snicert.catalog import default_catalog  # noqa: E402
from snicert.db import engine as db  # noqa: E402
from snicert.services import accounts, applications  # noqa: E402
from snicert.web.app import create_app  # noqa: E402
from tests.world import World  # noqa: E402


def p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20)[-1]


def main(n: int) -> None:
    for name, value in synthetic.IDENTITY.items():
        os.environ.setdefault(settings.env_name(name), value)
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    bootstrap.init()
    w = World().setup_staff()
    specs = default_catalog().product("abon").model_dump(mode="json")["documents"]
    draft = w.new_application("abon", documents=False)
    with db.transaction() as s:
        owner = w.owner(s, draft)
        for spec in specs[:6]:
            name, data = synthetic.document(spec, "abon", "UMKM")
            applications.attach_document(s, owner, draft, spec["id"], name, data)
    findings = w.new_application("abon", applicant="applicant0")
    w.submit(findings)
    w.advance_to(findings, "document_review")
    items = w.app(findings).checklist_snapshot["document_items"]
    w.review_all(findings, nonconform={items[0]["id"], items[2]["id"]})

    client = TestClient(create_app())
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)[1]
    client.post(
        "/login",
        data={"email": "applicant0@umkm.example", "password": "rahasia-123", "csrf_token": token},
    )
    csrf = re.findall(r'name="csrf_token" value="([^"]+)"', client.get("/me").text)[-1]
    for label, app_id in (("draft, 6 of 14 uploaded", draft), ("2 findings to answer", findings)):
        client.get(f"/applications/{app_id}")  # warm: templates compiled, catalogs read
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            r = client.get(f"/applications/{app_id}")
            times.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200
        print(
            f"GET case page, {label}: median {statistics.median(times):.1f} ms, "
            f"p95 {p95(times):.1f} ms ({n} requests)"
        )
    name, data = synthetic.document(specs[7], "abon", "UMKM")
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        r = client.post(
            f"/applications/{draft}/documents",
            data={"kind": specs[7]["id"], "csrf_token": csrf},
            files={"file": (name, data)},
        )
        times.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, r.status_code  # after the redirect
    print(
        f"POST upload + redirected page: median {statistics.median(times):.1f} ms, "
        f"p95 {p95(times):.1f} ms ({n} requests)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
