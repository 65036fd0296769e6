"""FastAPI app. Pages and /api/v1 call the same service functions; no rule lives here."""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Any

from fastapi import FastAPI, Form, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from snicert import queries
from snicert.catalog import default_catalog
from snicert.certs import public_keys
from snicert.db import engine as db
from snicert.db.models import ApiToken, Decision, Document, User
from snicert.errors import (
    AlreadyRegistered,
    Conflict,
    InvalidInput,
    PermissionDenied,
    TooManyAttempts,
)
from snicert.health import report as health_report
from snicert.roles import Role
from snicert.services import accounts, public, sessions, skm
from snicert.web import api, nav
from snicert.web.access import SignedIn
from snicert.web.api import ERROR_RESPONSES, Id, Offset
from snicert.web.auth import (
    COOKIE,
    DEVICE,
    check_pre_csrf,
    client_address,
    set_device_cookie,
    set_session_cookie,
    sign_in,
)
from snicert.web.bodies import FORM_LIMIT, BodyLimits, BodyTooLarge, too_large
from snicert.web.headers import SecurityHeaders, server_error, swagger_ui
from snicert.web.i18n import lang_of, refusal, translator
from snicert.web.pages import form_page, http_error, page, signed_in, too_many_page
from snicert.web.routes import ROUTERS
from snicert.web.routes.applicant import ANSWERS_PATH, UPLOAD_PATHS, answers_limit, upload_limit
from snicert.web.routes.lists import page_query, product_filter, product_names, state_filter

HERE = FilePath(__file__).resolve().parent


def create_app() -> FastAPI:
    app = FastAPI(
        title="snicert", version="1", docs_url=None, redoc_url=None, responses=ERROR_RESPONSES
    )
    api.install(app)
    # Added first, so inside SecurityHeaders: its 401 and 413 answers get the headers too.
    app.add_middleware(
        BodyLimits,
        default=FORM_LIMIT,
        large=upload_limit(),
        large_paths=UPLOAD_PATHS,
        own=((ANSWERS_PATH, answers_limit()),),
        anonymous=frozenset({"/login", "/register", "/complaints/new", "/api/v1/complaints"}),
    )
    app.add_middleware(SecurityHeaders)
    app.add_exception_handler(BodyTooLarge, too_large)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, server_error)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.get("/api/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return swagger_ui(app.openapi_url, app.title)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request) -> Response:
        return _to_landing(request) or page(request, "home.html.j2")

    @app.get("/verify", include_in_schema=False)
    def verify_form(number: str = "") -> RedirectResponse:
        return RedirectResponse(f"/verify/{number.strip().upper()}", status_code=303)

    @app.get("/verify/{number}", response_class=HTMLResponse, include_in_schema=False)
    def verify_page(request: Request, number: str) -> HTMLResponse:
        cert = public.lookup_certificate(number)
        return page(
            request, "verify.html.j2", status_code=200 if cert else 404, cert=cert, number=number
        )

    @app.get("/directory", response_class=HTMLResponse, include_in_schema=False)
    def directory_page(
        request: Request,
        q: str = "",
        product: str = "",
        city: str = "",
        sni: str = "",
        offset: Offset = 0,
    ) -> HTMLResponse:
        try:
            with db.reading() as s:
                total, rows = public.directory(s, q, product, city, sni, 50, offset)
        except InvalidInput:  # the form comes back empty, with a word on why
            return page(
                request,
                "directory.html.j2",
                status_code=422,
                rows=[],
                total=0,
                q="",
                product="",
                city="",
                sni="",
                products=_products(),
                error="search_refused",
            )
        return page(
            request,
            "directory.html.j2",
            rows=rows,
            total=total,
            q=q,
            product=product,
            city=city,
            sni=sni,
            products=_products(),
        )

    @app.get("/api/v1/certificates/{number}", tags=["public"])
    async def certificate_api(number: str) -> JSONResponse:
        """Status and key facts of a certificate (the QR code's target, as JSON)."""
        # async, on purpose: a cached answer costs microseconds, and handing every request
        # to the thread pool halved throughput (bench/verify_endpoint.py). A miss reads the
        # database, which must not hold up the event loop: that goes to a worker thread.
        cert = public.cached_certificate(number)
        if cert is None:
            cert = await run_in_threadpool(public.lookup_certificate, number)
        if cert is None:
            raise HTTPException(404, f"certificate {number} not found")
        return JSONResponse(cert)

    @app.get("/api/v1/directory", tags=["public"])
    def directory_api(
        q: str = "",
        product: str = "",
        city: str = "",
        sni: str = "",
        limit: int = Query(50, ge=1, le=200),
        offset: Offset = 0,
    ) -> dict[str, Any]:
        """Certified products, searchable by business or brand, product, city and SNI."""
        with db.reading() as s:
            total, rows = public.directory(s, q, product, city, sni, limit, offset)
        return {"total": total, "items": rows}

    @app.get("/api/v1/keys", tags=["public"])
    def keys() -> JSONResponse:
        """The certificate signing keys (JWK Set), for offline verification."""
        return JSONResponse(public_keys())

    # After the public routes: Starlette matches routes in order, and the verification
    # API is the busiest.
    for router in ROUTERS:
        app.include_router(router)

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(request: Request) -> Response:
        return _to_landing(request) or form_page(request, "login.html.j2", error=None, email="")

    @app.post("/login", include_in_schema=False)
    def login(
        request: Request,
        email: str = Form(""),
        password: str = Form(""),
        csrf_token: str = Form(""),
    ) -> Response:
        check_pre_csrf(request, csrf_token)
        try:
            token, device, lands = sign_in(
                client_address(request), email, password, request.cookies.get(DEVICE)
            )
        except TooManyAttempts as exc:
            return too_many_page(request, exc)
        except PermissionDenied:
            return form_page(
                request,
                "login.html.j2",
                status_code=401,
                email=email,
                error=translator(lang_of(request))("bad_login"),
            )
        response = RedirectResponse(lands, status_code=303)
        set_session_cookie(request, response, token)
        set_device_cookie(request, response, device)
        return response

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request, c: SignedIn, everywhere: str = Form("")) -> RedirectResponse:
        """Ends this browser's session; with `everywhere`, every session of the user and
        every API token too."""
        with db.transaction() as s:
            user = c.user(s)
            if everywhere:
                sessions.sign_out_everywhere(s, user)
            else:
                sessions.sign_out(s, user, request.cookies.get(COOKIE, ""))
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    @app.get("/register", response_class=HTMLResponse, include_in_schema=False)
    def register_form(request: Request) -> Response:
        return _to_landing(request) or form_page(request, "register.html.j2", errors={}, form={})

    @app.post("/register", include_in_schema=False)
    def register(
        request: Request,
        name: str = Form(""),
        email: str = Form(""),
        phone: str = Form(""),
        password: str = Form(""),
        business_name: str = Form(""),
        nib: str = Form(""),
        address: str = Form(""),
        city: str = Form(""),
        csrf_token: str = Form(""),
    ) -> Response:
        """A new applicant and business. A taken e-mail is answered exactly like a new one
        (the sign-in page with the same notice), so the form does not tell who has an
        account; a taken NIB is reported: NIBs are public business identifiers (OSS), and
        the owner whose NIB someone else registered must learn it to ask the LSPro."""
        check_pre_csrf(request, csrf_token)
        form = {
            "name": name,
            "email": email,
            "phone": phone,
            "business_name": business_name,
            "nib": nib,
            "address": address,
            "city": city,
        }
        try:
            with db.transaction() as s:
                sessions.claim_registration(s, client_address(request))
            with db.transaction() as s:
                accounts.register_applicant(
                    s,
                    email=email,
                    name=name,
                    password=password,
                    business_name=business_name,
                    nib=nib,
                    address=address,
                    city=city or "Kota Kupang",
                    phone=phone or None,
                )
        except TooManyAttempts as exc:
            return too_many_page(request, exc)
        except AlreadyRegistered:
            pass  # nothing was stored; answered as below
        except (InvalidInput, Conflict) as exc:
            # Every field's error at once, each at its field (Indonesian first where a text
            # exists); the values typed stay in the form, except the password.
            errors: dict[str, str] = {}
            for one in getattr(exc, "errors", None) or [exc]:
                errors.setdefault(getattr(one, "field", "nib"), refusal(one, lang_of(request)))
            return form_page(request, "register.html.j2", status_code=422, errors=errors, form=form)
        return form_page(
            request,
            "login.html.j2",
            error=None,
            email=email.strip(),
            notice=translator(lang_of(request))("registered"),
        )

    @app.get("/me", response_class=HTMLResponse, include_in_schema=False)
    def me_page(request: Request, c: SignedIn) -> Response:
        who = c.who
        lang = lang_of(request)
        # an applicant's own turn first; staff (who see every case) the newest
        first = "yours" if Role.APPLICANT in who.roles and who.business_id else "created"
        query, bad = page_query(request, queries.MINE_SORTS, sort=first)
        with db.reading() as s:
            found = my_applications(s, who.user_id, query)
            surveys = [
                {"app_id": app.id, "number": app.number}
                for _, app in skm.open_invitations(s, s.get(User, who.user_id))
            ]
        filters = [product_filter(lang), state_filter(lang)]
        return page(
            request,
            "me.html.j2",
            who=who,
            p=found,
            bad=bad,
            filters=filters,
            products=product_names(lang),
            surveys=surveys,
        )

    @app.get("/api/v1/me", tags=["accounts"])
    def me_api(c: SignedIn) -> dict[str, Any]:
        """The signed-in user (session cookie or bearer token)."""
        who = c.who
        return {
            "id": who.user_id,
            "email": who.email,
            "name": who.name,
            "roles": sorted(who.roles),
            "business_id": who.business_id,
        }

    @app.post("/api/v1/tokens", tags=["accounts"], status_code=201)
    def new_token(
        c: SignedIn,
        name: str = Form(...),
        days: int = Form(sessions.TOKEN_DAYS, ge=1, le=sessions.TOKEN_MAX_DAYS),
    ) -> dict[str, Any]:
        """A new API token for the signed-in user, valid for `days` (default 90, at most
        365); the token is shown only once."""
        with db.transaction() as s:
            token, row = sessions.create_api_token(s, c.user(s), name, days)
            return {**_token_json(row), "token": token}

    @app.get("/api/v1/tokens", tags=["accounts"])
    def list_tokens(c: SignedIn) -> list[dict[str, Any]]:
        """The signed-in user's API tokens (never the tokens themselves), newest first."""
        with db.reading() as s:
            return [_token_json(row) for row in sessions.api_tokens(s, c.user(s))]

    @app.delete("/api/v1/tokens/{token_id}", tags=["accounts"])
    def revoke_token(token_id: Id, c: SignedIn) -> dict[str, Any]:
        """Revoke one of the signed-in user's API tokens; it answers 401 from then on."""
        with db.transaction() as s:
            return _token_json(sessions.revoke_api_token(s, c.user(s), token_id))

    @app.post("/api/v1/password", tags=["accounts"])
    def change_password(
        c: SignedIn, current_password: str = Form(...), new_password: str = Form(...)
    ) -> JSONResponse:
        """Change the signed-in user's password; every session (this one too) and every
        API token of the user ends: sign in again with the new password."""
        with db.transaction() as s:
            sessions.change_password(s, c.user(s), current_password, new_password)
        response = JSONResponse({"detail": "password changed; sign in again"})
        response.delete_cookie(COOKIE)
        return response

    @app.get("/healthz", include_in_schema=False)
    def health() -> JSONResponse:
        """The database, the Prefect API and the scheduled sweep (snicert/health.py);
        503 when the database does not answer."""
        up, body = health_report()
        return JSONResponse(body, status_code=200 if up else 503)

    return app


def _to_landing(request: Request) -> RedirectResponse | None:
    """Someone signed in has no use for the welcome, sign-in or register page: they go to
    where they work (an applicant to /me, staff to their work list)."""
    who = signed_in(request)
    return RedirectResponse(nav.landing(who.roles), status_code=303) if who else None


def my_applications(s: Session, user_id: int, query: queries.ListQuery) -> queries.Page:
    """One page of the applications the user may see (guards.can_see: an applicant their
    business's, staff every one). An applicant's own turn comes first, marked `yours`
    (sort "yours", their default); each draft has its mandatory documents counted, each
    refused one its reason."""
    user = s.get(User, user_id)
    found = queries.mine(s, user.business_id, query, every=bool(user.roles - {Role.APPLICANT}))
    drafts = {r["id"]: r["product"] for r in found.rows if r["state"] == "draft"}
    counters = _draft_counters(s, drafts)
    refused = [r["id"] for r in found.rows if r["state"] == "refused"]
    reasons = dict(
        s.execute(
            select(Decision.application_id, Decision.reason).where(
                Decision.application_id.in_(refused), Decision.outcome == "refuse"
            )
        ).all()
        if refused
        else []
    )
    applies = Role.APPLICANT in user.roles and user.business_id is not None
    for row in found.rows:
        row["dossier"] = counters.get(row["id"])
        row["refusal_reason"] = reasons.get(row["id"])
        row["yours"] = applies and row["awaiting_role"] == Role.APPLICANT
    return found


def _draft_counters(s: Session, drafts: dict[int, str]) -> dict[int, dict[str, int]]:
    """Drafts' (id -> product) mandatory documents uploaded of all ("8 dari 12"), in one
    query."""
    if not drafts:
        return {}
    kinds: dict[int, set[str]] = {i: set() for i in drafts}
    rows = s.execute(
        select(Document.application_id, Document.kind)
        .where(Document.application_id.in_(drafts))
        .distinct()
    )
    for app_id, kind in rows:
        kinds[app_id].add(kind)
    out = {}
    for app_id, product in drafts.items():
        needed = {d.id for d in default_catalog().product(product).documents if d.mandatory}
        out[app_id] = {"uploaded": len(needed & kinds[app_id]), "mandatory": len(needed)}
    return out


def _token_json(row: ApiToken) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "created_at": row.created_at,
        "expires_at": row.expires_at,
        "last_used_at": row.last_used_at,
        "revoked_at": row.revoked_at,
    }


def _products() -> list[tuple[str, str]]:
    return [(code, p.name.id) for code, p in sorted(default_catalog().products.items())]
