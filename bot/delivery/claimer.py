"""Claiming outbox rows: per channel, urgent first, only as many as can be sent now.

For each channel the due rows are read urgent first (`claim.due`) and decided by the
delivery rules (`bot.outbox.verdict`: suppress for an opted-out address, hold in quiet
hours or over the daily cap); then the channel's rate row is locked, last and briefly,
and as many rows as it has slots free (within AHEAD_SECONDS) are flipped to `sending`
under this worker's lease, each with its recipient's own slot where the channel limits
recipients. A row is claimed only when it can go at once, so an urgent row queued behind
5,000 others goes at the next free slot.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from bot import outbox
from bot.channels import windows
from bot.channels.sender import OutboundEnvelope
from bot.delivery import claim, rate_limit
from bot.delivery.rate_limit import Slot
from bot.settings import Settings
from bot.statuses import OutboxStatus
from db.models import OutboxMessage
from db.session import Database

log = logging.getLogger("wbl.dispatch")

# a batch takes no more rate slots than the channel spends in this long: a slot counts from
# its claim to its send's end, so slots that wait behind others in a batch are slots lost
BATCH_SECONDS = 0.5
# a slot that frees this soon is taken now, and its row sent when it frees: the claim is
# then done before the slot is free, not after (urgent rows queued meanwhile wait this long)
AHEAD_SECONDS = 0.25


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


@dataclass(frozen=True)
class ChannelLimits:
    """Messages a second a provider allows over the whole channel, and to one recipient."""

    rate: float
    per_recipient: float | None = None
    key: str = ""  # the rate row channels of one provider account share (default: the channel)


@dataclass
class Claimed:
    """A row this worker holds, detached, with the rate slots its send will use."""

    envelope: OutboundEnvelope
    attempts: int
    slots: list[Slot] = field(default_factory=list)
    ended: float = 0.0  # time.monotonic() when its send returned


@dataclass
class Claimer:
    """Claims batches for one worker (`worker`, its lease) over the configured channels."""

    settings: Settings
    database: Database
    worker: str
    channels: Callable[[], Iterable[str]]
    limits: Callable[[str], ChannelLimits | None]

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.settings.dispatch_lease_s)

    @property
    def hold(self) -> float:
        """How long a rate slot stays in flight (renewed with the lease)."""
        return self.settings.dispatch_lease_s

    def claim(
        self, now: datetime, limit: int, summary: DispatchSummary
    ) -> tuple[list[Claimed], float | None]:
        """This worker's next batch, and (when none) how long until a due row may go.

        The channel's rate row is locked last, for as short a time as can be: every worker
        takes its slots there, one after another."""
        batch: list[Claimed] = []
        waits: list[float] = []
        with self.database.transaction() as s:
            for channel in self.channels():
                limits = self.limits(channel)
                room = min(limit, _batch(limits)) if limits else limit
                rows = self._candidates(s, channel, now, room, summary)
                if not rows:
                    continue
                bucket = (
                    rate_limit.Bucket.open(s, limits.key or channel, limits.rate)
                    if limits
                    else None
                )
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
        windows.readdress(s, self.settings, rows, now)  # a closed reply window: template or SMS
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
        recipients = (
            rate_limit.Bucket.open_many(s, [r.urn for r in rows[: room * 2]], per_recipient)
            if per_recipient
            else {}
        )
        picked: list[tuple[OutboxMessage, list[Slot]]] = []
        for row in rows:
            if len(picked) >= room:
                break
            own: list[Slot] = []
            recipient = recipients.get(row.urn)
            if per_recipient:
                if recipient is None:
                    continue
                own = recipient.take(1, self.hold, AHEAD_SECONDS)
                if not own:
                    waits.append(recipient.wait(AHEAD_SECONDS))
                    continue
            row.status, row.claimed_at, row.attempts = OutboxStatus.SENDING, now, row.attempts + 1
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
            row.status, row.last_error = OutboxStatus.SUPPRESSED, verdict.reason
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

    def fail_unconfigured(self, summary: DispatchSummary) -> None:
        with self.database.transaction() as s:
            for row in claim.unconfigured(s, set(self.channels())):
                row.status, row.last_error = (
                    OutboxStatus.FAILED,
                    f"{row.channel} channel is not configured",
                )
                summary.failed += 1
                log.warning("outbox %s failed: no %s sender", row.id, row.channel)

    def _claimed(self, row: OutboxMessage, lang: str) -> Claimed:
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
        return Claimed(env, row.attempts)


def _batch(limits: ChannelLimits | None) -> int:
    return max(1, math.ceil(limits.rate * BATCH_SECONDS)) if limits else 1
