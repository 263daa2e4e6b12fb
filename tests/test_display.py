"""The one title shortener and the small formats every message uses."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.display import day, distance, shorten, time_of_day


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("Audit our social media", 40, "Audit our social media"),
        ("  Audit   our\nsocial media ", 40, "Audit our social media"),
        ("Morning cafe shift lead: inventory and till", 30, "Morning cafe shift lead..."),
        (
            "Translate the patient intake flyer into Spanish",
            40,
            "Translate the patient intake flyer...",
        ),
        ("Supercalifragilisticexpialidocious work", 20, "Supercalifragilis..."),
        ("Sales, marketing, design", 20, "Sales, marketing..."),
    ],
)
def test_shorten_cuts_at_a_word_and_never_exceeds_the_limit(text, limit, expected):
    assert shorten(text, limit) == expected
    assert len(shorten(text, limit)) <= limit


def test_times_dates_and_distances_read_as_people_write_them():
    la = ZoneInfo("America/Los_Angeles")
    at = datetime(2026, 12, 1, 17, 5, tzinfo=UTC)
    assert (time_of_day(at, la, "en"), time_of_day(at, la, "es")) == ("9:05 AM", "9:05")
    assert day(date(2026, 12, 14), "en") == "Dec 14" and day(date(2026, 12, 14), "es") == "14 dic"
    assert (distance(None), distance(149.6), distance(1450)) == ("?", "150 m", "1.4 km")
