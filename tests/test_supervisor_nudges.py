"""The supervisor digest: batching, the daily limit, quiet hours, reminders, escalation;
the ratings sweep (completion, two-weekly rounds); the reports query."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bot.context import Context
from bot.services import nudges, ratings, reports
from db.models import OutboxMessage, Placement, Rating, RatingRequest, Student, TimeEntry
from tests import test_supervisor as base
from tests.test_supervisor import World

world = base.world  # the same fixture: a supervisor, a student, a placement, a coordinator


def run(database, settings, now, fn=nudges.supervisor_digest) -> None:
    with database.transaction() as s:
        fn(Context(s, settings, now))


def sent_to(database, person_id: int, category: str | None = None) -> list[OutboxMessage]:
    with database.transaction() as s:
        stmt = select(OutboxMessage).where(OutboxMessage.person_id == person_id)
        if category:
            stmt = stmt.where(OutboxMessage.category == category)
        rows = list(s.scalars(stmt.order_by(OutboxMessage.id)))
        for row in rows:
            s.expunge(row)
        return rows


def test_five_new_items_make_one_message_with_one_tap_buttons(
    make, database, settings, clock, world: World
):
    entries = [make.time_entry(world.placement, hours=h) for h in ("1", "2", "1.5")]
    work = make.deliverable(world.placement)
    with database.transaction() as s:
        s.add(
            RatingRequest(
                placement_id=world.placement.id,
                supervisor_id=world.sup.id,
                round=1,
                status="open",
                created_at=clock.now(),
                extra={"skills": list(settings.policy.skills)},
            )
        )
    run(database, settings, clock.now())
    [digest] = sent_to(database, world.sup.id)
    assert digest.urgent is False and digest.category == "supervisor"
    assert digest.urn == "telegram:9001"
    assert digest.text.startswith("Cedar Valley WBL: 5 items need your OK:")
    labels = [[b["label"] for b in row] for row in digest.buttons]
    assert labels[0] == [f"Approve #{entries[0].id}", f"Reject #{entries[0].id}"]
    assert [f"Accept #{work.id}", f"Changes #{work.id}"] in labels
    assert ["Rate Leah"] in labels
    assert labels[-1] == ["Approve all 3 (4.5 h)"]
    run(database, settings, clock.now() + timedelta(minutes=30))
    assert len(sent_to(database, world.sup.id)) == 1  # nothing new: nothing sent
    with database.transaction() as s:
        assert all(s.get(TimeEntry, e.id).supervisor_notified_at == clock.now() for e in entries)


def test_at_most_two_digests_a_day_four_hours_apart_none_at_night(
    make, database, settings, clock, world: World
):
    t0 = clock.now()  # Tuesday 09:00 in Los Angeles
    make.time_entry(world.placement)
    run(database, settings, t0)
    make.time_entry(world.placement)
    run(database, settings, t0 + timedelta(hours=2))  # too soon after the first
    assert len(sent_to(database, world.sup.id)) == 1
    run(database, settings, t0 + timedelta(hours=4, minutes=1))
    assert len(sent_to(database, world.sup.id)) == 2
    make.time_entry(world.placement)
    run(database, settings, t0 + timedelta(hours=9))  # 18:00: two already today
    run(database, settings, t0 + timedelta(hours=14))  # 23:00: quiet hours
    assert len(sent_to(database, world.sup.id)) == 2
    run(database, settings, t0 + timedelta(hours=24))  # Wednesday 09:00
    third = sent_to(database, world.sup.id)[-1]
    assert len(sent_to(database, world.sup.id)) == 3
    assert third.text.startswith("Cedar Valley WBL: 3 items need your OK:")


def test_sms_supervisor_gets_reply_keywords(make, database, settings, clock):
    emp = make.employer()
    sup = make.supervisor(emp, phone="+15595550177")
    opp = make.opportunity(emp, supervisor=sup)
    placement = make.placement(make.student(given_name="Leah"), opp)
    e1 = make.time_entry(placement, hours="1")
    e2 = make.time_entry(placement, hours="2")
    work = make.deliverable(placement)
    run(database, settings, clock.now())
    [digest] = sent_to(database, sup.id)
    assert digest.urn == "tel:+15595550177" and digest.buttons == []
    assert digest.text == (
        "Cedar Valley WBL: 3 items need your OK:\n"
        f"Hours #{e1.id} Leah, 1 h on Dec 1: researched competitors\n"
        f"Hours #{e2.id} Leah, 2 h on Dec 1: researched competitors\n"
        f"Work #{work.id} from Leah: https://docs.example.org/audit\n"
        f"Reply A {e1.id} to approve, R {e1.id} and a reason to reject.\n"
        "A ALL approves all 2 (3 h).\n"
        f"Reply OK {work.id} to accept, CHANGES {work.id} and a comment."
    )


def test_a_lone_rating_is_asked_directly(make, database, settings, clock):
    emp = make.employer()
    sup = make.supervisor(emp, phone="+15595550178")
    opp = make.opportunity(emp, supervisor=sup, title="Audit our social media")
    placement = make.placement(make.student(given_name="Leah"), opp, due_on=date(2026, 11, 30))
    run(database, settings, clock.now(), ratings.ratings_due)
    run(database, settings, clock.now())
    [ask] = sent_to(database, sup.id)
    assert ask.text == (
        "Rate Leah (Audit our social media): communication, teamwork, reliability, "
        "professionalism, problem solving, initiative. Reply 6 digits 1-5, e.g. 545434"
    )
    with database.transaction() as s:  # due, short of its hours: flagged for the coordinator
        found = s.get(Placement, placement.id)
        assert found.status == "ready" and found.short_of_hours_at is not None


def test_reminders_after_48_hours_then_the_coordinator_is_told(
    make, database, settings, clock, world: World
):
    t0 = clock.now()
    entry = make.time_entry(world.placement)
    run(database, settings, t0)
    run(database, settings, t0 + timedelta(hours=47))
    assert len(sent_to(database, world.sup.id)) == 1
    run(database, settings, t0 + timedelta(hours=48))
    [_, first] = sent_to(database, world.sup.id)
    assert first.text.startswith("Reminder from Cedar Valley WBL: 1 item still needs your OK:")
    run(database, settings, t0 + timedelta(hours=96))
    assert len(sent_to(database, world.sup.id)) == 3
    assert sent_to(database, world.coordinator.id) == []
    run(database, settings, t0 + timedelta(hours=144))
    [alert] = sent_to(database, world.coordinator.id)
    assert alert.urgent is False
    assert alert.text == (
        "Gabriel Rivera (Sunrise Bakery) hasn't answered for 6 days about Leah: hours to "
        "approve: 1. Please follow up."
    )
    run(database, settings, t0 + timedelta(hours=200))
    assert len(sent_to(database, world.sup.id)) == 3  # no more nudges once escalated
    assert len(sent_to(database, world.coordinator.id)) == 1
    with database.transaction() as s:
        assert s.get(TimeEntry, entry.id).reminders_sent == 3


def test_a_supervisor_held_back_by_the_daily_limit_is_still_escalated(
    make, database, settings, clock, world: World
):
    """The digest limits hold back a supervisor's digest, not the coordinator's alert: an
    item whose second reminder went unanswered is escalated even while a new item's
    digest must wait for the four-hour gap."""
    t0 = clock.now()
    make.time_entry(world.placement)
    for hours in (0, 48, 96):  # the first digest, then two reminders
        run(database, settings, t0 + timedelta(hours=hours))
    assert len(sent_to(database, world.sup.id)) == 3
    clock.at = t0 + timedelta(hours=143)
    make.time_entry(world.placement)  # a new item: a digest one hour later...
    run(database, settings, t0 + timedelta(hours=143))
    assert len(sent_to(database, world.sup.id)) == 4
    run(database, settings, t0 + timedelta(hours=144))  # ...is held back (4-hour gap)
    assert len(sent_to(database, world.sup.id)) == 4
    [alert] = sent_to(database, world.coordinator.id)  # while the old item is escalated
    assert "hasn't answered for 6 days about Leah" in alert.text


def test_long_placements_get_a_round_every_two_weeks(make, database, settings, clock, world):
    emp = make.employer()
    sup = make.supervisor(emp)
    opp = make.opportunity(
        emp, supervisor=sup, est_hours="60", starts_on=date(2026, 12, 1), due_on=date(2027, 2, 1)
    )
    placement = make.placement(make.student(), opp)
    day = clock.now()
    run(database, settings, day + timedelta(days=13), ratings.ratings_due)
    with database.transaction() as s:
        assert (
            s.scalar(select(RatingRequest).where(RatingRequest.placement_id == placement.id))
            is None
        )
    run(database, settings, day + timedelta(days=14), ratings.ratings_due)
    run(database, settings, day + timedelta(days=15), ratings.ratings_due)
    with database.transaction() as s:
        rounds = s.scalars(
            select(RatingRequest).where(RatingRequest.placement_id == placement.id)
        ).all()
        assert [(r.round, r.status) for r in rounds] == [(1, "open")]
        rounds[0].status = "done"
    run(database, settings, day + timedelta(days=28), ratings.ratings_due)
    with database.transaction() as s:
        rounds = s.scalars(
            select(RatingRequest).where(RatingRequest.placement_id == placement.id)
        ).all()
        assert [r.round for r in rounds] == [1, 2]
        assert s.get(Placement, placement.id).status == "ready"


def _rate(database, placement_id, sup_id, round_no, values, status="done", at=None):
    with database.transaction() as s:
        req = RatingRequest(
            placement_id=placement_id,
            supervisor_id=sup_id,
            round=round_no,
            status=status,
            created_at=at,
            extra={},
        )
        s.add(req)
        s.flush()
        for skill, score in values.items():
            s.add(
                Rating(
                    request_id=req.id,
                    placement_id=placement_id,
                    skill=skill,
                    score=score,
                    rated_at=at,
                )
            )


def test_reports_by_placement_and_summary(make, database, clock, world: World):
    now = clock.now()
    _rate(
        database, world.placement.id, world.sup.id, 2, {"communication": 5, "teamwork": 4}, at=now
    )
    _rate(
        database, world.placement.id, world.sup.id, 1, {"communication": 3, "teamwork": 4}, at=now
    )
    other_school = make.school(name="Other High")
    other = make.placement(make.student(school=other_school), world.opp)
    _rate(database, other.id, world.sup.id, 1, {"communication": 4}, at=now)
    _rate(database, other.id, world.sup.id, 2, {"communication": 1}, status="open", at=now)
    with database.transaction() as s:
        assert reports.ratings_by_placement(s, world.placement.id) == {
            "communication": [3, 5],
            "teamwork": [4, 4],
        }
        assert reports.ratings_by_placement(s, 999) == {}
        assert reports.ratings_summary(s) == {"communication": 4.0, "teamwork": 4.0}
        school_id = s.get(Student, world.student.id).school_id
        assert reports.ratings_summary(s, school_id=school_id) == {
            "communication": 4.0,
            "teamwork": 4.0,
        }
        assert reports.ratings_summary(s, school_id=other_school.id) == {"communication": 4.0}
        assert reports.ratings_summary(s, opportunity_id=world.opp.id)["communication"] == 4.0
        assert reports.ratings_summary(s, opportunity_id=999) == {}
