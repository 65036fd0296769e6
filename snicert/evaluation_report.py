"""The evaluation report (HTML and A4 PDF), rendered after the evaluator's recommendation:
who evaluated, what they recommend and why, every non-conformity round (earlier rounds
too), the document review, the lab results and the site audit if the scheme has one."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert import clock, outputs, snapshots
from snicert.audit_report import GRADE_TEXT, STATUS_TEXT
from snicert.certs.layout import GREY, INK
from snicert.db.models import Application, Document, Evaluation, Nonconformity, Output, User
from snicert.errors import NotFound
from snicert.judgment import requirement_text
from snicert.messages import both, pair, text
from snicert.reports import HEAD_FILL, PAGE_W, RED, SHADE, _Cell, _Pages, _when, lspro_line
from snicert.services import site_audits
from snicert.services.decisions import evaluation_of

# Catalog keys of the words the report prints for the codes it holds (Indonesian first);
# grades and finding statuses are the site-audit report's (snicert/audit_report.py).
RECOMMENDATION = {"grant": "ev_rep_rec_grant", "refuse": "ev_rep_rec_refuse"}
VERDICT = {
    v: f"ev_rep_v_{v}"
    for v in ("conform", "nonconform", "not_applicable", "not_tested", "not_reviewed")
}
SOURCE = {"screening": "ev_rep_src_screening", "review": "ev_rep_src_review"}
NC_STATUS = {st: STATUS_TEXT[st] for st in ("open", "answered")}
AUDIT_STATE = {
    st: f"ev_rep_au_{st}"
    for st in ("not_planned", "planned", "visited", "reported", "passed", "failed")
}


def id_(key: str) -> str:
    """The Indonesian word alone (a label both languages write alike)."""
    return text(key, "id")


def _once(key: str) -> str:
    """Both languages, or the word once when they write it alike ("minor")."""
    words_id, words_en = pair(key)
    return words_id if words_id == words_en else f"{words_id} / {words_en}"


def _both(key: str | None, code: str) -> str:
    return both(key) if key else code


def _names(s: Session, ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {u.id: u.name for u in s.scalars(select(User).where(User.id.in_(ids)))}


def _rounds(s: Session, app: Application) -> tuple[list[dict[str, Any]], set[int]]:
    """Every non-conformity round, oldest first, each finding with its answers."""
    ncs = list(
        s.scalars(
            select(Nonconformity)
            .where(Nonconformity.application_id == app.id)
            .order_by(Nonconformity.round, Nonconformity.id)
        )
    )
    labels = {d.id: d.name.id for d in snapshots.product(app).documents}
    labels |= {i.id: i.text.id for i in snapshots.checklist(app).document_items}
    labels["nib"] = "NIB"
    doc_ids = {r.document_id for nc in ncs for r in nc.responses if r.document_id}
    files = (
        {d.id: d.filename for d in s.scalars(select(Document).where(Document.id.in_(doc_ids)))}
        if doc_ids
        else {}
    )
    people = {nc.raised_by for nc in ncs} | {r.answered_by for nc in ncs for r in nc.responses}
    rounds = [
        {
            "round": number,
            "items": [
                {
                    "source": _both(SOURCE.get(nc.source), nc.source),
                    "item": labels.get(nc.item_id, nc.item_id),
                    "description": nc.description,
                    "raised_at": _when(nc.raised_at),
                    "raised_by": nc.raised_by,
                    "status": _both(NC_STATUS.get(nc.status), nc.status),
                    "answers": [
                        {
                            "text": r.text,
                            "at": _when(r.at),
                            "by": r.answered_by,
                            "file": files.get(r.document_id) if r.document_id else None,
                        }
                        for r in sorted(nc.responses, key=lambda r: r.at)
                    ],
                }
                for nc in group
            ],
        }
        for number, group in groupby(ncs, key=lambda nc: nc.round)
    ]
    return rounds, people


def _site_audit(s: Session, basis: dict[str, Any]) -> dict[str, Any] | None:
    sa = basis.get("site_audit")
    if sa is None:
        return None
    found = site_audits.findings_of(s, sa["id"]) if sa["id"] else []
    return {
        **sa,
        "state_text": _both(AUDIT_STATE.get(sa["state"]), sa["state"]),
        "findings": [
            {
                "grade": _both(GRADE_TEXT.get(f.grade), f.grade),
                "item": f.item_id,
                "description": f.description,
                "status": f.status,
            }
            for f in found
        ],
    }


def model(s: Session, app: Application, ev: Evaluation) -> dict[str, Any]:
    """Everything the report shows (HTML and PDF alike), from the recorded evaluation: its
    findings are the evidence the evaluator judged, not what came after."""
    basis = ev.findings
    rounds, people = _rounds(s, app)
    names = _names(s, people | {ev.evaluator_id})
    for r in rounds:
        for item in r["items"]:
            item["raised_by"] = names.get(item["raised_by"], "")
            for a in item["answers"]:
                a["by"] = names.get(a["by"], "")
    return {
        "app": app,
        "product": snapshots.product(app),
        "checklist": snapshots.checklist(app),
        "evaluation": {
            "recommendation": ev.recommendation,
            "recommendation_text": pair(RECOMMENDATION[ev.recommendation]),
            "summary": ev.summary,
            "evaluator": names.get(ev.evaluator_id, ""),
            "at": _when(ev.at),
        },
        "documents": [
            {**d, "verdict_text": _both(VERDICT.get(d["verdict"]), d["verdict"])}
            for d in basis["documents"]
        ],
        "parameters": [
            {
                **p,
                "requirement_text": requirement_text(p["requirement"]),
                "verdict_text": _both(VERDICT.get(p["verdict"]), p["verdict"]),
            }
            for p in basis["parameters"]
        ],
        "conform": basis["conform"],
        "failing": _failing(basis),
        "rounds": rounds,
        "site_audit": _site_audit(s, basis),
        "generated_at": _when(clock.now()),
        "lspro": lspro_line(),
    }


def _failing(basis: dict[str, Any]) -> list[str]:
    """What is not met, named as people know it (the findings hold ids)."""
    names = [
        f"{p['name']['id']} / {p['name']['en']}"
        for p in basis["parameters"]
        if p["verdict"] != "conform"
    ]
    if (sa := basis.get("site_audit")) and sa["state"] != "passed":
        names.append("Audit sarana produksi / Site audit")
    return names


def render_html(m: dict[str, Any]) -> bytes:
    return outputs.templates().get_template("evaluation_report.html.j2").render(m=m).encode()


def render_pdf(m: dict[str, Any]) -> bytes:
    app, ev = m["app"], m["evaluation"]
    doc = _Pages(f"{app.number} - {both('ev_rep_title')}")
    doc.describe(
        f"{both('ev_rep_title')} {app.number}",
        f"{app.number}: {m['product'].name.id}, {app.brand}",
        m["lspro"],
    )
    doc.heading(*pair("ev_rep_title"), 14)
    doc.para(m["lspro"], 9, "B", after=1.5)
    info = [
        (both("doc_application"), app.number),
        (both("doc_business"), f"{app.business.name} (NIB {app.business.nib})"),
        (
            both("doc_product"),
            f"{m['product'].name.id} / {m['product'].name.en}, {id_('doc_brand')} {app.brand}",
        ),
        (
            both("doc_standard"),
            "; ".join(f"{st.number} {st.title}" for st in m["product"].standards),
        ),
        (both("ev_rep_scheme"), f"{id_('ev_rep_type')} {m['product'].scheme.type}"),
        (both("aud_rep_checklist"), f"{id_('doc_version')} {m['checklist'].version}"),
        (id_("ev_rep_evaluator"), f"{ev['evaluator']}, {ev['at']}"),
        (both("doc_compiled"), m["generated_at"]),
    ]
    doc.table((50, PAGE_W - 50), None, [[_Cell(k, "B", INK, HEAD_FILL), _Cell(v)] for k, v in info])

    doc.heading(*pair("ev_rep_recommendation"))
    grant = ev["recommendation"] == "grant"
    doc.para(" / ".join(ev["recommendation_text"]), 10, "B", INK if grant else RED, after=1)
    doc.para(ev["summary"], 8.5, after=1)
    if m["failing"]:
        doc.para(f"{both('ev_rep_not_met')}: " + ", ".join(m["failing"]), 8, "B", RED)
    doc.y += 2

    doc.heading(*pair("ev_rep_rounds"))
    if not m["rounds"]:
        doc.para(both("ev_rep_no_ncs"), after=3)
    for r in m["rounds"]:
        doc.para(f"{both('ev_rep_round')} {r['round']}", 8.5, "B", after=0.5)
        rows = []
        for item in r["items"]:
            answers = "\n".join(
                f"{a['at']} {a['by']}: {a['text']}" + (f" [{a['file']}]" if a["file"] else "")
                for a in item["answers"]
            )
            rows.append(
                [
                    _Cell(f"{item['item']}\n({item['source']})"),
                    _Cell(f"{item['description']}\n{item['raised_at']} {item['raised_by']}"),
                    _Cell(answers or "-"),
                    _Cell(item["status"]),
                ]
            )
        doc.table(
            (40, 52, 72, 22),
            [
                both("aud_rep_item"),
                both("ev_rep_finding"),
                both("ev_rep_answers"),
                id_("doc_status"),
            ],
            rows,
            after=2.5,
        )

    doc.heading(*pair("ev_rep_documents"))
    doc.table(
        (86, 30, 70),
        [both("aud_rep_item"), both("ev_rep_verdict"), both("doc_note")],
        [
            [
                _Cell(f"{d['text']['id']}\n{d['text']['en']}", fill=_shade(d)),
                _verdict(d, d["verdict"] in ("conform", "not_applicable")),
                _Cell(d["comment"] or "", fill=_shade(d)),
            ]
            for d in m["documents"]
        ],
        after=3,
    )

    doc.heading(*pair("ev_rep_lab"))
    doc.table(
        (62, 40, 30, 20, 34),
        [
            id_("doc_parameter"),
            both("doc_requirement"),
            both("doc_result"),
            both("doc_unit"),
            both("doc_conclusion"),
        ],
        [
            [
                _Cell(f"{p['name']['id']}\n{p['name']['en']}", fill=_shade(p)),
                _Cell(p["requirement_text"], fill=_shade(p)),
                _Cell(p["value"] if p["value"] is not None else "-", fill=_shade(p)),
                _Cell(p["unit"], fill=_shade(p)),
                _verdict(p, p["verdict"] == "conform"),
            ]
            for p in m["parameters"]
        ],
        after=3,
    )

    if sa := m["site_audit"]:
        doc.heading(*pair("ev_rep_site_audit"))
        counts = ", ".join(f"{_once(GRADE_TEXT[g])} {sa[g]}" for g in GRADE_TEXT)
        doc.para(
            f"{both('doc_result')}: {sa['state_text']}; {counts}",
            8,
            "B",
            INK if sa["state"] == "passed" else RED,
        )
        if sa["findings"]:
            doc.table(
                (30, 40, 116),
                [both("ev_rep_grade"), both("aud_rep_item"), both("ev_rep_finding")],
                [
                    [_Cell(f["grade"]), _Cell(f["item"]), _Cell(f["description"])]
                    for f in sa["findings"]
                ],
                after=3,
            )
    if any(x["status"] == "provisional" for x in m["documents"] + m["parameters"]):
        doc.para(
            both("ev_rep_provisional_note", " "),
            7.5,
            "I",
            GREY,
        )
    return bytes(doc.pdf.output())


def _shade(row: dict[str, Any]) -> tuple[int, int, int] | None:
    return SHADE if row["status"] == "provisional" else None


def _verdict(row: dict[str, Any], ok: bool) -> _Cell:
    return _Cell(row["verdict_text"], "" if ok else "B", INK if ok else RED, _shade(row))


def render(s: Session, app: Application) -> tuple[Output, Output]:
    """Render (once) the report of the recorded evaluation: HTML and A4 PDF."""
    owner = f"application:{app.id}"
    html_out = outputs.find(s, owner, "evaluation_report")
    pdf_out = outputs.find(s, owner, "evaluation_report_pdf")
    if html_out is not None and pdf_out is not None:
        return html_out, pdf_out
    ev = evaluation_of(s, app.id)
    if ev is None:
        raise NotFound("nf_no_evaluation_report", case=app.number)
    m = model(s, app, ev)
    base = f"outputs/{app.number}/evaluation-report"
    html_out = html_out or outputs.write(
        s, owner, "evaluation_report", f"{base}.html", render_html(m), "text/html"
    )
    pdf_out = pdf_out or outputs.write(
        s, owner, "evaluation_report_pdf", f"{base}.pdf", render_pdf(m), "application/pdf"
    )
    return html_out, pdf_out
