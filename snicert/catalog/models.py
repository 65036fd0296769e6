"""Pydantic models of the product and checklist data files.

These models are the one definition of what a valid file is: `snicert check-data`,
loading at run time and the shipped JSON Schemas (for editors) all come from them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SNAKE_ID = r"^[a-z][a-z0-9_]*$"
SnakeId = Annotated[str, Field(pattern=SNAKE_ID, max_length=64)]
NonEmpty = Annotated[str, Field(min_length=1)]


class LocatedError(ValueError):
    """A rule broken at one place inside the model being validated.

    Model-level validators see the whole model, so pydantic reports their errors at the
    model itself. `loc` (relative to the validated object) and `value` let the loader name
    the exact field and value instead.
    """

    def __init__(self, message: str, loc: tuple[str | int, ...], value: object):
        super().__init__(message)
        self.loc = loc
        self.value = value


class Strict(BaseModel):
    # Unknown keys are errors: a typo in a data file must not pass silently.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """A text in Bahasa Indonesia (shown first) and English."""

    id: NonEmpty
    en: NonEmpty


class Source(Strict):
    """Where a requirement comes from. `provisional` until the standard's text is at hand."""

    status: Literal["verified", "provisional"]
    reference: NonEmpty = Field(description="Cited standard and clause, or why it is provisional")
    note: str | None = None


# ---------------------------------------------------------------- units

Number = Decimal  # exact decimal limits: a maximum of 7 must accept 7.0 and reject 7.01


class Domain(Strict):
    """The values a result can possibly take (both ends included). A result outside it is
    refused as impossible, never judged: -5 % moisture is a typing or lab error."""

    min: Number | None = Field(default=None, description="Lowest possible value")
    max: Number | None = Field(default=None, description="Highest possible value")

    @model_validator(mode="after")
    def _bounds(self) -> Domain:
        if self.min is None and self.max is None:
            raise ValueError("a domain needs min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is greater than max {self.max}")
        return self


class Unit(Strict):
    id: NonEmpty = Field(description="The unit as written in results files, e.g. 'mg/kg'")
    name: Text
    numeric: bool = Field(description="True when results in this unit are numbers")
    aliases: list[NonEmpty] = Field(default_factory=list)
    domain: Domain | None = Field(
        default=None,
        description="Possible values of a numeric unit (min and max), the "
        "default of every parameter in this unit",
    )

    @model_validator(mode="after")
    def _domain(self) -> Unit:
        # every number a result can take is bounded, so absurd magnitudes never get judged
        if self.numeric and (self.domain is None or None in (self.domain.min, self.domain.max)):
            raise LocatedError(
                "a numeric unit needs a domain with min and max",
                ("domain",),
                self.domain and self.domain.model_dump(mode="json"),
            )
        if not self.numeric and self.domain is not None:
            raise LocatedError(
                "only a numeric unit has a domain", ("domain",), self.domain.model_dump(mode="json")
            )
        return self


class UnitsFile(Strict):
    schema_: str | None = Field(default=None, alias="$schema")
    units: list[Unit]

    @model_validator(mode="after")
    def _unique(self) -> UnitsFile:
        seen: dict[str, str] = {}
        for i, u in enumerate(self.units):
            names: list[tuple[tuple[str | int, ...], str]] = [(("units", i, "id"), u.id)]
            names += [(("units", i, "aliases", k), a) for k, a in enumerate(u.aliases)]
            for loc, name in names:
                if name in seen:
                    raise LocatedError(
                        f"duplicate unit or alias {name!r} (first at {seen[name]})", loc, name
                    )
                seen[name] = f"units[{i}]"
        return self


# ---------------------------------------------------------------- holidays


class Holiday(Strict):
    """A day off the `holidays` package does not know: cuti bersama decreed after its
    release, or a local holiday of the LSPro's region."""

    date: dt.date
    name: Text
    kind: Literal["cuti_bersama", "local"]
    reference: NonEmpty = Field(description="The decree or letter that makes it a day off")


class HolidaysFile(Strict):
    schema_: str | None = Field(default=None, alias="$schema")
    days: list[Holiday]

    @model_validator(mode="after")
    def _unique(self) -> HolidaysFile:
        seen: dict[dt.date, int] = {}
        for i, h in enumerate(self.days):
            if h.date in seen:
                raise LocatedError(
                    f"date listed twice (first at days[{seen[h.date]}])",
                    ("days", i, "date"),
                    h.date,
                )
            seen[h.date] = i
        return self


# ---------------------------------------------------------------- the certification agreement


class Obligation(Strict):
    """One clause of the agreement (ISO/IEC 17065 §4.1.2)."""

    id: SnakeId
    title: Text
    text: Text


AGREEMENT_TOPICS = (
    "requirements",
    "certificate_and_mark",
    "surveillance_access",
    "changes",
    "complaints",
)


class Agreement(Strict):
    """The certification agreement an applicant accepts at submission (products/agreement.yaml).
    Every version is kept by its number: an application records the one accepted."""

    schema_: str | None = Field(default=None, alias="$schema")
    version: int = Field(ge=1, description="Bump for every change of the text")
    effective: dt.date = Field(description="The day this version takes effect")
    title: Text
    preamble: Text
    obligations: list[Obligation] = Field(min_length=1)
    status: Literal["confirmed", "provisional"] = Field(
        description="provisional until the LSPro's legal text is approved"
    )
    reference: NonEmpty = Field(description="Who approved the text, or why it is provisional")

    @model_validator(mode="after")
    def _topics(self) -> Agreement:
        _no_duplicates([o.id for o in self.obligations], "obligation id", ("obligations",))
        missing = [t for t in AGREEMENT_TOPICS if t not in {o.id for o in self.obligations}]
        if missing:
            raise LocatedError(
                f"the agreement must state the obligations {', '.join(missing)} "
                f"(expected ids: {', '.join(AGREEMENT_TOPICS)})",
                ("obligations",),
                [o.id for o in self.obligations],
            )
        return self


# ---------------------------------------------------------------- products


class Standard(Strict):
    number: NonEmpty = Field(description="SNI number, e.g. 'SNI 01-3707-1995'")
    title: NonEmpty
    status: Literal["confirmed", "not_found"] = "confirmed"
    note: str | None = None


class Scheme(Strict):
    type: Literal["1b", "5"] = Field(description="ISO/IEC 17067 scheme type")
    validity_years: int | None = Field(default=None, ge=1, le=10)
    surveillance_interval_months: int | None = Field(default=None, ge=1, le=60)
    factory_audit: bool = False

    @model_validator(mode="after")
    def _type_rules(self) -> Scheme:
        surveillance = self.surveillance_interval_months
        if self.type == "5" and (self.validity_years is None or not surveillance):
            raise ValueError("scheme type 5 needs validity_years and surveillance_interval_months")
        if self.type == "1b" and self.surveillance_interval_months is not None:
            raise ValueError("scheme type 1b covers one batch and has no surveillance")
        return self


FileType = Literal["pdf", "jpg", "png", "webp"]


class DocumentRequirement(Strict):
    id: SnakeId
    name: Text
    mandatory: bool
    file_types: list[FileType] = Field(min_length=1)
    max_size_mb: float = Field(default=10, gt=0, le=100)
    note: Text | None = None


class Quantity(Strict):
    value: float = Field(gt=0)
    unit: NonEmpty


class SamplingPlan(Strict):
    test_units: int = Field(ge=1, description="Units sent to the lab for testing")
    retained_units: int = Field(ge=0, description="Units kept sealed as counter-samples")
    unit_amount: Quantity | None = Field(default=None, description="Amount per unit, if any")
    container: Text
    retention_days: int = Field(ge=0)
    max_transit_hours: int = Field(ge=1, description="Longest allowed time from sealing to lab")
    seal_required: bool = True
    note: Text | None = None


class SurveillancePlan(Strict):
    """What each surveillance of a type-5 certificate samples and tests, beside its site
    audit (snicert/services/surveillance.py). The parameters are ids of the product's lab
    checklist (check-data checks them); the samples follow `sampling_plan`, or the
    product's own sampling plan when it is absent."""

    testing: bool = Field(description="Each surveillance takes samples and tests them")
    parameters: list[SnakeId] | None = Field(
        default=None,
        min_length=1,
        description="Lab checklist parameters tested again (absent: all of them)",
    )
    sampling_plan: SamplingPlan | None = Field(
        default=None, description="Samples taken in surveillance (absent: the product's)"
    )
    note: Text | None = None

    @model_validator(mode="after")
    def _consistent(self) -> SurveillancePlan:
        if not self.testing and (self.parameters or self.sampling_plan):
            raise ValueError("parameters and sampling_plan need testing: true")
        ids = self.parameters or []
        for n, i in enumerate(ids):
            if i in ids[:n]:
                raise LocatedError(f"duplicate parameter {i!r}", ("parameters", n), i)
        return self


class Times:
    """A service-standard field's metadata: the application state whose stay it limits.
    The keys are written here only; snicert/lifecycle.py's STAGES read them from it."""

    def __init__(self, state: str):
        self.state = state


class ServiceStandard(Strict):
    """Working days allowed for each stage (the LSPro's service standard)."""

    screening: Annotated[int, Times("submitted")] = Field(ge=1)
    document_review: Annotated[int, Times("document_review")] = Field(ge=1)
    nonconformity_response: Annotated[int, Times("nonconformity")] = Field(ge=1)
    sampling: Annotated[int, Times("sampling")] = Field(ge=1)
    testing: Annotated[int, Times("testing")] = Field(ge=1)
    evaluation: Annotated[int, Times("evaluation")] = Field(ge=1)
    site_audit: Annotated[int, Times("site_audit")] = Field(
        default=15, ge=1, description="From the end of testing to the site audit's conclusion"
    )
    payment: Annotated[int, Times("payment")] = Field(
        default=10, ge=1, description="For the applicant to pay the invoice and upload the proof"
    )
    payment_check: Annotated[int, Times("payment_check")] = Field(
        default=2, ge=1, description="For an official to confirm or refuse a proof of payment"
    )
    decision: Annotated[int, Times("decision")] = Field(ge=1)
    issuance: Annotated[int, Times("approved")] = Field(ge=1)


class TariffItem(Strict):
    """One fee of the certification, in whole rupiah."""

    id: SnakeId
    name: Text
    amount_idr: int = Field(ge=0, le=1_000_000_000, description="Amount in rupiah (IDR)")


class Tariff(Strict):
    """The fees quoted at submission. `provisional` until the LSPro's tariff decree (or the
    PNBP regulation for a government LSPro) is at hand, like other unconfirmed data."""

    status: Literal["confirmed", "provisional"]
    legal_basis: Text = Field(description="e.g. PP 54/2021 on PNBP, or the regional regulation")
    reference: NonEmpty = Field(description="The decree and article, or why it is provisional")
    items: list[TariffItem] = Field(min_length=1)
    note: Text | None = None

    @model_validator(mode="after")
    def _unique_items(self) -> Tariff:
        _no_duplicates([i.id for i in self.items], "tariff item id", ("items",))
        return self

    @property
    def total_idr(self) -> int:
        return sum(i.amount_idr for i in self.items)


class Product(Strict):
    schema_: str | None = Field(default=None, alias="$schema")
    code: SnakeId
    certificate_prefix: Annotated[str, Field(pattern=r"^[A-Z]{2,5}$")] = Field(
        description="Upper-case letters used in certificate numbers"
    )
    name: Text
    standards: list[Standard] = Field(min_length=1)
    scope: Text
    scheme: Scheme
    documents: list[DocumentRequirement] = Field(min_length=1)
    sampling_plan: SamplingPlan
    # a scheme with surveillance (type 5) says what each surveillance samples and tests
    surveillance: SurveillancePlan | None = None
    marking: list[Text] = Field(min_length=1, description="Marking and label requirements")
    service_standard_days: ServiceStandard
    tariff: Tariff

    @model_validator(mode="after")
    def _unique_documents(self) -> Product:
        _no_duplicates([d.id for d in self.documents], "document id", ("documents",))
        return self

    @model_validator(mode="after")
    def _surveillance_plan(self) -> Product:
        if self.scheme.surveillance_interval_months and self.surveillance is None:
            raise LocatedError(
                "a scheme with surveillance needs a surveillance plan", ("surveillance",), None
            )
        if not self.scheme.surveillance_interval_months and self.surveillance is not None:
            raise LocatedError("this scheme has no surveillance", ("surveillance",), "surveillance")
        return self


# ---------------------------------------------------------------- checklists


class MaxReq(Strict):
    kind: Literal["max"]
    max: Number


class MinReq(Strict):
    kind: Literal["min"]
    min: Number


class RangeReq(Strict):
    kind: Literal["range"]
    min: Number
    max: Number

    @model_validator(mode="after")
    def _ordered(self) -> RangeReq:
        if self.min > self.max:
            raise ValueError(f"min {self.min} is greater than max {self.max}")
        return self


class EqualsReq(Strict):
    kind: Literal["equals"]
    value: Number | str


class OneOfReq(Strict):
    kind: Literal["one_of"]
    values: list[NonEmpty] = Field(min_length=1)


class NegativeReq(Strict):
    """Negative / not detected (e.g. Salmonella per 25 g)."""

    kind: Literal["negative"]


class SensoryReq(Strict):
    """Sensory attribute that must be 'normal'."""

    kind: Literal["sensory_normal"]


class PassFailReq(Strict):
    """An inspection that passes or fails (construction, finish, marking...)."""

    kind: Literal["pass_fail"]


Requirement = Annotated[
    MaxReq | MinReq | RangeReq | EqualsReq | OneOfReq | NegativeReq | SensoryReq | PassFailReq,
    Field(discriminator="kind"),
]


class Parameter(Strict):
    id: SnakeId
    name: Text
    unit: NonEmpty = Field(description="An id or alias from checklists/units.yaml")
    requirement: Requirement
    method: NonEmpty = Field(description="Test method reference")
    domain: Domain | None = Field(
        default=None,
        exclude_if=lambda d: d is None,  # absent: checklist content unchanged
        description="Possible values, when they differ from the unit's domain in "
        "checklists/units.yaml (a bound not given is the unit's)",
    )
    source: Source
    group: Literal[
        "physical_chemical",
        "contaminant",
        "microbiological",
        "sensory",
        "construction",
        "material",
        "performance",
        "marking",
    ] = "physical_chemical"


class DocumentItem(Strict):
    """One point the document reviewer checks."""

    id: SnakeId
    text: Text
    document: SnakeId | None = Field(
        default=None, description="The product's document this item is checked against"
    )
    source: Source


class Checklist(Strict):
    schema_: str | None = Field(default=None, alias="$schema")
    product: SnakeId
    version: int = Field(ge=1, description="Bump for every change; approved versions are frozen")
    title: Text
    acceptance: Literal["simple", "guarded"] = Field(
        default="simple",
        description="simple: the measured value decides; guarded: value ± uncertainty must conform",
    )
    result_counts: Literal["latest", "first"] = Field(
        default="latest", description="Which result counts when a parameter was retested"
    )
    document_items: list[DocumentItem] = Field(min_length=1)
    parameters: list[Parameter] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Checklist:
        _no_duplicates([i.id for i in self.document_items], "document item id", ("document_items",))
        _no_duplicates([p.id for p in self.parameters], "parameter id", ("parameters",))
        return self

    def parameter(self, parameter_id: str) -> Parameter:
        for p in self.parameters:
            if p.id == parameter_id:
                return p
        raise KeyError(parameter_id)

    @property
    def provisional_count(self) -> int:
        items = [*self.parameters, *self.document_items]
        return sum(1 for i in items if i.source.status == "provisional")


def _no_duplicates(ids: list[str], what: str, where: tuple[str, ...]) -> None:
    """Raise at the second occurrence; `where` is the list's location in the validated object."""
    seen: dict[str, int] = {}
    for n, i in enumerate(ids):
        if i in seen:
            first = "".join(f".{w}" for w in where).lstrip(".") + f"[{seen[i]}]"
            raise LocatedError(f"duplicate {what} {i!r} (first at {first})", (*where, n, "id"), i)
        seen[i] = n


# ---------------------------------------------------------------- site-audit checklists


class AuditItem(Strict):
    """One point the auditor checks at the production site; findings are graded against it."""

    id: SnakeId
    element: Text = Field(description="The guideline's aspect or the standard's element")
    text: Text
    source: Source


class AuditChecklist(Strict):
    """The production-site / quality-system audit of a type-5 scheme (checklists/audit/)."""

    schema_: str | None = Field(default=None, alias="$schema")
    product: SnakeId
    version: int = Field(ge=1, description="Bump for every change; approved versions are frozen")
    title: Text
    basis: Literal["cppb_irt", "iso_9001"] = Field(
        description="cppb_irt: BPOM's good manufacturing for home food industries; "
        "iso_9001: production control after ISO 9001's elements"
    )
    items: list[AuditItem] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> AuditChecklist:
        _no_duplicates([i.id for i in self.items], "audit item id", ("items",))
        return self

    @property
    def provisional_count(self) -> int:
        return sum(1 for i in self.items if i.source.status == "provisional")
