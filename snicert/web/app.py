"""FastAPI app. Pages and /api/v1 call the same service functions; no rule lives here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from snicert.catalog import default_catalog
from snicert.certs import public_keys
from snicert.db import engine as db
from snicert.services import public
from snicert.web.i18n import lang_of, translator

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))


def create_app() -> FastAPI:
    app = FastAPI(title="snicert", version="1", docs_url="/api/docs", redoc_url=None)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    def page(request: Request, name: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
        lang = lang_of(request)
        response = templates.TemplateResponse(
            request, name, {"t": translator(lang), "lang": lang, **ctx},
            status_code=status_code)
        if request.query_params.get("lang") == lang:
            response.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax")
        return response

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request) -> HTMLResponse:
        return page(request, "home.html.j2")

    @app.get("/verify", include_in_schema=False)
    def verify_form(number: str = "") -> RedirectResponse:
        return RedirectResponse(f"/verify/{number.strip().upper()}", status_code=303)

    @app.get("/verify/{number}", response_class=HTMLResponse, include_in_schema=False)
    def verify_page(request: Request, number: str) -> HTMLResponse:
        with db.reading() as s:
            cert = public.find_certificate(s, number)
        return page(request, "verify.html.j2", status_code=200 if cert else 404, cert=cert,
                    number=number)

    @app.get("/directory", response_class=HTMLResponse, include_in_schema=False)
    def directory_page(request: Request, q: str = "", product: str = "", city: str = "",
                       sni: str = "", offset: int = Query(0, ge=0)) -> HTMLResponse:
        with db.reading() as s:
            total, rows = public.directory(s, q, product, city, sni, 50, offset)
        return page(request, "directory.html.j2", rows=rows, total=total, q=q,
                    product=product, city=city, sni=sni, products=_products())

    @app.get("/api/v1/certificates/{number}", tags=["public"])
    def certificate_api(number: str) -> dict[str, Any]:
        """Status and key facts of a certificate (the QR code's target, as JSON)."""
        with db.reading() as s:
            cert = public.find_certificate(s, number)
        if cert is None:
            raise HTTPException(404, f"certificate {number} not found")
        return cert

    @app.get("/api/v1/directory", tags=["public"])
    def directory_api(q: str = "", product: str = "", city: str = "", sni: str = "",
                      limit: int = Query(50, ge=1, le=200),
                      offset: int = Query(0, ge=0)) -> dict[str, Any]:
        """Certified products, searchable by business or brand, product, city and SNI."""
        with db.reading() as s:
            total, rows = public.directory(s, q, product, city, sni, limit, offset)
        return {"total": total, "items": rows}

    @app.get("/api/v1/keys", tags=["public"])
    def keys() -> JSONResponse:
        """The certificate signing keys (JWK Set), for offline verification."""
        return JSONResponse(public_keys())

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _products() -> list[tuple[str, str]]:
    return [(code, p.name.id) for code, p in sorted(default_catalog().products.items())]
