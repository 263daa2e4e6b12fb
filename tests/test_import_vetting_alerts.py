"""The vetting sweep: coordinators hear once when a partner's opportunity stops being vetted."""

from __future__ import annotations

from sqlalchemy import select

from bot.context import Context
from bot.jobs import SWEEPS
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


def test_coordinators_are_told_once_per_problem(
    district: District, database, settings, clock
) -> None:
    sent = _run(database, settings, clock)
    staff = {p.id for p in district.staff}
    assert {m.person_id for m in sent} == staff
    assert all(m.category == "coordinator" and not m.urgent for m in sent)
    library = [m.text for m in sent if "Cedar Valley Public Library" in m.text]
    assert len(library) == 3  # one per coordinator, both problems in one text
    assert "insurance expired or missing" in library[0]
    assert "supervisor background check expired" in library[0]
    assert not any("Valley Growers" in m.text for m in sent)  # agcoop is vetted
    assert [m.id for m in _run(database, settings, clock)] == [m.id for m in sent]  # once
    with database.transaction() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "alert:vetting")).all()
        assert {e.entity for e in entries} == {"opportunity"}


def test_alerts_stay_short_sms(district: District, database, settings, clock) -> None:
    from bot.sms_segments import segments

    sent = _run(database, settings, clock)
    assert sent and max(segments(m.text) for m in sent) <= 2


def test_past_due_unplaced_opportunities_are_not_watched(
    district: District, database, settings, clock
) -> None:
    clock.advance(days=40)  # the term is over and no one is placed
    assert _run(database, settings, clock) == []
