"""Every text the code uses is in both catalogs (snicert/locale), with words, and the
catalogs serve pages, `_()` and services the same way."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from fastapi.testclient import TestClient
from jinja2 import DictLoader

from snicert import messages
from snicert.db import engine as db
from snicert.db.models import User
from snicert.errors import IllegalTransition
from snicert.message_keys import dynamic_keys
from snicert.services import sessions, text
from snicert.services.guards import user_by_email
from snicert.templating import environment
from snicert.web.app import create_app
from snicert.web.i18n import refusal
from tests.world import World

ROOT = Path(__file__).resolve().parent.parent


def extracted() -> set[str]:
    """What `pybabel extract -F babel.cfg -k t` finds (the same configuration)."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = extract_from_dir(
        str(ROOT), method_map, options_map, keywords={**DEFAULT_KEYWORDS, "t": None}
    )
    return {msg if isinstance(msg, str) else msg[0] for _file, _line, msg, _c, _ctx in found}


@pytest.fixture(scope="module")
def used() -> set[str]:
    return extracted() | dynamic_keys()


@pytest.mark.parametrize("lang", messages.LANGS)
def test_every_key_the_code_uses_has_words_in_both_languages(used: set[str], lang: str) -> None:
    texts = messages.catalog(lang).messages  # empty and fuzzy entries are not in it
    missing = sorted(k for k in used if not texts.get(k, "").strip())
    assert not missing, f"{lang}: no text for {missing}"


def test_extraction_sees_literal_dynamic_and_data_keys(used: set[str]) -> None:
    assert {"chg_notify", "register"} <= used  # t("...") in templates and code
    assert {"st_draft", "st_certified", "off_aw_site_audit", "role_auditor"} <= used  # enums
    assert "nib_bad" in used  # key="nib_bad" in a service
    assert "lab_ss_sealed" in used  # t("lab_ss_" ~ x.status): the family is kept
    assert not any(k.endswith("_") for k in used)  # "st_" alone is a prefix, not a key


def test_a_missing_text_fails_the_check(tmp_path: Path, monkeypatch) -> None:
    """The check above would see a key whose msgstr is empty: it is not in the catalog."""
    po = tmp_path / "id" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid "a_key"\nmsgstr ""\n\nmsgid "b_key"\nmsgstr "Kata"\n')
    cat = messages.Catalog(po)
    assert "a_key" not in cat.messages and cat.messages["b_key"] == "Kata"
    assert cat.gettext("a_key") == "a_key"  # shown as itself on a page: the test catches it


def test_templates_t_gettext_and_trans_are_the_same_text() -> None:
    env = environment(
        DictLoader(
            {
                "p": '{{ t("chg_notify") }}|{{ _("chg_notify") }}|'
                "{% trans %}chg_notify{% endtrans %}|"
                '{{ _("imp_fn_sampler") }}|{{ _("x_unknown") }}'
            }
        )
    )
    for lang in messages.LANGS:
        t = lambda key, lang=lang: messages.text(key, lang)  # noqa: E731
        out = env.get_template("p").render(lang=lang, t=t).split("|")
        assert out[0] == out[1] == out[2] == messages.text("chg_notify", lang)
        assert out[3] == messages.text("imp_fn_sampler", lang)
        assert out[4] == "x_unknown"
    assert messages.text("chg_notify", "id") != messages.text("chg_notify", "en")


def test_placeholders_are_filled_and_unknown_ones_kept() -> None:
    words = messages.text("imp_refused", "id", who="Ani", function="pengambil contoh")
    assert "Ani" in words and "pengambil contoh" in words and "{case}" in words


def _error_at(html: str, field: str) -> str:
    m = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    assert m, f"no error at {field}"
    return unescape(m[1])


@pytest.mark.parametrize("lang", messages.LANGS)
def test_service_errors_read_in_the_persons_language_at_their_field(home, lang: str) -> None:
    """Registration: a 5-digit NIB, a name over its column's length and a control character
    in the city; each error is the catalog's text at its field, with its parameters."""
    client = TestClient(create_app())
    page = client.get(f"/register?lang={lang}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]
    r = client.post(
        f"/register?lang={lang}",
        data={
            "name": "N" * 300,
            "email": "pemilik@umkm.example",
            "password": "rahasia-123",
            "business_name": "UMKM Abon",
            "nib": "12345",
            "address": "Jl. Timor Raya",
            "city": "Kota\x1bKupang",
            "csrf_token": token,
        },
    )
    assert r.status_code == 422
    assert _error_at(r.text, "nib") == messages.text("nib_bad", lang) + " (12345)"
    limit = text.limit_of(User.name)
    too_long = messages.text("in_too_long", lang, limit=limit, length=300)
    assert _error_at(r.text, "name") == too_long and str(limit) in too_long
    assert _error_at(r.text, "city") == messages.text("in_control_line", lang, char="U+001B")
    if lang == "id":
        assert "13 angka" in _error_at(r.text, "nib") and "karakter" in too_long
    for english in ("value:", "nib:", "longer than", "control character"):
        assert english not in r.text


def test_the_api_gives_the_code_and_the_text(home) -> None:
    """A service refusal through the API: the English `detail`, the catalog key as `code`
    and its text as `message` (Indonesian, English with ?lang=en)."""
    World().setup_staff()
    client = TestClient(create_app())
    page = client.get("/register")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]
    form = {"name": "Pemilik", "email": "pemilik@umkm.example", "password": "rahasia-123"}
    form |= {"business_name": "UMKM", "nib": "9100000000001", "address": "Jl. Timor"}
    client.post("/register", data={**form, "city": "Kota Kupang", "csrf_token": token})
    with db.transaction() as s:
        key, _ = sessions.create_api_token(s, user_by_email(s, "pemilik@umkm.example"), "app")
    api = TestClient(create_app(), headers={"Authorization": f"Bearer {key}"})
    body = {"product": "abon", "brand": "Abon\x1bSapi", "production_site": "Kupang"}
    for lang in messages.LANGS:
        r = api.post(f"/api/v1/applications?lang={lang}", json=body)
        assert r.status_code == 422, r.text
        got = r.json()
        assert (got["field"], got["code"]) == ("brand", "in_control_line")
        assert got["message"] == messages.text("in_control_line", lang, char="U+001B")
        # the English text, for logs and clients that show no language of their own
        assert got["detail"].startswith("brand: " + messages.text("in_control_line", "en"))


@pytest.mark.parametrize("lang", messages.LANGS)
def test_a_step_the_state_does_not_allow_reads_as_plain_words(lang: str) -> None:
    """An IllegalTransition without a text of its own names the state by its name, never
    by the codes of the English detail ("cannot 'grant' an application in state ...")."""
    said = refusal(IllegalTransition("draft", "grant", ["submit"]), lang)
    assert said == messages.text("err_not_now_state", lang, state=messages.text("st_draft", lang))
    audit = refusal(IllegalTransition("on_site", "plan", [], "site audit"), lang)
    assert messages.text("aud_st_on_site", lang) in audit
    other = refusal(IllegalTransition("x", "y", [], "review action"), lang)
    assert other == messages.text("err_not_now", lang)
    for said_ in (said, audit, other):
        assert "in state" not in said_ and "'" not in said_ and "_" not in said_
