"""The one narrow interface every outbound channel implements.

`Sender.send(envelope) -> SendResult`; failures are one of three errors the dispatcher
knows how to treat: try again later, give up, or stop writing to this address.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from bot.settings import Settings


@dataclass(frozen=True)
class OutboundEnvelope:
    """One outbox row, detached from the database, ready for a channel."""

    id: int
    urn: str
    channel: str
    text: str
    buttons: list[list[dict[str, Any]]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    lang: str = "en"
    person_id: int | None = None

    @property
    def address(self) -> str:
        """The part of the URN after the scheme (a phone number or a chat id)."""
        return self.urn.split(":", 1)[1] if ":" in self.urn else self.urn


@dataclass(frozen=True)
class SendResult:
    provider_id: str
    status: str = "sent"  # sent|delivered|queued


class SendError(Exception):
    """A send that did not happen."""


class TransientSendError(SendError):
    """Try again later: 5xx, 429, a network error. `retry_after` in seconds, if told."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class PermanentSendError(SendError):
    """The provider refused this message for good (bad number, bad request)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


class RecipientOptedOut(PermanentSendError):
    """The recipient unsubscribed (Twilio 21610) or blocked the bot (Telegram 403)."""


class Sender(Protocol):
    def send(self, msg: OutboundEnvelope) -> SendResult: ...

    def close(self) -> None: ...


def build_senders(settings: Settings) -> dict[str, Sender]:
    """A sender per configured channel; the local one always (and for all in the demo)."""
    from bot.channels.local_sender import LocalSender

    local = LocalSender()
    senders: dict[str, Sender] = {"sim": local}
    if settings.twilio_enabled:
        from bot.channels.twilio_sender import TwilioSender

        senders["sms"] = TwilioSender(settings)
    elif settings.simulator:
        senders["sms"] = local
    if settings.telegram_enabled:
        from bot.channels.telegram_sender import TelegramSender

        senders["telegram"] = TelegramSender(settings)
    elif settings.simulator:
        senders["telegram"] = local
    return senders
