"""The vetting sweep: coordinators hear once when a partner's opportunity stops being vetted."""

from __future__ import annotations

from sqlalchemy import select

from bot.context import Context
from bot.jobs import SWEEPS
from bot.policy import Policy
from bot.services import vetting_alerts  # noqa: F401  (registers the sweep)
from db.models import AuditEntry, OutboxMessage
from db.session import Database
from tests.support.district import District


def _run(database: Database, settings, clock) -> list[OutboxMessage]:
    with database.transaction() as s:
        SWEEPS["vetting.expiry"](Context(s, settings, clock.now()))
    with database.transaction() as s:
        rows = list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        s.expunge_all()
    return rows


def test_coordinators_are_told_once_in_one_message(
    district: District, database, settings, clock
) -> None:
    from datetime import timedelta

    from bot.services.vetting import problems_by_opportunity
    from db.models import VettingCheck

    sent = _run(database, settings, clock)
    staff = {p.id for p in district.staff}
    assert sorted(m.person_id for m in sent) == sorted(staff)  # one message each, batched
    assert all(m.category == "coordinator" and not m.urgent for m in sent)
    with database.transaction() as s:
        hidden = sum(
            1 for v in problems_by_opportunity(s, clock.now().date(), Policy()).values() if v
        )
    assert all(f"{hidden} opportunities are now hidden" in m.text for m in sent)
    assert [m.id for m in _run(database, settings, clock)] == [m.id for m in sent]  # once
    agcoop_opp, agcoop = district.opportunity("opp-3").id, district.employer("agcoop").id
    with database.transaction() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "alert:vetting")).all()
        assert {e.entity for e in entries} == {"opportunity"}
        assert not any(e.entity_id == str(agcoop_opp) for e in entries)
        # Valley Growers' certificate turns out to have lapsed yesterday
        s.add(
            VettingCheck(
                kind="insurance",
                employer_id=agcoop,
                expires_on=clock.now().date() - timedelta(days=1),
                source="test",
                recorded_at=clock.now(),
            )
        )
    news = [m for m in _run(database, settings, clock) if m.id not in {x.id for x in sent}]
    assert len(news) == len(staff)
    assert all(
        "Valley Growers" in m.text and "insurance expired or missing" in m.text for m in news
    )


def test_alerts_stay_short_sms(district: District, database, settings, clock) -> None:
    from bot.sms_segments import segments

    sent = _run(database, settings, clock)
    assert sent and max(segments(m.text) for m in sent) <= 2


def test_past_due_unplaced_opportunities_are_not_watched(
    district: District, database, settings, clock
) -> None:
    clock.advance(days=40)  # the term is over and no one is placed
    assert _run(database, settings, clock) == []
