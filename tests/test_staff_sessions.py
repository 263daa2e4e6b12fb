"""Server-side sessions that can be ended (finding 1): sign-out, disable, roster removal,
idle and absolute timeouts; the cookie holds only a random id."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.dashboard import accounts
from db.models import Application, Person, StaffSession, Student, VettingCheck
from tests.support.staff import add_account, csrf, sign_in

EMAIL = "ava.patel@example.org"


@pytest.fixture
def ava(make, database, clock):
    """A roster coordinator with a student whose application is pending."""
    school = make.school()
    person = make.staff(school=school, email=EMAIL)
    add_account(database, clock, EMAIL)
    student = make.student(school=school, guardians=1)
    with database.transaction() as s:
        s.get(Student, student.id).coordinator_id = person.id
    opp = make.opportunity(remote=True)
    with database.transaction() as s:
        row = Application(
            student_id=student.id, opportunity_id=opp.id, status="pending", created_at=clock.now()
        )
        s.add(row)
        s.flush()
        return person, row.id


def _cookie(client) -> str:
    return client.get_cookie("wbl_session", path="/dashboard").value


def _replay(app, cookie: str):
    """A fresh browser that presents an old cookie."""
    other = app.test_client()
    other.set_cookie("wbl_session", cookie, path="/dashboard")
    return other


def _old_cookie_gets_nothing(app, cookie, token, application_id, database, make):
    thief = _replay(app, cookie)
    assert thief.get("/dashboard/").status_code == 302
    assert thief.get("/dashboard/export/placements.csv").status_code == 302
    assert thief.get("/dashboard/partners").status_code == 302
    approve = thief.post(
        f"/dashboard/applications/{application_id}",
        data={"decision": "approve", "csrf_token": token},
    )
    assert approve.status_code in (302, 403)
    assert "login" in approve.headers.get("Location", "login")
    employer = make.employer()
    with database.transaction() as s:
        checks = len(s.scalars(select(VettingCheck.id)).all())
    thief.post(
        "/dashboard/partners/checks",
        data={
            "csrf_token": token,
            "kind": "agreement",
            "subject_id": employer.id,
            "on": "2026-11-01",
        },
    )
    with database.transaction() as s:
        assert s.get(Application, application_id).status == "pending"
        assert len(s.scalars(select(VettingCheck.id)).all()) == checks


def test_a_disabled_coordinators_old_cookie_gets_nothing(app, client, ava, database, clock, make):
    _, application_id = ava
    assert sign_in(client, EMAIL).status_code == 302
    cookie, token = _cookie(client), csrf(client, "/dashboard/applications")
    assert _replay(app, cookie).get("/dashboard/applications").status_code == 200
    with database.transaction() as s:
        assert accounts.disable(s, clock.now(), EMAIL)
    _old_cookie_gets_nothing(app, cookie, token, application_id, database, make)


def test_a_coordinator_removed_from_the_roster_loses_access_at_once(
    app, client, ava, database, make
):
    person, application_id = ava
    assert sign_in(client, EMAIL).status_code == 302
    cookie, token = _cookie(client), csrf(client, "/dashboard/applications")
    with database.transaction() as s:  # what the roster import does to a removed person
        s.get(Person, person.id).active = False
    _old_cookie_gets_nothing(app, cookie, token, application_id, database, make)
    assert sign_in(app.test_client(), EMAIL).status_code == 401


def test_sign_out_ends_the_session_on_the_server(app, client, ava, database, make):
    _, application_id = ava
    assert sign_in(client, EMAIL).status_code == 302
    cookie, token = _cookie(client), csrf(client, "/dashboard/")
    assert client.post("/dashboard/logout", data={"csrf_token": token}).status_code == 302
    assert _cookie(client) != cookie
    _old_cookie_gets_nothing(app, cookie, token, application_id, database, make)


def test_idle_timeout_30_minutes_and_absolute_12_hours(client, ava, clock):
    assert sign_in(client, EMAIL).status_code == 302
    clock.advance(minutes=29)
    assert client.get("/dashboard/").status_code == 200
    clock.advance(minutes=29)  # 29 minutes since the last request
    assert client.get("/dashboard/").status_code == 200
    clock.advance(minutes=30)
    assert client.get("/dashboard/").status_code == 302
    assert sign_in(client, EMAIL).status_code == 302
    for _ in range(11 * 3 + 2):  # busy all day, a request every 20 minutes
        clock.advance(minutes=20)
        assert client.get("/dashboard/").status_code == 200
    clock.advance(minutes=20)  # 12 h after signing in
    assert client.get("/dashboard/").status_code == 302


def test_the_cookie_is_a_random_id_stored_hashed_with_safe_flags(client, ava, database):
    response = sign_in(client, EMAIL)
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/dashboard" in header
    assert "Secure" in header  # the test deployment's PUBLIC_BASE_URL is https
    cookie = _cookie(client)
    assert len(cookie) == 43 and "." not in cookie  # no signed payload, just an id
    with database.transaction() as s:
        rows = s.scalars(select(StaffSession)).all()
    assert [r.token_hash for r in rows if r.ended_at is None] == [accounts.digest(cookie)]
    assert all(cookie not in r.token_hash for r in rows)


def test_no_secure_flag_on_plain_http(app_factory_http, ava):
    client = app_factory_http.test_client()
    assert "Secure" not in sign_in(client, EMAIL).headers["Set-Cookie"]


def test_sign_in_gets_a_new_id(client, ava):
    """A visitor's id (set before sign-in, e.g. planted) is never the signed-in one."""
    csrf(client)
    before = _cookie(client)
    sign_in(client, EMAIL)
    assert _cookie(client) != before


@pytest.fixture
def app_factory_http(runtime):
    from bot.runtime import Runtime
    from webhooks import create_app

    settings = runtime.settings.with_(public_base_url="http://127.0.0.1:5000")
    plain = Runtime(settings, runtime.database, runtime.clock)
    return create_app(runtime=plain)
