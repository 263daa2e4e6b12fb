"""The dispatcher's reads: due rows urgent first, who is being sent to, what the rules need."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from bot.settings import Settings
from bot.statuses import OutboxStatus
from db.models import Contact, OutboxMessage, Person

COUNTED = (OutboxStatus.SENDING, OutboxStatus.SENT, OutboxStatus.DELIVERED)


def due(channel: str, now: datetime, limit: int, postgres: bool) -> Select[Any]:
    """One channel's due rows, urgent first, then the oldest (index ix_outbox_claim).

    Not those of an address with a row in flight (another worker's): one person's
    messages keep their order. PostgreSQL: locked `FOR UPDATE SKIP LOCKED`, so workers
    claim different rows.
    """
    in_flight = select(OutboxMessage.urn).where(
        OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.channel == channel
    )
    stmt = (
        select(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.channel == channel,
            OutboxMessage.not_before <= now,
            OutboxMessage.urn.not_in(in_flight),
        )
        .order_by(OutboxMessage.urgent.desc(), OutboxMessage.not_before, OutboxMessage.id)
        .limit(limit)
    )
    return stmt.with_for_update(skip_locked=True) if postgres else stmt


def unconfigured(s: Session, channels: set[str], limit: int = 500) -> list[OutboxMessage]:
    """Pending rows for a channel this deployment has no sender for."""
    return list(
        s.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.channel.not_in(channels)
            )
            .limit(limit)
        )
    )


def opted_out(s: Session, urns: set[str]) -> set[str]:
    if not urns:
        return set()
    return set(
        s.scalars(
            select(Contact.urn).where(Contact.urn.in_(urns), Contact.opted_out_at.is_not(None))
        )
    )


def languages(s: Session, person_ids: set[int]) -> dict[int, str]:
    if not person_ids:
        return {}
    rows = s.execute(select(Person.id, Person.language).where(Person.id.in_(person_ids)))
    return {int(pid): lang or "en" for pid, lang in rows}


def sent_today(s: Session, person_ids: set[int], now: datetime, st: Settings) -> Counter[int]:
    """Non-urgent messages already sent (or in flight) today, district time, per person."""
    if not person_ids:
        return Counter()
    day = now.astimezone(st.tz).date()
    start = datetime.combine(day, dtime(0), tzinfo=st.tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), dtime(0), tzinfo=st.tz).astimezone(UTC)
    at = func.coalesce(OutboxMessage.sent_at, OutboxMessage.claimed_at)
    rows = s.execute(
        select(OutboxMessage.person_id, func.count())
        .where(
            OutboxMessage.person_id.in_(person_ids),
            OutboxMessage.urgent.is_(False),
            OutboxMessage.status.in_(COUNTED),
            at >= start,
            at < end,
        )
        .group_by(OutboxMessage.person_id)
    )
    return Counter({int(pid or 0): int(n) for pid, n in rows})
