"""Flows decide; the engine applies. A flow declared pure runs under a guard that refuses
every write, and its writes reach the database only as effects the engine applies."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select

from bot import effects
from bot.context import Context
from bot.engine import Engine
from bot.flows import common, registry
from bot.flows.base import Reply
from bot.messages import Inbound
from bot.read_only import FlowWrote, read_only
from bot.services import contacts
from db.models import Application, AuditEntry, Contact, Deliverable, Placement, TimeEntry
from tests.test_student_work import placement, rows

# Flows that still write through services themselves, and why. Migrate one, then move it
# from here to registry.PURE: this test keeps the two lists honest. (None left.)
KNOWN_WRITERS: dict[str, str] = {}


def test_every_flow_is_pure_or_a_named_exception():
    names = {f.name for f in registry.all_flows()} | {"common", "human", "link"}
    assert {"common", "consent", "human", "link", "staff", "student", "supervisor"} == registry.PURE
    assert registry.PURE.isdisjoint(KNOWN_WRITERS)
    assert names == registry.PURE | set(KNOWN_WRITERS)


def test_the_guard_allows_reads_and_refuses_every_kind_of_write(database, clock, make):
    student = make.student()
    urn = f"tel:{student.phone}"
    with database.transaction() as s:
        with read_only(s, "reader"):
            assert s.scalar(select(Contact.id).where(Contact.urn == urn)) is not None
        with pytest.raises(FlowWrote, match="INSERT"), read_only(s, "core"):
            s.execute(insert(AuditEntry).values(at=clock.now(), actor="t", action="x"))
        with pytest.raises(FlowWrote, match="left changes"), read_only(s, "orm"):
            s.scalar(select(Contact).where(Contact.urn == urn)).opted_out_at = clock.now()
        s.rollback()
    with database.transaction() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == 0


def _send(database, engine, clock, urn, text):
    inbound = Inbound("sms", urn, f"SM{abs(hash((urn, text)))}", clock.now(), text)
    return [m.text for m in engine.receive(database, inbound).outbox]


def test_the_engine_catches_a_pure_flow_that_writes(database, engine, clock, make, monkeypatch):
    """The old STOP, which wrote from inside the flow, is refused: apology, nothing saved."""
    student = make.student()
    urn = f"tel:{student.phone}"

    def old_stop(turn):
        contacts.opt_out(turn.ctx, urn, "STOP")
        return Reply()

    monkeypatch.setattr(common, "handle", old_stop)
    [sorry] = _send(database, engine, clock, urn, "STOP")
    assert "went wrong" in sorry
    with database.transaction() as s:
        assert s.scalar(select(Contact).where(Contact.urn == urn)).opted_out_at is None


def test_a_refused_effect_undoes_the_turns_earlier_effects(database, settings, clock, make):
    """A service re-checking refuses (the opportunity went meanwhile): polite answer, and
    the STOP applied before it in the same turn is rolled back with it."""
    student = make.student()
    urn = f"tel:{student.phone}"
    with database.transaction() as s:
        ctx = Context(s, settings, clock.now())
        decided = Reply(effects=[effects.OptOut(urn, "STOP"), effects.Apply(student.id, 999_999)])
        reply = Engine(settings)._effects(ctx, decided, "en")
    assert [m.text for m in reply.messages] == [
        "Sorry, that opportunity is no longer open. Reply FIND for others, or MENU."
    ]
    assert reply.effects == []
    with database.transaction() as s:
        assert s.scalar(select(Contact).where(Contact.urn == urn)).opted_out_at is None
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_the_students_steps_pass_the_guard_and_still_write_through_effects(chat, make):
    """The student flow runs under the guard: every step still writes, through its effects."""
    student = make.student()
    make.opportunity(remote=True, title="Audit our social media", est_hours="6")
    chat.texts(student, "FIND")
    (applied,) = chat.texts(student, "APPLY 1")
    assert "Audit our social media" in applied and "went wrong" not in applied
    assert [a.status for a in rows(make, Application)] == ["pending"]
    other = make.opportunity(remote=True, title="Design a flyer", est_hours="4")
    pid = placement(make, student, other)
    (logged,) = chat.texts(student, "LOG 1.5 drafted the survey")
    assert "1.5 h pending, of 4 h" in logged
    assert [(e.placement_id, e.status) for e in rows(make, TimeEntry)] == [(pid, "pending")]
    (sent,) = chat.texts(student, "SUBMIT https://example.org/my-flyer")
    assert "sent to your supervisor" in sent
    assert [d.placement_id for d in rows(make, Deliverable)] == [pid]
    signing = make.opportunity(remote=True, title="Run a coding club", est_hours="4")
    signed = placement(make, student, signing, status="paperwork", agreed=False)
    agreed, ready = chat.texts(student, "AGREE")
    assert "is recorded" in agreed and "Still missing" not in agreed
    assert "all set for Run a coding club" in ready
    assert [p.status for p in rows(make, Placement, Placement.id == signed)] == ["ready"]
    (clocked_in,) = chat.texts(student, "IN #1")
    assert "went wrong" not in clocked_in
    assert [(e.kind, e.status) for e in rows(make, TimeEntry)] == [
        ("manual", "pending"),
        ("clock", "open"),
    ]
    chat.texts(student, "OUT")
    (out,) = chat.texts(student, "Drew the first layout")
    assert "went wrong" not in out and "pending" in out
    assert [e.status for e in rows(make, TimeEntry)] == ["pending", "pending"]


def test_a_write_the_world_overtook_is_refused_politely(database, settings, clock, make):
    """The flow read a pending entry and an open clock-in; by the time the engine applies
    the writes the entry was approved elsewhere and the student clocked out: the services
    re-check, and the person gets "already handled" / "not clocked in", nothing written."""
    emp = make.employer()
    sup = make.supervisor(emp)
    student = make.student()
    pl = make.placement(student, make.opportunity(emp, supervisor=sup, est_hours="6"))
    entry = make.time_entry(pl, status="approved")
    with database.transaction() as s:
        ctx = Context(s, settings, clock.now())
        approve = Reply(effects=[effects.ApproveHours(sup.id, (entry.id,))])
        [already] = Engine(settings)._effects(ctx, approve, "en").messages
        clock_out = Reply(effects=[effects.ClockOut(student.id, None, "did the audit")])
        [not_in] = Engine(settings)._effects(ctx, clock_out, "en").messages
    assert already.text == f"#{entry.id} was already handled, so nothing changed."
    assert not_in.text.startswith("You're not clocked in right now.")
    with database.transaction() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == 0
        assert s.get(TimeEntry, entry.id).reviewed_by is None
