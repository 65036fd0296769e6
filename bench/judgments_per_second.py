"""Judgments per second of snicert.judgment.judge() in one process.

The mix: every parameter of every shipped checklist (max, min, range, one_of, negative,
sensory_normal, pass_fail) in its JSON snapshot form, plus equals requirements (no
shipped checklist has one yet), each judged with several realistic results: plain
numbers as text and as JSON numbers, decimal commas, '< LOD' and '> x' bounds,
scientific notation ("5 x 10^4", "5E4", "5×10⁴"), and words in Bahasa Indonesia and
English, passing and failing, plus a share under guarded acceptance (with uncertainty).
Each pair's verdict is checked once before the clock starts.

Usage: python bench/judgments_per_second.py [JUDGMENTS]   (default 1,000,000; target
100,000 per second). Prints the best of five rounds and the rate per requirement kind,
then the rate of `judge_result()`, the whole path of a result entered (unit, uncertainty,
the parameter's possible values, then the judgment) over every shipped parameter.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from decimal import Decimal
from typing import Any

from snicert import synthetic
from snicert.catalog import default_catalog
from snicert.judgment import CONFORM, NONCONFORM, judge, judge_result

TARGET = 100_000
WORDS = {
    "negative": [
        ("negatif", CONFORM),
        ("Tidak Terdeteksi", CONFORM),
        ("not detected", CONFORM),
        ("negative", CONFORM),
        ("positif", NONCONFORM),
        ("detected", NONCONFORM),
    ],
    "sensory_normal": [
        ("normal", CONFORM),
        ("Normal", CONFORM),
        ("khas", CONFORM),
        ("tidak normal", NONCONFORM),
        ("abnormal", NONCONFORM),
    ],
    "pass_fail": [
        ("lulus", CONFORM),
        ("pass", CONFORM),
        ("memenuhi syarat", CONFORM),
        ("gagal", NONCONFORM),
        ("fail", NONCONFORM),
    ],
}
EXTRA = [  # equals requirements, as JSON keeps them (Decimal as text)
    {"kind": "equals", "value": "12"},
    {"kind": "equals", "value": "natural"},
]

Case = tuple[dict[str, Any], Any, Decimal | None, str]


def _text(d: Decimal) -> str:
    return format(d.normalize(), "f")


def numeric_cases(req: dict[str, Any]) -> list[Case]:
    kind = req["kind"]
    cases: list[Case] = []
    if kind in ("max", "range"):
        hi = Decimal(req["max"])
        inside = hi * Decimal("0.6") if kind == "max" else (Decimal(req["min"]) + hi) / 2
        cases += [
            (req, _text(hi), None, CONFORM),  # at the boundary
            (req, _text(hi + Decimal("0.01")), None, NONCONFORM),  # just above
            (req, _text(inside), None, CONFORM),
            (req, float(inside), None, CONFORM),  # a JSON number
            (req, _text(inside).replace(".", ","), None, CONFORM),  # decimal comma
            (req, f"{_text(inside)}E0", None, CONFORM),
            (req, _text(inside), Decimal("0.001"), CONFORM),  # guarded
            (req, _text(hi), Decimal("0.001"), NONCONFORM),  # guarded at the limit
        ]
        if kind == "max":
            cases += [
                (req, f"< {_text(hi / 2)}", None, CONFORM),  # below the LOD
                (req, f"<{_text(hi)}", None, CONFORM),
                (req, f"> {_text(hi)}", None, NONCONFORM),
            ]
            if hi >= 1000:
                mantissa = hi.scaleb(-(hi.adjusted()))
                cases += [
                    (req, f"{_text(mantissa)} x 10^{hi.adjusted()}", None, CONFORM),
                    (req, f"{_text(mantissa)}×10{_sup(hi.adjusted())}", None, CONFORM),
                    (req, f"{_text(mantissa * 2)}E{hi.adjusted()}", None, NONCONFORM),
                ]
        else:
            cases += [
                (req, _text(Decimal(req["min"]) - 1), None, NONCONFORM),
                (req, f"< {_text(hi)}", None, NONCONFORM),
            ]
    else:  # min
        lo = Decimal(req["min"])
        cases += [
            (req, _text(lo), None, CONFORM),
            (req, _text(lo - Decimal("0.01")), None, NONCONFORM),
            (req, _text(lo * 2 + 1), None, CONFORM),
            (req, int(lo * 2 + 1), None, CONFORM),
            (req, f"> {_text(lo)}", None, CONFORM),
            (req, f"< {_text(lo * 3)}", None, NONCONFORM),  # a bound never shows a min
            (req, _text(lo * 2 + 1), Decimal("0.5"), CONFORM),
        ]
    return cases


def _sup(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻"))


def mix() -> list[Case]:
    cat = default_catalog()
    reqs = [
        p["requirement"]
        for cl in cat.checklists.values()
        for p in cl.model_dump(mode="json")["parameters"]
    ]
    cases: list[Case] = []
    for req in reqs + EXTRA:
        kind = req["kind"]
        if kind in ("max", "min", "range"):
            cases += numeric_cases(req)
        elif kind == "one_of":
            cases += [
                (req, req["values"][0], None, CONFORM),
                (req, req["values"][-1].upper(), None, CONFORM),
                (req, "lainnya", None, NONCONFORM),
            ]
        elif kind == "equals":
            if req["value"] == "12":
                cases += [
                    (req, "12", None, CONFORM),
                    (req, 12, None, CONFORM),
                    (req, "12.0", None, CONFORM),
                    (req, "11", None, NONCONFORM),
                ]
            else:
                cases += [(req, "Natural", None, CONFORM), (req, "synthetic", None, NONCONFORM)]
        else:
            cases += [(req, word, None, verdict) for word, verdict in WORDS[kind]]
    return cases


def main(total: int) -> None:
    cases = mix()
    for req, value, u, expected in cases:  # correctness first: a fast wrong answer is no use
        got = judge(req, value, "bench", u)
        assert got == expected, (req, value, u, got, expected)
    rounds = max(1, total // len(cases))
    work = cases * rounds
    n = len(work)
    best = 0.0
    for _ in range(5):
        start = time.perf_counter()
        for req, value, u, _expected in work:
            judge(req, value, "bench", u)
        best = max(best, n / (time.perf_counter() - start))
    kinds = defaultdict(list)
    for case in cases:
        kinds[case[0]["kind"]].append(case)
    print(
        f"{len(cases)} distinct (requirement, result) pairs, {n:,} judgments per round, best of 5"
    )
    for kind, group in sorted(kinds.items()):
        reps = max(1, 200_000 // len(group))
        start = time.perf_counter()
        for _ in range(reps):
            for req, value, u, _expected in group:
                judge(req, value, "bench", u)
        rate = reps * len(group) / (time.perf_counter() - start)
        print(f"  {kind:<15} {len(group):>4} pairs  {rate:>12,.0f} judgments/s")
    verdict = "met" if best >= TARGET else "NOT met"
    print(f"judgments per second: {best:,.0f} (target {TARGET:,}: {verdict})")
    entry_path()


def entry_path() -> None:
    cat = default_catalog()
    params = [p for cl in cat.checklists.values() for p in cl.model_dump(mode="json")["parameters"]]
    rows = [(p, synthetic.passing_value(p)) for p in params]
    for p, value in rows:
        assert judge_result(p, value, p["unit"], cat.units) == CONFORM, (p["id"], value)
    reps = max(1, 200_000 // len(rows))
    best = 0.0
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(reps):
            for p, value in rows:
                judge_result(p, value, p["unit"], cat.units)
        best = max(best, reps * len(rows) / (time.perf_counter() - start))
    print(
        f"judge_result (unit, uncertainty, domain, judgment), {len(rows)} parameters: "
        f"{best:,.0f} per second"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
