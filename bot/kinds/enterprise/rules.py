"""Pure rules of a school-based enterprise: amounts, the rota's timings, the P&L week.

No database, no web: the chat, the services, the pages and the report all ask these.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal, InvalidOperation

OPENS_BEFORE = timedelta(minutes=15)  # IN is accepted this long before a shift starts
MISSED_AFTER = timedelta(minutes=15)  # no IN by then: the shift is missed
DROP_NOTICE = timedelta(hours=12)  # a DROP closer than this to the start tells the supervisor
REMIND_BEFORE = timedelta(hours=2)
EVENING = time(20, 0)  # the reminder when 2 h before falls in quiet hours
PAGE = 8  # lines of a SHIFTS or JOBS list per message (MORE shows the next ones)
MAX_AMOUNT = Decimal("100000")

_AMOUNT = re.compile(r"^\$?\s*(\d{1,3}(?:,\d{3})+|\d+)(?:[.,](\d{1,2}))?$")


def parse_amount(text: str) -> Decimal | None:
    """`142.50`, `$142.50`, `142,50`, `1,250.00`, `1,250` → Decimal; None if not an amount.

    A comma followed by exactly three digits separates thousands, otherwise it is the
    decimal mark; at most two decimals; never negative."""
    raw = text.strip().replace(" ", "")
    match = _AMOUNT.match(raw)
    if match is None:
        return None
    whole, cents = match.group(1).replace(",", ""), match.group(2) or "0"
    try:
        value = Decimal(whole) + Decimal(cents.ljust(2, "0")) / 100
    except InvalidOperation:
        return None
    return value if value < MAX_AMOUNT else None


def parse_count(text: str) -> Decimal | None:
    """A stock count: a whole or decimal number (`12`, `2.5`, `2,5`), 0 or more."""
    raw = text.strip().replace(",", ".")
    if not re.fullmatch(r"\d{1,6}(\.\d{1,2})?", raw):
        return None
    return Decimal(raw)


def money(value: Decimal) -> str:
    """`$1,234.50` (negative: `-$15.00`)."""
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def reminder_at(starts_at: datetime, tz: tzinfo, quiet_start: int, quiet_end: int) -> datetime:
    """2 h before the start, or 20:00 the evening before when that falls in quiet hours."""
    at = starts_at - REMIND_BEFORE
    hour = at.astimezone(tz).hour
    quiet = (
        (hour >= quiet_start or hour < quiet_end)
        if quiet_start > quiet_end
        else (quiet_start <= hour < quiet_end)
    )
    if not quiet:
        return at
    local = starts_at.astimezone(tz)
    evening_day = local.date() - timedelta(days=1) if local.hour < 12 else local.date()
    return datetime.combine(evening_day, EVENING, tzinfo=tz)


def may_open(starts_at: datetime, ends_at: datetime, now: datetime) -> bool:
    """IN counts against this shift now (from 15 minutes before its start to its end)."""
    return starts_at - OPENS_BEFORE <= now <= ends_at


def overlaps(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def iso_week(day: date) -> str:
    """`2026-W49`."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def turnaround_hours(created: datetime, done: datetime | None) -> Decimal | None:
    if done is None:
        return None
    return (Decimal((done - created).total_seconds()) / 3600).quantize(Decimal("0.1"))
