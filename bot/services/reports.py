"""Soft-skill ratings for reports: per placement by round, and mean per skill.

Only finished rounds count in summaries (a half-rated round is still being answered);
a placement's own view shows every score so far.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.statuses import RatingStatus
from db.models import Placement, Rating, RatingRequest, Student


def ratings_by_placement(session: Session, placement_id: int) -> dict[str, list[int]]:
    """skill -> its scores in round order, for one placement."""
    rows = session.execute(
        select(Rating.skill, Rating.score)
        .join(RatingRequest, RatingRequest.id == Rating.request_id)
        .where(Rating.placement_id == placement_id)
        .order_by(RatingRequest.round, Rating.id)
    ).all()
    found: dict[str, list[int]] = {}
    for skill, score in rows:
        found.setdefault(skill, []).append(int(score))
    return found


def ratings_summary(
    session: Session, *, school_id: int | None = None, opportunity_id: int | None = None
) -> dict[str, float]:
    """Mean score per skill over finished rounds, optionally for one school or opportunity."""
    stmt = (
        select(Rating.skill, func.avg(Rating.score))
        .join(RatingRequest, RatingRequest.id == Rating.request_id)
        .join(Placement, Placement.id == Rating.placement_id)
        .where(RatingRequest.status == RatingStatus.DONE)
        .group_by(Rating.skill)
        .order_by(Rating.skill)
    )
    if school_id is not None:
        stmt = stmt.join(Student, Student.person_id == Placement.student_id).where(
            Student.school_id == school_id
        )
    if opportunity_id is not None:
        stmt = stmt.where(Placement.opportunity_id == opportunity_id)
    return {skill: round(float(mean), 2) for skill, mean in session.execute(stmt).all()}
