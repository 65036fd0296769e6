"""The certification body's identity and site settings, in one place.

Read from environment variables (`SNICERT_<NAME>`) and an optional `snicert.toml` in
SNICERT_HOME (`name = "value"` lines); the environment wins. Validated when read: a bad
value is refused naming the setting, where it came from and what it should look like.
"""

from __future__ import annotations

import os
import re
import tomllib
from contextvars import ContextVar
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from snicert import config

FILE = "snicert.toml"
PREFIX = "SNICERT_"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"

# KAN accreditation numbers: LSPr-NNN-IDN for product certification bodies, LP-NNN-IDN
# for testing laboratories (ISO/IEC 17065 and 17025 schemes).
LSPRO_ACCREDITATION = re.compile(r"^LSPr-\d{3}-IDN$")
LAB_ACCREDITATION = re.compile(r"^LP-\d{3}-IDN$")
ACCOUNT_NUMBER = re.compile(r"^[0-9][0-9 .\-]{3,38}[0-9]$")
MAIL_ADDRESS = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
# Settings whose value holds a password: shown masked.
SECRETS = frozenset({"smtp_url", "whatsapp_webhook_url"})
_TOML: ContextVar[Path | None] = ContextVar("snicert_settings_file", default=None)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SNICERT_", extra="forbid", frozen=True, str_strip_whitespace=True
    )

    lspro_name: str = ""
    lspro_address: str = ""
    lspro_accreditation: str = ""
    signatory_name: str = ""
    signatory_title: str = ""
    lab_name: str = ""
    lab_accreditation: str = ""
    public_url: str = DEFAULT_PUBLIC_URL
    timezone: str = "Asia/Makassar"
    # Notification channels: empty means the channel is off (nothing leaves the machine).
    smtp_url: str = ""
    mail_from_name: str = ""
    mail_from_address: str = ""
    whatsapp_webhook_url: str = ""
    # Staff act (review, sample, test, audit, evaluate, decide) only with a current
    # qualification for the function and product (ISO/IEC 17065 §6.1). "false" only while
    # an install records its staff's qualifications; conflicts and separation still apply.
    require_qualifications: bool = True
    # Where applicants pay their invoice (shown with the invoice on their page and its PDF);
    # the payee defaults to lspro_name. Without an account number the page tells the
    # applicant to ask the LSPro for it.
    payment_bank: str = "Bank NTT"
    payment_account: str = ""
    payment_payee: str = ""

    @field_validator("lspro_accreditation")
    @classmethod
    def _lspro_number(cls, v: str) -> str:
        if v and not LSPRO_ACCREDITATION.match(v):
            raise ValueError(
                "a KAN accreditation number of a certification body looks like LSPr-123-IDN"
            )
        return v

    @field_validator("lab_accreditation")
    @classmethod
    def _lab_number(cls, v: str) -> str:
        if v and not LAB_ACCREDITATION.match(v):
            raise ValueError("a KAN accreditation number of a laboratory looks like LP-123-IDN")
        return v

    @field_validator("public_url")
    @classmethod
    def _url(cls, v: str) -> str:
        parts = urlsplit(v)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("the public URL must start with http:// or https:// and name a host")
        if parts.query or parts.fragment:
            raise ValueError("the public URL has no query or fragment")
        return v.rstrip("/")

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not an IANA time zone (e.g. Asia/Makassar)") from None
        return v

    @field_validator("smtp_url")
    @classmethod
    def _smtp(cls, v: str) -> str:
        if not v:
            return v
        parts = urlsplit(v)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("an SMTP server looks like smtp://user:password@host:587")
        try:
            parts.port  # noqa: B018 (raises on a port that is not a number)
        except ValueError:
            raise ValueError("the SMTP port must be a number") from None
        return v

    @field_validator("mail_from_address")
    @classmethod
    def _mail_from(cls, v: str) -> str:
        if v and not MAIL_ADDRESS.match(v):
            raise ValueError("an e-mail address such as sertifikasi@lspro.example")
        return v

    @field_validator("whatsapp_webhook_url")
    @classmethod
    def _webhook(cls, v: str) -> str:
        if not v:
            return v
        parts = urlsplit(v)
        loopback = parts.hostname in LOOPBACK
        if not parts.hostname or not (
            parts.scheme == "https" or (parts.scheme == "http" and loopback)
        ):
            raise ValueError("the WhatsApp webhook must be an https:// URL (http only on loopback)")
        return v

    @model_validator(mode="after")
    def _sender(self) -> Settings:
        if self.smtp_url and not self.mail_from_address:
            raise ValueError("smtp_url needs mail_from_address (the sender of the e-mails)")
        return self

    @field_validator("payment_account")
    @classmethod
    def _account(cls, v: str) -> str:
        if v and not ACCOUNT_NUMBER.match(v):
            raise ValueError(
                "a bank account number: digits, spaces, dots or hyphens (e.g. 001.01.02.123456-7)"
            )
        return v

    @field_validator(
        "payment_bank",
        "payment_payee",
        "lspro_name",
        "lspro_address",
        "signatory_name",
        "signatory_title",
        "lab_name",
        "mail_from_name",
    )
    @classmethod
    def _text(cls, v: str) -> str:
        if len(v) > 300 or any(ord(c) < 32 for c in v):
            raise ValueError("at most 300 characters on one line")
        return v

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # explicit values (`snicert settings set`), then the environment, then the file
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=_TOML.get()),
        )

    @property
    def payee(self) -> str:
        """Whose account an invoice is paid into: the setting, else the LSPro itself."""
        return self.payment_payee or self.lspro_name

    def missing_identity(self) -> list[str]:
        """The identity settings a certificate or report cannot be issued without."""
        return [name for name in IDENTITY if not getattr(self, name)]


LABELS = {
    "lspro_name": "Nama LSPro / certification body's name",
    "lspro_address": "Alamat LSPro / address",
    "lspro_accreditation": "Nomor akreditasi KAN LSPro (LSPr-NNN-IDN)",
    "signatory_name": "Nama penanda tangan / signatory's name",
    "signatory_title": "Jabatan penanda tangan / signatory's title",
    "lab_name": "Nama laboratorium penguji / testing laboratory",
    "lab_accreditation": "Nomor akreditasi KAN laboratorium (LP-NNN-IDN)",
    "public_url": "Alamat publik situs / public URL",
    "timezone": "Zona waktu / time zone",
    "smtp_url": "Server email (smtp://user:pass@host:port)",
    "mail_from_name": "Nama pengirim email / sender name",
    "mail_from_address": "Alamat pengirim email / sender address",
    "whatsapp_webhook_url": "Webhook WhatsApp (https://...)",
    "require_qualifications": "Wajibkan kualifikasi staf / require qualifications (true/false)",
    "payment_bank": "Bank tujuan pembayaran / bank for payments",
    "payment_account": "Nomor rekening pembayaran / account number",
    "payment_payee": "Atas nama rekening / account holder (default: lspro_name)",
}
# What certificates and reports print; issuance is refused while any is empty.
IDENTITY = (
    "lspro_name",
    "lspro_address",
    "lspro_accreditation",
    "signatory_name",
    "signatory_title",
    "lab_name",
    "lab_accreditation",
)
NAMES = tuple(Settings.model_fields)


class SettingsError(ValueError):
    """A setting has a bad value: names it, its source and the rule."""


def env_name(name: str) -> str:
    return PREFIX + name.upper()


def source_of(name: str) -> str:
    """Where a setting's value comes from: the environment, the file, or the default."""
    if env_name(name) in os.environ:
        return env_name(name)
    path = file_path()
    if path.exists() and name in read_file(path):
        return str(path)
    return "default"


def file_path(home: Path | None = None) -> Path:
    return (home or config.home()) / FILE


def current() -> Settings:
    """The settings in force (environment over snicert.toml over defaults)."""
    path = file_path()
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        stamp = None
    env = tuple(os.environ.get(env_name(n)) for n in NAMES)
    return _load(str(path), stamp, env)


@lru_cache(maxsize=8)
def _load(path: str, stamp: int | None, env: tuple[str | None, ...]) -> Settings:
    file = Path(path) if stamp is not None else None
    if file is not None:
        read_file(file)  # unknown names and non-text values, named with the file
    token = _TOML.set(file)
    try:
        return Settings()
    except ValidationError as exc:
        source = {
            n: env_name(n) if v is not None else f"{path}: {n}"
            for n, v in zip(NAMES, env, strict=True)
        }
        raise SettingsError(_describe(exc, source)) from None
    finally:
        _TOML.reset(token)


def read_file(path: Path) -> dict[str, str]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML ({exc})") from None
    unknown = sorted(set(data) - set(NAMES))
    if unknown:
        raise SettingsError(
            f"{path}: unknown setting {', '.join(unknown)}; known: {', '.join(NAMES)}"
        )
    bad = [k for k, v in data.items() if not isinstance(v, str)]
    if bad:
        raise SettingsError(f"{path}: {', '.join(bad)} must be text in quotes")
    return data


def _describe(exc: ValidationError, source: dict[str, str]) -> str:
    lines = []
    for err in exc.errors():
        message = str(err["msg"]).removeprefix("Value error, ")
        if not err["loc"]:  # a rule across settings: its message names them
            lines.append(f"settings: {message}")
            continue
        name = str(err["loc"][0])
        where = source.get(name, name)
        value = masked(name, str(err.get("input")))
        lines.append(f"setting {name} ({where}): {message} (value: {value!r})")
    return "; ".join(lines)


def write(changes: dict[str, str], home: Path | None = None) -> Settings:
    """Validate `changes` together with the file's other values and store them in
    snicert.toml (written atomically). Returns the settings the file now holds."""
    from snicert import storage

    path = file_path(home)
    values = read_file(path) if path.exists() else {}
    unknown = sorted(set(changes) - set(NAMES))
    if unknown:
        raise SettingsError(f"unknown setting {', '.join(unknown)}; known: {', '.join(NAMES)}")
    values.update({k: v.strip() for k, v in changes.items()})
    try:
        checked = Settings(**values)
    except ValidationError as exc:
        raise SettingsError(_describe(exc, {k: f"{path}: {k}" for k in values})) from None
    text = "".join(f"{k} = {_toml_string(v)}\n" for k, v in values.items() if v != "")
    storage.write_atomic(path, text.encode("utf-8"))
    return checked


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def masked(name: str, value: str) -> str:
    """A setting as it may be printed: a URL's password replaced by ***."""
    if name not in SECRETS or not value:
        return value
    parts = urlsplit(value)
    if parts.password is None:
        return value
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def local_time(moment: datetime, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A moment in the LSPro's time zone, labelled with the zone's abbreviation (WITA)."""
    local = moment.astimezone(current().zone)
    return f"{local.strftime(fmt)} {local.tzname()}"
