"""The one password rule (snicert.services.accounts._password)."""

from __future__ import annotations

import pytest

from snicert.errors import InvalidInput
from snicert.services import accounts

PERSONAL = ("Maria Ndolu", "maria.ndolu@umkm.example", "UMKM Abon Sei Kupang")


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("rahasia", "at least 8"),
        ("12345678", "most common"),
        ("PASSWORD1", "most common"),  # any case
        ("Sunshine1", "most common"),
        ("bismillah", "most common"),
        ("maria2024", "too close"),  # the first name and a year
        ("NdoluMaria!", "too close"),  # the whole name, reordered parts count one by one
        ("maria.ndolu", "too close"),  # the e-mail's local part
        ("abonseikupang", "too close"),  # the business name
        ("kupang-123", "too close"),
    ],
)
def test_refused_naming_the_password_field(password: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason) as refused:
        accounts._password(password, *PERSONAL)
    assert refused.value.field == "password" and refused.value.value == "***"  # never shown


@pytest.mark.parametrize(
    "password",
    ["kain-tenun-ikat-sabu", "sasando rote 7 dawai", "maria suka sasando dan tenun", "rahasia-123"],
)
def test_accepted_and_hashed(password: str) -> None:
    hashed = accounts._password(password, *PERSONAL)
    assert hashed.startswith("$argon2id$") and password not in hashed


def test_no_password_means_no_sign_in() -> None:
    assert accounts._password(None, *PERSONAL) is None


def test_the_shipped_list_holds_the_10000_most_common() -> None:
    common = accounts._common_passwords()
    assert len(common) == 10_000 and {"123456", "password", "iloveyou"} <= common
