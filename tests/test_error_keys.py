"""Errors carry codes, never sentences: every error a module of snicert/ builds names its
text by a key the catalogs hold (in both languages: tests/test_messages.py), and gives
each placeholder of that text its value."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from snicert import messages
from snicert.errors import Conflict, InvalidInput, MayNotAct
from snicert.message_keys import error_calls, literal_keys
from snicert.web.i18n import refusal

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "snicert").rglob("*.py"))

# Modules still raising English sentences (the errors fall back to them as they are).
NOT_YET = {
    "snicert/judgment.py",
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _problems(path: Path, root: Path = ROOT) -> list[str]:
    """What is wrong with the errors `path` builds: a key that is no key the catalogs hold,
    a placeholder of its text left without a value."""
    where = path.relative_to(root)
    known = messages.catalog(messages.DEFAULT).messages
    out = []
    for call, expr in error_calls(ast.parse(path.read_text())):
        at = f"{where}:{call.lineno}"
        if isinstance(expr, ast.JoinedStr):  # f"withdraw_closed_{state}": a family of keys
            head = expr.values[0]
            prefix = head.value if isinstance(head, ast.Constant) else ""
            if not (prefix and any(k.startswith(prefix) for k in known)):
                out.append(f"{at}: no catalog key starts with {prefix!r}")
            continue
        keys = literal_keys(expr)
        if keys is None:
            out.append(f"{at}: the key is not written out ({ast.unparse(expr or call)})")
            continue
        given = {k.arg for k in call.keywords}
        for key in keys:
            if key not in known:
                out.append(f"{at}: {key!r} is no key of the catalogs (a sentence?)")
                continue
            if None in given:  # **params: filled at run time
                continue
            wanted = {
                p for lang in messages.LANGS for p in _PLACEHOLDER.findall(messages.text(key, lang))
            } - {"value"}  # InvalidInput's own value
            if wanted - given:
                out.append(f"{at}: {key} needs {sorted(wanted - given)}")
    return out


def test_every_error_names_a_key_with_its_parameters() -> None:
    problems = [
        p for path in SOURCES if str(path.relative_to(ROOT)) not in NOT_YET for p in _problems(path)
    ]
    assert not problems, "\n".join(problems)


def test_the_list_of_modules_left_names_only_modules_with_sentences() -> None:
    """A module converted leaves NOT_YET (the list only shrinks)."""
    done = [m for m in sorted(NOT_YET) if not _problems(ROOT / m)]
    assert not done, f"convert finished: drop {done} from NOT_YET"


def test_the_check_sees_a_sentence_a_missing_parameter_and_a_built_key(tmp_path: Path) -> None:
    bad = tmp_path / "snicert" / "bad.py"
    bad.parent.mkdir()
    bad.write_text(
        "raise Conflict('the payment is already confirmed')\n"
        "raise InvalidInput('x', 1, 'in_too_long', limit=3)\n"
        "raise NotFound(key)\n"
        "raise InvalidInput('x', 1, 'in_too_long', limit=3, length=4)\n"
    )
    found = _problems(bad, tmp_path)
    assert len(found) == 3, found
    assert "a sentence" in found[0] and "['length']" in found[1] and "not written" in found[2]


@pytest.mark.parametrize("lang", messages.LANGS)
def test_an_error_reads_in_the_persons_language_and_in_english_for_logs(lang: str) -> None:
    exc = InvalidInput("brand", "x" * 50, "in_too_long", limit=40, length=50)
    assert refusal(exc, lang) == messages.text("in_too_long", lang, limit=40, length=50)
    assert str(exc).startswith("brand: " + messages.text("in_too_long", "en", limit=40, length=50))
    named = Conflict("too_many", minutes={"id": "lima", "en": "five"})
    assert refusal(named, lang) == messages.text(
        "too_many", lang, minutes={"id": "lima", "en": "five"}[lang]
    )


def test_may_not_act_reads_every_reason() -> None:
    exc = MayNotAct("imp_refused", [("imp_own_business", {})], who="a", function="b", case="c")
    assert refusal(exc, "id") == messages.text("imp_own_business", "id")
    assert messages.text("imp_own_business", "en") in str(exc)
