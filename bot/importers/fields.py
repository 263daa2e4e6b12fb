"""Parse one CSV value; each parser raises `BadValue` with the reason a person should read."""

from __future__ import annotations

import re
from collections.abc import Container
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import phonenumbers

YES = {"yes", "y", "true", "1", "t"}
NO = {"no", "n", "false", "0", "f", ""}

PERSON_FIELDS = ("given_name", "family_name", "email", "phone")  # what both imports keep


class BadValue(ValueError):
    """A value that cannot be used; the message is the reason for the report."""


def parse_date(raw: str, shift_days: int = 0) -> date | None:
    """ISO date (`2026-12-01`, also `2026-12-01T00:00:00Z`) moved by `shift_days`; blank → None."""
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw[:10])
    except ValueError:
        raise BadValue(f"not a date (YYYY-MM-DD): {raw[:40]!r}") from None
    return day + timedelta(days=shift_days)


def parse_bool(raw: str) -> bool:
    """yes/no, true/false, 1/0 (blank is no)."""
    low = raw.lower()
    if low in YES:
        return True
    if low in NO:
        return False
    raise BadValue(f"not yes/no: {raw[:40]!r}")


def parse_int(raw: str, *, low: int = 0, high: int = 1_000_000) -> int:
    """A whole number between `low` and `high`."""
    try:
        value = int(raw)
    except ValueError:
        raise BadValue(f"not a whole number: {raw[:40]!r}") from None
    if not low <= value <= high:
        raise BadValue(f"{value} is out of range ({low}-{high})")
    return value


def parse_decimal(raw: str, *, low: Decimal = Decimal(0), high: Decimal = Decimal(9999)) -> Decimal:
    """A decimal number between `low` and `high` (two places kept)."""
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise BadValue(f"not a number: {raw[:40]!r}") from None
    if not value.is_finite() or not low <= value <= high:
        raise BadValue(f"{raw[:40]} is out of range ({low}-{high})")
    return value.quantize(Decimal("0.01"))


def parse_coordinate(raw: str, limit: float) -> float:
    """A latitude (limit 90) or longitude (limit 180) in degrees."""
    try:
        value = float(raw)
    except ValueError:
        raise BadValue(f"not a number: {raw[:40]!r}") from None
    if not -limit <= value <= limit:
        raise BadValue(f"{raw[:40]} is not a coordinate (-{limit:g} to {limit:g})")
    return value


def parse_choice(raw: str, choices: tuple[str, ...]) -> str:
    """One of `choices`, case-insensitive."""
    low = raw.lower()
    if low not in choices:
        raise BadValue(f"{raw[:40]!r} is not one of {', '.join(choices)}")
    return low


# US numbers as SIS exports write them: +1NXXNXXXXXX, (NXX) NXX-XXXX, NXX-NXX-XXXX, NXXNXXXXXX.
NANP = re.compile(r"(?:\+1 ?)?\(?([2-9]\d\d)\)?[ .-]?([2-9]\d\d)[ .-]?(\d{4})")


def _nanp(raw: str, region: str) -> str | None:
    """E.164 of a plainly written US number valid in the US (None: take the general path).

    Same answer as the general path, cheaper: a number valid for the US is valid (the US
    is the first region of +1), so there is no need to find its region among the 25.
    """
    if region != "US":
        return None
    match = NANP.fullmatch(raw)
    if match is None:
        return None
    digits = "".join(match.groups())
    number = phonenumbers.PhoneNumber(country_code=1, national_number=int(digits))
    return f"+1{digits}" if phonenumbers.is_valid_number_for_region(number, "US") else None


def e164_general(raw: str, region: str) -> str:
    """E.164 via phonenumbers' parse / is_valid_number / format (any number, any region)."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise BadValue("phone number cannot be parsed; imported without it") from None
    if not phonenumbers.is_valid_number(number):
        raise BadValue("not a valid phone number; imported without it")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=4096)
def _e164(raw: str, region: str) -> str:
    return _nanp(raw, region) or e164_general(raw, region)


def parse_phone(raw: str, region: str = "US", known: Container[str] = ()) -> str | None:
    """E.164 (`+12095550115`) from what people type; blank → None.

    `known`: numbers already stored (they were checked when stored), so an unchanged
    re-import does not parse them again.
    """
    if not raw:
        return None
    if raw in known:
        return raw
    return _e164(raw, region)
