"""The facilitator's books in a real headless Chromium at 390 px, with the content
security policy enforced: no CSP violation, no serious or critical axe violation (WCAG 2
A/AA) on the firms list, one firm's books (chart, P&L, journal, forms) and the trial
balance; a loan made through the form shows in the balance."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.economy import balances
from tests.support.staff import PASSWORD, add_account
from tests.test_checkin_browser import CHROMIUM, browser, served  # noqa: F401
from tests.test_pages_browser import AXE, Watched

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no /usr/bin/chromium")
AVA = "ava.patel@example.org"


def serious(watched: Watched) -> list[str]:
    watched.page.evaluate(AXE)
    result = watched.page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})"
    )
    return [
        f"{v['id']} ({v['impact']}): {n['html'][:100]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
        for n in v["nodes"]
    ]


def test_the_books_on_a_phone(browser, served, economy, chat, database, clock) -> None:  # noqa: F811
    chat.texts(economy.rbt[0], "PAY CVO 150 posters")
    chat.texts(economy.cvo[0], "INVOICE RBT 75 catalog")
    chat.texts(economy.rbt[0], "DISPUTE 1 wrong amount")
    chat.texts(economy.cvo[0], "LOG 2 priced the catalog")
    add_account(database, clock, AVA, roles=("facilitator",))
    watched = Watched(browser, "phone")
    page = watched.page
    try:
        page.goto(served + "/dashboard/login")
        page.fill("input[name=email]", AVA)
        page.fill("input[name=password]", PASSWORD)
        page.click("button")
        page.wait_for_url("**/dashboard/")
        page.click("text=Firms")
        page.wait_for_url("**/dashboard/firms")
        for path in ("/dashboard/firms", "/dashboard/firms/CVO", "/dashboard/firms/economy"):
            page.goto(served + path)
            assert watched.problems() == [], path
            assert serious(watched) == [], path
        page.goto(served + "/dashboard/firms/CVO")
        assert page.locator("svg polyline").count() == 1
        page.fill("input[name=amount]", "250")
        page.click("text=Move to CVO")
        page.wait_for_selector("text=Done.")
        assert "$5,400.00" in page.inner_text("main")
        assert watched.problems() == []
    finally:
        watched.ctx.close()
    assert balances(database)["CVO"] == 540_000
