"""Every channel as data: one `ChannelSpec` each, and the only place their names are spelled.

A spec says what a channel can do (buttons, location sharing, files, message length),
how fast its provider lets us send (globally and per recipient), how to build its
sender, and which modules are its inbound adapters. Flows, services and the dispatcher
ask a spec for a capability (`spec_for(channel).can_share_location`); they never compare
a channel's name. Adding a channel is a spec here, a sender and an inbound adapter
(README, "How to add a channel").

The order of `SPECS` is the order of preference for reaching a person who never wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.channels.sender import Sender
    from bot.settings import Settings


class Buttons(StrEnum):
    """How a message's choices reach the person."""

    INLINE = "inline"  # tappable buttons carrying signed payloads
    TYPED = "typed"  # a "Reply YES, NO" line: the person types the choice's keyword


@dataclass(frozen=True)
class Limits:
    """A provider's sending limits, in messages per second (None: no such limit).

    Channels of one provider account (`provider`) share one global limit.
    """

    provider: str
    global_mps: float | None
    per_recipient_mps: float | None = None


@dataclass(frozen=True)
class ChannelSpec:
    name: str  # the channel, as stored on inbound and outbox rows
    scheme: str  # the URN scheme of its addresses (`tel:+1…`)
    buttons: Buttons
    can_share_location: bool  # a chat button returns the device's own location
    files: bool  # the person can send photos and documents
    max_length: int  # characters in one message the provider accepts
    segmented: bool  # billed and split in GSM-7 / UCS-2 segments (sms_segments)
    phone_address: bool  # the address after the scheme is an E.164 phone number
    roster_phone: bool  # the channel a roster phone number is reached at, unasked
    links_by_code: bool  # a stranger links with `/start CODE` or their shared contact
    reply_window: timedelta | None  # free-form messages only this long after they wrote
    enabled: Callable[[Settings], bool]  # this deployment runs the channel (its provider)
    limits: Callable[[Settings], Limits]
    sender: Callable[[Settings], Sender | None]  # None: the channel is not configured
    routes: tuple[str, ...]  # inbound webhook paths
    adapters: tuple[str, ...]  # the modules that may speak the provider's language
    # the approved template (its provider id) for a message category, sent outside the window
    template: Callable[[Settings, str], str | None] = lambda settings, category: None

    def urn(self, address: str) -> str:
        return f"{self.scheme}:{address}"

    def phone_of(self, urn: str) -> str | None:
        """The E.164 number behind `urn` for a phone-addressed channel, else None."""
        scheme, _, address = urn.partition(":")
        return address if self.phone_address and scheme == self.scheme and address else None

    def window_open(self, last_inbound_at: datetime | None, now: datetime) -> bool:
        """May a free-form message go at `now`, given when the person last wrote here?"""
        if self.reply_window is None:
            return True
        return last_inbound_at is not None and now - last_inbound_at < self.reply_window


# --- senders (imported on use: the specs load without any provider SDK) ----------------


def _twilio_sms(settings: Settings) -> Sender | None:
    if settings.twilio_enabled:
        from bot.channels.twilio_sender import TwilioSender

        return TwilioSender(settings)
    return _local(settings)


def _twilio_whatsapp(settings: Settings) -> Sender | None:
    if settings.whatsapp_enabled:
        from bot.channels.whatsapp_sender import WhatsAppSender

        return WhatsAppSender(settings)
    return _local(settings)


def _telegram(settings: Settings) -> Sender | None:
    if settings.telegram_enabled:
        from bot.channels.telegram_sender import TelegramSender

        return TelegramSender(settings)
    return _local(settings)


def _local(settings: Settings) -> Sender | None:
    """The simulator delivers every channel locally (the demo has no provider)."""
    if not settings.simulator:
        return None
    from bot.channels.local_sender import LocalSender

    return LocalSender()


def _always_local(settings: Settings) -> Sender | None:
    from bot.channels.local_sender import LocalSender

    return LocalSender()


def _twilio_limits(settings: Settings) -> Limits:
    return Limits("twilio", settings.twilio_mps)


TELEGRAM = ChannelSpec(
    name="telegram",
    scheme="telegram",
    buttons=Buttons.INLINE,
    can_share_location=True,
    files=True,
    max_length=4096,
    segmented=False,
    phone_address=False,
    roster_phone=False,
    links_by_code=True,
    reply_window=None,
    enabled=lambda s: s.telegram_enabled,
    limits=lambda s: Limits("telegram", s.telegram_global_mps, s.telegram_chat_mps),
    sender=_telegram,
    routes=("/webhooks/telegram",),
    adapters=("bot/handlers/telegram.py", "bot/handlers/telegram_poll.py"),
)
SMS = ChannelSpec(
    name="sms",
    scheme="tel",
    buttons=Buttons.TYPED,
    can_share_location=False,  # clocking in by SMS uses a one-time browser check-in link
    files=True,  # MMS
    max_length=1600,
    segmented=True,
    phone_address=True,
    roster_phone=True,
    links_by_code=False,
    reply_window=None,
    enabled=lambda s: s.twilio_enabled,
    limits=_twilio_limits,
    sender=_twilio_sms,
    routes=("/webhooks/twilio/sms",),
    adapters=("bot/handlers/twilio_sms.py",),
)
WHATSAPP = ChannelSpec(
    name="whatsapp",
    scheme="whatsapp",
    buttons=Buttons.TYPED,  # interactive buttons need an approved template per message
    # WhatsApp can send a pin, but any pin (a searched place too): use the check-in link
    can_share_location=False,
    files=True,
    max_length=1600,
    segmented=False,
    phone_address=True,
    roster_phone=False,
    links_by_code=False,
    reply_window=timedelta(hours=24),
    enabled=lambda s: s.whatsapp_enabled,
    limits=_twilio_limits,
    sender=_twilio_whatsapp,
    routes=("/webhooks/twilio/whatsapp",),
    adapters=("bot/handlers/whatsapp.py",),
    template=lambda settings, category: dict(settings.twilio_whatsapp_templates).get(category),
)
SIM = ChannelSpec(
    name="sim",
    scheme="sim",
    buttons=Buttons.INLINE,
    can_share_location=True,
    files=True,
    max_length=4096,
    segmented=False,
    phone_address=False,
    roster_phone=False,
    links_by_code=False,
    reply_window=None,
    enabled=lambda s: s.simulator,
    limits=lambda s: Limits("local", None),
    sender=_always_local,
    routes=("/sim/api/send",),
    adapters=("bot/handlers/simulator.py",),
)

SPECS: tuple[ChannelSpec, ...] = (TELEGRAM, SMS, WHATSAPP, SIM)
_BY_NAME = {s.name: s for s in SPECS}
_BY_SCHEME = {s.scheme: s for s in SPECS}


def spec_for(channel: str) -> ChannelSpec:
    """The spec of a channel name; KeyError names the unknown channel."""
    try:
        return _BY_NAME[channel]
    except KeyError:
        raise KeyError(f"unknown channel {channel!r}") from None


def spec_for_urn(urn: str) -> ChannelSpec | None:
    return _BY_SCHEME.get(urn.split(":", 1)[0])


def preference(scheme: str) -> int:
    """Rank of a URN scheme for a person who never wrote (lower first; unknown last)."""
    spec = _BY_SCHEME.get(scheme)
    return SPECS.index(spec) if spec is not None else len(SPECS)


def roster_phone() -> ChannelSpec:
    """The channel a roster phone number is reached at before the person writes."""
    return next(s for s in SPECS if s.roster_phone)


def phone_specs() -> tuple[ChannelSpec, ...]:
    return tuple(s for s in SPECS if s.phone_address)
