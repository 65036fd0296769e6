"""The evaluator's recommendation and the evaluation report rendered after it: the
evaluator, the summary, every non-conformity round (earlier ones too), the lab results."""

from __future__ import annotations

import json
import subprocess

import pytest
from sqlalchemy import select

from snicert import outputs, stages
from snicert.db import engine as db
from snicert.db.models import AuditEvent, Nonconformity
from snicert.errors import InvalidFields, InvalidInput
from snicert.services import applications, decisions
from tests.world import World


def _answer_open(w: World, app_id: int, answer: str) -> None:
    with db.transaction() as s:
        open_ = s.scalars(
            select(Nonconformity).where(
                Nonconformity.application_id == app_id, Nonconformity.status == "open"
            )
        ).all()
        assert open_
        for nc in open_:
            applications.answer_nonconformity(s, w.owner(s, app_id), nc.id, answer)


def _pdf_text(app_id: int) -> str:
    with db.reading() as s:
        out = outputs.find(s, f"application:{app_id}", "evaluation_report_pdf")
        assert out is not None
        path = outputs.absolute(out)
    assert path.read_bytes().startswith(b"%PDF-")
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True)
    return done.stdout


def test_report_follows_the_recommendation_with_every_round(home) -> None:
    w = World().setup_staff()
    app_id = w.new_application("abon")
    w.advance_to(app_id, "document_review")
    items = [i["id"] for i in w.app(app_id).checklist_snapshot["document_items"]]
    w.review_all(app_id, nonconform={items[0]})  # round 1
    _answer_open(w, app_id, "Jawaban putaran pertama")
    w.review_all(app_id, nonconform={items[1]})  # round 2
    _answer_open(w, app_id, "Jawaban putaran kedua")
    w.advance_to(app_id, "evaluation")
    assert not stages.has_work(app_id)  # nothing is rendered before the evaluation

    with db.transaction() as s, pytest.raises(InvalidFields) as refused:
        decisions.evaluate(s, w.user(s, "evaluator"), app_id, "", "  ")
    assert {e.field for e in refused.value.errors} == {"recommendation", "summary"}
    summary = "Dua putaran ketidaksesuaian telah dijawab.\nHasil uji memenuhi SNI."
    with db.transaction() as s:
        ev = decisions.evaluate(s, w.user(s, "evaluator"), app_id, "grant", summary)
        assert ev.recommendation == "grant" and ev.summary == summary
    with db.reading() as s:
        event = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "application.evaluated")
        ).one()
        assert json.loads(event.data)["recommendation"] == "grant"

    assert stages.has_work(app_id)  # the report is the system's next step
    assert stages.compile_evaluation(app_id) is False  # rendered; the decider acts
    assert not stages.has_work(app_id)
    text = _pdf_text(app_id)
    for shown in (
        "Sertifikasi dapat diberikan",
        "Dua putaran ketidaksesuaian telah dijawab.",
        "Hasil uji memenuhi SNI.",
        "Evaluator",
        "Putaran / Round 1",
        "Putaran / Round 2",
        "Jawaban putaran pertama",
        "Jawaban putaran kedua",
        "Hasil uji laboratorium",
    ):
        assert shown in text, shown
    with db.reading() as s:
        evaluator = w.user(s, "evaluator").name
        html = outputs.absolute(outputs.find(s, f"application:{app_id}", "evaluation_report"))
    assert evaluator in text
    page = html.read_text(encoding="utf-8")
    assert 'data-round="1"' in page and 'data-round="2"' in page and evaluator in page


def test_grant_is_refused_when_the_findings_fail(home) -> None:
    w = World().setup_staff()
    app_id = w.new_application("abon")
    w.advance_to(app_id, "evaluation", failing={"moisture"})
    with db.transaction() as s, pytest.raises(InvalidInput) as refused:
        decisions.evaluate(s, w.user(s, "evaluator"), app_id, "grant", "Memenuhi")
    assert refused.value.field == "recommendation" and refused.value.key == "eval_grant_not_met"
    assert "moisture" not in str(refused.value.value)  # named as people know it
    assert w.app(app_id).state == "evaluation"
    with db.transaction() as s:
        decisions.evaluate(s, w.user(s, "evaluator"), app_id, "refuse", "Kadar air melebihi")
    stages.compile_evaluation(app_id)
    text = _pdf_text(app_id)
    assert "Sertifikasi tidak dapat diberikan" in text and "Kadar air melebihi" in text
