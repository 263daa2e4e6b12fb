"""The engine's SQL, built once (per dialect where it differs), parameters bound per event."""

from __future__ import annotations

from functools import cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from db.models import Contact, Conversation, InboundMessage, Person

SENDER = (  # who wrote: contact, person and conversation in one row
    select(Contact, Person, Conversation)
    .join(Person, Person.id == Contact.person_id)
    .join(Conversation, Conversation.person_id == Person.id)
    .where(Contact.urn == bindparam("urn"))
)
SENDER_LOCKED = SENDER.with_for_update(of=[Person, Conversation, Contact])
SAVE_CONVERSATION = (
    update(Conversation)
    .where(Conversation.person_id == bindparam("conversation"))
    .values(
        flow=bindparam("flow"),
        state=bindparam("state"),
        data=bindparam("data"),
        version=bindparam("version"),
        updated_at=bindparam("updated_at"),
    )
)

TOUCH_CONTACT = (
    update(Contact)
    .where(Contact.id == bindparam("contact"))
    .values(last_inbound_at=bindparam("at"))
)


@cache
def first_conversation(postgres: bool) -> Any:
    """A blank conversation for the person behind a contact, unless they have one; built once.

    INSERT INTO conversations (person_id, updated_at, <the model's defaults>)
    SELECT person_id, :now FROM contacts WHERE urn = :urn ON CONFLICT (person_id) DO NOTHING
    (nothing at all for a stranger's urn).
    """
    table = cast(Table, Conversation.__table__)
    source = select(Contact.person_id, bindparam("now", type_=table.c.updated_at.type)).where(
        Contact.urn == bindparam("urn")
    )
    return _on_conflict(postgres, source)


@cache
def new_conversation(postgres: bool) -> Any:
    """INSERT a blank conversation (person_id, updated_at) ON CONFLICT DO NOTHING, built once."""
    return _on_conflict(postgres, None)


def _on_conflict(postgres: bool, source: Any) -> Any:
    table = cast(Table, Conversation.__table__)
    insert = (pg_insert if postgres else sqlite_insert)(table)
    if source is not None:  # the columns not selected take the model's defaults
        insert = insert.from_select(["person_id", "updated_at"], source)
    return insert.on_conflict_do_nothing(index_elements=["person_id"])


@cache
def dedupe_insert(dialect: str) -> Any:
    """INSERT … ON CONFLICT (channel, provider_id) DO NOTHING RETURNING id, built once."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = cast(Table, InboundMessage.__table__)
    return (
        insert(table)
        .on_conflict_do_nothing(index_elements=["channel", "provider_id"])
        .returning(table.c.id)
    )
