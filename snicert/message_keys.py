"""Which message keys the code uses, for `pybabel extract` (babel.cfg) and the catalog test.

Babel finds `t("key")`, `_("key")` and `{% trans %}`. Two kinds of key it cannot see:
keys built at run time from a state or a role (`t("st_" ~ app.state)`: Babel sees only
"st_"), and keys named as data (a navigation table). The first: `dynamic_keys` lists
those it can from the lifecycle tables and enums (each must have a text), and every
catalog key under a prefix the code builds keys from ("lab_ss_", f"ev_{...}") is kept.
The second: quoted words the catalog knows. Errors name their key as an argument
(`InvalidInput("nib", nib, "nib_bad")`): those are read from the calls (ERROR_KEY_ARG),
so a new one is extracted before the catalogs know it. All are extracted so that
`pybabel update` keeps them in the catalogs.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import IO, Any

from snicert.messages import DEFAULT, catalog

# The error classes (snicert/errors.py) a call names its text by, and which positional
# argument is the key; IllegalTransition, TooManyAttempts and InvalidFields build theirs.
ERROR_KEY_ARG = {
    "SnicertError": 0,
    "NotFound": 0,
    "PermissionDenied": 0,
    "SeparationOfDuties": 0,
    "MayNotAct": 0,
    "Conflict": 0,
    "AlreadyRegistered": 0,
    "InvalidInput": 2,
}

HTTP_ERRORS = (400, 401, 403, 404, 405, 409, 500)  # error pages with their own title


def dynamic_keys() -> set[str]:
    """Every key built from a state, status, role or function name: each must have a text."""
    from snicert import lifecycle as lc
    from snicert.roles import Role
    from snicert.services.applications import VERDICTS
    from snicert.services.impartiality import Function

    families: dict[str, Any] = {
        "st_": lc.State,
        "off_aw_": lc.OPEN,  # what an open application waits for
        "role_": Role,
        "sv_st_": lc.SurveillanceState,
        "aud_st_": lc.AuditState,
        "aud_fs_": lc.FindingState,
        "cmp_st_": [*lc.ComplaintState, *lc.AppealState],
        "chg_st_": lc.ChangeState,
        "imp_q_": lc.QualificationState,
        "imp_state_": lc.ConflictState,
        "imp_fn_": Function,
        "mr_status_": lc.ActionState,
        "off_v_": VERDICTS,
        "": lc.CertState,  # a certificate's status is its own key ("active")
        "err_title_": HTTP_ERRORS,
    }
    return {f"{prefix}{v}" for prefix, values in families.items() for v in values}


_QUOTED = re.compile(r"""["']([a-z][a-z0-9]*(?:_[a-z0-9]+)+|[a-z]+)["']""")
_PREFIX = re.compile(r"""["']([a-z][a-z0-9_]*_)(?:["']|\{)""")  # "st_" ~ x, f"st_{x}"


def _named_as_data(source: str) -> Iterator[tuple[int, None, str, list[str]]]:
    known = catalog(DEFAULT).messages
    for lineno, line in enumerate(source.splitlines(), 1):
        for word in _QUOTED.findall(line):
            if word in known:
                yield lineno, None, word, []
        for prefix in _PREFIX.findall(line):
            for key in known:
                if key.startswith(prefix):
                    yield lineno, None, key, []


def error_calls(tree: ast.AST) -> Iterator[tuple[ast.Call, ast.expr | None]]:
    """Every call of an error class in `tree`, with the expression of its key (None: the
    call gives no key where the class takes it)."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name in ERROR_KEY_ARG:
            at = ERROR_KEY_ARG[name]
            yield node, node.args[at] if len(node.args) > at else None


def literal_keys(expr: ast.expr | None) -> list[str] | None:
    """The keys a key expression can be: a string, or either side of `a if c else b`;
    None when it is anything else (f-strings, names: keys the code builds)."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return [expr.value]
    if isinstance(expr, ast.IfExp):
        a, b = literal_keys(expr.body), literal_keys(expr.orelse)
        return a + b if a is not None and b is not None else None
    return None


def _error_keys(source: str) -> Iterator[tuple[int, None, str, list[str]]]:
    """The keys errors are raised with (`Conflict("fee_no_invoice", ...)`): a new key is
    extracted before the catalogs know it."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return
    for call, expr in error_calls(tree):
        for key in literal_keys(expr) or []:
            if key.isidentifier():  # a sentence is not a key (tests/test_error_keys.py)
                yield call.lineno, None, key, []


def _keys_only(found: Any) -> Iterator[Any]:
    # `t("st_" ~ state)` extracts "st_": a prefix, not a key (dynamic_keys lists those)
    for lineno, funcname, message, comments in found:
        if isinstance(message, str) and message.endswith("_"):
            continue
        yield lineno, funcname, message, comments


def extract_python(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[Any]:
    from babel.messages.extract import extract_python as babel_python

    yield from _keys_only(babel_python(fileobj, keywords, comment_tags, options))
    fileobj.seek(0)
    source = fileobj.read().decode("utf-8")
    yield from _named_as_data(source)
    yield from _error_keys(source)
    if getattr(fileobj, "name", "").endswith("message_keys.py"):
        yield from ((0, None, key, []) for key in sorted(dynamic_keys()))


def extract_jinja2(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[Any]:
    from jinja2.ext import babel_extract

    yield from _keys_only(babel_extract(fileobj, keywords, comment_tags, options))
    fileobj.seek(0)
    yield from _named_as_data(fileobj.read().decode("utf-8"))
