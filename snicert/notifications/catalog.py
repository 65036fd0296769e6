"""The notification texts: the moments people are told of (moments.yaml: each one's
parameters and WhatsApp template) and their words in the gettext catalogs (snicert/locale,
keys ntf_m_<moment>_subject and _text), rendered as plain text in the recipient's
language. Checked when loaded: every moment has both texts in both languages, and a text
uses only the parameters the moment declares."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from string import Formatter
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from snicert import messages

CATALOG = Path(__file__).with_name("moments.yaml")
LANGS = messages.LANGS
IF = "if_"  # {if_fix_by}: the sentence ntf_m_<moment>_if_fix_by, when fix_by is given


class Text(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject: str = Field(min_length=1, max_length=150)
    text: str = Field(min_length=1, max_length=700)


class Moment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    params: list[str]
    whatsapp_template: str = Field(pattern=r"^[a-z0-9_]{1,512}$")
    id: Text
    en: Text


def key(moment: str, part: str) -> str:
    return f"ntf_m_{moment}_{part}"


def _placeholders(words: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(words) if name}


@lru_cache(maxsize=1)
def moments() -> dict[str, Moment]:
    raw = yaml.safe_load(CATALOG.read_text(encoding="utf-8")) or {}
    found: dict[str, Moment] = {}
    for name, entry in raw.items():
        words: dict[str, dict[str, str]] = {}
        for lang in LANGS:
            words[lang] = {}
            for part in ("subject", "text"):
                if key(name, part) not in messages.catalog(lang).messages:
                    raise ValueError(f"notification {name!r}: no {lang} text {key(name, part)!r}")
                words[lang][part] = messages.text(key(name, part), lang)
        moment = Moment.model_validate({**entry, **words})
        for lang in LANGS:
            for part in ("subject", "text"):
                used = _placeholders(words[lang][part])
                for cond in {u for u in used if u.startswith(IF)}:
                    used |= _placeholders(messages.text(key(name, cond), lang))
                    if key(name, cond) not in messages.catalog(lang).messages:
                        raise ValueError(f"notification {name!r}: no {lang} text for {cond}")
                unknown = {u for u in used if not u.startswith(IF)} - set(moment.params)
                if unknown:
                    raise ValueError(
                        f"{key(name, part)} ({lang}) uses {sorted(unknown)}, "
                        f"not among its params {moment.params}"
                    )
        found[name] = moment
    return found


def render(moment: str, params: dict[str, Any], lang: str) -> tuple[str, str]:
    """(subject, text) of `moment` in `lang` with `params`; a missing or unknown parameter,
    or an unknown moment, is a programming error (ValueError)."""
    m = moments().get(moment)
    if m is None:
        raise ValueError(f"unknown notification moment {moment!r}; known: {sorted(moments())}")
    if set(params) != set(m.params):
        raise ValueError(f"moment {moment!r} takes params {m.params}, given {sorted(params)}")
    lang = lang if lang in LANGS else messages.DEFAULT
    filled = {p: str(v) for p, v in params.items()}
    for p, v in params.items():  # a sentence told only when its parameter is given
        cond = key(moment, IF + p)
        if cond in messages.catalog(lang).messages:
            filled[IF + p] = " " + messages.text(cond, lang, **filled) if v else ""
    subject = " ".join(messages.text(key(moment, "subject"), lang, **filled).split())
    return subject[:200], messages.text(key(moment, "text"), lang, **filled).strip()


def whatsapp_parameters(moment: str, params: dict[str, Any]) -> list[str]:
    """The WhatsApp template's positional parameters, in the moment's declared order."""
    return [str(params[name]) for name in moments()[moment].params]
