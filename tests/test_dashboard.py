"""The coordinator dashboard: sign-in, CSRF, caseload pages, decisions through the services."""

from __future__ import annotations

import re

import pytest

from bot.dashboard.auth import set_password


@pytest.fixture
def coordinator(make, runtime):
    school = make.school()
    staff = make.staff(school=school, email="ava.patel@example.org")
    set_password(runtime, staff.sourced_id, "correct horse")
    return staff, school


def _csrf(client, path="/dashboard/login"):
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def login(client, email="ava.patel@example.org", password="correct horse"):
    token = _csrf(client)
    return client.post(
        "/dashboard/login", data={"email": email, "password": password, "csrf_token": token}
    )


def test_pages_need_a_login(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302 and "/dashboard/login" in response.headers["Location"]


def test_wrong_password_is_refused(client, coordinator):
    assert login(client, password="nope").status_code == 401


def test_post_without_csrf_token_is_refused(client, coordinator):
    response = client.post(
        "/dashboard/login", data={"email": "ava.patel@example.org", "password": "correct horse"}
    )
    assert response.status_code == 403


def test_coordinator_sees_overview_and_partners(client, coordinator, make):
    make.opportunity(title="Photograph the new holiday menu")
    expired = make.employer(name="Old Library", insurance_expires=None)
    make.opportunity(expired, title="Shelve returned books")
    assert login(client).status_code == 302
    assert "my caseload" in client.get("/dashboard/").get_data(as_text=True)
    partners = client.get("/dashboard/partners").get_data(as_text=True)
    assert "Photograph the new holiday menu" in partners
    assert "missing or expired: insurance" in partners
