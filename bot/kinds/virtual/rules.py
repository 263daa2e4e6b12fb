"""Pure rules of mentor sessions: what a mentor typed, when reminders go, the ISO week."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import dateparser  # type: ignore[import-untyped]

from bot.rules.delivery import in_quiet_hours

SESSION_KINDS = ("briefing", "checkin", "feedback")
DEFAULT_MINUTES = 30
LEADS = (("day", timedelta(days=1)), ("hour", timedelta(hours=1)))
EVENING = time(20)
_FILLER = re.compile(r"\b(el|la|a las|a la|at|on)\b", re.I)
_LINK = re.compile(r"^https?://\S+$", re.I)


@dataclass(frozen=True)
class Meet:
    """What `MEET <when> [minutes] [link]` asked for (starts aware, in UTC)."""

    starts: datetime
    minutes: int
    link: str


def parse_when(text: str, now: datetime, tz: ZoneInfo) -> datetime | None:
    """`thu 4pm`, `tomorrow 9:30`, `2026-12-03 16:00`, `el jueves a las 4pm` in the
    writer's zone `tz`, preferring the future; the instant in UTC, or None."""
    cleaned = " ".join(_FILLER.sub(" ", text).split())
    if not cleaned:
        return None
    base = now.astimezone(tz).replace(tzinfo=None)
    found = dateparser.parse(
        cleaned,
        languages=["en", "es"],
        settings={"PREFER_DATES_FROM": "future", "RELATIVE_BASE": base},
    )
    if found is None:
        return None
    local = found.replace(tzinfo=None, second=0, microsecond=0)
    return local.replace(tzinfo=tz).astimezone(ZoneInfo("UTC"))  # zoneinfo picks the DST offset


def parse_meet(args: str, now: datetime, tz: ZoneInfo) -> Meet | None:
    """`thu 4pm 45 https://…`: a link anywhere, minutes as the last bare number (5-240)."""
    words = args.split()
    link = next((w for w in words if _LINK.match(w)), "")
    words = [w for w in words if w != link]
    minutes = DEFAULT_MINUTES
    if len(words) > 1 and words[-1].isdigit() and 5 <= int(words[-1]) <= 240:
        minutes = int(words.pop())
    starts = parse_when(" ".join(words), now, tz)
    return Meet(starts, minutes, link) if starts is not None else None


def is_link(text: str) -> bool:
    return bool(_LINK.match(text.strip()))


def room_url(base: str) -> str:
    """An unguessable room under the deployment's video base (`https://meet.jit.si/`)."""
    return f"{base.rstrip('/')}/wbl-{secrets.token_urlsafe(12)}"


def reminder_times(
    starts: datetime, now: datetime, tz: ZoneInfo, quiet: tuple[int, int]
) -> list[tuple[str, datetime]]:
    """A day and an hour before `starts`; one in the recipient's quiet hours moves to the
    20:00 (their time) before it, the evening before; past ones and repeats are dropped."""
    found: list[tuple[str, datetime]] = []
    for lead, before in LEADS:
        at = starts - before
        local = at.astimezone(tz)
        if in_quiet_hours(local, *quiet):
            evening = datetime.combine(local.date(), EVENING, tzinfo=tz)
            at = evening if evening <= local else evening - timedelta(days=1)
            at = datetime.combine(at.date(), EVENING, tzinfo=tz)  # 20:00 that day, DST-proof
        if at > now and all(at != when for _, when in found):
            found.append((lead, at))
    return found


def parse_marks(words: tuple[str, ...], count: int, all_words: frozenset[str]) -> list[int] | None:
    """`1 3` or `ALL` against a list of `count` interns: the 1-based numbers, else None."""
    if len(words) == 1 and words[0] in all_words:
        return list(range(1, count + 1))
    if not words or not all(w.isdigit() and 1 <= int(w) <= count for w in words):
        return None
    return sorted({int(w) for w in words})


def parse_rating(raw: str) -> tuple[int, str] | None:
    """`5 Great questions` -> (5, 'Great questions'); a score 1-5 first, else None."""
    m = re.match(r"^\s*([1-5])(?:\s*/\s*5)?(?:\s+|$)(.*)$", raw, re.S)
    return (int(m.group(1)), m.group(2).strip()) if m else None


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def feed_token(secret: str, person_id: int) -> str:
    """The private part of a person's calendar link (`/calendar/<id>-<token>.ics`)."""
    digest = hmac.new(secret.encode(), f"ics|{person_id}".encode(), hashlib.sha256).digest()
    return f"{person_id}-{base64.urlsafe_b64encode(digest)[:22].decode()}"


def feed_person(secret: str, token: str) -> int | None:
    """The person a calendar token belongs to, or None for a forged one."""
    head = token.split("-", 1)[0]
    if not head.isdigit() or len(head) > 12:
        return None
    person_id = int(head)
    return person_id if hmac.compare_digest(token, feed_token(secret, person_id)) else None
