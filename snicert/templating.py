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

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel.dates import format_date, format_time
from babel.numbers import format_decimal
from jinja2 import BaseLoader, Environment, pass_context
from jinja2.runtime import Context

from snicert import messages, settings


def _moment(value: datetime | str) -> datetime:
    # audit events carry their moment as ISO text
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def local(value: datetime | str | None, lang: str = messages.DEFAULT) -> str:
    """`5 Mar 2026 09.30 WITA`: a stored (UTC) moment as people in Kupang read it, the
    zone named (Indonesian writes hours with a dot; English with a colon)."""
    if not value:
        return ""
    moment = _moment(value).astimezone(settings.current().zone)
    clock_text = format_time(moment, "HH.mm" if lang == "id" else "HH:mm", locale=lang)
    return f"{format_date(moment.date(), 'd MMM y', locale=lang)} {clock_text} {moment.tzname()}"


def day(value: datetime | date | str | None, lang: str = messages.DEFAULT) -> str:
    """`6 Maret 2026`: the LSPro's calendar day of a moment (a date stays as it is), with
    the month's name in `lang` (never 2026-03-06, which people misread as 03 June)."""
    if not value:
        return ""
    if isinstance(value, str) and len(value) == 10:  # a day as ISO text: no moment to move
        value = date.fromisoformat(value)
    if not (isinstance(value, date) and not isinstance(value, datetime)):
        value = _moment(value).astimezone(settings.current().zone).date()
    return format_date(value, "d MMMM y", locale=lang)


def unit(value: str | None, lang: str = messages.DEFAULT) -> str:
    """A unit as the page's readers write it ("koloni/g" on Indonesian pages, where the
    checklist says "colonies/g"); symbols (%, mg/kg, N) stay; "-" (none) is empty."""
    if value in (None, "", "-"):
        return ""
    key = "unit_" + re.sub(r"[^a-z0-9]+", "_", value.lower()).strip("_")
    return messages.text(key, lang) if messages.has(key) else value


_DECIMAL_TEXT = re.compile(r"^-?\d+(\.(\d+))?$")


def number(value: float | int | str | None, lang: str = messages.DEFAULT) -> str:
    """`1.250.000` or `9,5` on Indonesian pages, `1,250,000` or `9.5` in English. A value
    as text (a lab result, "0.060") keeps its decimals; other text ("negatif") stays."""
    if value is None:
        return ""
    if isinstance(value, str):
        found = _DECIMAL_TEXT.match(value.strip())
        if not found:
            return value
        places = len(found[2] or "")
        pattern = "#,##0" + ("." + "0" * places if places else "")
        return format_decimal(Decimal(value.strip()), format=pattern, locale=lang)
    return format_decimal(value, locale=lang)


def _in_render_lang(fn: Callable[[Any, str], str]) -> Callable[..., str]:
    """A filter writing in the render's language, like the texts."""

    @pass_context
    def filtered(context: Context, value: Any) -> str:
        return fn(value, context.get("lang") or messages.DEFAULT)

    return filtered


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
    env.filters["local"] = _in_render_lang(local)
    env.filters["day"] = _in_render_lang(day)
    env.filters["number"] = _in_render_lang(number)
    env.filters["unit"] = _in_render_lang(unit)
    return env
