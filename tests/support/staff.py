"""Dashboard accounts and signing in through the real form (CSRF token included)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.dashboard import accounts

PASSWORD = "correct horse battery"


def add_account(
    database, clock, email: str, roles: Iterable[str] = ("coordinator",), password=PASSWORD
) -> int:
    with database.transaction() as s:
        return accounts.add(s, clock.now(), email, set(roles), password=password).account_id


def csrf(client, path: str = "/dashboard/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def sign_in(client, email: str, password: str = PASSWORD, **environ):
    token = csrf(client)
    return client.post(
        "/dashboard/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base=environ,
    )
