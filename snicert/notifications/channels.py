"""Sending one message over one channel. Each raises ChannelError with a short reason on
failure (the outbox keeps it as the last error, for officials to see)."""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from functools import cache
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx

TIMEOUT_SECONDS = 20


class ChannelError(Exception):
    pass


@dataclass(frozen=True)
class Message:
    key: str  # the outbox row's identity: receivers de-duplicate on it
    address: str  # e-mail address or E.164 number
    subject: str
    text: str
    url: str  # the page to open
    template: str  # WhatsApp Business template name
    parameters: list[str]  # its positional parameters
    lang: str


def send_email(smtp_url: str, sender_name: str, sender: str, msg: Message) -> None:
    """One e-mail over SMTP: STARTTLS whenever the server offers it (smtps://: TLS from the
    start), then AUTH when the URL carries a user. The Message-ID is derived from the key,
    so a copy sent twice (at least once delivery) is recognisable as the same message."""
    parts = urlsplit(smtp_url)
    mail = EmailMessage()
    mail["From"] = formataddr((sender_name, sender)) if sender_name else sender
    mail["To"] = msg.address
    mail["Subject"] = msg.subject
    mail["Date"] = formatdate(localtime=False)
    # the key may hold characters a Message-ID may not: its digest stands for it
    digest = hashlib.sha256(msg.key.encode()).hexdigest()[:32]
    mail["Message-ID"] = f"<{digest}@{sender.rsplit('@', 1)[1]}>"
    mail["Content-Language"] = msg.lang
    mail.set_content(f"{msg.text}\n\n{msg.url}\n")
    try:
        if parts.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                parts.hostname, parts.port or 465, timeout=TIMEOUT_SECONDS, context=_tls()
            )
        else:
            client = smtplib.SMTP(parts.hostname, parts.port or 25, timeout=TIMEOUT_SECONDS)
        with client:
            client.ehlo()
            if parts.scheme == "smtp" and client.has_extn("starttls"):
                client.starttls(context=_tls())
                client.ehlo()
            if parts.username:
                client.login(unquote(parts.username), unquote(parts.password or ""))
            client.send_message(mail)
    except (smtplib.SMTPException, OSError) as exc:
        raise ChannelError(f"SMTP {parts.hostname}:{parts.port}: {exc}"[:500]) from None


@cache
def _tls() -> ssl.SSLContext:
    """The system's CA certificates, loaded once (tens of milliseconds each time)."""
    return ssl.create_default_context()


def whatsapp_payload(msg: Message) -> dict[str, Any]:
    """The JSON the WhatsApp webhook receives (README, "Notifications")."""
    return {
        "idempotency_key": msg.key,
        "to": msg.address,
        "text": f"{msg.text}\n{msg.url}",
        "template": {
            "name": msg.template,
            "language": msg.lang,
            "parameters": msg.parameters,
        },
        "url": msg.url,
    }


def send_whatsapp(webhook_url: str, msg: Message) -> None:
    """POST the payload; any 2xx is delivered, anything else (or no answer) a failure."""
    try:
        answer = httpx.post(
            webhook_url,
            json=whatsapp_payload(msg),
            headers={"Idempotency-Key": msg.key},
            timeout=TIMEOUT_SECONDS,
            follow_redirects=False,
        )
    except httpx.HTTPError as exc:
        raise ChannelError(f"webhook: {type(exc).__name__}: {exc}"[:500]) from None
    if not answer.is_success:
        raise ChannelError(f"webhook answered {answer.status_code}: {answer.text[:200]}")
