"""`wbl staff add / disable / reset` and the set-password page (finding 11)."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from bot.cli import main
from db.models import AuditEntry, PasswordLink, StaffAccount, StaffSession
from tests.support.staff import csrf, sign_in

EMAIL = "ava.patel@example.org"


@pytest.fixture
def wbl(database, monkeypatch, capsys):
    """Run `wbl ...` against the test database; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("DATABASE_URL", database.url)
    monkeypatch.setenv("SECRET_KEY", "test-secret-key")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://wbl.example.test")

    def run(*args: str, stdin: str | None = None):
        if stdin is not None:
            monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def _link_path(out: str) -> str:
    url = re.search(r"^set-password: (\S+)$", out, re.M).group(1)
    assert url.startswith("https://wbl.example.test/dashboard/password/")
    return url.removeprefix("https://wbl.example.test")


def _set(client, path: str, password: str):
    token = csrf(client, path)
    return client.post(path, data={"password": password, "confirm": password, "csrf_token": token})


def test_add_prints_a_one_time_link_that_sets_the_password(wbl, client, make, database, caplog):
    person = make.staff(email="Ava.Patel@Example.org")
    code, out, _ = wbl("staff", "add", EMAIL, "--role", "coordinator", "--role", "admin")
    assert code == 0 and "created ava.patel@example.org" in out
    path = _link_path(out)
    token = path.rsplit("/", 1)[1]
    with database.transaction() as s:
        account = s.scalar(select(StaffAccount))
        assert account.role_set == {"admin", "coordinator"} and account.person_id == person.id
        assert account.password_hash is None and account.name == "Ava Rivera"
        assert token not in str(s.scalars(select(PasswordLink.token_hash)).all())
    assert token not in caplog.text
    assert sign_in(client, EMAIL, "not set yet!").status_code == 401
    assert _set(client, path, "a long new password").status_code == 200
    assert sign_in(client, EMAIL, "a long new password").status_code == 302
    # one-time: the same link is dead now
    assert client.get(path).status_code == 404
    assert _set(client, path, "another password!").status_code == 404


def test_link_expires_after_72_hours(client, database, clock):
    from bot.dashboard import accounts

    with database.transaction() as s:
        token = accounts.add(s, clock.now(), "kim@example.org", {"facilitator"}).link_token
    path = f"/dashboard/password/{token}"
    clock.advance(hours=71)
    assert client.get(path).status_code == 200
    clock.advance(hours=1, seconds=1)
    assert client.get(path).status_code == 404
    assert client.get("/dashboard/password/not-a-token").status_code == 404


def test_password_on_stdin_and_update_keeps_one_account(wbl, client, database):
    code, out, _ = wbl(
        "staff", "add", EMAIL, "--role", "coordinator", "--password-stdin", stdin="a long secret\n"
    )
    assert code == 0 and "set-password" not in out
    assert sign_in(client, EMAIL, "a long secret").status_code == 302
    code, out, _ = wbl("staff", "add", EMAIL.upper(), "--role", "admin", "--name", "Ava P.")
    assert code == 0 and "updated" in out and "set-password: " in out
    with database.transaction() as s:
        (account,) = s.scalars(select(StaffAccount)).all()
        assert account.role_set == {"admin"} and account.name == "Ava P."
        actions = s.scalars(select(AuditEntry.action)).all()
    assert {"staff_added", "staff_updated", "password_set"} <= set(actions)


def test_bad_input_is_refused_politely(wbl):
    assert wbl("staff", "add", "not-an-email", "--role", "admin")[0] == 2
    code, _, err = wbl(
        "staff", "add", EMAIL, "--role", "admin", "--password-stdin", stdin="short\n"
    )
    assert code == 2 and "at least 10" in err
    with pytest.raises(SystemExit):
        wbl("staff", "add", EMAIL, "--role", "janitor")
    assert wbl("staff", "disable", "nobody@example.org")[0] == 1
    assert wbl("staff", "reset", "nobody@example.org")[0] == 1


def test_disable_ends_sessions_and_reset_sends_a_new_link(wbl, client, app, database, clock):
    wbl("staff", "add", EMAIL, "--role", "coordinator", "--password-stdin", stdin="a long secret\n")
    assert sign_in(client, EMAIL, "a long secret").status_code == 302
    assert client.get("/dashboard/").status_code == 200
    code, out, _ = wbl("staff", "disable", EMAIL)
    assert code == 0 and "disabled" in out
    assert client.get("/dashboard/").status_code == 302  # the open session is gone
    assert sign_in(client, EMAIL, "a long secret").status_code == 401
    with database.transaction() as s:
        assert s.scalars(select(StaffSession.ended_at)).all() != [None]
    assert wbl("staff", "reset", EMAIL)[0] == 1  # a disabled account gets no link
    code, out, _ = wbl("staff", "add", EMAIL, "--role", "coordinator")  # re-enabled
    path = _link_path(out)
    code, out2, _ = wbl("staff", "reset", EMAIL)
    assert code == 0 and client.get(path).status_code == 404  # the newer link replaces it
    assert _set(client, _link_path(out2), "a brand new secret").status_code == 200
    assert sign_in(client, EMAIL, "a brand new secret").status_code == 302


def test_a_password_change_ends_every_open_session(wbl, app, database, clock):
    wbl("staff", "add", EMAIL, "--role", "coordinator", "--password-stdin", stdin="a long secret\n")
    phone, laptop = app.test_client(), app.test_client()
    for c in (phone, laptop):
        assert sign_in(c, EMAIL, "a long secret").status_code == 302
    _, out, _ = wbl("staff", "reset", EMAIL)
    assert phone.get("/dashboard/").status_code == 200  # a link alone changes nothing
    clock.advance(minutes=1)
    assert _set(laptop, _link_path(out), "the next secret!").status_code == 200
    assert phone.get("/dashboard/").status_code == 302
    assert laptop.get("/dashboard/").status_code == 302
