"""The SMS check-in page in a real headless Chromium with (or without) granted geolocation.

The Flask app is served on 127.0.0.1 (a secure context, so the Geolocation API works);
Playwright drives Debian's /usr/bin/chromium (never a downloaded browser).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from db.models import CheckinToken, OutboxMessage, TimeEntry
from tests.test_checkin import link
from tests.test_student_work import SITE, away, onsite, rows

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM),
    reason="Debian chromium is not installed at /usr/bin/chromium (CI installs it)",
)


@pytest.fixture
def served(app: Any) -> Iterator[str]:
    """The app on a real local HTTP server in a thread."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def open_and_tap(browser: Any, url: str, **context: Any) -> str:
    """Open the link on a phone-sized page, tap the button, return the result text."""
    ctx = browser.new_context(viewport={"width": 390, "height": 800}, **context)
    try:
        page = ctx.new_page()
        page.goto(url)
        page.click("#go")
        page.wait_for_selector("#result", timeout=30_000)
        return str(page.inner_text("#result"))
    finally:
        ctx.close()


def test_clock_in_from_the_browser_with_granted_location(chat, make, served, browser):
    student, _, pid = onsite(make)
    lat, lon = away(35)
    text = open_and_tap(
        browser,
        served + link(chat, student),
        geolocation={"latitude": lat, "longitude": lon, "accuracy": 12},
        permissions=["geolocation"],
    )
    assert "Clocked in at Photograph the new holiday menu, 9:00 AM. Location checked." in text
    (entry,) = rows(make, TimeEntry)
    assert entry.placement_id == pid and entry.status == "open"
    assert entry.in_verdict == "verified" and 30 < entry.in_distance_m < 40
    assert abs(entry.in_lat - lat) < 1e-6 and entry.in_accuracy_m == 12
    assert rows(make, CheckinToken)[0].used_at is not None
    sms = rows(make, OutboxMessage, OutboxMessage.person_id == student.id)[-1]
    assert sms.urn.startswith("tel:") and "Clocked in" in sms.text


def test_clock_in_from_the_browser_with_location_denied(chat, make, served, browser):
    student, _, _ = onsite(make)
    text = open_and_tap(browser, served + link(chat, student), permissions=[])
    assert "without a location check" in text
    (entry,) = rows(make, TimeEntry)
    assert entry.in_verdict == "unverified" and entry.flagged and entry.in_lat is None


def test_clock_out_from_the_browser_far_from_the_site(chat, make, served, browser, clock):
    student, _, _ = onsite(make)
    geo = {"latitude": SITE[0], "longitude": SITE[1], "accuracy": 8}
    open_and_tap(
        browser, served + link(chat, student), geolocation=geo, permissions=["geolocation"]
    )
    clock.advance(hours=2)
    far = away(2500)
    text = open_and_tap(
        browser,
        served + link(chat, student, "OUT"),
        geolocation={"latitude": far[0], "longitude": far[1], "accuracy": 20},
        permissions=["geolocation"],
    )
    assert "Clocked out" in text and "2 h" in text and "supervisor will confirm" in text
    (entry,) = rows(make, TimeEntry)
    assert entry.out_verdict == "outside" and entry.status == "pending" and entry.flagged
