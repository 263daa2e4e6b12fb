"""One-time, 15-minute links to clock in or out from the phone's browser (SMS has no
location button). Only the link's SHA-256 is stored; the raw token is the capability."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, insert, select, update

from bot.context import Context
from bot.services.work import Work, get_work
from db.models import CheckinToken

TOKEN_TTL = timedelta(minutes=15)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_link(ctx: Context) -> tuple[str, str]:
    """(raw token, its URL) for a one-time, 15-minute link; nothing is stored yet."""
    raw = secrets.token_urlsafe(12)
    return raw, f"{ctx.settings.public_base_url.rstrip('/')}/checkin/{raw}"


def save_link(ctx: Context, raw: str, student_id: int, placement_id: int, action: str) -> None:
    """Store the link's hash (one Core INSERT, now): from now on it clocks `action` (in|out)
    for 15 minutes."""
    values = dict(
        token_sha256=token_hash(raw),
        person_id=student_id,
        placement_id=placement_id,
        action=action,
        expires_at=ctx.now + TOKEN_TTL,
        created_at=ctx.now,
    )
    ctx.session.connection().execute(_SAVE, values)


_SAVE = insert(CheckinToken)


def find_token(ctx: Context, raw: str) -> tuple[CheckinToken | None, str]:
    """(row, state) where state is ok|unknown|expired|used."""
    if not raw or len(raw) > 64:
        return None, "unknown"
    row = ctx.session.scalar(
        select(CheckinToken).where(CheckinToken.token_sha256 == token_hash(raw))
    )
    if row is None:
        return None, "unknown"
    if row.used_at is not None:
        return row, "used"
    if row.expires_at <= ctx.now:
        return row, "expired"
    return row, "ok"


@dataclass(frozen=True)
class Spent:
    """A link just spent: whose, for which placement, to clock which way."""

    person_id: int
    placement_id: int
    action: str  # in | out


def spend(ctx: Context, raw: str, outcome: str = "done") -> Spent | None:
    """Spend the link if it is usable (single use: one statement, so two posts of one link
    cannot both spend it); None when it is unknown, used or expired (`find_token` says
    which). The caller's transaction keeps it spent only if it commits."""
    if not raw or len(raw) > 64:
        return None
    params = {"sha": token_hash(raw), "now": ctx.now, "note": outcome[:64]}
    row = ctx.session.connection().execute(_SPEND, params).first()
    return Spent(*row) if row else None


_SPEND = (
    update(CheckinToken)
    .where(
        CheckinToken.token_sha256 == bindparam("sha"),
        CheckinToken.used_at.is_(None),
        CheckinToken.expires_at > bindparam("now"),
    )
    .values(used_at=bindparam("now"), note=bindparam("note"))
    .returning(CheckinToken.person_id, CheckinToken.placement_id, CheckinToken.action)
)


def usable_link(ctx: Context, raw: str) -> tuple[CheckinToken | None, Work | None, str]:
    """(row, work, state): `work` only when the link is usable (state ok)."""
    row, state = find_token(ctx, raw)
    if row is None or state != "ok":
        return row, None, state
    work = get_work(ctx, row.placement_id)
    return row, work, "ok" if work is not None else "unknown"  # the placement vanished
