# ruff: noqa: F811  (pytest fixtures imported from other test modules)
"""The mentor-session dashboard pages in real Chromium, CSP enforced, axe-clean at 390 px
and desktop, with a scheduled session, marked attendance and a pulse answer behind them;
and their content for a coordinator."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from db.models import Person, Student
from tests.support.mentors import remote_mentor, run_jobs_at
from tests.support.pages import pages  # noqa: F401
from tests.test_checkin_browser import CHROMIUM, browser, served  # noqa: F401
from tests.test_pages_browser import SIZES, Watched

PATHS = {
    "sessions": "/dashboard/kinds/virtual/sessions",
    "interns": "/dashboard/kinds/virtual/interns",
}
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no /usr/bin/chromium")


def _with_sessions(make, chat, database, runtime, clock) -> None:
    mentor, _, _ = remote_mentor(make, database, "America/Toronto", names=("Leah", "Sam"))
    chat.texts(mentor, "MEET thu 4pm 30 https://meet.example.org/s")
    chat.texts(mentor, "YES")
    chat.texts(mentor, "MEET 2026-12-10 16:00 30 https://meet.example.org/t")
    chat.texts(mentor, "YES")
    run_jobs_at(runtime, clock.now() + timedelta(days=2, hours=4, minutes=31))
    chat.texts(mentor, "1")


def _caseload(database, email: str) -> None:
    """Every student into the caseload of the staff member with `email`."""
    with database.transaction() as s:
        me = s.scalar(select(Person.id).where(Person.email == email))
        s.execute(update(Student).values(coordinator_id=me))


@pytest.mark.parametrize("size", SIZES)
def test_session_pages_pass_the_csp_and_axe(  # noqa: F811
    browser,
    served,
    pages,
    size,
    make,
    chat,
    database,
    runtime,
    clock,  # noqa: F811
):
    from tests.support.staff import PASSWORD

    _with_sessions(make, chat, database, runtime, clock)
    _caseload(database, pages.email)
    watched = Watched(browser, size)
    page = watched.page
    try:
        page.goto(served + "/dashboard/login")
        page.fill("input[name=email]", pages.email)
        page.fill("input[name=password]", PASSWORD)
        page.click("button")
        page.wait_for_url("**/dashboard/")
        for name, path in PATHS.items():
            page.goto(served + path)
            assert "Sign in" not in page.title(), name
            assert "Maple Ledger" in page.content() or "Intern0" in page.content(), name
            assert watched.problems() == [], name
            assert watched.accessibility() == [], name
    finally:
        watched.ctx.close()


def test_the_pages_show_attendance_pulse_and_risk(make, chat, database, runtime, clock, client):
    from tests.support.staff import add_account, sign_in

    _with_sessions(make, chat, database, runtime, clock)
    make.staff(school=make.school(), email="ava.patel@example.org")
    add_account(database, clock, "ava.patel@example.org", roles=("admin",))
    _caseload(database, "ava.patel@example.org")
    sign_in(client, "ava.patel@example.org")
    sessions = client.get(PATHS["sessions"]).get_data(as_text=True)
    assert sessions.count("Maple Ledger") == 2 and "2026-12-03 13:00" in sessions
    interns = client.get(PATHS["interns"]).get_data(as_text=True)
    assert "Leah Intern0" in interns and "missed 1" in interns  # Sam missed the first session
    assert client.get("/calendar/1-forged.ics").status_code == 404
