"""Outreach is delivered like any non-urgent message: held through quiet hours, at most
the daily cap a day, never to an opted-out number; the campaign page then counts it sent."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.context import Context
from bot.dispatch import dispatch_once
from bot.services import outreach
from db.models import Contact, OutreachCampaign
from tests.support.providers import queue_message


def test_quiet_hours_the_daily_cap_and_opt_outs_apply(provider_runtime, twilio_api, make, clock):
    db = provider_runtime.database
    school = make.school(sourced_id="sch-q")
    make.student(school=school, phone="+15595550161", given_name="Kai", guardians=0)
    capped = make.student(school=school, phone="+15595550162", given_name="Mia", guardians=0)
    stopped = make.student(school=school, phone="+15595550163", given_name="Noah", guardians=0)
    with db.transaction() as s:
        s.scalar(select(Contact).where(Contact.person_id == stopped.id)).opted_out_at = clock.now()
    clock.at = clock.now().replace(hour=6)  # 22:00 in Los Angeles: quiet hours
    for n in range(3):  # Mia already had her three non-urgent messages today (sent below)
        queue_message(db, "tel:+15595550162", f"nudge {n}", at=clock.now(), person_id=capped.id,
                      urgent=False)  # fmt: skip
    with db.transaction() as s:
        ctx = Context(s, provider_runtime.settings, clock.now(), actor="staff:1")
        campaign = outreach.send(ctx, outreach.Audience(school="sch-q"))
        assert (campaign.matched, campaign.queued) == (3, 2)  # Noah opted out
    assert dispatch_once(provider_runtime, clock.now()).sent == 0  # all held: quiet hours
    clock.at = clock.now() + timedelta(hours=10)  # 08:00
    dispatch_once(provider_runtime, clock.now())
    bodies = {(m["To"], m["Body"][:12]) for m in twilio_api.messages}
    assert ("+15595550161", "Hi Kai! Work") in bodies  # the invitation, once quiet hours end
    assert not any(to == "+15595550162" and "Work" in body for to, body in bodies)  # capped
    assert not any(to == "+15595550163" for to, _ in bodies)
    with db.transaction() as s:
        found = outreach.stats(s, s.scalars(select(OutreachCampaign)).one())
    assert found.delivery == {"sent": 1, "pending": 1}
