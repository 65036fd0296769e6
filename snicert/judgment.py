"""Judge one lab result against one checklist requirement.

Exact decimal arithmetic: a maximum of 7 accepts 7.0 and rejects 7.01. Anything the
parser does not understand is an error, never a silent pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from snicert.errors import InvalidInput

CONFORM, NONCONFORM = "conform", "nonconform"

NEGATIVE_WORDS = frozenset({
    "negative", "negatif", "not detected", "tidak terdeteksi", "nd", "absent",
    "tidak ada", "neg", "-ve",
})
POSITIVE_WORDS = frozenset({"positive", "positif", "detected", "terdeteksi", "present", "ada"})
NORMAL_WORDS = frozenset({"normal", "khas", "sesuai"})
ABNORMAL_WORDS = frozenset({"abnormal", "tidak normal", "not normal", "menyimpang"})
PASS_WORDS = frozenset({"pass", "lulus", "ok", "sesuai", "memenuhi", "conform"})
FAIL_WORDS = frozenset({"fail", "gagal", "tidak lulus", "tidak sesuai", "tidak memenuhi",
                        "nonconform"})

_NUMBER = re.compile(
    r"^\s*(?P<q><=|<|≤|>=|>|≥)?\s*(?P<n>[-+]?\d+(?:[.,]\d+)?(?:[eE][-+]?\d+)?)\s*$")


@dataclass(frozen=True)
class Reading:
    """A parsed result: a number (maybe a '< LOD' bound), or a word."""

    number: Decimal | None = None
    qualifier: str = ""  # "", "<", ">"
    word: str | None = None


def parse(value: Any, parameter_id: str = "value") -> Reading:
    if isinstance(value, bool):
        raise InvalidInput(parameter_id, value, "a yes/no value is not a result")
    if isinstance(value, int | float | Decimal):
        return Reading(number=_decimal(value, parameter_id))
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(parameter_id, value, "empty or unreadable result")
    text = " ".join(value.strip().lower().split())
    m = _NUMBER.match(text)
    if m:
        q = {"<=": "<", "≤": "<", "<": "<", ">=": ">", "≥": ">", ">": ">"}.get(m["q"] or "", "")
        return Reading(number=_decimal(m["n"].replace(",", "."), parameter_id), qualifier=q)
    return Reading(word=text)


def _decimal(value: Any, parameter_id: str) -> Decimal:
    try:
        # str() first: Decimal(0.1) would carry binary noise into an exact comparison
        d = Decimal(str(value))
    except InvalidOperation:
        raise InvalidInput(parameter_id, value, "not a number") from None
    if not d.is_finite():
        raise InvalidInput(parameter_id, value, "not a finite number")
    return d


def judge(requirement: dict[str, Any], value: Any, parameter_id: str = "value",
          uncertainty: Decimal | None = None) -> str:
    """Return "conform" or "nonconform"; raise InvalidInput for a value that can't be judged.

    `requirement` is the checklist's requirement as stored in the snapshot (JSON form).
    With `uncertainty` (guarded acceptance) a numeric value conforms only if the whole
    interval value ± uncertainty does.
    """
    kind = requirement["kind"]
    r = parse(value, parameter_id)
    if kind in ("max", "min", "range"):
        return _numeric(kind, requirement, r, parameter_id, uncertainty or Decimal(0))
    if kind == "equals":
        expected = requirement["value"]
        if r.number is not None and not isinstance(expected, str):
            ok = r.qualifier == "" and r.number == Decimal(str(expected))
        else:
            ok = r.word is not None and r.word == str(expected).strip().lower()
        return CONFORM if ok else NONCONFORM
    if kind == "one_of":
        allowed = {str(v).strip().lower() for v in requirement["values"]}
        token = r.word if r.word is not None else _plain(r, parameter_id)
        if token in allowed:
            return CONFORM
        return NONCONFORM
    if kind == "negative":
        return _words(r, NEGATIVE_WORDS, POSITIVE_WORDS, parameter_id, "negative / not detected")
    if kind == "sensory_normal":
        return _words(r, NORMAL_WORDS, ABNORMAL_WORDS, parameter_id, "normal / abnormal")
    if kind == "pass_fail":
        return _words(r, PASS_WORDS, FAIL_WORDS, parameter_id, "pass / fail")
    raise InvalidInput(parameter_id, kind, "unknown requirement kind")


def _plain(r: Reading, parameter_id: str) -> str:
    if r.qualifier:
        raise InvalidInput(parameter_id, f"{r.qualifier}{r.number}", "a bound is not a choice")
    return format(r.number.normalize(), "f") if r.number is not None else ""


def _words(r: Reading, yes: frozenset[str], no: frozenset[str], parameter_id: str,
           expected: str) -> str:
    if r.word in yes:
        return CONFORM
    if r.word in no:
        return NONCONFORM
    shown = r.word if r.word is not None else f"{r.qualifier}{r.number}"
    raise InvalidInput(parameter_id, shown, f"not understood; expected {expected}")


def _numeric(kind: str, req: dict[str, Any], r: Reading, parameter_id: str,
             u: Decimal) -> str:
    if r.number is None:
        raise InvalidInput(parameter_id, r.word, "a number is required")
    lo = Decimal(str(req["min"])) if kind in ("min", "range") else None
    hi = Decimal(str(req["max"])) if kind in ("max", "range") else None
    # A '< x' result means the true value is below x: it meets a maximum >= x for sure,
    # and can never prove a minimum. '> x' is the mirror image.
    if r.qualifier == "<":
        if lo is not None:
            return NONCONFORM
        return CONFORM if r.number <= hi else NONCONFORM  # type: ignore[operator]
    if r.qualifier == ">":
        if hi is not None:
            return NONCONFORM
        return CONFORM if r.number >= lo else NONCONFORM  # type: ignore[operator]
    if lo is not None and r.number - u < lo:
        return NONCONFORM
    if hi is not None and r.number + u > hi:
        return NONCONFORM
    return CONFORM
