"""Indonesian mobile numbers (WhatsApp), checked with Google's libphonenumber metadata and
stored in E.164 (+628...). Landlines and foreign numbers are refused at the field."""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from snicert.errors import InvalidInput

_MOBILE = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


def indonesian_mobile(field: str, value: str | None) -> str | None:
    """`value` (0812..., 62812..., +62 812-...) as E.164, or None when empty."""
    if value is None or not value.strip():
        return None
    raw = value.strip()
    if len(raw) > 40:
        raise InvalidInput(field, raw[:40] + "…", "phone_bad")
    try:
        number = phonenumbers.parse(raw, "ID")
    except NumberParseException:
        raise InvalidInput(field, raw, "phone_bad") from None
    if number.country_code != 62:
        raise InvalidInput(field, raw, "phone_foreign")
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(field, raw, "phone_bad")
    if phonenumbers.number_type(number) not in _MOBILE:
        raise InvalidInput(field, raw, "phone_landline")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)
