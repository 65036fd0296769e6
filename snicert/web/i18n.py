"""Bahasa Indonesia first, English on request (?lang=en, remembered in a cookie): the
request's language and the web's ways of showing texts from the catalogs (snicert.messages)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from snicert.errors import (
    IllegalTransition,
    InvalidInput,
    NotFound,
    PermissionDenied,
    SeparationOfDuties,
)
from snicert.messages import LANGS, has, localized, text


def lang_of(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("lang") or "id"
    return lang if lang in LANGS else "id"


def error_text(code: str, lang: str) -> str | None:
    """The message for a page's `?error=<code>`; an unknown code shows nothing (a URL
    anyone can craft must not put its own text on the page)."""
    key = f"error_{code}"
    return text(key, lang) if code.isidentifier() and has(key) else None


def reasons(items: list[tuple[str, dict[str, str]]], lang: str) -> list[str]:
    """Why someone may not act (impartiality.Reason keys and params), as people read it:
    the function's name translated."""
    out = []
    for key, params in items:
        values = dict(params)
        if "function" in values and has(f"imp_fn_{values['function']}"):
            values["function"] = text(f"imp_fn_{values['function']}", lang)
        out.append(text(key, lang, **values) if has(key) else key)
    return out


def refusal(exc: Exception, lang: str) -> str:
    """A refusal as people read it: the text of its key, filled with its parameters (why
    someone may not act: each reason's text)."""
    if (items := getattr(exc, "reasons", None)) is not None:
        return "; ".join(reasons(items, lang))
    key = getattr(exc, "key", None)
    if not (key and has(key)) and isinstance(exc, IllegalTransition):
        return not_now(exc, lang)
    if not (key and has(key)):
        # an English sentence of a module not yet converted (tests/test_error_keys.py): a
        # refusal about who may act carries e-mail addresses and internal names (for the
        # audit trail and the API), so a person reads what it means instead
        if isinstance(exc, SeparationOfDuties):  # took part in an earlier step
            return text("err_sod", lang)
        if isinstance(exc, PermissionDenied):
            return text("err_403", lang)
        if isinstance(exc, NotFound):
            return text("err_404", lang)
        return exc.message if isinstance(exc, InvalidInput) else str(exc)
    value = getattr(exc, "value", None)
    params = getattr(exc, "params", None) or {}
    words = text(key, lang, **localized(params, lang))
    if "{value}" in words:  # the text says where the value goes (a product's name)
        return words.replace("{value}", str(value or ""))
    # the value helps find the mistake, unless the parameters say it already or it is
    # masked (a password)
    shown = not params and value and value != "***" and isinstance(value, str | int)
    return words + (f" ({value})" if shown else "")


# the catalog's family of state names for each kind of case a transition table governs
_STATES = {
    "application": "st_",
    "site audit": "aud_st_",
    "audit finding": "aud_fs_",
    "surveillance case": "sv_st_",
    "complaint": "cmp_st_",
    "appeal": "cmp_st_",
    "change": "chg_st_",
    "qualification": "imp_q_",
    "conflict of interest": "imp_state_",
    "certificate": "",
    "checklist version": "cl_",
}


def not_now(exc: IllegalTransition, lang: str) -> str:
    """A step the case's state does not allow, in plain words: the state by its name (the
    English detail names the action and the state by their codes)."""
    state_key = f"{_STATES.get(exc.entity, '?')}{exc.state}"
    if has(state_key):
        return text("err_not_now_state", lang, state=text(state_key, lang))
    return text("err_not_now", lang)


def translator(lang: str) -> Callable[..., str]:
    """`t("key")` for templates and code that renders a page: the catalog's text."""

    def t(key: str, **params: object) -> str:
        return text(key, lang, **params)

    return t
