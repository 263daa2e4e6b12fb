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
IDLE_BUCKETS_S = 3600  # a recipient's rate row unused this long is deleted
SWEEP_BUCKETS_EVERY_S = 600


@dataclass
class DispatchSummary:
    """What one pass did; `waiting`: rows were still due, waiting for the rate limit."""

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
    per_recipient: float | None = None
    ready_at: float = 0.0  # time.monotonic() when its recipient's limit lets it go


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
        """Recover lapsed leases, then claim, send and record until nothing is due."""
        with self._lock:
            started, base = time.monotonic(), self.clock()

            def clock() -> datetime:
                return now + (self.clock() - base)

            summary = DispatchSummary(recovered=leases.recover_expired(self.database, now))
            self._fail_unconfigured(summary)
            beat = self.lease.total_seconds() / 3
            with leases.Heartbeat(beat, lambda: self._renew(clock())):
                while not self._stop.is_set():
                    settled = summary.handled
                    batch, wait = self._claim(clock(), limit, summary)
                    if batch:
                        self._send(batch, clock, summary)
                        continue
                    if summary.handled > settled:  # rows held or suppressed: look again
                        continue
                    if wait is None:
                        break
                    if time.monotonic() - started + wait > PASS_SECONDS:
                        summary.waiting = True
                        break
                    self._stop.wait(wait)
            self._sweep_buckets()
            return summary

    # --- claim -----------------------------------------------------------------------
    def _claim(
        self, now: datetime, limit: int, summary: DispatchSummary
    ) -> tuple[list[_Claimed], float | None]:
        """This worker's next batch, and (when none) how long until a due row may go."""
        batch: list[_Claimed] = []
        waits: list[float] = []
        with self.database.transaction() as s:
            for channel in self._senders:
                limits = self.limits(channel)
                bucket = rate_limit.Bucket.open(s, channel, limits.rate) if limits else None
                room = min(limit, bucket.free()) if bucket else limit
                if bucket and room == 0:
                    if claim.has_due(s, channel, now):
                        waits.append(bucket.wait())
                    continue
                rows = self._pick(s, channel, now, room, limits, summary)
                slots = bucket.take(len(rows), self.lease.total_seconds()) if bucket else []
                langs = claim.languages(s, {r.person_id for r in rows if r.person_id})
                for i, row in enumerate(rows):
                    item = self._claimed(row, langs.get(row.person_id or 0, "en"))
                    item.slots = slots[i : i + 1]
                    item.per_recipient = limits.per_recipient if limits else None
                    batch.append(item)
        return batch, (min(waits) if waits and not batch else None)

    def _pick(
        self,
        s: Session,
        channel: str,
        now: datetime,
        room: int,
        limits: ChannelLimits | None,
        summary: DispatchSummary,
    ) -> list[OutboxMessage]:
        """Up to `room` rows of `channel` to send now, flipped to `sending` under our lease."""
        fetch = min(room * 2 + 20, max(room, 200))
        rows = list(s.scalars(claim.due(channel, now, fetch, self.database.is_postgres)))
        if not rows:
            return []
        busy = claim.in_flight(s, channel)
        opted_out = claim.opted_out(s, {r.urn for r in rows})
        today = claim.sent_today(s, {r.person_id for r in rows if r.person_id}, now, self.settings)
        per_urn_cap = math.floor(limits.per_recipient) if limits and limits.per_recipient else 0
        per_urn: Counter[str] = Counter()
        picked: list[OutboxMessage] = []
        for row in rows:
            if len(picked) >= room:
                break
            if row.urn in busy or self._decide(row, now, opted_out, today, summary):
                continue
            if per_urn_cap and per_urn[row.urn] >= max(1, per_urn_cap):
                continue
            per_urn[row.urn] += 1
            if not row.urgent and row.person_id:
                today[row.person_id] += 1
            row.status, row.claimed_at, row.attempts = "sending", now, row.attempts + 1
            row.claimed_by, row.lease_until = self.worker, now + self.lease
            picked.append(row)
        return picked

    def _decide(
        self,
        row: OutboxMessage,
        now: datetime,
        opted_out: set[str],
        today: Counter[int],
        summary: DispatchSummary,
    ) -> bool:
        """Apply the delivery rules; True when the row is settled without sending."""
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
        """Send the batch, each as soon as its recipient's limit allows (in claim order)."""
        with self._held_lock:
            self._held = list(batch)
        pending = list(batch)
        try:
            while pending:
                if self._stop.is_set():
                    self._give_back(pending)
                    return
                item = min(pending, key=lambda c: c.ready_at)
                delay = item.ready_at - time.monotonic()
                if delay > 0:
                    self._stop.wait(delay)
                    continue
                if item.per_recipient and not self._recipient_slot(item):
                    continue
                pending.remove(item)
                self._deliver(item, clock(), summary)
        finally:
            with self._held_lock:
                self._held = []

    def _recipient_slot(self, item: _Claimed) -> bool:
        """Take a slot of the recipient's own limit; else note when to try again."""
        assert item.per_recipient is not None
        env = item.envelope
        with self._held_lock, self.database.transaction() as s:
            bucket = rate_limit.Bucket.open(s, env.urn, item.per_recipient)
            taken = bucket.take(1, self.lease.total_seconds())
            if not taken:
                item.ready_at = time.monotonic() + bucket.wait()
                return False
            item.slots.extend(taken)
            return True

    def _deliver(self, item: _Claimed, now: datetime, summary: DispatchSummary) -> None:
        env = item.envelope
        sender = self._senders[env.channel]
        try:
            result = sender.send(env)
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
            rate_limit.settle(s, item.slots)
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
                rate_limit.extend(s, slots, self.lease.total_seconds())

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
