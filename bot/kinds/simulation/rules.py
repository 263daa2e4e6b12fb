"""The economy's pure rules: how amounts are read and shown, tax, and the month's edges.

Money is integer cents everywhere. An amount as people type it (DESIGN "Pinned details"):
`$` tolerated; a comma followed by exactly three digits separates thousands, otherwise it
is the decimal mark; never more than two decimals.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

CENTRAL = "central"  # the economy's own account (rent, tax, opening grants, loans)
MAX_CENTS = 100_000_000_00  # an amount above a hundred million is a typo
CLOSE_HOUR = 6  # the month-end charge runs in the first pass at or after 06:00 on the 1st
FIRM_CODE = re.compile(r"^[A-Z0-9]{2,16}$")

_THOUSANDS = re.compile(r",(?=\d{3}(?!\d))")
_AMOUNT = re.compile(r"(\d*)(?:\.(\d{0,2}))?")


def parse_amount(text: str) -> int | None:
    """Cents for `1,234.50`, `$12,5`, `1.234`? (None: not an amount, or > 2 decimals)."""
    s = text.strip().replace(" ", "")
    s = s.removeprefix("$").removesuffix("$")
    if not s or not re.fullmatch(r"[0-9.,]+", s):
        return None
    s = _THOUSANDS.sub("", s).replace(",", ".")
    found = _AMOUNT.fullmatch(s)
    if found is None or not (found.group(1) or found.group(2)):
        return None
    whole, frac = found.group(1) or "0", (found.group(2) or "").ljust(2, "0")
    cents = int(whole) * 100 + int(frac)
    return cents if cents <= MAX_CENTS else None


def parse_rate(text: str) -> Decimal | None:
    """A tax rate as a fraction (`0.08`); None unless 0 <= rate < 1."""
    try:
        rate = Decimal(text.strip())
    except InvalidOperation:
        return None
    return rate if rate.is_finite() and 0 <= rate < 1 else None


def money(cents: int) -> str:
    """`$1,234.56`, `-$15.00` (the same in English and Spanish: US dollars as written here)."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}${whole:,}.{frac:02d}"


def decimal(cents: int) -> Decimal:
    """Cents as a number of dollars with two decimals (CSV cells: `-15000.00`)."""
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def percent(rate: Decimal) -> str:
    """`0.0800` as `8%`, `0.075` as `7.5%`."""
    return f"{(rate * 100).normalize():f}%"


def tax(revenue_cents: int, rate: Decimal) -> int:
    """Tax on a month's revenue, rounded to the cent, half up; nothing on a loss."""
    if revenue_cents <= 0:
        return 0
    return int((Decimal(revenue_cents) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def month_of(day: date) -> date:
    """The first day of `day`'s month."""
    return day.replace(day=1)


def previous_month(first: date) -> date:
    return month_of(first - timedelta(days=1))


def next_month(first: date) -> date:
    return month_of(first + timedelta(days=32))


def close_due(first: date, tz: ZoneInfo) -> datetime:
    """The instant the month starting on `first` is charged: 06:00 local on the 1st."""
    return datetime.combine(first, time(CLOSE_HOUR), tzinfo=tz)


def month_bounds(first: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The month starting on `first`, as local midnights (aware)."""
    return (
        datetime.combine(first, time(0), tzinfo=tz),
        datetime.combine(next_month(first), time(0), tzinfo=tz),
    )


def may_pay(role: str | None, pay_roles: list[str]) -> bool:
    """Everyone may pay unless the facilitator named the roles that may."""
    if not pay_roles:
        return True
    return role is not None and role.casefold() in {r.casefold() for r in pay_roles}


def clean_memo(text: str, limit: int = 140) -> str:
    return " ".join(text.split())[:limit]
