"""Which opportunity kinds a person takes part in now, for the hints in MENU and HELP:
a student's open placements, or the open placements a supervisor (a mentor) oversees."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, bindparam, select

from bot.context import Context
from bot.rules.placement import OPEN_STATUSES
from db.models import Opportunity, Placement

AUDIENCE_BY_PERSON = {"student": "student", "supervisor": "supervisor"}


def current_kinds(ctx: Context, person_id: int, audience: str) -> list[str]:
    """The kind codes of the person's open placements (as student or as supervisor)."""
    query = _AS_STUDENT if audience == "student" else _AS_SUPERVISOR
    return sorted(ctx.session.connection().execute(query, {"person": person_id}).scalars())


def _kinds_where(who: Any) -> Select[str]:
    """Built once: MENU and HELP run it on every call (a Core statement, no ORM loading)."""
    return (
        select(Opportunity.kind)
        .join(Placement, Placement.opportunity_id == Opportunity.id)
        .where(who == bindparam("person"), Placement.status.in_(OPEN_STATUSES))
        .distinct()
    )


_AS_STUDENT = _kinds_where(Placement.student_id)
_AS_SUPERVISOR = _kinds_where(Opportunity.supervisor_id)
