"""Errors the service layer raises. Every caller (CLI, flows, web) maps them the same way."""

from __future__ import annotations

from collections.abc import Iterable


class SnicertError(Exception):
    """Base of every refusal the rules make."""


class NotFound(SnicertError):
    pass


class PermissionDenied(SnicertError):
    """The actor lacks the role, or does not own the case."""


class SeparationOfDuties(PermissionDenied):
    """The actor holds the role but took part in an earlier step that excludes this one."""


class MayNotAct(SeparationOfDuties):
    """The person may not act in this function on this case: conflicted with the
    applicant's business, not (or no longer) qualified, or involved in an earlier step
    that excludes this one (ISO/IEC 17065 §4.2, §6.1, §7.6). `reasons` are
    (key, params) pairs: the key names the text people read (the catalogs, snicert/locale)."""

    def __init__(self, message: str, reasons: list[tuple[str, dict[str, str]]]):
        self.reasons = reasons
        super().__init__(message)


class InvalidInput(SnicertError):
    """Bad input: says which field and which value. `key` names the text people read (a
    catalog key, snicert/locale) and `params` fill its placeholders ({limit}...); the
    English `message` is for logs and the API's `detail`."""

    def __init__(
        self,
        field: str,
        value: object,
        message: str,
        key: str | None = None,
        params: dict[str, object] | None = None,
    ):
        # `params` fill the text's {placeholders}: numbers, or names as {"id": .., "en": ..}
        # (a list of them reads as a list), so the service never writes the sentence.
        self.field, self.value, self.key, self.params = field, value, key, params or {}
        self.message = message
        super().__init__(f"{field}: {message} (value: {value!r})")


class InvalidFields(InvalidInput):
    """Several fields of one form are at fault: `errors` holds each one's InvalidInput, so
    a form can show every error at its field at once. As an InvalidInput it names the first
    (callers that show one error keep working)."""

    def __init__(self, errors: list[InvalidInput]):
        self.errors = errors
        first = errors[0]
        super().__init__(first.field, first.value, str(first), first.key, first.params)
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
        super().__init__(f"too many attempts; try again in {retry_after} seconds")


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
        super().__init__(
            f"cannot {action!r} {article} {entity} in state {state!r}; allowed from there: "
            f"{allowed_text}"
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
