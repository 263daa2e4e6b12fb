"""sessions.csv (upserts, zones, DST-safe UTC), the interns' invitations on the next worker
pass, and the personal .ics feed: served by a private link, parsed back by icalendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from icalendar import Calendar
from sqlalchemy import select

from bot.importers.partners import import_partners
from bot.kinds.virtual import rules
from db.models import MentorSession, SessionInvite
from tests.support.district import copy_sample, edit_row
from tests.support.mentors import remote_mentor, run_jobs_at, texts_to
from tests.support.zone import DISTRICT


def _sessions(database) -> dict[str, MentorSession]:
    with database.transaction() as s:
        rows = s.scalars(select(MentorSession)).all()
        for r in rows:
            s.expunge(r)
    return {r.code: r for r in rows}


def test_sample_sessions_are_stored_in_utc_from_each_mentors_zone(district, database) -> None:
    assert district.partners.counts["sessions"]["created"] == 7
    rows = _sessions(database)
    assert rows["ses-1"].starts_at == datetime(2026, 12, 1, 21, 30, tzinfo=UTC)  # Toronto 16:30
    assert rows["ses-4"].starts_at == datetime(2026, 12, 2, 23, 0, tzinfo=UTC)  # Vancouver 15:00
    assert rows["ses-6"].starts_at == datetime(2026, 12, 4, 0, 0, tzinfo=UTC)  # explicit -08:00
    assert {r.status for r in rows.values()} == {"new"}


def test_reimport_updates_moves_cancels_and_reports_bad_rows(
    district, database, clock, tmp_path: Path
):
    folder = copy_sample(tmp_path / "p")
    edit_row(folder, "sessions.csv", "ses-2", starts="2026-12-09T10:00")
    edit_row(folder, "sessions.csv", "ses-3", minutes="0")
    with (folder / "sessions.csv").open("a") as f:
        f.write(
            "ses-9,opp-1,briefing,2026-12-09T10:00,30,\nses-10,opp-8,party,2026-12-09T10:00,30,\n"
        )
    report = import_partners(database, folder, now=clock.now(), tz=DISTRICT)
    counts = report.counts["sessions"]
    assert (counts["updated"], counts["cancelled"], counts["unchanged"]) == (1, 1, 5)
    bad = {(p.line, p.column) for p in report.problems if p.file == "sessions.csv"}
    assert bad == {(9, "opportunity_id"), (10, "kind")}


def _invited_session(make, chat, database):
    mentor, _, (leah,) = remote_mentor(make, database, "America/Toronto")
    chat.texts(mentor, "MEET thu 4pm 30 https://meet.example.org/s")
    chat.texts(mentor, "YES")
    return mentor, leah


def test_the_feed_is_a_calendar_icalendar_reads_back(make, chat, database, client, settings):
    mentor, leah = _invited_session(make, chat, database)
    link = next(t for t in texts_to(database, leah.id) if "/calendar/" in t)
    path = "/calendar/" + link.split("/calendar/")[1].split()[0]
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    cal = Calendar.from_ical(response.data)
    (event,) = cal.walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2026, 12, 3, 21, tzinfo=UTC)
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=30)
    assert str(event["url"]) == "https://meet.example.org/s"
    assert str(cal["version"]) == "2.0" and "prodid" in cal
    assert Calendar.from_ical(cal.to_ical()).to_ical() == cal.to_ical()  # round trip
    mentor_feed = client.get(f"/calendar/{rules.feed_token(settings.secret_key, mentor.id)}.ics")
    assert len(Calendar.from_ical(mentor_feed.data).walk("VEVENT")) == 1


def test_a_forged_or_foreign_feed_link_is_a_404(make, chat, database, client, settings):
    mentor, leah = _invited_session(make, chat, database)
    other = rules.feed_token("another-secret", leah.id)
    assert client.get(f"/calendar/{other}.ics").status_code == 404
    assert client.get(f"/calendar/{leah.id}-x.ics").status_code == 404
    assert client.get("/calendar/garbage.ics").status_code == 404


def test_imported_sessions_invite_interns_at_the_next_pass(
    make, database, runtime, clock, tmp_path
):
    mentor, opp, (leah,) = remote_mentor(make, database, "America/Vancouver")
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "sessions.csv").write_text(
        "session_id,opportunity_id,kind,starts,minutes,join_url\n"
        f"s-1,{opp.external_id},briefing,2026-12-03T09:00,30,https://meet.example.org/b\n"
    )
    from bot.importers.report import ImportReport
    from bot.kinds.virtual.importer import import_sessions

    with database.transaction() as s:
        import_sessions(s, folder, ImportReport("partners"), clock.now(), 0, DISTRICT)
    run_jobs_at(runtime, clock.now())
    (invitation,) = texts_to(database, leah.id)
    assert "briefing" in invitation and "Thu Dec 3, 9:00 AM" in invitation  # Vancouver = LA
    with database.transaction() as s:
        assert s.scalars(select(SessionInvite.student_id)).all() == [leah.id]
