"""Dates people enter are checked against the case's own timeline: sampling, reception,
test dates and a suspension's fix-by date; refused ones store nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from snicert import clock, stages
from snicert.db import engine as db
from snicert.db.models import AuditEvent, Certificate, CustodyEvent, LabResult
from snicert.errors import InvalidInput
from snicert.services import certificates, dates, lab
from snicert.web.app import create_app
from tests.test_web_staff import bearer, sign_in
from tests.world import World

WITA = timezone(timedelta(hours=8))
YEAR_1 = datetime(1, 1, 1, tzinfo=WITA)
YEAR_9999 = datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-5)))


def count(model) -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(model))


@pytest.fixture
def sealed(home) -> tuple[World, int]:
    """An abon case whose samples were taken and sealed a day ago, now in transit."""
    clock.freeze(datetime(2026, 11, 28, 2, 0, tzinfo=UTC))  # 10:00 WITA
    w = World().setup_staff()
    app_id = w.new_application("abon")
    w.advance_to(app_id, "sampling")
    with db.transaction() as s:
        samples = lab.create_samples(s, w.user(s, "system"), app_id)
        lab.record_sampling(
            s,
            w.user(s, "sampler"),
            app_id,
            {x.code: f"SEAL-{x.id}" for x in samples},
            "Oebobo, Kota Kupang",
        )
    clock.advance(timedelta(days=1))
    return w, app_id


def receive(w: World, app_id: int, at: datetime | None) -> None:
    with db.transaction() as s:
        for x in lab.samples_of(s, app_id):
            if x.status == "sealed":
                lab.receive_sample(s, w.user(s, "analyst"), x.id, x.seal_number, True, at)


def enter(w: World, app_id: int, tested_on: datetime | None):
    with db.transaction() as s:
        return lab.record_result(
            s, w.user(s, "analyst"), app_id, "moisture", "5", "%", tested_on=tested_on
        )


# ---------------------------------------------------------------- custody


@pytest.mark.parametrize(
    ("at", "message"),
    [
        (YEAR_1, "possible date"),
        (YEAR_9999, "possible date"),
        (datetime(2026, 11, 27, tzinfo=UTC), "before the sample was taken"),
        (datetime(2026, 11, 29, 3, 0, tzinfo=UTC), "in the future"),
    ],
)
def test_a_reception_outside_the_timeline_is_refused(sealed, at, message) -> None:
    w, app_id = sealed
    before = count(CustodyEvent), count(AuditEvent)
    with pytest.raises(InvalidInput, match=message) as err:
        receive(w, app_id, at)
    assert err.value.field == "received_at"
    assert (count(CustodyEvent), count(AuditEvent)) == before


def test_a_reception_when_sealed_or_just_now_is_accepted(sealed) -> None:
    w, app_id = sealed
    with db.transaction() as s:
        taken = lab.samples_of(s, app_id)[0].taken_at
    receive(w, app_id, taken + timedelta(hours=20))
    with db.transaction() as s:
        assert {x.status for x in lab.samples_of(s, app_id)} == {"received"}


def test_sampling_outside_the_timeline_is_refused(home) -> None:
    w = World().setup_staff()
    app_id = w.new_application("abon")
    w.advance_to(app_id, "sampling")
    with db.transaction() as s:
        samples = lab.create_samples(s, w.user(s, "system"), app_id)
        seals = {x.code: f"SEAL-{x.id}" for x in samples}
    for at, message in (
        (clock.now() + timedelta(days=1), "in the future"),
        (clock.now() - timedelta(days=1), "before the samples were planned"),
        (YEAR_1, "possible date"),
    ):
        with pytest.raises(InvalidInput, match=message) as err, db.transaction() as s:
            lab.record_sampling(s, w.user(s, "sampler"), app_id, seals, "Kupang", at)
        assert err.value.field == "taken_at"
    assert count(CustodyEvent) == 0
    with db.transaction() as s:
        lab.record_sampling(s, w.user(s, "sampler"), app_id, seals, "Kupang", clock.now())
    assert count(CustodyEvent) == 4


# ---------------------------------------------------------------- test dates


@pytest.mark.parametrize(
    ("tested_on", "message"),
    [
        (YEAR_1, "possible date"),
        (YEAR_9999, "possible date"),
        (datetime(9999, 12, 31, tzinfo=WITA), "after today"),
        (datetime(2026, 11, 30, 0, 30, tzinfo=WITA), "after today"),  # tomorrow in Kupang
        (datetime(2026, 11, 28, 12, 0, tzinfo=WITA), "before sample"),  # before reception
    ],
)
def test_a_test_date_outside_the_timeline_is_refused(sealed, tested_on, message) -> None:
    w, app_id = sealed
    receive(w, app_id, None)
    with pytest.raises(InvalidInput, match=message) as err:
        enter(w, app_id, tested_on)
    assert err.value.field == "moisture.tested_on"
    assert count(LabResult) == 0


def test_a_test_date_of_today_is_accepted(sealed) -> None:
    w, app_id = sealed
    receive(w, app_id, None)
    # 2026-11-29 10:00 WITA now: today, late in the Kupang day, is still today
    assert enter(w, app_id, datetime(2026, 11, 29, 23, 0, tzinfo=WITA)).tested_on


def test_the_api_refuses_impossible_dates(sealed) -> None:
    w, app_id = sealed
    web: FastAPI = create_app()
    client = sign_in(web, None).client
    analyst = bearer(w, "analyst")
    with db.transaction() as s:
        sample = lab.samples_of(s, app_id)[0]
    r = client.post(
        f"/api/v1/samples/{sample.id}/receive",
        headers=analyst,
        json={
            "seal_number": sample.seal_number,
            "seal_intact": True,
            "received_at": "0001-01-01T00:00:00+08:00",
        },
    )
    assert r.status_code == 422 and "received_at" in r.json()["detail"]
    receive(w, app_id, None)
    for day in ("0001-01-01T00:00:00+08:00", "9999-12-31T00:00:00+08:00"):
        r = client.post(
            f"/api/v1/applications/{app_id}/results",
            headers=analyst,
            json=[{"parameter": "moisture", "value": "5", "unit": "%", "tested_on": day}],
        )
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "moisture.tested_on"
    assert count(LabResult) == 0


# ---------------------------------------------------------------- fix-by dates


def test_a_fix_by_date_is_within_a_sensible_window(home) -> None:
    w = World().setup_staff()
    app_id = w.new_application("abon")
    w.advance_to(app_id, "approved")
    assert stages.issue(app_id)
    with db.transaction() as s:
        cert_id = s.scalar(select(Certificate.id))
    now = clock.now()
    for fix_by, message in (
        (datetime(1900, 1, 1, tzinfo=WITA), "in the future"),
        (now - timedelta(minutes=1), "in the future"),
        (now + timedelta(days=400), "12 months"),
        (YEAR_9999, "possible date"),
    ):
        with pytest.raises(InvalidInput, match=message) as err, db.transaction() as s:
            certificates.suspend(s, w.user(s, "decider"), cert_id, "Label", fix_by)
        assert err.value.field == "fix_by"
    with db.transaction() as s:
        assert s.get(Certificate, cert_id).status == "active"
        cert = certificates.suspend(
            s, w.user(s, "decider"), cert_id, "Label", now + timedelta(days=1)
        )
        assert cert.status == "suspended"


def test_a_fix_by_date_ends_with_the_certificates_validity(home) -> None:
    now = clock.now()
    ends = now + timedelta(days=10)
    with pytest.raises(InvalidInput, match="validity ends") as err:
        dates.fix_by("fix_by", now + timedelta(days=11), ends)
    assert err.value.field == "fix_by"
    dates.fix_by("fix_by", ends, ends)  # the last day of validity is still sensible
    with pytest.raises(InvalidInput, match="time zone"):
        dates.fix_by("fix_by", datetime(2026, 12, 1), None)  # a naive date is ambiguous
