"""Which address reaches a person: the channel they last wrote from; before they ever
wrote, Telegram if linked, else SMS."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Contact

SCHEME_PREFERENCE = {"telegram": 0, "tel": 1, "sim": 2}


def pick_contact(
    session: Session, person_id: int, *, reachable_only: bool = False
) -> Contact | None:
    """The address to use for `person_id` (retired numbers never; opted-out ones only when
    `reachable_only` is False, so the dispatcher can record the suppression)."""
    stmt = select(Contact).where(Contact.person_id == person_id, Contact.retired_at.is_(None))
    if reachable_only:
        stmt = stmt.where(Contact.opted_out_at.is_(None))
    contacts = session.scalars(stmt).all()
    if not contacts:
        return None
    wrote = [c for c in contacts if c.last_inbound_at is not None]
    if wrote:
        return max(wrote, key=lambda c: c.last_inbound_at)  # type: ignore[arg-type, return-value]
    return min(contacts, key=lambda c: SCHEME_PREFERENCE.get(c.scheme, 9))
