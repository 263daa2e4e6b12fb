"""The channel-neutral message types: one Inbound for every channel, one Outbound.

A person is addressed by URN (scheme:address, e.g. `tel:+15595550148`); the channel is
data (bot/channels/specs.py), so every channel shares every flow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.channels.specs import spec_for_urn


def channel_of(urn: str) -> str:
    """The channel whose URN scheme `urn` has (`unknown` for none)."""
    spec = spec_for_urn(urn)
    return spec.name if spec is not None else "unknown"


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float
    accuracy_m: float | None = None
    live: bool = False
    forwarded: bool = False
    via_bot: bool = False
    source: str = "chat"  # chat|browser

    @property
    def plausible(self) -> bool:
        return -90.0 <= self.lat <= 90.0 and -180.0 <= self.lon <= 180.0


@dataclass(frozen=True)
class Attachment:
    kind: str  # photo|document|file
    ref: str  # provider file id or URL
    name: str | None = None


@dataclass(frozen=True)
class Inbound:
    """One thing a person did: a text, a button tap, a location, a shared contact."""

    channel: str
    urn: str
    provider_id: str
    received_at: datetime
    text: str = ""
    payload: str | None = None  # button data (opaque and signed)
    location: Location | None = None
    location_denied: bool = False
    attachment: Attachment | None = None
    contact_phone: str | None = None  # Telegram: a shared contact's phone
    contact_is_sender: bool = False  # Telegram: the shared contact is the sender's own
    message_ref: str | None = None  # Telegram: the message a button sat on (for edits)
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Trigger:
    """Scheduled work entering the engine like a message (a reminder came due)."""

    kind: str
    subject_id: int
    person_id: int | None
    due_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Button:
    """A choice. Telegram shows `label` with `payload` as callback data; SMS shows `sms`."""

    label: str
    payload: str
    sms: str = ""


@dataclass
class Outbound:
    """A message the engine decided to send. `to` None means the person who wrote."""

    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    request_location: bool = False
    to: int | None = None
    urgent: bool = True
    category: str = "reply"
    ignore_optout: bool = False
    edit_ref: str | None = None  # Telegram: edit this message instead of sending a new one
    extra: dict[str, Any] = field(default_factory=dict)
