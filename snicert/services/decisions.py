"""Evaluation and the certification decision (ISO/IEC 17065: decided by someone else)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert import clock, lifecycle, snapshots
from snicert.db.models import Application, Decision, Evaluation, ReviewVerdict, User
from snicert.errors import Conflict, InvalidFields, InvalidInput
from snicert.judgment import CONFORM
from snicert.services import impartiality, text
from snicert.services.guards import application
from snicert.services.lab import counted_results


def findings(s: Session, app: Application) -> dict[str, Any]:
    """Every document item and every lab parameter with its verdict (the evaluation basis)."""
    verdicts = {
        v.item_id: v
        for v in s.scalars(
            select(ReviewVerdict)
            .where(ReviewVerdict.application_id == app.id)
            .order_by(ReviewVerdict.round)
        )
    }  # later rounds overwrite earlier ones
    counted = counted_results(s, app)
    checklist = snapshots.checklist(app)
    documents = [
        {
            "id": item.id,
            "text": item.text.model_dump(),
            "status": item.source.status,
            "verdict": verdicts[item.id].verdict if item.id in verdicts else "not_reviewed",
            "comment": verdicts[item.id].comment if item.id in verdicts else None,
        }
        for item in checklist.document_items
    ]
    parameters = []
    for p in checklist.parameters:
        r = counted.get(p.id)
        parameters.append(
            {
                "id": p.id,
                "name": p.name.model_dump(),
                "unit": p.unit,
                "requirement": p.requirement.model_dump(mode="json"),
                "status": p.source.status,
                "value": r.value_text if r else None,
                "verdict": r.verdict if r else "not_tested",
            }
        )
    ok = all(d["verdict"] in (CONFORM, "not_applicable") for d in documents) and all(
        p["verdict"] == CONFORM for p in parameters
    )
    failing = [p["id"] for p in parameters if p["verdict"] != CONFORM]
    site_audit = _site_audit(s, app)
    if site_audit is not None and site_audit["state"] != "passed":
        ok = False
        failing.append("site_audit")
    return {
        "documents": documents,
        "parameters": parameters,
        "site_audit": site_audit,
        "conform": ok,
        "failing_parameters": failing,
    }


def _site_audit(s: Session, app: Application) -> dict[str, Any] | None:
    """The case's site audit as the evaluation sees it (None: the scheme has none)."""
    from snicert.services import site_audits

    if not site_audits.requires_audit(app):
        return None
    a = site_audits.case_audit(s, app.id)
    if a is None:
        return {"id": None, "state": "not_planned", "major": 0, "minor": 0, "observation": 0}
    found = site_audits.findings_of(s, a.id)
    return {
        "id": a.id,
        "state": a.state,
        **{g: sum(f.grade == g for f in found) for g in site_audits.GRADES},
    }


RECOMMENDATIONS = ("grant", "refuse")


def evaluate(s: Session, actor: User, app_id: int, recommendation: str, summary: str) -> Evaluation:
    """The evaluator's recommendation (grant or refuse) and the summary they write, on the
    findings as they stand; the report is rendered after it (stages.compile_evaluation)."""
    app = application(s, app_id, lock=True)
    lifecycle.check(app.state, "evaluate", actor)
    impartiality.require(s, actor, "evaluator", app)
    basis = findings(s, app)
    errors = []
    if recommendation not in RECOMMENDATIONS:
        errors.append(InvalidInput("recommendation", recommendation, "eval_choose"))
    elif recommendation == "grant" and not basis["conform"]:
        # named as the reader knows them (the parameters' names), not by their ids
        failing = [p["name"]["id"] for p in basis["parameters"] if p["verdict"] != CONFORM]
        errors.append(
            InvalidInput("recommendation", ", ".join(failing) or None, "eval_grant_not_met")
        )
    try:
        summary = text.clean("summary", summary, Evaluation.summary, multiline=True)
        if not summary:
            errors.append(InvalidInput("summary", "", "eval_summary_required"))
    except InvalidInput as exc:
        errors.append(exc)
    if errors:
        raise InvalidFields(errors) if len(errors) > 1 else errors[0]
    ev = Evaluation(
        application_id=app.id,
        evaluator_id=actor.id,
        recommendation=recommendation,
        summary=summary,
        findings=basis,
        at=clock.now(),
    )
    s.add(ev)
    s.flush()
    lifecycle.apply(s, app, "evaluate", actor, recommendation=recommendation)
    return ev


def evaluation_of(s: Session, app_id: int) -> Evaluation | None:
    return s.scalar(select(Evaluation).where(Evaluation.application_id == app_id))


def involved_in_review_or_evaluation(s: Session, app_id: int, user_id: int) -> bool:
    """Whether the user reviewed, audited or evaluated the case, and so may not decide it."""
    return not impartiality.separated(s, user_id, app_id)


def decide(s: Session, actor: User, app_id: int, outcome: str, reason: str) -> Decision:
    if outcome not in ("grant", "refuse"):
        raise InvalidInput("outcome", outcome, "dec_err_outcome")
    app = application(s, app_id, lock=True)
    lifecycle.check(app.state, outcome, actor)
    # conflicts, qualification, and no part in its review, audit or evaluation (§7.6.2)
    impartiality.require(s, actor, "decider", app)
    reason = text.clean("reason", reason, Decision.reason, multiline=True, required=True)
    evaluation = s.scalar(select(Evaluation).where(Evaluation.application_id == app.id))
    if outcome == "grant" and not evaluation.findings["conform"]:
        failing = evaluation.findings["failing_parameters"]
        if failing:
            raise Conflict("dec_err_failing", case=app.number, parameters=failing)
        raise Conflict("dec_err_documents", case=app.number)
    d = Decision(
        application_id=app.id, decided_by=actor.id, outcome=outcome, reason=reason, at=clock.now()
    )
    s.add(d)
    s.flush()
    lifecycle.apply(s, app, outcome, actor, reason=d.reason)
    return d


def refusal(s: Session, app: Application) -> dict[str, Any] | None:
    """Why a refused case was refused, as its applicant reads it: the decider's reason and
    the evaluation's failed parameters by name, with the value found and what is required
    (None while the case is not refused)."""
    if app.state != "refused":
        return None
    d = s.scalar(
        select(Decision).where(Decision.application_id == app.id, Decision.outcome == "refuse")
    )
    if d is None:
        return None
    ev = evaluation_of(s, app.id)
    failed = [
        {
            "name": p["name"],
            "value": p["value"],
            "unit": p["unit"],
            "requirement": p["requirement"],
            "verdict": p["verdict"],
        }
        for p in (ev.findings["parameters"] if ev else [])
        if p["verdict"] != CONFORM
    ]
    audit = (ev.findings.get("site_audit") if ev else None) or {}
    return {
        "reason": d.reason,
        "at": d.at.isoformat(),
        "failed_parameters": failed,
        "site_audit_failed": bool(audit) and audit.get("state") != "passed",
    }


def refusal_reason(s: Session, app_id: int) -> str | None:
    d = s.scalar(
        select(Decision).where(Decision.application_id == app_id, Decision.outcome == "refuse")
    )
    return d.reason if d else None
