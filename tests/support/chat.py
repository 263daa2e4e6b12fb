"""Talk to the engine as a person, without HTTP: `chat.send(student, "FIND")`.

Returns what the engine queued (the outbox rows it wrote), so flow tests read like
conversation scripts. Channel-level tests drive the real webhooks instead.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.engine import Engine
from bot.messages import Attachment, Inbound, Location, channel_of
from db.models import Contact, OutboxMessage, Person
from db.session import Database

_ids = itertools.count(1)


@dataclass
class Sent:
    """One queued message, detached from the session."""

    id: int
    person_id: int | None
    urn: str
    text: str
    buttons: list[Any]
    extra: dict[str, Any]
    urgent: bool
    category: str

    def payloads(self) -> dict[str, str]:
        """Button label -> payload."""
        return {b["label"]: b["payload"] for row in self.buttons for b in row}


@dataclass
class Chat:
    database: Database
    engine: Engine
    clock: FixedClock

    def urn_of(self, who: Person | str, scheme: str = "tel") -> str:
        if isinstance(who, str):
            return who
        with self.database.transaction() as s:
            urn = s.scalar(
                select(Contact.urn).where(Contact.person_id == who.id, Contact.scheme == scheme)
            )
        if urn is None:
            raise LookupError(f"person {who.id} has no {scheme} contact")
        return urn

    def send(
        self,
        who: Person | str,
        text: str = "",
        *,
        scheme: str = "tel",
        location: Location | None = None,
        payload: str | None = None,
        attachment: Attachment | None = None,
        location_denied: bool = False,
        provider_id: str | None = None,
        **kw: Any,
    ) -> list[Sent]:
        urn = self.urn_of(who, scheme)
        channel = channel_of(urn)
        inbound = Inbound(
            channel=channel,
            urn=urn,
            provider_id=provider_id or f"T{next(_ids)}",
            received_at=self.clock.now(),
            text=text,
            payload=payload,
            location=location,
            attachment=attachment,
            location_denied=location_denied,
            **kw,
        )
        outcome = self.engine.receive(self.database, inbound)
        return [_detach(m) for m in outcome.outbox]

    def texts(self, who: Person | str, text: str = "", **kw: Any) -> list[str]:
        return [m.text for m in self.send(who, text, **kw)]

    def outbox(self, person_id: int | None = None) -> list[Sent]:
        with self.database.transaction() as s:
            stmt = select(OutboxMessage).order_by(OutboxMessage.id)
            if person_id is not None:
                stmt = stmt.where(OutboxMessage.person_id == person_id)
            return [_detach(m) for m in s.scalars(stmt)]


def _detach(m: OutboxMessage) -> Sent:
    return Sent(m.id, m.person_id, m.urn, m.text, m.buttons, m.extra, m.urgent, m.category)


@pytest.fixture
def chat(database: Database, engine: Engine, clock: FixedClock) -> Chat:
    return Chat(database, engine, clock)
