"""The enterprise's pages: the public work-order form and the one-tap rating in a real
headless Chromium (390 px, CSP enforced, axe clean), the requester told by text or by
mail (a local SMTP server, aiosmtpd), the form's rate limit in the database, and the
facilitator's dashboard (reach, rota, purchases, P&L with its chart and CSV)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from db.models import OutboxMessage, Purchase, Shift, ShiftTake, WorkOrder
from tests.support.enterprise import business, shift
from tests.support.staff import PASSWORD, add_account, csrf, sign_in
from tests.test_checkin_browser import CHROMIUM, browser, served  # noqa: F401
from tests.test_pages_browser import Watched

TOKEN = "cafe-form-token-1234567"
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no /usr/bin/chromium")


def _texts_to(database, urn: str) -> str:  # type: ignore[no-untyped-def]
    with database.transaction() as s:
        return "\n".join(s.scalars(select(OutboxMessage.text).where(OutboxMessage.urn == urn)))


def _on_shift(make, biz) -> Any:  # type: ignore[no-untyped-def]
    """A student holding the shift open now (Tue 09:00-10:00) at `biz`."""
    student = make.student(given_name="Leah")
    placement = make.placement(student, biz.opp)
    now = shift(make, biz, "2026-12-01T09:00", "2026-12-01T10:00")
    make._save(
        ShiftTake(shift_id=now.id, student_id=student.id, placement_id=placement.id,
                  status="taken", taken_at=make.now, updated_at=make.now)
    )  # fmt: skip
    return student


@needs_chromium
def test_a_client_requests_work_and_rates_it_in_a_real_browser(
    browser,  # noqa: F811
    served,  # noqa: F811
    make,
    chat,
    database,
):
    biz = business(make, title="Help Desk", till=False)
    student = _on_shift(make, biz)
    watched = Watched(browser, "phone")
    page = watched.page
    try:
        page.goto(f"{served}/order/{TOKEN}")
        assert "Help Desk" in page.inner_text("h1")
        assert watched.problems() == [] and watched.accessibility() == []
        page.click("button[type=submit]")  # nothing filled in: every field explains itself
        assert page.locator(".error").count() == 3
        assert watched.accessibility() == []
        page.fill("#name", "Ms. Rivera")
        page.fill("#contact", "(559) 555-0123")
        page.fill("#what", "Chromebook screen cracked in room 12")
        page.click("button[type=submit]")
        reference = page.inner_text("#reference")
        assert re.fullmatch(r"WO-[A-Z2-9]{5}", reference)
        assert "text you" in page.inner_text("main")
        assert watched.problems() == [] and watched.accessibility() == []
        assert reference in _texts_to(database, "tel:+15595550123")
        assert reference in chat.texts(student, "JOBS")[0]
        assert reference in chat.texts(student, "CLAIM 1")[0]
        chat.texts(student, "DONE 1 replaced the screen")
        told = _texts_to(database, "tel:+15595550123")
        link = re.search(r"https://wbl\.example\.test(/feedback/\S+)", told)
        assert link and "replaced the screen" in told
        page.goto(served + link.group(1))
        assert reference in page.inner_text("h1")
        assert watched.problems() == [] and watched.accessibility() == []
        page.click("button[aria-label='4 out of 5']")
        assert "4 out of 5" in page.inner_text("#result")
        assert watched.problems() == [] and watched.accessibility() == []
    finally:
        watched.ctx.close()
    with database.transaction() as s:
        row = s.scalar(select(WorkOrder))
    assert (row.status, row.rating, row.note) == ("done", 4, "replaced the screen")


def test_forms_refuse_bad_input_and_the_rate_limit_holds(make, client, database):
    business(make, title="Help Desk", till=False)
    assert client.get("/order/not-a-token").status_code == 404
    assert client.post(f"/order/{TOKEN}", data={"name": "x"}).status_code == 400
    good = {"name": "Ms. Rivera", "contact": "rivera@example.org", "what": "Projector is broken"}
    for _ in range(5):
        assert client.post(f"/order/{TOKEN}", data=good).status_code == 200
    busy = client.post(f"/order/{TOKEN}", data=good)
    assert busy.status_code == 429 and "try again later" in busy.get_data(as_text=True)
    other = client.post(f"/order/{TOKEN}", data=good, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200
    assert client.get("/feedback/nope").status_code == 404
    with database.transaction() as s:
        assert len(list(s.scalars(select(WorkOrder.id)))) == 6
        assert s.scalar(select(OutboxMessage.id)) is None  # no SMTP_URL: no text, no mail


def test_a_requester_by_email_gets_mail_through_smtp_url(make, chat, runtime, database, clock):
    from bot.context import Context
    from bot.kinds.enterprise.service import orders
    from bot.scheduler import run_jobs
    from tests.support.mail_server import mail_server

    with mail_server() as (port, got):
        settings = runtime.settings.with_(
            smtp_url=f"smtp://127.0.0.1:{port}?from=desk@cvusd.example.org"
        )
        runtime = type(runtime)(settings, database, clock)
        biz = business(make, title="Help Desk", till=False)
        student = _on_shift(make, biz)
        with database.transaction() as s:
            ctx = Context(s, settings, clock.now())
            orders.submit(ctx, biz.opp.id, name="Ms. Rivera", phone=None,
                          email="rivera@example.org", description="Projector is broken",
                          language="en", address="10.0.0.1")  # fmt: skip
        run_jobs(runtime, clock.now())
        chat.texts(student, "JOBS")
        chat.texts(student, "CLAIM 1")
        chat.texts(student, "DONE 1 reseated the HDMI cable")
        run_jobs(runtime, clock.now())
    assert [e.rcpt_tos for e in got] == [["rivera@example.org"], ["rivera@example.org"]]
    first, done = (e.content.decode() for e in got)
    assert "Subject: Your request WO-" in first and "From: desk@cvusd.example.org" in first
    assert "reseated the HDMI cable" in done and "/feedback/" in done


def _facilitator(make, database, clock, client, email="amara.chen@example.org") -> Any:  # type: ignore[no-untyped-def]
    person = make.staff(school=make.school(), email=email, given_name="Amara")
    add_account(database, clock, email, roles=("facilitator",))
    assert sign_in(client, email).status_code == 302
    return person


def test_a_facilitator_runs_their_own_enterprise_only(make, database, clock, client):
    me = _facilitator(make, database, clock, client)
    mine = business(make, title="Morning cafe")
    other = business(make, title="Help Desk", till=False, token="desk-form-token-12345678")
    with database.transaction() as s:
        s.get(type(mine.opp), mine.opp.id).facilitator_id = me.id
    assert "Morning cafe" in client.get("/dashboard/enterprise").get_data(as_text=True)
    assert "Help Desk" not in client.get("/dashboard/enterprise").get_data(as_text=True)
    assert client.get(f"/dashboard/enterprise/{other.opp.id}").status_code == 403
    assert client.get("/dashboard/enterprise/99999").status_code == 404
    page = client.get(f"/dashboard/enterprise/{mine.opp.id}")
    assert page.status_code == 200 and f"/order/{TOKEN}" in page.get_data(as_text=True)
    token = csrf(client, f"/dashboard/enterprise/{mine.opp.id}")
    added = client.post(
        f"/dashboard/enterprise/{mine.opp.id}/shifts",
        data={"csrf_token": token, "day": "2026-12-02", "start": "07:15", "end": "08:15",
              "seats": "3", "weeks": "3"},
    )  # fmt: skip
    assert added.status_code == 302
    with database.transaction() as s:
        utc = sorted(x.isoformat() for x in s.scalars(select(Shift.starts_at)))
    assert utc == ["2026-12-02T15:15:00+00:00", "2026-12-09T15:15:00+00:00",
                   "2026-12-16T15:15:00+00:00"]  # fmt: skip
    bad = client.post(f"/dashboard/enterprise/{mine.opp.id}/purchases",
                      data={"csrf_token": token, "on": "someday", "amount": "x"})  # fmt: skip
    assert bad.status_code == 302
    client.post(f"/dashboard/enterprise/{mine.opp.id}/purchases",
                data={"csrf_token": token, "on": "2026-12-01", "amount": "$1,250.5",
                      "memo": "espresso machine"})  # fmt: skip
    with database.transaction() as s:
        assert list(s.scalars(select(Purchase.amount))) == [Decimal("1250.50")]
    assert client.post(f"/dashboard/enterprise/{other.opp.id}/purchases",
                       data={"csrf_token": token, "on": "2026-12-01",
                             "amount": "5"}).status_code == 403  # fmt: skip
    pnl = client.get(f"/dashboard/enterprise/{mine.opp.id}/pnl").get_data(as_text=True)
    assert "<svg" in pnl and "2026-W49" in pnl and "-$1,250.50" in pnl
    csv = client.get(f"/dashboard/enterprise/{mine.opp.id}/pnl?format=csv").get_data(as_text=True)
    assert csv.splitlines() == ["week,sales,purchases,margin,stock_value",
                                "2026-W49,0,1250.50,-1250.50,0.00"]  # fmt: skip


def test_a_coordinator_sees_no_enterprise_page(make, database, clock, client):
    make.staff(school=make.school(), email="ava.patel@example.org")
    add_account(database, clock, "ava.patel@example.org", roles=("coordinator",))
    sign_in(client, "ava.patel@example.org")
    biz = business(make)
    assert client.get(f"/dashboard/enterprise/{biz.opp.id}").status_code == 403


@needs_chromium
def test_the_facilitators_pages_pass_csp_and_axe_at_390px(
    browser,  # noqa: F811
    served,  # noqa: F811
    make,
    database,
    clock,
    chat,
):
    email = "amara.chen@example.org"
    person = make.staff(school=make.school(), email=email, given_name="Amara")
    add_account(database, clock, email, roles=("facilitator", "coordinator"))
    biz = business(make, title="Morning cafe")
    with database.transaction() as s:
        s.get(type(biz.opp), biz.opp.id).facilitator_id = person.id
    student = _on_shift(make, biz)
    chat.texts(student, "SHIFTS")
    watched = Watched(browser, "phone")
    page = watched.page
    try:
        page.goto(served + "/dashboard/login")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", PASSWORD)
        page.click("button")
        page.wait_for_url("**/dashboard/")
        for path in ("/dashboard/enterprise", f"/dashboard/enterprise/{biz.opp.id}",
                     f"/dashboard/enterprise/{biz.opp.id}/pnl",
                     "/dashboard/kinds/enter" + "prise/rota"):  # fmt: skip
            page.goto(served + path)
            assert "Sign in" not in page.title(), path
            assert watched.problems() == [], path
            assert watched.accessibility() == [], path
    finally:
        watched.ctx.close()
