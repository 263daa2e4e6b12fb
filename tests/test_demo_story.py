"""The demo on launch day: the sample moved so its term is under way (the most recent
Monday is the term's first), most opportunities open with one deliberately stale check,
and a few applications, placements, hours and an inbox question already in."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from bot.context import Context
from bot.demo import SAMPLE_TERM_MONDAY, load_sample, shift_weeks
from bot.demo_story import tell
from bot.services.vetting import problems_by_opportunity
from db.models import Application, InboxItem, Opportunity, Placement, TimeEntry


@pytest.mark.parametrize(
    "today",
    [date(2026, 11, 30), date(2026, 12, 2), date(2026, 12, 6), date(2027, 3, 1), date(2027, 9, 15)],
)
def test_the_sample_term_began_on_the_most_recent_monday(today):
    first_monday = SAMPLE_TERM_MONDAY + timedelta(weeks=shift_weeks(today))
    assert first_monday.weekday() == 0 and 0 <= (today - first_monday).days < 7


def test_launch_day_has_a_story_to_tell(runtime, database):
    load_sample(runtime)
    first = tell(runtime)
    with database.transaction() as s:
        ctx = Context(s, runtime.settings, runtime.clock.now())
        problems = problems_by_opportunity(s, ctx.today, runtime.settings.policy)
        hidden = {o: p for o, p in problems.items() if p}
        active = s.scalar(select(func.count()).select_from(Opportunity))
        apps = s.scalar(select(func.count()).select_from(Application))
        statuses = sorted(s.scalars(select(Placement.status)))
        flagged = s.scalars(select(TimeEntry).where(TimeEntry.flagged.is_(True))).all()
        inbox = s.scalars(select(InboxItem)).all()
    assert len(hidden) <= 3 < active - len(hidden)  # most opportunities are open
    assert apps == 4 and statuses == ["paperwork", "ready"]
    assert len(flagged) == 1 and flagged[0].status == "pending"
    assert [(i.kind, i.status) for i in inbox] == [("unplaced", "open")]
    assert "4 applications" in first and tell(runtime) == "Demo story: already there."
