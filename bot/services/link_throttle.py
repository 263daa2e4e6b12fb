"""The invite-code throttle: at most 10 code attempts an hour per source and per code.

Every attempt is counted before a code links anyone, in one atomic upsert whose
RETURNING gives each concurrent attempt its own count, so no burst of parallel guesses
gets past the limit (the link flow answers from `foresee`, a read; the count is its
effect, and a count that disagrees with the read becomes a polite refusal). A source (a chat or a phone number) or a code past the limit is
refused for the rest of the hour that began with its first attempt; the right code
included. A right code links the chat, which then stops being a stranger, so counting
it too changes nothing for anyone honest. Keys are HMACs (SECRET_KEY): neither the
address nor the code is stored. Rows whose hour is over are swept away.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Any

from sqlalchemy import case, delete, literal
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.context import Context
from bot.jobs import sweep
from db.models import LinkThrottle

LIMIT = 10
WINDOW = timedelta(hours=1)


def keyed(secret: str, purpose: str, value: str) -> str:
    """HMAC-SHA256 of `purpose:value` keyed with `secret` (hex, 64 characters)."""
    return hmac.new(secret.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def admit(ctx: Context, urn: str, code: str) -> bool:
    """Count one code attempt from `urn`; False when the source or the code is over the limit."""
    secret = ctx.settings.secret_key
    by_source = _count(ctx, keyed(secret, "source", urn))
    by_code = _count(ctx, keyed(secret, "code", code.strip().upper()))
    return by_source <= LIMIT and by_code <= LIMIT


def blocked(ctx: Context, urn: str) -> bool:
    """True while `urn` is refused every code (its hour is not over)."""
    return _current(ctx, keyed(ctx.settings.secret_key, "source", urn)) > LIMIT


def foresee(ctx: Context, urn: str, code: str) -> str | None:
    """Read only: what counting one more attempt would refuse, before `admit` counts it.
    "source" when `urn` would be over the limit, "code" when the code would, else None."""
    secret = ctx.settings.secret_key
    if _current(ctx, keyed(secret, "source", urn)) + 1 > LIMIT:
        return "source"
    if _current(ctx, keyed(secret, "code", code.strip().upper())) + 1 > LIMIT:
        return "code"
    return None


def _current(ctx: Context, key: str) -> int:
    """The attempts counted for `key` in its hour (0 once the hour is over)."""
    row = ctx.session.get(LinkThrottle, key, populate_existing=True)
    return row.failures if row is not None and row.window_start > ctx.now - WINDOW else 0


def _count(ctx: Context, key: str) -> int:
    """Add one attempt to `key`'s hour (a new hour when the last one is over); the new count."""
    table = LinkThrottle.__table__
    start = table.c.window_start
    now = literal(ctx.now, start.type)
    over = start <= literal(ctx.now - WINDOW, start.type)
    insert: Any = (
        pg_insert if ctx.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    )
    statement = (
        insert(table)
        .values(key=key, window_start=ctx.now, failures=1)
        .on_conflict_do_update(
            index_elements=["key"],
            set_={
                "failures": case((over, 1), else_=table.c.failures + 1),
                "window_start": case((over, now), else_=start),
            },
        )
        .returning(table.c.failures)
    )
    return int(ctx.session.execute(statement).scalar_one())


@sweep("linking.throttle")
def forget_old_attempts(ctx: Context) -> None:
    """Delete the counts whose hour is over."""
    ctx.session.execute(delete(LinkThrottle).where(LinkThrottle.window_start <= ctx.now - WINDOW))
