"""The outbox dispatcher: deliver committed messages, once, politely and within limits.

One pass (`dispatch_once`) first puts back the rows of workers whose lease lapsed
(`bot.delivery.leases`), then loops: for each channel, take the free slots of its
provider rate limit, shared by every worker through the database
(`bot.delivery.rate_limit`), and claim as many due rows, urgent first (PostgreSQL: `FOR
UPDATE SKIP LOCKED`; SQLite: the `BEGIN IMMEDIATE` write lock), each decided by
`bot.outbox.verdict` (suppress for an opted-out address, hold in quiet hours or over the
daily cap, else `sending` under this worker's lease); commit; send outside any
transaction, taking a per-recipient slot where the channel has one; record each result
and settle its slots in one short transaction. A row is claimed only when it can be sent
at once, so an urgent row queued behind 5,000 others goes at the next free slot. A
heartbeat renews the batch's leases; on a clean stop the rows not yet tried are given
back. Logs carry outbox and person ids only.
"""

from __future__ import annotations

import functools
import logging
import math
import random
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot import outbox
from bot.channels.sender import (
    OutboundEnvelope,
    PermanentSendError,
    RecipientOptedOut,
    Sender,
    TransientSendError,
    build_senders,
)
from bot.context import Context
from bot.delivery import claim, leases, rate_limit
from bot.delivery.rate_limit import Slot
from bot.services import contacts
from bot.settings import Settings
from db.models import OutboxMessage
from db.session import Database

log = logging.getLogger("wbl.dispatch")

PASS_SECONDS = 10  # a pass ends after this long (the worker starts the next at once)
# a batch takes no more rate slots than the channel spends in this long: a slot counts from
# its claim to its send's end, so slots that wait behind others in a batch are slots lost
BATCH_SECONDS = 0.5
# a slot that frees this soon is taken now, and its row sent when it frees: the claim is
# then done before the slot is free, not after (urgent rows queued meanwhile wait this long)
AHEAD_SECONDS = 0.25
IDLE_BUCKETS_S = 3600  # a recipient's rate row unused this long is deleted
SWEEP_BUCKETS_EVERY_S = 600


@dataclass
class DispatchSummary:
    """What one pass did; `waiting`: it ended with rows still due (the rate limit, or
    its time was up)."""

    sent: int = 0
    held: int = 0
    suppressed: int = 0
    retried: int = 0
    failed: int = 0
    recovered: int = 0
    waiting: bool = False

    @property
    def handled(self) -> int:
        return self.sent + self.held + self.suppressed + self.retried + self.failed

    def add(self, other: DispatchSummary) -> None:
        for name in ("sent", "held", "suppressed", "retried", "failed", "recovered"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def __str__(self) -> str:
        return (
            f"sent={self.sent} held={self.held} suppressed={self.suppressed} "
            f"retried={self.retried} failed={self.failed} recovered={self.recovered}"
        )


# --- channel limits: what each provider allows (the channel specs will own these) --------
@dataclass(frozen=True)
class ChannelLimits:
    """Messages a second a provider allows over the whole channel, and to one recipient."""

    rate: float
    per_recipient: float | None = None


def channel_limits(settings: Settings, channel: str) -> ChannelLimits | None:
    """The limits of `channel` (None: unlimited, as the local simulator)."""
    if channel == "sms":
        return ChannelLimits(settings.twilio_mps)
    if channel == "telegram":
        return ChannelLimits(settings.telegram_global_mps, settings.telegram_chat_mps)
    return None


# --- the dispatcher --------------------------------------------------------------------------
@dataclass
class _Claimed:
    envelope: OutboundEnvelope
    attempts: int
    slots: list[Slot] = field(default_factory=list)
    ended: float = 0.0  # time.monotonic() when its send returned


class Dispatcher:
    """Senders and this worker's identity, for as long as the process lives."""

    def __init__(
        self,
        settings: Settings,
        database: Database,
        senders: dict[str, Sender] | None = None,
        limits: Callable[[str], ChannelLimits | None] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self.clock = clock  # the runtime's: a pass at `now` moves on as this clock does
        self.database = database
        self.limits = limits or functools.partial(channel_limits, settings)
        self.worker = leases.worker_id()
        self.lease = timedelta(seconds=settings.dispatch_lease_s)
        self.hold = settings.dispatch_lease_s  # a rate slot in flight, renewed with the lease
        self._senders = senders if senders is not None else build_senders(settings)
        self._lock = threading.Lock()  # one pass at a time
        self._held_lock = threading.Lock()  # the batch in progress (the heartbeat renews it)
        self._held: list[_Claimed] = []
        self._stop = threading.Event()
        self._buckets_swept = time.monotonic()

    def stop(self) -> None:
        """End the pass in progress after its send in flight; give back the rest."""
        self._stop.set()

    # --- one pass ------------------------------------------------------------------
    def run_once(self, now: datetime, limit: int = 200) -> DispatchSummary:
        """Claim, send and record until nothing is due (or PASS_SECONDS have gone by),
        putting back the rows of workers whose lease lapsed as it goes."""
        with self._lock:
            started, base = time.monotonic(), self.clock()

            def clock() -> datetime:
                return now + (self.clock() - base)

            summary = DispatchSummary()
            self._fail_unconfigured(summary)
            beat = self.lease.total_seconds() / 3
            recovered_at = -beat
            with leases.Heartbeat(beat, lambda: self._renew(clock())):
                while not self._stop.is_set():
                    if time.monotonic() - recovered_at >= beat:
                        summary.recovered += leases.recover_expired(self.database, clock())
                        recovered_at = time.monotonic()
                    settled = summary.handled
                    batch, wait = self._claim(clock(), limit, summary)
                    if batch:
                        self._send(batch, clock, summary)
                    elif summary.handled == settled:
                        if wait is None:
                            break  # nothing due
                        if time.monotonic() - started + wait > PASS_SECONDS:
                            summary.waiting = True
                            break
                        self._stop.wait(wait)
                    if time.monotonic() - started > PASS_SECONDS:
                        summary.waiting = True
                        break
            self._sweep_buckets()
            return summary

    # --- claim -----------------------------------------------------------------------
    def _claim(
        self, now: datetime, limit: int, summary: DispatchSummary
    ) -> tuple[list[_Claimed], float | None]:
        """This worker's next batch, and (when none) how long until a due row may go.

        The channel's rate row is locked last, for as short a time as can be: every worker
        takes its slots there, one after another."""
        batch: list[_Claimed] = []
        waits: list[float] = []
        with self.database.transaction() as s:
            for channel in self._senders:
                limits = self.limits(channel)
                room = min(limit, _batch(limits)) if limits else limit
                rows = self._candidates(s, channel, now, room, summary)
                if not rows:
                    continue
                bucket = rate_limit.Bucket.open(s, channel, limits.rate) if limits else None
                if bucket is not None:
                    room = min(room, bucket.free(AHEAD_SECONDS))
                    if room == 0:
                        waits.append(bucket.wait(AHEAD_SECONDS))
                        continue
                picked = self._pick(s, rows, now, room, limits, waits)
                slots = bucket.take(len(picked), self.hold, AHEAD_SECONDS) if bucket else []
                langs = claim.languages(s, {r.person_id for r, _ in picked if r.person_id})
                for i, (row, own) in enumerate(picked):
                    item = self._claimed(row, langs.get(row.person_id or 0, "en"))
                    item.slots = slots[i : i + 1] + own
                    batch.append(item)
        return batch, (min(waits) if waits and not batch else None)

    def _candidates(
        self, s: Session, channel: str, now: datetime, room: int, summary: DispatchSummary
    ) -> list[OutboxMessage]:
        """Up to `room` due rows of `channel` the delivery rules let go now, urgent first;
        the rows they suppress or hold are settled on the way."""
        fetch = min(room * 2 + 20, max(room, 200))
        rows = list(s.scalars(claim.due(channel, now, fetch, self.database.is_postgres)))
        if not rows:
            return []
        opted_out = claim.opted_out(s, {r.urn for r in rows})
        people = {r.person_id for r in rows if r.person_id and not r.urgent}
        today = claim.sent_today(s, people, now, self.settings)
        mine: Counter[int] = Counter()  # non-urgent candidates per person (not sent yet)
        out: list[OutboxMessage] = []
        for row in rows:
            if len(out) >= room:
                break
            if self._decide(row, now, opted_out, today, mine, summary):
                continue
            if not row.urgent and row.person_id:
                today[row.person_id] += 1
                mine[row.person_id] += 1
            out.append(row)
        return out

    def _pick(
        self,
        s: Session,
        rows: list[OutboxMessage],
        now: datetime,
        room: int,
        limits: ChannelLimits | None,
        waits: list[float],
    ) -> list[tuple[OutboxMessage, list[Slot]]]:
        """The first `room` of `rows` (each with its recipient's own rate slot where the
        channel limits recipients), flipped to `sending` under this worker's lease."""
        per_recipient = limits.per_recipient if limits else None
        picked: list[tuple[OutboxMessage, list[Slot]]] = []
        for row in rows:
            if len(picked) >= room:
                break
            own: list[Slot] = []
            if per_recipient:
                recipient = rate_limit.Bucket.open(s, row.urn, per_recipient)
                own = recipient.take(1, self.hold, AHEAD_SECONDS)
                if not own:
                    waits.append(recipient.wait(AHEAD_SECONDS))
                    continue
            row.status, row.claimed_at, row.attempts = "sending", now, row.attempts + 1
            row.claimed_by, row.lease_until = self.worker, now + self.lease
            picked.append((row, own))
        return picked

    def _decide(
        self,
        row: OutboxMessage,
        now: datetime,
        opted_out: set[str],
        today: Counter[int],
        mine: Counter[int],
        summary: DispatchSummary,
    ) -> bool:
        """Apply the delivery rules; True when the row is not to be sent now: settled
        (suppressed, held), or over the cap only with this claim's own candidates (they
        may not all go: it stays pending, to be decided again)."""
        verdict = outbox.verdict(
            self.settings,
            row,
            now,
            opted_out=row.urn in opted_out,
            sent_today=today[row.person_id or 0],
        )
        if verdict.action == "suppress":
            row.status, row.last_error = "suppressed", verdict.reason
            summary.suppressed += 1
            log.info("outbox %s suppressed (%s) person=%s", row.id, verdict.reason, row.person_id)
            return True
        if verdict.action == "hold" and mine[row.person_id or 0] and verdict.reason == "daily cap":
            return True
        if verdict.action == "hold" and verdict.until is not None:
            row.not_before = verdict.until.astimezone(UTC)
            summary.held += 1
            log.info("outbox %s held (%s) person=%s", row.id, verdict.reason, row.person_id)
            return True
        return False

    def _fail_unconfigured(self, summary: DispatchSummary) -> None:
        with self.database.transaction() as s:
            for row in claim.unconfigured(s, set(self._senders)):
                row.status, row.last_error = "failed", f"{row.channel} channel is not configured"
                summary.failed += 1
                log.warning("outbox %s failed: no %s sender", row.id, row.channel)

    def _claimed(self, row: OutboxMessage, lang: str) -> _Claimed:
        env = OutboundEnvelope(
            id=row.id,
            urn=row.urn,
            channel=row.channel,
            text=row.text,
            buttons=list(row.buttons or []),
            extra=dict(row.extra or {}),
            lang=lang,
            person_id=row.person_id,
        )
        return _Claimed(env, row.attempts)

    # --- send --------------------------------------------------------------------------
    def _send(
        self, batch: list[_Claimed], clock: Callable[[], datetime], summary: DispatchSummary
    ) -> None:
        """Send the batch in claim order (its rate slots are taken: each may go at once)."""
        with self._held_lock:
            self._held = list(batch)
        try:
            for i, item in enumerate(batch):
                start = max((slot.start for slot in item.slots), default=0.0)
                if start > time.monotonic():
                    self._stop.wait(start - time.monotonic())
                if self._stop.is_set():
                    self._give_back(batch[i:])
                    return
                self._deliver(item, clock(), summary)
        finally:
            with self._held_lock:
                self._held = []

    def _deliver(self, item: _Claimed, now: datetime, summary: DispatchSummary) -> None:
        env = item.envelope
        sender = self._senders[env.channel]
        try:
            try:
                result = sender.send(env)
            finally:
                item.ended = time.monotonic()  # counted then: the provider saw it no later
        except RecipientOptedOut as exc:
            self._record_opted_out(item, exc, now)
            summary.suppressed += 1
        except PermanentSendError as exc:
            self._record_failed(item, exc.reason)
            summary.failed += 1
            log.warning("outbox %s failed permanently code=%s", env.id, exc.code)
        except TransientSendError as exc:
            if self._record_retry(item, exc.reason, exc.retry_after, now):
                summary.retried += 1
            else:
                summary.failed += 1
        except Exception as exc:  # a sender bug must not lose the message: retry it
            log.exception("outbox %s: unexpected sender error", env.id)
            if self._record_retry(item, f"error: {type(exc).__name__}", None, now):
                summary.retried += 1
            else:
                summary.failed += 1
        else:
            self._record_sent(item, result.provider_id, result.status, now)
            summary.sent += 1

    # --- record ------------------------------------------------------------------------
    def _finish(
        self, item: _Claimed, also: Callable[[Session], None] | None = None, **values: object
    ) -> None:
        """Count the send against its limits and update the row, if we still hold it
        (a status callback may have moved it on; a lapsed lease may have handed it over)."""
        with self._held_lock, self.database.transaction() as s:
            rate_limit.settle(s, item.slots, item.ended)
            if also is not None:
                also(s)
            s.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == item.envelope.id,
                    OutboxMessage.status == "sending",
                    OutboxMessage.claimed_by == self.worker,
                )
                .values(claimed_by=None, lease_until=None, **values)
            )

    def _record_sent(self, item: _Claimed, provider_id: str, status: str, now: datetime) -> None:
        delivered = status == "delivered"
        self._finish(
            item,
            status="delivered" if delivered else "sent",
            provider_message_id=provider_id[:64],
            sent_at=now,
            delivered_at=now if delivered else None,
            last_error=None,
        )
        log.info("outbox %s sent", item.envelope.id)

    def _record_failed(self, item: _Claimed, reason: str) -> None:
        self._finish(item, status="failed", last_error=reason[:500])

    def _record_retry(
        self, item: _Claimed, reason: str, retry_after: float | None, now: datetime
    ) -> bool:
        """Back to pending with exponential backoff; False when attempts ran out (failed)."""
        oid = item.envelope.id
        if item.attempts >= self.settings.dispatch_max_attempts:
            self._record_failed(item, f"gave up after {item.attempts}: {reason}")
            log.warning("outbox %s failed after %d attempts", oid, item.attempts)
            return False
        delay = backoff(self.settings.dispatch_backoff_s, item.attempts, retry_after)
        self._finish(item, status="pending", not_before=now + delay, last_error=reason[:500])
        log.info("outbox %s retry in %.1fs", oid, delay.total_seconds())
        return True

    def _record_opted_out(self, item: _Claimed, exc: RecipientOptedOut, now: datetime) -> None:
        env = item.envelope

        def opt_out(s: Session) -> None:
            contacts.opt_out(Context(s, self.settings, now), env.urn, f"provider:{exc.code}")

        self._finish(item, opt_out, status="suppressed", last_error=exc.reason[:500])
        log.info("outbox %s: recipient opted out person=%s", env.id, env.person_id)

    # --- leases ------------------------------------------------------------------------
    def _renew(self, now: datetime) -> None:
        """The heartbeat: keep this batch's rows and rate slots while it is in progress."""
        with self._held_lock:
            slots = [slot for item in self._held for slot in item.slots]
            with self.database.transaction() as s:
                leases.renew(s, self.worker, now + self.lease)
                rate_limit.extend(s, slots, self.hold)

    def _give_back(self, items: list[_Claimed]) -> None:
        """Release rows never tried (a clean stop) and the rate slots they held."""
        with self._held_lock, self.database.transaction() as s:
            rate_limit.give_back(s, [slot for item in items for slot in item.slots])
            count = leases.release(s, self.worker, [item.envelope.id for item in items])
        log.info("gave back %d outbox rows not yet sent", count)

    def _sweep_buckets(self) -> None:
        if time.monotonic() - self._buckets_swept < SWEEP_BUCKETS_EVERY_S:
            return
        self._buckets_swept = time.monotonic()
        with self.database.transaction() as s:
            rate_limit.forget_idle(s, IDLE_BUCKETS_S)

    def close(self) -> None:
        """Release every sender once (later calls do nothing)."""
        senders, self._senders = self._senders, {}
        for sender in {id(x): x for x in senders.values()}.values():
            sender.close()


def _batch(limits: ChannelLimits | None) -> int:
    return max(1, math.ceil(limits.rate * BATCH_SECONDS)) if limits else 1


def backoff(base_s: float, attempts: int, retry_after: float | None) -> timedelta:
    """base·2^(attempts-1), at least the provider's retry_after, plus up to 10% jitter."""
    delay = max(base_s * 2 ** max(0, attempts - 1), retry_after or 0.0)
    return timedelta(seconds=delay * (1 + random.uniform(0, 0.1)))


# --- one dispatcher per runtime ----------------------------------------------------------
_DISPATCHERS: dict[int, tuple[weakref.ref[object], Dispatcher]] = {}
_REGISTRY_LOCK = threading.Lock()


def dispatcher_for(runtime: object) -> Dispatcher:
    """The long-lived dispatcher of `runtime` (senders and rate limiters are kept)."""
    with _REGISTRY_LOCK:
        entry = _DISPATCHERS.get(id(runtime))
        if entry is None or entry[0]() is not runtime:
            settings: Settings = runtime.settings  # type: ignore[attr-defined]
            database: Database = runtime.database  # type: ignore[attr-defined]
            clock = runtime.clock.now  # type: ignore[attr-defined]
            entry = (weakref.ref(runtime), Dispatcher(settings, database, clock=clock))
            _DISPATCHERS[id(runtime)] = entry
            weakref.finalize(runtime, _drop, id(runtime), entry[1])
        return entry[1]


def _drop(key: int, dispatcher: Dispatcher) -> None:
    with _REGISTRY_LOCK:
        entry = _DISPATCHERS.get(key)
        if entry is not None and entry[1] is dispatcher:
            del _DISPATCHERS[key]
    dispatcher.close()


def close_dispatcher(runtime: object) -> None:
    """Release the senders of `runtime`'s dispatcher (its event loop, its connections)."""
    with _REGISTRY_LOCK:
        entry = _DISPATCHERS.pop(id(runtime), None)
    if entry is not None:
        entry[1].close()


def stop_dispatcher(runtime: object) -> None:
    """Ask `runtime`'s dispatcher to end its pass and give back the rows it has not tried."""
    with _REGISTRY_LOCK:
        entry = _DISPATCHERS.get(id(runtime))
    if entry is not None:
        entry[1].stop()


def dispatch_once(runtime: object, now: datetime, limit: int = 200) -> DispatchSummary:
    """One dispatcher pass at `now` (see the module docstring)."""
    return dispatcher_for(runtime).run_once(now, limit)


def dispatch_all(runtime: object, now: datetime, max_passes: int = 1000) -> DispatchSummary:
    """Pass after pass until nothing due at `now` is left to handle."""
    total = DispatchSummary()
    for _ in range(max_passes):
        summary = dispatch_once(runtime, now)
        total.add(summary)
        if summary.handled == 0 and not summary.waiting:
            break
    return total
