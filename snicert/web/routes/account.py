"""One's own account: choosing a password at first sign-in, and changing it later.

An account still on an initial password or a one-time code reaches only this page (and
signing out): see PasswordChangeRequired in snicert.web.auth. Either way, every session
of the account (this one too) and its API tokens end, so the page then asks to sign in
again with the new password (the same rule as `POST /api/v1/password`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from snicert.db.models import User
from snicert.errors import InvalidInput, PermissionDenied
from snicert.services import accounts, sessions
from snicert.web.access import SignedIn
from snicert.web.auth import COOKIE, PASSWORD_PAGE
from snicert.web.forms import PageForm
from snicert.web.i18n import lang_of, refusal
from snicert.web.pages import page
from snicert.web.routes.staff import StaffRoute

router = APIRouter(route_class=StaffRoute)


@router.get(PASSWORD_PAGE, response_class=HTMLResponse, include_in_schema=False)
def password_page(request: Request, c: SignedIn) -> HTMLResponse:
    return page(request, "account_password.html.j2", who=c.who, errors={}, done=False)


class PasswordForm(PageForm):
    current_password: str = ""  # not asked when choosing the first password
    password: str = ""
    password_confirm: str = ""


@router.post(PASSWORD_PAGE, include_in_schema=False)
def change_password(
    request: Request, c: SignedIn, form: Annotated[PasswordForm, Form()]
) -> Response:
    new = form.password

    def step(s: Session, user: User) -> None:
        if new != form.password_confirm:
            raise InvalidInput("password_confirm", "***", "pw_differ")
        if c.who.must_change_password:
            accounts.choose_password(s, user, new)
            return
        try:
            sessions.change_password(s, user, form.current_password, new)
        except PermissionDenied:
            raise InvalidInput("current_password", "***", "pw_current_wrong") from None

    refused = c.attempt(step)
    if refused is not None:
        return page(
            request,
            "account_password.html.j2",
            status_code=422,
            who=c.who,
            errors={refused.field: refusal(refused, lang_of(request))},
            done=False,
        )
    response = page(request, "account_password.html.j2", who=c.who, errors={}, done=True)
    response.delete_cookie(COOKIE)
    return response
