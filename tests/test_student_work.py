"""Doing the work, through the engine: AGREE, IN/OUT with location, reminders, refusals.

Conversation scripts: a message in, the reply out, the database changed. Placements are
made directly (Application + Placement rows) by `placement()` below.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from geopy.distance import geodesic
from sqlalchemy import func, select

from bot.messages import Location, Trigger
from db.models import (
    Application,
    AuditEntry,
    CheckinToken,
    Contact,
    Conversation,
    OutboxMessage,
    Placement,
    Reminder,
    TimeEntry,
)

SITE = (36.6031, -119.4488)


def placement(make, student, opp, *, status="ready", agreed=True, consent=True) -> int:
    """An approved application and its placement; returns the placement id."""
    now = make.now
    with make.db.transaction() as s:
        app = Application(
            student_id=student.id,
            opportunity_id=opp.id,
            status="approved",
            created_at=now,
            decided_at=now,
            decided_by="cli",
        )
        s.add(app)
        s.flush()
        row = Placement(
            application_id=app.id,
            student_id=student.id,
            opportunity_id=opp.id,
            status=status,
            starts_on=opp.starts_on,
            due_on=opp.due_on,
            agreement_ack_at=now if agreed else None,
            paper_consent=consent,
            created_at=now,
        )
        s.add(row)
        s.flush()
        return row.id


def telegram(make, person, chat_id: int | None = None) -> str:
    """Link `person` to a Telegram chat (the student's second address)."""
    urn = f"telegram:{chat_id or 800000000 + person.id}"
    make._save(Contact(urn=urn, scheme="telegram", person_id=person.id, created_at=make.now))
    return urn


def away(meters: float, bearing: float = 90.0, origin=SITE) -> tuple[float, float]:
    point = geodesic(meters=meters).destination(origin, bearing)
    return point.latitude, point.longitude


def at(meters: float = 0.0, accuracy: float | None = 10.0, **kw) -> Location:
    lat, lon = away(meters) if meters else SITE
    return Location(lat, lon, accuracy, **kw)


def rows(make, model, *where):
    """Detached rows of `model` (`make` may be the factory or the database)."""
    with getattr(make, "db", make).transaction() as s:
        found = list(s.scalars(select(model).where(*where).order_by(model.id)))
        for r in found:
            s.expunge(r)
        return found


def state_of(make, person) -> str:
    with make.db.transaction() as s:
        return s.get(Conversation, person.id).state


def run_reminders(make, engine, now) -> int:
    """Run every reminder due at `now` through the engine (what the scheduler does)."""
    with make.db.transaction() as s:
        due = list(
            s.scalars(
                select(Reminder)
                .where(Reminder.status == "pending", Reminder.due_at <= now)
                .order_by(Reminder.due_at)
            )
        )
        for r in due:
            trig = Trigger(r.kind, r.subject_id, r.person_id, r.due_at, dict(r.payload))
            engine.handle_trigger(s, trig, now)
            r.status, r.done_at = "done", now
        return len(due)


def onsite(make, **kw):
    student = make.student(**kw)
    opp = make.opportunity(title="Photograph the new holiday menu", est_hours="5")
    pid = placement(make, student, opp)
    return student, telegram(make, student), pid


# --- AGREE ---------------------------------------------------------------------------------
def test_agree_completes_paperwork_and_the_placement_becomes_ready(chat, make):
    student = make.student()
    opp = make.opportunity(title="Audit our social media")
    pid = placement(make, student, opp, status="paperwork", agreed=False, consent=True)
    texts = chat.texts(student, "agree")
    assert "training agreement" in texts[0] and "recorded" in texts[0]
    assert any("You're all set for Audit our social media" in t for t in texts)
    (p,) = rows(make, Placement, Placement.id == pid)
    assert p.status == "ready" and p.agreement_ack_at is not None
    assert rows(make, AuditEntry, AuditEntry.action == "placement:agreement_ack")


def test_agree_before_consent_says_what_is_still_missing(chat, make):
    student = make.student()
    pid = placement(
        make, student, make.opportunity(), status="paperwork", agreed=False, consent=False
    )
    (text,) = chat.texts(student, "AGREE")
    assert "Still missing: permission from a parent or guardian" in text
    assert rows(make, Placement, Placement.id == pid)[0].status == "paperwork"
    (again,) = chat.texts(student, "AGREE")
    assert "already on file" in again


def test_no_placement_points_to_find(chat, make):
    student = make.student()
    for word in ("IN", "LOG 1 did things", "STATUS", "AGREE", "SUBMIT x"):
        (text,) = chat.texts(student, word)
        assert "FIND" in text, word


# --- IN / OUT on Telegram ----------------------------------------------------------------
def test_clock_in_at_the_site_then_out_counts_the_hours(chat, make, clock):
    student, urn, pid = onsite(make)
    (ask,) = chat.send(urn, "IN")
    assert ask.extra.get("request_location") and "share your location" in ask.text
    assert state_of(make, student) == "await_in_location"
    (receipt,) = chat.texts(urn, location=at(30, accuracy=12))
    assert "Clocked in at Photograph the new holiday menu, 9:00 AM. Location checked." in receipt
    (entry,) = rows(make, TimeEntry)
    assert (entry.status, entry.in_verdict, entry.flagged) == ("open", "verified", False)
    assert 25 < entry.in_distance_m < 35 and entry.in_accuracy_m == 12
    kinds = {r.kind for r in rows(make, Reminder, Reminder.status == "pending")}
    assert kinds == {"clock.nudge", "clock.autoclose"}

    clock.advance(hours=2, minutes=8)
    (ask_out,) = chat.send(urn, "OUT")
    assert ask_out.extra.get("request_location")
    (out,) = chat.texts(urn, location=at(10))
    assert "Clocked out of Photograph the new holiday menu, 11:08 AM: 2.25 h." in out
    assert "So far: 2.25 h approved, 0 h pending, of 5 h." in out
    (entry,) = rows(make, TimeEntry)
    assert entry.status == "approved" and entry.hours == Decimal("2.25")
    assert entry.out_verdict == "verified" and not entry.flagged
    assert not rows(make, Reminder, Reminder.status == "pending")
    assert state_of(make, student) == "idle"


def test_far_away_clock_in_is_recorded_and_flagged_not_refused(chat, make):
    student, urn, _ = onsite(make)
    chat.send(urn, "IN")
    (text,) = chat.texts(urn, location=at(3000))
    assert "Clocked in" in text and "3.0 km" in text and "supervisor will confirm" in text
    (entry,) = rows(make, TimeEntry)
    assert entry.status == "open" and entry.in_verdict == "outside" and entry.flagged
    assert "outside" in entry.flag_reason


def test_accuracy_widens_the_circle_but_only_so_far(chat, make):
    student, urn, _ = onsite(make)  # radius 100 m
    chat.send(urn, "IN")
    chat.send(urn, location=at(130, accuracy=50))
    chat.send(urn, "OUT")
    chat.send(urn, location=at(130, accuracy=5000))
    (entry,) = rows(make, TimeEntry)
    assert entry.in_verdict == "verified"
    assert entry.out_verdict == "unverified" and entry.status == "pending" and entry.flagged


def test_forwarded_and_via_bot_locations_are_refused_politely(chat, make):
    student, urn, _ = onsite(make)
    chat.send(urn, "IN")
    (fwd,) = chat.send(urn, location=at(0, forwarded=True))
    assert "forwarded location can't be used" in fwd.text and fwd.extra.get("request_location")
    (bot,) = chat.texts(urn, location=at(0, via_bot=True))
    assert "another bot" in bot
    assert rows(make, TimeEntry) == []
    assert state_of(make, student) == "await_in_location"
    (ok,) = chat.texts(urn, location=at(0, live=True))
    assert "Location checked" in ok


def test_impossible_coordinates_are_asked_again_and_nothing_is_stored(chat, make):
    student, urn, _ = onsite(make)
    chat.send(urn, "IN")
    for lat, lon in ((0.0, 0.0), (10.0, -150.0), (999.0, 10.0)):
        (text,) = chat.texts(urn, location=Location(lat, lon, 5.0))
        assert "doesn't look right" in text
    assert rows(make, TimeEntry) == []
    (text,) = chat.texts(urn, "hello?")
    assert "tap the button" in text and state_of(make, student) == "await_in_location"


def test_skip_records_an_unverified_flagged_clock_in(chat, make):
    student, urn, _ = onsite(make)
    chat.send(urn, "IN")
    (text,) = chat.texts(urn, "skip")
    assert "without a location check" in text
    (entry,) = rows(make, TimeEntry)
    assert entry.in_verdict == "unverified" and entry.flagged and entry.in_lat is None


def test_in_twice_and_out_with_nothing_open(chat, make):
    student, urn, _ = onsite(make)
    (none,) = chat.texts(urn, "OUT")
    assert "not clocked in" in none
    chat.send(urn, "IN")
    chat.send(urn, location=at(0))
    (twice,) = chat.texts(urn, "in")
    assert "clocked in since 9:00 AM" in twice
    assert len(rows(make, TimeEntry)) == 1


def test_clock_in_before_consent_is_refused_with_the_reason(chat, make):
    student = make.student()
    urn = telegram(make, student)
    placement(make, student, make.opportunity(), status="paperwork", agreed=False, consent=False)
    (text,) = chat.texts(urn, "IN")
    assert "can't start" in text and "permission from a parent or guardian" in text
    assert "reply AGREE" in text
    assert rows(make, TimeEntry) == []


def test_paused_not_started_and_ended_placements_are_refused(chat, make, clock):
    from datetime import date

    student = make.student()
    urn = telegram(make, student)
    placement(make, student, make.opportunity(), status="paused")
    (text,) = chat.texts(urn, "IN")
    assert "on hold" in text and "coordinator" in text
    other = make.student()
    later = make.opportunity(starts_on=date(2026, 12, 7))
    placement(make, other, later)
    (text,) = chat.texts(other, "IN")
    assert "starts on Dec 7" in text
    clock.advance(days=40)
    (text,) = chat.texts(other, "IN")
    assert "ended on Dec 28" in text
    assert rows(make, TimeEntry) == []


def test_remote_placement_clocks_in_at_once_and_out_asks_what_was_done(chat, make, clock):
    student = make.student()
    urn = telegram(make, student)
    opp = make.opportunity(remote=True, kind="virtual", title="Design a logo")
    placement(make, student, opp)
    (text,) = chat.texts(urn, "IN")
    assert "Clocked in for Design a logo, 9:00 AM" in text
    clock.advance(hours=1, minutes=30)
    (ask,) = chat.texts(urn, "OUT")
    assert "What did you work on" in ask and state_of(make, student) == "await_out_note"
    (out,) = chat.texts(urn, "drafted three logo ideas")
    assert "1.5 h" in out and "supervisor will approve" in out
    (entry,) = rows(make, TimeEntry)
    assert (entry.status, entry.in_verdict, entry.out_verdict) == ("pending", "remote", "remote")
    assert entry.description == "drafted three logo ideas" and entry.in_lat is None


def test_forgotten_clock_out_is_nudged_then_auto_closed_and_flagged(chat, make, engine, clock):
    student, urn, pid = onsite(make, given_name="Leah")
    coordinator = make.staff()
    with make.db.transaction() as s:
        from db.models import Student

        s.get(Student, student.id).coordinator_id = coordinator.id
    chat.send(urn, "IN")
    chat.send(urn, location=at(0))
    start = clock.now()
    # expected clocked time: the remaining estimate (5 h) capped at 4 h; nudge 1 h after that,
    # auto-close 4 h after it (policy shift_nudge_grace_h / shift_autoclose_h)
    assert run_reminders(make, engine, start + timedelta(hours=4, minutes=59)) == 0
    assert run_reminders(make, engine, start + timedelta(hours=5)) == 1
    nudge = [m for m in chat.outbox(student.id) if m.category == "nudge"]
    assert len(nudge) == 1 and "Reply OUT" in nudge[0].text and not nudge[0].urgent
    assert "clocked in at 9:00 AM" in nudge[0].text
    assert run_reminders(make, engine, start + timedelta(hours=7, minutes=59)) == 0
    assert run_reminders(make, engine, start + timedelta(hours=8)) == 1
    (entry,) = rows(make, TimeEntry)
    assert entry.status == "pending" and entry.auto_closed and entry.flagged
    assert entry.hours == Decimal("4.00") and entry.ended_at == start + timedelta(hours=4)
    notices = [m.text for m in chat.outbox(student.id) if m.category == "nudge"]
    assert any("clocked you out at 4 h" in t for t in notices)
    (alert,) = [m for m in chat.outbox(coordinator.id)]
    assert "closed automatically" in alert.text and not alert.urgent
    assert "Leah" not in alert.text


def test_clocking_out_cancels_the_reminders(chat, make, engine, clock):
    student, urn, _ = onsite(make)
    chat.send(urn, "IN")
    chat.send(urn, location=at(0))
    clock.advance(hours=1)
    chat.send(urn, "OUT")
    chat.send(urn, location=at(0))
    assert run_reminders(make, engine, clock.now() + timedelta(hours=12)) == 0
    with make.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 4


# --- SMS: the check-in link -------------------------------------------------------------
def test_sms_in_replies_with_a_short_one_time_link(chat, make):
    from bot.sms_segments import segments

    student, _, pid = onsite(make)
    (text,) = chat.texts(student, "IN")
    assert "https://wbl.example.test/checkin/" in text and "15 min" in text
    assert segments(text) <= 2
    token = text.rsplit("/checkin/", 1)[1].split()[0]
    (row,) = rows(make, CheckinToken)
    assert row.token_sha256 != token and len(row.token_sha256) == 64
    assert row.action == "in" and row.placement_id == pid
    assert row.expires_at == make.now + timedelta(minutes=15)
    assert state_of(make, student) == "idle" and rows(make, TimeEntry) == []


def test_several_placements_ask_which_and_remember_the_choice(chat, make):
    student = make.student()
    urn = telegram(make, student)
    placement(make, student, make.opportunity(title="Bakery photos", remote=True))
    second = placement(make, student, make.opportunity(title="Clinic flyer", remote=True))
    (ask,) = chat.send(student, "LOG 1 wrote the intro")
    assert "Which placement?" in ask.text and "Clinic flyer" in ask.text
    assert [b["sms"] for row in ask.buttons for b in row] == ["LOG #1", "LOG #2"]
    (done,) = chat.texts(student, "LOG #1")
    assert "Logged 1 h for Clinic flyer" in done
    (entry,) = rows(make, TimeEntry)
    assert entry.placement_id == second and entry.description == "wrote the intro"
    (again,) = chat.texts(urn, "LOG 0.5 fixed typos")
    assert "Logged 0.5 h for Clinic flyer" in again
    (status,) = chat.send(urn, "STATUS")
    assert status.text.startswith("Clinic flyer")


def test_status_after_applying_says_the_application_is_waiting(chat, make):
    student = make.student()
    make.opportunity(title="Translate the patient intake flyer", remote=True)
    chat.send(student, "FIND")
    chat.send(student, "APPLY 1")
    [reply] = chat.texts(student, "STATUS")
    assert "Translate the patient intake flyer" in reply and "waiting for a coordinator" in reply
