"""Server-side sessions: the cookie holds a random id, the database its SHA-256 and the rest.

A session ends on sign-out, when its account is disabled or its password changes, after
30 minutes idle and 12 hours after sign-in; a signed-in session also ends at once when
the account is disabled or its roster person deactivated (checked on every request).
Visitors who are not signed in get an id too (the sign-in form's CSRF token is bound
to it) but no row until they have something to keep.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import delete, select, update
from werkzeug.datastructures import CallbackDict

from bot.dashboard.accounts import digest
from bot.runtime import Runtime
from db.models import Person, StaffAccount, StaffSession

COOKIE = "wbl_session"
COOKIE_PATH = "/dashboard"
IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=12)
TOUCH = timedelta(minutes=1)  # last_seen_at is written at most once a minute
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


@dataclass(frozen=True)
class Viewer:
    """The signed-in staff member: their account, roster person and roles."""

    account_id: int
    person_id: int | None
    roles: frozenset[str]

    @property
    def actor(self) -> str:
        """How the audit trail names them (roster staff as `staff:<person id>`)."""
        return f"staff:{self.person_id}" if self.person_id else f"account:{self.account_id}"


class ServerSession(CallbackDict[str, Any], SessionMixin):
    def __init__(self, sid: str, data: dict[str, Any] | None = None, **kw: Any) -> None:
        def on_update(d: Any) -> None:
            d.modified = True

        super().__init__(data or {}, on_update)
        self.sid = sid
        self.row_id: int | None = kw.get("row_id")
        self.viewer: Viewer | None = kw.get("viewer")
        self.last_seen: datetime | None = kw.get("last_seen")
        self.send_cookie: bool = kw.get("send_cookie", False)
        self.bound = False  # something (a CSRF token) was derived from the id
        self.modified = False

    def rotate(self) -> None:
        """Give this browser a new id (after sign-in and sign-out)."""
        self.sid, self.row_id, self.viewer = secrets.token_urlsafe(32), None, None
        self.send_cookie = True
        self.clear()


def csrf_for(secret: str, sid: str) -> str:
    return hmac.new(secret.encode(), b"csrf:" + sid.encode(), "sha256").hexdigest()


def sign_in(runtime: Runtime, sess: ServerSession, viewer: Viewer) -> None:
    """Start a signed-in session under a fresh id (the previous id ends)."""
    now = runtime.clock.now()
    with runtime.database.transaction() as s:
        if sess.row_id is not None:
            _end(s, now, sess.row_id)
        # sessions past every timeout are of no use to anyone: prune them here
        s.execute(delete(StaffSession).where(StaffSession.last_seen_at < now - ABSOLUTE))
        sess.rotate()
        row = StaffSession(
            token_hash=digest(sess.sid),
            account_id=viewer.account_id,
            data={},
            created_at=now,
            last_seen_at=now,
        )
        s.add(row)
        s.flush()
    sess.row_id, sess.viewer, sess.last_seen = row.id, viewer, now


def sign_out(runtime: Runtime, sess: ServerSession) -> None:
    if sess.row_id is not None:
        with runtime.database.transaction() as s:
            _end(s, runtime.clock.now(), sess.row_id)
    sess.rotate()


def _end(s: Any, now: datetime, row_id: int) -> None:
    s.execute(update(StaffSession).where(StaffSession.id == row_id).values(ended_at=now))


class DatabaseSessions(SessionInterface):
    """Flask's `session`, kept in the `staff_sessions` table."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        raw = request.cookies.get(COOKIE, "")
        if not _TOKEN.fullmatch(raw):
            return ServerSession(secrets.token_urlsafe(32), send_cookie=True)
        now = self.runtime.clock.now()
        with self.runtime.database.transaction() as s:
            found = s.execute(
                select(StaffSession, StaffAccount, Person.active)
                .outerjoin(StaffAccount, StaffAccount.id == StaffSession.account_id)
                .outerjoin(Person, Person.id == StaffAccount.person_id)
                .where(StaffSession.token_hash == digest(raw))
            ).first()
            if found is None:  # a visitor's id that never needed a row
                return ServerSession(raw)
            row, account, person_active = found
            if not _alive(row, account, person_active, now):
                return ServerSession(secrets.token_urlsafe(32), send_cookie=True)
            viewer = None
            if account is not None:
                viewer = Viewer(account.id, account.person_id, account.role_set)
            return ServerSession(
                raw, dict(row.data), row_id=row.id, viewer=viewer, last_seen=row.last_seen_at
            )

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not isinstance(session, ServerSession):
            return
        now = self.runtime.clock.now()
        if session.row_id is not None:
            stale = session.last_seen is None or now - session.last_seen >= TOUCH
            if session.modified or stale:
                with self.runtime.database.transaction() as s:
                    s.execute(
                        update(StaffSession)
                        .where(StaffSession.id == session.row_id, StaffSession.ended_at.is_(None))
                        .values(data=dict(session), last_seen_at=now)
                    )
        elif session.modified and dict(session):
            with self.runtime.database.transaction() as s:
                s.add(
                    StaffSession(
                        token_hash=digest(session.sid),
                        data=dict(session),
                        created_at=now,
                        last_seen_at=now,
                    )
                )
        keep = session.row_id is not None or session.bound or session.modified
        if session.send_cookie and keep:
            response.set_cookie(
                COOKIE,
                session.sid,
                path=COOKIE_PATH,
                httponly=True,
                secure=self.runtime.settings.public_base_url.startswith("https://"),
                samesite="Lax",
            )
        response.vary.add("Cookie")


def _alive(
    row: StaffSession, account: StaffAccount | None, person_active: bool | None, now: datetime
) -> bool:
    if row.ended_at is not None or now - row.last_seen_at >= IDLE:
        return False
    if now - row.created_at >= ABSOLUTE:
        return False
    if account is None:
        return row.account_id is None
    return not account.disabled and person_active is not False
