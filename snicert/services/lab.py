"""Sampling and lab results: samples from the sampling plan, entry, four-eyes verification.

The same services serve an application's own testing and each surveillance of its
certificate (a `Work`): a surveillance's samples and results carry its id beside the
application's, follow the surveillance's frozen plan and checklist, and move the
surveillance through its own lifecycle; the application's pages, report and judgement
count only the application's own."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from snicert import audit, clock, lifecycle, snapshots
from snicert.catalog import default_catalog
from snicert.catalog.models import Checklist, SamplingPlan
from snicert.db.models import (
    Application,
    Certificate,
    CustodyEvent,
    LabResult,
    Sample,
    SurveillanceCase,
    User,
)
from snicert.errors import (
    Conflict,
    IllegalTransition,
    InvalidInput,
    NotFound,
    PermissionDenied,
    SeparationOfDuties,
    SnicertError,
)
from snicert.judgment import NONCONFORM, judge_result
from snicert.lifecycle import (
    LIFECYCLES,
    RESULT_COUNTS,
    SURVEILLANCE_TRANSITIONS,
    ResultState,
    SampleState,
    State,
    Transition,
)
from snicert.messages import named
from snicert.roles import Role
from snicert.services import dates, impartiality, rollups, text
from snicert.services.guards import application, get, require_role, thing


@dataclass
class Work:
    """Whose lab work: the application's own (`case` None) or one surveillance of its
    certificate. Its state, checklist and sampling plan come from whichever it is."""

    app: Application
    case: SurveillanceCase | None = None

    @property
    def case_id(self) -> int | None:
        return self.case.id if self.case else None

    @property
    def state(self) -> str:
        return self.case.status if self.case else self.app.state

    @property
    def name(self) -> str:
        """How messages name it: the application's number, or its surveillance."""
        if self.case is None:
            return self.app.number
        return f"{self.app.number} (surveilans/surveillance {self.case.cycle})"

    @property
    def state_name(self) -> dict[str, str]:
        """Its state as a text's parameter, in every language."""
        return named(f"sv_st_{self.case.status}" if self.case else f"st_{self.app.state}")

    @property
    def checklist(self) -> Checklist | None:
        """The checklist judged against (None: a surveillance that does not test)."""
        row = self.case if self.case else self.app
        return snapshots.checklist(row) if row.checklist_snapshot is not None else None

    @property
    def plan(self) -> SamplingPlan | None:
        if self.case is not None:
            # a surveillance not started yet has no plan frozen (nor samples)
            plan = self.case.plan and snapshots.surveillance_plan(self.case)
            return plan.sampling_plan if plan else None
        return snapshots.product(self.app).sampling_plan

    def check(self, action: str, actor: User) -> Transition:
        if self.case is None:
            return lifecycle.check(self.app.state, action, actor)
        return lifecycle.check(
            self.case.status, action, actor, SURVEILLANCE_TRANSITIONS, "surveillance case"
        )

    def apply(self, s: Session, action: str, actor: User, **data: Any) -> None:
        if self.case is None:
            lifecycle.apply(s, self.app, action, actor, **data)
        else:
            from snicert.services import surveillance  # it builds on this module

            surveillance.step(s, self.case, action, actor, **data)


def work(s: Session, app_id: int, surveillance: int | None = None, lock: bool = True) -> Work:
    """The application's own work, or its certificate's surveillance `surveillance` (which
    must be of that application's certificate). The application row is locked either way:
    its samples' numbers and results are serialised on it."""
    app = application(s, app_id, lock=lock)
    if surveillance is None:
        return Work(app)
    case = get(s, SurveillanceCase, surveillance, "surveillance case")
    cert = s.get(Certificate, case.certificate_id)
    if cert.application_id != app.id:
        raise InvalidInput("surveillance", surveillance, "lab_err_not_case", case=app.number)
    return Work(app, case)


def work_of_case(s: Session, case_id: int, lock: bool = True) -> Work:
    case = get(s, SurveillanceCase, case_id, "surveillance case")
    cert = s.get(Certificate, case.certificate_id)
    return work(s, cert.application_id, case.id, lock)


def samples_of(s: Session, app_id: int, surveillance: int | None = None) -> list[Sample]:
    """The samples of the application's own testing, or of one of its surveillances."""
    which = (
        Sample.surveillance_case_id.is_(None)
        if surveillance is None
        else Sample.surveillance_case_id == surveillance
    )
    return list(
        s.scalars(select(Sample).where(Sample.application_id == app_id, which).order_by(Sample.seq))
    )


def create_samples(
    s: Session, actor: User, app_id: int, surveillance: int | None = None
) -> list[Sample]:
    """Plan the samples from the sampling plan (the application's, or the surveillance's).
    Idempotent: a second call returns the same samples (and the (application, seq)
    constraint forbids doubles)."""
    require_role(actor, Role.SYSTEM, Role.SAMPLER, Role.OFFICIAL)
    w = work(s, app_id, surveillance)
    app = w.app
    if w.state != State.SAMPLING:
        raise Conflict("lab_err_plan_state", case=w.name, state=w.state_name)
    everything = samples_of(s, app.id, w.case_id)
    existing = [x for x in everything if x.status != SampleState.REJECTED]
    if existing:
        return existing
    # numbered after every earlier sample of the application (its own, every surveillance's)
    first_seq = (
        s.scalar(select(func.max(Sample.seq)).where(Sample.application_id == app.id)) or 0
    ) + 1
    plan = w.plan
    prefix = app.number
    if w.case is not None:
        # yearly cycles V1, V2...; special ones (a complaint) K1, K2...
        cycle = w.case.cycle
        prefix += f"-V{cycle}" if cycle > 0 else f"-K{-cycle}"
    amount = plan.unit_amount
    amount_text = f"{amount.value:g} {amount.unit}" if amount else None
    parts = [("test", plan.test_units)]
    if plan.retained_units:
        parts.append(("retained", plan.retained_units))
    now = clock.now()
    samples = []
    for seq, (purpose, units) in enumerate(parts, start=first_seq):
        sample = Sample(
            application_id=app.id,
            seq=seq,
            code=f"{prefix}-S{seq}",
            purpose=purpose,
            units=units,
            amount=amount_text,
            container=plan.container.id,
            status=SampleState.PLANNED,
            created_at=now,
            surveillance_case_id=w.case_id,
        )
        s.add(sample)
        samples.append(sample)
    s.flush()
    for sample in samples:
        audit.record(
            s,
            actor,
            "sample.planned",
            "sample",
            sample.id,
            app.id,
            code=sample.code,
            purpose=sample.purpose,
            units=sample.units,
            surveillance=w.case_id,
        )
    return samples


def record_sampling(
    s: Session,
    actor: User,
    app_id: int,
    seals: dict[str, str],
    location: str,
    taken_at: datetime | None = None,
    surveillance: int | None = None,
) -> Application:
    """The sampling officer took and sealed every planned sample: send them to the lab."""
    w = work(s, app_id, surveillance)
    app = w.app
    w.check("samples_sent", actor)
    impartiality.require(s, actor, "sampler", app)
    samples = [x for x in samples_of(s, app.id, w.case_id) if x.status == SampleState.PLANNED]
    if not samples:
        raise Conflict("nf_no_samples", case=w.name)
    seals = {
        x.code: text.optional(f"seals.{x.code}", seals.get(x.code), Sample.seal_number)
        for x in samples
    }
    missing = sorted(code for code, seal in seals.items() if not seal)
    if missing and w.plan.seal_required:
        raise InvalidInput("seals", missing, "lab_err_seals", samples=missing)
    location = text.clean("location", location, Sample.location, required=True)
    when = taken_at or clock.now()
    dates.moment_in_timeline("taken_at", when, max(x.created_at for x in samples), "planned")
    for sample in samples:
        sample.seal_number = seals[sample.code]
        sample.taken_by, sample.taken_at, sample.location = actor.id, when, location
        custody(s, actor, sample, "take", location=sample.location, at=when)
        custody(s, actor, sample, "seal", note=f"segel {sample.seal_number}", at=when)
    w.apply(s, "samples_sent", actor)
    return app


SAMPLE = LIFECYCLES["sample"]


def _kept_until(s: Session, sample: Sample) -> datetime:
    w = work(s, sample.application_id, sample.surveillance_case_id, lock=False)
    kept = s.scalar(
        select(CustodyEvent.at).where(
            CustodyEvent.sample_id == sample.id, CustodyEvent.event == SampleState.RETAINED
        )
    )
    return kept + timedelta(days=w.plan.retention_days)


def _retention_over(s: Session, sample: Sample, actor: User) -> None:
    if _kept_until(s, sample) > clock.now():
        raise Conflict("lab_err_kept", code=sample.code, until=f"{_kept_until(s, sample):%Y-%m-%d}")


# The sample lifecycle's named guards (lifecycle.SAMPLE_TRANSITIONS).
SAMPLE_GUARDS: dict[str, lifecycle.Guard] = {"retention_over": _retention_over}


def custody(
    s: Session,
    actor: User,
    sample: Sample,
    action: str,
    location: str | None = None,
    note: str | None = None,
    at: datetime | None = None,
) -> CustodyEvent:
    """Take one step of the sample's lifecycle; its chain-of-custody entry is named after
    the step's event (taken, sealed, received...)."""
    t = lifecycle.transition(
        s,
        sample,
        SAMPLE,
        action,
        actor,
        SAMPLE_GUARDS,
        sample.application_id,
        code=sample.code,
        location=location,
        note=note,
    )
    entry = CustodyEvent(
        sample_id=sample.id,
        event=t.event,
        at=at or clock.now(),
        by=actor.id,
        location=location,
        note=note,
    )
    s.add(entry)
    return entry


def custody_log(s: Session, sample_id: int) -> list[CustodyEvent]:
    return list(
        s.scalars(
            select(CustodyEvent)
            .where(CustodyEvent.sample_id == sample_id)
            .order_by(CustodyEvent.id)
        )
    )


def receive_sample(
    s: Session,
    actor: User,
    sample_id: int,
    seal_number: str,
    seal_intact: bool,
    received_at: datetime | None = None,
) -> Sample:
    """The lab receives a sealed sample. A broken or different seal, or a transit longer
    than the sampling plan allows, rejects the round's samples and asks for new sampling."""
    require_role(actor, Role.LAB_ANALYST, Role.LAB_VERIFIER)
    sample = get(s, Sample, sample_id, "sample")
    w = work(s, sample.application_id, sample.surveillance_case_id)
    if w.state != State.TESTING:
        raise Conflict("lab_err_receive_state", case=w.name, state=w.state_name)
    lifecycle.check(sample.status, "receive", actor, SAMPLE.transitions, SAMPLE.label)
    seal_number = text.clean(
        "seal_number",
        seal_number,
        Sample.seal_number,
        required=True,
    )
    when = received_at or clock.now()
    dates.moment_in_timeline("received_at", when, sample.taken_at, "taken")
    plan = w.plan
    hours = (when - sample.taken_at).total_seconds() / 3600
    problem = None
    if not seal_intact:
        problem = f"segel rusak / seal broken ({sample.code})"
    elif (sample.seal_number or "") != seal_number:
        problem = (
            f"nomor segel {seal_number!r} tidak sesuai {sample.seal_number!r} "
            f"/ seal number does not match ({sample.code})"
        )
    elif hours > plan.max_transit_hours:
        problem = (
            f"waktu transit {hours:.0f} jam melebihi {plan.max_transit_hours} jam / "
            f"transit too long ({sample.code})"
        )
    if problem:
        reject_sample(s, actor, sample.id, problem)
        return sample
    custody(s, actor, sample, "receive", note=f"segel {seal_number} utuh", at=when)
    return sample


def test_sample(s: Session, app: Application | Work) -> Sample:
    w = app if isinstance(app, Work) else Work(app)
    for sample in reversed(samples_of(s, w.app.id, w.case_id)):
        if sample.purpose == "test" and sample.status != SampleState.REJECTED:
            return sample
    raise Conflict("lab_err_no_test_sample", case=w.name)


def reject_sample(s: Session, actor: User, sample_id: int, reason: str) -> Application:
    """The lab refuses a sample (broken seal, too long in transit...): the samples of this
    round are rejected and the case goes back to sampling for new ones."""
    sample = get(s, Sample, sample_id, "sample")
    w = work(s, sample.application_id, sample.surveillance_case_id)
    w.check("resample", actor)
    reason = text.clean(
        "reason",
        reason,
        CustodyEvent.note,
        multiline=True,
        required=True,
    )
    for other in samples_of(s, w.app.id, w.case_id):
        if other.status != SampleState.REJECTED:
            custody(s, actor, other, "reject", note=reason)
    w.apply(s, "resample", actor, sample=sample.code, reason=reason)
    return w.app


def results(
    s: Session, app_id: int, parameter_id: str | None = None, surveillance: int | None = None
) -> list[LabResult]:
    """Results on the application's samples (or a surveillance's), except those of
    rejected samples (a new round of sampling starts the testing over)."""
    which = (
        LabResult.surveillance_case_id.is_(None)
        if surveillance is None
        else LabResult.surveillance_case_id == surveillance
    )
    q = (
        select(LabResult)
        .join(Sample, Sample.id == LabResult.sample_id)
        .where(LabResult.application_id == app_id, which, Sample.status != SampleState.REJECTED)
    )
    if parameter_id is not None:
        q = q.where(LabResult.parameter_id == parameter_id)
    return list(s.scalars(q.order_by(LabResult.parameter_id, LabResult.attempt)))


@dataclass(frozen=True)
class ResultRow:
    """One row of a result form or API call, as written."""

    parameter: str
    value: str
    unit: str
    uncertainty: str | None = None
    method: str | None = None
    instrument: str | None = None
    tested_on: datetime | None = None


@dataclass(frozen=True)
class RowError:
    parameter: str
    field: str  # the service's field, e.g. "moisture" or "moisture.unit"
    refused: InvalidInput | Conflict  # said in the person's language on a page

    @property
    def conflict(self) -> bool:
        return isinstance(self.refused, Conflict)


class RowErrors(Exception):
    """Some rows were refused: the caller's transaction must roll back (nothing stored)."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} rows have errors; nothing was stored")
        self.errors = errors

    @property
    def status(self) -> int:
        return 409 if all(e.conflict for e in self.errors) else 422


def record_results(
    s: Session,
    actor: User,
    app_id: int,
    rows: Sequence[ResultRow],
    surveillance: int | None = None,
) -> list[LabResult]:
    """All or nothing: every row entered (record_result) in the caller's transaction, or
    RowErrors naming every refused row, so that the transaction rolls back."""
    if not rows:
        raise InvalidInput("results", "", "lab_err_no_rows")
    stored, errors = [], []
    for row in rows:
        parameter = row.parameter.strip()
        try:
            stored.append(
                record_result(
                    s,
                    actor,
                    app_id,
                    parameter,
                    row.value,
                    row.unit,
                    uncertainty=(row.uncertainty or "").strip() or None,
                    method=(row.method or "").strip() or None,
                    instrument=(row.instrument or "").strip() or None,
                    tested_on=row.tested_on,
                    surveillance=surveillance,
                )
            )
        except InvalidInput as exc:
            errors.append(RowError(parameter, exc.field, exc))
        except Conflict as exc:
            errors.append(RowError(parameter, parameter, exc))
    if errors:
        raise RowErrors(errors)
    return stored


def record_result(
    s: Session,
    actor: User,
    app_id: int,
    parameter_id: str,
    value: str,
    unit: str,
    *,
    uncertainty: str | None = None,
    method: str | None = None,
    instrument: str | None = None,
    tested_on: datetime | None = None,
    surveillance: int | None = None,
) -> LabResult:
    """Enter one result against the checklist snapshot of the application (or of its
    surveillance), judged at once."""
    require_role(actor, Role.LAB_ANALYST)
    value = text.clean(parameter_id, value, LabResult.value_text)
    unit = text.clean(f"{parameter_id}.unit", unit, LabResult.unit)
    uncertainty = text.optional(f"{parameter_id}.uncertainty", uncertainty, LabResult.uncertainty)
    method = text.optional(f"{parameter_id}.method", method, LabResult.method)
    instrument = text.optional(f"{parameter_id}.instrument", instrument, LabResult.instrument)
    w = work(s, app_id, surveillance)
    app = w.app
    if w.state != State.TESTING:
        raise Conflict("lab_err_enter_state", case=w.name, state=w.state_name)
    impartiality.require(s, actor, "lab_analyst", app)
    params = {p.id: p for p in w.checklist.parameters}
    param = params.get(parameter_id)
    if param is None:
        what = thing("surveillance plan" if w.case else "checklist")
        raise InvalidInput(
            "parameter", parameter_id, "lab_err_parameter", product=app.product, what=what
        )
    # a given uncertainty must be usable even where the verdict ignores it (simple acceptance)
    verdict = judge_result(
        param.model_dump(mode="json"),
        value,
        unit,
        default_catalog().units,
        uncertainty,
        guarded=w.checklist.acceptance == "guarded",
    )
    earlier = results(s, app.id, parameter_id, w.case_id)
    if earlier and not open_for_entry(earlier[-1]):
        latest = earlier[-1]
        if latest.status == ResultState.ENTERED:
            raise Conflict("lab_err_awaiting", parameter=parameter_id, attempt=latest.attempt)
        raise Conflict("lab_err_verified", parameter=parameter_id, attempt=latest.attempt)
    sample = test_sample(s, w)
    if sample.status not in (SampleState.RECEIVED, SampleState.IN_TESTING):
        raise Conflict(
            "lab_err_not_received", code=sample.code, status=named(f"lab_ss_{sample.status}")
        )
    if tested_on is not None:
        received = s.scalar(
            select(CustodyEvent.at).where(
                CustodyEvent.sample_id == sample.id, CustodyEvent.event == SampleState.RECEIVED
            )
        )
        dates.day_in_timeline(
            f"{parameter_id}.tested_on", tested_on, received, "received", code=sample.code
        )
    if sample.status == SampleState.RECEIVED:
        custody(s, actor, sample, "start_testing")
    result = LabResult(
        application_id=app.id,
        product=app.product,  # the review counts per product from the result's own row
        sample_id=sample.id,
        parameter_id=parameter_id,
        attempt=len(earlier) + 1,
        value_text=str(value).strip(),
        unit=unit.strip(),
        uncertainty=uncertainty,
        method=method or param.method,
        instrument=instrument,
        tested_on=tested_on,
        analyst_id=actor.id,
        entered_at=clock.now(),
        status=ResultState.ENTERED,
        verdict=verdict,
        surveillance_case_id=w.case_id,
    )
    s.add(result)
    s.flush()
    audit.record(
        s,
        actor,
        "result.entered",
        "lab_result",
        result.id,
        app.id,
        parameter=parameter_id,
        value=result.value_text,
        unit=result.unit,
        verdict=verdict,
        attempt=result.attempt,
        surveillance=w.case_id,
    )
    return result


RESULT = LIFECYCLES["lab_result"]


def _not_the_analyst(s: Session, result: LabResult, actor: User) -> None:
    if result.analyst_id == actor.id:
        raise SeparationOfDuties("lab_err_four_eyes", who=actor.email, result=result.id)


def _case_in_testing(s: Session, result: LabResult, actor: User) -> None:
    w = work(s, result.application_id, result.surveillance_case_id)
    if w.state != State.TESTING:
        raise Conflict("lab_err_verify_state", case=w.name, state=w.state_name)


def _impartial(s: Session, result: LabResult, actor: User) -> None:
    impartiality.require(s, actor, "lab_verifier", s.get(Application, result.application_id))


def _reason_stated(s: Session, result: LabResult, actor: User) -> None:
    if not result.note:
        raise InvalidInput("reason", result.note, "required")


# The lab result lifecycle's named guards (lifecycle.RESULT_TRANSITIONS).
RESULT_GUARDS: dict[str, lifecycle.Guard] = {
    "not_the_analyst": _not_the_analyst,
    "case_in_testing": _case_in_testing,
    "impartial": _impartial,
    "reason_stated": _reason_stated,
}


def _verifiable(s: Session, actor: User, result_id: int) -> LabResult:
    """The result, if `actor` may verify it now (its table and guards); changes nothing."""
    result = get(s, LabResult, result_id, "lab result")
    t = lifecycle.check(result.status, "verify", actor, RESULT.transitions, RESULT.label)
    for name in t.guards:
        RESULT_GUARDS[name](s, result, actor)
    return result


def _conclude(
    s: Session,
    actor: User,
    result: LabResult | int,
    action: str,
    note: str | None = None,
    **data: Any,
) -> LabResult:
    """A verifier concludes an entered result (verify, retract, request a retest)."""
    if not isinstance(result, LabResult):
        result = get(s, LabResult, result, "lab result")
    result.verified_by, result.verified_at = actor.id, clock.now()
    if note is not None:
        result.note = note
    lifecycle.transition(
        s,
        result,
        RESULT,
        action,
        actor,
        RESULT_GUARDS,
        result.application_id,
        parameter=result.parameter_id,
        **data,
    )
    rollups.lab_result_concluded(s, result)  # the review's counts, same transaction
    return result


def verify_result(s: Session, actor: User, result_id: int) -> LabResult:
    """Four-eyes: a lab verifier who did not enter the result releases it."""
    return _verify(s, actor, get(s, LabResult, result_id, "lab result"))


def _verify(s: Session, actor: User, result: LabResult) -> LabResult:
    _conclude(s, actor, result, "verify", verdict=result.verdict)
    _surveillance_testing_done(s, result)
    return result


BULK_LIMIT = 200  # results verified in one submit (a page of the queue at its largest)


@dataclass(frozen=True)
class Refusal:
    """A result of a bulk verification that was not verified, and why."""

    result_id: int
    error: SnicertError


def verify_results(
    s: Session, actor: User, result_ids: Sequence[int]
) -> tuple[list[LabResult], list[Refusal]]:
    """Verify many results in one unit of work, each as `verify_result` would (four eyes,
    impartiality, still awaiting verification, its own audit event).

    Every result is judged before anything is written: those that may not be verified (the
    verifier entered them, is conflicted, or someone acted on them meanwhile) are returned
    as refusals naming why, and the rest are verified. Four eyes is a rule per result, so
    one the verifier entered says nothing against the others; a lab verifying a page of
    results expects those released and the exceptions named, not to select again. A
    failure while writing rolls the whole batch back (nothing half-verified)."""
    require_role(actor, Role.LAB_VERIFIER)
    wanted = sorted(set(result_ids))  # one lock order for concurrent batches
    if not wanted:
        raise InvalidInput("results", [], "lab_bulk_none")
    if len(wanted) > BULK_LIMIT:
        raise InvalidInput("results", len(wanted), "lab_err_bulk", most=BULK_LIMIT)
    accepted, refused = [], []
    for result_id in wanted:
        try:
            accepted.append(_verifiable(s, actor, result_id))
        except (NotFound, Conflict, PermissionDenied, IllegalTransition) as exc:
            refused.append(Refusal(result_id, exc))
    return [_verify(s, actor, r) for r in accepted], refused


def _surveillance_testing_done(s: Session, result: LabResult) -> None:
    """A surveillance moves on as soon as its last result is verified, in the same
    transaction (an application's testing is closed by its flow, snicert/stages.py)."""
    if result.surveillance_case_id is None:
        return
    w = work(s, result.application_id, result.surveillance_case_id)
    if testing_done(s, w):
        from snicert.services import accounts

        complete_testing(s, accounts.system_user(s), w.app.id, w.case_id)


def open_for_entry(latest: LabResult) -> bool:
    """The parameter's latest result leaves room for a new attempt."""
    return latest.status in (ResultState.RETRACTED, ResultState.RETEST_REQUESTED)


def retract_result(s: Session, actor: User, result_id: int, reason: str) -> LabResult:
    """The result is invalid (wrong sample, method error...): it never counts; the
    parameter must be entered again."""
    reason = text.clean(
        "reason",
        reason,
        LabResult.note,
        multiline=True,
        required=True,
    )
    return _conclude(s, actor, result_id, "retract", reason, reason=reason)


def request_retest(s: Session, actor: User, result_id: int, reason: str) -> LabResult:
    """The result is valid and kept, but the parameter is tested again; the checklist's
    `result_counts` says whether the first or the latest valid result counts."""
    reason = text.clean("reason", reason, LabResult.note, multiline=True, required=True)
    return _conclude(s, actor, result_id, "request_retest", reason, reason=reason)


def counted_results(s: Session, app: Application | Work) -> dict[str, LabResult]:
    """The verified result that counts for each parameter (per the checklist's rule)."""
    w = app if isinstance(app, Work) else Work(app)
    # a surveillance not started yet has no checklist frozen, and no results
    first = w.checklist is not None and w.checklist.result_counts == "first"
    out: dict[str, LabResult] = {}
    for r in results(s, w.app.id, surveillance=w.case_id):
        if r.status in RESULT_COUNTS and (not first or r.parameter_id not in out):
            out[r.parameter_id] = r
    return out


def testing_done(s: Session, app: Application | Work) -> bool:
    """Every parameter has a counted result, and none awaits verification or a retest."""
    w = app if isinstance(app, Work) else Work(app)
    counted = counted_results(s, w)
    latest = {r.parameter_id: r for r in results(s, w.app.id, surveillance=w.case_id)}
    return all(
        p.id in counted
        and latest[p.id].status != ResultState.ENTERED
        and not open_for_entry(latest[p.id])
        for p in w.checklist.parameters
    )


def complete_testing(s: Session, actor: User, app_id: int, surveillance: int | None = None) -> bool:
    """Move on once every parameter has a verified result. True if it moved."""
    w = work(s, app_id, surveillance)
    app = w.app
    w.check("testing_complete", actor)
    if not testing_done(s, w):
        return False
    counted = counted_results(s, w)
    failing = sorted(p for p, r in counted.items() if r.verdict == NONCONFORM)
    days = w.plan.retention_days
    for sample in samples_of(s, app.id, w.case_id):
        if sample.status in (SampleState.RECEIVED, SampleState.IN_TESTING):
            custody(s, actor, sample, "retain", note=f"disimpan {days} hari / kept {days} days")
    if w.case is not None:
        from snicert.services import surveillance as sv  # it builds on this module

        sv.testing_done(s, actor, w.case, failing)
        return True
    from snicert.services import site_audits  # it builds on the lifecycle's guards

    # a type-5 case whose site audit is not concluded yet waits for it (site_audit)
    action = "await_site_audit" if site_audits.awaited(s, app) else "testing_complete"
    lifecycle.apply(s, app, action, actor, nonconforming=failing)
    return True


def dispose_expired_retention(s: Session, actor: User) -> list[Sample]:
    """Retained samples past the sampling plan's retention period are disposed of."""
    require_role(actor, Role.SYSTEM)
    disposed = []
    now = clock.now()
    for sample in s.scalars(select(Sample).where(Sample.status == SampleState.RETAINED)):
        if _kept_until(s, sample) <= now:
            custody(s, actor, sample, "dispose")
            disposed.append(sample)
    return disposed
