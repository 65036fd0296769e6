"""The review as one self-contained HTML file (the CLI's and the API's `html` format): the
page's sections and charts, its style sheets inlined, no forms."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup

from snicert.reports import lspro_line
from snicert.review.charts import inline_svgs
from snicert.web.i18n import translator

STATIC = Path(__file__).resolve().parents[1] / "web" / "static"


def render_html(m: dict[str, Any], lang: str = "id") -> bytes:
    from snicert.web.pages import templates  # the pages' environment (autoescaping)

    t = translator(lang)
    css = Markup(
        "\n".join((STATIC / f).read_text() for f in ("style.css", "staff.css", "review.css"))
    )  # ours
    html = templates.env.get_template("management_review_file.html.j2").render(
        m=m, t=t, lang=lang, charts=inline_svgs(m, t), css=css, lspro=lspro_line(), forms=False
    )
    return html.encode("utf-8")
