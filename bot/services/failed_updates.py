"""Keep a provider update that cannot be processed as a `failed` inbound row.

A webhook acknowledges such an update (Telegram would otherwise retry it forever and
stall the chat's queue) and this row is what is left to see: the channel, the provider's
id (or a digest of the body when it has none), the reason, and no text.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from bot import engine_sql as sql
from bot.statuses import InboundStatus
from db.session import Database


def body_id(body: bytes) -> str:
    """A stable provider id for a body without a usable one (a retry maps to the same row)."""
    return "body:" + hashlib.sha256(body).hexdigest()[:59]


def keep_failed(
    database: Database, channel: str, provider_id: str, reason: str, now: datetime
) -> None:
    """Record the update as failed, once per (channel, provider id)."""
    with database.transaction() as session:
        statement = sql.dedupe_insert(session.get_bind().dialect.name)
        session.connection().execute(
            statement,
            dict(
                channel=channel,
                provider_id=provider_id[:64],
                text=None,
                payload={"error": reason},
                status=InboundStatus.FAILED,
                contact_id=None,
                person_id=None,
                received_at=now,
            ),
        )
