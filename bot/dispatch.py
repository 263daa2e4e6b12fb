"""The outbox dispatcher: deliver committed messages, once, politely and within limits.

A pass (`dispatch_once`) loops until nothing is due: claim a batch (`bot.delivery.claimer`:
per channel, urgent first, only as many rows as the provider rate limit, shared by every
worker through the database, lets go now); send it outside any transaction; record each
result and settle its rate slots in one short transaction. On the way it puts back rows
whose worker's lease lapsed (`bot.delivery.leases`); a heartbeat renews this worker's
leases while its batch is in progress; on a clean stop the rows not yet tried are given
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
from collections.abc import Callable
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from bot.channels.sender import (
    PermanentSendError,
    RecipientOptedOut,
    Sender,
    TransientSendError,
    build_senders,
)
from bot.channels.specs import spec_for
from bot.context import Context
from bot.delivery import leases, rate_limit
from bot.delivery.claimer import ChannelLimits, Claimed, Claimer, DispatchSummary
from bot.delivery.recorder import Recorder
from bot.services import contacts
from bot.settings import Settings
from bot.statuses import OutboxStatus
from db.session import Database

log = logging.getLogger("wbl.dispatch")

PASS_SECONDS = 10  # a pass ends after this long (the worker starts the next at once)
IDLE_BUCKETS_S = 3600  # a recipient's rate row unused this long is deleted
SWEEP_BUCKETS_EVERY_S = 600
IN_FLIGHT_S = 0.1  # the provider answer time the automatic concurrency is sized for


# --- channel limits: what each provider allows, as the channel specs declare it ---------------
def channel_limits(settings: Settings, channel: str) -> ChannelLimits | None:
    """The limits of `channel` (None: unlimited, as the local simulator). Channels of one
    provider account share its rate row (SMS and WhatsApp through one Twilio account)."""
    limits = spec_for(channel).limits(settings)
    if limits.global_mps is None:
        return None
    return ChannelLimits(limits.global_mps, limits.per_recipient_mps, limits.provider)


def concurrency(settings: Settings) -> int:
    """Sends one worker keeps in flight: WBL_DISPATCH_CONCURRENCY, else enough for the
    fastest configured limit when the provider answers within IN_FLIGHT_S (10 at Twilio's
    100/s, 3 at Telegram's 30/s, 1 at 10/s or less: one at a time, as before). A worker
    killed mid-send may repeat at most this many sends (their leases lapse unsettled)."""
    if settings.dispatch_concurrency:
        return settings.dispatch_concurrency
    rates = [settings.twilio_mps if settings.twilio_enabled else 0.0]
    rates.append(settings.telegram_global_mps if settings.telegram_enabled else 0.0)
    return min(16, max(1, math.ceil(max(rates) * IN_FLIGHT_S)))


# --- the dispatcher --------------------------------------------------------------------------
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
        self.claimer = Claimer(
            settings, database, self.worker, lambda: list(self._senders), self.limits
        )
        self._lock = threading.Lock()  # one pass at a time
        self._held_lock = threading.Lock()  # the batch in progress (the heartbeat renews it)
        self._held: list[Claimed] = []
        self._write_lock = threading.Lock()  # the recorder's and the heartbeat's transactions
        self._recorder = Recorder(database, self.worker, self._write_lock)
        self._stop = threading.Event()
        self._buckets_swept = time.monotonic()
        self._count_lock = threading.Lock()  # the summary's counts, added to by the senders
        self._in_flight: list[Future[None]] = []
        self._last_to: dict[str, Future[None]] = {}  # each recipient's latest send in flight
        self.concurrency = concurrency(settings)
        self._pool = (
            ThreadPoolExecutor(self.concurrency, thread_name_prefix="wbl-send")
            if self.concurrency > 1
            else None
        )

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
            self.claimer.fail_unconfigured(summary)
            beat = self.lease.total_seconds() / 3
            recovered_at = -beat
            with leases.Heartbeat(beat, lambda: self._renew(clock())):
                while not self._stop.is_set():
                    if time.monotonic() - recovered_at >= beat:
                        summary.recovered += leases.recover_expired(self.database, clock())
                        recovered_at = time.monotonic()
                    settled = summary.handled + len(self._in_flight)
                    batch, wait = self.claimer.claim(clock(), limit, summary)
                    if batch:
                        self._send(batch, clock, summary)
                    elif self._await_one(wait):
                        continue  # a send ended (or `wait` passed): its slots may be free
                    elif summary.handled + len(self._in_flight) == settled:
                        if wait is None:
                            break  # nothing due
                        if time.monotonic() - started + wait > PASS_SECONDS:
                            summary.waiting = True
                            break
                        self._stop.wait(wait)
                    if time.monotonic() - started > PASS_SECONDS:
                        summary.waiting = True
                        break
                self._settle_all()
            self._sweep_buckets()
            return summary

    # --- claim -----------------------------------------------------------------------
    # --- send --------------------------------------------------------------------------
    def _send(
        self, batch: list[Claimed], clock: Callable[[], datetime], summary: DispatchSummary
    ) -> None:
        """Start the batch's sends in the order their rate slots free (`_by_start`), each no
        earlier than its slots let it, up to `dispatch_concurrency` in flight (a provider answering in 50 ms would
        otherwise cap one worker at 20 a second, whatever the limit). Returns once the last
        has started, so the next claim overlaps the sends in flight; `_settle_all` waits."""
        with self._held_lock:
            self._held.extend(batch)
        batch, starts = _by_start(batch)
        for i, (item, start) in enumerate(zip(batch, starts, strict=True)):
            if start > time.monotonic():
                self._stop.wait(start - time.monotonic())
            if self._stop.is_set():
                self._give_back(batch[i:])
                return
            if self._pool is None:
                self._deliver(item, clock(), summary)
                continue
            earlier = self._last_to.get(item.envelope.urn)
            if earlier is not None:
                earlier.result()  # one recipient's messages arrive in the order queued
            future = self._pool.submit(self._deliver, item, clock(), summary)
            self._last_to[item.envelope.urn] = future
            self._in_flight.append(future)

    def _await_one(self, wait: float | None) -> bool:
        """Wait (at most `wait` seconds, or PASS_SECONDS) for a send in flight to end; False
        when none is in flight. A send in flight holds its slots until it ends, so the
        claim's wait for them is no more than a guess at its end."""
        pending = [future for future in self._in_flight if not future.done()]
        if not pending:
            return False
        # not claiming again before something changed: every claim locks the rate rows
        timeout = PASS_SECONDS if wait is None else min(max(wait, 0.005), PASS_SECONDS)
        futures.wait(pending, timeout=timeout, return_when=futures.FIRST_COMPLETED)
        return True

    def _settle_all(self) -> None:
        """Wait for every send in flight (its result is recorded by then)."""
        in_flight, self._in_flight = self._in_flight, []
        for future in in_flight:
            future.result()
        self._last_to.clear()

    def _deliver(self, item: Claimed, now: datetime, summary: DispatchSummary) -> None:
        try:
            outcome = self._outcome(item, now)
        finally:
            with self._held_lock:
                self._held.remove(item)
        with self._count_lock:
            setattr(summary, outcome, getattr(summary, outcome) + 1)

    def _outcome(self, item: Claimed, now: datetime) -> str:
        """Send one claimed row and record the result; which summary count it adds to."""
        env = item.envelope
        sender = self._senders[env.channel]
        try:
            try:
                result = sender.send(env)
            finally:
                item.ended = time.monotonic()  # the provider saw it no later
        except RecipientOptedOut as exc:
            self._record_opted_out(item, exc, now)
            return "suppressed"
        except PermanentSendError as exc:
            self._record_failed(item, exc.reason)
            log.warning("outbox %s failed permanently code=%s", env.id, exc.code)
            return "failed"
        except TransientSendError as exc:
            retried = self._record_retry(item, exc.reason, exc.retry_after, now)
            return "retried" if retried else "failed"
        except Exception as exc:  # a sender bug must not lose the message: retry it
            log.exception("outbox %s: unexpected sender error", env.id)
            retried = self._record_retry(item, f"error: {type(exc).__name__}", None, now)
            return "retried" if retried else "failed"
        self._record_sent(item, result.provider_id, result.status, now)
        return "sent"

    # --- record ------------------------------------------------------------------------
    def _finish(
        self, item: Claimed, also: Callable[[Session], None] | None = None, **values: object
    ) -> None:
        """Update the row, if we still hold it (a status callback may have moved it on; a
        lapsed lease may have handed it over), and count the send against its limits: the
        recorder writes it with the other sends that ended meanwhile, and returns once
        committed."""
        self._recorder.record(item, also, values)

    def _record_sent(self, item: Claimed, provider_id: str, status: str, now: datetime) -> None:
        delivered = status == OutboxStatus.DELIVERED
        self._finish(
            item,
            status=OutboxStatus.DELIVERED if delivered else OutboxStatus.SENT,
            provider_message_id=provider_id[:64],
            sent_at=now,
            delivered_at=now if delivered else None,
            last_error=None,
        )
        log.info("outbox %s sent", item.envelope.id)

    def _record_failed(self, item: Claimed, reason: str) -> None:
        self._finish(item, status=OutboxStatus.FAILED, last_error=reason[:500])

    def _record_retry(
        self, item: Claimed, reason: str, retry_after: float | None, now: datetime
    ) -> bool:
        """Back to pending with exponential backoff; False when attempts ran out (failed)."""
        oid = item.envelope.id
        if item.attempts >= self.settings.dispatch_max_attempts:
            self._record_failed(item, f"gave up after {item.attempts}: {reason}")
            log.warning("outbox %s failed after %d attempts", oid, item.attempts)
            return False
        delay = backoff(self.settings.dispatch_backoff_s, item.attempts, retry_after)
        self._finish(
            item, status=OutboxStatus.PENDING, not_before=now + delay, last_error=reason[:500]
        )
        log.info("outbox %s retry in %.1fs", oid, delay.total_seconds())
        return True

    def _record_opted_out(self, item: Claimed, exc: RecipientOptedOut, now: datetime) -> None:
        env = item.envelope

        def opt_out(s: Session) -> None:
            contacts.opt_out(Context(s, self.settings, now), env.urn, f"provider:{exc.code}")

        self._finish(item, opt_out, status=OutboxStatus.SUPPRESSED, last_error=exc.reason[:500])
        log.info("outbox %s: recipient opted out person=%s", env.id, env.person_id)

    # --- leases ------------------------------------------------------------------------
    def _renew(self, now: datetime) -> None:
        """The heartbeat: keep this batch's rows and rate slots while it is in progress."""
        with self._held_lock, self._write_lock:
            slots = [slot for item in self._held for slot in item.slots]
            with self.database.transaction() as s:
                leases.renew(s, self.worker, now + self.lease)
                rate_limit.extend(s, slots, self.hold)

    def _give_back(self, items: list[Claimed]) -> None:
        """Release rows never tried (a clean stop) and the rate slots they held."""
        with self._held_lock, self.database.transaction() as s:
            rate_limit.give_back(s, [slot for item in items for slot in item.slots])
            count = leases.release(s, self.worker, [item.envelope.id for item in items])
            self._held = [item for item in self._held if item not in items]
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
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        self._recorder.close()
        for sender in {id(x): x for x in senders.values()}.values():
            sender.close()


def _by_start(batch: list[Claimed]) -> tuple[list[Claimed], list[float]]:
    """The batch in the order its sends may start (`time.monotonic()`), with those
    instants: one recipient's messages keep their claim order (a later one starts no
    earlier than the one before it), and one whose slot frees later does not hold up
    the rest."""
    last: dict[str, float] = {}
    starts = []
    for item in batch:
        start = max((slot.start for slot in item.slots), default=0.0)
        start = last[item.envelope.urn] = max(start, last.get(item.envelope.urn, 0.0))
        starts.append(start)
    order = sorted(range(len(batch)), key=lambda i: starts[i])  # stable: ties keep order
    return [batch[i] for i in order], [starts[i] for i in order]


def backoff(base_s: float, attempts: int, retry_after: float | None) -> timedelta:
    """base·2^(attempts-1), at least the provider's retry_after, plus up to 10% jitter."""
    delay = max(base_s * 2 ** max(0, attempts - 1), retry_after or 0.0)
    return timedelta(seconds=delay * (1 + random.uniform(0, 0.1)))


# --- one dispatcher per runtime ----------------------------------------------------------
_DISPATCHERS: dict[int, tuple[weakref.ref[object], Dispatcher]] = {}
# reentrant: a runtime collected while this thread holds it runs _drop, which takes it too
_REGISTRY_LOCK = threading.RLock()


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
