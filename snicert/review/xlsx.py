"""The review as an XLSX workbook (openpyxl): a sheet per section, every figure in two
columns, this period and the previous one, numbers as numbers."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from snicert.reports import lspro_line
from snicert.web.i18n import translator

HEAD = PatternFill("solid", fgColor="E8EEF6")


def _append(ws: Any, values: list[Any]) -> None:
    """A row; text stays text even when it starts with "=" (never a formula)."""
    ws.append(values)
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"


def render_xlsx(m: dict[str, Any], lang: str = "id") -> bytes:
    t = translator(lang)
    now, before = (
        f"{t('mr_this_period')} {m['period']}",
        f"{t('mr_previous_period')} {m['previous']}",
    )
    heading = {
        "name": t("product"),
        "product": t("product"),
        "stage": t("mr_stage"),
        "awaiting": t("mr_role"),
        "standard": t("mr_standard"),
        "item": t("mr_item"),
        "parameter": t("mr_parameter"),
        "reason": t("reason"),
        "event": "",
        "figure": "",
        "major": t("mr_sa_major"),
        "roles": t("mr_roles"),
        "started": t("mr_started"),
        "closed": t("mr_closed"),
        "certified": t("st_certified"),
        "refused": t("st_refused"),
        "withdrawn": t("st_withdrawn"),
        "entered": t("mr_entered"),
        "completed": t("mr_completed"),
        "median": t("mr_median"),
        "p90": t("mr_p90"),
        "on_time": t("mr_on_time"),
        "count": t("mr_count"),
        "oldest": t("mr_oldest"),
        "tested": t("mr_tested"),
        "failed": t("mr_failed"),
        "actions": t("mr_actions_n"),
        "respondents": t("mr_respondents"),
        "ikm": "IKM",
        "category": t("mr_category"),
    }
    wb = Workbook()
    info = wb.active
    info.title = t("mr_title")[:31]
    for row in (
        [t("mr_title")],
        [lspro_line()],
        [t("mr_this_period"), str(m["period"])],
        [t("mr_previous_period"), str(m["previous"])],
        [t("mr_generated"), m["generated_at"]],
        [t("mr_how_to_read")],
    ):
        _append(info, row)
    info["A1"].font = Font(bold=True, size=14)

    def sheet(
        title: str,
        keys: list[str],
        pairs: list[str],
        rows: list[dict[str, Any]],
        fmt: dict[str, str] | None = None,
    ) -> None:
        ws = wb.create_sheet(title[:31])
        head = [*keys]
        for p in pairs:
            head += [f"{heading.get(p, p)}: {now}", f"{heading.get(p, p)}: {before}"]
        _append(ws, [heading.get(k, k) for k in head])
        for cell in ws[1]:
            cell.font, cell.fill = Font(bold=True), HEAD
        for r in rows:
            values = [r[k] for k in keys]
            for p in pairs:
                values += [r[p]["now"], r[p]["before"]]
            _append(ws, values)
        for col, p in enumerate(pairs):
            if (fmt or {}).get(p) == "pct":
                for c in range(len(keys) + 2 * col + 1, len(keys) + 2 * col + 3):
                    for cell in ws[get_column_letter(c)][1:]:
                        cell.number_format = "0%"
        for i, _ in enumerate(head, start=1):
            ws.column_dimensions[get_column_letter(i)].width = 18 if i > len(keys) else 28
        ws.freeze_panes = ws.cell(row=2, column=len(keys) + 1)

    def label(rows: list[dict[str, Any]], **extra: Any) -> list[dict[str, Any]]:
        return [{**r, **{k: f(r) for k, f in extra.items()}} for r in rows]

    stage = lambda r: t("st_" + r["state"])  # noqa: E731
    role = lambda r: t("role_" + r["role"]) if r.get("role") else ""  # noqa: E731
    sheet(
        t("mr_flow"),
        ["name"],
        ["started", "closed", "certified", "refused", "withdrawn"],
        m["flow"],
    )
    sheet(
        t("mr_stage"),
        ["name", "stage", "awaiting", "standard"],
        ["entered", "completed", "median", "p90", "on_time"],
        label(m["stages"], stage=stage, awaiting=role),
        {"on_time": "pct"},
    )
    sheet(t("mr_end_to_end")[:31], ["name"], ["closed", "median", "p90"], m["end_to_end"])
    sheet(
        t("mr_waiting")[:31],
        ["stage", "awaiting"],
        ["count", "median", "oldest"],
        label(m["waiting"], stage=stage, awaiting=role),
    )
    sheet(
        t("mr_nc_items"),
        ["product", "item", "name"],
        ["count"],
        m["nonconformities"],
    )
    sheet(
        t("mr_lab_failures"),
        ["product", "parameter", "name"],
        ["tested", "failed"],
        m["lab_failures"],
    )
    sheet(
        t("mr_refusals"),
        ["reason"],
        ["count"],
        [{"reason": r["name"], "count": r["count"]} for r in m["refusals"]["by_product"]]
        + m["refusals"]["reasons"],
    )
    sheet(
        t("mr_certificates"),
        ["event"],
        ["count"],
        [{"event": t("mr_ev_" + r["event"]), "count": r["count"]} for r in m["certificates"]]
        + [{"event": t("mr_overdue"), "count": m["overdue"]}]
        + [
            {"event": f"{t('mr_surveillance')}: {t('mr_sv_' + k)}", "count": v}
            for k, v in m["surveillance"].items()
        ]
        + [{"event": t("mr_lab_" + k), "count": v} for k, v in m["lab_work"].items()]
        + [{"event": t("mr_cp_" + r["key"]), "count": r["count"]} for r in m["complaints"]],
    )
    sa = m["site_audits"]
    sheet(
        t("mr_sa_audits")[:31],
        ["figure"],
        ["count"],
        [{"figure": f"{t('mr_sa_audits')}: {t('mr_sa_' + r['key'])}", **r} for r in sa["audits"]]
        + [
            {"figure": f"{t('mr_sa_by_grade')}: {t('aud_g_' + r['grade'])}", **r}
            for r in sa["grades"]
        ]
        + [
            {
                "figure": t("mr_sa_" + r["key"])
                if r["key"] == "open_at_end"
                else f"{t('mr_sa_status')}: {t('mr_sa_' + r['key'])}",
                **r,
            }
            for r in sa["status"]
        ],
    )
    sheet(t("mr_sa_by_item")[:31], ["product", "item", "name"], ["count", "major"], sa["items"])
    sheet(
        t("mr_workload")[:31],
        ["name", "roles"],
        ["actions"],
        [{**r, "roles": ", ".join(t("role_" + x) for x in r["roles"])} for r in m["workload"]]
        + [
            {"name": f"({t('role_' + r['role'])})", "roles": r["role"], "actions": r["actions"]}
            for r in m["workload_by_role"]
        ],
    )
    ws = wb.create_sheet(t("mr_g")[:31])
    ws.append(
        [
            t("mr_review"),
            t("mr_kind"),
            t("mr_text"),
            t("mr_owner"),
            t("mr_due"),
            t("mr_status"),
            t("mr_outcome"),
        ]
    )
    for cell in ws[1]:
        cell.font, cell.fill = Font(bold=True), HEAD
    for a in m["actions"]["earlier"] + m["actions"]["this"]:
        ws.append(
            [
                a["review"],
                t("mr_kind_" + a["kind"]),
                a["text"],
                a["owner"],
                a["due_on"],
                t("mr_status_" + a["status"]),
                a["outcome"],
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
