"""The site-audit report (HTML and A4 PDF, Indonesian first): the plan, the team, every
checklist item with its findings, each finding's corrective action and the auditor's
verdict, and the conclusion. Rendered once, when the audit passes or fails, in that
transaction; the evaluation report and page link it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert import clock, outputs, settings, snapshots
from snicert.certs.layout import GREY, INK
from snicert.db.models import Output, SiteAudit, User
from snicert.messages import both, pair, text
from snicert.reports import HEAD_FILL, PAGE_W, RED, SHADE, _Cell, _Pages, lspro_line

# Catalog keys of the words the report prints for the codes it holds (Indonesian first);
# the evaluation report names grades and finding statuses with the same keys.
GRADE_TEXT = {g: f"doc_grade_{g}" for g in ("major", "minor", "observation")}
STATE_TEXT = {
    st: f"aud_rep_st_{st}"
    for st in ("passed", "failed", "reported", "on_site", "planned", "cancelled")
}
STATUS_TEXT = {st: f"doc_fs_{st}" for st in ("open", "answered", "closed", "noted")}
CA_VERDICT = {"accepted": "aud_rep_ca_accepted", "reopened": "aud_rep_ca_reopened"}
BASIS_TEXT = {"cppb_irt": "aud_rep_basis_cppb_irt", "iso_9001": "aud_rep_basis_iso_9001"}


def _when(moment) -> str:
    return settings.local_time(moment) if moment else "-"


def model(s: Session, a: SiteAudit) -> dict[str, Any]:
    from snicert.services import site_audits
    from snicert.services.guards import application

    app = application(s, a.application_id)
    names = dict(s.execute(select(User.id, User.name)).all())
    found = site_audits.findings_of(s, a.id)
    evidence = site_audits.evidence_of(s, [f.id for f in found])
    by_item: dict[str, list[dict[str, Any]]] = {}
    for f in found:
        by_item.setdefault(f.item_id, []).append(
            {
                "id": f.id,
                "grade": f.grade,
                "grade_text": pair(GRADE_TEXT[f.grade]),
                "status_text": pair(STATUS_TEXT[f.status]),
                "description": f.description,
                "by": names.get(f.recorded_by, "-"),
                "at": _when(f.recorded_at),
                "evidence": [
                    e.filename
                    for e in evidence
                    if e.corrective_action_id is None and e.finding_id == f.id
                ],
                # every corrective action in order: a reopened one stays on the record
                "actions": [
                    {
                        "cause": ca.cause,
                        "action": ca.action,
                        "deadline": settings.local_time(ca.deadline).split(" ")[0],
                        "by": names.get(ca.submitted_by, "-"),
                        "evidence": [
                            e.filename for e in evidence if e.corrective_action_id == ca.id
                        ],
                        "verdict": ca.verdict,
                        "verdict_note": ca.verdict_note,
                        "verdict_by": names.get(ca.verdict_by, "-") if ca.verdict_by else None,
                        "verdict_at": _when(ca.verdict_at),
                    }
                    for ca in site_audits.actions_of(s, f.id)
                ],
            }
        )
    checklist = snapshots.audit_checklist(a)
    items = [
        {
            **item.model_dump(),
            "findings": by_item.get(item.id, []),
            "provisional": item.source.status == "provisional",
        }
        for item in checklist.items
    ]
    counts = {g: sum(f.grade == g for f in found) for g in GRADE_TEXT}
    return {
        "audit": a,
        "app": app,
        "product": snapshots.product(app),
        "checklist": checklist,
        "basis": pair(BASIS_TEXT[checklist.basis])[0],
        "purpose": pair("aud_rep_surveillance" if a.surveillance_case_id else "aud_rep_initial"),
        "auditors": [u.name for u in site_audits.auditors_of(s, a.id)],
        "planned_by": names.get(a.planned_by, "-"),
        "planned_for": settings.local_time(a.planned_for).split(" ")[0],
        "visited_at": _when(a.visited_at),
        "reported_at": _when(a.reported_at),
        "closed_at": _when(a.closed_at),
        "state_text": pair(STATE_TEXT[a.state]),
        "audit_items": items,
        "counts": counts,
        "lspro": lspro_line(),
        "generated_at": _when(clock.now()),
    }


def render_html(m: dict[str, Any]) -> bytes:
    return outputs.templates().get_template("audit_report.html.j2").render(m=m).encode("utf-8")


def render_pdf(m: dict[str, Any]) -> bytes:
    a, app = m["audit"], m["app"]
    # the footer names the body only: its address and KAN number would run into the
    # page number (they head the first page)
    short = text("aud_rep_short", "id")
    doc = _Pages(f"{short} {a.id} - {app.number} - {settings.current().lspro_name}")
    pdf = doc.pdf
    doc.describe(
        f"{both('aud_rep_title')} {app.number}",
        f"{app.number}: {m['product'].name.id}, {app.brand}",
        m["lspro"],
    )
    doc.heading(*pair("aud_rep_title"), 14)
    doc.para(m["lspro"], 9, "B", after=1.5)
    info = [
        (both("aud_rep_conclusion"), " / ".join(m["state_text"])),
        (both("aud_rep_purpose"), " / ".join(m["purpose"])),
        (both("doc_application"), app.number),
        (both("doc_business"), f"{app.business.name} (NIB {app.business.nib})"),
        (both("doc_product"), f"{m['product'].name.id}, {text('doc_brand', 'id')} {app.brand}"),
        (both("aud_rep_site"), a.site),
        (both("aud_rep_planned_for"), m["planned_for"]),
        (both("aud_rep_visit"), m["visited_at"]),
        (text("aud_rep_auditor", "id"), ", ".join(m["auditors"])),
        (
            both("aud_rep_checklist"),
            f"{text('doc_version', 'id')} {m['checklist'].version}: {m['checklist'].title.id}",
        ),
        (both("aud_rep_basis"), m["basis"]),
        (
            both("aud_rep_findings"),
            ", ".join(f"{pair(GRADE_TEXT[g])[0]} {n}" for g, n in m["counts"].items()),
        ),
        (both("aud_rep_concluded"), m["closed_at"]),
        (both("doc_compiled"), m["generated_at"]),
    ]
    if a.summary:
        info.append((both("aud_rep_summary"), a.summary))
    doc.table(
        (50, PAGE_W - 50),
        None,
        [[_Cell(k, "B", INK, HEAD_FILL), _Cell(v)] for k, v in info],
        size=7.5,
        after=3,
    )
    doc.heading(*pair("aud_rep_items"))
    words = {k: text(f"aud_rep_ca_{k}", "id") for k in ("cause", "action", "deadline", "check")}
    rows = []
    for n, item in enumerate(m["audit_items"], 1):
        fill = SHADE if item["provisional"] else None
        item_text = f"{item['element']['id']}\n{item['text']['id']}"
        if item["provisional"]:
            item_text += f"\n[{both('doc_provisional').upper()}]"
        if not item["findings"]:
            rows.append(
                [
                    _Cell(str(n), fill=fill),
                    _Cell(item_text, fill=fill),
                    _Cell(both("rep_v_conform"), fill=fill),
                    _Cell("-", fill=fill),
                ]
            )
        for f in item["findings"]:
            grade = f"{f['grade_text'][0]} / {f['grade_text'][1]}\n{f['status_text'][0]}"
            finding = f"{f['description']}\n({f['by']}, {f['at']})"
            if f["evidence"]:
                finding += f"\n{both('aud_rep_evidence')}: " + ", ".join(f["evidence"])
            acts = []
            for x in f["actions"]:
                act = (
                    f"{words['cause']}: {x['cause']}\n{words['action']}: {x['action']}\n"
                    f"{words['deadline']}: {x['deadline']}"
                )
                if x["verdict"]:
                    verdict = text(CA_VERDICT[x["verdict"]], "id")
                    act += f"\n{words['check']}: {verdict} ({x['verdict_by']}, {x['verdict_at']})"
                    if x["verdict_note"]:
                        act += f": {x['verdict_note']}"
                acts.append(act)
            act = "\n\n".join(acts) or "-"
            color = RED if f["grade"] == "major" else INK
            rows.append(
                [
                    _Cell(str(n), fill=fill),
                    _Cell(item_text, fill=fill),
                    _Cell(grade, "B", color),
                    _Cell(f"{finding}\n\n{act}"),
                ]
            )
    doc.table(
        (8, 62, 26, PAGE_W - 96),
        [
            text("doc_no", "id"),
            both("aud_rep_item"),
            both("aud_rep_grade"),
            both("aud_rep_finding_action"),
        ],
        rows,
    )
    doc.para(both("aud_rep_provisional_note", " "), 7.5, "I", GREY)
    return bytes(pdf.output())


def render(s: Session, a: SiteAudit) -> tuple[Output, Output]:
    """Render (once) the audit's report, HTML and PDF."""
    owner = f"site_audit:{a.id}"
    html_out = outputs.find(s, owner, "audit_report_html")
    pdf_out = outputs.find(s, owner, "audit_report_pdf")
    if html_out is not None and pdf_out is not None:
        return html_out, pdf_out
    m = model(s, a)
    number = m["app"].number
    base = f"outputs/{number}/site-audit-{a.id}-report"
    html_out = html_out or outputs.write(
        s, owner, "audit_report_html", f"{base}.html", render_html(m), "text/html"
    )
    pdf_out = pdf_out or outputs.write(
        s, owner, "audit_report_pdf", f"{base}.pdf", render_pdf(m), "application/pdf"
    )
    return html_out, pdf_out
