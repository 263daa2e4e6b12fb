"""Sign-in throttling, counted in the database so every web process shares it.

5 failed sign-ins within 15 minutes, for one account or from one address, refuse every
sign-in (the right password too) for 15 minutes after the fifth. Emails and addresses
are stored keyed (HMAC with SECRET_KEY), never in clear; unknown emails count the same
as known ones, so the answer never tells whether an account exists.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from db.models import SignInFailure

LIMIT = 5
WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)


def key(secret: str, kind: str, value: str) -> str:
    return hmac.new(secret.encode(), f"{kind}:{value}".encode(), "sha256").hexdigest()


def locked_until(s: Session, now: datetime, email_key: str, address: str) -> datetime | None:
    """When sign-in opens again for this account or address, or None if it is open."""
    until = None
    for column, value in ((SignInFailure.email_key, email_key), (SignInFailure.address, address)):
        times = s.scalars(
            select(SignInFailure.at)
            .where(column == value, SignInFailure.at > now - WINDOW - LOCKOUT)
            .order_by(SignInFailure.at.desc())
            .limit(LIMIT)
        ).all()
        if len(times) == LIMIT and times[0] - times[-1] <= WINDOW and now < times[0] + LOCKOUT:
            until = max(until or times[0], times[0] + LOCKOUT)
    return until


def record_failure(s: Session, now: datetime, email_key: str, address: str) -> None:
    s.add(SignInFailure(at=now, email_key=email_key, address=address))


def forget(s: Session, now: datetime, email_key: str) -> None:
    """After a successful sign-in: the account's failures are cleared; old rows are pruned."""
    s.execute(
        delete(SignInFailure).where(
            or_(
                SignInFailure.email_key == email_key,
                SignInFailure.at < now - WINDOW - LOCKOUT,
            )
        )
    )
