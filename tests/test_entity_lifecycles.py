"""The lifecycles of samples, lab results, non-conformities and checklist versions: the
services take every step through lifecycle.transition (table, roles, named guards, audit)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from snicert import lifecycle, synthetic
from snicert.db import engine as db
from snicert.db.models import AuditEvent
from snicert.errors import Conflict, IllegalTransition, PermissionDenied
from snicert.lifecycle import LIFECYCLES, ResultState, SampleState
from snicert.services import (
    applications,
    certificates,
    impartiality,
    lab,
    review_actions,
    site_audits,
    skm,
    surveillance,
)
from snicert.services.guards import application
from tests.world import World

# the named guards each service implements, for the tables it takes steps of
GUARDS = {
    "sample": lab.SAMPLE_GUARDS,
    "lab_result": lab.RESULT_GUARDS,
    "nonconformity": applications.NC_GUARDS,
    "checklist_version": {},
    "site_audit": site_audits.AUDIT_GUARDS,
    "audit_finding": site_audits.FINDING_GUARDS,
    "surveillance_case": surveillance.GUARDS,
    "certificate": certificates.GUARDS,
    "review_action": review_actions.guards(None),
    "survey": skm.GUARDS,
    "staff_conflict": impartiality.conflict_guards(None),
}


@pytest.mark.parametrize("entity", sorted(GUARDS))
def test_every_named_guard_is_implemented_and_none_is_unused(entity: str) -> None:
    named = {g for t in LIFECYCLES[entity].transitions for g in t.guards}
    assert named == set(GUARDS[entity])


def _last(action: str) -> dict:
    with db.transaction() as s:
        row = s.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq.desc())
        ).first()
        return json.loads(row.data)


def test_a_sample_moves_only_along_its_table(home) -> None:
    w = World().setup_staff()
    app_id = w.new_application("abon")
    w.advance_to(app_id, "testing")
    with db.transaction() as s:
        sample = lab.samples_of(s, app_id)[0]
        assert sample.status == SampleState.RECEIVED
        with pytest.raises(IllegalTransition, match="from there: reject, retain, start_testing"):
            lab.custody(s, w.user(s, "sampler"), sample, "take")
        with pytest.raises(PermissionDenied, match="needs the role Laboratory"):
            lab.custody(s, w.user(s, "sampler"), sample, "start_testing")
    assert _last("sample.received")["from"] == "sealed"
    assert _last("sample.received")["to"] == "received"


def test_a_retest_is_a_state_that_leaves_room_for_a_new_attempt(home) -> None:
    w = World().setup_staff()
    app_id = w.new_application("abon")
    w.advance_to(app_id, "testing")
    w.receive_samples(app_id)
    with db.transaction() as s:
        p = application(s, app_id).checklist_snapshot["parameters"][0]
        value = synthetic.passing_value(p)
        first = lab.record_result(s, w.user(s, "analyst"), app_id, p["id"], value, p["unit"])
        with pytest.raises(Conflict, match="awaiting verification"):
            lab.record_result(s, w.user(s, "analyst"), app_id, p["id"], value, p["unit"])
    with db.transaction() as s:
        kept = lab.request_retest(s, w.user(s, "verifier"), first.id, "Duplo menyimpang")
        assert kept.status == ResultState.RETEST_REQUESTED and lab.open_for_entry(kept)
        assert kept.status in lifecycle.RESULT_COUNTS  # valid: the checklist says if it counts
    assert _last("result.retest_requested")["to"] == "retest_requested"
    # a concluded result is final
    with pytest.raises(IllegalTransition, match="retest_requested"), db.transaction() as s:
        lab.verify_result(s, w.user(s, "verifier"), first.id)


def test_each_service_standard_key_times_one_application_state() -> None:
    from snicert.catalog.models import ServiceStandard

    assert set(lifecycle.STANDARD_OF) <= {s.value for s in lifecycle.State}
    assert sorted(lifecycle.STANDARD_OF.values()) == sorted(ServiceStandard.model_fields)
    # every state someone must act in has a due date, the final ones and the draft none
    timed = {s for s, stage in lifecycle.STAGES.items() if stage.service_standard}
    assert timed == set(lifecycle.OPEN) - {lifecycle.State.DRAFT}


# each table with a status (or state) column, and the lifecycle that moves it; stays and
# daily roll-ups copy an application's or a result's state and are not moved themselves
LIFECYCLE_OF_TABLE = {
    "applications": "application",
    "certificates": "certificate",
    "samples": "sample",
    "lab_results": "lab_result",
    "nonconformities": "nonconformity",
    "checklist_versions": "checklist_version",
    "surveillance_cases": "surveillance_case",
    "site_audits": "site_audit",
    "audit_findings": "audit_finding",
    "complaints": "complaint",
    "appeals": "appeal",
    "certificate_changes": "certificate_change",
    "skm_surveys": "survey",
    "review_actions": "review_action",
    "staff_conflicts": "staff_conflict",
    "staff_qualifications": "staff_qualification",
    "outbox": "outbox_message",
}
COPIES = {"stage_visits", "stage_days", "lab_result_days"}


def test_every_table_with_a_status_has_a_lifecycle_and_a_diagram() -> None:
    from snicert import lifecycle_docs
    from snicert.db.models import Base

    with_status = {
        t.name
        for t in Base.metadata.sorted_tables
        if ({"status", "state"} & set(t.columns.keys())) and t.name not in COPIES
    }
    assert with_status == set(LIFECYCLE_OF_TABLE)
    pages = lifecycle_docs.pages()
    for name in LIFECYCLE_OF_TABLE.values():
        assert f"{name}.md" in pages
