"""Write Outbound messages into the outbox, in the caller's transaction."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy import insert, inspect
from sqlalchemy.orm import Session

from bot import zones
from bot.addressing import pick_contact
from bot.context import Context
from bot.messages import Outbound, channel_of
from bot.rules.delivery import Verdict, decide
from bot.settings import Settings
from bot.statuses import OutboxStatus
from db.models import OutboxMessage


def enqueue(
    ctx: Context,
    out: Outbound,
    *,
    sender_urn: str | None = None,
    sender_id: int | None = None,
    in_reply_to: int | None = None,
) -> OutboxMessage:
    """Record one message to send; the dispatcher delivers it after commit."""
    session: Session = ctx.session
    urn, person_id = _address(session, out, sender_urn, sender_id)
    extra = dict(out.extra)
    if out.request_location:
        extra["request_location"] = True
    if out.ignore_optout:
        extra["ignore_optout"] = True
    if out.edit_ref:
        extra["edit_ref"] = out.edit_ref
    if not out.urgent and person_id and (tz := zones.name_of(session, person_id)):
        extra["tz"] = tz  # quiet hours are the recipient's own
    row = OutboxMessage(
        person_id=person_id,
        urn=urn or "none:",
        channel=channel_of(urn) if urn else "none",
        text=out.text,
        buttons=[[asdict(b) for b in row] for row in out.buttons],
        extra=extra,
        urgent=out.urgent,
        category=out.category,
        status=OutboxStatus.PENDING if urn else OutboxStatus.FAILED,
        last_error=None if urn else "no usable address",
        not_before=ctx.now,
        in_reply_to=in_reply_to,
        created_at=ctx.now,
        attempts=0,
    )
    session.add(row)
    return row


def verdict(
    settings: Settings, row: OutboxMessage, now: datetime, *, opted_out: bool, sent_today: int
) -> Verdict:
    """The delivery rules (rules.delivery.decide) for one row, with this deployment's
    quiet hours (in the recipient's own zone), time zone and daily cap."""
    return decide(
        now=now,
        tz=zones.zone((row.extra or {}).get("tz"), settings.tz),
        urgent=row.urgent,
        opted_out=opted_out,
        ignore_optout=bool((row.extra or {}).get("ignore_optout")),
        sent_today=sent_today,
        quiet_start=settings.policy.quiet_start_hour,
        quiet_end=settings.policy.quiet_end_hour,
        daily_cap=settings.policy.daily_cap,
    )


def write(session: Session, rows: list[OutboxMessage]) -> None:
    """Insert these rows now, each with one Core INSERT, instead of at the next flush.

    The hot path's last step (Engine.receive, after the replies were claimed): the unit
    of work would cost twice as much for a single row. Rows already flushed are left
    alone; the rest leave the session (detached, with their new ids).
    """
    for row in rows:
        state = inspect(row)
        if not state.pending:
            continue
        session.expunge(row)
        values = {key: value for key, value in state.dict.items() if key in _COLUMNS}
        row.id = session.connection().execute(_INSERT, values).scalar_one()


_COLUMNS = frozenset(c.key for c in inspect(OutboxMessage).column_attrs) - {"id"}
_INSERT = insert(OutboxMessage).returning(OutboxMessage.id)


def _address(
    session: Session, out: Outbound, sender_urn: str | None, sender_id: int | None
) -> tuple[str | None, int | None]:
    if out.to is None or out.to == sender_id:
        if sender_urn:
            return sender_urn, sender_id
        if sender_id is None:
            return None, None
        out_to = sender_id
    else:
        out_to = out.to
    contact = pick_contact(session, out_to)
    return (contact.urn if contact else None), out_to
