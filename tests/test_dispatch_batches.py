"""How one worker gets a batch out: sends ordered by when their rate slots free, and
their results written in groups, where one bad record fails alone."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select, update

from bot.channels.sender import OutboundEnvelope
from bot.delivery import rate_limit
from bot.delivery.claimer import Claimed
from bot.delivery.rate_limit import Slot
from bot.delivery.recorder import Recorder
from bot.dispatch import _by_start
from db.models import OutboxMessage
from tests.support.providers import queue_message


def claimed(oid: int, urn: str, *starts: float) -> Claimed:
    slots = [Slot(f"key{i}", 0, 0.0, 0.0, start) for i, start in enumerate(starts)]
    return Claimed(OutboundEnvelope(id=oid, urn=urn, channel="sms", text=f"m{oid}"), 1, slots)


def test_a_send_whose_slot_frees_later_does_not_hold_up_the_rest_of_its_batch():
    batch = [
        claimed(1, "telegram:1", 10.0, 10.2),  # its chat's own slot frees last
        claimed(2, "telegram:2", 10.0, 10.0),
        claimed(3, "telegram:3", 10.1),
    ]
    ordered, starts = _by_start(batch)
    assert [item.envelope.id for item in ordered] == [2, 3, 1]
    assert starts == [10.0, 10.1, 10.2]


def test_one_recipients_messages_keep_their_claim_order_whatever_their_slots_say():
    batch = [claimed(1, "tel:+1", 10.3), claimed(2, "tel:+2", 10.1), claimed(3, "tel:+1", 10.0)]
    ordered, starts = _by_start(batch)
    assert [item.envelope.id for item in ordered] == [2, 1, 3]
    assert starts == [10.1, 10.3, 10.3]  # the later message to +1 waits for the earlier


def _sending(database, clock, worker: str, n: int) -> list[int]:
    ids = [
        queue_message(database, f"tel:+1559555{i:04d}", f"M{i}", at=clock.now()) for i in range(n)
    ]
    with database.transaction() as s:
        s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .values(status="sending", claimed_by=worker)
        )
    return ids


def test_a_group_of_results_is_written_together_and_a_bad_one_fails_alone(database, clock):
    ids = _sending(database, clock, "w1", 3)
    recorder = Recorder(database, "w1", threading.Lock())

    def broken(s):
        raise RuntimeError("a bug in what is written with the row")

    errors: dict[int, BaseException] = {}

    def record(oid: int) -> None:
        item = Claimed(OutboundEnvelope(id=oid, urn="tel:+1", channel="sms", text="x"), 1)
        try:
            recorder.record(item, broken if oid == ids[1] else None, {"status": "sent"})
        except RuntimeError as exc:
            errors[oid] = exc

    threads = [threading.Thread(target=record, args=(oid,)) for oid in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    recorder.close()
    assert list(errors) == [ids[1]]
    with database.transaction() as s:
        rows = {r.id: r for r in s.scalars(select(OutboxMessage))}
    assert [rows[i].status for i in ids] == ["sent", "sending", "sent"]
    assert rows[ids[0]].claimed_by is None and rows[ids[1]].claimed_by == "w1"


def test_a_result_is_not_written_over_a_row_another_worker_now_holds(database, clock):
    (oid,) = _sending(database, clock, "w2", 1)  # the lease lapsed: w2 has it now
    recorder = Recorder(database, "w1", threading.Lock())
    item = Claimed(OutboundEnvelope(id=oid, urn="tel:+1", channel="sms", text="x"), 1)
    recorder.record(item, None, {"status": "sent"})
    recorder.close()
    with database.transaction() as s:
        row = s.get(OutboxMessage, oid)
        assert row is not None and (row.status, row.claimed_by) == ("sending", "w2")


@pytest.mark.parametrize("n", [1, 5])
def test_each_result_is_committed_before_record_returns(database, clock, n):
    ids = _sending(database, clock, "w1", n)
    recorder = Recorder(database, "w1", threading.Lock())
    for oid in ids:
        item = Claimed(OutboundEnvelope(id=oid, urn="tel:+1", channel="sms", text="x"), 1)
        recorder.record(item, None, {"status": "sent"})
        with database.transaction() as s:
            assert s.get(OutboxMessage, oid).status == "sent"
    recorder.close()


def test_a_counted_send_leaves_the_slots_the_heartbeat_renews(database, clock):
    """Renewing what the worker holds must not mark a counted slot in flight again."""
    (oid,) = _sending(database, clock, "w1", 1)
    with database.transaction() as s:
        slots = rate_limit.Bucket.open(s, "telegram:1", 1.0).take(1, hold=30.0)
    item = Claimed(OutboundEnvelope(id=oid, urn="telegram:1", channel="telegram", text="x"), 1)
    item.slots, item.ended = slots, time.monotonic()
    recorder = Recorder(database, "w1", threading.Lock())
    recorder.record(item, None, {"status": "sent"})
    recorder.close()
    assert item.slots == []
    with database.transaction() as s:
        rate_limit.extend(s, [slot for held in [item] for slot in held.slots], 30.0)
        bucket = rate_limit.Bucket.open(s, "telegram:1", 1.0)
        assert bucket.wait() < 2.0  # free a window after the send, not a lease later
