"""Which opportunity kinds a person takes part in now, for the hints in MENU and HELP:
a student's open placements, or the open placements a supervisor (a mentor) oversees."""

from __future__ import annotations

from sqlalchemy import select

from bot.context import Context
from bot.rules.placement import OPEN_STATUSES
from db.models import Opportunity, Placement

AUDIENCE_BY_PERSON = {"student": "student", "supervisor": "supervisor"}


def current_kinds(ctx: Context, person_id: int, audience: str) -> list[str]:
    """The kind codes of the person's open placements (as student or as supervisor)."""
    who = Placement.student_id if audience == "student" else Opportunity.supervisor_id
    query = (
        select(Opportunity.kind)
        .join(Placement, Placement.opportunity_id == Opportunity.id)
        .where(who == person_id, Placement.status.in_(OPEN_STATUSES))
        .distinct()
    )
    return sorted(ctx.session.scalars(query))
