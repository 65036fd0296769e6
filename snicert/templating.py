"""The one way snicert makes a Jinja2 environment: autoescaping always on, moments shown
in the LSPro's time zone, and Jinja2's i18n extension over the catalogs (snicert.messages):
`_("key")`, `{% trans %}key{% endtrans %}` and the pages' `t("key")` are the same text, in
the template's `lang` (Indonesian when it has none).

Jinja2's `select_autoescape` (also Starlette's default) decides by the file's extension and
leaves `name.html.j2` unescaped; every snicert template (pages, certificates, labels,
reports) is HTML, so escaping is not left to the name. HTML built in Python enters a
template only as `markupsafe.Markup` made from escaped parts.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from jinja2 import BaseLoader, Environment, pass_context
from jinja2.runtime import Context

from snicert import messages, settings


def _moment(value: datetime | str) -> datetime:
    # audit events carry their moment as ISO text
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def local(value: datetime | str | None) -> str:
    """`2026-03-05 09:30 WITA`: a stored (UTC) moment as people in Kupang read it."""
    return settings.local_time(_moment(value)) if value else ""


def day(value: datetime | date | str | None) -> str:
    """The LSPro's calendar day of a moment (a date stays as it is)."""
    if not value:
        return ""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    return _moment(value).astimezone(settings.current().zone).date().isoformat()


@pass_context
def _gettext(context: Context, key: str, **params: Any) -> str:
    # the language is the render's, not the environment's: one environment serves everyone
    return messages.text(key, context.get("lang") or messages.DEFAULT, **params)


@pass_context
def _ngettext(context: Context, key: str, plural: str, n: int, **params: Any) -> str:
    words = messages.catalog(context.get("lang") or messages.DEFAULT).ngettext(key, plural, n)
    return words.format_map({"num": n, **params})


def environment(loader: BaseLoader, **options: Any) -> Environment:
    env = Environment(loader=loader, autoescape=True, extensions=["jinja2.ext.i18n"], **options)
    env.install_gettext_callables(_gettext, _ngettext, newstyle=False)  # type: ignore[attr-defined]
    env.filters["local"] = local
    env.filters["day"] = day
    return env
