"""Each person's own time zone: where it is kept, and how a time reads to them.

A mentor's zone is `supervisors.csv` `timezone` (IANA); everyone else, and a mentor
without one, lives in the district's (`DISTRICT_TZ`). Times are stored in UTC and shown
in the reader's zone, named when it is not the district's ("4:00 PM Toronto time").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.dates import format_date
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.display import time_of_day
from bot.i18n import N_
from db.models import Supervisor

NAMED = N_("{when} ({city} time)")


def valid(name: str) -> bool:
    """An IANA zone name this machine knows (`America/Toronto`)."""
    return name in available_timezones()


def zone(name: str | None, default: ZoneInfo) -> ZoneInfo:
    """The zone `name` names, else `default` (blank or unknown)."""
    if not name:
        return default
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return default


def name_of(session: Session, person_id: int) -> str | None:
    """The person's own zone name, or None when it is the district's."""
    return session.scalar(select(Supervisor.timezone).where(Supervisor.person_id == person_id))


def of_person(session: Session, person_id: int, district: ZoneInfo) -> ZoneInfo:
    return zone(name_of(session, person_id), district)


def city(tz: ZoneInfo) -> str:
    """America/Los_Angeles -> Los Angeles."""
    return tz.key.rsplit("/", 1)[-1].replace("_", " ")


def when(at: datetime, tz: ZoneInfo, district: ZoneInfo, lang: str, _: Callable[..., str]) -> str:
    """A session time as its reader sees it: `Thu Dec 3, 4:00 PM`, `jue 3 dic, 16:00`,
    with the zone named when it differs from the district's (`… (Toronto time)`)."""
    local = at.astimezone(tz)
    pattern = "EEE d MMM" if lang == "es" else "EEE MMM d"
    text = f"{format_date(local.date(), pattern, locale=lang)}, {time_of_day(local, tz, lang)}"
    if tz.key == district.key:
        return text
    return _(NAMED, when=text, city=city(tz))
