"""The lab's papers on the web: sample labels and the test report (LHU), for the people
whose work needs them.

- Sample labels: the sampling officer prints them before sealing; the lab reads them at
  reception; officials check them. Applicants do not get them (a label printed at home
  is a label that could be stuck on another pack).
- The test report: the applicant's business (its own case), the lab (analysts and
  verifiers) and officials.
- The evaluation report (its summary of every item and parameter): the applicant's
  business and officials.
Anyone who may not see the case at all gets NotFound (its existence is not revealed);
staff without the role, and the case's own applicant for labels, get PermissionDenied.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert import outputs, settings, snapshots
from snicert.db.models import Application, Output, Sample, User
from snicert.errors import NotFound
from snicert.labels import Label
from snicert.roles import Role
from snicert.services import lab
from snicert.services.guards import application, can_see, require_role, thing

LABEL_ROLES = (Role.SAMPLER, Role.LAB_ANALYST, Role.LAB_VERIFIER, Role.OFFICIAL)
TEST_REPORT_ROLES = (Role.LAB_ANALYST, Role.LAB_VERIFIER, Role.OFFICIAL)


def _case(s: Session, actor: User, app_id: int) -> Application:
    try:
        app = application(s, app_id)
    except NotFound:
        raise NotFound("not_found", what=thing("application"), ident=app_id) from None
    if not can_see(actor, app):
        raise NotFound("not_found", what=thing("application"), ident=app_id)
    return app


def label_of(app: Application, sample: Sample, unit: int | None = None) -> Label:
    """What the label of `sample` (or of its unit number `unit`) shows, as of now: the
    seal number and the moment taken once the sampler recorded them."""
    product = snapshots.product(app).name.id if app.product_snapshot else app.product
    return Label(
        code=sample.code,
        lspro=settings.current().lspro_name or "LSPro",
        product=f"{product} \u00b7 {app.brand}" if app.brand else product,
        application=app.number,
        purpose=sample.purpose,
        units=sample.units,
        amount=sample.amount,
        taken=settings.local_time(sample.taken_at) if sample.taken_at else None,
        seal=sample.seal_number,
        unit=unit,
    )


def _current(s: Session, app: Application) -> list[Sample]:
    """The samples of the latest round: rejected ones are replaced by a new plan."""
    return [x for x in lab.samples_of(s, app.id) if x.status != "rejected"]


def sheet_labels(s: Session, actor: User, app_id: int) -> tuple[Application, list[Label]]:
    """The labels to print for a case's current samples, in sample order: one for each
    sample's sealed bag and, when it holds several units, one for each unit ("3 of 6")."""
    app = _case(s, actor, app_id)
    require_role(actor, *LABEL_ROLES)
    samples = _current(s, app)
    if not samples:
        raise NotFound("nf_no_samples", case=app.number)
    out: list[Label] = []
    for sample in samples:
        out.append(label_of(app, sample))
        if sample.units > 1:
            out += [label_of(app, sample, unit) for unit in range(1, sample.units + 1)]
    return app, out


def sample_label(s: Session, actor: User, sample_id: int) -> tuple[Sample, Label]:
    """One sample's label (its sealed bag), for the roles that handle samples."""
    sample = s.get(Sample, sample_id)
    if sample is None:
        raise NotFound("not_found", what=thing("sample"), ident=sample_id)
    app = _case(s, actor, sample.application_id)
    require_role(actor, *LABEL_ROLES)
    return sample, label_of(app, sample)


def test_report(s: Session, app: Application) -> Output | None:
    """The test report (PDF) of the latest round that completed testing, if any."""
    owners = [f"sample:{x.id}" for x in lab.samples_of(s, app.id)]
    if not owners:
        return None
    query = select(Output).where(Output.owner.in_(owners), Output.kind == "test_report_pdf")
    found = {out.owner: out for out in s.scalars(query)}  # one query, not one per sample
    return next((found[o] for o in reversed(owners) if o in found), None)


def may_see_test_report(actor: User, app: Application) -> bool:
    if Role.APPLICANT in actor.roles and actor.business_id == app.business_id:
        return True
    return bool(actor.roles & set(TEST_REPORT_ROLES))


def test_report_file(s: Session, actor: User, app_id: int) -> tuple[Application, Output]:
    """The test report for the case's own business, the lab and officials."""
    app = _case(s, actor, app_id)
    if not may_see_test_report(actor, app):
        require_role(actor, *TEST_REPORT_ROLES)  # raises: names the roles it needs
    out = test_report(s, app)
    if out is None:
        raise NotFound("nf_no_test_report", case=app.number)
    return app, out


def evaluation_report(s: Session, app: Application) -> Output | None:
    """The evaluation report (PDF), rendered after the evaluator's recommendation."""
    return outputs.find(s, f"application:{app.id}", "evaluation_report_pdf")


def evaluation_report_file(s: Session, actor: User, app_id: int) -> tuple[Application, Output]:
    """The evaluation report for the case's own business and officials."""
    app = _case(s, actor, app_id)
    if not (Role.APPLICANT in actor.roles and actor.business_id == app.business_id):
        require_role(actor, Role.OFFICIAL)
    out = evaluation_report(s, app)
    if out is None:
        raise NotFound("nf_no_evaluation_report", case=app.number)
    return app, out
