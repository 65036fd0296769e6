"""The README documents every event and command that exists (docs that cannot drift)."""

from __future__ import annotations

import re
from pathlib import Path

from snicert.lifecycle import CERTIFICATE_TRANSITIONS, TRANSITIONS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_every_transition_event_is_documented() -> None:
    documented = set(re.findall(r"`snicert\.((?:application|certificate)\.\w+)`", README))
    expected = {f"application.{t.event}" for t in TRANSITIONS} | {
        f"certificate.{t.event}" for t in CERTIFICATE_TRANSITIONS
    }
    assert expected <= documented, expected - documented


def test_every_bsn_export_field_is_documented() -> None:
    from snicert.services.bsn_export import RECORDS

    table = README.split("## Export for BSN", 1)[1].split("\n## ", 1)[0]
    documented = {
        f for row in re.findall(r"^\| (.+?) \|", table, re.M) for f in re.findall(r"`(\w+)`", row)
    }
    fields = {f for model in RECORDS.values() for f in model.model_fields}
    assert fields <= documented, fields - documented


def test_every_notified_change_is_in_the_who_is_told_table() -> None:
    from snicert.services.moments import TOLD

    table = README.split("### Who is told what", 1)[1].split("\n## ", 1)[0]
    for action in TOLD:
        entity, event = action.split(".", 1)
        assert f"`{action}`" in table or f"`.{event}`" in table, action
