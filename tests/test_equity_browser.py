"""The equity view, reports, a student's record and outreach in headless Debian Chromium
under the real CSP, at 390 px and desktop: no CSP violation, no axe-core violation; a
report downloads; outreach previews and sends from the page."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from db.models import OutboxMessage, OutreachCampaign
from tests.support.equity_district import AVA, equity  # noqa: F401
from tests.support.staff import PASSWORD
from tests.test_checkin_browser import CHROMIUM, browser, served  # noqa: F401
from tests.test_pages_browser import SIZES, Watched

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian chromium is not installed at /usr/bin/chromium"
)


def signed_in(browser, served, size: str) -> Watched:  # noqa: F811
    watched = Watched(browser, size, accept_downloads=True)
    page = watched.page
    page.goto(served + "/dashboard/login")
    page.fill("input[name=email]", AVA)
    page.fill("input[name=password]", PASSWORD)
    page.click("button")
    page.wait_for_url("**/dashboard/")
    return watched


@pytest.mark.parametrize("size", SIZES)
def test_equity_pages_pass_the_csp_and_axe(browser, served, equity, size):  # noqa: F811
    watched = signed_in(browser, served, size)
    record = f"/dashboard/students/{equity.students['stu-4'].id}/record"
    try:
        for path in ("/dashboard/equity", "/dashboard/reports", "/dashboard/outreach?grade=12",
                     record):  # fmt: skip
            watched.page.goto(served + path)
            assert "Sign in" not in watched.page.title(), path
            assert watched.problems() == [], path
            assert watched.accessibility() == [], path
        # the charts are drawn: one coverage chart per field, the weeks, reachability
        watched.page.goto(served + "/dashboard/equity")
        assert watched.page.locator("svg.chart").count() == 5 + 2
        assert watched.page.locator("svg.chart rect.bar").count() > 10
        # wider than the phone? nothing scrolls sideways
        width = watched.page.evaluate("document.documentElement.scrollWidth")
        wide = watched.page.evaluate(
            "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
            " > innerWidth + 1).slice(0, 5).map(e => e.tagName + '.' + e.className)"
        )
        assert width <= SIZES[size]["width"], wide
    finally:
        watched.ctx.close()


def test_a_report_downloads_from_the_page(browser, served, equity):  # noqa: F811
    watched = signed_in(browser, served, "phone")
    page = watched.page
    try:
        page.goto(served + "/dashboard/reports")
        page.select_option("#by", "grade")
        with page.expect_download() as got:
            page.click("text=Download coverage CSV")
        body = Path(got.value.path()).read_text()
        assert list(csv.reader(io.StringIO(body)))[-1] == ["12", "3", "2", "66.7"]
        page.fill("#from", "2026-11-30")
        with page.expect_download() as got:
            page.click("text=Download hours CSV")
        rows = list(csv.DictReader(io.StringIO(Path(got.value.path()).read_text())))
        assert [r["student_sourced_id"] for r in rows] == ["stu-4"]
        assert watched.problems() == []
    finally:
        watched.ctx.close()


def test_outreach_preview_and_send_from_the_equity_view(browser, served, equity, database):  # noqa: F811
    watched = signed_in(browser, served, "phone")
    page = watched.page
    try:
        page.goto(served + "/dashboard/equity")
        page.click("text=Invite these 1 seniors to reply FIND")
        assert "1 student with no experience match" in page.inner_text("#count")
        assert "Reply FIND" in page.inner_text("main")
        page.click("#send")
        page.wait_for_selector(".flash.ok")
        assert "Queued 1 of 1" in page.inner_text(".flash.ok")
        assert "pending 1" in page.inner_text("main")
        assert watched.problems() == [] and watched.accessibility() == []
    finally:
        watched.ctx.close()
    with database.transaction() as s:
        assert s.scalar(select(OutreachCampaign.queued)) == 1
        (row,) = s.scalars(select(OutboxMessage)).all()
        assert row.person_id == equity.students["stu-2"].id and not row.urgent
