"""Supervisors through the engine (no HTTP): ratings by tap and by digits, timesheets,
work review, forged and replayed taps. Conversation scripts with a fixed clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import payloads
from bot.context import Context
from bot.flows import supervisor as flow
from bot.services import nudges, ratings
from db.models import AuditEntry, Deliverable, Person, Placement, Rating, RatingRequest, TimeEntry

SECRET = "test-secret-key"
REF = "9001:45"


@dataclass
class World:
    sup: Person
    student: Person
    coordinator: Person
    placement: Placement
    opp: Any


@pytest.fixture
def world(make) -> World:
    school = make.school()
    coordinator = make.staff(school=school, given_name="Ava")
    emp = make.employer(name="Sunrise Bakery")
    sup = make.supervisor(emp, given_name="Gabriel")
    make.telegram_contact(sup, 9001)
    opp = make.opportunity(emp, supervisor=sup, est_hours="6", title="Audit our social media")
    student = make.student(school=school, given_name="Leah")
    return World(sup, student, coordinator, make.placement(student, opp), opp)


def run(database, settings, now, fn) -> None:
    with database.transaction() as s:
        fn(Context(s, settings, now))


def open_round(database, settings, clock, world: World) -> int:
    """Complete the placement by its due date and return the new round's id."""
    run(database, settings, clock.now() + timedelta(days=40), ratings.ratings_due)
    with database.transaction() as s:
        return int(s.scalar(select(RatingRequest.id)))


def sign(person: Person, action: str, *args: object) -> str:
    return payloads.sign(SECRET, person.id, action, *args)


def tap(chat, who: Person, data: str):
    return chat.send(who, payload=data, scheme="telegram", message_ref=REF)


def scores(database, request_id: int) -> dict[str, int]:
    with database.transaction() as s:
        rows = s.execute(select(Rating.skill, Rating.score).where(Rating.request_id == request_id))
        return dict(rows.all())  # type: ignore[arg-type]


def state_of(database, person: Person) -> tuple[str, dict]:
    from db.models import Conversation

    with database.transaction() as s:
        conv = s.scalar(select(Conversation).where(Conversation.person_id == person.id))
        return (conv.state, dict(conv.data)) if conv else ("idle", {})


def test_the_machine_has_a_way_out_of_every_waiting_state():
    assert set(flow.machine.states) == {"idle", "await_comment", "await_reason", "await_changes"}
    for state in flow.machine.states:
        assert state == "idle" or flow.machine.exits(state)


# --- ratings ----------------------------------------------------------------------------


def test_six_taps_rate_six_skills_editing_the_message_in_place(
    chat, database, settings, clock, world
):
    req = open_round(database, settings, clock, world)
    with database.transaction() as s:  # due, short of its hours: flagged, rated all the same
        placement = s.get(Placement, world.placement.id)
        assert placement.status == "ready" and placement.short_of_hours_at is not None
    chosen = [4, 5, 3, 4, 2, 5]
    for index, score in enumerate(chosen[:5]):
        [edit] = tap(chat, world.sup, sign(world.sup, "r", req, index, score))
        assert edit.extra["edit_ref"] == REF
        assert edit.text.startswith("Please rate Leah (Audit our social media)")
        assert len(edit.buttons) == 7  # six skills and Done
        assert edit.buttons[index][score - 1]["label"] == f"{score} ✓"
    edit, ask = tap(chat, world.sup, sign(world.sup, "r", req, 5, chosen[5]))
    assert edit.extra["edit_ref"] == REF and "edit_ref" not in ask.extra
    assert ask.text == "Thanks! Any comment about Leah? Type it, or reply SKIP."
    assert "Communication: 4 ✓" in edit.text and "Initiative: 5 ✓" in edit.text
    assert edit.text.startswith("Ratings for Leah (Audit our social media) saved")
    assert edit.buttons == []
    assert scores(database, req) == dict(zip(settings.policy.skills, chosen, strict=True))
    assert state_of(database, world.sup) == ("await_comment", {"req": req})
    [thanks] = chat.send(world.sup, "Always on time, great with customers", scheme="telegram")
    assert thanks.text == "Comment saved. Thank you!"
    with database.transaction() as s:
        done = s.get(RatingRequest, req)
        assert (done.status, done.comment) == ("done", "Always on time, great with customers")


def test_a_changed_tap_updates_the_score_and_a_tap_after_done_changes_nothing(
    chat, database, settings, clock, world
):
    req = open_round(database, settings, clock, world)
    tap(chat, world.sup, sign(world.sup, "r", req, 0, 2))
    [edit] = tap(chat, world.sup, sign(world.sup, "r", req, 0, 4))
    assert "Communication: 4 ✓" in edit.text
    assert scores(database, req) == {"communication": 4}
    [done, ask] = tap(chat, world.sup, sign(world.sup, "rd", req))
    assert done.extra["edit_ref"] == REF and "Teamwork: -" in done.text
    assert ask.text == "Thanks! Any comment about Leah? Type it, or reply SKIP."
    [skip] = chat.send(world.sup, "skip", scheme="telegram")
    assert skip.text == "OK, no comment. Thank you!"
    [again] = tap(chat, world.sup, sign(world.sup, "r", req, 0, 1))
    assert again.text == "These ratings were already saved, so nothing changed."
    assert scores(database, req) == {"communication": 4}


def test_sms_digits_rate_every_skill_at_once(chat, database, settings, clock, world):
    req = open_round(database, settings, clock, world)
    [reply] = chat.send(world.sup, "5 4 5, 4 3 4")
    assert reply.text == (
        "Saved Leah's ratings: 5 4 5 4 3 4. Thanks! Any comment about Leah? Type it, or reply SKIP."
    )
    assert list(scores(database, req).values()) == [5, 4, 5, 4, 3, 4]
    assert chat.texts(world.sup, "Great worker") == ["Comment saved. Thank you!"]


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        (
            "54543",
            "I got 5 digits but need 6, one per skill in order: communication, teamwork, "
            "reliability, professionalism, problem solving, initiative.",
        ),
        ("545437", "Each digit must be 1 to 5; Initiative got 7. Reply all 6 digits again."),
        ("045434", "Each digit must be 1 to 5; Communication got 0. Reply all 6 digits again."),
        ("54a434", "Please reply with digits only (1-5), one per skill, e.g. 545434."),
        (
            "5454344",
            "I got 7 digits but need 6, one per skill in order: communication, "
            "teamwork, reliability, professionalism, problem solving, initiative.",
        ),
    ],
)
def test_malformed_digit_replies_get_a_precise_correction(
    chat, database, settings, clock, world, text, answer
):
    req = open_round(database, settings, clock, world)
    assert chat.texts(world.sup, text) == [answer]
    assert scores(database, req) == {}
    assert chat.texts(world.sup, "555444")[0].startswith("Saved Leah's ratings: 5 5 5 4 4 4.")


def test_several_open_rounds_are_asked_oldest_first_one_at_a_time(
    chat, make, database, settings, clock, world
):
    other = make.student(given_name="Maya")
    make.placement(other, world.opp)
    open_round(database, settings, clock, world)
    [first] = chat.send(world.sup, "555555")
    assert first.text.startswith("Saved Leah's ratings")
    [after] = chat.send(world.sup, "SKIP")
    assert after.text.startswith("OK, no comment. Thank you!\nRate Maya (Audit our social media)")
    assert "Reply 6 digits 1-5, e.g. 545434" in after.text
    [second] = chat.send(world.sup, "444444")
    assert second.text.startswith("Saved Maya's ratings")


def test_digits_without_an_open_round_say_so(chat, world):
    assert chat.texts(world.sup, "545434") == ["You have no ratings to give right now."]


# --- timesheets -------------------------------------------------------------------------


def test_approve_by_button_redraws_the_list_and_a_replay_changes_nothing(
    chat, make, database, world
):
    e1 = make.time_entry(world.placement, hours="1.5")
    e2 = make.time_entry(world.placement, hours="2", description="drafted posts")
    [edit] = tap(chat, world.sup, sign(world.sup, "ta", e1.id))
    assert edit.extra["edit_ref"] == REF
    assert edit.text.startswith(f"Approved #{e1.id}: 1.5 h for Leah.")
    assert f"Hours #{e2.id} Leah, 2 h on Dec 1: drafted posts" in edit.text
    assert [b["label"] for b in edit.buttons[0]] == [f"Approve #{e2.id}", f"Reject #{e2.id}"]
    [replay] = tap(chat, world.sup, sign(world.sup, "ta", e1.id))
    assert replay.text.startswith(f"#{e1.id} was already handled, so nothing changed.")
    with database.transaction() as s:
        assert s.get(TimeEntry, e1.id).status == "approved"
        assert s.get(TimeEntry, e1.id).reviewed_by == world.sup.id
        audits = s.scalars(
            select(AuditEntry).where(
                AuditEntry.entity == "time_entry", AuditEntry.entity_id == str(e1.id)
            )
        ).all()
    assert [(a.action, a.actor) for a in audits] == [("hours:approved", f"person:{world.sup.id}")]


def test_reject_by_button_asks_why_and_the_student_hears_the_reason(chat, make, database, world):
    entry = make.time_entry(world.placement, hours="3")
    [ask] = tap(chat, world.sup, sign(world.sup, "tr", entry.id))
    assert ask.text == f"Why reject #{entry.id} (3 h, Leah)? Type a short reason; they will see it."
    sent = chat.send(world.sup, "She left at noon that day", scheme="telegram")
    assert sent[0].text == f"Rejected #{entry.id}. Leah was told why."
    notice = sent[1]
    assert notice.person_id == world.student.id and notice.urgent is False
    assert notice.text == (
        "Your 3 h on Dec 1 for Audit our social media were not approved: She left at noon "
        "that day. Questions? Ask your supervisor."
    )
    with database.transaction() as s:
        row = s.get(TimeEntry, entry.id)
        assert (row.status, row.review_note) == ("rejected", "She left at noon that day")


def test_sms_approve_reject_and_approve_all(chat, make, database, world):
    e1, e2, e3, e4 = (make.time_entry(world.placement, hours=h) for h in ("1", "2", "0.5", "1.5"))
    assert chat.texts(world.sup, f"A {e1.id}") == [f"Approved #{e1.id}: 1 h for Leah."]
    assert chat.texts(world.sup, f"R {e2.id}") == [
        f"Why reject #{e2.id} (2 h, Leah)? Type a short reason; they will see it."
    ]
    replies = chat.send(world.sup, f"r {e2.id} was not at work")
    assert replies[0].text == f"Rejected #{e2.id}. Leah was told why."
    assert "not approved: was not at work" in replies[1].text
    assert chat.texts(world.sup, "a all") == ["Approved 2 entries (2 h). Thank you!"]
    assert chat.texts(world.sup, "A ALL") == ["No hours are waiting for your approval."]
    with database.transaction() as s:
        statuses = [s.get(TimeEntry, e.id).status for e in (e1, e2, e3, e4)]
    assert statuses == ["approved", "rejected", "approved", "approved"]


def test_bulk_approve_button_leaves_entries_that_arrived_after_the_list(
    chat, make, database, world
):
    e1 = make.time_entry(world.placement, hours="1")
    e2 = make.time_entry(world.placement, hours="2")
    late = make.time_entry(world.placement, hours="4")
    [edit] = tap(chat, world.sup, sign(world.sup, "tb", e2.id))
    assert edit.text.startswith("Approved 2 entries (3 h). Thank you!")
    with database.transaction() as s:
        assert [s.get(TimeEntry, e.id).status for e in (e1, e2, late)] == [
            "approved",
            "approved",
            "pending",
        ]


def test_approved_hours_complete_the_placement_and_open_a_rating(
    chat, make, database, settings, clock, world
):
    entry = make.time_entry(world.placement, hours="6")
    chat.send(world.sup, f"A {entry.id}")
    run(database, settings, clock.now(), ratings.ratings_due)
    with database.transaction() as s:
        assert s.get(Placement, world.placement.id).status == "completed"
        req = s.scalar(select(RatingRequest))
        assert (req.round, req.status, req.extra["final"]) == (1, "open", True)


# --- deliverables -----------------------------------------------------------------------


def test_accept_and_request_changes(chat, make, database, world):
    w1 = make.deliverable(world.placement)
    w2 = make.deliverable(world.placement, text="draft two", url=None)
    replies = chat.send(world.sup, f"OK {w1.id}")
    assert replies[0].text == f"Accepted #{w1.id}. Leah will hear the good news."
    assert replies[1].person_id == world.student.id
    assert (
        replies[1].text
        == "Great news: your work for Audit our social media was accepted by your supervisor!"
    )
    replies = chat.send(world.sup, f"cambios {w2.id} add a chart")
    assert replies[0].text == f"Sent your comment on #{w2.id} to Leah."
    assert replies[1].text == (
        "Your supervisor asked for changes to your work for Audit our social media: add a "
        "chart. Fix it and SUBMIT it again."
    )
    with database.transaction() as s:
        assert s.get(Deliverable, w1.id).status == "accepted"
        row = s.get(Deliverable, w2.id)
        assert (row.status, row.review_comment) == ("changes_requested", "add a chart")


def test_changes_button_asks_for_the_comment(chat, make, database, world):
    work = make.deliverable(world.placement)
    [ask] = tap(chat, world.sup, sign(world.sup, "dc", work.id))
    assert ask.text == f"What should Leah change in #{work.id}? Type a short comment."
    replies = chat.send(world.sup, "Add a chart of followers", scheme="telegram")
    assert replies[0].text == f"Sent your comment on #{work.id} to Leah."
    assert replies[1].person_id == world.student.id
    [again] = tap(chat, world.sup, sign(world.sup, "da", work.id))
    assert again.text.startswith(f"#{work.id} was already handled")


# --- safety -----------------------------------------------------------------------------


def test_a_tap_made_for_another_supervisor_is_refused_and_logged(
    chat, make, database, world, caplog
):
    intruder = make.supervisor(make.employer(name="Other Co"), given_name="Ivan")
    make.telegram_contact(intruder, 9002)
    entry = make.time_entry(world.placement)
    with caplog.at_level("WARNING"):
        [refused] = tap(chat, intruder, sign(world.sup, "ta", entry.id))
    assert (
        refused.text == "That button has expired or isn't for you. Reply MENU to see your options."
    )
    assert "refused button payload" in caplog.text
    # signed for the intruder but about someone else's student: not theirs
    [not_yours] = tap(chat, intruder, sign(intruder, "ta", entry.id))
    assert not_yours.text.startswith(f"#{entry.id} isn't waiting for you")
    assert chat.texts(intruder, f"A {entry.id}") == [
        f"#{entry.id} isn't waiting for you, so nothing changed."
    ]
    with database.transaction() as s:
        assert s.get(TimeEntry, entry.id).status == "pending"


def test_a_rating_tap_for_someone_elses_round_is_refused(
    chat, make, database, settings, clock, world
):
    req = open_round(database, settings, clock, world)
    intruder = make.supervisor(make.employer(name="Other Co"))
    make.telegram_contact(intruder, 9003)
    [refused] = tap(chat, intruder, sign(intruder, "r", req, 0, 5))
    assert "isn't waiting for you" in refused.text
    assert scores(database, req) == {}


def test_unknown_text_shows_what_is_waiting(chat, make, world):
    entry = make.time_entry(world.placement, hours="2")
    [reply] = chat.send(world.sup, "hello?")
    assert reply.text.startswith("Sorry, I didn't understand that. Cedar Valley WBL: 1 item")
    assert f"Reply A {entry.id} to approve, R {entry.id} and a reason to reject." in reply.text
    [menu] = chat.send(world.sup, "MENU", scheme="telegram")
    assert menu.buttons[0][0]["label"] == f"Approve #{entry.id}"
    assert chat.texts(world.sup, "A") == [
        "Which one? Reply with the number from our message, e.g. A 12."
    ]


def test_nothing_waiting(chat, world):
    assert chat.texts(world.sup, "MENU") == [
        "Nothing is waiting for you now. Thank you for mentoring our students!"
    ]


def test_open_items_are_listed_for_the_digest(database, make, world):
    make.time_entry(world.placement)
    make.deliverable(world.placement)
    with database.transaction() as s:
        kinds = [i.kind for i in nudges.open_items(s, world.sup.id)]
        assert kinds == ["hours", "work"]
        assert s.scalar(select(func.count()).select_from(TimeEntry)) == 1
