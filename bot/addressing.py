"""Which address reaches a person: the channel they last wrote from; before they ever
wrote, the first in the channel specs' order of preference (Telegram if linked, else SMS)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.channels.specs import preference, spec_for_urn
from db.models import Contact


def pick_contact(
    session: Session,
    person_id: int,
    *,
    reachable_only: bool = False,
    free_form_at: datetime | None = None,
) -> Contact | None:
    """The address to use for `person_id` (retired numbers never; opted-out ones only when
    `reachable_only` is False, so the dispatcher can record the suppression). With
    `free_form_at`, only addresses a free-form message may go to at that instant (a
    channel with a reply window, such as WhatsApp, only inside it)."""
    stmt = select(Contact).where(Contact.person_id == person_id, Contact.retired_at.is_(None))
    if reachable_only:
        stmt = stmt.where(Contact.opted_out_at.is_(None))
    contacts = list(session.scalars(stmt))
    if free_form_at is not None:
        contacts = [c for c in contacts if _free_form(c, free_form_at)]
    return choose(contacts)


def choose(contacts: list[Contact]) -> Contact | None:
    """Of one person's usable addresses, the one to write to (the rule above)."""
    if not contacts:
        return None
    wrote = [c for c in contacts if c.last_inbound_at is not None]
    if wrote:
        return max(wrote, key=lambda c: c.last_inbound_at)  # type: ignore[arg-type, return-value]
    return min(contacts, key=lambda c: preference(c.scheme))


def last_written(person_id: ColumnElement[int] | InstrumentedAttribute[int]) -> ScalarSelect[Any]:
    """The urn `pick_contact` chooses when the person ever wrote (the rule's first case:
    the address they last wrote from), as a scalar subquery; NULL when they never did."""
    return (
        select(Contact.urn)
        .where(
            Contact.person_id == person_id,
            Contact.retired_at.is_(None),
            Contact.last_inbound_at.is_not(None),
        )
        .order_by(Contact.last_inbound_at.desc())
        .limit(1)
        .scalar_subquery()
    )


def _free_form(contact: Contact, at: datetime) -> bool:
    spec = spec_for_urn(contact.urn)
    return spec is not None and spec.window_open(contact.last_inbound_at, at)
