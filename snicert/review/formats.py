"""One entry point for the review's files: build the figures, render one format."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

FORMATS: dict[str, tuple[str, str]] = {
    "html": ("text/html; charset=utf-8", "html"),
    "pdf": ("application/pdf", "pdf"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


def renderer(fmt: str) -> Callable[[dict[str, Any], str], bytes]:
    if fmt == "html":
        from snicert.review.html import render_html

        return render_html
    if fmt == "pdf":
        from snicert.review.pdf import render_pdf

        return render_pdf
    from snicert.review.xlsx import render_xlsx

    return render_xlsx


def filename(m: dict[str, Any], fmt: str) -> str:
    p = m["period"]
    return f"tinjauan-manajemen_{p.start.isoformat()}_{p.end.isoformat()}.{FORMATS[fmt][1]}"
