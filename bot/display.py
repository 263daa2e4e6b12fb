"""How values read inside a message: shortened titles, times of day, dates, distances.

One place, so the chat, the check-in page, the supervisor's texts and the consent request
all cut a title the same way.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from babel.dates import format_date


def shorten(text: str, limit: int = 40) -> str:
    """`text` on one line, cut to `limit` characters (at a word when one is near) with `...`."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 3]
    word = cut.rsplit(" ", 1)[0]
    if len(word) >= len(cut) * 2 // 3:  # don't lose a third of the room to a long word
        cut = word
    return cut.rstrip(" ,;:-") + "..."


def time_of_day(at: datetime, tz: tzinfo, lang: str) -> str:
    """A time of day in the district's zone: 9:05 AM (en), 9:05 (es)."""
    local = at.astimezone(tz)
    if lang == "es":
        return f"{local.hour}:{local.minute:02d}"
    return f"{local.hour % 12 or 12}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"


def day(d: date, lang: str) -> str:
    """A short date: Dec 14 (en), 14 dic (es)."""
    return format_date(d, "d MMM" if lang == "es" else "MMM d", locale=lang)


def distance(meters: float | None) -> str:
    """820 m, 1.4 km; ? when unknown."""
    if meters is None:
        return "?"
    return f"{meters / 1000:.1f} km" if meters >= 1000 else f"{round(meters)} m"
