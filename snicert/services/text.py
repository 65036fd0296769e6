"""Text that people type, checked once before it is stored, the same on every backend.

PostgreSQL refuses NUL bytes, lone surrogates and strings longer than a VARCHAR column (as
a server error, after the work is done); SQLite stores all of them. So every service
function that stores text passes it through `clean` first: the limit is the column's own
length (or LONG_TEXT for TEXT columns), and control characters are refused, except line
breaks and tabs in multi-line fields. A refusal is InvalidInput naming the field, with a
catalog key and its parameters (the page says it in the person's language).
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import Any

from snicert.errors import InvalidInput

LONG_TEXT = 10_000  # TEXT columns: comments, reasons, answers, notes (characters)
_MULTILINE_OK = frozenset("\n\t")


def limit_of(column: Any) -> int:
    """The number of characters a mapped String column holds (LONG_TEXT for TEXT), or
    `column` itself when it is a number (text kept only in the audit log)."""
    if isinstance(column, int):
        return column
    return getattr(column.type, "length", None) or LONG_TEXT


def _bad_character(value: str, multiline: bool) -> str | None:
    for ch in value:
        if multiline and ch in _MULTILINE_OK:
            continue
        # Cc: C0/C1 controls (NUL, ESC, newline in one-line fields...); Cs: lone surrogates,
        # which no database encoding can store.
        if unicodedata.category(ch) in ("Cc", "Cs"):
            return ch
    return None


def clean(
    field: str, value: object, column: Any, *, multiline: bool = False, required: bool = False
) -> str:
    """`value` stripped, after refusing non-text, control characters and more characters
    than `column` holds. With `required`, an empty value is refused."""
    if value is None:
        value = ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        value = str(value)  # a number typed into a text field (a lab value, a seal number)
    if not isinstance(value, str):
        raise InvalidInput(field, value, "in_not_text")
    if multiline:
        value = value.replace("\r\n", "\n")
    value = value.strip()
    limit = limit_of(column)
    if len(value) > limit:
        raise InvalidInput(field, f"{value[:40]}…", "in_too_long", limit=limit, length=len(value))
    bad = _bad_character(value, multiline)
    if bad is not None:
        raise InvalidInput(
            field,
            f"{value[:40]}…" if len(value) > 40 else value,
            "in_control" if multiline else "in_control_line",
            char=f"U+{ord(bad):04X}",
        )
    if required and not value:
        raise InvalidInput(field, value, "required")
    return value


def harmless(value: str) -> str:
    """Text that is only looked up or counted, never stored as typed (a sign-in e-mail):
    control characters and lone surrogates become U+FFFD, so that every database takes the
    value, and it matches nothing that `clean` let in."""
    return "".join("\ufffd" if unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in value)


def optional(field: str, value: object, column: Any, *, multiline: bool = False) -> str | None:
    """Like `clean`, for fields that may be left out: empty becomes None."""
    return clean(field, value, column, multiline=multiline) or None
