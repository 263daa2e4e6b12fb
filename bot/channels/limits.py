"""Pacing sends under the providers' limits, as the channel specs declare them.

`ChannelLimits` holds, for this process, one limiter per provider account (channels of
one account share it: SMS and WhatsApp through Twilio) and one per recipient where a
provider limits that too (a Telegram chat). The dispatcher asks it which limiters a row
needs and how many rows of each it may claim in one pass.
"""

from __future__ import annotations

import math
import time
from collections import Counter, deque
from typing import TYPE_CHECKING

from bot.channels.specs import Limits, spec_for

if TYPE_CHECKING:
    from bot.settings import Settings

UNLIMITED = 10**9


class RateLimiter:
    """At most `cap = max(1, floor(rate))` sends in any `cap / rate` seconds (+ a margin).

    The dispatcher records a send when it has ended (the provider saw it no later), and
    the small margin covers timer resolution. Times are `time.monotonic()` seconds.
    """

    def __init__(self, rate: float, margin: float = 0.01) -> None:
        self.cap = max(1, math.floor(rate))
        self.window = self.cap / rate + margin
        self.times: deque[float] = deque(maxlen=self.cap)

    def ready_at(self) -> float:
        """The earliest instant the next send may start."""
        return self.times[0] + self.window if len(self.times) == self.cap else 0.0

    def record(self, at: float) -> None:
        self.times.append(at)


class KeyedLimiter:
    """One RateLimiter per key (a chat), created on demand and forgotten when idle."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self._limiters: dict[str, RateLimiter] = {}

    def get(self, key: str) -> RateLimiter:
        limiter = self._limiters.get(key)
        if limiter is None:
            if len(self._limiters) > 10_000:
                self.forget_idle(time.monotonic())
            limiter = self._limiters[key] = RateLimiter(self.rate)
        return limiter

    def forget_idle(self, now: float) -> None:
        self._limiters = {k: v for k, v in self._limiters.items() if v.ready_at() > now}


class ChannelLimits:
    """The limiters and per-pass budgets of every channel, from its spec."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._providers: dict[str, RateLimiter] = {}
        self._recipients: dict[str, KeyedLimiter] = {}

    def of(self, channel: str) -> Limits:
        return spec_for(channel).limits(self.settings)

    def draw(self, budget: Counter[str], channel: str, urn: str, seconds: float) -> bool:
        """Take one row for `urn` from a pass's budget (what `seconds` of sending allow, per
        provider and per limited recipient); False when either is spent."""
        limits = self.of(channel)
        caps = {limits.provider: limits.global_mps}
        if limits.per_recipient_mps is not None:
            caps[urn] = limits.per_recipient_mps
        for key, mps in caps.items():
            if key not in budget:
                budget[key] = UNLIMITED if mps is None else max(1, int(mps * seconds))
        if any(budget[key] <= 0 for key in caps):
            return False
        budget.subtract(caps.keys())
        return True

    def limiters(self, channel: str, urn: str) -> list[RateLimiter]:
        """The limiters a send to `urn` must wait for and then be recorded in."""
        limits = self.of(channel)
        out: list[RateLimiter] = []
        if limits.global_mps is not None:
            if limits.provider not in self._providers:
                self._providers[limits.provider] = RateLimiter(limits.global_mps)
            out.append(self._providers[limits.provider])
        if limits.per_recipient_mps is not None:
            if limits.provider not in self._recipients:
                self._recipients[limits.provider] = KeyedLimiter(limits.per_recipient_mps)
            out.append(self._recipients[limits.provider].get(urn))
        return out
