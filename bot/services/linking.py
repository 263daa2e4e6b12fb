"""Linking a chat to a person: one-time invite codes and Telegram contact sharing.

Codes are stored as HMAC-SHA256 keyed with SECRET_KEY (a stolen table cannot be tried
offline without the key); codes issued before migration 0003 were plain SHA-256 and are
still found until they expire (14 days at most). Every attempt passes the throttle
(bot.services.link_throttle) first; the link flow reads (`find`, `person_by_phone`,
`link_throttle.foresee`) and the engine applies `redeem` / `attach` as effects. An answer never says whether a number is on file.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from bot.context import Context
from bot.errors import WBLError
from bot.i18n import N_
from bot.messages import channel_of
from bot.services import link_throttle
from db import trail
from db.models import Contact, LinkCode, Person

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_TTL = timedelta(days=14)

BAD_CODE = N_(
    "That code didn't work (it may be used or expired). Ask your coordinator for a new one."
)
TOO_MANY_CODES = N_(
    "Too many codes were tried from here. Please wait an hour and try again, or ask your "
    "coordinator for help."
)


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


def find(ctx: Context, code: str) -> tuple[LinkCode, Person] | None:
    """Read only: the unused, unexpired code and its active person; None otherwise."""
    digests = (code_hash(ctx.settings.secret_key, code), _unkeyed_hash(code))
    row = ctx.session.scalar(select(LinkCode).where(LinkCode.code_sha256.in_(digests)))
    if row is None or row.used_at is not None or row.expires_at <= ctx.now:
        return None
    person = ctx.session.get(Person, row.person_id)
    if person is None or not person.active:
        return None
    return row, person


def redeem(ctx: Context, code: str, urn: str, person_id: int | None, *, admitted: bool) -> None:
    """Count the attempt (always, even when refused), then link `urn` to `person_id` if the
    flow found the code good. The flow answered from reads (`admitted`: the throttle would
    let it through); when a parallel attempt was counted first and this one is refused
    after all, WBLError says so and the turn's effects are rolled back, this count with
    them: a refused attempt's count may go, every admitted one stays, so no more than
    LIMIT are ever admitted."""
    if not link_throttle.admit(ctx, urn, code):
        if admitted:
            raise WBLError(TOO_MANY_CODES if link_throttle.blocked(ctx, urn) else BAD_CODE)
        return
    if person_id is None:
        return
    found = find(ctx, code)
    if found is None or found[1].id != person_id:
        raise WBLError(BAD_CODE)
    found[0].used_at = ctx.now
    attach(ctx, person_id, urn, how="invite_code")


def person_by_phone(ctx: Context, phone_e164: str) -> Person | None:
    """Read only: the one active person whose roster phone is `phone_e164`, if exactly one."""
    people = ctx.session.scalars(
        select(Person).where(Person.phone == phone_e164, Person.active.is_(True)).limit(2)
    ).all()
    # unknown, or a family phone shared by several people: ask for a code
    return people[0] if len(people) == 1 else None


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
