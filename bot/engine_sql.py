"""The engine's SQL, built once (per dialect where it differs), parameters bound per event.

The hot path of every inbound message reads its sender as one Core row (no ORM objects:
loading three of them cost more than the query) and records the message in one statement
(on PostgreSQL with the contact's "last wrote from" in the same statement).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, exists, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from db.models import Contact, Conversation, InboundMessage, Person

_CONTACTS = cast(Table, Contact.__table__)
_PEOPLE = cast(Table, Person.__table__)
_CONVERSATIONS = cast(Table, Conversation.__table__)
_INBOUND = cast(Table, InboundMessage.__table__)

SENDER = (  # who wrote: contact, person and conversation in one row
    select(
        _CONTACTS.c.id.label("contact_id"),
        _CONTACTS.c.retired_at,
        _CONTACTS.c.opted_out_at,
        _CONTACTS.c.last_inbound_at,
        _PEOPLE.c.id.label("person_id"),
        _PEOPLE.c.active,
        _PEOPLE.c.kind,
        _PEOPLE.c.language,
        _PEOPLE.c.given_name,
        _CONVERSATIONS.c.flow,
        _CONVERSATIONS.c.state,
        _CONVERSATIONS.c.data,
        _CONVERSATIONS.c.version,
    )
    .select_from(_CONTACTS)
    .join(_PEOPLE, _PEOPLE.c.id == _CONTACTS.c.person_id)
    .join(_CONVERSATIONS, _CONVERSATIONS.c.person_id == _PEOPLE.c.id)
    .where(_CONTACTS.c.urn == bindparam("urn"))
)
SENDER_LOCKED = SENDER.with_for_update(of=[_PEOPLE, _CONVERSATIONS, _CONTACTS])
SAVE_CONVERSATION = (
    update(_CONVERSATIONS)
    .where(_CONVERSATIONS.c.person_id == bindparam("conversation"))
    .values(
        flow=bindparam("flow"),
        state=bindparam("state"),
        data=bindparam("data"),
        version=bindparam("version"),
        updated_at=bindparam("updated_at"),
    )
)

TOUCH_CONTACT = (
    update(_CONTACTS)
    .where(_CONTACTS.c.id == bindparam("contact"))
    .values(last_inbound_at=bindparam("at"))
)


@dataclass
class ConvState:
    """A person's conversation as the engine reads and saves it (no ORM object)."""

    person_id: int
    flow: str
    state: str
    data: dict[str, Any]
    version: int

    @classmethod
    def of(cls, conv: Conversation) -> ConvState:
        """The state of a loaded conversation (a trigger's, locked by its person's lock)."""
        return cls(conv.person_id, conv.flow or "", conv.state, conv.data or {}, conv.version or 0)


@dataclass(frozen=True)
class Sender:
    """Who wrote, read (locked) in the message's first statement."""

    contact_id: int
    retired: bool
    opted_out: bool
    last_inbound_at: datetime | None
    person_id: int
    active: bool
    kind: str
    language: str | None
    given_name: str
    conv: ConvState

    @property
    def known(self) -> bool:
        """A sender we serve: an active person behind a contact the roster has not retired."""
        return self.active and not self.retired

    @classmethod
    def of(cls, row: Any) -> Sender:
        conv = ConvState(row.person_id, row.flow or "", row.state, row.data or {}, row.version)
        return cls(
            row.contact_id,
            row.retired_at is not None,
            row.opted_out_at is not None,
            row.last_inbound_at,
            row.person_id,
            bool(row.active),
            row.kind,
            row.language,
            row.given_name,
            conv,
        )


def read_sender(session: Session, urn: str, postgres: bool) -> Sender | None:
    """The sender behind `urn` (locked FOR UPDATE on PostgreSQL), or None."""
    row = session.connection().execute(SENDER_LOCKED if postgres else SENDER, {"urn": urn}).first()
    return Sender.of(row) if row is not None else None


REACH = (  # the sender's language and opt-out, as a turn's effects left them
    select(_PEOPLE.c.language, _CONTACTS.c.opted_out_at)
    .select_from(_CONTACTS)
    .join(_PEOPLE, _PEOPLE.c.id == _CONTACTS.c.person_id)
    .where(_CONTACTS.c.id == bindparam("contact"))
)


def read_reach(session: Session, contact_id: int) -> tuple[str | None, bool]:
    """(language, opted out) of the person behind a contact, read now (effects flushed)."""
    session.flush()
    row = session.connection().execute(REACH, {"contact": contact_id}).one()
    return row.language, row.opted_out_at is not None


@cache
def first_conversation(postgres: bool) -> Any:
    """A blank conversation for the person behind a contact, unless they have one; built once.

    INSERT INTO conversations (person_id, updated_at, <the model's defaults>)
    SELECT person_id, :now FROM contacts WHERE urn = :urn ON CONFLICT (person_id) DO NOTHING
    (nothing at all for a stranger's urn).
    """
    source = select(
        _CONTACTS.c.person_id, bindparam("now", type_=_CONVERSATIONS.c.updated_at.type)
    ).where(_CONTACTS.c.urn == bindparam("urn"))
    return _on_conflict(postgres, source)


@cache
def new_conversation(postgres: bool) -> Any:
    """INSERT a blank conversation (person_id, updated_at) ON CONFLICT DO NOTHING, built once."""
    return _on_conflict(postgres, None)


def _on_conflict(postgres: bool, source: Any) -> Any:
    insert = (pg_insert if postgres else sqlite_insert)(_CONVERSATIONS)
    if source is not None:  # the columns not selected take the model's defaults
        insert = insert.from_select(["person_id", "updated_at"], source)
    return insert.on_conflict_do_nothing(index_elements=["person_id"])


@cache
def dedupe_insert(dialect: str) -> Any:
    """INSERT … ON CONFLICT (channel, provider_id) DO NOTHING RETURNING id, built once."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(_INBOUND)
        .on_conflict_do_nothing(index_elements=["channel", "provider_id"])
        .returning(_INBOUND.c.id)
    )


RECORDED = (
    *("channel", "provider_id", "text", "payload"),
    *("status", "contact_id", "person_id", "received_at"),
)


@cache
def dedupe_insert_touching() -> Any:
    """PostgreSQL: dedupe_insert, and, when the row was new, the contact's "last wrote
    from" set in the same statement (data-modifying WITHs). Parameters: each of RECORDED
    prefixed `m_`, `touched` (the contact) and `at`; prefixed, because a key that names a
    column of `contacts` would become one more SET of the UPDATE."""
    values = {key: bindparam(f"m_{key}", type_=_INBOUND.c[key].type) for key in RECORDED}
    recorded = (
        pg_insert(_INBOUND)
        .values(values)
        .on_conflict_do_nothing(index_elements=["channel", "provider_id"])
        .returning(_INBOUND.c.id)
        .cte("recorded")
    )
    touched = (
        update(_CONTACTS)
        .where(_CONTACTS.c.id == bindparam("touched"), exists(select(recorded.c.id)))
        .values(last_inbound_at=bindparam("at", type_=_CONTACTS.c.last_inbound_at.type))
        .cte("touched")
    )
    return select(recorded.c.id).add_cte(touched)
