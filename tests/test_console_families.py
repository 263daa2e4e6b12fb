"""Families: a parent's YES comes back with the link to its receipt, in the parent's
language, and the slip and the receipt read well on a 390-px phone in English and Spanish
(no sideways scrolling, no serious accessibility problem)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.services.consent_docs import slip_token
from db.models import GuardianLink, Person
from tests.support.webhook_helpers import Twilio, build_app, channel_settings, twiml_messages
from tests.test_checkin_browser import CHROMIUM, browser, served  # noqa: F401
from tests.test_consent_support import approve, family, request_of
from tests.test_console_browser import serious
from tests.test_pages_browser import Watched


@pytest.fixture
def asked(make, database, settings, clock):
    """A Spanish-speaking guardian asked for permission; (guardian, request)."""
    student, _, opp = family(make)
    with database.transaction() as s:
        guardian_id = s.scalar(select(GuardianLink.guardian_id))
        guardian = s.get(Person, guardian_id)
        guardian.language = "es"
        s.flush()
        s.expunge(guardian)
    pid = approve(database, settings, clock, student, opp)
    return guardian, request_of(database, pid)


def test_yes_comes_back_with_the_receipt_link_in_the_parents_language(
    asked, settings, database, clock
):
    guardian, request = asked
    app = build_app(channel_settings(settings), database, clock)
    [reply] = twiml_messages(Twilio(app.test_client()).sms(guardian.phone, f"SI {request.code}"))
    found = re.search(r"Su comprobante: (\S+)", reply)
    assert found, reply
    path = found.group(1).removeprefix(settings.public_base_url)
    page = app.test_client().get(path)
    assert page.status_code == 200 and "Comprobante" in page.get_data(as_text=True)
    assert app.test_client().get(path[:-2] + "xx").status_code == 404  # a forged signature


pytestmark_browser = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian chromium is not installed at /usr/bin/chromium"
)


@pytestmark_browser
@pytest.mark.parametrize("lang", ["en", "es"])
def test_slip_and_receipt_fit_a_phone(browser, served, asked, settings, database, clock, lang):  # noqa: F811
    guardian, request = asked
    with database.transaction() as s:
        s.get(Person, guardian.id).language = lang
    app = build_app(channel_settings(settings), database, clock)
    [reply] = twiml_messages(Twilio(app.test_client()).sms(guardian.phone, f"YES {request.code}"))
    receipt = re.search(r"(/consent/\S+)", reply).group(1)
    watched = Watched(browser, "phone")
    try:
        for path in (f"/slip/{slip_token(settings, request.id, lang)}", receipt):
            watched.page.goto(served + path)
            width = watched.page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{path}: {width} px wide"
            assert watched.page.evaluate("document.documentElement.lang") == lang
            assert serious(watched) == [] and watched.problems() == []
    finally:
        watched.ctx.close()
