"""The console in a real headless Chromium at phone width (390 px), CSP enforced, axe-core
with no serious or critical violation: answering from the inbox with the keyboard and
reviewing a flagged entry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from db.models import InboxItem, Opportunity, OutboxMessage, TimeEntry
from tests.support.pages import pages  # noqa: F401
from tests.support.staff import PASSWORD
from tests.test_checkin_browser import CHROMIUM, browser, served  # noqa: F401
from tests.test_pages_browser import Watched

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian chromium is not installed at /usr/bin/chromium"
)


def serious(watched: Watched) -> list[str]:
    """axe-core violations of impact serious or critical on the page as it is now."""
    watched.page.evaluate(Path(__file__).parent.joinpath("support", "axe.min.js").read_text())
    result = watched.page.evaluate("axe.run(document)")
    return [
        f"{v['id']} ({v['impact']})"
        for v in result["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


def signed_in(browser: Any, served: str, email: str) -> Watched:  # noqa: F811
    watched = Watched(browser, "phone")
    page = watched.page
    page.goto(served + "/dashboard/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button")
    page.wait_for_url("**/dashboard/")
    return watched


def test_answering_a_safety_message_from_the_inbox(browser, served, pages, database):  # noqa: F811
    watched = signed_in(browser, served, pages.email)
    page = watched.page
    try:
        assert "Inbox (1, 1 safety)" in page.inner_text("nav")  # on every page's menu
        page.goto(served + "/dashboard/inbox")
        assert serious(watched) == [] and watched.problems() == []
        assert "makes me feel unsafe" in page.inner_text("table")
        page.click("table a")  # the safety item, pinned first
        page.wait_for_selector("#answer")
        assert serious(watched) == []
        page.focus("#answer")  # by keyboard: type, then Tab to the button and press Enter
        page.keyboard.type("I am calling you in five minutes.")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        page.wait_for_selector(".flash.ok")
        assert "answered" in page.inner_text("main") and watched.problems() == []
    finally:
        watched.ctx.close()
    with database.transaction() as s:
        item = s.scalar(select(InboxItem))
        answer = s.scalar(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(1))
        assert item.status == "answered" and answer.person_id == item.person_id
        assert answer.text.endswith("I am calling you in five minutes.")


def test_reviewing_a_flagged_entry(browser, served, pages, database):  # noqa: F811
    watched = signed_in(browser, served, pages.email)
    page = watched.page
    try:
        page.goto(served + "/dashboard/flags")
        assert serious(watched) == [] and watched.problems() == []
        page.select_option("select[name=decision]", "adjust")
        page.fill("input[name=hours]", "1.25")
        page.fill("input[name=note]", "Clocked in from the parking lot")
        page.click("text=Save review")
        page.wait_for_selector(".flash.ok")
        assert serious(watched) == []
    finally:
        watched.ctx.close()
    with database.transaction() as s:
        entry = s.scalar(select(TimeEntry).where(TimeEntry.flagged.is_(True)))
        assert (entry.status, str(entry.hours)) == ("approved", "1.25")


def _fill_opportunity(page: Any) -> None:
    page.select_option("#kind", "micro")
    page.fill("#title", "Design a poster for the food drive")
    page.fill("#est_hours", "6")
    page.fill("#starts", "2026-12-07")
    page.fill("#due", "2026-12-21")
    page.check("input[name=remote]")


def test_creating_an_opportunity(browser, served, pages, database, make):  # noqa: F811
    employer = make.employer(name="Pixel Forge")
    watched = signed_in(browser, served, pages.email)
    page = watched.page
    try:
        page.goto(served + "/dashboard/opportunities/new")
        assert serious(watched) == [] and watched.problems() == []
        page.select_option("#employer_id", str(employer.id))
        _fill_opportunity(page)
        page.fill("#due", "2026-12-01")  # before the start: refused, the column named
        page.click("text=Save opportunity")
        page.wait_for_selector(".flash.error")
        assert "due date is before the start date" in page.inner_text(".flash.error")
        assert serious(watched) == []
        page.fill("#due", "2026-12-21")
        page.click("text=Save opportunity")
        page.wait_for_url("**/dashboard/partners")
        assert "Design a poster for the food drive" in page.inner_text("main")
    finally:
        watched.ctx.close()


def test_the_employers_proposal_link(browser, served, pages, database, make):  # noqa: F811
    make.employer(name="Pixel Forge", contact_phone="+15595550123")
    watched = signed_in(browser, served, pages.email)
    page = watched.page
    try:
        page.goto(served + "/dashboard/proposals")
        assert serious(watched) == []
        page.select_option("#employer", label="Pixel Forge")
        page.click("text=Send link")
        page.wait_for_selector(".flash.ok")
        link = page.inner_text(".flash.ok").split(": ", 1)[1].strip()
    finally:
        watched.ctx.close()
    employer_side = Watched(browser, "phone")  # the employer: no sign-in, only the link
    page = employer_side.page
    try:
        page.goto(served + link[link.index("/dashboard/") :])
        assert serious(employer_side) == [] and employer_side.problems() == []
        _fill_opportunity(page)
        page.click("text=Send the proposal")
        page.wait_for_selector("text=Thank you")
        assert serious(employer_side) == []
    finally:
        employer_side.ctx.close()
    watched = signed_in(browser, served, pages.email)
    page = watched.page
    try:
        page.goto(served + "/dashboard/proposals")
        page.click("text=Approve into the catalogue")
        page.wait_for_selector(".flash.ok")
    finally:
        watched.ctx.close()
    with database.transaction() as s:
        assert s.scalar(select(Opportunity).where(Opportunity.title.like("Design a poster%")))
