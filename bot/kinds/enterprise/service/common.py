"""What the enterprise services share: the student's enterprise placements, how a shift's
time reads, and who supervises an enterprise."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from babel.dates import format_date
from sqlalchemy import select

from bot import display
from bot.context import Context
from bot.rules.placement import OPEN_STATUSES
from bot.statuses import PlacementStatus
from db.models import Opportunity, Person, Placement

CODE = "enterprise"


@dataclass(frozen=True)
class Post:
    """A student's open placement at an enterprise."""

    placement_id: int
    opportunity_id: int
    title: str
    ready: bool


def posts(ctx: Context, student_id: int) -> list[Post]:
    """The student's open enterprise placements, newest first."""
    rows = ctx.session.execute(
        select(Placement.id, Opportunity.id, Opportunity.title, Placement.status)
        .join(Opportunity, Opportunity.id == Placement.opportunity_id)
        .where(
            Placement.student_id == student_id,
            Placement.status.in_(OPEN_STATUSES),
            Opportunity.kind == CODE,
        )
        .order_by(Placement.id.desc())
    ).all()
    return [Post(p, o, t, s == PlacementStatus.READY) for p, o, t, s in rows]


def when(ctx: Context, at: datetime, lang: str) -> str:
    """`Thu Dec 3 7:15 AM` / `jue 3 dic 7:15`, in the district's zone."""
    local = at.astimezone(ctx.settings.tz)
    day = format_date(local.date(), "EEE d MMM" if lang == "es" else "EEE MMM d", locale=lang)
    return f"{day} {display.time_of_day(at, ctx.settings.tz, lang)}"


def supervisor(ctx: Context, opportunity_id: int) -> Person | None:
    """The enterprise's supervisor, else its facilitator (active people only)."""
    opp = ctx.session.get(Opportunity, opportunity_id)
    for pid in (opp.supervisor_id, opp.facilitator_id) if opp else ():
        person = ctx.session.get(Person, pid) if pid else None
        if person is not None and person.active:
            return person
    return None


def first_name(ctx: Context, person_id: int) -> str:
    person = ctx.session.get(Person, person_id)
    return person.given_name if person else ""
