"""The test report of each round's test sample (HTML and A4 PDF), and the A4 page layout
the evaluation report (snicert/evaluation_report.py) shares."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert import clock, messages, outputs, settings, snapshots
from snicert.certs.layout import A4, GREY, INK, PT, PdfCanvas, pdf_safe
from snicert.db.models import Application, LabResult, Output, Sample, User
from snicert.judgment import requirement_text
from snicert.lifecycle import ResultState
from snicert.messages import both, has, pair
from snicert.services import lab

# --- test report per sample ------------------------------------------------------------

# Catalog keys of the words the report prints for the codes it holds (Indonesian first).
VERDICTS = {"conform": "rep_v_conform", "nonconform": "rep_v_nonconform", None: "rep_v_none"}


def lspro_line() -> str:
    """The certification body as its papers name it: name, address, KAN number."""
    cfg = settings.current()
    parts = [cfg.lspro_name, cfg.lspro_address]
    if cfg.lspro_accreditation:
        parts.append(f"{both('rep_kan')} {cfg.lspro_accreditation}")
    return " \u2014 ".join(p for p in parts if p)


def lab_name() -> str:
    """The testing laboratory with its KAN accreditation number (settings)."""
    cfg = settings.current()
    if cfg.lab_name and cfg.lab_accreditation:
        return f"{cfg.lab_name} ({both('rep_kan')} {cfg.lab_accreditation})"
    return cfg.lab_name


def _when(moment: datetime | None) -> str:
    """Local time where the LSPro works (setting timezone, WITA by default), labelled."""
    return settings.local_time(moment) if moment else ""


def _history_status(r: LabResult, counted: bool) -> tuple[str, str]:
    if counted:
        return pair("rep_h_counted")
    if r.status == "retracted":
        return pair("rep_h_retracted")
    if r.status == "entered":
        return pair("rep_h_entered")
    if r.status == ResultState.RETEST_REQUESTED:
        return pair("rep_h_retest_requested")
    return pair("rep_h_not_counted")


def id_(key: str) -> str:
    """The Indonesian word alone (a label both languages write alike, or an inline word)."""
    return messages.text(key, "id")


def _custody_step(event: str) -> str:
    """A custody step in words (the lab pages' own), Indonesian first; never its code."""
    key = f"lab_ss_{event}"
    return both(key) if has(key) else event


def model_test_report(s: Session, app: Application, sample: Sample) -> dict[str, Any]:
    """Everything the test report shows (HTML and PDF alike), Indonesian before English."""
    params = snapshots.checklist(app).parameters
    counted = lab.counted_results(s, app)
    results = lab.results(s, app.id)
    custody = lab.custody_log(s, sample.id)
    codes = {x.id: x.code for x in lab.samples_of(s, app.id)}
    ids = {r.analyst_id for r in results} | {r.verified_by for r in results if r.verified_by}
    ids |= {e.by for e in custody} | ({sample.taken_by} if sample.taken_by else set())
    names = {u.id: u.name for u in s.scalars(select(User).where(User.id.in_(ids)))} if ids else {}

    def other_sample(r: LabResult) -> str | None:
        return codes.get(r.sample_id) if r.sample_id != sample.id else None

    rows = []
    for n, p in enumerate(params, start=1):
        r = counted.get(p.id)
        rows.append(
            {
                "no": n,
                "id": p.id,
                "name": p.name.model_dump(),
                "unit": p.unit,
                "requirement": requirement_text(p.requirement.model_dump(mode="json")),
                "provisional": p.source.status != "verified",
                "reference": p.source.reference,
                "value": r.value_text if r else "-",
                "uncertainty": r.uncertainty if r else None,
                "verdict": r.verdict if r else None,
                "verdict_text": pair(VERDICTS[r.verdict if r else None]),
                "method": (r.method if r else None) or p.method,
                "instrument": r.instrument if r else None,
                "attempt": r.attempt if r else None,
                "analyst": names.get(r.analyst_id, "") if r else "",
                "verifier": names.get(r.verified_by, "") if r and r.verified_by else "",
                "verified_at": _when(r.verified_at) if r else "",
                "other_sample": other_sample(r) if r else None,
            }
        )
    by_param: dict[str, list[LabResult]] = {}
    for r in results:
        by_param.setdefault(r.parameter_id, []).append(r)
    history = []
    for p in params:
        attempts = by_param.get(p.id, [])
        counted_id = counted[p.id].id if p.id in counted else None
        if len(attempts) < 2 and all(r.id == counted_id for r in attempts):
            continue  # tested once and that result counts: nothing to tell
        for r in attempts:
            history.append(
                {
                    "id": p.id,
                    "name": p.name.model_dump(),
                    "attempt": r.attempt,
                    "value": r.value_text,
                    "unit": r.unit,
                    "verdict": r.verdict,
                    "verdict_text": pair(VERDICTS[r.verdict]),
                    "status": r.status,
                    "status_text": _history_status(r, r.id == counted_id),
                    "analyst": names.get(r.analyst_id, ""),
                    "entered_at": _when(r.entered_at),
                    "verifier": names.get(r.verified_by, "") if r.verified_by else "",
                    "verified_at": _when(r.verified_at),
                    "note": r.note or "",
                    "other_sample": other_sample(r),
                }
            )
    received = next((e for e in reversed(custody) if e.event == "received"), None)
    failing = [row for row in rows if row["verdict"] != "conform"]
    product = snapshots.product(app)
    return {
        "lab": lab_name(),
        "app": app,
        "product": product,
        "sample": sample,
        "standards": [
            {"number": st.number, "title": st.title, "found": st.status != "not_found"}
            for st in product.standards
        ],
        "checklist": snapshots.checklist(app),
        "taken": {
            "at": _when(sample.taken_at),
            "by": names.get(sample.taken_by, ""),
            "location": sample.location or "",
        },
        "received": {
            "at": _when(received.at),
            "by": names.get(received.by, ""),
            "note": received.note or "",
        }
        if received
        else None,
        "custody": [
            {
                "event": e.event,
                "event_text": _custody_step(e.event),
                "at": _when(e.at),
                "by": names.get(e.by, ""),
                "location": e.location or "",
                "note": e.note or "",
            }
            for e in custody
        ],
        "rows": rows,
        "history": history,
        "failing": failing,
        "any_provisional": any(row["provisional"] for row in rows),
        "generated_at": _when(clock.now()),
    }


def render_test_report_html(m: dict[str, Any]) -> bytes:
    return outputs.templates().get_template("test_report.html.j2").render(m=m).encode("utf-8")


_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_PDF_CHARS = str.maketrans({"≤": "<=", "≥": ">=", "−": "-"})


def _pdf_text(text: str) -> str:
    """Windows-1252 text for the PDF's core font; an exponent keeps its meaning (10⁴ is
    shown 10^4, never 104); other characters are transliterated by layout.pdf_safe."""
    text = re.sub(r"\^?([⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+)", lambda m: "^" + m.group(1).translate(_SUPERSCRIPT), text)
    return pdf_safe(text.translate(_PDF_CHARS))


PAGE_X, PAGE_W, PAGE_TOP, PAGE_BOTTOM, FOOTER_Y = 12.0, 186.0, 12.0, 281.0, 289.0
RULE, HEAD_FILL, SHADE, RED = (150, 150, 150), (232, 238, 246), (255, 244, 204), (160, 16, 16)


@dataclass(frozen=True)
class _Cell:
    text: str
    style: str = ""
    color: tuple[int, int, int] = INK
    fill: tuple[int, int, int] | None = None


class _Pages:
    """A4 pages drawn on layout.PdfCanvas (core Helvetica, no font embedding: a page costs
    a few milliseconds where fpdf2's own table takes over 100): text flows down the page,
    tables break across pages and repeat their heading row."""

    def __init__(self, footer: str):
        self.c = PdfCanvas(A4)
        self.pdf, self.footer, self.page, self.y = self.c.pdf, footer, 1, PAGE_TOP
        self._footer()

    def describe(self, title: str, subject: str, author: str) -> None:
        """The PDF's document information (what a viewer shows as its properties)."""
        self.pdf.set_title(_pdf_text(title))
        self.pdf.set_subject(_pdf_text(subject))
        self.pdf.set_author(_pdf_text(author))
        self.pdf.set_creator("snicert")
        self.pdf.set_creation_date(clock.now())

    def _footer(self) -> None:
        self.c.text(PAGE_X, FOOTER_Y, _pdf_text(self.footer), 7, "", GREY)
        self.c.width("", 7)  # selects the font; cell() (unlike text()) fills in {nb}
        self.pdf.set_text_color(*GREY)
        self.pdf.set_xy(PAGE_X, FOOTER_Y - 2.9)
        self.pdf.cell(PAGE_W, 4, f"Halaman / page {self.page} / {{nb}}", align="R")

    def new_page(self) -> None:
        self.pdf.add_page()
        self.page, self.y = self.page + 1, PAGE_TOP
        self._footer()

    def room(self, h: float) -> None:
        if self.y + h > PAGE_BOTTOM:
            self.new_page()

    def wrap(self, text: str, width: float, size: float, style: str = "") -> list[str]:
        """Greedy word wrap; a line break in the text is kept; a word wider than the
        column is cut."""
        c, out = self.c, []
        for part in _pdf_text(text).split("\n"):
            current = ""
            for word in part.split():
                while c.width(word, size, style) > width and len(word) > 1:
                    if current:
                        out.append(current)
                        current = ""
                    k = len(word) - 1
                    while k > 1 and c.width(word[:k], size, style) > width:
                        k -= 1
                    out.append(word[:k])
                    word = word[k:]
                trial = f"{current} {word}" if current else word
                if current and c.width(trial, size, style) > width:
                    out.append(current)
                    current = word
                else:
                    current = trial
            if current:
                out.append(current)
        return out or [""]

    def para(
        self, text: str, size: float = 7.5, style: str = "", color=INK, after: float = 1.0
    ) -> None:
        lh = size * PT * 1.25
        for line in self.wrap(text, PAGE_W, size, style):
            self.room(lh)
            self.y += lh
            self.c.text(PAGE_X, self.y - lh * 0.22, line, size, style, color)
        self.y += after

    def heading(self, text_id: str, text_en: str, size: float = 11) -> None:
        lh = size * PT * 1.3
        self.room(lh + 12)  # never a heading alone at the foot of a page
        self.y += lh
        self.c.text(PAGE_X, self.y - lh * 0.22, text_id, size, "B")
        x = PAGE_X + self.c.width(text_id + " ", size, "B")
        self.c.text(x, self.y - lh * 0.22, f"/ {text_en}", size, "I", GREY)
        self.y += 1.5

    def table(
        self,
        widths: tuple[float, ...],
        head: list[str] | None,
        rows: list[list[_Cell]],
        size: float = 6.8,
        after: float = 2.0,
    ) -> None:
        lh, pad = size * PT * 1.2, 0.8

        def measure(cells: list[_Cell]) -> tuple[list[list[str]], float]:
            lines = [
                self.wrap(cell.text, w - 2 * pad, size, cell.style)
                for cell, w in zip(cells, widths, strict=True)
            ]
            return lines, max(len(x) for x in lines) * lh + 2 * pad

        def draw(cells: list[_Cell], lines: list[list[str]], h: float) -> None:
            x = PAGE_X
            for cell, w, text in zip(cells, widths, lines, strict=True):
                self.c.rect(x, self.y, w, h, stroke=RULE, fill=cell.fill, lw=0.15)
                for i, line in enumerate(text):
                    self.c.text(
                        x + pad, self.y + pad + (i + 0.78) * lh, line, size, cell.style, cell.color
                    )
                x += w
            self.y += h

        header = [_Cell(x, "B", INK, HEAD_FILL) for x in head] if head else None
        head_lines, head_h = measure(header) if header else ([], 0.0)
        if header:
            self.room(head_h + lh + 2 * pad)
            draw(header, head_lines, head_h)
        for cells in rows:
            lines, h = measure(cells)
            if self.y + h > PAGE_BOTTOM:
                self.new_page()
                if header:
                    draw(header, head_lines, head_h)
            draw(cells, lines, h)
        self.y += after


def render_test_report_pdf(m: dict[str, Any]) -> bytes:
    """A4 portrait: the sample's particulars, the results, the history, the custody."""
    app, sample = m["app"], m["sample"]
    # the footer names the lab only: its KAN number ran into the page number (it heads
    # the first page)
    doc = _Pages(f"{sample.code} - {app.number} - {settings.current().lab_name}")
    pdf = doc.pdf
    doc.describe(
        f"{both('tr_title')} {sample.code}",
        f"{app.number}: {m['product'].name.id}, {app.brand}",
        m["lab"],
    )

    doc.heading(*pair("tr_title"), 14)
    doc.para(m["lab"], 9, "B", after=1.5)
    taken, received = m["taken"], m["received"]
    info = [
        (both("tr_sample_code"), sample.code),
        (both("tr_seal"), sample.seal_number or "-"),
        (
            both("tr_quantity"),
            f"{sample.units} x {sample.amount or '-'}; {sample.container}",
        ),
        (
            both("tr_taken"),
            f"{taken['at']}, {taken['location']}" + (f" ({taken['by']})" if taken["by"] else ""),
        ),
        (
            both("tr_received"),
            f"{received['at']} ({received['by']})"
            + (f", {received['note']}" if received["note"] else "")
            if received
            else "-",
        ),
        (
            both("doc_product"),
            f"{m['product'].name.id} / {m['product'].name.en}, {id_('doc_brand')} {app.brand}",
        ),
        (
            both("doc_standard"),
            "; ".join(
                f"{st['number']} {st['title']}"
                + ("" if st["found"] else f" [{both('tr_not_found')}]")
                for st in m["standards"]
            ),
        ),
        (both("doc_application"), app.number),
        (
            both("doc_business"),
            f"{app.business.name} (NIB {app.business.nib}), {app.business.address}",
        ),
        (
            both("aud_rep_checklist"),
            f"{id_('doc_version')} {m['checklist'].version}: {m['checklist'].title.id}",
        ),
        (both("doc_compiled"), m["generated_at"]),
    ]
    doc.table(
        (50, PAGE_W - 50),
        None,
        [[_Cell(k, "B", INK, HEAD_FILL), _Cell(v)] for k, v in info],
        size=7.5,
        after=3,
    )

    doc.heading(*pair("tr_results"))
    rows = []
    for r in m["rows"]:
        fill = SHADE if r["provisional"] else None
        name = f"{r['name']['id']}\n{r['name']['en']}"
        if r["provisional"]:
            name += f"\n[{both('doc_provisional').upper()}]"
        value = r["value"] + (f" ± {r['uncertainty']}" if r["uncertainty"] else "")
        if r["attempt"] and r["attempt"] > 1:
            n = r["attempt"]
            value += f"\n({id_('tr_attempt')}-{n} / {messages.text('tr_attempt', 'en')} {n})"
        if r["other_sample"]:
            value += f"\n({both('tr_sample')} {r['other_sample']})"
        verdict = (
            _Cell("\n".join(r["verdict_text"]), fill=fill)
            if r["verdict"] == "conform"
            else _Cell("\n".join(r["verdict_text"]), "B", RED, fill)
        )
        rows.append(
            [
                _Cell(str(r["no"]), fill=fill),
                _Cell(name, fill=fill),
                _Cell(r["requirement"], fill=fill),
                _Cell(value, fill=fill),
                _Cell(r["unit"], fill=fill),
                verdict,
                _Cell(r["method"] + (f"; {r['instrument']}" if r["instrument"] else ""), fill=fill),
                _Cell(r["analyst"], fill=fill),
                _Cell(f"{r['verifier']}\n{r['verified_at']}".strip(), fill=fill),
            ]
        )
    doc.table(
        (6, 36, 21, 17, 14, 17, 33, 20, 22),
        [
            id_("doc_no"),
            id_("doc_parameter"),
            both("doc_requirement"),
            both("doc_result"),
            both("doc_unit"),
            both("doc_conclusion"),
            both("tr_method"),
            both("tr_analyst"),
            both("tr_verifier"),
        ],
        rows,
        after=1.5,
    )
    if m["failing"]:
        doc.para(
            f"{both('tr_not_met')}: "
            + ", ".join(f"{r['name']['id']} ({r['verdict_text'][1]})" for r in m["failing"]),
            8,
            "B",
            RED,
            after=3,
        )
    else:
        doc.para(
            both("tr_all_met"),
            8,
            "B",
            after=3,
        )

    doc.heading(*pair("tr_history"))
    if not m["history"]:
        doc.para(both("tr_no_history"), after=3)
    else:
        rows = []
        for r in m["history"]:
            value = f"{r['value']} {r['unit']}" + (
                f"\n({both('tr_sample')} {r['other_sample']})" if r["other_sample"] else ""
            )
            retracted = r["status"] == "retracted"
            rows.append(
                [
                    _Cell(f"{r['name']['id']}\n{r['name']['en']}"),
                    _Cell(str(r["attempt"])),
                    _Cell(value),
                    _Cell("\n".join(r["verdict_text"])),
                    _Cell(
                        "\n".join(r["status_text"]),
                        "B" if retracted else "",
                        RED if retracted else INK,
                    ),
                    _Cell(f"{r['analyst']}\n{r['entered_at']}"),
                    _Cell(f"{r['verifier']}\n{r['verified_at']}".strip()),
                    _Cell(r["note"]),
                ]
            )
        doc.table(
            (34, 11, 20, 19, 24, 26, 26, 26),
            [
                id_("doc_parameter"),
                both("tr_attempt_column"),
                both("doc_result"),
                both("doc_conclusion"),
                id_("doc_status"),
                both("tr_analyst"),
                both("tr_verifier"),
                both("doc_note"),
            ],
            rows,
            after=3,
        )

    doc.heading(*pair("tr_custody"))
    doc.table(
        (22, 30, 38, 40, 56),
        [both(k) for k in ("tr_event", "tr_at", "tr_by", "tr_location", "doc_note")],
        [
            [_Cell(e[k]) for k in ("event_text", "at", "by", "location", "note")]
            for e in m["custody"]
        ],
        after=3,
    )
    if m["any_provisional"]:
        doc.para(both("ev_rep_provisional_note", " "), 7.5, "I", GREY)
    doc.para(both("tr_applies", " "), 7.5, "I", GREY)
    return bytes(pdf.output())


def render_test_report(s: Session, app: Application) -> tuple[Output, Output]:
    """Render (once) the test report of the round's test sample: HTML and A4 PDF."""
    sample = lab.test_sample(s, app)
    owner = f"sample:{sample.id}"
    html_out = outputs.find(s, owner, "test_report_html")
    pdf_out = outputs.find(s, owner, "test_report_pdf")
    if html_out is not None and pdf_out is not None:
        return html_out, pdf_out
    m = model_test_report(s, app, sample)
    base = f"outputs/{app.number}/samples/{sample.code}-test-report"
    html_out = html_out or outputs.write(
        s, owner, "test_report_html", f"{base}.html", render_test_report_html(m), "text/html"
    )
    pdf_out = pdf_out or outputs.write(
        s, owner, "test_report_pdf", f"{base}.pdf", render_test_report_pdf(m), "application/pdf"
    )
    return html_out, pdf_out
