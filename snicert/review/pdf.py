"""The review as an A4 PDF (fpdf2 through reports' page layout: core Helvetica, tables that
break across pages), bilingual like the other reports, with the charts as vector SVG."""

from __future__ import annotations

import io
import re
from typing import Any

from snicert import clock
from snicert.certs.layout import GREY, INK, PT
from snicert.messages import both, text
from snicert.reports import PAGE_W, PAGE_X, RED, lspro_line
from snicert.reports import _Cell as Cell  # the reports' one page layout, shared
from snicert.reports import _Pages as Pages
from snicert.review.charts import pdf_svgs
from snicert.web.i18n import translator

_VIEWBOX = re.compile(rb'viewBox="0 0 ([\d.]+) ([\d.]+)"')


def _v(x: Any, fmt: str = "") -> str:
    if x is None:
        return "-"
    if fmt == "pct":
        return f"{x * 100:.0f}%"
    return str(x)


def _pv(p: dict[str, Any], fmt: str = "") -> list[Cell]:
    return [Cell(_v(p["now"], fmt), "B"), Cell(_v(p["before"], fmt), "", GREY)]


def render_pdf(m: dict[str, Any], lang: str = "id") -> bytes:
    t = translator("id")
    doc = Pages(f"{both('mr_title')} {m['period']}")
    pdf = doc.pdf
    pdf.set_title(f"{both('mr_title')} {m['period']}")
    pdf.set_author(lspro_line())
    pdf.set_creator("snicert")
    pdf.set_creation_date(clock.now())
    svgs = pdf_svgs(m, translator(lang))
    now_prev = [both("mr_pdf_now"), both("mr_pdf_previous")]

    def chart_height(name: str) -> float:
        w_pt, h_pt = (float(x) for x in _VIEWBOX.search(svgs[name]).groups())
        return 120.0 * h_pt / w_pt

    def h(key: str, size: float = 11, keep: float = 0) -> None:
        """Indonesian, then English: on one line when both fit, else English below;
        `keep`: the height that must follow on the same page (a chart)."""
        text_id, text_en = text(key, "id"), text(key, "en")
        doc.room(keep + 20)
        if doc.c.width(f"{text_id} / {text_en}", size, "B") <= PAGE_W:
            doc.heading(text_id, text_en, size)
            return
        lh = size * PT * 1.3
        doc.room(2 * lh + 12)
        doc.y += lh
        doc.c.text(PAGE_X, doc.y - lh * 0.22, text_id, size, "B")
        doc.para(text_en, size * 0.85, "I", GREY, after=1.5)

    def chart(name: str) -> None:
        svg = svgs[name]
        width, height = 120.0, chart_height(name)
        doc.room(height + 2)
        # glyphs that fpdf2 places with <use> take the page's current fill colour
        with pdf.local_context(fill_color=INK):
            pdf.image(io.BytesIO(svg), x=PAGE_X, y=doc.y, w=width, h=height)
        doc.y += height + 2

    def table(
        labels: list[tuple[str, float]],
        pairs: list[tuple[str, str]],
        rows: list[dict[str, Any]],
        cells,
    ) -> None:  # noqa: ANN001
        """`labels`: (heading, width) of the plain columns; `pairs`: (heading, fmt) of the
        figures, each shown this period | previous; `cells(row)` gives the plain cells."""
        rest = PAGE_W - sum(w for _, w in labels)
        pw = rest / (2 * len(pairs)) if pairs else 0
        widths = tuple(w for _, w in labels) + (pw,) * (2 * len(pairs))
        head = [x for x, _ in labels]
        for _, name, _ in pairs:
            head += [f"{name}\n{now_prev[0]}", f"{name}\n{now_prev[1]}"]
        body = []
        for r in rows:
            line = [Cell(x) for x in cells(r)]
            for key, _, fmt in pairs:
                line += _pv(r[key], fmt)
            body.append(line)
        if not body:
            doc.para(both("mr_none"), 7.5, "I", GREY, after=2)
            return
        doc.table(widths, head, body, size=6.5, after=2.5)

    doc.heading("Tinjauan Manajemen", "Management review", 15)
    doc.para(lspro_line(), 8.5, "B", after=1)
    doc.para(
        f"{both('mr_pdf_now')}: {m['period']}    {both('mr_pdf_previous_period')}: {m['previous']}",
        8.5,
        after=0.5,
    )
    doc.para(f"{both('mr_generated')}: {m['generated_at']}", 7.5, "", GREY, after=1)
    doc.para(both("mr_how_to_read", " "), 7, "I", GREY, after=3)

    def actions(items: list[dict[str, Any]], with_review: bool) -> None:
        if not items:
            doc.para(both("mr_no_actions"), 7.5, "I", GREY, after=2)
            return
        widths = (30, 16, 62, 26, 18, 34) if with_review else (16, 82, 30, 20, 38)
        head = [
            both(k) for k in ("mr_review", "mr_kind", "mr_text", "mr_owner", "mr_due", "mr_status")
        ]
        if not with_review:
            head = head[1:]
        rows = []
        for a in items:
            status = t("mr_status_" + a["status"]) + (f" ({t('mr_late')})" if a["late"] else "")
            if a["outcome"]:
                status += f"\n{a['outcome']}"
            line = [
                Cell(t("mr_kind_" + a["kind"])),
                Cell(a["text"]),
                Cell(a["owner"] or "-"),
                Cell(a["due_on"] or "-"),
                Cell(status, "B" if a["late"] else "", RED if a["late"] else INK),
            ]
            rows.append(([Cell(a["review"])] if with_review else []) + line)
        doc.table(widths, head, rows, size=6.8, after=2.5)

    h("mr_a")
    actions(m["actions"]["earlier"], True)

    h("mr_b")
    approved = "; ".join(
        f"{m['products'].get(c['product'], c['product'])} v{c['version']} ({c['at']})"
        for c in m["checklists_approved"]
    )
    doc.para(f"{both('mr_checklists_approved')}: {approved or '-'}", after=1)
    doc.para(f"{both('mr_provisional')}: {m['provisional_criteria']}", after=3)

    h("mr_c")
    h("mr_c1", 9.5)
    doc.para(both("mr_satisfaction"), 8, "B", after=1)
    table(
        [(both("product"), 40)],
        [
            ("respondents", t("mr_respondents"), ""),
            ("ikm", "IKM", ""),
            ("category", t("mr_category"), ""),
        ],
        m["satisfaction"],
        lambda r: [r["name"] or both("all_products")],
    )
    doc.para(f"{both('mr_complaints')} / {both('mr_appeals')}", 8, "B", after=1)
    table(
        [("", 100)],
        [("count", t("mr_count"), "")],
        m["complaints"],
        lambda r: [both("mr_cp_" + r["key"])],
    )

    h("mr_c2", 9.5, chart_height("ontime"))
    chart("ontime")
    table(
        [(both("product"), 18), (both("mr_stage"), 22), (both("mr_standard"), 14)],
        [
            ("completed", t("mr_completed"), ""),
            ("median", t("mr_median"), ""),
            ("p90", t("mr_p90"), ""),
            ("on_time", t("mr_on_time"), "pct"),
        ],
        m["stages"],
        lambda r: [
            r["name"],
            both("st_" + r["state"], "\n"),
            _v(r["standard"]),
        ],
    )

    h("mr_c3", 9.5, chart_height("flow"))
    chart("flow")
    table(
        [(both("product"), 30)],
        [
            ("started", t("mr_started"), ""),
            ("closed", t("mr_closed"), ""),
            ("certified", t("st_certified"), ""),
            ("refused", t("st_refused"), ""),
            ("withdrawn", t("st_withdrawn"), ""),
        ],
        m["flow"],
        lambda r: [r["name"]],
    )
    doc.para(both("mr_end_to_end"), 8, "B", after=1)
    table(
        [(both("product"), 40)],
        [("closed", t("mr_closed"), ""), ("median", t("mr_median"), ""), ("p90", t("mr_p90"), "")],
        m["end_to_end"],
        lambda r: [r["name"]],
    )
    doc.para(both("mr_waiting"), 8, "B", after=1)
    table(
        [(both("mr_stage"), 30), (both("mr_role"), 30)],
        [
            ("count", t("mr_count"), ""),
            ("median", t("mr_median"), ""),
            ("oldest", t("mr_oldest"), ""),
        ],
        m["waiting"],
        lambda r: [both("st_" + r["state"]), both("role_" + r["role"]) if r["role"] else "-"],
    )
    if m["longest"]:
        doc.table(
            (34, 30, 36, 36, 26, 24),
            [
                both(k)
                for k in ("mr_application", "product", "mr_stage", "mr_role", "mr_since", "mr_age")
            ],
            [
                [
                    Cell(x["number"]),
                    Cell(m["products"].get(x["product"], x["product"])),
                    Cell(both("st_" + x["state"])),
                    Cell(both("role_" + x["role"]) if x["role"] else "-"),
                    Cell(x["since"]),
                    Cell(str(x["age"])),
                ]
                for x in m["longest"]
            ],
            size=6.5,
            after=2.5,
        )
    doc.para(both("mr_refusals"), 8, "B", after=1)
    table(
        [(f"{both('product')} / {both('reason')}", 100)],
        [("count", t("mr_count"), "")],
        [{"label": r["name"], "count": r["count"]} for r in m["refusals"]["by_product"]]
        + [{"label": r["reason"], "count": r["count"]} for r in m["refusals"]["reasons"]],
        lambda r: [r["label"]],
    )
    doc.para(both("mr_certificates"), 8, "B", after=1)
    table(
        [("", 60)],
        [("count", t("mr_count"), "")],
        m["certificates"],
        lambda r: [both("mr_ev_" + r["event"])],
    )

    h("mr_c4", 9.5, chart_height("nc") if m["nonconformities"] else 0)
    doc.para(both("mr_nc_items"), 8, "B", after=1)
    if m["nonconformities"]:
        chart("nc")
    table(
        [(both("product"), 24), (both("mr_item"), 90)],
        [("count", t("mr_count"), "")],
        m["nonconformities"],
        lambda r: [m["products"].get(r["product"], r["product"]), r["name"]],
    )
    doc.room((chart_height("lab") if m["lab_failures"] else 0) + 8)
    doc.para(both("mr_lab_failures"), 8, "B", after=1)
    if m["lab_failures"]:
        chart("lab")
    table(
        [(both("product"), 24), (both("mr_parameter"), 60)],
        [("tested", t("mr_tested"), ""), ("failed", t("mr_failed"), "")],
        m["lab_failures"],
        lambda r: [m["products"].get(r["product"], r["product"]), r["name"]],
    )

    h("mr_c5", 9.5)
    table(
        [("", 80)],
        [("count", t("mr_count"), "")],
        [{"label": both("mr_overdue"), "count": m["overdue"]}]
        + [
            {"label": f"{both('mr_surveillance')}: {both('mr_sv_' + k)}", "count": v}
            for k, v in m["surveillance"].items()
        ],
        lambda r: [r["label"]],
    )
    h("mr_c6", 9.5)
    sa = m["site_audits"]
    doc.para(both("mr_site_audits"), 8, "B", after=1)
    table(
        [("", 110)],
        [("count", t("mr_count"), "")],
        [
            {"label": f"{both('mr_sa_audits')}: {both('mr_sa_' + r['key'])}", **r}
            for r in sa["audits"]
        ]
        + [
            {"label": f"{both('mr_sa_by_grade')}: {both('aud_g_' + r['grade'])}", **r}
            for r in sa["grades"]
        ]
        + [
            {
                "label": both("mr_sa_" + r["key"])
                if r["key"] == "open_at_end"
                else f"{both('mr_sa_status')}: {both('mr_sa_' + r['key'])}",
                **r,
            }
            for r in sa["status"]
        ],
        lambda r: [r["label"]],
    )
    doc.room(8)
    doc.para(both("mr_sa_by_item"), 8, "B", after=1)
    table(
        [(both("product"), 24), (both("mr_item"), 70)],
        [("count", t("mr_count"), ""), ("major", t("mr_sa_major"), "")],
        sa["items"],
        lambda r: [m["products"].get(r["product"], r["product"]), r["name"]],
    )
    doc.para(
        both("mr_internal_audit", " "),
        7,
        "I",
        GREY,
        after=3,
    )
    h("mr_c7", 9.5)
    table(
        [("", 80)],
        [("count", t("mr_count"), "")],
        [{"label": both("mr_lab_" + k), "count": v} for k, v in m["lab_work"].items()],
        lambda r: [r["label"]],
    )

    h("mr_d")
    doc.para(both("mr_workload"), 8, "B", after=1)
    table(
        [(both("mr_person"), 40), (both("mr_roles"), 60)],
        [("actions", t("mr_actions_n"), "")],
        m["workload"]
        + [
            {"name": f"({both('role_' + r['role'])})", "roles": [], "actions": r["actions"]}
            for r in m["workload_by_role"]
        ],
        lambda r: [r["name"], ", ".join(t("role_" + x) for x in r["roles"])],
    )

    h("mr_e")
    doc.para(both("mr_cert_events"), 8, "B", after=1)
    if m["certificate_events"]:
        doc.table(
            (24, 26, 40, PAGE_W - 90),
            ["", "", both("number"), both("reason")],
            [
                [
                    Cell(x["at"]),
                    Cell(both("mr_ev_" + x["event"])),
                    Cell(x["number"]),
                    Cell(x["reason"]),
                ]
                for x in m["certificate_events"]
            ],
            size=6.5,
            after=2.5,
        )
    else:
        doc.para(both("mr_none"), 7.5, "I", GREY, after=2)

    h("mr_f")
    if not m["improvement"]:
        doc.para(both("mr_none"), 7.5, "I", GREY, after=2)
    for x in m["improvement"]:
        what = (
            f"{x['product']}, {both('st_' + x['state'])} "
            f"({_v(x['share'], 'pct')} < {_v(m['on_time_target'], 'pct')})"
            if x["kind"] == "stage"
            else f"{x['product']}, {x['name']} ({x['count']})"
        )
        doc.para(f"- {both('mr_impr_' + x['kind'])}: {what}", after=0.8)
    doc.y += 2

    h("mr_g")
    actions(m["actions"]["this"], False)
    return bytes(pdf.output())
