"""The engine on its own: dedupe, strangers, everyone's keywords, per-event transactions."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.messages import Inbound
from db.models import AuditEntry, Contact, Conversation, InboundMessage, OutboxMessage


def send(database, engine, clock, urn, text, pid=None):
    inbound = Inbound(
        channel="sms",
        urn=urn,
        provider_id=pid or f"SM{abs(hash((urn, text, clock.now())))}",
        received_at=clock.now(),
        text=text,
    )
    outcome = engine.receive(database, inbound)
    return outcome, [m.text for m in outcome.outbox]


def test_same_provider_id_is_processed_once(database, engine, clock, make):
    student = make.student()
    first, texts = send(database, engine, clock, f"tel:{student.phone}", "HELP", pid="SM1")
    again, texts2 = send(database, engine, clock, f"tel:{student.phone}", "HELP", pid="SM1")
    assert texts and "Cedar Valley WBL" in texts[0]
    assert again.duplicate and texts2 == []
    with database.transaction() as s:
        assert s.scalar(select(func.count()).select_from(InboundMessage)) == 1
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_last_wrote_from_is_kept_fresh_at_most_every_five_minutes(database, engine, clock, make):
    """The contact's "last wrote from" (which address answers go to first) is set by a
    message, left alone by one two minutes later, and moved by one ten minutes later;
    a repeated delivery of the same message does not move it."""
    student = make.student()
    urn = f"tel:{student.phone}"

    def last_wrote() -> object:
        with database.transaction() as s:
            return s.scalar(select(Contact.last_inbound_at).where(Contact.urn == urn))

    first = clock.now()
    send(database, engine, clock, urn, "HELP", pid="SM-a")
    assert last_wrote() == first
    clock.advance(minutes=2)
    send(database, engine, clock, urn, "MENU", pid="SM-b")
    assert last_wrote() == first
    clock.advance(minutes=10)
    later = clock.now()
    send(database, engine, clock, urn, "MENU", pid="SM-c")
    assert last_wrote() == later
    clock.advance(minutes=10)
    again, _ = send(database, engine, clock, urn, "MENU", pid="SM-c")
    assert again.duplicate and last_wrote() == later


def test_stranger_is_told_how_to_join_and_nothing_more(database, engine, clock, make):
    make.student(phone="+15595550148")
    _, texts = send(database, engine, clock, "tel:+15595550199", "FIND")
    assert len(texts) == 1
    assert "link code" in texts[0] and "Leah" not in texts[0]
    with database.transaction() as s:
        row = s.scalar(select(InboundMessage))
        assert row.status == "stranger" and row.person_id is None


def test_stop_opts_out_once_and_start_opts_back_in(database, engine, clock, make):
    student = make.student()
    urn = f"tel:{student.phone}"
    _, first = send(database, engine, clock, urn, "Stop")
    _, second = send(database, engine, clock, urn, "STOP")
    assert len(first) == 1 and "unsubscribed" in first[0]
    assert second == []
    with database.transaction() as s:
        contact = s.scalar(select(Contact).where(Contact.urn == urn))
        assert contact.opted_out_at is not None
        assert (
            s.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "opt_out")
            )
            == 1
        )
    _, back = send(database, engine, clock, urn, "start")
    assert "Welcome back" in back[0]
    with database.transaction() as s:
        assert s.scalar(select(Contact).where(Contact.urn == urn)).opted_out_at is None


def test_espanol_switches_language_for_later_replies(database, engine, clock, make):
    student = make.student()
    urn = f"tel:{student.phone}"
    send(database, engine, clock, urn, "ESPAÑOL")
    _, texts = send(database, engine, clock, urn, "ayuda")
    assert "MENU" in texts[0]
    with database.transaction() as s:
        assert s.scalar(select(Conversation)).person_id == student.id


def test_concurrent_messages_from_one_person_are_serialized(database, engine, clock, make):
    import threading

    student = make.student()
    urn = f"tel:{student.phone}"
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def deliver(i: int) -> None:
        try:
            barrier.wait()
            send(database, engine, clock, urn, "ESPAÑOL" if i % 2 else "ENGLISH", pid=f"SMconc{i}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with database.transaction() as s:
        assert s.scalar(select(func.count()).select_from(InboundMessage)) == 8
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 8
        changes = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "set_language").order_by(AuditEntry.id)
        ).all()
    # each change starts from what the one before it left: no two ever read the same state
    assert changes
    for before, after in zip(changes, changes[1:], strict=False):
        assert after.details["from"] == before.details["to"]


def test_a_crashing_flow_keeps_the_message_and_apologises(
    database, engine, clock, make, monkeypatch
):
    from bot.flows import common

    student = make.student()

    def boom(turn):
        raise RuntimeError("bug")

    monkeypatch.setattr(common, "handle", boom)
    _, texts = send(database, engine, clock, f"tel:{student.phone}", "HELP", pid="SMboom")
    assert "something went wrong" in texts[0]
    with database.transaction() as s:
        row = s.scalar(select(InboundMessage))
        assert row.status == "failed" and row.text == "HELP"


def test_a_failure_at_commit_keeps_the_message_and_apologises(
    database, engine, clock, make, monkeypatch
):
    """The boundary covers the commit too: a write the database refuses loses nothing."""
    from bot.flows import common
    from bot.flows.base import Reply

    student = make.student()

    def bad_write(turn):
        turn.ctx.session.add(AuditEntry(at=clock.now(), actor="x", action=None))  # NOT NULL
        return Reply()

    monkeypatch.setattr(common, "handle", bad_write)
    settled = []
    inbound = Inbound(
        channel="sms",
        urn=f"tel:{student.phone}",
        provider_id="SMcommit",
        received_at=clock.now(),
        text="MENU",
    )
    outcome = engine.receive(database, inbound, settled.append)
    assert settled[-1] is outcome and not outcome.duplicate  # the last settle counts
    assert [m.text for m in outcome.outbox][0].startswith("Sorry, something went wrong")
    with database.transaction() as s:
        row = s.scalar(select(InboundMessage))
        assert (row.status, row.text, row.person_id) == ("failed", "MENU", student.id)
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == 0
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_concurrent_messages_see_the_conversation_the_one_before_left(
    database, engine, clock, make
):
    """Per-person serialization covers the conversation too: each MORE reads the page the
    previous one saved, so four racing MOREs show four different pages."""
    import threading

    student = make.student()
    employer = make.employer()
    for i in range(15):
        make.opportunity(employer, remote=True, title=f"Project {i}")
    urn = f"tel:{student.phone}"
    _, [first] = send(database, engine, clock, urn, "FIND", pid="SMfind")
    assert first.startswith("Opportunities for you (1-3 of 15)")
    barrier = threading.Barrier(4)
    pages: list[str] = []

    def deliver(i: int) -> None:
        barrier.wait()
        _, texts = send(database, engine, clock, urn, "MORE", pid=f"SMmore{i}")
        pages.append(texts[0].splitlines()[0])

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(pages) == sorted(
        f"Opportunities for you ({a}-{a + 2} of 15):" for a in (4, 7, 10, 13)
    )
