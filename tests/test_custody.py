"""Sample custody: labels, the chain of custody, and rejection at the lab."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image

from snicert import clock, outputs, stages
from snicert.db import engine as db
from snicert.errors import Conflict, PermissionDenied
from snicert.services import lab
from snicert.services.guards import application
from tests.test_certs import decode_qr
from tests.world import World


@pytest.fixture
def at_lab(home) -> tuple[World, int]:
    """An abon application whose samples were taken and sealed, now in transit."""
    clock.freeze(clock.now())
    w = World().setup_staff()
    app_id = w.new_application("abon")
    w.advance_to(app_id, "sampling")
    stages.plan_samples(app_id)  # the flow's sampling stage: samples and their labels
    with db.transaction() as s:
        seals = {x.code: f"SEGEL-{x.seq}" for x in lab.samples_of(s, app_id)}
        lab.record_sampling(s, w.user(s, "sampler"), app_id, seals, "Oebobo, Kota Kupang")
    return w, app_id


def _events(sample_id: int) -> list[str]:
    with db.transaction() as s:
        return [e.event for e in lab.custody_log(s, sample_id)]


def _receive(w: World, app_id: int, intact: bool = True, seal: str | None = None) -> None:
    with db.transaction() as s:
        for x in lab.samples_of(s, app_id):
            if x.status == "sealed":
                lab.receive_sample(s, w.user(s, "analyst"), x.id, seal or x.seal_number, intact)


def test_labels_are_printable_pngs(at_lab) -> None:
    w, app_id = at_lab
    with db.transaction() as s:
        samples = lab.samples_of(s, app_id)
        assert [x.purpose for x in samples] == ["test", "retained"]
        for x in samples:
            out = outputs.find(s, f"sample:{x.id}", "label")
            png = outputs.absolute(out).read_bytes()
            img = Image.open(io.BytesIO(png))
            assert img.format == "PNG" and img.size == (1122, 531)  # 95 x 45 mm, 300 dpi
            assert out.path.endswith(f"{x.code}.png")
            assert decode_qr(png) == [x.code]


def test_chain_of_custody_through_testing(at_lab) -> None:
    w, app_id = at_lab
    _receive(w, app_id)
    w.enter_all_results(app_id)
    with db.transaction() as s:
        assert lab.complete_testing(s, w.user(s, "system"), app_id)
        test, retained = lab.samples_of(s, app_id)
    assert _events(test.id) == ["taken", "sealed", "received", "in_testing", "retained"]
    assert _events(retained.id) == ["taken", "sealed", "received", "retained"]
    # kept for the plan's retention period, then disposed of by the sweep
    with db.transaction() as s:
        days = application(s, app_id).product_snapshot["sampling_plan"]["retention_days"]
        assert lab.dispose_expired_retention(s, w.user(s, "system")) == []
    clock.advance(timedelta(days=days, seconds=1))
    with db.transaction() as s:
        assert len(lab.dispose_expired_retention(s, w.user(s, "system"))) == 2
    assert _events(test.id)[-1] == "disposed"


def test_results_need_a_received_sample(at_lab) -> None:
    w, app_id = at_lab
    with pytest.raises(Conflict, match="must receive it"), db.transaction() as s:
        lab.record_result(s, w.user(s, "analyst"), app_id, "moisture", "5", "%")


def test_only_lab_staff_receive(at_lab) -> None:
    w, app_id = at_lab
    with pytest.raises(PermissionDenied), db.transaction() as s:
        x = lab.samples_of(s, app_id)[0]
        lab.receive_sample(s, w.user(s, "sampler"), x.id, x.seal_number, True)


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("broken", "seal broken"),
        ("wrong_seal", "seal number does not match"),
        ("late", "transit too long"),
    ],
)
def test_rejected_sample_asks_for_new_sampling(at_lab, case: str, reason: str) -> None:
    w, app_id = at_lab
    if case == "late":
        clock.advance(timedelta(hours=73))  # abon allows 72 h from sealing to the lab
    _receive(w, app_id, intact=case != "broken", seal="SEGEL-X" if case == "wrong_seal" else None)
    with db.transaction() as s:
        app = application(s, app_id)
        assert app.state == "sampling" and app.awaiting_role == "sampler"
        first = lab.samples_of(s, app_id)
        assert {x.status for x in first} == {"rejected"}
    assert _events(first[0].id)[-1] == "rejected"
    from snicert.db.models import CustodyEvent

    with db.transaction() as s:
        note = s.query(CustodyEvent).filter_by(sample_id=first[0].id, event="rejected").one().note
    assert reason in note
    # the flow plans a new round, numbered after the rejected one, with new labels
    assert stages.has_work(app_id)
    stages.plan_samples(app_id)
    with db.transaction() as s:
        fresh = [x for x in lab.samples_of(s, app_id) if x.status == "planned"]
        assert [x.code[-2:] for x in fresh] == ["S3", "S4"]
        assert all(outputs.find(s, f"sample:{x.id}", "label") for x in fresh)
