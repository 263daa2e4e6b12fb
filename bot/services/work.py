"""A student's open placements as their work commands (AGREE, IN, OUT, LOG, SUBMIT,
STATUS) and the check-in page see them, and the student's OK to the training agreement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, select

from bot import kinds
from bot.addressing import last_written
from bot.context import Context
from bot.messages import Outbound
from bot.rules import geofence
from bot.rules.placement import OPEN_STATUSES
from bot.services import paperwork
from bot.statuses import PlacementStatus
from db import trail
from db.locks import takes_locks
from db.models import Opportunity, Person, Placement, Site


@dataclass(frozen=True)
class Work:
    """A placement as the student's commands see it."""

    placement_id: int
    student_id: int
    status: PlacementStatus
    starts_on: date
    due_on: date
    title: str
    remote: bool
    fence: geofence.Fence | None
    est_hours: Decimal
    agreed: bool
    kind: str = ""  # the opportunity's kind code


_WORK = (
    select(
        Placement.id, Placement.student_id, Placement.status, Placement.starts_on,
        Placement.due_on, Opportunity.title, Opportunity.remote, Site.id, Site.lat, Site.lon,
        Site.radius_m, Opportunity.est_hours, Placement.agreement_ack_at, Opportunity.kind,
    )
    .join(Opportunity, Opportunity.id == Placement.opportunity_id)
    .outerjoin(Site, Site.id == Opportunity.site_id)
)  # fmt: skip
OPEN_WORK = _WORK.where(
    Placement.student_id == bindparam("student"), Placement.status.in_(OPEN_STATUSES)
).order_by(Placement.id.desc())
_ONE_WORK = _WORK.where(Placement.id == bindparam("placement"))
_MY_WORK = (
    _WORK.add_columns(Person.language, last_written(Person.id))
    .join(Person, Person.id == Placement.student_id)
    .where(Placement.id == bindparam("placement"), Person.id == bindparam("person"))
)
_MY_WORK_LOCKED = _MY_WORK.with_for_update(of=Person)


def work_of(row: Any) -> Work:
    """The Work of one row of `OPEN_WORK` (the student's open placements, newest first;
    parameter `student`) or of a statement selecting the same columns first."""
    (pid, student_id, status, starts, due, title, remote, site_id, lat, lon, radius) = row[:11]
    hours, ack, kind = row[11:]
    remote = kinds.get(kind).proof(bool(remote), site_id is not None) is not kinds.Proof.GEOFENCE
    return Work(
        pid,
        student_id,
        status,
        starts,
        due,
        title,
        remote,
        None if remote else geofence.Fence(lat, lon, radius),
        Decimal(hours),
        ack is not None,
        kind,
    )


def open_work(ctx: Context, student_id: int) -> list[Work]:
    """The student's open placements (paperwork, ready, paused), newest first."""
    rows = ctx.session.execute(OPEN_WORK, {"student": student_id}).all()
    return [work_of(row) for row in rows]


def get_work(ctx: Context, placement_id: int) -> Work | None:
    row = ctx.session.execute(_ONE_WORK, {"placement": placement_id}).first()
    return work_of(row) if row else None


@dataclass(frozen=True)
class Mine:
    """A placement as its student's own request sees it."""

    work: Work
    language: str
    urn: str | None  # the address they last wrote from (addressing.last_written)


def lock_work(ctx: Context, person_id: int, placement_id: int) -> Mine | None:
    """The person's placement, their lock taken (db.locks) in the same statement; None
    unless the placement is theirs."""
    stmt = _MY_WORK_LOCKED if takes_locks(ctx.session) else _MY_WORK
    params = {"placement": placement_id, "person": person_id}
    row = ctx.session.connection().execute(stmt, params).first()
    return Mine(work_of(row[:-2]), row[-2], row[-1]) if row else None


def agree(ctx: Context, work: Work, lang: str) -> tuple[list[Outbound], list[str]]:
    """Record the student's OK to the training agreement; (messages, still missing)."""
    placement = ctx.session.get(Placement, work.placement_id)
    if placement is None:
        return [], []
    if placement.agreement_ack_at is None:
        placement.agreement_ack_at = ctx.now
        trail.record(
            ctx.session,
            at=ctx.now,
            actor=ctx.actor,
            action="placement:agreement_ack",
            entity="placement",
            entity_id=placement.id,
        )
    messages = paperwork.refresh(ctx, placement, work.title, lang)
    return messages, paperwork.missing(ctx, placement)


def missing_of(ctx: Context, placement_id: int) -> list[str]:
    """The placement's missing paperwork (keys of paperwork.MISSING_LABELS)."""
    placement = ctx.session.get(Placement, placement_id)
    return paperwork.missing(ctx, placement) if placement else []
