"""Provider delivery reports: move an outbox row's status forward, never back.

queued < sending < sent < delivered. failed and undelivered are terminal: they win over
queued/sending/sent but never over delivered. Twilio error 21610 (the recipient replied
STOP to the carrier) marks that address opted out, with an audit entry.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.rules.delivery import PROVIDER_OPTED_OUT
from bot.statuses import OutboxStatus
from db import trail
from db.models import Contact, OutboxMessage

log = logging.getLogger("wbl.delivery_status")

RANK = {"pending": 0, "accepted": 1, "scheduled": 1, "queued": 1, "sending": 2, "sent": 3}
FINAL = {"delivered", "read", "failed", "undelivered", "suppressed", "canceled"}
FAILED = {"failed", "undelivered", "canceled"}


def next_status(current: str, reported: str) -> OutboxStatus | None:
    """The status to store when `reported` (the provider's word) arrives for a row at
    `current`; None to keep it."""
    if current in FINAL or reported == current:
        return None
    if reported in FAILED:
        return OutboxStatus.UNDELIVERED if reported == "undelivered" else OutboxStatus.FAILED
    if reported in ("delivered", "read"):
        return OutboxStatus.DELIVERED
    if reported in RANK and RANK[reported] > RANK.get(current, 0):
        return OutboxStatus(reported) if reported in ("sending", "sent") else None
    return None


def update(
    session: Session, sid: str, status: str, *, error_code: str | None, now: datetime
) -> bool:
    """Apply one delivery report to the row sent with provider id `sid`; False if unknown."""
    row = session.scalar(select(OutboxMessage).where(OutboxMessage.provider_message_id == sid))
    if row is None:
        log.info("status callback for unknown message")
        return False
    new = next_status(row.status, status)
    if new is not None:
        row.status = new
        if new == OutboxStatus.DELIVERED:
            row.delivered_at = now
        if new in FAILED and error_code:
            row.last_error = f"provider error {error_code}"[:512]
    if error_code in PROVIDER_OPTED_OUT:
        opt_out_recipient(session, row.urn, error_code, now)
    log.info("outbox %s status %s -> %s", row.id, status, row.status)
    return True


def opt_out_recipient(session: Session, urn: str, error_code: str, now: datetime) -> bool:
    """Mark the address opted out because the provider says it is; True when it changed."""
    contact = session.scalar(select(Contact).where(Contact.urn == urn))
    if contact is None or contact.opted_out_at is not None:
        return False
    contact.opted_out_at = now
    trail.record(
        session,
        at=now,
        actor="provider:twilio",
        action="opt_out",
        entity="contact",
        entity_id=contact.id,
        details={"error_code": error_code},
    )
    return True
