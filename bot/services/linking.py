"""Linking a chat to a person: one-time invite codes and Telegram contact sharing.

Codes are stored as HMAC-SHA256 keyed with SECRET_KEY (a stolen table cannot be tried
offline without the key); codes issued before migration 0003 were plain SHA-256 and are
still found until they expire (14 days at most). Every attempt passes the throttle
(bot.services.link_throttle) first. An answer never says whether a number is on file.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from bot.context import Context
from bot.messages import channel_of
from bot.services import link_throttle
from db import trail
from db.models import Contact, LinkCode, Person

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_TTL = timedelta(days=14)


def _normal(code: str) -> str:
    return code.strip().upper()


def code_hash(secret: str, code: str) -> str:
    """What is stored for `code`: HMAC-SHA256 keyed with `secret`."""
    return link_throttle.keyed(secret, "link-code", _normal(code))


def _unkeyed_hash(code: str) -> str:
    """How codes were stored before migration 0003 (found until they expire)."""
    return hashlib.sha256(_normal(code).encode()).hexdigest()


def create_invite(ctx: Context, person_id: int) -> str:
    """A fresh one-time code for `person_id`, valid for 14 days."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    ctx.session.add(
        LinkCode(
            code_sha256=code_hash(ctx.settings.secret_key, code),
            person_id=person_id,
            expires_at=ctx.now + CODE_TTL,
            created_at=ctx.now,
        )
    )
    trail.record(
        ctx.session,
        at=ctx.now,
        actor=ctx.actor,
        action="invite",
        entity="person",
        entity_id=person_id,
    )
    return code


def redeem(ctx: Context, code: str, urn: str) -> Person | None:
    """Link `urn` to the code's person; None when the code is unknown, used or expired,
    or when `urn` or the code is throttled (`link_throttle.blocked` tells which)."""
    if not link_throttle.admit(ctx, urn, code):
        return None
    digests = (code_hash(ctx.settings.secret_key, code), _unkeyed_hash(code))
    row = ctx.session.scalar(select(LinkCode).where(LinkCode.code_sha256.in_(digests)))
    if row is None or row.used_at is not None or row.expires_at <= ctx.now:
        return None
    person = ctx.session.get(Person, row.person_id)
    if person is None or not person.active:
        return None
    row.used_at = ctx.now
    attach(ctx, person.id, urn, how="invite_code")
    return person


def link_by_phone(ctx: Context, phone_e164: str, urn: str) -> Person | None:
    """Link `urn` to the active person whose roster phone is `phone_e164`, if any."""
    people = ctx.session.scalars(
        select(Person).where(Person.phone == phone_e164, Person.active.is_(True)).limit(2)
    ).all()
    if len(people) != 1:  # unknown, or a family phone shared by several people: ask for a code
        return None
    person = people[0]
    attach(ctx, person.id, urn, how="shared_contact")
    return person


def attach(ctx: Context, person_id: int, urn: str, *, how: str) -> Contact:
    """Point `urn` at `person_id` (moving it from anyone it belonged to before)."""
    contact = ctx.session.scalar(select(Contact).where(Contact.urn == urn))
    if contact is None:
        contact = Contact(
            urn=urn, scheme=urn.split(":", 1)[0], person_id=person_id, created_at=ctx.now
        )
        ctx.session.add(contact)
    else:
        contact.person_id = person_id
        contact.retired_at = None
    contact.last_inbound_at = ctx.now
    ctx.session.flush()
    trail.record(
        ctx.session,
        at=ctx.now,
        actor=f"person:{person_id}",
        action="link",
        entity="contact",
        entity_id=contact.id,
        details={"how": how, "channel": channel_of(urn)},
    )
    return contact
