"""Snapshots read back as the catalog's models: typed, validated once per loaded value,
read again when the column holds another value."""

from __future__ import annotations

import pytest

from snicert import snapshots
from snicert.catalog.models import Checklist, Product, SamplingPlan
from snicert.db import engine as db
from snicert.services import lab
from snicert.services.guards import application
from tests.world import World


def test_an_application_reads_its_snapshots_as_models(home) -> None:
    w = World().setup_staff()
    app_id = w.new_application("abon")
    w.advance_to(app_id, "document_review")
    with db.reading() as s:
        app = application(s, app_id)
        product, checklist = snapshots.product(app), snapshots.checklist(app)
        assert isinstance(product, Product) and isinstance(checklist, Checklist)
        assert product.code == "abon" and product.scheme.factory_audit is True
        assert checklist.parameters[0].id == app.checklist_snapshot["parameters"][0]["id"]
        assert snapshots.product(app) is product  # validated once for this value
        assert isinstance(lab.Work(app).plan, SamplingPlan)
        assert lab.Work(app).plan.test_units == product.sampling_plan.test_units
        with pytest.raises(AttributeError):
            product.tarif  # noqa: B018  (a misspelt field is an error, not a None)
        changed = dict(app.product_snapshot, certificate_prefix="ABX")
        app.product_snapshot = changed  # another value: read again
        assert snapshots.product(app).certificate_prefix == "ABX"
        s.rollback()


def test_a_draft_has_no_snapshot_to_read(home) -> None:
    w = World().setup_staff()
    app_id = w.new_application("abon")
    with db.reading() as s, pytest.raises(ValueError, match="no product_snapshot yet"):
        snapshots.product(application(s, app_id))
