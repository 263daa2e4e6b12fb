"""Staff accounts: create or update, disable, passwords (Argon2id) and set-password links.

Functions take a SQLAlchemy session and the time; the caller commits once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from db import trail
from db.models import PasswordLink, Person, StaffAccount, StaffSession
from db.models.staff import ROLES

LINK_VALID = timedelta(hours=72)
MIN_PASSWORD = 10
_hasher = PasswordHasher()  # RFC 9106 low-memory profile: Argon2id, 64 MiB, t=3
# verified against when the email is unknown, so an unknown email costs the same time
_DUMMY = _hasher.hash(secrets.token_urlsafe(16))


def digest(token: str) -> str:
    """What is stored of a random token (session id, link): its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def normal_email(email: str) -> str:
    """Lower-case and trimmed; one with a NUL byte becomes "" (it matches no account)."""
    return "" if "\x00" in email else email.strip().lower()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(stored: str | None, password: str) -> bool:
    """Check a password in the same time whether or not there is a hash to check."""
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Added:
    account_id: int
    created: bool
    link_token: str | None  # None when a password was given


def add(
    s: Session,
    now: datetime,
    email: str,
    roles: set[str],
    *,
    name: str | None = None,
    password: str | None = None,
    actor: str = "cli",
) -> Added:
    """Create or update an account; returns a set-password token unless a password is given."""
    email = normal_email(email)
    unknown = roles - set(ROLES)
    if "@" not in email or not roles or unknown:
        raise ValueError(f"need an email and roles from {', '.join(ROLES)}")
    if password is not None and len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    account = s.scalar(select(StaffAccount).where(StaffAccount.email == email))
    created = account is None
    person = s.scalar(
        select(Person)
        .where(func.lower(Person.email) == email, Person.kind == "staff")
        .order_by(Person.active.desc(), Person.id)
        .limit(1)
    )
    if account is None:
        account = StaffAccount(email=email, created_at=now, disabled=False)
        s.add(account)
    account.roles = ",".join(sorted(roles))
    account.name = name if name is not None else (account.name or _name_of(person))
    account.person_id = person.id if person else account.person_id
    account.disabled = False
    account.updated_at = now
    s.flush()
    token = None
    if password is not None:
        change_password(s, now, account, password, actor=actor)
    else:
        token = new_link(s, now, account.id)
    trail.record(
        s,
        at=now,
        actor=actor,
        action="staff_added" if created else "staff_updated",
        entity="staff_account",
        entity_id=account.id,
        details={"roles": sorted(roles)},
    )
    return Added(account.id, created, token)


def _name_of(person: Person | None) -> str:
    return person.display_name if person else ""


def disable(s: Session, now: datetime, email: str, *, actor: str = "cli") -> bool:
    """Stop an account's sign-in and end every open session of it at once."""
    account = s.scalar(select(StaffAccount).where(StaffAccount.email == normal_email(email)))
    if account is None:
        return False
    account.disabled = True
    account.updated_at = now
    end_sessions(s, now, account.id)
    s.execute(
        update(PasswordLink)
        .where(PasswordLink.account_id == account.id, PasswordLink.used_at.is_(None))
        .values(used_at=now)
    )
    trail.record(
        s,
        at=now,
        actor=actor,
        action="staff_disabled",
        entity="staff_account",
        entity_id=account.id,
    )
    return True


def end_sessions(s: Session, now: datetime, account_id: int) -> None:
    s.execute(
        update(StaffSession)
        .where(StaffSession.account_id == account_id, StaffSession.ended_at.is_(None))
        .values(ended_at=now)
    )


def change_password(
    s: Session, now: datetime, account: StaffAccount, password: str, *, actor: str
) -> None:
    """Set a new password; every open session of the account ends."""
    account.password_hash = hash_password(password)
    account.updated_at = now
    end_sessions(s, now, account.id)
    trail.record(
        s, at=now, actor=actor, action="password_set", entity="staff_account", entity_id=account.id
    )


def new_link(s: Session, now: datetime, account_id: int) -> str:
    """A one-time set-password token valid 72 h (earlier unused links of the account end)."""
    s.execute(
        update(PasswordLink)
        .where(PasswordLink.account_id == account_id, PasswordLink.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    s.add(
        PasswordLink(
            token_hash=digest(token),
            account_id=account_id,
            created_at=now,
            expires_at=now + LINK_VALID,
        )
    )
    return token


def link_account(s: Session, now: datetime, token: str) -> StaffAccount | None:
    """The enabled account a live set-password link is for (locked), else None."""
    row = s.scalar(
        select(PasswordLink).where(PasswordLink.token_hash == digest(token)).with_for_update()
    )
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    account = s.get(StaffAccount, row.account_id)
    return account if account is not None and not account.disabled else None


def use_link(s: Session, now: datetime, token: str, password: str) -> StaffAccount | None:
    """Set the password through a link, which is then spent; None when the link is dead."""
    account = link_account(s, now, token)
    if account is None:
        return None
    s.execute(
        update(PasswordLink).where(PasswordLink.token_hash == digest(token)).values(used_at=now)
    )
    change_password(s, now, account, password, actor=f"account:{account.id}")
    return account
