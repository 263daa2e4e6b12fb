"""Coordinator sign-in: staff email + password (hashed), a signed session, CSRF on forms."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, redirect, request, session, url_for
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from bot.runtime import Runtime
from db import trail
from db.models import Person, Staff


def set_password(runtime: Runtime, sourced_id: str | None, password: str) -> str:
    """Set a staff member's dashboard password (the first coordinator when None); returns email."""
    with runtime.database.transaction() as s:
        stmt = (
            select(Person, Staff)
            .join(Staff, Staff.person_id == Person.id)
            .where(Person.active.is_(True))
        )
        if sourced_id:
            stmt = stmt.where(Person.sourced_id == sourced_id)
        row = s.execute(stmt.order_by(Person.id).limit(1)).first()
        if row is None:
            raise LookupError("no active staff member to give a login to")
        person, staff = row
        staff.password_hash = generate_password_hash(password)
        trail.record(
            s,
            at=runtime.clock.now(),
            actor="cli",
            action="set_password",
            entity="staff",
            entity_id=person.id,
        )
        return person.email or person.sourced_id


def check_login(runtime: Runtime, email: str, password: str) -> int | None:
    """The staff person id for a correct email and password, else None."""
    with runtime.database.transaction() as s:
        row = s.execute(
            select(Person.id, Staff.password_hash)
            .join(Staff, Staff.person_id == Person.id)
            .where(func.lower(Person.email) == email.strip().lower(), Person.active.is_(True))
        ).first()
    if row is None or not row[1] or not check_password_hash(row[1], password):
        return None
    return int(row[0])


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if "staff_id" not in session:
            return redirect(url_for("dashboard.login", next=request.path))
        return view(*args, **kwargs)

    return wrapped


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return str(session["csrf"])


def check_csrf() -> None:
    """Refuse a POST whose form token doesn't match the session's (403)."""
    if request.method != "POST":
        return
    sent = request.form.get("csrf_token", "")
    if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
        abort(403)
