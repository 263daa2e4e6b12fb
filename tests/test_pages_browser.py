"""Every page in a real headless Chromium with its content security policy enforced
(never bypassed): no CSP violation, no accessibility violation (axe-core, WCAG 2 A/AA),
at desktop and phone widths; the geolocation check-in still works under the policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from db.models import TimeEntry
from tests.support.pages import pages  # noqa: F401
from tests.test_checkin_browser import CHROMIUM, browser, served  # noqa: F401
from tests.test_student_work import away, rows

AXE = (Path(__file__).parent / "support" / "axe.min.js").read_text()
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(e.violatedDirective + " " + e.blockedURI);
});
"""
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 800}}
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian chromium is not installed at /usr/bin/chromium"
)


class Watched:
    """A browser context whose pages report CSP violations (events and console)."""

    def __init__(self, browser: Any, size: str, **kw: Any) -> None:  # noqa: F811
        self.ctx = browser.new_context(viewport=SIZES[size], **kw)
        self.ctx.add_init_script(WATCH)
        self.console: list[str] = []
        self.page = self.ctx.new_page()
        self.page.on("console", lambda m: self.console.append(m.text))

    def problems(self) -> list[str]:
        found = list(self.page.evaluate("window.__violations || []"))
        found += [m for m in self.console if "Content Security Policy" in m]
        return found

    def accessibility(self) -> list[str]:
        self.page.evaluate(AXE)  # through the DevTools protocol, which CSP does not govern
        result = self.page.evaluate(
            "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})"
        )
        return [f"{v['id']}: {n['html'][:100]}" for v in result["violations"] for n in v["nodes"]]


@pytest.mark.parametrize("size", SIZES)
def test_public_pages_pass_the_csp_and_axe(browser, served, pages, size):  # noqa: F811
    watched = Watched(browser, size)
    try:
        for name, path in pages.public.items():
            watched.page.goto(served + path)
            assert watched.problems() == [], name
            assert watched.accessibility() == [], name
    finally:
        watched.ctx.close()


@pytest.mark.parametrize("size", SIZES)
def test_dashboard_pages_pass_the_csp_and_axe(browser, served, pages, size):  # noqa: F811
    from tests.support.staff import PASSWORD

    watched = Watched(browser, size)
    page = watched.page
    try:
        page.goto(served + "/dashboard/login")
        page.fill("input[name=email]", pages.email)
        page.fill("input[name=password]", PASSWORD)
        page.click("button")
        page.wait_for_url("**/dashboard/")
        for name, path in pages.dashboard.items():
            page.goto(served + path)
            assert "Sign in" not in page.title(), name
            assert watched.problems() == [], name
            assert watched.accessibility() == [], name
        page.goto(served + "/dashboard/")
        page.click("text=Sign out")
        page.wait_for_url("**/dashboard/login")
        assert watched.problems() == []
    finally:
        watched.ctx.close()


def test_the_check_in_works_under_the_policy(browser, served, pages, make):  # noqa: F811
    lat, lon = away(20)
    watched = Watched(
        browser,
        "phone",
        geolocation={"latitude": lat, "longitude": lon, "accuracy": 10},
        permissions=["geolocation"],
    )
    try:
        watched.page.goto(served + pages.public["check-in"])
        watched.page.click("#go")
        watched.page.wait_for_selector("#result", timeout=30_000)
        assert "Clocked in" in watched.page.inner_text("#result")
        assert watched.problems() == []
    finally:
        watched.ctx.close()
    (entry,) = [e for e in rows(make, TimeEntry) if e.flag_reason is None]  # not the pages' own
    assert entry.in_verdict == "verified"
