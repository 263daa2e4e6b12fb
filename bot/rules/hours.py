"""Hours: rounding, sanity caps, expected clocked time, and parsing `LOG 1.5 what I did`.

- Clocked hours (clock in to clock out) are rounded to the nearest quarter hour (half
  up); a time entry longer than `MAX_CLOCKED_H` is kept but flagged for review.
- Logged hours must be between 0.25 and 12 (after rounding to the quarter hour); the
  number may use `.` or `,` and may carry a unit (`1.5h`, `90 min`, `2 horas`).
- The expected length of clocked time (for the nudge and the auto-close) is the placement's
  remaining estimated hours, at least 1 h and at most `DEFAULT_CLOCKED_H`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_decimal

from bot.statuses import EntryStatus

QUARTER = Decimal("0.25")
MIN_LOG_H = Decimal("0.25")
MAX_LOG_H = Decimal("12")
MAX_CLOCKED_H = Decimal("12")
DEFAULT_CLOCKED_H = Decimal("4")
MIN_CLOCKED_H = Decimal("1")
MAX_DESCRIPTION = 1000

_LOG = re.compile(
    r"^\s*(?P<num>\d{1,3}(?:[.,]\d{1,3})?|[.,]\d{1,3})\s*"
    r"(?P<unit>hours?|hrs?|h|horas?|hs|minutes?|mins?|m|minutos?)?(?![A-Za-z])"
    r"[\s:;,.\-]*(?P<rest>.*)$",
    re.I | re.S,
)


@dataclass(frozen=True)
class LogLine:
    """A parsed LOG: hours (quarter-rounded) and what was done."""

    hours: Decimal
    description: str


def to_quarter(hours: Decimal) -> Decimal:
    """Round to the nearest quarter hour, half up."""
    quarters = (hours / QUARTER).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return (quarters * QUARTER).quantize(Decimal("0.01"))


def clocked_hours(started_at: datetime, ended_at: datetime) -> Decimal:
    """Hours between two instants, quarter-rounded, never negative."""
    seconds = max((ended_at - started_at).total_seconds(), 0.0)
    return to_quarter(Decimal(str(seconds)) / Decimal(3600))


def over_cap(hours: Decimal) -> bool:
    """True when one time entry is too long to be believed without review."""
    return hours > MAX_CLOCKED_H


def expected_clocked_hours(est_hours: Decimal, done_hours: Decimal) -> Decimal:
    """How long clocked time is expected to last: remaining estimate, clamped to 1..4 h."""
    remaining = est_hours - done_hours
    return min(max(remaining, MIN_CLOCKED_H), DEFAULT_CLOCKED_H)


def parse_log(args: str) -> LogLine | str:
    """A LogLine, or an error code: `no_hours`, `range`, `no_description`."""
    match = _LOG.match(args or "")
    if match is None:
        return "no_hours"
    try:
        value = Decimal(match["num"].replace(",", "."))
    except InvalidOperation:
        return "no_hours"
    unit = (match["unit"] or "h").lower()
    if unit.startswith("m"):
        value = value / Decimal(60)
    hours = to_quarter(value)
    if not (MIN_LOG_H <= hours <= MAX_LOG_H):
        return "range"
    description = " ".join(match["rest"].split())[:MAX_DESCRIPTION]
    if len(description) < 3:
        return "no_description"
    return LogLine(hours, description)


def totals(rows: Iterable[tuple[str, Decimal | None]]) -> dict[EntryStatus, Decimal]:
    """Sum hours by status (approved, pending, rejected; open time entries count nowhere)."""
    counted = (EntryStatus.APPROVED, EntryStatus.PENDING, EntryStatus.REJECTED)
    out = {status: Decimal("0") for status in counted}
    for status, hours in rows:
        if status in out and hours is not None:
            out[EntryStatus(status)] += Decimal(hours)
    return out


def fmt(hours: Decimal, lang: str = "en") -> str:
    """Hours as people write them in `lang`: 1.5, 2, 0.75 (Spanish: 1,5, 2, 0,75)."""
    return format_decimal(hours, format="#,##0.##", locale=lang)
