"""Parent permission end to end over the real, signed Twilio webhook: the coordinator
approves (student-find's approve()), guardians answer by SMS, TwiML carries the reply."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.context import Context
from bot.outbox import enqueue
from bot.rules.placement import may_clock_in
from db.models import Application, OutboxMessage, Placement
from tests.support.webhook_helpers import Twilio, build_app, channel_settings, twiml_messages
from tests.test_consent_support import (
    agree,
    family,
    guardians,
    opportunity,
    outbox_to,
    placement_of,
    records,
    request_of,
)


@pytest.fixture
def sms(settings, database, clock):
    return Twilio(build_app(channel_settings(settings), database, clock).test_client())


def _approve(database, settings, clock, student, opp) -> int:
    from bot.services.placements import approve

    with database.transaction() as s:
        app = Application(
            student_id=student.id, opportunity_id=opp.id, status="pending", created_at=clock.now()
        )
        s.add(app)
        s.flush()
        ctx = Context(s, settings, clock.now(), actor="staff:1")
        for out in approve(ctx, app.id):
            enqueue(ctx, out)
        return s.scalar(select(Placement.id).where(Placement.application_id == app.id))


def test_yes_over_the_webhook_then_agree_makes_it_startable(sms, database, settings, clock, make):
    student, _c, opp = family(make)
    pid = _approve(database, settings, clock, student, opp)
    [guardian] = guardians(database, student.id)
    code = request_of(database, pid).code
    [request_sms] = outbox_to(database, guardian.id)
    assert f"Reply YES {code}" in request_sms.text and "/slip/" in request_sms.text
    forged = sms.post("/webhooks/twilio/sms", sms.form(guardian.phone, f"YES {code}"), sig="bad")
    assert forged.status_code == 403 and request_of(database, pid).status == "open"
    reply = sms.sms(guardian.phone, f"yes {code}")
    assert reply.status_code == 200
    [text] = twiml_messages(reply)
    assert "Thank you" in text and f"REVOKE {code}" in text
    assert request_of(database, pid).status == "granted"
    grant = records(database, pid)[-1]
    assert grant.provider_message_id.startswith("SM") and grant.from_address.endswith(
        guardian.phone
    )
    notes = [m.text for m in outbox_to(database, student.id)]
    assert any("training agreement" in t for t in notes)
    agree(database, pid, clock)
    from bot.services import paperwork

    with database.transaction() as s:
        p = s.get(Placement, pid)
        paperwork.refresh(Context(s, settings, clock.now()), p, "x", "en")
    p = placement_of(database, pid)
    assert may_clock_in(p.status, p.starts_on, p.due_on, date(2026, 12, 2)) is None


def test_no_over_the_webhook_declines(sms, database, settings, clock, make):
    student, coordinator, opp = family(make)
    pid = _approve(database, settings, clock, student, opp)
    [guardian] = guardians(database, student.id)
    code = request_of(database, pid).code
    [text] = twiml_messages(sms.sms(guardian.phone, f"NO {code}"))
    assert "Understood" in text
    assert placement_of(database, pid).status == "declined"
    assert any("did not give permission" in m.text for m in outbox_to(database, student.id))
    assert any("declined" in m.text for m in outbox_to(database, coordinator.id))


def test_revoke_over_the_webhook_pauses(sms, database, settings, clock, make):
    student, coordinator, opp = family(make)
    pid = _approve(database, settings, clock, student, opp)
    [guardian] = guardians(database, student.id)
    code = request_of(database, pid).code
    agree(database, pid, clock)
    sms.sms(guardian.phone, f"YES {code}")
    assert placement_of(database, pid).status == "ready"
    [text] = twiml_messages(sms.sms(guardian.phone, f"revoke {code}"))
    assert "withdrawn" in text
    p = placement_of(database, pid)
    assert may_clock_in(p.status, p.starts_on, p.due_on, date(2026, 12, 2)) == "paused"
    assert any("paused" in m.text for m in outbox_to(database, coordinator.id))


def test_siblings_list_and_wrong_codes_over_the_webhook(sms, database, settings, clock, make):
    school = make.school()
    make.staff(school=school)
    leah = make.student(school=school, given_name="Leah", guardians=0)
    sam = make.student(school=school, given_name="Sam", guardians=0)
    parent = make.guardian_of(leah, sam)
    p1 = _approve(database, settings, clock, leah, opportunity(make, title="Photograph menu"))
    p2 = _approve(database, settings, clock, sam, opportunity(make, title="Count parts"))
    [listing] = twiml_messages(sms.sms(parent.phone, "Si"))
    assert "1) Leah" in listing and "2) Sam" in listing
    [text] = twiml_messages(sms.sms(parent.phone, "SI 1"))
    assert "Leah" in text and request_of(database, p1).status == "granted"
    assert request_of(database, p2).status == "open"
    [text] = twiml_messages(
        sms.sms(parent.phone, "YES 9999" if request_of(database, p2).code != "9999" else "YES 1000")
    )
    assert "doesn't match" in text
    replies = twiml_messages(sms.sms("+15595550166", f"YES {request_of(database, p2).code}"))
    assert replies and all("Sam" not in r for r in replies)
    assert request_of(database, p2).status == "open"


def test_an_18_year_old_signs_by_sms(sms, database, settings, clock, make):
    student, _c, opp = family(make, birth_date=date(2008, 1, 15))
    pid = _approve(database, settings, clock, student, opp)
    [guardian] = guardians(database, student.id)
    assert outbox_to(database, guardian.id) == []
    code = request_of(database, pid).code
    texts = twiml_messages(sms.sms(student.phone, f"YES {code}"))
    assert any("signature" in t for t in texts)
    assert request_of(database, pid).status == "granted"


def test_request_segments_are_reported(database, settings, clock, make):
    """Print the request's segment count in both languages (the README quotes them)."""
    from bot.sms_segments import encoding, segments

    student, _c, _o = family(make, guardians=0)
    en = make.guardian_of(student, language="en")
    es = make.guardian_of(student, language="es")
    _approve(database, settings, clock, student, opportunity(make))
    with database.transaction() as s:
        for g in (en, es):
            body = s.scalar(select(OutboxMessage.text).where(OutboxMessage.person_id == g.id))
            print(f"\n{g.language}: {len(body)} chars, {encoding(body)}, {segments(body)} segments")
            assert segments(body) == 2
