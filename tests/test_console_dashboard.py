"""The coordinator's console on the dashboard: answering from the inbox (through the
person's own channel, audited, only within one's caseload), reviewing flagged hours,
ending a placement (complete, extend, close short of hours, cancel), paging and search."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.context import Context
from bot.messages import Inbound
from bot.services import ratings
from db.models import AuditEntry, InboxItem, OutboxMessage, Placement, Student, TimeEntry
from tests.support.staff import add_account, csrf, sign_in

EMAIL = "ava.patel@example.org"


@pytest.fixture
def desk(make, database, clock):
    """A coordinator (signed-in account) with one student placed at a bakery."""
    school = make.school()
    ava = make.staff(school=school, given_name="Ava", family_name="Patel", email=EMAIL)
    add_account(database, clock, EMAIL)
    student = make.student(school=school, given_name="Leah", language="es")
    with database.transaction() as s:
        s.get(Student, student.id).coordinator_id = ava.id
    emp = make.employer()
    sup = make.supervisor(emp, given_name="Gabriel")
    opp = make.opportunity(emp, supervisor=sup, title="Photograph the menu", est_hours="6")
    placement = make.placement(student, opp)
    return ava, student, sup, placement


def _post(client, page: str, path: str, **form):
    return client.post(path, data={"csrf_token": csrf(client, page), **form})


def _sent_to(database, person_id):
    with database.transaction() as s:
        return [
            (m.urn, m.text, m.urgent)
            for m in s.scalars(select(OutboxMessage).where(OutboxMessage.person_id == person_id))
        ]


def test_an_answer_from_the_inbox_goes_out_on_the_persons_channel(
    client, desk, engine, database, clock
):
    ava, student, _, _ = desk
    urn = f"tel:{student.phone}"
    engine.receive(database, Inbound("sms", urn, "P1", clock.now(), text="PERSONA"))
    with database.transaction() as s:
        item = s.scalar(select(InboxItem))
        assert (item.kind, item.status, item.coordinator_id) == ("human", "open", ava.id)
    sign_in(client, EMAIL)
    listing = client.get("/dashboard/inbox").get_data(as_text=True)
    assert "Leah" in listing and "PERSONA" in listing and "Inbox (1)" in listing
    page = f"/dashboard/inbox/{item.id}"
    response = _post(client, page, f"{page}/answer", text="Hola Leah, te llamo a las 3.")
    assert response.status_code == 302
    answer = [m for m in _sent_to(database, student.id) if "te llamo" in m[1]]
    assert answer == [(urn, "De Ava Patel, su coordinador(a): Hola Leah, te llamo a las 3.", True)]
    with database.transaction() as s:
        assert s.get(InboxItem, item.id).status == "answered"
        audit = s.scalar(select(AuditEntry).where(AuditEntry.action == "inbox:answered"))
        assert audit.actor == f"staff:{ava.id}" and "te llamo" not in str(audit.details)


def test_another_coordinators_inbox_item_is_out_of_reach(
    client, desk, make, engine, database, clock
):
    _, student, _, _ = desk
    engine.receive(
        database, Inbound("sms", f"tel:{student.phone}", "P1", clock.now(), text="HUMAN")
    )
    other = make.staff(given_name="Omar", email="omar@example.org")
    add_account(database, clock, "omar@example.org")
    sign_in(client, "omar@example.org")
    with database.transaction() as s:
        item_id = s.scalar(select(InboxItem.id))
    assert client.get(f"/dashboard/inbox/{item_id}").status_code == 403
    assert "Leah" not in client.get("/dashboard/inbox").get_data(as_text=True)
    assert other.id


def test_an_empty_answer_is_refused_politely(client, desk, engine, database, clock):
    _, student, _, _ = desk
    engine.receive(
        database, Inbound("sms", f"tel:{student.phone}", "P1", clock.now(), text="HUMAN")
    )
    sign_in(client, EMAIL)
    with database.transaction() as s:
        item_id = s.scalar(select(InboxItem.id))
    page = f"/dashboard/inbox/{item_id}"
    _post(client, page, f"{page}/answer", text="   ")
    assert "Write an answer first." in client.get(page).get_data(as_text=True)
    _post(client, page, f"{page}/close")
    with database.transaction() as s:
        assert s.get(InboxItem, item_id).status == "closed"


@pytest.mark.parametrize(
    ("decision", "hours", "status", "counted", "student_hears"),
    [
        ("approve", "", "approved", "2.50", "aprobó"),
        ("adjust", "1.5", "approved", "1.50", "contó 1.5 h (no 2.5 h)"),
        ("reject", "", "rejected", "2.50", "no aprobó"),
    ],
)
def test_a_flagged_entry_is_reviewed_with_a_note_and_both_are_told(
    client, desk, make, database, decision, hours, status, counted, student_hears
):
    _, student, sup, placement = desk
    entry = make.time_entry(
        placement, hours="2.5", kind="clock", flagged=True, flag_reason="4.7 km from the site"
    )
    sign_in(client, EMAIL)
    assert "4.7 km from the site" in client.get("/dashboard/flags").get_data(as_text=True)
    _post(
        client,
        "/dashboard/flags",
        f"/dashboard/hours/{entry.id}/review",
        decision=decision,
        hours=hours,
        note="Estaba en la otra sucursal",
    )
    with database.transaction() as s:
        row = s.get(TimeEntry, entry.id)
        assert (row.status, str(row.hours), row.review_note) == (
            status,
            counted,
            "Estaba en la otra sucursal",
        )
    [(_, to_student, urgent)] = _sent_to(database, student.id)
    assert student_hears in to_student and "Estaba en la otra sucursal" in to_student and urgent
    [(_, to_supervisor, _)] = _sent_to(database, sup.id)
    assert f"#{entry.id}" in to_supervisor and "Leah" in to_supervisor


def test_a_rejection_without_a_note_changes_nothing(client, desk, make, database):
    _, _, _, placement = desk
    entry = make.time_entry(placement, hours="2", flagged=True)
    sign_in(client, EMAIL)
    _post(client, "/dashboard/flags", f"/dashboard/hours/{entry.id}/review", decision="reject")
    with database.transaction() as s:
        assert s.get(TimeEntry, entry.id).status == "pending"
    assert "Write a note" in client.get("/dashboard/flags").get_data(as_text=True)


def test_due_short_of_hours_is_flagged_then_extended_or_closed(
    client, desk, make, database, settings, clock
):
    ava, student, _, placement = desk
    make.time_entry(placement, hours="2", status="approved")
    later = clock.now() + timedelta(days=40)
    with database.transaction() as s:
        ratings.ratings_due(Context(s, settings, later))
        ratings.ratings_due(Context(s, settings, later + timedelta(days=1)))  # flagged once
        row = s.get(Placement, placement.id)
        assert row.status == "ready" and row.short_of_hours_at is not None
    [alert] = [t for _, t, _ in _sent_to(database, ava.id)]
    assert "2 of 6 h verified" in alert and f"/dashboard/placements/{placement.id}" in alert
    sign_in(client, EMAIL)
    page = f"/dashboard/placements/{placement.id}"
    assert "Due date passed short of its hours" in client.get(page).get_data(as_text=True)
    assert "short of hours" in client.get("/dashboard/placements?short=1").get_data(as_text=True)
    _post(client, page, f"{page}/action", action="extend", until=str(date(2027, 1, 30)))
    with database.transaction() as s:
        row = s.get(Placement, placement.id)
        assert (row.due_on, row.short_of_hours_at) == (date(2027, 1, 30), None)
    _post(client, page, f"{page}/action", action="cancel", reason="")
    with database.transaction() as s:
        assert s.get(Placement, placement.id).status == "ready"  # a reason is required
    _post(client, page, f"{page}/action", action="cancel", reason="Moved to another city")
    with database.transaction() as s:
        row = s.get(Placement, placement.id)
        assert (row.status, row.end_reason) == ("cancelled", "cancel: Moved to another city")
    texts = [t for _, t, _ in _sent_to(database, student.id)]
    assert any("extendió" in t for t in texts) and any("Moved to another city" in t for t in texts)


def test_the_placements_list_pages_and_searches(client, desk, make, database):
    ava, _, _, _ = desk
    emp = make.employer(name="Valley Growers")
    opp = make.opportunity(emp, title="Map sensor readings", seats=200)
    for n in range(120):
        kid = make.student(given_name=f"Kid{n:03d}", family_name="Zed")
        with database.transaction() as s:
            s.get(Student, kid.id).coordinator_id = ava.id
        make.placement(kid, opp)
    sign_in(client, EMAIL)
    first = client.get("/dashboard/placements").get_data(as_text=True)
    assert "1–50 of 121 placements" in first and "Next page" in first
    third = client.get("/dashboard/placements?page=3").get_data(as_text=True)
    assert "101–121 of 121 placements" in third and "Next page" not in third
    found = client.get("/dashboard/placements?q=kid007").get_data(as_text=True)
    assert "1–1 of 1 placement" in found and "Kid007" in found
    assert "Showing <strong>your caseload</strong>" in first
