"""The outbox dispatcher: deliver committed messages, once, politely and within limits.

One pass (`dispatch_once`): put rows stuck in `sending` by a crashed worker back to
pending; claim due rows (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: the `BEGIN
IMMEDIATE` write lock) and decide each with `bot.outbox.verdict` (suppress for an
opted-out address, hold in quiet hours or over the daily cap, else flip to `sending`);
commit; send outside any transaction, paced under the provider rate limits; record each
result in its own short transaction. Logs carry outbox and person ids only.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as dtime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot import outbox
from bot.channels import windows
from bot.channels.limits import ChannelLimits, RateLimiter
from bot.channels.sender import (
    OutboundEnvelope,
    PermanentSendError,
    RecipientOptedOut,
    Sender,
    TransientSendError,
    build_senders,
)
from bot.context import Context
from bot.services import contacts
from bot.settings import Settings
from db.models import Contact, OutboxMessage, Person
from db.session import Database

log = logging.getLogger("wbl.dispatch")

STUCK_AFTER = timedelta(minutes=5)
PASS_SECONDS = 30  # claim no more than a channel can send in this many seconds
COUNTED = ("sending", "sent", "delivered")


@dataclass
class DispatchSummary:
    """What one pass did."""

    sent: int = 0
    held: int = 0
    suppressed: int = 0
    retried: int = 0
    failed: int = 0
    recovered: int = 0

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


@dataclass
class _Claimed:
    envelope: OutboundEnvelope
    attempts: int
    limiters: list[RateLimiter] = field(default_factory=list)


class Dispatcher:
    """Senders and rate limiters that live as long as the process (one per runtime)."""

    def __init__(
        self,
        settings: Settings,
        database: Database,
        senders: dict[str, Sender] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.database = database
        self.sleep = sleep
        self._senders = senders if senders is not None else build_senders(settings)
        self._limits = ChannelLimits(settings)
        self._lock = threading.Lock()

    # --- one pass ------------------------------------------------------------------
    def run_once(self, now: datetime, limit: int = 200) -> DispatchSummary:
        """Recover, claim, send and record one batch of due messages."""
        with self._lock:
            summary = DispatchSummary(recovered=self.recover_stuck(now))
            for claimed in self._paced(self._claim(now, limit, summary)):
                self._deliver(claimed, now, summary)
            return summary

    def recover_stuck(self, now: datetime) -> int:
        """Put rows left in `sending` by a crashed worker back to pending."""
        with self.database.transaction() as s:
            result = s.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.status == "sending",
                    (OutboxMessage.claimed_at < now - STUCK_AFTER)
                    | OutboxMessage.claimed_at.is_(None),
                )
                .values(status="pending", not_before=now, last_error="recovered from sending")
            )
            count = int(result.rowcount or 0)  # type: ignore[attr-defined]
        if count:
            log.warning("recovered %d outbox rows stuck in sending", count)
        return count

    # --- claim -----------------------------------------------------------------------
    def _claim(self, now: datetime, limit: int, summary: DispatchSummary) -> list[_Claimed]:
        claimed: list[_Claimed] = []
        with self.database.transaction() as s:
            rows = list(s.scalars(_due(now, limit, self.database.is_postgres)))
            if not rows:
                return claimed
            windows.readdress(s, self.settings, rows, now)
            opted_out = _opted_out(s, {r.urn for r in rows})
            langs = _languages(s, {r.person_id for r in rows if r.person_id})
            today = _sent_today(s, {r.person_id for r in rows if r.person_id}, now, self.settings)
            budget: Counter[str] = Counter()
            for row in rows:
                if self._decide(row, now, opted_out, today, summary):
                    continue
                if not self._limits.draw(budget, row.channel, row.urn, PASS_SECONDS):
                    continue
                if not row.urgent and row.person_id:
                    today[row.person_id] += 1
                row.status, row.claimed_at, row.attempts = "sending", now, row.attempts + 1
                claimed.append(self._claimed(row, langs.get(row.person_id or 0, "en")))
        return claimed

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
        if row.channel not in self._senders:
            row.status, row.last_error = "failed", f"{row.channel} channel is not configured"
            summary.failed += 1
            log.warning("outbox %s failed: no %s sender", row.id, row.channel)
            return True
        return False

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
        return _Claimed(env, row.attempts, self._limits.limiters(row.channel, row.urn))

    # --- send --------------------------------------------------------------------------
    def _paced(self, batch: list[_Claimed]) -> Iterator[_Claimed]:
        """Yield messages in an order and at a pace the rate limits allow (sleeping)."""
        pending = list(batch)
        while pending:
            best = min(range(len(pending)), key=lambda i: _ready_at(pending[i]))
            item = pending.pop(best)
            wait = _ready_at(item) - time.monotonic()
            if wait > 0:
                self.sleep(wait)
            yield item  # the caller sends it; the limiters record when the send ended

    def _deliver(self, item: _Claimed, now: datetime, summary: DispatchSummary) -> None:
        env = item.envelope
        sender = self._senders[env.channel]
        try:
            try:
                result = sender.send(env)
            finally:
                _record_sent_time(item)
        except RecipientOptedOut as exc:
            self._record_opted_out(env, exc, now)
            summary.suppressed += 1
        except PermanentSendError as exc:
            self._record_failed(env.id, exc.reason)
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
            self._record_sent(env.id, result.provider_id, result.status, now)
            summary.sent += 1

    # --- record ------------------------------------------------------------------------
    def _finish(self, outbox_id: int, s: Session | None = None, **values: object) -> None:
        """Update a row we hold in `sending` (a status callback may already have moved it)."""
        stmt = (
            update(OutboxMessage)
            .where(OutboxMessage.id == outbox_id, OutboxMessage.status == "sending")
            .values(**values)
        )
        if s is not None:
            s.execute(stmt)
            return
        with self.database.transaction() as own:
            own.execute(stmt)

    def _record_sent(self, outbox_id: int, provider_id: str, status: str, now: datetime) -> None:
        delivered = status == "delivered"
        self._finish(
            outbox_id,
            status="delivered" if delivered else "sent",
            provider_message_id=provider_id[:64],
            sent_at=now,
            delivered_at=now if delivered else None,
            last_error=None,
        )
        log.info("outbox %s sent", outbox_id)

    def _record_failed(self, outbox_id: int, reason: str) -> None:
        self._finish(outbox_id, status="failed", last_error=reason[:500])

    def _record_retry(
        self, item: _Claimed, reason: str, retry_after: float | None, now: datetime
    ) -> bool:
        """Back to pending with exponential backoff; False when attempts ran out (failed)."""
        oid = item.envelope.id
        if item.attempts >= self.settings.dispatch_max_attempts:
            self._record_failed(oid, f"gave up after {item.attempts}: {reason}")
            log.warning("outbox %s failed after %d attempts", oid, item.attempts)
            return False
        delay = backoff(self.settings.dispatch_backoff_s, item.attempts, retry_after)
        self._finish(oid, status="pending", not_before=now + delay, last_error=reason[:500])
        log.info("outbox %s retry in %.1fs", oid, delay.total_seconds())
        return True

    def _record_opted_out(
        self, env: OutboundEnvelope, exc: RecipientOptedOut, now: datetime
    ) -> None:
        with self.database.transaction() as s:
            contacts.opt_out(Context(s, self.settings, now), env.urn, f"provider:{exc.code}")
            self._finish(env.id, s, status="suppressed", last_error=exc.reason[:500])
        log.info("outbox %s: recipient opted out person=%s", env.id, env.person_id)

    def close(self) -> None:
        """Release every sender once (later calls do nothing)."""
        senders, self._senders = self._senders, {}
        for sender in {id(x): x for x in senders.values()}.values():
            sender.close()


def backoff(base_s: float, attempts: int, retry_after: float | None) -> timedelta:
    """base·2^(attempts-1), at least the provider's retry_after, plus up to 10% jitter."""
    delay = max(base_s * 2 ** max(0, attempts - 1), retry_after or 0.0)
    return timedelta(seconds=delay * (1 + random.uniform(0, 0.1)))


def _record_sent_time(item: _Claimed) -> None:
    """Count the send at its end: the provider saw it no later, so a window is never short."""
    ended = time.monotonic()
    for limiter in item.limiters:
        limiter.record(ended)


def _ready_at(item: _Claimed) -> float:
    return max((lim.ready_at() for lim in item.limiters), default=0.0)


def _due(now: datetime, limit: int, postgres: bool):  # type: ignore[no-untyped-def]
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.not_before <= now)
        .order_by(OutboxMessage.urgent.desc(), OutboxMessage.not_before, OutboxMessage.id)
        .limit(limit)
    )
    return stmt.with_for_update(skip_locked=True) if postgres else stmt


def _opted_out(s: Session, urns: set[str]) -> set[str]:
    return set(
        s.scalars(
            select(Contact.urn).where(Contact.urn.in_(urns), Contact.opted_out_at.is_not(None))
        )
    )


def _languages(s: Session, person_ids: set[int]) -> dict[int, str]:
    rows = s.execute(select(Person.id, Person.language).where(Person.id.in_(person_ids)))
    return {int(pid): lang or "en" for pid, lang in rows}


def _sent_today(s: Session, person_ids: set[int], now: datetime, st: Settings) -> Counter[int]:
    """Non-urgent messages already sent (or in flight) today, district time, per person."""
    day = now.astimezone(st.tz).date()
    start = datetime.combine(day, dtime(0), tzinfo=st.tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), dtime(0), tzinfo=st.tz).astimezone(UTC)
    at = func.coalesce(OutboxMessage.sent_at, OutboxMessage.claimed_at)
    rows = s.execute(
        select(OutboxMessage.person_id, func.count())
        .where(
            OutboxMessage.person_id.in_(person_ids),
            OutboxMessage.urgent.is_(False),
            OutboxMessage.status.in_(COUNTED),
            at >= start,
            at < end,
        )
        .group_by(OutboxMessage.person_id)
    )
    return Counter({int(pid or 0): int(n) for pid, n in rows})


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
            entry = (weakref.ref(runtime), Dispatcher(settings, database))
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


def dispatch_once(runtime: object, now: datetime, limit: int = 200) -> DispatchSummary:
    """One dispatcher pass at `now` (see the module docstring)."""
    return dispatcher_for(runtime).run_once(now, limit)


def dispatch_all(runtime: object, now: datetime, max_passes: int = 1000) -> DispatchSummary:
    """Pass after pass until nothing due at `now` is left to handle."""
    total = DispatchSummary()
    for _ in range(max_passes):
        summary = dispatch_once(runtime, now)
        total.add(summary)
        if summary.handled == 0:
            break
    return total
