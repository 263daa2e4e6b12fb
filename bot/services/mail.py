"""Outgoing mail through SMTP_URL: `smtp[s]://[user:password@]host[:port][?from=address]`.

One message, one connection, one attempt; the caller decides what a failure means."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit


def send_mail(url: str, msg: EmailMessage, body: str) -> None:
    """Send `msg` (Subject and To already set) with `body` as its text, from the URL's
    `from` address."""
    parts = urlsplit(url)
    sender = parse_qs(parts.query).get("from", ["wbl@localhost"])[0]
    msg["From"] = sender
    msg.set_content(body)
    secure = parts.scheme == "smtps"
    smtp_class = smtplib.SMTP_SSL if secure else smtplib.SMTP
    with smtp_class(
        parts.hostname or "localhost", parts.port or (465 if secure else 25), timeout=20
    ) as smtp:
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        smtp.send_message(msg)


def send(url: str, to: str, subject: str, body: str) -> None:
    """Build and send one plain-text message."""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["To"] = to
    send_mail(url, msg, body)
