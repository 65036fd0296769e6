"""The notification texts: a catalog of moments (templates.yaml), rendered as plain text in
the recipient's language. Checked when loaded: every moment has both languages, its
templates compile, and a template uses only the parameters the moment declares."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import StrictUndefined, Template, meta
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field

CATALOG = Path(__file__).with_name("templates.yaml")
LANGS = ("id", "en")


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


# Plain text, never HTML: no autoescaping here (an "&" stays "&"); pages show these texts
# through snicert.templating's autoescaped templates. Sandboxed, since the catalog is data.
_env = SandboxedEnvironment(
    autoescape=False, undefined=StrictUndefined, keep_trailing_newline=False
)


@lru_cache(maxsize=1)
def moments() -> dict[str, Moment]:
    raw = yaml.safe_load(CATALOG.read_text(encoding="utf-8")) or {}
    found: dict[str, Moment] = {}
    for name, entry in raw.items():
        moment = Moment.model_validate(entry)
        for lang in LANGS:
            text: Text = getattr(moment, lang)
            for part in ("subject", "text"):
                used = meta.find_undeclared_variables(_env.parse(getattr(text, part)))
                unknown = used - set(moment.params)
                if unknown:
                    raise ValueError(
                        f"{CATALOG.name}: {name}.{lang}.{part} uses {sorted(unknown)}, "
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
    text: Text = getattr(m, lang if lang in LANGS else "id")
    subject = " ".join(_template(text.subject).render(params).split())
    return subject[:200], _template(text.text).render(params).strip()


@lru_cache(maxsize=512)
def _template(source: str) -> Template:
    """Compiled once per text: compiling took most of a render (~4 ms each, measured)."""
    return _env.from_string(source)


def whatsapp_parameters(moment: str, params: dict[str, Any]) -> list[str]:
    """The WhatsApp template's positional parameters, in the moment's declared order."""
    return [str(params[name]) for name in moments()[moment].params]
