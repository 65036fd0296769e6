"""The review's charts, drawn with matplotlib: inline SVG for pages (cleaned so the strict
CSP accepts it: no <style> element, no style attributes) and vector SVG for the PDF."""

from __future__ import annotations

import io
import re
import threading
import xml.etree.ElementTree as ET
from typing import Any

from markupsafe import Markup

from snicert.lifecycle import State

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG)
ET.register_namespace("xlink", XLINK)
NOW, BEFORE = "#1f3a68", "#b08d3c"  # this period, the previous one
_RC = threading.Lock()  # rcParams are global: one chart is saved at a time
_URL = re.compile(r"url\(#([^)]+)\)")


def _figure(
    title: str,
    labels: list[str],
    now: list[float],
    before: list[float],
    legend: tuple[str, str],
    percent: bool = False,
):  # noqa: ANN202 (matplotlib Figure)
    """Horizontal bars, this period beside the previous one, per label (first on top)."""
    from matplotlib.figure import Figure  # imported when drawn: ~1 s at start-up otherwise
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    height = 1.1 + 0.5 * max(len(labels), 1)
    fig = Figure(figsize=(5.6, height))
    ax = fig.subplots()
    ys = list(range(len(labels)))[::-1]
    ax.barh([y + 0.2 for y in ys], now, height=0.4, color=NOW, label=legend[0])
    ax.barh([y - 0.2 for y in ys], before, height=0.4, color=BEFORE, label=legend[1])
    ax.set_yticks(ys, [_short(x) for x in labels])
    ax.tick_params(labelsize=9.5)
    ax.spines[["top", "right"]].set_visible(False)
    if percent:
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlim(0, 1)
    else:
        # counts: no 0.5 cases; at most ~5 ticks, or four-digit counts run together
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    # above the bars, never over them; the section heading (and aria-label) names the chart
    ax.legend(fontsize=9, frameon=False, loc="lower left", bbox_to_anchor=(-0.02, 1.0))
    if not labels:
        ax.set_yticks([])
    fig.tight_layout()
    return fig


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg(fig: Any, fonttype: str) -> str:
    import matplotlib

    buf = io.StringIO()
    with _RC, matplotlib.rc_context({"svg.fonttype": fonttype, "svg.hashsalt": "snicert"}):
        # "tight": the legend (the periods' dates) is wider than the axes when the labels
        # are short; the figure grows to hold it instead of cutting it off
        fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return buf.getvalue()


def _clean(svg: str, name: str, title: str) -> str:
    """Inline SVG the page policy allows: styles become presentation attributes, ids get the
    chart's prefix (several charts share one page), no metadata, sized by its container."""
    root = ET.fromstring(svg)
    for parent in root.iter():
        for child in list(parent):
            if child.tag in (f"{{{SVG}}}metadata", f"{{{SVG}}}style"):
                parent.remove(child)
    for el in root.iter():
        style = el.attrib.pop("style", None)
        if style:
            for decl in style.split(";"):
                if ":" in decl:
                    key, value = decl.split(":", 1)
                    el.set(key.strip(), value.strip())
        if "id" in el.attrib:
            el.set("id", f"{name}_{el.attrib['id']}")
        href = el.attrib.get(f"{{{XLINK}}}href")
        if href and href.startswith("#"):
            el.set(f"{{{XLINK}}}href", f"#{name}_{href[1:]}")
        for key, value in el.attrib.items():
            if "url(#" in value:
                el.set(key, _URL.sub(lambda m: f"url(#{name}_{m.group(1)})", value))
    for key in ("width", "height"):
        root.attrib.pop(key, None)
    root.set("stroke-linejoin", "round")  # was the removed <style>'s rule
    root.set("stroke-linecap", "butt")
    root.set("class", "chart")
    root.set("role", "img")
    root.set("aria-label", title)
    return ET.tostring(root, encoding="unicode")


def charts(m: dict[str, Any], t: Any) -> list[dict[str, Any]]:
    """The figures behind each chart: name, title, labels, the two periods' values."""
    legend = (f"{t('mr_this_period')} {m['period']}", f"{t('mr_previous_period')} {m['previous']}")
    by_stage: dict[str, list[float]] = {}
    for r in m["stages"]:
        if r["standard"] is None:
            continue
        acc = by_stage.setdefault(r["state"], [0, 0, 0, 0])
        for i, label in enumerate(("now", "before")):
            done = r["completed"][label]
            acc[2 * i] += done
            acc[2 * i + 1] += (r["on_time"][label] or 0) * done
    stages = [s.value for s in State if s.value in by_stage]
    top_nc = m["nonconformities"][:8]
    top_lab = m["lab_failures"][:8]
    return [
        {
            "name": "flow",
            "title": t("mr_chart_started"),
            "labels": [r["name"] for r in m["flow"]],
            "now": [r["started"]["now"] for r in m["flow"]],
            "before": [r["started"]["before"] for r in m["flow"]],
            "legend": legend,
        },
        {
            "name": "ontime",
            "title": t("mr_chart_on_time"),
            "labels": [t("st_" + s) for s in stages],
            "now": [by_stage[s][1] / by_stage[s][0] if by_stage[s][0] else 0 for s in stages],
            "before": [by_stage[s][3] / by_stage[s][2] if by_stage[s][2] else 0 for s in stages],
            "legend": legend,
            "percent": True,
        },
        {
            "name": "nc",
            "title": t("mr_chart_nc"),
            "labels": [r["name"] for r in top_nc],
            "now": [r["count"]["now"] for r in top_nc],
            "before": [r["count"]["before"] for r in top_nc],
            "legend": legend,
        },
        {
            "name": "lab",
            "title": t("mr_chart_lab"),
            "labels": [r["name"] for r in top_lab],
            "now": [r["failed"]["now"] for r in top_lab],
            "before": [r["failed"]["before"] for r in top_lab],
            "legend": legend,
        },
    ]


def _draw(c: dict[str, Any]):  # noqa: ANN202
    return _figure(
        c["title"], c["labels"], c["now"], c["before"], c["legend"], c.get("percent", False)
    )


def inline_svgs(m: dict[str, Any], t: Any) -> dict[str, Markup]:
    """Each chart as inline SVG for a page, by name (its text stays text)."""
    out = {}
    for c in charts(m, t):
        svg = _clean(_svg(_draw(c), "none"), c["name"], c["title"])
        out[c["name"]] = Markup(svg)  # noqa: S704 (matplotlib's XML, re-serialised by ElementTree)
    return out


def pdf_svgs(m: dict[str, Any], t: Any) -> dict[str, bytes]:
    """Each chart as SVG for fpdf2, as matplotlib writes it (text as paths: the PDF needs no
    font for it; fpdf2 reads its styles, and each image has ids of its own)."""
    out = {}
    for c in charts(m, t):
        root = ET.fromstring(_svg(_draw(c), "path"))
        for child in list(root):
            if child.tag == f"{{{SVG}}}metadata":  # fpdf2 warns about it, nothing more
                root.remove(child)
        out[c["name"]] = ET.tostring(root, encoding="unicode").encode()
    return out
