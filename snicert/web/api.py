"""What the JSON API promises besides its routes: bounded ids and offsets, and one error body
(`Problem`) for every refusal, documented in /openapi.json and produced by the handlers here."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from snicert.errors import (
    IllegalTransition,
    InvalidInput,
    SnicertError,
    TooManyAttempts,
    http_status,
)
from snicert.messages import has
from snicert.web.i18n import lang_of, refusal

# Database ids are 32-bit on every backend; a larger number can name nothing (and made
# SQLite and PostgreSQL raise before the lookup).
MAX_ID = 2**31 - 1
MAX_OFFSET = 100_000  # far past any listing; bounds the database's skip work

Id = Annotated[int, Path(ge=1, le=MAX_ID, examples=[1])]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]


class NoBody(BaseModel):
    """An action its path says all of: send no body, or `{}` (anything more is 422)."""

    model_config = ConfigDict(extra="forbid")


# A route's `nothing: Nothing = None`: its (empty) body is documented like every other.
Nothing = Annotated[NoBody | None, Body()]


class FieldError(BaseModel):
    field: str
    message: str
    parameter: str | None = None  # lab result rows: the checklist parameter of the row


class Problem(BaseModel):
    """Every refusal: what went wrong, and the field at fault when there is one. `code` is
    the key of the refusal's text in the catalogs (snicert/locale: stable, for clients that
    word it themselves or act on it), `message` that text in the requester's language
    (Bahasa Indonesia unless ?lang=en), `detail` its English text (as the logs have it),
    with the field and value for bad input. Every service refusal has a code; request
    validation (FastAPI's own) has none."""

    detail: str
    field: str | None = None
    errors: list[FieldError] | None = None
    message: str | None = None
    code: str | None = None


_WHAT = {
    400: "A body that cannot be read (not UTF-8, broken multipart)",
    401: "Not signed in, or an invalid API token",
    403: "Signed in without the role, or a missing CSRF token",
    404: "Not found, or not yours to see",
    409: "Refused in the case's current state, or already done",
    413: "Request body too large",
    422: "Invalid input: `field` names the first field at fault, `errors` every one",
    429: "Too many attempts; see Retry-After",
}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "description": text} for code, text in _WHAT.items()
}


def _field(error: dict[str, Any]) -> str:
    """("body", "seals", "S-1") -> "seals.S-1"; ("path", "app_id") -> "app_id"; the body
    as a whole (missing, not JSON, not an object) -> "body"."""
    parts = [str(p) for p in error.get("loc", ())]
    if error.get("type") == "json_invalid" or len(parts) < 2:
        return "body"
    return ".".join(parts[1:])


def problem(
    detail: str,
    status: int,
    field: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    message: str | None = None,
    code: str | None = None,
) -> JSONResponse:
    body = Problem(detail=detail, field=field, errors=errors, message=message, code=code)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    """Answer request-validation errors and service refusals with a `Problem`."""

    @app.exception_handler(RequestValidationError)
    def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [FieldError(field=_field(e), message=e["msg"]) for e in exc.errors()]
        first = errors[0] if errors else FieldError(field="body", message="invalid request")
        return problem(f"{first.field}: {first.message}", 422, first.field, errors)

    @app.exception_handler(SnicertError)
    def refused(request: Request, exc: SnicertError) -> JSONResponse:
        field = exc.field if isinstance(exc, InvalidInput) else None
        headers = (
            {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyAttempts) else None
        )
        key = getattr(exc, "key", None)
        if isinstance(exc, IllegalTransition) and not (key and has(key)):
            key = "err_not_now"  # a step the state does not allow: named by its state
        code = key if key and has(key) else None
        message = refusal(exc, lang_of(request)) if code else None
        status = http_status(exc)
        return problem(str(exc), status, field, headers=headers, message=message, code=code)
