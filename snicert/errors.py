"""Errors the service layer raises. Every caller (CLI, flows, web) maps them the same way.

An error carries codes, not sentences: `key` names its text in the catalogs
(snicert/locale) and `params` fill the text's {placeholders}: numbers and codes as they
are, names as {"id": .., "en": ..} (a list of them reads as a list). People read the text
in their language (snicert.web.i18n.refusal); `str(exc)`, for logs, the CLI and the API's
`detail`, is the English text."""

from __future__ import annotations

from collections.abc import Iterable


def _english(key: str, params: dict[str, object]) -> str:
    from snicert.messages import has, localized, text

    # Not yet a key: an English sentence from a module still to be converted (the modules
    # left are listed in tests/test_error_keys.py); it reads as it is.
    return text(key, "en", **localized(params, "en")) if has(key) else key


def _key(key: str) -> str | None:
    from snicert.messages import has

    return key if has(key) else None


class SnicertError(Exception):
    """Base of every refusal the rules make: `key` and `params` (see the module)."""

    def __init__(self, key: str, /, **params: object):
        self.key, self.params = _key(key), params
        super().__init__(_english(key, params))


class NotFound(SnicertError):
    pass


class PermissionDenied(SnicertError):
    """The actor lacks the role, or does not own the case."""


class SeparationOfDuties(PermissionDenied):
    """The actor holds the role but took part in an earlier step that excludes this one."""


class MayNotAct(SeparationOfDuties):
    """The person may not act in this function on this case: conflicted with the
    applicant's business, not (or no longer) qualified, or involved in an earlier step
    that excludes this one (ISO/IEC 17065 §4.2, §6.1, §7.6, §7.13.5). `reasons` are
    (key, params) pairs, each a text of its own, read after the text of `key` (which
    ends with a colon)."""

    def __init__(self, key: str, reasons: list[tuple[str, dict[str, object]]], /, **params):
        self.reasons = reasons
        super().__init__(key, **params)
        why = "; ".join(_english(k, p) for k, p in reasons)
        self.args = (f"{self.args[0]} {why}",)  # the text of `key` ends with a colon


class InvalidInput(SnicertError):
    """Bad input: says which field and which value, and why (`key`, `params`). `message`
    is the English text alone (the API's field errors)."""

    def __init__(self, field: str, value: object, key: str, /, **params: object):
        self.field, self.value = field, value
        self.key, self.params = _key(key), params
        # a text may say where the value goes ("{value} is not open for application")
        self.message = _english(key, params).replace("{value}", str(value or ""))
        Exception.__init__(self, f"{field}: {self.message} (value: {value!r})")


class InvalidFields(InvalidInput):
    """Several fields of one form are at fault: `errors` holds each one's InvalidInput, so
    a form can show every error at its field at once. As an InvalidInput it names the first
    (callers that show one error keep working)."""

    def __init__(self, errors: list[InvalidInput]):
        self.errors = errors
        first = errors[0]
        super().__init__(first.field, first.value, first.key or first.message, **first.params)
        self.args = ("; ".join(str(e) for e in errors),)


class Conflict(SnicertError):
    """The step was already done, or would duplicate something recorded."""


class AlreadyRegistered(Conflict):
    """The e-mail already has an account. Public forms answer as if it had not been asked,
    so they do not tell who has an account."""


class TooManyAttempts(SnicertError):
    """Too many sign-in (or registration) attempts from this address or for this account in
    the current window; `retry_after` is the seconds until the window ends."""

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__("too_many", minutes=max(1, -(-retry_after // 60)))


class IllegalTransition(SnicertError):
    """The action is not allowed from the current state. `key` (and `value`), like
    InvalidInput's, name the message people read where the English one is not enough."""

    def __init__(
        self,
        state: str,
        action: str,
        allowed: Iterable[str],
        entity: str = "application",
        key: str | None = None,
        value: object = None,
    ):
        self.state, self.action, self.allowed = state, action, sorted(allowed)
        self.entity, self.key, self.value = entity, key, value
        allowed_text = ", ".join(self.allowed) or "none (final state)"
        article = "an" if entity[:1] in "aeiou" else "a"
        self.params = {}
        Exception.__init__(
            self,
            f"cannot {action!r} {article} {entity} in state {state!r}; allowed from there: "
            f"{allowed_text}",
        )


def http_status(exc: SnicertError) -> int:
    """The HTTP status the web app answers a refusal with (pages and API alike)."""
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, InvalidInput):
        return 422
    if isinstance(exc, TooManyAttempts):
        return 429
    return 409
