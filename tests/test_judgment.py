"""snicert.judgment: every requirement kind at and around its boundaries, the words in
both languages, unreadable values, guarded acceptance, and properties (hypothesis)."""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from snicert.catalog import default_catalog
from snicert.errors import InvalidInput
from snicert.judgment import (
    ABNORMAL_WORDS,
    CONFORM,
    FAIL_WORDS,
    NEGATIVE_WORDS,
    NONCONFORM,
    NORMAL_WORDS,
    PASS_WORDS,
    POSITIVE_WORDS,
    Reading,
    judge,
    parse,
)

C, N = CONFORM, NONCONFORM
MAX7 = {"kind": "max", "max": "7"}  # JSON form: pydantic dumps Decimal limits as text
MIN15 = {"kind": "min", "min": "15"}
RANGE = {"kind": "range", "min": "-5", "max": "2"}
TPC = {"kind": "max", "max": "50000"}
HG = {"kind": "max", "max": "0.05"}


def cases(req: dict[str, Any], table: list[tuple[Any, str]]) -> list[Any]:
    return [
        pytest.param(req, value, verdict, id=f"{req['kind']}-{value!r}") for value, verdict in table
    ]


TABLE = [
    *cases(
        MAX7,
        [
            ("7", C),
            ("7.0", C),
            ("7.00", C),
            (7, C),
            (7.0, C),
            (Decimal("7.000"), C),
            ("7.01", N),
            (7.01, N),
            ("7.0001", N),
            ("6.99", C),
            ("0", C),
            ("-1", C),
            ("7,0", C),
            ("7,01", N),
            ("6,5", C),
            ("7,5", N),
            (" 6.5 ", C),
            ("+6", C),
            (".5", C),
            ("−3", C),  # Unicode minus sign
            ("< 7", C),
            ("<7", C),
            ("< 6.5", C),
            ("≤ 7", C),
            ("<= 7", C),
            ("< 7.01", N),
            ("< 70", N),
            ("> 6", N),
            ("> 7", N),
            (">= 1", N),
            ("≥ 8", N),
            ("7.0000000000000000000000000000001", N),  # beyond the default 28 digits
            ("7.125E0", N),
            ("6.125E0", C),
        ],
    ),
    *cases(
        MIN15,
        [
            ("15", C),
            ("15.0", C),
            (15, C),
            (15.0, C),
            ("14.99", N),
            (14.99, N),
            ("15,01", C),
            ("14,9", N),
            ("100", C),
            ("-15", N),
            ("> 15", C),
            ("≥ 15", C),
            (">= 16", C),
            ("> 14", N),
            ("< 20", N),
            ("< 10", N),
            ("<= 15", N),
            ("≤ 100", N),
        ],
    ),
    *cases(
        RANGE,
        [
            ("-5", C),
            ("-5.0", C),
            ("-5.01", N),
            ("−5", C),
            ("2", C),
            ("2.00", C),
            ("2.01", N),
            ("0", C),
            (0, C),
            (-5, C),
            (2.0, C),
            ("-1,5", C),
            ("3", N),
            ("-6", N),
            ("< 1", N),
            ("> 0", N),
            ("≤ 2", N),
        ],
    ),
    *cases(
        TPC,
        [
            ("5 x 10^4", C),
            ("5x10^4", C),
            ("5 X 10^4", C),
            ("5×10^4", C),
            ("5 × 10⁴", C),
            ("5×10⁴", C),
            ("5 * 10^4", C),
            ("5·10^4", C),
            ("5 x 10 ^ 4", C),
            ("5*10**4", C),
            ("5E4", C),
            ("5e4", C),
            ("5e+04", C),
            ("5.0E+4", C),
            ("5,0 x 10^4", C),
            ("50000", C),
            (50000, C),
            (5e4, C),
            ("10^4", C),
            ("< 1 x 10^1", C),
            ("<10", C),
            ("5.1 x 10^4", N),
            ("5,01E4", N),
            ("5.00001E4", N),
            ("1 x 10^5", N),
            ("10^5", N),
            ("> 3 x 10^5", N),
            ("50001", N),
        ],
    ),
    *cases(
        HG,
        [
            ("0.05", C),
            ("0,05", C),
            ("0.050", C),
            ("0,050", C),
            ("0.051", N),
            ("0,051", N),
            ("5 x 10^-2", C),
            ("5 x 10⁻²", C),
            ("2,5 × 10⁻²", C),
            ("5.1E-2", N),
            ("< 0.01", C),
            ("< 0,05", C),
            ("< 0.06", N),
            ("0.005", C),
        ],
    ),
]


@pytest.mark.parametrize("req,value,verdict", TABLE)
def test_numeric_kinds_at_and_around_their_boundaries(req: dict, value: Any, verdict: str):
    assert judge(req, value, "p") == verdict


@pytest.mark.parametrize("limit", ["7", "7.0", 7, 7.0, Decimal("7"), Decimal("7.00"), " 7 "])
def test_a_limit_may_be_text_int_float_or_decimal(limit: Any):
    req = {"kind": "max", "max": limit}
    assert judge(req, "7.0") == C
    assert judge(req, "7.01") == N
    assert judge({"kind": "min", "min": limit}, "6.99") == N


def test_float_limits_and_results_are_read_by_their_decimal_text():
    # Decimal(0.1) would be 0.1000000000000000055...; read as written, 0.1 meets 0.1
    assert judge({"kind": "max", "max": 0.1}, 0.1) == C
    assert judge({"kind": "max", "max": "0.1"}, 0.1) == C
    assert judge({"kind": "min", "min": 0.3}, 0.1 + 0.2) == C  # 0.30000000000000004


EQUALS = [
    *cases(
        {"kind": "equals", "value": "12"},
        [
            ("12", C),
            ("12.0", C),
            (12, C),
            (12.0, C),
            (Decimal("12.00"), C),
            ("12,0", C),
            ("1.2E1", C),
            ("11", N),
            ("12.01", N),
            (12.5, N),
            ("< 12", N),
            ("> 11", N),
        ],
    ),
    *cases({"kind": "equals", "value": 12}, [("12", C), ("12.0", C), ("13", N)]),
    *cases({"kind": "equals", "value": Decimal("0.5")}, [("0,5", C), ("0.50", C), ("0.6", N)]),
    *cases(
        {"kind": "equals", "value": "Natural"},
        [
            ("natural", C),
            ("NATURAL", C),
            ("  Natural ", C),
            ("synthetic", N),
            ("natura", N),
            (5, N),
            ("5", N),
        ],
    ),
    *cases({"kind": "equals", "value": "tenun ikat"}, [("Tenun  Ikat", C), ("tenun", N)]),
]


@pytest.mark.parametrize("req,value,verdict", EQUALS)
def test_equals_numeric_or_text(req: dict, value: Any, verdict: str):
    assert judge(req, value, "p") == verdict


ONE_OF = [
    *cases(
        {"kind": "one_of", "values": ["lontar", "kayu"]},
        [
            ("lontar", C),
            ("KAYU", C),
            ("  Kayu ", C),
            ("besi", N),
            ("kayu jati", N),
            (12, N),
            ("lont", N),
        ],
    ),
    *cases(
        {"kind": "one_of", "values": ["natural", "synthetic", "mixed"]},
        [
            ("Mixed", C),
            ("SYNTHETIC", C),
            ("sintetis", N),
        ],
    ),
    *cases(
        {"kind": "one_of", "values": ["Kayu  Jati", "12", "24"]},
        [
            ("kayu jati", C),
            ("24", C),
            ("24.0", C),
            (12, C),
            (12.0, C),
            ("13", N),
        ],
    ),
]


@pytest.mark.parametrize("req,value,verdict", ONE_OF)
def test_one_of_is_case_insensitive(req: dict, value: Any, verdict: str):
    assert judge(req, value, "p") == verdict


WORD_KINDS = [
    ("negative", NEGATIVE_WORDS, POSITIVE_WORDS),
    ("sensory_normal", NORMAL_WORDS, ABNORMAL_WORDS),
    ("pass_fail", PASS_WORDS, FAIL_WORDS),
]
WORDS = [
    pytest.param(kind, word, verdict, id=f"{kind}-{word}")
    for kind, yes, no in WORD_KINDS
    for words, verdict in ((yes, C), (no, N))
    for word in sorted(words)
]


@pytest.mark.parametrize("kind,word,verdict", WORDS)
def test_every_listed_word(kind: str, word: str, verdict: str):
    assert judge({"kind": kind}, word) == verdict
    assert judge({"kind": kind}, f"  {word.upper()} ") == verdict


@pytest.mark.parametrize(
    "kind,value,verdict",
    [
        # Bahasa Indonesia and English, as written in lab reports
        ("negative", "negatif", C),
        ("negative", "Negatif", C),
        ("negative", "negative", C),
        ("negative", "tidak terdeteksi", C),
        ("negative", "Tidak  Terdeteksi", C),
        ("negative", "not detected", C),
        ("negative", "Not Detected", C),
        ("negative", "ND", C),
        ("negative", "positif", N),
        ("negative", "positive", N),
        ("negative", "terdeteksi", N),
        ("negative", "detected", N),
        ("sensory_normal", "normal", C),
        ("sensory_normal", "Normal", C),
        ("sensory_normal", "khas", C),
        ("sensory_normal", "tidak normal", N),
        ("sensory_normal", "abnormal", N),
        ("sensory_normal", "not normal", N),
        ("pass_fail", "lulus", C),
        ("pass_fail", "pass", C),
        ("pass_fail", "Memenuhi Syarat", C),
        ("pass_fail", "gagal", N),
        ("pass_fail", "fail", N),
        ("pass_fail", "tidak lulus", N),
        ("pass_fail", "tidak memenuhi syarat", N),
    ],
)
def test_words_in_both_languages(kind: str, value: str, verdict: str):
    assert judge({"kind": kind}, value, "p") == verdict


UNREADABLE_NUMBERS = [
    "abc",
    "tujuh",
    "",
    "   ",
    None,
    True,
    False,
    float("nan"),
    float("inf"),
    float("-inf"),
    Decimal("NaN"),
    Decimal("Infinity"),
    Decimal("sNaN"),
    "nan",
    "NaN",
    "inf",
    "Infinity",
    "6.5 %",
    "6,5%",
    "6.5 mg",
    "7 percent",
    "1.000.000",
    "1,000.5",
    "50 000",
    "7.5.1",
    "1,500",
    "60.000",
    "7.125",
    "-1,500",
    "< 1,000",  # a separator before 3 digits: ambiguous
    "5 x 104",
    "5 x 10",
    "x 10^4",
    "5 x 10^",
    "5E",
    "E4",
    "5..0",
    "--5",
    "<",
    "< >",
    "<<5",
    "nd",
    "ND",
    "not detected",
    "negatif",
    "< LOD",
    "<lod",
    "normal",
    "lulus",
    [],
    {},
    b"7",
    object(),
]


def _id(value: Any) -> str:  # stable across processes (no object addresses)
    return (
        repr(value)
        if isinstance(value, str | int | float | Decimal | list | dict | bytes) or value is None
        else type(value).__name__
    )


@pytest.mark.parametrize("value", UNREADABLE_NUMBERS, ids=_id)
@pytest.mark.parametrize("req", [MAX7, MIN15, RANGE], ids=lambda r: r["kind"])
def test_unreadable_values_are_errors_never_a_pass(req: dict, value: Any):
    with pytest.raises(InvalidInput) as err:
        judge(req, value, "moisture")
    assert err.value.field == "moisture"
    assert str(err.value).startswith("moisture: ")


def test_error_messages_say_what_to_write():
    with pytest.raises(InvalidInput, match="ambiguous.*60000"):
        judge(TPC, "60.000")
    with pytest.raises(InvalidInput, match="'< LOD'"):
        judge(HG, "tidak terdeteksi")
    with pytest.raises(InvalidInput, match="unit has its own field"):
        judge(MAX7, "6.5 %")
    with pytest.raises(InvalidInput, match="yes/no"):
        judge(MAX7, True)


@pytest.mark.parametrize("kind", ["negative", "sensory_normal", "pass_fail"])
@pytest.mark.parametrize(
    "value",
    [
        "maybe",
        "",
        "  ",
        "-",
        "+",
        "< 1",
        "0",
        0,
        1,
        0.0,
        True,
        False,
        None,
        "negatifx",
    ],
)
def test_words_not_understood_are_errors(kind: str, value: Any):
    with pytest.raises(InvalidInput):
        judge({"kind": kind}, value, "salmonella")


@pytest.mark.parametrize(
    "kind,value",
    [
        ("sensory_normal", "lulus"),
        ("sensory_normal", "negatif"),
        ("pass_fail", "normal"),
        ("pass_fail", "negatif"),
        ("negative", "normal"),
        ("negative", "lulus"),
    ],
)
def test_a_word_of_another_kind_is_an_error(kind: str, value: str):
    with pytest.raises(InvalidInput):
        judge({"kind": kind}, value)


@pytest.mark.parametrize(
    "req,value",
    [
        ({"kind": "equals", "value": "12"}, "dua belas"),
        ({"kind": "equals", "value": "12"}, "12 buah"),
        ({"kind": "equals", "value": "12"}, True),
        ({"kind": "equals", "value": "12"}, float("nan")),
        ({"kind": "equals", "value": "Natural"}, ""),
        ({"kind": "equals", "value": "Natural"}, True),
        ({"kind": "one_of", "values": ["lontar", "kayu"]}, ""),
        ({"kind": "one_of", "values": ["lontar", "kayu"]}, True),
        ({"kind": "one_of", "values": ["12", "24"]}, "< 24"),
        ({"kind": "one_of", "values": ["12", "24"]}, float("inf")),
    ],
)
def test_equals_and_one_of_errors(req: dict, value: Any):
    with pytest.raises(InvalidInput):
        judge(req, value, "strings")


@pytest.mark.parametrize(
    "req",
    [
        {"kind": "maximum", "max": "7"},
        {"max": "7"},
        {},
        {"kind": None},
        {"kind": "max"},
        {"kind": "max", "max": None},
        {"kind": "max", "max": "NaN"},
        {"kind": "max", "max": "Infinity"},
        {"kind": "max", "max": True},
        {"kind": "max", "max": "tujuh"},
        {"kind": "max", "max": [7]},
        {"kind": "range", "min": "1"},
        {"kind": "min", "min": float("nan")},
        {"kind": "one_of", "values": []},
        {"kind": "one_of"},
        {"kind": "equals"},
    ],
)
def test_a_broken_requirement_is_an_error(req: dict):
    with pytest.raises(InvalidInput):
        judge(req, "5", "p")


def test_parse_reads_numbers_bounds_and_words():
    assert parse("< 0,01") == Reading(number=Decimal("0.01"), qualifier="<")
    assert parse("≥ 5 x 10^4") == Reading(number=Decimal("5E4"), qualifier=">")
    assert parse("7,5").number == Decimal("7.5")
    assert parse("5×10⁻³").number == Decimal("0.005")
    assert parse(0.1).number == Decimal("0.1")
    assert parse("  Tidak   Terdeteksi ") == Reading(word="tidak terdeteksi")
    assert parse("6.5 %") == Reading(word="6.5 %")
    for bad in (True, "", float("nan"), "1,500"):
        with pytest.raises(InvalidInput):
            parse(bad, "x")


# ---------------------------------------------------------------- guarded acceptance

GUARDED = [
    (MAX7, "6.5", "0.5", C),
    (MAX7, "6.51", "0.5", N),
    (MAX7, "7", "0", C),
    (MAX7, "7", "0.001", N),
    (MAX7, "< 7", "1", C),
    (MAX7, "< 7.5", "0", N),
    (MAX7, "> 1", "0", N),
    (MIN15, "15.5", "0.5", C),
    (MIN15, "15.49", "0.5", N),
    (MIN15, "> 15", "3", C),
    (MIN15, "< 99", "0", N),
    (RANGE, "1.5", "0.5", C),
    (RANGE, "1.51", "0.5", N),
    (RANGE, "-4.5", "0.5", C),
    (RANGE, "-4.51", "0.5", N),
    (RANGE, "0", "5", N),
    ({"kind": "equals", "value": "12"}, "12", "0", C),
    ({"kind": "equals", "value": "12"}, "12", "0.1", N),
    ({"kind": "equals", "value": "natural"}, "Natural", "0.1", C),
    ({"kind": "negative"}, "negatif", "0.1", C),
    ({"kind": "one_of", "values": ["kayu"]}, "kayu", "1", C),
    (TPC, "4 x 10^4", "1E4", C),
    (TPC, "4 x 10^4", "1.0001E4", N),
    # exact: the default decimal context would round this sum to 7
    (MAX7, "6.9999999999999999999999999999999", "1E-31", C),
    (MAX7, "6.9999999999999999999999999999999", "2E-31", N),
]


@pytest.mark.parametrize("req,value,u,verdict", GUARDED)
def test_guarded_acceptance(req: dict, value: str, u: str, verdict: str):
    assert judge(req, value, "p", Decimal(u)) == verdict


@pytest.mark.parametrize(
    "u",
    [
        Decimal("-0.1"),
        Decimal("NaN"),
        Decimal("-Infinity"),
        Decimal("Infinity"),
        "abc",
        True,
        "< 1",
    ],
)
def test_an_unusable_uncertainty_is_an_error(u: Any):
    with pytest.raises(InvalidInput, match="uncertainty"):
        judge(MAX7, "5", "moisture", u)


def test_every_shipped_requirement_judges_the_synthetic_values():
    from snicert import synthetic

    for checklist in default_catalog().checklists.values():
        for p in checklist.model_dump(mode="json")["parameters"]:
            assert judge(p["requirement"], synthetic.passing_value(p), p["id"]) == C, p["id"]
            assert judge(p["requirement"], synthetic.failing_value(p), p["id"]) == N, p["id"]


# ---------------------------------------------------------------- properties

LIMITS = st.decimals(
    min_value=-(10**6), max_value=10**6, allow_nan=False, allow_infinity=False, places=4
)
VALUES = st.decimals(min_value=-(10**7), max_value=10**7, allow_nan=False, allow_infinity=False)
UNCERTAINTIES = st.decimals(min_value=0, max_value=10**4, allow_nan=False, allow_infinity=False)
# The same number as a Decimal, as text in E notation (never ambiguous), with a comma
FORMS = st.sampled_from(
    [
        lambda d: d,
        lambda d: format(d, "E"),
        lambda d: format(d, "E").replace(".", ","),
        lambda d: format(d, "f") if "." not in format(d, "f") else d,
    ]
)
LIMIT_TYPES = st.sampled_from([str, lambda d: d, lambda d: format(d, "E")])


@given(LIMITS, VALUES, VALUES, FORMS, LIMIT_TYPES)
def test_max_a_conforming_value_still_conforms_when_lowered(hi, v, w, form, limit_type):
    req = {"kind": "max", "max": limit_type(hi)}
    low, high = sorted((v, w))
    if judge(req, form(high)) == C:
        assert judge(req, form(low)) == C
    assert judge(req, form(v)) == (C if v <= hi else N)


@given(LIMITS, VALUES, FORMS, st.sampled_from(["<", "< ", "≤", "<= "]))
def test_max_a_bound_at_or_below_the_limit_conforms(hi, lod, form, qualifier):
    req = {"kind": "max", "max": str(hi)}
    value = f"{qualifier}{format(lod, 'E')}"
    assert judge(req, value) == (C if lod <= hi else N)
    assert judge(req, f"<{format(hi, 'E')}") == C  # '< LOD' equal to the maximum


@given(LIMITS, VALUES, VALUES, FORMS, LIMIT_TYPES)
def test_min_a_conforming_value_still_conforms_when_raised(lo, v, w, form, limit_type):
    req = {"kind": "min", "min": limit_type(lo)}
    low, high = sorted((v, w))
    if judge(req, form(low)) == C:
        assert judge(req, form(high)) == C
    assert judge(req, form(v)) == (C if v >= lo else N)


@given(LIMITS, VALUES, st.sampled_from([">", "> ", "≥", ">= "]))
def test_min_a_bound_at_or_above_the_limit_conforms_and_below_never(lo, x, qualifier):
    req = {"kind": "min", "min": str(lo)}
    assert judge(req, f"{qualifier}{format(x, 'E')}") == (C if x >= lo else N)
    assert judge(req, f"< {format(x, 'E')}") == N  # '< LOD' never shows a minimum is met


@given(LIMITS, LIMITS, VALUES, FORMS)
def test_range_conforms_iff_min_le_value_le_max(a, b, v, form):
    lo, hi = sorted((a, b))
    req = {"kind": "range", "min": str(lo), "max": str(hi)}
    assert judge(req, form(v)) == (C if lo <= v <= hi else N)
    assert judge(req, form(lo)) == C
    assert judge(req, form(hi)) == C


@given(
    st.sampled_from(["max", "min", "range", "equals"]),
    LIMITS,
    LIMITS,
    VALUES,
    UNCERTAINTIES,
    st.sampled_from(["", "<", ">"]),
)
def test_guarded_is_never_more_lenient_than_simple(kind, a, b, v, u, qualifier):
    lo, hi = sorted((a, b))
    req = {
        "max": {"kind": "max", "max": str(hi)},
        "min": {"kind": "min", "min": str(lo)},
        "range": {"kind": "range", "min": str(lo), "max": str(hi)},
        "equals": {"kind": "equals", "value": str(v if u == 0 else lo)},
    }[kind]
    value = f"{qualifier}{format(v, 'E')}" if qualifier else v
    guarded = judge(req, value, "p", u)
    if guarded == C:
        assert judge(req, value, "p") == C
    if u == 0:
        assert guarded == judge(req, value, "p")


@given(LIMITS, VALUES, UNCERTAINTIES)
def test_guarded_is_the_exact_interval_rule(hi, v, u):
    with localcontext() as ctx:
        ctx.prec = 10_000  # exact here; the default 28 digits could round v ± u
        upper, lower = v + u, v - u
    assert judge({"kind": "max", "max": str(hi)}, v, "p", u) == (C if upper <= hi else N)
    assert judge({"kind": "min", "min": str(hi)}, v, "p", u) == (C if lower >= hi else N)


@pytest.mark.parametrize(
    ("req", "id_text", "en_text"),
    [
        ({"kind": "max", "max": 7}, "maks. 7", "<= 7 %"),
        ({"kind": "min", "min": 15}, "min. 15", ">= 15 %"),
        ({"kind": "range", "min": 1, "max": 2.5}, "1 – 2.5", "1 to 2.5 %"),
        ({"kind": "equals", "value": 0}, "= 0", "= 0 %"),
        ({"kind": "one_of", "values": ["A", "B"]}, "A / B", "one of A, B"),
        ({"kind": "negative"}, "negatif / tidak terdeteksi", "negative"),
        ({"kind": "sensory_normal"}, "normal", "normal"),
        ({"kind": "pass_fail"}, "lulus / pass", "pass"),
    ],
)
def test_requirement_text_in_both_languages(req, id_text, en_text):
    from snicert.judgment import requirement_text

    assert requirement_text(req) == id_text
    assert requirement_text(req, "en", "%") == en_text
    assert requirement_text(req, "en", "-") == en_text.removesuffix(" %")  # no unit
