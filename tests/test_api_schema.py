"""Schemathesis against the app's own /openapi.json, in-process (ASGI), once per role.

Every documented operation gets generated requests, valid and invalid (negative mode), as
each role in turn: no answer may be a server error, and every answer must be documented
(status, content type) and match its documented schema. Bounded: a few examples per
operation and mode, derandomized, so a run is the same every time and takes about a minute.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.config._checks import POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES as POSITIVE_OK
from schemathesis.core.failures import FailureGroup

from snicert.db import engine as db
from snicert.db.models import User
from snicert.services import sessions
from snicert.web.app import create_app
from tests.world import World

pytestmark = pytest.mark.schemathesis

EXAMPLES = 8  # per operation and generation mode
ROLES = {
    "anonymous": None,
    "applicant": "applicant0",
    "official": "reviewer",
    "sampler": "sampler",
    "lab_analyst": "analyst",
    "lab_verifier": "verifier",
    "auditor": "auditor",  # the site-audit API
}


def _headers(w: World, user: str | None) -> dict[str, str]:
    if user is None:
        return {}
    with db.transaction() as s:
        token, _ = sessions.create_api_token(s, s.get(User, w.users[user]), "schemathesis")
    return {"Authorization": f"Bearer {token}"}


def run_schemathesis(headers: dict[str, str]) -> tuple[int, list[str]]:
    """Requests made, and one line per failing check (operation, mode, check)."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())
    # A schema-valid body can still be refused by a rule (unknown product, wrong unit): 422.
    schema.config.checks.positive_data_acceptance.expected_statuses = [*POSITIVE_OK, "422"]
    made = 0
    failures: list[str] = []

    def attempt(label: str) -> Callable[[Any], None]:
        def one(case: Any) -> None:
            nonlocal made
            made += 1
            try:
                # generous: a PDF rendered on a busy 2-core machine is slow, not wrong
                case.call_and_validate(headers=headers, timeout=120)
            except FailureGroup as group:
                failures.extend(
                    f"{label} {type(f).__name__}: {f.title} {f.message[:80]!r}"
                    for f in group.exceptions
                )
            except Exception as exc:  # the in-process client re-raises what the app raised
                failures.append(f"{label} server error: {type(exc).__name__}: {exc}")

        return one

    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            label = f"{operation.label} [{mode.value}]"
            run = settings(
                max_examples=EXAMPLES,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )(given(case=operation.as_strategy(generation_mode=mode))(attempt(label)))
            # Unsatisfiable: nothing to make invalid (an operation without inputs)
            with contextlib.suppress(Unsatisfiable):
                run()
    return made, failures


@pytest.mark.parametrize("role", list(ROLES))
def test_api_matches_its_openapi_schema(home: Any, role: str) -> None:
    w = World().setup_staff()
    app_id = w.new_application("abon")  # applicant0's: real ids for the generated requests
    w.advance_to(app_id, "testing")
    made, failures = run_schemathesis(_headers(w, ROLES[role]))
    summary = Counter(failures)
    kinds = Counter(line.split("] ", 1)[1].split(":")[0] for line in failures)
    print(f"schemathesis as {role}: {made} requests, {len(failures)} failures {dict(kinds)}")
    assert not failures, "\n".join(f"{n} x {line}" for line, n in summary.most_common())
