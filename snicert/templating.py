"""The one way snicert makes a Jinja2 environment: autoescaping always on.

Jinja2's `select_autoescape` (also Starlette's default) decides by the file's extension and
leaves `name.html.j2` unescaped; every snicert template (pages, certificates, labels,
reports) is HTML, so escaping is not left to the name. HTML built in Python enters a
template only as `markupsafe.Markup` made from escaped parts.
"""

from __future__ import annotations

from typing import Any

from jinja2 import BaseLoader, Environment


def environment(loader: BaseLoader, **options: Any) -> Environment:
    return Environment(loader=loader, autoescape=True, **options)
