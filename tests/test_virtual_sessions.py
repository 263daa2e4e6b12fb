"""Mentor sessions end to end through the real engine: MEET read in the mentor's own zone
and repeated back, YES invites the interns (each in their own zone), MOVE n / CANCEL n,
reminders a day and an hour before, attendance to approved hours, feedback, the chase."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from bot.services.hour_totals import hours_totals
from db.models import MentorSession, Reminder, SessionInvite, TimeEntry
from tests.support.mentors import last_outbox_id, remote_mentor, run_jobs_at, texts_to


def test_toronto_mentor_and_la_intern_see_one_session_in_their_own_zones(make, chat, database):
    mentor, _, (leah,) = remote_mentor(make, database, "America/Toronto")
    (said,) = chat.texts(mentor, "MEET thu 4pm 45")
    assert "Thu Dec 3, 4:00 PM (Toronto time)" in said and "45 min" in said and "Leah" in said
    assert "link" in said.lower()  # no VIDEO_ROOM_BASE_URL: asked for one
    said = chat.texts(mentor, "https://meet.example.org/maple-sprint")
    assert "YES" in said[0] and "Thu Dec 3, 4:00 PM (Toronto time)" in said[0]
    with database.transaction() as s:
        assert s.scalars(select(MentorSession)).all() == []  # nothing before YES
    mark = last_outbox_id(database)
    said = chat.texts(mentor, "YES")
    assert "Invited: Leah Intern0" in said[0]
    (invitation,) = texts_to(database, leah.id, mark)
    assert "Thu Dec 3, 1:00 PM" in invitation and "time)" not in invitation  # the district's zone
    assert "https://meet.example.org/maple-sprint" in invitation and "/calendar/" in invitation
    with database.transaction() as s:
        row = s.scalars(select(MentorSession)).one()
        assert row.starts_at.isoformat() == "2026-12-03T21:00:00+00:00" and row.minutes == 45


def test_a_corrected_time_is_repeated_back_and_no_sends_nothing(make, chat, database):
    mentor, _, _ = remote_mentor(make, database, "Europe/London")
    chat.texts(mentor, "MEET tomorrow 9:30 https://meet.example.org/x")
    (again,) = chat.texts(mentor, "el jueves a las 4pm")
    assert "Thu Dec 3, 4:00 PM (London time)" in again
    assert "nothing was sent" in chat.texts(mentor, "NO")[0]
    with database.transaction() as s:
        assert s.scalars(select(MentorSession)).all() == []


def test_a_video_room_is_made_when_the_link_is_blank(make, chat, database, engine, settings):
    from dataclasses import replace

    engine.settings = replace(settings, video_room_base_url="https://meet.jit.si/")
    mentor, _, (leah,) = remote_mentor(make, database, None)
    (said,) = chat.texts(mentor, "MEET 2026-12-03 16:00")
    assert "https://meet.jit.si/wbl-" in said and "Thu Dec 3, 4:00 PM" in said
    chat.texts(mentor, "YES")
    with database.transaction() as s:
        url = s.scalars(select(MentorSession.join_url)).one()
    assert len(url.removeprefix("https://meet.jit.si/wbl-")) == 16  # 96 random bits
    assert url in texts_to(database, leah.id)[-1]


def _scheduled(make, chat, database, zone="America/Toronto", names=("Leah", "Sam", "Ana")):
    mentor, opp, interns = remote_mentor(make, database, zone, names=names)
    chat.texts(mentor, "MEET thu 4pm 30 https://meet.example.org/s")
    chat.texts(mentor, "YES")
    return mentor, opp, interns


def test_move_and_cancel_tell_the_interns_and_bare_cancel_stays_an_opt_out(make, chat, database):
    mentor, _, (leah, *_rest) = _scheduled(make, chat, database)
    listing = chat.texts(mentor, "MEET")[0]
    assert "1. Thu Dec 3, 4:00 PM (Toronto time)" in listing
    mark = last_outbox_id(database)
    said = chat.texts(mentor, "MOVE 1 fri 11am")
    assert "Fri Dec 4, 11:00 AM (Toronto time)" in said[0]
    assert "Fri Dec 4, 8:00 AM" in texts_to(database, leah.id, mark)[0]
    assert "no session 2" in chat.texts(mentor, "CANCEL 2")[0].lower()
    mark = last_outbox_id(database)
    assert "Cancelled session 1" in chat.texts(mentor, "CANCEL 1")[0]
    assert "cancelled" in texts_to(database, leah.id, mark)[0]
    with database.transaction() as s:
        assert s.scalars(select(MentorSession.status)).one() == "cancelled"
        pending = s.scalars(select(Reminder).where(Reminder.status == "pending")).all()
        assert not [r for r in pending if r.kind.endswith(("remind", "attend"))]
    assert "unsubscribed" in " ".join(chat.texts(mentor, "CANCEL")).lower()


def test_reminders_a_day_and_an_hour_before_in_each_readers_zone(
    make, chat, database, runtime, clock
):
    mentor, _, (leah, *_rest) = _scheduled(make, chat, database)
    mark = last_outbox_id(database)
    # Thu 21:00 UTC session: a day before (Wed 13:00 LA) and an hour before (Thu 12:00 LA)
    run_jobs_at(runtime, clock.now() + timedelta(days=1, hours=4, minutes=1))
    (day,) = texts_to(database, leah.id, mark)
    assert "tomorrow" in day and "Thu Dec 3, 1:00 PM" in day and "meet.example.org/s" in day
    assert "Thu Dec 3, 4:00 PM (Toronto time)" in texts_to(database, mentor.id, mark)[-1]
    mark = last_outbox_id(database)
    run_jobs_at(runtime, clock.now() + timedelta(days=2, hours=3, minutes=1))
    assert "in an hour" in texts_to(database, leah.id, mark)[0]


def test_attendance_by_numbers_becomes_approved_hours_then_feedback(
    make, chat, database, runtime, clock
):
    mentor, _, (leah, sam, ana) = _scheduled(make, chat, database)
    mark = last_outbox_id(database)
    run_jobs_at(runtime, clock.now() + timedelta(days=2, hours=4, minutes=31))  # it ended
    ask = texts_to(database, mentor.id, mark)[-1]
    assert "1. Leah Intern0" in ask and "3. Ana Intern2" in ask and "ALL" in ask
    assert "1 to 3" in chat.texts(mentor, "1 7")[0]
    said = chat.texts(mentor, "1 3")
    assert "2/3" in said[0] and "Leah Intern0" in said[0]
    with database.transaction() as s:
        invites = {i.student_id: i for i in s.scalars(select(SessionInvite))}
        assert [invites[p.id].attended for p in (leah, sam, ana)] == [True, False, True]
        entry = s.get(TimeEntry, invites[leah.id].entry_id)
        assert entry.status == "approved" and entry.hours == Decimal("0.50")
        assert hours_totals(s, entry.placement_id).approved == Decimal("0.50")
        assert invites[sam.id].entry_id is None
    mark = last_outbox_id(database)
    said = chat.texts(mentor, "5 Great questions")
    assert "Ana Intern2" in said[0]
    assert (
        "5/5" in texts_to(database, leah.id, mark)[0]
        and "Great questions" in texts_to(database, leah.id, mark)[0]
    )
    assert "Thank you" in chat.texts(mentor, "SKIP")[0]
    with database.transaction() as s:
        assert s.get(SessionInvite, invites[leah.id].id).rating == 5


def test_unmarked_attendance_is_asked_again_then_the_coordinator_is_told(
    make, chat, database, runtime, clock
):
    mentor, _, _ = _scheduled(make, chat, database, names=("Leah",))
    end = clock.now() + timedelta(days=2, hours=4, minutes=31)
    run_jobs_at(runtime, end)
    mark = last_outbox_id(database)
    run_jobs_at(runtime, end + timedelta(hours=24))
    assert "Who joined" in texts_to(database, mentor.id, mark)[-1]
    run_jobs_at(runtime, end + timedelta(hours=48))
    from db.models import Person

    with database.transaction() as s:
        coordinator = s.scalars(select(Person).where(Person.kind == "staff")).first()
    assert "not marked attendance" in texts_to(database, coordinator.id, mark)[-1]


def test_an_intern_placed_later_is_invited_and_six_digits_stay_a_rating(
    make, chat, database, runtime, clock
):
    mentor, opp, _ = _scheduled(make, chat, database, names=("Leah",))
    late = make.student(given_name="Noor", guardians=0)
    make.placement(late, opp)
    run_jobs_at(runtime, clock.now())
    (invitation,) = texts_to(database, late.id)
    assert "Thu Dec 3, 1:00 PM" in invitation
    run_jobs_at(runtime, clock.now())  # only once
    assert len(texts_to(database, late.id)) == 1
    run_jobs_at(runtime, clock.now() + timedelta(days=2, hours=4, minutes=31))
    said = chat.texts(mentor, "545434")  # not an attendance answer: the ratings' own reply
    assert "1 to 2" not in " ".join(said)


def test_the_unmarked_attendance_alert_speaks_the_coordinators_language(
    make, chat, database, runtime, clock
):
    from db.models import Person

    _scheduled(make, chat, database, names=("Leah",))
    with database.transaction() as s:
        coordinator = s.scalars(select(Person).where(Person.kind == "staff")).first()
        coordinator.language = "es"
        coordinator_id = coordinator.id
    end = clock.now() + timedelta(days=2, hours=4, minutes=31)
    mark = last_outbox_id(database)
    for hours in (0, 24, 48):
        run_jobs_at(runtime, end + timedelta(hours=hours))
    (alert,) = texts_to(database, coordinator_id, mark)
    assert "no ha marcado la asistencia a la sesión de seguimiento" in alert, alert
