"""Time: aware UTC always; a fixed clock for tests and `wbl run-due --now`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock that only moves when told to."""

    at: datetime

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> datetime:
        self.at = self.at + timedelta(**delta)
        return self.at


def parse_local(text: str, tz: tzinfo) -> datetime:
    """Parse an ISO-8601 date-time as people write it in a file: local to `tz` unless it
    names its own offset (then that wins). ValueError when it is not a date-time."""
    value = datetime.fromisoformat(text.strip())
    return value.replace(tzinfo=tz) if value.tzinfo is None else value


def parse_instant(text: str) -> datetime:
    """Parse an ISO-8601 instant; a naive one is refused (say Z or an offset)."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone: add Z or an offset such as -08:00")
    return value.astimezone(UTC)
