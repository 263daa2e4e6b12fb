"""Channels with a reply window (WhatsApp: 24 hours after the person last wrote there).

Inside the window any message may go. Outside it, a message goes as the approved
template configured for its category (Twilio Content SID, `TWILIO_WHATSAPP_TEMPLATES`),
else to the person's next address a free-form message may reach (their SMS number).
The dispatcher decides this for each row it claims, at the moment of sending, so a
reminder held overnight by quiet hours is judged by the window when it actually goes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.addressing import pick_contact
from bot.channels.specs import SPECS, spec_for_urn
from bot.settings import Settings
from db.models import Contact, OutboxMessage

log = logging.getLogger("wbl.windows")
WINDOWED = frozenset(s.name for s in SPECS if s.reply_window is not None)
_DECIDED = ("content_sid", "window_closed")


def readdress(
    session: Session, settings: Settings, rows: Sequence[OutboxMessage], now: datetime
) -> None:
    """Give each row for a closed window its template, or move it to a free-form address."""
    windowed = [r for r in rows if r.channel in WINDOWED]
    if not windowed:
        return
    contacts = {
        c.urn: c
        for c in session.scalars(select(Contact).where(Contact.urn.in_({r.urn for r in windowed})))
    }
    for row in windowed:
        contact = contacts.get(row.urn)
        spec = spec_for_urn(row.urn)
        if contact is None or spec is None or contact.opted_out_at is not None:
            continue  # the delivery rules suppress an opted-out address, wherever else it is
        before = dict(row.extra or {})
        extra = {k: v for k, v in before.items() if k not in _DECIDED}  # decide afresh
        template = spec.template(settings, row.category)
        if spec.window_open(contact.last_inbound_at, now):
            pass
        elif template:
            extra["content_sid"] = template
        elif (other := _free_form_address(session, row, now)) is not None:
            log.info("outbox %s: %s window closed, moved to %s", row.id, row.channel, other[1])
            row.urn, row.channel = other
            extra["moved_from"] = spec.name
        else:
            extra["window_closed"] = True  # the sender refuses it, and the row says why
        if extra != before:
            row.extra = extra


def _free_form_address(
    session: Session, row: OutboxMessage, now: datetime
) -> tuple[str, str] | None:
    if row.person_id is None:
        return None
    contact = pick_contact(session, row.person_id, reachable_only=True, free_form_at=now)
    spec = spec_for_urn(contact.urn) if contact is not None else None
    if contact is None or spec is None:
        return None
    return contact.urn, spec.name
