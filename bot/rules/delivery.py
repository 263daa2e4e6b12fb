"""When a message may go out: opt-outs, quiet hours and the daily cap (one place).

Urgent messages (a direct answer, a clock receipt, a consent confirmation) are never
held and never counted. Everything the system starts on its own is non-urgent: held in
quiet hours (21:00-08:00 district time by default) and at most `daily_cap` a day per person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

# Twilio errors meaning the recipient opted out at the carrier (texted STOP to it): the
# address is marked opted out, whether a send fails with one or a status callback reports it
PROVIDER_OPTED_OUT = frozenset({"21610"})


@dataclass(frozen=True)
class Verdict:
    action: str  # send|suppress|hold
    until: datetime | None = None
    reason: str = ""


def in_quiet_hours(local: datetime, start_hour: int, end_hour: int) -> bool:
    h = local.hour
    return h >= start_hour or h < end_hour if start_hour > end_hour else start_hour <= h < end_hour


def quiet_hours_end(now: datetime, tz: ZoneInfo, start_hour: int, end_hour: int) -> datetime:
    """The next instant (aware) when quiet hours are over."""
    local = now.astimezone(tz)
    day = local.date() if local.hour < end_hour else local.date() + timedelta(days=1)
    return datetime.combine(day, time(end_hour), tzinfo=tz)


def next_local_midnight(now: datetime, tz: ZoneInfo) -> datetime:
    local = now.astimezone(tz)
    return datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=tz)


def decide(
    *,
    now: datetime,
    tz: ZoneInfo,
    urgent: bool,
    opted_out: bool,
    ignore_optout: bool,
    sent_today: int,
    quiet_start: int,
    quiet_end: int,
    daily_cap: int,
) -> Verdict:
    """May this message be sent at `now`? `sent_today`: non-urgent ones already sent today."""
    if opted_out and not ignore_optout:
        return Verdict("suppress", reason="opted out")
    if urgent:
        return Verdict("send")
    if in_quiet_hours(now.astimezone(tz), quiet_start, quiet_end):
        return Verdict("hold", quiet_hours_end(now, tz, quiet_start, quiet_end), "quiet hours")
    if sent_today >= daily_cap:
        until = max(
            next_local_midnight(now, tz),
            quiet_hours_end(next_local_midnight(now, tz), tz, quiet_start, quiet_end),
        )
        return Verdict("hold", until, "daily cap")
    return Verdict("send")
