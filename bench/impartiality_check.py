"""Time of the one impartiality and competence check (`impartiality.may_act`), which every
review, sampling, lab result and its verification, auditor step, evaluation and decision
runs once: conflicts with the applicant's business, the qualification for the function
and product, and (decider) the case's earlier steps. 40 more staff each with 12 qualifications
and 5 declared conflicts; a case reviewed, audited and evaluated.
Target: <= 5 ms per check (median) on SQLite, so a case's ~40 checked steps add < 0.2 s.
Usage: python bench/impartiality_check.py [ITERATIONS]   (default 300)
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("SNICERT_HOME", tempfile.mkdtemp(prefix="snicert-bench-imp-"))
os.environ["SNICERT_FLOW_MODE"] = "off"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from argon2 import PasswordHasher  # noqa: E402

from snicert import bootstrap, settings, synthetic  # noqa: E402
from snicert.db import engine as db  # noqa: E402
from snicert.roles import Role  # noqa: E402
from snicert.services import accounts, impartiality  # noqa: E402
from snicert.services.guards import application  # noqa: E402
from tests.world import World  # noqa: E402


def main(iterations: int) -> None:
    for name, value in synthetic.IDENTITY.items():
        os.environ.setdefault(settings.env_name(name), value)
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    bootstrap.init()
    w = World().setup_staff()
    app_id = w.new_application("abon")
    w.advance_to(app_id, "decision")
    businesses = [w.app(w.new_application("emping")).business_id for _ in range(5)]
    with db.transaction() as s:
        official = w.user(s, "reviewer")
        for i in range(40):
            user, _ = accounts.create_staff(
                s, official, f"staf{i}@lspro.example", f"Staf {i}", {Role.OFFICIAL, Role.AUDITOR}
            )
            s.flush()
            impartiality.qualify_many(
                s,
                official,
                user,
                impartiality.functions_of(user),
                ["abon", "emping", "sasando"],
                "SK",
            )
            for b in businesses:
                impartiality.declare_conflict(s, "cli", user, b, "consulting")
    timings: dict[str, list[float]] = {"reviewer": [], "decider": []}
    with db.reading() as s:
        app = application(s, app_id)
        for fn, who in (("reviewer", "decider"), ("decider", "decider")):
            user = w.user(s, who)
            for _ in range(iterations):
                t = time.perf_counter()
                why = impartiality.may_act(s, user, fn, app)
                timings[fn].append((time.perf_counter() - t) * 1000)
                assert not why, why
    for fn, values in timings.items():
        p95 = sorted(values)[int(len(values) * 0.95)]
        print(
            f"may_act as {fn}: median {statistics.median(values):.2f} ms, "
            f"p95 {p95:.2f} ms over {len(values)} (target <= 5 ms)"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
