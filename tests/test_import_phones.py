"""The importer's quick path for plainly written US numbers agrees with phonenumbers' own."""

from __future__ import annotations

import random

import phonenumbers
import pytest

from bot.importers.fields import BadValue, _e164, e164_general, parse_phone

FORMATS = (
    "+1{a}{b}{c}",
    "+1 {a} {b} {c}",
    "({a}) {b}-{c}",
    "({a}){b}-{c}",
    "{a}-{b}-{c}",
    "{a}.{b}.{c}",
    "{a} {b} {c}",
    "{a}{b}{c}",
    "({a} {b}-{c}",
    "1 {a} {b} {c}",
    "+44 20 {b} {c}",
    "{a}-{b}-{c} x12",
)


def _outcome(fn, raw: str) -> str:
    try:
        return fn(raw, "US")
    except BadValue as err:
        return f"error: {err}"


def _numbers(n: int) -> list[str]:
    rng = random.Random(20261201)
    found = []
    for _ in range(n):
        a = f"{rng.randint(0, 999):03d}" if rng.random() < 0.2 else f"{rng.randint(200, 999)}"
        b, c = f"{rng.randint(0, 999):03d}", f"{rng.randint(0, 9999):04d}"
        found.append(rng.choice(FORMATS).format(a=a, b=b, c=c))
    return found


def test_the_us_region_comes_first_for_plus_one() -> None:
    assert phonenumbers.COUNTRY_CODE_TO_REGION_CODE[1][0] == "US"


@pytest.mark.parametrize(
    "raw", ["+12095550115", "(559) 555-0198", "204-555-0143", "+1 800 555 0100"]
)
def test_known_numbers_agree(raw: str) -> None:
    _e164.cache_clear()
    assert _outcome(_e164, raw) == _outcome(e164_general, raw)


def test_thousands_of_written_numbers_agree_with_phonenumbers() -> None:
    _e164.cache_clear()
    numbers = _numbers(4000)
    differ = [r for r in numbers if _outcome(_e164, r) != _outcome(e164_general, r)]
    assert differ == []
    valid = sum(not _outcome(_e164, r).startswith("error") for r in numbers)
    assert 1000 < valid < 4000  # both valid and invalid numbers were tried


def test_canadian_and_toll_free_numbers_take_the_general_path() -> None:
    assert parse_phone("(204) 555-0143") == e164_general("(204) 555-0143", "US")
    assert parse_phone("") is None
