"""Opt-outs, opt-ins and language: facts about how a person wants to be reached."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.channels.specs import roster_phone, spec_for_urn
from bot.context import Context
from db import trail
from db.models import Contact, Person


def opt_out(ctx: Context, urn: str, keyword: str) -> bool:
    """Mark `urn` opted out; True when it was opted in before (confirm exactly once)."""
    contact = ctx.session.scalar(select(Contact).where(Contact.urn == urn))
    if contact is None or contact.opted_out_at is not None:
        return False
    contact.opted_out_at = ctx.now
    trail.record(
        ctx.session,
        at=ctx.now,
        actor=ctx.actor,
        action="opt_out",
        entity="contact",
        entity_id=contact.id,
        details={"keyword": keyword},
    )
    return True


def opt_in(ctx: Context, urn: str) -> bool:
    contact = ctx.session.scalar(select(Contact).where(Contact.urn == urn))
    if contact is None or contact.opted_out_at is None:
        return False
    contact.opted_out_at = None
    trail.record(
        ctx.session,
        at=ctx.now,
        actor=ctx.actor,
        action="opt_in",
        entity="contact",
        entity_id=contact.id,
    )
    return True


def is_opted_out(ctx: Context, urn: str) -> bool:
    contact = ctx.session.scalar(select(Contact).where(Contact.urn == urn))
    return contact is not None and contact.opted_out_at is not None


def set_language(ctx: Context, person_id: int, lang: str) -> None:
    person = ctx.session.get(Person, person_id)
    if person is None or person.language == lang:
        return
    trail.record(
        ctx.session,
        at=ctx.now,
        actor=ctx.actor,
        action="set_language",
        entity="person",
        entity_id=person_id,
        details={"from": person.language, "to": lang},
    )
    person.language = lang
    person.updated_at = ctx.now


def adopt_phone_urn(session: Session, urn: str, now: datetime) -> bool:
    """Make a first message from a known number on another phone channel its owner's.

    `whatsapp:+1…` from a number the roster holds (the person's `tel:+1…` contact, not
    retired) becomes a contact of that same person, so it is one person on both channels.
    True when the contact was added (concurrent first messages add it once).
    """
    spec = spec_for_urn(urn)
    phone = spec.phone_of(urn) if spec is not None else None
    roster = roster_phone()
    if phone is None or spec is None or spec is roster:
        return False
    owner = session.scalar(
        select(Contact.person_id).where(
            Contact.urn == roster.urn(phone), Contact.retired_at.is_(None)
        )
    )
    if owner is None:
        return False
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    added = session.execute(
        insert(Contact)
        .values(urn=urn, scheme=spec.scheme, person_id=owner, created_at=now)
        .on_conflict_do_nothing(index_elements=["urn"])
        .returning(Contact.id)
    ).scalar()
    if added is None:
        return False
    trail.record(
        session,
        at=now,
        actor=f"person:{owner}",
        action="link",
        entity="contact",
        entity_id=added,
        details={"how": "same_phone", "channel": spec.name},
    )
    return True
