"""Judge one lab result against one checklist requirement.

`judge(requirement, value, parameter_id, uncertainty)` returns "conform" or "nonconform",
or raises `InvalidInput` (naming the parameter and the value) for anything it cannot
read. Nothing unreadable is ever a silent pass. `requirement` is the JSON form of the
checklist requirement, as kept in an application's checklist snapshot, e.g.
``{"kind": "max", "max": "7"}``; limits may be str (pydantic's JSON form of a Decimal),
int, float or Decimal.

Arithmetic is exact (Decimal, never binary floats): a maximum of 7 accepts 7.0 and
rejects 7.01. A float result is read through its shortest repr, so 0.1 is 0.1.

Reading a result
----------------
* Numbers: int, float, Decimal. NaN and infinities are errors; so are True/False.
* Text numbers: ``7``, ``-1.5``, ``+2``, ``.5``, ``7,5`` (decimal comma), a Unicode
  minus sign; scientific notation ``5E4``, ``5e+04``, ``5 x 10^4``, ``5x10^4``,
  ``5 × 10^4``, ``5×10⁴``, ``5 * 10^4``, ``5·10^4``, ``2,5 x 10^-3``, ``10^4``.
  The exponent needs ``^`` (or superscript digits): ``5 x 104`` is an error.
* Qualifiers before a number: ``<``, ``<=``, ``≤`` (a bound from below the detection or
  quantitation limit, e.g. ``< 0.01``, ``<1 x 10^1``) and ``>``, ``>=``, ``≥`` (e.g. a
  plate count too numerous to count, ``> 3 x 10^5``). ``≤ x`` is judged like ``< x``.
* Thousands separators are NOT read: ``1.000.000``, ``1,000.5`` and ``50 000`` are errors.
  A number with one separator ``.`` or ``,`` followed by exactly three digits and a
  non-zero integer part (``1,500``, ``60.000``, ``7.125``) is an error too: in Indonesian
  ``60.000`` means sixty thousand, in English ``60,000`` does, and guessing wrong would
  pass a plate count 1000 times over its limit. Write ``60000``, ``6 x 10^4``, ``60.0``
  or, for a true three-decimal value, E notation (``7.125E0``). Numbers with an exponent
  or with a zero integer part (``0,005``) are not ambiguous and are read.
* A number followed by anything else (``6.5 %``, ``6.5 mg``) is not a number: the unit
  belongs in the result's unit field, which the caller checks against the checklist
  (judge() does not know the unit). Numeric kinds reject it as unreadable.
* Words are compared case-insensitively with surrounding and repeated spaces ignored:
    negative kind: negatif, negative, tidak terdeteksi, not detected, nd, n.d.,
      tidak ada, absent, neg, -ve  /  positif, positive, terdeteksi, detected, ada,
      present, pos, +ve
    sensory_normal: normal, khas, sesuai  /  tidak normal, abnormal, not normal,
      menyimpang, tidak khas, tidak sesuai
    pass_fail: lulus, pass, passed, ok, sesuai, memenuhi, memenuhi syarat, conform,
      baik  /  gagal, fail, failed, tidak lulus, tidak sesuai, tidak memenuhi,
      tidak memenuhi syarat, nonconform, tidak baik
  Any other text for these kinds is an error.

Judging (simple acceptance, the default)
----------------------------------------
* max: conform iff value <= max. min: conform iff value >= min. range: conform iff
  min <= value <= max (both ends included).
* ``< x`` (true value below x): meets a maximum iff x <= max; never shows a minimum or a
  range is met, so it is nonconform for min and range. ``> x`` is the mirror: meets a
  minimum iff x >= min; nonconform for max and range. A bound that cannot show
  conformity is nonconform (conformity was not demonstrated), not an error.
* A word (``nd``, ``negatif``...) against max/min/range is an error: report a
  not-detected result as ``< LOD`` with the detection limit's value.
* equals: when the expected value is a number (or a text that reads as a plain number,
  since JSON keeps Decimal limits as strings), the result must be a number and is
  compared numerically (``5`` equals ``5.0``); a bound (``< 5``) is nonconform; a word is
  an error. Otherwise both are compared as words (case-insensitive); a number is then
  nonconform.
* one_of: the result (as a word, case-insensitive) is one of the values; a number is
  also compared numerically with the values that are numbers. Anything else is
  nonconform; a bound is an error.
* negative / sensory_normal / pass_fail: by the word lists above.

Guarded acceptance (checklist ``acceptance: guarded``)
------------------------------------------------------
The caller passes the result's expanded uncertainty U (same unit as the result, U >= 0;
negative, NaN or infinite U is an error) only when the checklist says
``acceptance: guarded``; with ``acceptance: simple`` (default) it passes None and the
measured value alone decides. With U, a plain number v conforms only when the whole
interval [v - U, v + U] lies inside the acceptance zone:

* max: v + U <= max;  min: v - U >= min;  range: min <= v - U and v + U <= max;
* equals (numeric): only when U == 0 (an interval of positive width is not one value).
* ``<`` / ``>`` bounds are judged as bounds (U is not added to a detection limit), and
  words are not affected by U.

So guarded acceptance is never more lenient than simple acceptance; U = 0 (or None) is
simple acceptance. The interval arithmetic is exact.

Possible values (domains)
-------------------------
A numeric parameter's domain (its unit's ``domain`` in checklists/units.yaml, bound by
bound overridden by the parameter's own ``domain``) holds every value a result can
possibly take: percent 0 to 100, counts from 0... A value outside it is refused, never
judged (-5 % moisture is an error, not a conforming result); so is a bound that says
nothing possible (``< 0`` for a percent; ``< x`` needs x above the domain's minimum,
``> x`` below its maximum, both within it) and an uncertainty wider than the domain.

`judge_result(parameter, value, unit, units, uncertainty, guarded)` is the one path by
which a result is checked and judged (result entry and ``snicert evaluate``): the unit
(the parameter's unit, by id or alias), the uncertainty, the domain, then `judge()`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal, InvalidOperation
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from snicert.errors import InvalidInput

if TYPE_CHECKING:  # the catalog's loader imports this module
    from snicert.catalog.models import Unit

CONFORM, NONCONFORM = "conform", "nonconform"

NEGATIVE_WORDS = frozenset(
    {
        "negative",
        "negatif",
        "not detected",
        "tidak terdeteksi",
        "nd",
        "n.d.",
        "absent",
        "tidak ada",
        "neg",
        "-ve",
    }
)
POSITIVE_WORDS = frozenset(
    {
        "positive",
        "positif",
        "detected",
        "terdeteksi",
        "present",
        "ada",
        "pos",
        "+ve",
    }
)
NORMAL_WORDS = frozenset({"normal", "khas", "sesuai"})
ABNORMAL_WORDS = frozenset(
    {"abnormal", "tidak normal", "not normal", "menyimpang", "tidak khas", "tidak sesuai"}
)
PASS_WORDS = frozenset(
    {"pass", "passed", "lulus", "ok", "sesuai", "memenuhi", "memenuhi syarat", "conform", "baik"}
)
FAIL_WORDS = frozenset(
    {
        "fail",
        "failed",
        "gagal",
        "tidak lulus",
        "tidak sesuai",
        "tidak memenuhi",
        "tidak memenuhi syarat",
        "nonconform",
        "tidak baik",
    }
)

# The common case, read without the general parser: an optionally signed plain decimal
# with a dot. Lengths are bounded so these never need a range check.
_PLAIN = re.compile(r"[ \t]*[-+]?([0-9]{1,30})(?:\.([0-9]{1,30}))?[ \t]*")

_SUPERSCRIPTS = re.compile(r"[⁺⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
_SUPER_TO_ASCII = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻", "0123456789+-")
_NUMBER = re.compile(
    r"""
    (?P<q><=|>=|<|>|≤|≥)?\s*
    (?:
        (?P<m>[-+]?(?:(?P<int>[0-9]+)(?:(?P<sep>[.,])(?P<frac>[0-9]+))?|[.,][0-9]+))
        (?:
            e(?P<e>[-+]?[0-9]+)                                   # 5e4, 5E+04
          | \s*[x×*·⋅]\s*10\s*(?:\^|\*\*)\s*(?P<p>[-+]?[0-9]+)    # 5 x 10^4
        )?
      | 10\s*(?:\^|\*\*)\s*(?P<p2>[-+]?[0-9]+)                    # 10^4
    )
""",
    re.VERBOSE,
)
_QUALIFIER = {"<": "<", "<=": "<", "≤": "<", ">": ">", ">=": ">", "≥": ">", None: ""}
_NUMBERISH = re.compile(r"(?:<=|>=|<|>|≤|≥)?\s*[-+]?[.,]?[0-9]")

_EXACT = 10_000  # most digits the guarded interval arithmetic may need


@dataclass(frozen=True, slots=True)
class Reading:
    """A parsed result: a number (maybe a '< LOD' / '> x' bound), or a word."""

    number: Decimal | None = None
    qualifier: str = ""  # "", "<", ">"
    word: str | None = None


def parse(value: Any, parameter_id: str = "value") -> Reading:
    """Read a result as a number (with its qualifier) or a normalised word.

    Raises InvalidInput for booleans, empty text, NaN / infinities, ambiguous thousands
    separators, and types that are neither numbers nor text.
    """
    number, qualifier, word = _read(value, parameter_id)
    return Reading(number=number, qualifier=qualifier, word=word)


def judge(
    requirement: dict[str, Any],
    value: Any,
    parameter_id: str = "value",
    uncertainty: Decimal | None = None,
    domain: Domain | None = None,
) -> str:
    """Return "conform" or "nonconform"; raise InvalidInput for a value that can't be judged.

    `requirement` is the checklist's requirement in JSON form (as stored in the snapshot).
    `uncertainty` is given only under guarded acceptance (see the module docstring): a
    numeric value then conforms only if the whole interval value ± uncertainty does.
    `domain`, if given, refuses a number (or bound) no result can take.
    """
    try:
        rule = _RULES[requirement["kind"]]
    except (KeyError, TypeError):
        kind = requirement.get("kind") if isinstance(requirement, dict) else requirement
        raise InvalidInput(parameter_id, kind, "unknown requirement kind") from None
    # U = 0 is simple acceptance
    u = read_uncertainty(uncertainty, parameter_id, domain) or None
    if domain is not None:
        domain.check(value, parameter_id)
    return rule(requirement, value, parameter_id, u)


# ---------------------------------------------------------------- possible values


@dataclass(frozen=True, slots=True)
class Domain:
    """The values a result can possibly take, ends included (None: unbounded)."""

    min: Decimal | None = None
    max: Decimal | None = None

    def __str__(self) -> str:
        return self.shown()

    def shown(self, to: str = "to") -> str:
        """'0 to 100' (or, for a page in Indonesian, shown('s.d.'): '0 s.d. 100')."""
        lo = "-∞" if self.min is None else _plain(self.min)
        hi = "∞" if self.max is None else _plain(self.max)
        return f"{lo} {to} {hi}"

    def admits(self, n: Decimal) -> bool:
        return (self.min is None or n >= self.min) and (self.max is None or n <= self.max)

    def check(self, value: Any, pid: str) -> None:
        """Raise InvalidInput for a number outside the domain, or a bound that leaves no
        possible value (words are left to the requirement's rule)."""
        n, q, _word = _read(value, pid)
        if n is None:
            return
        if q == "<" and self.admits(n) and (self.min is None or n > self.min):
            return
        if q == ">" and self.admits(n) and (self.max is None or n < self.max):
            return
        if not q and self.admits(n):
            return
        what = "a bound" if q else "a value"
        raise InvalidInput(
            pid, value, f"impossible: {what} outside the possible values {self} of this parameter"
        )


def domain_of(parameter: Mapping[str, Any], units: Mapping[str, Unit]) -> Domain | None:
    """A parameter's possible values: its own `domain` over its unit's, bound by bound.
    None for a parameter whose unit is not numeric (or unknown)."""
    unit = units.get(parameter.get("unit", ""))
    if unit is None or unit.domain is None:
        return None
    own = parameter.get("domain") or {}
    lo, hi = own.get("min"), own.get("max")
    return Domain(
        unit.domain.min if lo is None else Decimal(str(lo)),
        unit.domain.max if hi is None else Decimal(str(hi)),
    )


def possible_values(parameter: Mapping[str, Any], units: Mapping[str, Unit]) -> Domain | None:
    """The domain a result of this snapshot parameter is checked against (and shown with)."""
    domain = domain_of(parameter, units)
    if domain is not None:
        # a snapshot approved before domains existed may have limits outside its unit's
        # domain (a shrinkage of -5 %): drop that bound rather than refuse real results
        for _loc, limit in limits_outside(parameter["requirement"], domain):
            below = domain.min is not None and limit < domain.min
            domain = Domain(None, domain.max) if below else Domain(domain.min, None)
    return domain


def limits_outside(
    requirement: Mapping[str, Any],
    domain: Domain,
) -> list[tuple[tuple[str | int, ...], Decimal]]:
    """The requirement's numeric limits the domain excludes, as (location in the
    requirement, limit): a requirement no possible value could meet is a data error."""
    found: list[tuple[tuple[str | int, ...], Any]] = [
        ((key,), requirement.get(key)) for key in ("min", "max", "value")
    ]
    found += [(("values", i), v) for i, v in enumerate(requirement.get("values") or [])]
    out = []
    for loc, raw in found:
        n = _expected_number(raw) if raw is not None else None
        if n is not None and not domain.admits(n):
            out.append((loc, n))
    return out


def judge_result(
    parameter: Mapping[str, Any],
    value: Any,
    unit: str,
    units: Mapping[str, Unit],
    uncertainty: Any = None,
    guarded: bool = False,
) -> str:
    """Check and judge one result against a checklist parameter (JSON form, as in the
    snapshot): the unit, the uncertainty, the domain, then the requirement. Raises
    InvalidInput naming the parameter (`<id>`, `<id>.unit`, `<id>.uncertainty`)."""
    pid = parameter["id"]
    expected, given = units.get(parameter["unit"]), units.get(unit.strip())
    if given is None or expected is None or given.id != expected.id:
        names = [parameter["unit"]]
        if expected is not None:
            names += [n for n in (expected.id, *expected.aliases) if n != parameter["unit"]]
        also = f" (or {', '.join(repr(n) for n in names[1:])})" if names[1:] else ""
        problem = (
            "unknown unit; see checklists/units.yaml"
            if given is None
            else "not the unit of this parameter"
        )
        raise InvalidInput(f"{pid}.unit", unit, f"{problem}: expected {names[0]!r}{also}")
    domain = possible_values(parameter, units)
    u = read_uncertainty(uncertainty, pid, domain)
    if u is not None and not expected.numeric:
        raise InvalidInput(
            f"{pid}.uncertainty",
            uncertainty,
            "an uncertainty belongs to a measured number; this parameter's results are words",
        )
    return judge(parameter["requirement"], value, pid, u if guarded else None, domain)


def _plain(d: Decimal) -> str:
    return format(d, "f") if abs(d.adjusted()) < 16 else str(d)


# ---------------------------------------------------------------- reading values


def _read(value: Any, pid: str) -> tuple[Decimal | None, str, str | None]:
    """(number, qualifier, word): exactly one of number and word is set."""
    t = type(value)
    if t is str:
        m = _PLAIN.fullmatch(value)
        if m is not None and not _ambiguous(m[1], m[2]):
            return Decimal(value), "", None
        return _read_text(value, pid)
    if t is int:
        return Decimal(value), "", None
    if t is bool or isinstance(value, bool):
        raise InvalidInput(pid, value, "a yes/no value is not a result")
    if isinstance(value, float):
        return _finite(Decimal(repr(value)), value, pid), "", None
    if isinstance(value, Decimal):
        return _finite(value, value, pid), "", None
    if isinstance(value, int):
        return Decimal(int(value)), "", None
    if isinstance(value, str):
        return _read(str(value), pid)
    raise InvalidInput(pid, value, "not a number or a text")


def _read_text(value: str, pid: str) -> tuple[Decimal | None, str, str | None]:
    text = _normal(value)
    if not text:
        raise InvalidInput(pid, value, "empty result")
    text = text.replace("−", "-")  # Unicode minus sign
    if "⁰" <= text[-1] <= "⁹" or text[-1] in "¹²³":
        text = _SUPERSCRIPTS.sub(lambda m: "^" + m[0].translate(_SUPER_TO_ASCII), text)
    m = _NUMBER.fullmatch(text)
    if m is None:
        return None, "", text
    exponent = m["e"] or m["p"]
    if m["p2"] is not None:
        mantissa, exponent = "1", m["p2"]
    else:
        mantissa = m["m"]
        if exponent is None and m["sep"] and _ambiguous(m["int"], m["frac"]):
            decimal, grouped = f"{m['int']}.{m['frac']}", f"{m['int']}{m['frac']}"
            raise InvalidInput(
                pid,
                value,
                (
                    f"ambiguous number: {m['m']} is {decimal} with a decimal separator but "
                    f"{grouped} with a thousands separator; write {grouped} (or scientific "
                    f"notation) for the one, {decimal}E0 for the other"
                ),
            )
        mantissa = mantissa.replace(",", ".")
    number = Decimal(mantissa if exponent is None else f"{mantissa}E{exponent}")
    return number, _QUALIFIER[m["q"]], None


def _ambiguous(integer: str, fraction: str | None) -> bool:
    """One separator, exactly three digits after it, non-zero integer part: 1.500, 60,000."""
    return fraction is not None and len(fraction) == 3 and integer.strip("0") != ""


def _normal(text: str) -> str:
    return " ".join(text.casefold().split())


def _finite(d: Decimal, shown: Any, pid: str) -> Decimal:
    if not d.is_finite():
        raise InvalidInput(pid, shown, "not a finite number")
    return d


def _number_needed(pid: str, word: str | None, shown: Any) -> InvalidInput:
    if word in NEGATIVE_WORDS or (word or "").startswith(("<", "≤")):
        return InvalidInput(
            pid,
            shown,
            "a number is required; report a result below the "
            "detection limit as '< LOD' with the limit's value, e.g. '< 0.01'",
        )
    if word is not None and _NUMBERISH.match(word):
        return InvalidInput(
            pid,
            shown,
            (
                "not a readable number: use one decimal point or comma (7.5 or 7,5), no "
                "thousands separators, no unit (the unit has its own field); scientific "
                "notation as 5E4 or 5 x 10^4"
            ),
        )
    return InvalidInput(pid, shown, "a number is required")


# ---------------------------------------------------------------- requirement limits


@lru_cache(maxsize=4096, typed=True)
def _limit_value(raw: Any) -> Decimal | None:
    """A requirement's limit as an exact Decimal (None when not a finite number).
    Limits are machine data: '.' is the decimal point, as in pydantic's JSON form."""
    try:
        d = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
    except (InvalidOperation, TypeError, ValueError):
        return None
    return d if d.is_finite() else None


def _limit(req: dict[str, Any], key: str, pid: str) -> Decimal:
    raw = req.get(key)
    d = None
    if isinstance(raw, str):
        d = _limit_value(raw.strip())
    elif isinstance(raw, int | float | Decimal) and not isinstance(raw, bool):
        d = _limit_value(raw)
    if d is None:
        raise InvalidInput(f"{pid}.requirement.{key}", raw, "limit is not a finite number")
    return d


def read_uncertainty(raw: Any, pid: str, domain: Domain | None = None) -> Decimal | None:
    """The expanded uncertainty U given with a result: None when none is given, else a
    number >= 0, no wider than the domain (refused otherwise, whatever the checklist's
    acceptance rule)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    field = f"{pid}.uncertainty"
    number, qualifier, _word = _read(raw, field)
    if number is None or qualifier:
        raise InvalidInput(field, raw, "the uncertainty must be a number")
    if number < 0:
        raise InvalidInput(field, raw, "the uncertainty cannot be negative")
    if (
        domain is not None
        and domain.min is not None
        and domain.max is not None
        and number > domain.max - domain.min
    ):
        raise InvalidInput(
            field,
            raw,
            f"impossible: wider than all the possible values ({domain}) of this parameter",
        )
    return number


def _exact(op: str, a: Decimal, b: Decimal, pid: str) -> Decimal:
    """a + b or a - b without rounding (the default context keeps only 28 digits)."""
    lowest = min(a.as_tuple().exponent, b.as_tuple().exponent)
    highest = max(a.adjusted(), b.adjusted())
    digits = highest - lowest + 3  # type: ignore[operator]
    if digits > _EXACT or highest > _EXACT:
        raise InvalidInput(pid, f"{a} ± {b}", "too many digits to judge exactly")
    ctx = Context(prec=max(digits, 28), Emax=MAX_EMAX, Emin=MIN_EMIN)
    return ctx.add(a, b) if op == "+" else ctx.subtract(a, b)


# ---------------------------------------------------------------- the kinds


def _max(req: dict[str, Any], value: Any, pid: str, u: Decimal | None) -> str:
    hi = _limit(req, "max", pid)
    n, q, word = _read(value, pid)
    if n is None:
        raise _number_needed(pid, word, value)
    if q == ">":
        return NONCONFORM
    if u is not None and not q:
        n = _exact("+", n, u, pid)
    return CONFORM if n <= hi else NONCONFORM


def _min(req: dict[str, Any], value: Any, pid: str, u: Decimal | None) -> str:
    lo = _limit(req, "min", pid)
    n, q, word = _read(value, pid)
    if n is None:
        raise _number_needed(pid, word, value)
    if q == "<":
        return NONCONFORM
    if u is not None and not q:
        n = _exact("-", n, u, pid)
    return CONFORM if n >= lo else NONCONFORM


def _range(req: dict[str, Any], value: Any, pid: str, u: Decimal | None) -> str:
    lo, hi = _limit(req, "min", pid), _limit(req, "max", pid)
    n, q, word = _read(value, pid)
    if n is None:
        raise _number_needed(pid, word, value)
    if q:
        return NONCONFORM  # a bound shows one side at most
    if u is not None:
        return (
            CONFORM if lo <= _exact("-", n, u, pid) and _exact("+", n, u, pid) <= hi else NONCONFORM
        )
    return CONFORM if lo <= n <= hi else NONCONFORM


@lru_cache(maxsize=4096, typed=True)
def _expected_number(expected: Any) -> Decimal | None:
    """The equals value as a number, if it is one (JSON keeps Decimals as strings)."""
    if isinstance(expected, bool):
        return None
    if isinstance(expected, int | float | Decimal):
        return _limit_value(expected)
    if isinstance(expected, str) and expected.strip():
        try:
            n, q, _ = _read_text(expected, "value")
        except InvalidInput:
            return None
        return n if n is not None and not q and n.is_finite() else None
    return None


def _equals(req: dict[str, Any], value: Any, pid: str, u: Decimal | None) -> str:
    if "value" not in req:
        raise InvalidInput(f"{pid}.requirement.value", None, "equals needs a value")
    expected = req["value"]
    number = (
        _expected_number(expected) if isinstance(expected, str | int | float | Decimal) else None
    )
    if number is None:
        if isinstance(value, str):
            if not value.strip():
                raise InvalidInput(pid, value, "empty result")
            return CONFORM if _normal(value) == _normal(str(expected)) else NONCONFORM
        _read(value, pid)  # a number: rejects booleans and NaN
        return NONCONFORM
    n, q, word = _read(value, pid)
    if n is None:
        raise _number_needed(pid, word, value)
    if q or u is not None:
        return NONCONFORM
    return CONFORM if n == number else NONCONFORM


@lru_cache(maxsize=1024, typed=True)
def _choices(values: tuple[Any, ...]) -> tuple[frozenset[str], tuple[Decimal, ...]]:
    words = frozenset(_normal(str(v)) for v in values)
    numbers = tuple(n for n in map(_expected_number, values) if n is not None)
    return words, numbers


def _one_of(req: dict[str, Any], value: Any, pid: str, u: Decimal | None) -> str:
    values = req.get("values")
    if not isinstance(values, list | tuple) or not values:
        raise InvalidInput(f"{pid}.requirement.values", values, "one_of needs a list of values")
    try:
        words, numbers = _choices(tuple(values))
    except TypeError:  # unhashable values: not from a checklist file, but still judged
        words, numbers = _choices.__wrapped__(tuple(values))
    if isinstance(value, str) and _normal(value) in words:
        return CONFORM
    n, q, _word = _read(value, pid)
    if q:
        raise InvalidInput(pid, value, "a bound is not a choice")
    return CONFORM if n is not None and n in numbers else NONCONFORM


def _word_rule(yes: frozenset[str], no: frozenset[str], expected: str):
    def rule(req: dict[str, Any], value: Any, pid: str, u: Decimal | None) -> str:
        if isinstance(value, str):
            word = _normal(value)
            if word in yes:
                return CONFORM
            if word in no:
                return NONCONFORM
            if not word:
                raise InvalidInput(pid, value, "empty result")
        elif isinstance(value, bool):
            raise InvalidInput(pid, value, "a yes/no value is not a result")
        raise InvalidInput(pid, value, f"not understood; expected {expected}")

    return rule


_RULES = {
    "max": _max,
    "min": _min,
    "range": _range,
    "equals": _equals,
    "one_of": _one_of,
    "negative": _word_rule(
        NEGATIVE_WORDS,
        POSITIVE_WORDS,
        "negatif / negative / tidak terdeteksi / not detected, "
        "or positif / positive / terdeteksi / detected",
    ),
    "sensory_normal": _word_rule(
        NORMAL_WORDS, ABNORMAL_WORDS, "normal / khas, or tidak normal / abnormal"
    ),
    "pass_fail": _word_rule(
        PASS_WORDS, FAIL_WORDS, "lulus / pass / memenuhi, or gagal / fail / tidak memenuhi"
    ),
}


# How a requirement reads: in the lab's and officials' pages and reports (Indonesian, the
# qualitative ones bilingual), and in the evaluate CLI's plain-text report (English).
_REQUIREMENT_WORDS = {
    "id": {
        "max": "maks. {max}",
        "min": "min. {min}",
        "range": "{min} – {max}",
        "equals": "= {value}",
        "negative": "negatif / tidak terdeteksi",
        "sensory_normal": "normal",
        "pass_fail": "lulus / pass",
    },
    "en": {
        "max": "<= {max}",
        "min": ">= {min}",
        "range": "{min} to {max}",
        "equals": "= {value}",
        "negative": "negative",
        "sensory_normal": "normal",
        "pass_fail": "pass",
    },
}


def requirement_text(req: dict[str, Any], lang: str = "id", unit: str | None = None) -> str:
    """The requirement as a short text ('maks. 7', or with lang='en' and a unit '<= 7 %');
    the unit, if given, follows a numeric limit ('-' means none)."""
    kind = req.get("kind")
    if kind == "one_of":
        values = [str(v) for v in req["values"]]
        return " / ".join(values) if lang == "id" else "one of " + ", ".join(values)
    words = _REQUIREMENT_WORDS[lang]
    if kind not in words:
        return str(kind)
    text = words[kind].format(**req)
    if unit not in (None, "", "-") and kind in ("max", "min", "range", "equals"):
        text += f" {unit}"
    return text
