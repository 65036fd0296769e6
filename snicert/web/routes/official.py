"""Pages and API routes for official work: the document review checklist, the evaluation,
the certification decision, certificate actions and the dashboard of every application.

Access (official role, CSRF on every POST) comes from snicert.web.access, the HTML answers
to refusals from snicert.web.routes.staff.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert import lifecycle, outputs, queries, settings, stages
from snicert.db import engine as db
from snicert.db.models import (
    Application,
    Business,
    Certificate,
    Decision,
    Document,
    Evaluation,
    Nonconformity,
    ReviewVerdict,
    User,
)
from snicert.errors import InvalidInput, NotFound
from snicert.judgment import requirement_text
from snicert.lifecycle import CERTIFICATE_TRANSITIONS, State
from snicert.services import (
    applications,
    certificates,
    dates,
    decisions,
    fees,
    impartiality,
    papers,
    site_audits,
)
from snicert.services.guards import get, submitted_case
from snicert.services.surveillance import NOTE_LIMIT
from snicert.services.text import limit_of
from snicert.web.access import Caller, Official
from snicert.web.api import Id
from snicert.web.forms import Fields, PageForm
from snicert.web.headers import REPORT_POLICY
from snicert.web.i18n import lang_of, reasons, refusal, translator
from snicert.web.pages import page
from snicert.web.routes.lists import link_of, product_names
from snicert.web.routes.staff import StaffRoute, app_summary, see_other

router = APIRouter(route_class=StaffRoute)


def _name(names: dict[str, str] | str, lang: str) -> str:
    return names if isinstance(names, str) else names.get(lang) or names.get("id", "")


def _people(s: Session, ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {u.id: u.name for u in s.scalars(select(User).where(User.id.in_(ids)))}


def _errors(request: Request, exc: InvalidInput, prefix: str = "") -> dict[str, str]:
    return {f"{prefix}{exc.field}": refusal(exc, lang_of(request))}


# --- dashboard --------------------------------------------------------------------------


AWAITED_SHOWN = 20  # the dashboard shows the first; the list of applications has them all


def dashboard(s: Session, lang: str = "id") -> dict[str, Any]:
    """Counts of applications by product and state (with how many are overdue), the first
    of what is awaited (overdue first) and the latest certificates; all counted and cut in
    SQL (snicert.queries), nothing loaded whole."""
    names = product_names(lang)
    counts, late = queries.counts(s)
    for product in counts:
        names.setdefault(product, product)
    awaited, awaited_total = queries.awaited(s, AWAITED_SHOWN)
    for row in awaited:
        row["link"] = link_of(row)
        row["product_name"] = names.get(row["product"], row["product"])
    certs = s.execute(
        select(
            Certificate.id,
            Certificate.number,
            Certificate.product,
            Certificate.status,
            Certificate.valid_until,
            Business.name.label("business"),
        )
        .join(Business, Business.id == Certificate.business_id)
        .order_by(Certificate.id.desc())
        .limit(200)
    ).all()
    findings = site_audits.overdue_findings(s)
    numbers = dict(
        s.execute(
            select(Application.id, Application.number).where(
                Application.id.in_({a.application_id for _, a in findings})
            )
        ).all()
    )
    return {
        "products": names,
        "states": [x.value for x in State],
        "counts": counts,
        "late": late,
        "awaited": awaited,
        "awaited_total": awaited_total,
        # automated steps due longer than resume allows for (it failed to move them too)
        "system_late": queries.system_late(s),
        "certificates": [dict(c._mapping) for c in certs],
        "totals": {st: sum(c.get(st, 0) for c in counts.values()) for st in State},
        # site-audit findings past their correction date (a major one holds the case)
        "overdue_findings": [
            {
                "finding": f,
                "audit": a,
                "number": numbers.get(a.application_id, ""),
                "due": dates.local_day(f.due_at).isoformat(),
            }
            for f, a in findings
        ],
    }


@router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
def dashboard_page(request: Request, c: Official) -> HTMLResponse:
    with db.reading() as s:
        return page(
            request, "official_dashboard.html.j2", who=c.who, board=dashboard(s, lang_of(request))
        )


@router.get("/api/v1/dashboard", tags=["official"])
def dashboard_api(c: Official) -> dict[str, Any]:
    """Applications by product and state (with how many are overdue), the first 20 of what
    is awaited from whom and by when (all of them: /api/v1/official/applications?open=1),
    how many wait on the system longer than 5 minutes, and the latest 200 certificates."""
    with db.reading() as s:
        board = dashboard(s)
        return {
            "counts": {
                p: {st: {"total": n, "overdue": board["late"][p][st]} for st, n in states.items()}
                for p, states in board["counts"].items()
            },
            "awaiting": [
                {
                    k: x[k]
                    for k in (
                        "id",
                        "number",
                        "product",
                        "state",
                        "awaiting_role",
                        "awaiting_action",
                        "due_at",
                        "overdue",
                        "business",
                    )
                }
                | {"overdue": bool(x["late"])}
                for x in board["awaited"]
            ],
            "awaiting_total": board["awaited_total"],
            # their list: /api/v1/official/applications?system=1
            "waiting_on_system_late": board["system_late"],
            "certificates": [
                {k: x[k] for k in ("id", "number", "product", "status", "business", "valid_until")}
                for x in board["certificates"]
            ],
        }


# --- document review --------------------------------------------------------------------


def review_data(s: Session, app: Application, lang: str = "id") -> dict[str, Any]:
    """Every document item of the snapshot with the uploaded documents it is about, the
    verdicts of earlier rounds and the non-conformities with their answers."""
    kinds = {d["id"]: _name(d["name"], lang) for d in app.product_snapshot["documents"]}
    kinds[fees.PROOF_KIND] = translator(lang)("fee_proof")  # stored beside the dossier
    docs = s.scalars(
        select(Document).where(Document.application_id == app.id).order_by(Document.id.desc())
    ).all()
    by_kind: dict[str, list[Document]] = defaultdict(list)
    for d in docs:
        by_kind[d.kind].append(d)
    items = [
        {
            "id": i["id"],
            "text": _name(i["text"], lang),
            "document": i.get("document"),
            "document_name": kinds.get(i.get("document"), i.get("document")),
            "provisional": i["source"]["status"] == "provisional",
            "documents": by_kind.get(i.get("document"), []),
        }
        for i in app.checklist_snapshot["document_items"]
    ]
    verdicts = s.scalars(
        select(ReviewVerdict)
        .where(ReviewVerdict.application_id == app.id)
        .order_by(ReviewVerdict.round, ReviewVerdict.id)
    ).all()
    rounds: dict[int, list[ReviewVerdict]] = defaultdict(list)
    for v in verdicts:
        rounds[v.round].append(v)
    ncs = s.scalars(
        select(Nonconformity)
        .where(Nonconformity.application_id == app.id)
        .order_by(Nonconformity.id)
    ).all()
    return {
        "items": items,
        "documents": docs,
        "files": {d.id: d.filename for d in docs},  # an answer's file, by its name
        "texts": {i["id"]: i["text"] for i in items},  # a finding's item, as people read it
        "kinds": kinds,
        "rounds": dict(rounds),
        "nonconformities": ncs,
        "people": _people(s, {v.reviewer_id for v in verdicts}),
        "can_review": "review_pass" in lifecycle.allowed_actions(app.state),
    }


def _doc_json(d: Document) -> dict[str, Any]:
    return {
        "id": d.id,
        "kind": d.kind,
        "filename": d.filename,
        "media_type": d.media_type,
        "size": d.size,
        "sha256": d.sha256,
        "uploaded_at": d.uploaded_at,
        "url": f"/documents/{d.id}",
    }


def _review_page(
    request: Request,
    c: Caller,
    app_id: int,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    lang = lang_of(request)
    with db.reading() as s:
        app = submitted_case(s, app_id)
        return page(
            request,
            "official_review.html.j2",
            status_code=status_code,
            who=c.who,
            app=app,
            processing=stages.due(s, app),
            product=_name(app.product_snapshot["name"], lang),
            data=review_data(s, app, lang),
            errors=errors or {},
            form=form or {},
        )


def _review_errors(request: Request, exc: InvalidInput) -> dict[str, str]:
    """verdicts -> every named item's radio group; verdicts.<item>[.comment] -> that field."""
    if exc.field == "verdicts" and isinstance(exc.value, list):
        return {f"{item}.verdict": refusal(exc, lang_of(request)) for item in exc.value}
    parts = exc.field.split(".")
    if parts[0] == "verdicts" and len(parts) >= 2:
        return {
            f"{parts[1]}.{parts[2] if len(parts) > 2 else 'verdict'}": refusal(
                exc, lang_of(request)
            )
        }
    return {exc.field: refusal(exc, lang_of(request))}


@router.get("/review/{app_id}", response_class=HTMLResponse, include_in_schema=False)
def review_page(request: Request, app_id: Id, c: Official) -> HTMLResponse:
    return _review_page(request, c, app_id)


@router.post("/review/{app_id}", include_in_schema=False)
def review_post(request: Request, app_id: Id, c: Official, form: Fields) -> Response:
    """A verdict (`verdict.<item>`) and a comment (`comment.<item>`) per checklist item."""
    sent = form.fields
    verdicts = {
        key.removeprefix("verdict."): (
            value,
            sent.get("comment." + key.removeprefix("verdict."), "").strip() or None,
        )
        for key, value in sent.items()
        if key.startswith("verdict.")
    }
    if exc := c.attempt(lambda s, user: applications.record_review(s, user, app_id, verdicts)):
        errors = _review_errors(request, exc)
        return _review_page(request, c, app_id, 422, errors=errors, form=sent)
    return see_other(f"/review/{app_id}")


class VerdictIn(BaseModel):
    verdict: Literal["conform", "nonconform", "not_applicable"]
    comment: str | None = Field(None, max_length=limit_of(ReviewVerdict.comment))


class ReviewIn(BaseModel):
    verdicts: dict[str, VerdictIn]


@router.get("/api/v1/applications/{app_id}/review", tags=["official"])
def review_get_api(app_id: Id, c: Official) -> dict[str, Any]:
    """The document items to review, the uploaded documents and earlier non-conformities."""
    with db.reading() as s:
        app = submitted_case(s, app_id)
        data = review_data(s, app)
        return {
            **app_summary(app),
            "review_round": app.review_round,
            "can_review": data["can_review"],
            "items": [
                {
                    "id": i["id"],
                    "text": i["text"],
                    "document": i["document"],
                    "provisional": i["provisional"],
                    "documents": [_doc_json(d) for d in i["documents"]],
                }
                for i in data["items"]
            ],
            "documents": [_doc_json(d) for d in data["documents"]],
            "nonconformities": [
                {
                    "id": n.id,
                    "round": n.round,
                    "source": n.source,
                    "item_id": n.item_id,
                    "description": n.description,
                    "status": n.status,
                    "responses": [
                        {"text": r.text, "document_id": r.document_id, "at": r.at}
                        for r in n.responses
                    ],
                }
                for n in data["nonconformities"]
            ],
        }


@router.post("/api/v1/applications/{app_id}/review", tags=["official"])
def review_api(app_id: Id, body: ReviewIn, c: Official) -> dict[str, Any]:
    """Record a verdict on every document item; any non-conformity goes to the applicant."""
    with db.transaction() as s:
        app = applications.record_review(
            s, c.user(s), app_id, {k: (v.verdict, v.comment) for k, v in body.verdicts.items()}
        )
        return app_summary(app)


# --- evaluation -------------------------------------------------------------------------


def _basis(s: Session, app: Application, lang: str) -> dict[str, Any]:
    basis = decisions.findings(s, app)
    return {
        **basis,
        "documents": [{**d, "text": _name(d["text"], lang)} for d in basis["documents"]],
        "parameters": [
            {
                **p,
                "name": _name(p["name"], lang),
                "requirement_text": requirement_text(p["requirement"]),
            }
            for p in basis["parameters"]
        ],
    }


def _evaluation_errors(exc: InvalidInput, lang: str) -> dict[str, str]:
    """Every refused field at its place, in the reader's language."""
    return {e.field: refusal(e, lang) for e in getattr(exc, "errors", [exc])}


def _evaluation_page(
    request: Request,
    c: Caller,
    app_id: int,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    lang = lang_of(request)
    with db.reading() as s:
        app = submitted_case(s, app_id)
        evaluation = decisions.evaluation_of(s, app.id)
        return page(
            request,
            "official_evaluation.html.j2",
            status_code=status_code,
            who=c.who,
            app=app,
            product=_name(app.product_snapshot["name"], lang),
            basis=_basis(s, app, lang),
            report=papers.evaluation_report(s, app),
            test_report=papers.test_report(s, app) is not None,
            evaluation=evaluation,
            people=_people(s, {evaluation.evaluator_id if evaluation else None}),
            can_evaluate="evaluate" in lifecycle.allowed_actions(app.state),
            errors=errors or {},
            form=form or {},
        )


@router.get("/evaluation/{app_id}", response_class=HTMLResponse, include_in_schema=False)
def evaluation_page(request: Request, app_id: Id, c: Official) -> HTMLResponse:
    return _evaluation_page(request, c, app_id)


@router.get("/evaluation/{app_id}/report.pdf", include_in_schema=False)
def evaluation_report(app_id: Id, c: Official) -> FileResponse:
    with db.reading() as s:
        out = papers.evaluation_report(s, submitted_case(s, app_id))
        if out is None:
            raise NotFound("nf_no_evaluation_report", case=app_id)
        return FileResponse(
            outputs.absolute(out),
            media_type=out.media_type,
            headers={"Content-Security-Policy": REPORT_POLICY},
        )


class EvaluationForm(PageForm):
    recommendation: str = ""
    summary: str = ""


@router.post("/evaluation/{app_id}", include_in_schema=False)
def evaluation_post(
    request: Request, app_id: Id, c: Official, form: Annotated[EvaluationForm, Form()]
) -> Response:
    if exc := c.attempt(
        lambda s, user: decisions.evaluate(s, user, app_id, form.recommendation, form.summary)
    ):
        errors = _evaluation_errors(exc, lang_of(request))
        return _evaluation_page(request, c, app_id, 422, errors=errors, form=form.typed())
    return see_other(f"/evaluation/{app_id}")


class EvaluationIn(BaseModel):
    recommendation: Literal["grant", "refuse"]
    summary: str = Field(min_length=1, max_length=limit_of(Evaluation.summary))


def _evaluation_json(ev: Evaluation) -> dict[str, Any]:
    return {
        "id": ev.id,
        "recommendation": ev.recommendation,
        "summary": ev.summary,
        "evaluator_id": ev.evaluator_id,
        "at": ev.at,
        "findings": ev.findings,
    }


@router.get("/api/v1/applications/{app_id}/evaluation", tags=["official"])
def evaluation_get_api(app_id: Id, c: Official) -> dict[str, Any]:
    """The evaluation basis (every document item and parameter with its verdict), the
    recorded evaluation if any and whether its report is rendered."""
    with db.reading() as s:
        app = submitted_case(s, app_id)
        ev = decisions.evaluation_of(s, app.id)
        report = papers.evaluation_report(s, app)
        return {
            **app_summary(app),
            "findings": decisions.findings(s, app),
            "evaluation": _evaluation_json(ev) if ev else None,
            "report": f"/evaluation/{app.id}/report.pdf" if report else None,
        }


@router.post("/api/v1/applications/{app_id}/evaluation", tags=["official"])
def evaluation_api(app_id: Id, body: EvaluationIn, c: Official) -> dict[str, Any]:
    """Record the evaluator's recommendation (grant only when the findings allow it) and
    summary; the evaluation report is rendered after it."""
    with db.transaction() as s:
        ev = decisions.evaluate(s, c.user(s), app_id, body.recommendation, body.summary)
        return {**_evaluation_json(ev), "application": app_summary(submitted_case(s, app_id))}


# --- decision ---------------------------------------------------------------------------


def _decision_page(
    request: Request,
    c: Caller,
    app_id: int,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    lang = lang_of(request)
    with db.reading() as s:
        app = submitted_case(s, app_id)
        evaluation = decisions.evaluation_of(s, app.id)
        decision = s.scalar(select(Decision).where(Decision.application_id == app.id))
        cert = s.scalar(select(Certificate).where(Certificate.application_id == app.id))
        return page(
            request,
            "official_decision.html.j2",
            status_code=status_code,
            who=c.who,
            app=app,
            processing=stages.due(s, app),
            product=_name(app.product_snapshot["name"], lang),
            evaluation=evaluation,
            report=papers.evaluation_report(s, app),
            decision=decision,
            cert=cert,
            people=_people(
                s,
                {
                    evaluation.evaluator_id if evaluation else None,
                    decision.decided_by if decision else None,
                },
            ),
            can_decide=bool({"grant", "refuse"} & set(lifecycle.allowed_actions(app.state))),
            # why this official may not decide (conflict, qualification, earlier part)
            excluded=reasons(
                [
                    (f"imp_{r.key}", r.params)
                    for r in impartiality.may_act(s, c.user(s), "decider", app)
                ],
                lang,
            ),
            errors=errors or {},
            form=form or {},
        )


@router.get("/decision/{app_id}", response_class=HTMLResponse, include_in_schema=False)
def decision_page(request: Request, app_id: Id, c: Official) -> HTMLResponse:
    return _decision_page(request, c, app_id)


class DecisionForm(PageForm):
    outcome: str = ""
    reason: str = ""


@router.post("/decision/{app_id}", include_in_schema=False)
def decision_post(
    request: Request, app_id: Id, c: Official, form: Annotated[DecisionForm, Form()]
) -> Response:
    if exc := c.attempt(
        lambda s, user: decisions.decide(s, user, app_id, form.outcome, form.reason)
    ):
        errors = _errors(request, exc)
        return _decision_page(request, c, app_id, 422, errors=errors, form=form.typed())
    return see_other(f"/decision/{app_id}")


class DecisionIn(BaseModel):
    outcome: Literal["grant", "refuse"]
    reason: str = Field(max_length=limit_of(Decision.reason))


@router.post("/api/v1/applications/{app_id}/decision", tags=["official"])
def decision_api(app_id: Id, body: DecisionIn, c: Official) -> dict[str, Any]:
    """Grant or refuse, by an official who neither reviewed the documents nor evaluated."""
    with db.transaction() as s:
        d = decisions.decide(s, c.user(s), app_id, body.outcome, body.reason)
        return {
            "id": d.id,
            "outcome": d.outcome,
            "reason": d.reason,
            "decided_by": d.decided_by,
            "at": d.at,
            "application": app_summary(submitted_case(s, app_id)),
        }


# --- certificates -----------------------------------------------------------------------


def _cert_json(cert: Certificate) -> dict[str, Any]:
    return {
        "id": cert.id,
        "number": cert.number,
        "product": cert.product,
        "status": cert.status,
        "status_reason": cert.status_reason,
        "issued_at": cert.issued_at,
        "valid_until": cert.valid_until,
        "application_id": cert.application_id,
    }


def _certificate_page(
    request: Request,
    c: Caller,
    cert_id: int,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    with db.reading() as s:
        cert = get(s, Certificate, cert_id, "certificate")
        app = submitted_case(s, cert.application_id)
        actions = [
            a
            for a in lifecycle.allowed_actions(cert.status, CERTIFICATE_TRANSITIONS)
            if a in certificates.OFFICIAL_ACTIONS
        ]
        return page(
            request,
            "official_certificate.html.j2",
            status_code=status_code,
            who=c.who,
            cert=cert,
            app=app,
            business=app.business,
            actions=actions,
            errors=errors or {},
            form=form or {},
        )


@router.get("/certificates/{cert_id}", response_class=HTMLResponse, include_in_schema=False)
def certificate_page(request: Request, cert_id: Id, c: Official) -> HTMLResponse:
    return _certificate_page(request, c, cert_id)


def _fix_by(text: str) -> datetime | None:
    """A fix-by date (YYYY-MM-DD) as the end of that day in Kota Kupang."""
    if not text.strip():
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("fix_by", text, "imp_err_date") from None
    return datetime.combine(day, time(23, 59), tzinfo=settings.current().zone)


class CertificateForm(PageForm):
    reason: str = ""
    fix_by: str = ""  # YYYY-MM-DD, suspending only


@router.post("/certificates/{cert_id}/{action}", include_in_schema=False)
def certificate_post(
    request: Request,
    cert_id: Id,
    action: Literal["suspend", "reinstate", "withdraw"],
    c: Official,
    form: Annotated[CertificateForm, Form()],
) -> Response:
    def change(s: Session, user: User) -> None:
        fix_by = _fix_by(form.fix_by) if action == "suspend" else None
        certificates.change(s, user, cert_id, action, form.reason, fix_by)

    if exc := c.attempt(change):
        typed = {f"{action}.{k}": v for k, v in form.typed().items()}
        errors = _errors(request, exc, prefix=f"{action}.")
        return _certificate_page(request, c, cert_id, 422, errors=errors, form=typed)
    return see_other(f"/certificates/{cert_id}")


class ReasonIn(BaseModel):
    reason: str = Field(max_length=limit_of(Certificate.status_reason))


class SuspendIn(ReasonIn):
    fix_by: AwareDatetime | None = None


@router.post("/api/v1/certificates/{cert_id}/suspend", tags=["official"])
def suspend_api(cert_id: Id, body: SuspendIn, c: Official) -> dict[str, Any]:
    """Suspend an active certificate (reason; optional date by which to fix it)."""
    with db.transaction() as s:
        return _cert_json(certificates.suspend(s, c.user(s), cert_id, body.reason, body.fix_by))


@router.post("/api/v1/certificates/{cert_id}/reinstate", tags=["official"])
def reinstate_api(cert_id: Id, body: ReasonIn, c: Official) -> dict[str, Any]:
    """Reinstate a suspended certificate."""
    with db.transaction() as s:
        return _cert_json(certificates.reinstate(s, c.user(s), cert_id, body.reason))


@router.post("/api/v1/certificates/{cert_id}/withdraw", tags=["official"])
def withdraw_api(cert_id: Id, body: ReasonIn, c: Official) -> dict[str, Any]:
    """Withdraw an active or suspended certificate (final)."""
    with db.transaction() as s:
        return _cert_json(certificates.withdraw(s, c.user(s), cert_id, body.reason))


class SurveillanceIn(BaseModel):
    passed: bool
    note: str = Field(max_length=NOTE_LIMIT)


@router.get("/api/v1/surveillance", tags=["official"])
def surveillance_list_api(c: Official) -> list[dict[str, Any]]:
    """Surveillance cases not yet passed or failed (opened by the daily sweep), soonest
    due first, with their status (lifecycle.SurveillanceState)."""
    from snicert.lifecycle import SURVEILLANCE_OPEN
    from snicert.services import surveillance

    with db.reading() as s:
        cases = surveillance.cases(s, [x.value for x in SURVEILLANCE_OPEN])
        return [
            {
                "id": x.id,
                "certificate_id": x.certificate_id,
                "cycle": x.cycle,
                "due_at": x.due_at.isoformat(),
                "status": x.status,
            }
            for x in cases
        ]


@router.post("/api/v1/surveillance/{case_id}", tags=["official"])
def surveillance_result_api(case_id: Id, body: SurveillanceIn, c: Official) -> dict[str, Any]:
    """Record a surveillance failure found by hand (it suspends the certificate); a pass
    comes only through the case's testing, site audit and evaluation (409 here)."""
    from snicert.services import monitoring

    with db.transaction() as s:
        case = monitoring.record_surveillance(s, c.user(s), case_id, body.passed, body.note)
        return {"id": case.id, "status": case.status, "certificate_id": case.certificate_id}
