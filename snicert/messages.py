"""The texts people read: gettext catalogs in snicert/locale, Bahasa Indonesia first.

Message ids are symbolic keys (`chg_notify`); each language's `messages.po` holds the
words. The .po files are read when first needed (no compile step to remember): the same
catalogs serve `t("key")` and `_()`/`{% trans %}` in templates, services' error codes and
the PDFs. A key missing from a catalog shows as itself; tests/test_messages.py fails on any.
Placeholders are `{name}` (str.format), filled by `text(key, lang, name=...)`.
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

LANGS = ("id", "en")
DEFAULT = "id"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


class Catalog(gettext.NullTranslations):
    """One language's translations, read straight from its .po file. Untranslated (empty)
    and fuzzy entries count as missing, as gettext's compiled catalogs would."""

    def __init__(self, path: Path):
        super().__init__()
        with path.open("rb") as f:
            po = read_po(f)
        self.messages: dict[str, str] = {}
        self.plurals: dict[str, tuple[str, ...]] = {}
        for m in po:
            if not m.id or m.fuzzy:
                continue
            if isinstance(m.id, tuple | list):
                if all(m.string):
                    self.plurals[m.id[0]] = tuple(m.string)
            elif m.string:
                self.messages[m.id] = m.string
        self._plural = gettext.c2py(po.plural_expr)

    def gettext(self, message: str) -> str:
        return self.messages.get(message, message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        forms = self.plurals.get(msgid1)
        if forms is None:
            return msgid1 if n == 1 else msgid2
        return forms[min(self._plural(n), len(forms) - 1)]

    def pgettext(self, context: str, message: str) -> str:
        return self.gettext(message)  # no contexts: symbolic ids are unique already

    def npgettext(self, context: str, msgid1: str, msgid2: str, n: int) -> str:
        return self.ngettext(msgid1, msgid2, n)


@lru_cache(maxsize=len(LANGS))
def catalog(lang: str) -> Catalog:
    lang = lang if lang in LANGS else DEFAULT
    return Catalog(LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po")


class _Missing(dict):
    """str.format_map that leaves an unknown placeholder as it is."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def text(key: str, lang: str, /, **params: Any) -> str:
    """The text of `key` in `lang`, its `{placeholders}` filled from `params`; the key
    itself when no catalog has it."""
    words = catalog(lang).gettext(key)
    return words.format_map(_Missing(params)) if params else words


def has(key: str) -> bool:
    """Whether the Indonesian catalog (the one every text must be in) holds `key`."""
    return key in catalog(DEFAULT).messages


def both(key: str, sep: str = " / ") -> str:
    """Indonesian, then English: headings of documents read on both sides (PDF, XLSX)."""
    return f"{text(key, 'id')}{sep}{text(key, 'en')}"


def localized(params: dict[str, Any], lang: str) -> dict[str, str]:
    """Parameters of a text in `lang`: a name {"id": .., "en": ..} as its text, a list of
    them joined with commas."""

    def one(v: object) -> str:
        return str(v.get(lang) or v.get("id")) if isinstance(v, dict) else str(v)

    return {
        k: ", ".join(one(x) for x in v) if isinstance(v, list) else one(v)
        for k, v in params.items()
    }


def named(key: str) -> dict[str, str]:
    """A name as a text's parameter, in every language: the text of `key` (localized()
    picks the reader's)."""
    return {lang: text(key, lang) for lang in LANGS}


def pair(key: str) -> tuple[str, str]:
    """(Indonesian, English): documents that print the two apart (a line each, a column
    each) or pick one of them."""
    return text(key, "id"), text(key, "en")
