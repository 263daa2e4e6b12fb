"""Opt-outs, opt-ins and language: facts about how a person wants to be reached."""

from __future__ import annotations

from sqlalchemy import select

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
