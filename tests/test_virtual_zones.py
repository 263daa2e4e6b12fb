"""Every time in the reader's own zone, quiet hours the recipient's own, UTC storage and
the late-October weeks when US and UK clocks differ."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.context import Context
from bot.kinds.virtual import rules
from bot.messages import Outbound
from bot.outbox import enqueue, verdict
from db.models import MentorSession
from tests.support.mentors import last_outbox_id, remote_mentor, texts_to

LA, TORONTO, LONDON = (
    ZoneInfo(z) for z in ("America/Los_Angeles", "America/Toronto", "Europe/London")
)
QUIET = (21, 8)


def test_a_time_is_read_in_the_writers_zone_and_stored_in_utc() -> None:
    now = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)  # Tue
    for text in (
        "thu 4pm",
        "jueves 4pm",
        "el jueves a las 4pm",
        "jueves 16:00",
        "2026-12-03 16:00",
    ):
        assert rules.parse_when(text, now, TORONTO) == datetime(2026, 12, 3, 21, tzinfo=UTC), text
    assert rules.parse_when("tomorrow 9:30", now, LONDON) == datetime(
        2026, 12, 2, 9, 30, tzinfo=UTC
    )
    assert rules.parse_when("mañana 9:30", now, LA) == datetime(2026, 12, 2, 17, 30, tzinfo=UTC)
    assert rules.parse_when("banana", now, LA) is None
    meet = rules.parse_meet("thu 4pm 45 https://x.example/r", now, TORONTO)
    assert meet is not None and (meet.minutes, meet.link) == (45, "https://x.example/r")


def test_the_dst_gap_between_uk_and_us_is_kept(make, chat, database, clock) -> None:
    clock.at = datetime(2026, 10, 20, 15, 0, tzinfo=UTC)  # both on summer time
    mentor, _, (leah,) = remote_mentor(make, database, "Europe/London")
    said = chat.texts(mentor, "MEET 2026-10-28 16:00 https://meet.example.org/gap")
    assert "Wed Oct 28, 4:00 PM (London time)" in said[0]  # the UK is back on GMT on Oct 25
    mark = last_outbox_id(database)
    chat.texts(mentor, "YES")
    with database.transaction() as s:
        starts = s.scalars(select(MentorSession.starts_at)).one()
    assert starts == datetime(2026, 10, 28, 16, 0, tzinfo=UTC)
    # the US is still on daylight time until Nov 1: 7 hours apart that week, not 8
    assert "Wed Oct 28, 9:00 AM" in texts_to(database, leah.id, mark)[0]
    chat.texts(mentor, "MOVE 1 2026-11-04 16:00")  # after Nov 1 the usual 8 hours
    assert "Wed Nov 4, 8:00 AM" in texts_to(database, leah.id, mark)[-1]


def test_a_reminder_in_quiet_hours_moves_to_20_the_evening_before() -> None:
    now = datetime(2026, 12, 1, 17, tzinfo=UTC)
    starts = datetime(2026, 12, 4, 16, 30, tzinfo=UTC)  # 8:30 AM in Los Angeles
    times = rules.reminder_times(starts, now, LA, QUIET)
    # a day before is 8:30 AM Thu (fine); an hour before, 7:30 AM, is quiet: 20:00 Thu
    assert [(lead, t.astimezone(LA).strftime("%a %H:%M")) for lead, t in times] == [
        ("day", "Thu 08:30"),
        ("hour", "Thu 20:00"),
    ]
    # the same instant is mid-afternoon in London: no move there
    london = rules.reminder_times(starts, now, LONDON, QUIET)
    assert [t.astimezone(LONDON).strftime("%H:%M") for _, t in london] == ["16:30", "15:30"]


def test_quiet_hours_are_the_recipients_own(make, database, settings, clock) -> None:
    mentor, _, (leah,) = remote_mentor(make, database, "Europe/London")
    at = datetime(2026, 12, 1, 22, 30, tzinfo=UTC)  # 22:30 London, 14:30 Los Angeles
    with database.transaction() as s:
        ctx = Context(s, settings, at)
        to_mentor = enqueue(ctx, Outbound("ping", to=mentor.id, urgent=False))
        to_leah = enqueue(ctx, Outbound("ping", to=leah.id, urgent=False))
        s.flush()
        held = verdict(settings, to_mentor, at, opted_out=False, sent_today=0)
        sent = verdict(settings, to_leah, at, opted_out=False, sent_today=0)
    assert held.action == "hold" and held.until is not None
    assert held.until.astimezone(LONDON).strftime("%Y-%m-%d %H:%M") == "2026-12-02 08:00"
    assert sent.action == "send"
