"""Dashboard sign-in, the per-request guard (CSRF, sign-in, role) and the CSRF token."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import abort, redirect, request, session, url_for
from sqlalchemy import select

from bot.dashboard import access, throttle
from bot.dashboard.accounts import normal_email, password_matches
from bot.dashboard.sessions import ServerSession, Viewer, csrf_for
from bot.runtime import Runtime
from db import trail
from db.models import Person, StaffAccount


@dataclass(frozen=True)
class Locked:
    until: datetime


def check_sign_in(
    runtime: Runtime, email: str, password: str, address: str
) -> Viewer | Locked | None:
    """The viewer for a right email and password; Locked while throttled; else None.

    An unknown email is hashed against like a known one, so both answer in the same time.
    """
    now, secret = runtime.clock.now(), runtime.settings.secret_key
    email = normal_email(email)[:255]
    email_key = throttle.key(secret, "email", email)
    address_key = throttle.key(secret, "address", address)
    with runtime.database.transaction() as s:
        until = throttle.locked_until(s, now, email_key, address_key)
        row = s.execute(
            select(StaffAccount, Person.active)
            .outerjoin(Person, Person.id == StaffAccount.person_id)
            .where(StaffAccount.email == email)
        ).first()
    if until is not None:
        return Locked(until)
    account, person_active = row if row else (None, None)
    usable = account is not None and not account.disabled and person_active is not False
    stored = account.password_hash if account is not None and usable else None
    right = password_matches(stored, password) and account is not None and bool(account.roles)
    with runtime.database.transaction() as s:
        if right and account is not None:
            throttle.forget(s, now, email_key)
            trail.record(
                s,
                at=now,
                actor=f"account:{account.id}",
                action="signed_in",
                entity="staff_account",
                entity_id=account.id,
            )
        else:
            throttle.record_failure(s, now, email_key, address_key)
    if not right or account is None:
        return None
    return Viewer(account.id, account.person_id, account.role_set)


def current() -> ServerSession:
    sess = session._get_current_object()  # type: ignore[attr-defined]
    if not isinstance(sess, ServerSession):
        raise RuntimeError("the dashboard needs the database session interface")
    return sess


def viewer() -> Viewer:
    """The signed-in viewer (the guard has already turned visitors away)."""
    found = current().viewer
    if found is None:
        abort(403)
    return found


def csrf_token() -> str:
    sess = current()
    sess.bound = True
    return csrf_for(_rt().settings.secret_key, sess.sid)


def guard() -> Any:
    """Before every dashboard request: CSRF on POST, then sign-in, then the role rule."""
    if request.method == "POST":
        sent = request.form.get("csrf_token", "")
        if not sent or not hmac.compare_digest(sent, csrf_token()):
            abort(403)
    verdict = access.allowed(request.endpoint, current().viewer)
    if verdict is None:
        return redirect(url_for("dashboard.login", next=request.path))
    if not verdict:
        abort(403)
    return None


def _rt() -> Runtime:
    from bot.web import runtime_of_app

    return runtime_of_app()
