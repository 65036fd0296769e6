"""Who may call a route: one dependency, `allow(...)`, for pages, files and the API.

- Not signed in: pages redirect to /login; the API and file downloads answer 401.
- Without one of the route's roles: 403 (a page says so in the person's language).
- `case=`: the case the path names (an application, a certificate, a finding...) must be one
  the caller may see (services.guards.can_see); otherwise 404, exactly as for an id that
  exists nowhere, so other businesses' cases are not revealed.
- Every POST carries the session's CSRF token (form field `csrf_token`, or header
  `X-CSRF-Token` for the API); bearer tokens have none to check.

The dependency gives the `Caller`. A page's form fields come to its route as a model
(snicert.web.forms), never from here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException

from snicert.db import engine as db
from snicert.db.models import (
    Application,
    AuditFinding,
    Certificate,
    Nonconformity,
    SiteAudit,
    User,
)
from snicert.errors import InvalidInput
from snicert.roles import Role
from snicert.services.guards import can_see
from snicert.web.api import MAX_ID
from snicert.web.auth import Actor, actor, check_csrf
from snicert.web.i18n import lang_of, translator

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Caller:
    """Who calls a route."""

    who: Actor

    def user(self, s: Session) -> User:
        return s.get(User, self.who.user_id)

    def attempt(self, step: Callable[[Session, User], object]) -> InvalidInput | None:
        """Run one form's service call as this caller in its own transaction. A refused
        input comes back (the page shows it next to its field) and nothing is stored."""
        try:
            with db.transaction() as s:
                step(s, self.user(s))
        except InvalidInput as exc:
            return exc
        return None


@dataclass(frozen=True)
class Case:
    """A case named in the path: the parameter, what it is called in a 404, and the id of
    the application it belongs to (None: there is no such thing)."""

    param: str
    noun: str
    application_id: Callable[[Session, int], int | None]


APPLICATION = Case("app_id", "application", lambda s, i: i)
CERTIFICATE = Case(
    "cert_id",
    "certificate",
    lambda s, i: s.scalar(select(Certificate.application_id).where(Certificate.id == i)),
)
NONCONFORMITY = Case(
    "nc_id",
    "non-conformity",
    lambda s, i: s.scalar(select(Nonconformity.application_id).where(Nonconformity.id == i)),
)
SITE_AUDIT = Case(
    "audit_id",
    "site audit",
    lambda s, i: s.scalar(select(SiteAudit.application_id).where(SiteAudit.id == i)),
)
FINDING = Case(
    "finding_id",
    "audit finding",
    lambda s, i: s.scalar(
        select(SiteAudit.application_id)
        .join(AuditFinding, AuditFinding.audit_id == SiteAudit.id)
        .where(AuditFinding.id == i)
    ),
)


class SignInFirst(HTTPException):
    """A page asked for without a session: the browser goes to the sign-in form."""

    def __init__(self) -> None:
        super().__init__(303, "sign in first", headers={"Location": "/login"})


class WrongRole(HTTPException):
    """Signed in without any of the roles a route needs: 403, told in the person's words on
    a page (the API keeps the English detail)."""

    def __init__(self, who: Actor, wanted: frozenset[str]) -> None:
        self.who, self.wanted = who, wanted
        need = " / ".join(sorted(wanted))
        have = ", ".join(sorted(who.roles)) or "none"
        super().__init__(403, f"this needs the role {need}; {who.email} has {have}")

    def told(self, request: Request) -> str:
        t = translator(lang_of(request))
        return t("err_403_role").format(
            need=" / ".join(t(f"role_{r}") for r in sorted(self.wanted)),
            name=self.who.name,
            have=", ".join(t(f"role_{r}") for r in sorted(self.who.roles)) or "-",
        )


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _check_case(request: Request, who: Actor, case: Case) -> None:
    raw = str(request.path_params.get(case.param, ""))
    if not (raw.isdigit() and 1 <= int(raw) <= MAX_ID):
        return  # the route's own parameter refuses it (422) before the endpoint runs
    with db.reading() as s:
        app_id = case.application_id(s, int(raw))
        app = s.get(Application, app_id) if app_id is not None else None
        if app is None or not can_see(s.get(User, who.user_id), app):
            raise HTTPException(404, f"{case.noun} {raw} not found")


def allow(
    *roles: Role, case: Case | None = None, download: bool = False
) -> Callable[..., Awaitable[Caller]]:
    """A dependency admitting signed-in users holding one of `roles` who may see `case`
    (and, on POST, hold the session's CSRF token). `download`: the route answers a file,
    not a page, so a signed-out browser gets 401 rather than the sign-in form."""
    wanted = frozenset(roles)

    def signed_in(request: Request) -> Actor:
        # A plain def: FastAPI runs it in the thread pool (database work).
        who = actor(request)  # 401 for a bad bearer token
        if who is None:
            if is_api(request) or download:
                raise HTTPException(401, "sign in first")
            raise SignInFirst
        if not who.roles & wanted:
            raise WrongRole(who, wanted)
        if case is not None:
            _check_case(request, who, case)
        return who

    async def caller(request: Request, who: Actor = Depends(signed_in)) -> Caller:
        if request.method not in SAFE_METHODS:
            submitted = request.headers.get("x-csrf-token")
            if not is_api(request):  # a page's form: FastAPI parsed it already (Starlette keeps it)
                token = (await request.form()).get("csrf_token")
                submitted = (token if isinstance(token, str) else None) or submitted
            check_csrf(who, submitted)
        return Caller(who)

    caller.roles = wanted  # type: ignore[attr-defined]  # tests/test_thin_web.py finds it
    return caller


# The common callers; a module names its own for other roles and cases.
SignedIn = Annotated[Caller, Depends(allow(*Role))]
SignedInFile = Annotated[Caller, Depends(allow(*Role, download=True))]
# Whoever may see the case (the application) the path names: its business and staff.
OwnCase = Annotated[Caller, Depends(allow(*Role, case=APPLICATION))]
OwnCaseFile = Annotated[Caller, Depends(allow(*Role, case=APPLICATION, download=True))]
OwnCertificate = Annotated[Caller, Depends(allow(*Role, case=CERTIFICATE))]
Official = Annotated[Caller, Depends(allow(Role.OFFICIAL))]
