"""Result entry against the snapshot: units, values, retract versus retest, four eyes."""

from __future__ import annotations

import pytest

from snicert.db import engine as db
from snicert.errors import Conflict, InvalidInput, SeparationOfDuties
from snicert.services import lab
from snicert.services.guards import application
from tests.world import World


@pytest.fixture
def testing(home) -> tuple[World, int]:
    w = World().setup_staff()
    app_id = w.new_application("abon")
    w.advance_to(app_id, "testing")
    return w, app_id


def _enter(w: World, app_id: int, parameter: str, value: str, unit: str, who: str = "analyst"):
    with db.transaction() as s:
        return lab.record_result(s, w.user(s, who), app_id, parameter, value, unit)


def _act(w: World, fn, result_id: int, *args, who: str = "verifier"):
    with db.transaction() as s:
        return fn(s, w.user(s, who), result_id, *args)


@pytest.mark.parametrize(
    ("parameter", "value", "unit", "field", "message"),
    [
        ("moisture", "5", "mg/kg", "moisture.unit", "expected '%'"),
        ("moisture", "lima", "%", "moisture", "number"),
        ("moisture", "", "%", "moisture", "empty"),
        ("salmonella", "mungkin", "/25 g", "salmonella", "not understood"),
        ("lead", "0.5", "ppm", None, None),  # an alias of mg/kg is the same unit: accepted
        ("viscosity", "1", "%", "parameter", "Not a parameter"),
    ],
)
def test_units_and_values_are_checked(testing, parameter, value, unit, field, message) -> None:
    w, app_id = testing
    if field is None:
        assert _enter(w, app_id, parameter, value, unit).verdict == "conform"
        return
    with pytest.raises(InvalidInput) as err:
        _enter(w, app_id, parameter, value, unit)
    assert err.value.field == field and message in str(err.value)


def test_detection_limits_and_words(testing) -> None:
    w, app_id = testing
    assert _enter(w, app_id, "mercury", "< 0.01", "mg/kg").verdict == "conform"
    assert _enter(w, app_id, "salmonella", "tidak terdeteksi", "/25 g").verdict == "conform"
    assert _enter(w, app_id, "moisture", "7.01", "%").verdict == "nonconform"
    assert _enter(w, app_id, "ash", "7,0", "%").verdict == "conform"


@pytest.mark.parametrize("u", ["abc", "-0.1", "< 1"])
def test_an_unusable_uncertainty_is_refused_under_simple_acceptance(testing, u) -> None:
    """abon's checklist judges by simple acceptance, so U does not change the verdict;
    an unusable one is still bad input, and nothing is stored."""
    from sqlalchemy import func, select

    from snicert.db.models import AuditEvent, LabResult

    w, app_id = testing
    with db.transaction() as s:
        assert application(s, app_id).checklist_snapshot["acceptance"] == "simple"
        before = s.scalar(select(func.count()).select_from(AuditEvent))
    with pytest.raises(InvalidInput) as err, db.transaction() as s:
        lab.record_result(s, w.user(s, "analyst"), app_id, "moisture", "6.9", "%", uncertainty=u)
    assert err.value.field == "moisture.uncertainty"
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(LabResult)) == 0
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == before
        r = lab.record_result(
            s, w.user(s, "analyst"), app_id, "moisture", "6.9", "%", uncertainty="0.3"
        )
        assert (r.uncertainty, r.verdict) == ("0.3", "conform")  # 6.9 + 0.3 > 7 ignored


def test_four_eyes(testing) -> None:
    w, app_id = testing
    r = _enter(w, app_id, "moisture", "6", "%", who="labboth")
    with pytest.raises(SeparationOfDuties):
        _act(w, lab.verify_result, r.id, who="labboth")
    assert _act(w, lab.verify_result, r.id).status == "verified"
    with pytest.raises(Conflict, match="already has a verified result"):
        _enter(w, app_id, "moisture", "6.5", "%")


def test_retract_invalidates_and_requires_reentry(testing) -> None:
    w, app_id = testing
    first = _enter(w, app_id, "fat", "12", "%")
    with pytest.raises(Conflict, match="awaiting verification"):
        _enter(w, app_id, "fat", "13", "%")  # one open result at a time
    retracted = _act(w, lab.retract_result, first.id, "Sampel tertukar")
    assert retracted.status == "retracted" and retracted.note == "Sampel tertukar"
    with db.transaction() as s:
        assert "fat" not in lab.counted_results(s, application(s, app_id))
    second = _enter(w, app_id, "fat", "13", "%")
    assert second.attempt == 2
    _act(w, lab.verify_result, second.id)
    with db.transaction() as s:
        assert lab.counted_results(s, application(s, app_id))["fat"].value_text == "13"


def _finish_others(w: World, app_id: int, skip: str) -> None:
    from snicert import synthetic

    with db.transaction() as s:
        for p in application(s, app_id).checklist_snapshot["parameters"]:
            if p["id"] != skip:
                r = lab.record_result(
                    s, w.user(s, "analyst"), app_id, p["id"], synthetic.passing_value(p), p["unit"]
                )
                lab.verify_result(s, w.user(s, "verifier"), r.id)


@pytest.mark.parametrize(("rule", "counts"), [("latest", "6.8"), ("first", "9")])
def test_retest_keeps_the_first_and_the_checklist_says_which_counts(testing, rule, counts):
    w, app_id = testing
    with db.transaction() as s:
        app = application(s, app_id, lock=True)
        app.checklist_snapshot = {**app.checklist_snapshot, "result_counts": rule}
    _finish_others(w, app_id, skip="moisture")
    first = _enter(w, app_id, "moisture", "9", "%")
    kept = _act(w, lab.request_retest, first.id, "Duplo menyimpang")
    assert (kept.status, kept.verdict) == ("retest_requested", "nonconform")
    with db.transaction() as s:  # testing cannot close while the retest is due
        assert not lab.complete_testing(s, w.user(s, "system"), app_id)
    second = _enter(w, app_id, "moisture", "6.8", "%")
    _act(w, lab.verify_result, second.id)
    with db.transaction() as s:
        app = application(s, app_id)
        assert lab.counted_results(s, app)["moisture"].value_text == counts
        assert len([r for r in lab.results(s, app_id, "moisture")]) == 2  # both kept
        assert lab.complete_testing(s, w.user(s, "system"), app_id)
        # abon is scheme type 5: testing is done, the case now waits for its site audit
        assert application(s, app_id).state == "site_audit"
