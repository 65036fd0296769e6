"""The satisfaction survey (SKM, Peraturan Menteri PANRB 14/2017) as data, and its index.

`surveys/skm.yaml` holds the nine elements (unsur) with their questions and the words of
each score (1-4), and the quality categories; this module validates it (`snicert
check-data`) and computes the IKM the way the regulation does:

    IKM = 25 x sum over the elements of (mean score of the element x 1/9)

Everything is exact (fractions of the integer scores) until the end: the IKM is rounded
half-up to two decimals, and that rounded value picks the category (so 76.605 is 76.61, B).
Element means are shown rounded half-up to two decimals as well; the IKM is never computed
from the rounded means.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from snicert.catalog.loader import data_root
from snicert.catalog.models import LocatedError, SnakeId, Strict, Text

SCORES = (1, 2, 3, 4)
SCALE = 25  # 1-4 scale x 25: 25-100
TWO_PLACES = Decimal("0.01")
Score = Literal[1, 2, 3, 4]


class Element(Strict):
    """One service element (unsur) and its question."""

    id: SnakeId = Field(description="Stored with every answer; never renamed")
    code: Annotated[str, Field(pattern=r"^U[1-9]$")]
    name: Text
    question: Text
    scores: dict[Score, Text] = Field(description="The words of each score, 1 (worst) to 4")

    @property
    def column(self) -> str:
        """The skm_surveys column holding this element's score (u1-u9)."""
        return self.code.lower()

    @model_validator(mode="after")
    def _all_scores(self) -> Element:
        missing = [n for n in SCORES if n not in self.scores]
        if missing:
            raise LocatedError(f"scores {missing} have no words", ("scores",), missing)
        return self


class Category(Strict):
    """A quality category of the IKM; `min` and `max` both included."""

    grade: Literal["A", "B", "C", "D"]
    min: Decimal
    max: Decimal
    label: Text


class Questionnaire(Strict):
    version: int = Field(ge=1)
    regulation: str
    elements: list[Element] = Field(min_length=9, max_length=9)
    categories: list[Category] = Field(min_length=4, max_length=4)

    @model_validator(mode="after")
    def _consistent(self) -> Questionnaire:
        for what, values in (
            ("id", [e.id for e in self.elements]),
            ("code", [e.code for e in self.elements]),
        ):
            for i, v in enumerate(values):
                if v in values[:i]:
                    raise LocatedError(f"duplicate element {what}", ("elements", i, what), v)
        # The categories must cover 25.00-100.00 in steps of 0.01, with no gap or overlap.
        ordered = sorted(self.categories, key=lambda c: c.min)
        expected = Decimal("25.00")
        for c in ordered:
            i = self.categories.index(c)
            if c.min != expected or c.max < c.min:
                raise LocatedError(
                    f"categories must cover 25.00-100.00 without gap or overlap; expected "
                    f"min {expected}",
                    ("categories", i, "min"),
                    str(c.min),
                )
            expected = c.max + TWO_PLACES
        if expected - TWO_PLACES != Decimal(100):
            last = self.categories.index(ordered[-1])
            raise LocatedError(
                "the highest category must end at 100.00",
                ("categories", last, "max"),
                str(ordered[-1].max),
            )
        return self

    def element(self, element_id: str) -> Element:
        for e in self.elements:
            if e.id == element_id:
                return e
        raise KeyError(element_id)

    def category(self, ikm: Decimal) -> Category:
        """The category of an IKM already rounded to two decimals."""
        for c in self.categories:
            if c.min <= ikm <= c.max:
                return c
        raise ValueError(f"IKM {ikm} is outside 25.00-100.00")


def questionnaire_file() -> Path:
    return data_root() / "surveys" / "skm.yaml"


@cache
def questionnaire() -> Questionnaire:
    """The questionnaire in use (validated at first use; `snicert check-data` reports a bad
    file naming line, field and value)."""
    from snicert.catalog.loader import DataError, _validate

    path = questionnaire_file()
    q, problems = _validate(Questionnaire, path, str(path))
    if problems:
        raise DataError(problems)
    return q


def rounded(value: Fraction) -> Decimal:
    """Half-up to two decimals, from the exact value."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def ikm(means: list[Fraction]) -> Decimal:
    """The converted index (25-100) from the exact mean score of each element."""
    return rounded(sum(means, Fraction(0)) / len(means) * SCALE)
