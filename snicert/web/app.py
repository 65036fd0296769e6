"""FastAPI app. Pages and /api/v1 call the same service functions; no rule lives here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Form, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import select
from sqlalchemy.orm import Session

from snicert.catalog import default_catalog
from snicert.certs import public_keys
from snicert.db import engine as db
from snicert.db.models import Application, User
from snicert.errors import Conflict, InvalidInput, PermissionDenied
from snicert.roles import Role
from snicert.services import accounts, public, sessions
from snicert.web import api
from snicert.web.api import ERROR_RESPONSES, Offset
from snicert.web.auth import (
    COOKIE,
    LoginLimiter,
    actor,
    check_csrf,
    check_pre_csrf,
    require,
    set_session_cookie,
)
from snicert.web.i18n import lang_of, translator
from snicert.web.pages import form_page, page
from snicert.web.routes import ROUTERS

HERE = Path(__file__).resolve().parent


def create_app() -> FastAPI:
    app = FastAPI(title="snicert", version="1", docs_url="/api/docs", redoc_url=None,
                  responses=ERROR_RESPONSES)
    api.install(app)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request) -> HTMLResponse:
        return page(request, "home.html.j2")

    @app.get("/verify", include_in_schema=False)
    def verify_form(number: str = "") -> RedirectResponse:
        return RedirectResponse(f"/verify/{number.strip().upper()}", status_code=303)

    @app.get("/verify/{number}", response_class=HTMLResponse, include_in_schema=False)
    def verify_page(request: Request, number: str) -> HTMLResponse:
        cert = public.lookup_certificate(number)
        return page(request, "verify.html.j2", status_code=200 if cert else 404, cert=cert,
                    number=number)

    @app.get("/directory", response_class=HTMLResponse, include_in_schema=False)
    def directory_page(request: Request, q: str = "", product: str = "", city: str = "",
                       sni: str = "", offset: Offset = 0) -> HTMLResponse:
        with db.reading() as s:
            total, rows = public.directory(s, q, product, city, sni, 50, offset)
        return page(request, "directory.html.j2", rows=rows, total=total, q=q,
                    product=product, city=city, sni=sni, products=_products())

    @app.get("/api/v1/certificates/{number}", tags=["public"])
    async def certificate_api(number: str) -> JSONResponse:
        """Status and key facts of a certificate (the QR code's target, as JSON)."""
        # async, on purpose: the answer is cached or one indexed row (~0.1 ms); handing it
        # to the thread pool cost more than the read and halved throughput (measured,
        # bench/verify_endpoint.py).
        cert = public.lookup_certificate(number)
        if cert is None:
            raise HTTPException(404, f"certificate {number} not found")
        return JSONResponse(cert)

    @app.get("/api/v1/directory", tags=["public"])
    def directory_api(q: str = "", product: str = "", city: str = "", sni: str = "",
                      limit: int = Query(50, ge=1, le=200),
                      offset: Offset = 0) -> dict[str, Any]:
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

    limiter = LoginLimiter()
    app.state.login_limiter = limiter

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(request: Request) -> HTMLResponse:
        return form_page(request, "login.html.j2", error=None, email="")

    @app.post("/login", include_in_schema=False)
    def login(request: Request, email: str = Form(""), password: str = Form(""),
              csrf_token: str = Form("")) -> Response:
        check_pre_csrf(request, csrf_token)
        keys = (f"ip:{request.client.host if request.client else '?'}",
                f"email:{email.strip().lower()}")
        limiter.check(*keys)
        try:
            with db.transaction() as s:
                token, _ = sessions.sign_in(s, email, password)
        except PermissionDenied:
            limiter.failed(*keys)
            return form_page(request, "login.html.j2", status_code=401, email=email,
                             error=translator(lang_of(request))("bad_login"))
        response = RedirectResponse("/me", status_code=303)
        set_session_cookie(request, response, token)
        return response

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request, csrf_token: str = Form("")) -> RedirectResponse:
        who = require(request)
        check_csrf(who, csrf_token)
        with db.transaction() as s:
            sessions.sign_out(s, request.cookies.get(COOKIE, ""))
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    @app.get("/register", response_class=HTMLResponse, include_in_schema=False)
    def register_form(request: Request) -> HTMLResponse:
        return form_page(request, "register.html.j2", errors={}, form={})

    @app.post("/register", include_in_schema=False)
    async def register(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        check_pre_csrf(request, form.get("csrf_token"))
        try:
            with db.transaction() as s:
                accounts.register_applicant(
                    s, email=form.get("email", ""), name=form.get("name", ""),
                    password=form.get("password", ""),
                    business_name=form.get("business_name", ""), nib=form.get("nib", ""),
                    address=form.get("address", ""),
                    city=form.get("city") or "Kota Kupang", phone=form.get("phone") or None)
                token, _ = sessions.sign_in(s, form.get("email", ""), form.get("password", ""))
        except (InvalidInput, Conflict) as exc:
            field = getattr(exc, "field", "email")
            return form_page(request, "register.html.j2", status_code=422,
                             errors={field: str(exc)}, form=form)
        response = RedirectResponse("/me", status_code=303)
        set_session_cookie(request, response, token)
        return response

    @app.get("/me", response_class=HTMLResponse, include_in_schema=False)
    def me_page(request: Request) -> Response:
        who = actor(request)
        if who is None:
            return RedirectResponse("/login", status_code=303)
        with db.reading() as s:
            apps = my_applications(s, who.user_id)
        return page(request, "me.html.j2", who=who, apps=apps)

    @app.get("/api/v1/me", tags=["accounts"])
    def me_api(request: Request) -> dict[str, Any]:
        """The signed-in user (session cookie or bearer token)."""
        who = require(request)
        return {"id": who.user_id, "email": who.email, "name": who.name,
                "roles": sorted(who.roles), "business_id": who.business_id}

    @app.post("/api/v1/tokens", tags=["accounts"], status_code=201)
    def new_token(request: Request, name: str = Form(...),
                  csrf_token: str = Form("")) -> dict[str, Any]:
        """A new API token for the signed-in user; the token is shown only once."""
        who = require(request)
        check_csrf(who, csrf_token or request.headers.get("x-csrf-token"))
        with db.transaction() as s:
            token, row = sessions.create_api_token(s, s.get(User, who.user_id), name)
            return {"id": row.id, "name": row.name, "token": token}

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def my_applications(s: Session, user_id: int) -> list[dict[str, Any]]:
    from snicert.services.guards import can_see

    user = s.get(User, user_id)
    q = select(Application).order_by(Application.id.desc()).limit(200)
    if not (user.roles - {Role.APPLICANT}):
        q = q.where(Application.business_id == user.business_id)
    return [{"id": a.id, "number": a.number, "product": a.product, "state": a.state,
             "awaiting": a.awaiting_action, "due": a.due_at, "overdue": a.overdue}
            for a in s.scalars(q) if can_see(user, a)]


def _products() -> list[tuple[str, str]]:
    return [(code, p.name.id) for code, p in sorted(default_catalog().products.items())]
