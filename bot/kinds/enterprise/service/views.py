"""What the facilitator's pages show: the enterprises in reach, the week's rota with who
is on each shift and who missed, repeated misses, each student's hours, work orders with
turnaround, and the rota's staff writes (one-off and weekly repeating shifts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.context import Context
from bot.kinds.enterprise import rules
from bot.kinds.enterprise.service.common import CODE
from bot.services.hour_totals import hours_totals
from bot.statuses import PlacementStatus
from bot.statuses import ShiftTakeStatus as Take
from db import trail
from db.models import (
    EnterpriseProfile,
    Opportunity,
    Person,
    Placement,
    Shift,
    ShiftTake,
    WorkOrder,
)


@dataclass(frozen=True)
class Enterprise:
    id: int
    title: str
    till: bool
    order_token: str | None


def enterprises(session: Session, facilitator_id: int | None) -> list[Enterprise]:
    """Every enterprise (facilitator_id None: an admin), or the ones this person runs."""
    stmt = (
        select(Opportunity.id, Opportunity.title, EnterpriseProfile.till, EnterpriseProfile.order_token)
        .outerjoin(EnterpriseProfile, EnterpriseProfile.opportunity_id == Opportunity.id)
        .where(Opportunity.kind == CODE, Opportunity.active.is_(True))
        .order_by(Opportunity.title)
    )  # fmt: skip
    if facilitator_id is not None:
        stmt = stmt.where(Opportunity.facilitator_id == facilitator_id)
    return [Enterprise(i, t, bool(till), tok) for i, t, till, tok in session.execute(stmt)]


def enterprise(session: Session, opportunity_id: int) -> Enterprise | None:
    found = [e for e in enterprises(session, None) if e.id == opportunity_id]
    return found[0] if found else None


@dataclass(frozen=True)
class RotaShift:
    id: int
    starts_at: datetime
    ends_at: datetime
    seats: int
    people: list[tuple[str, str]]  # (name, taken|worked|missed)


def week_rota(ctx: Context, opportunity_id: int, monday: date) -> list[RotaShift]:
    """The shifts of the week starting `monday` (local), each with its holders."""
    tz = ctx.settings.tz
    start = datetime.combine(monday, time(0), tzinfo=tz)
    shifts = list(
        ctx.session.scalars(
            select(Shift)
            .where(
                Shift.opportunity_id == opportunity_id,
                Shift.starts_at >= start,
                Shift.starts_at < start + timedelta(days=7),
            )
            .order_by(Shift.starts_at)
        )
    )
    people: dict[int, list[tuple[str, str]]] = {}
    rows = ctx.session.execute(
        select(ShiftTake.shift_id, Person.given_name, Person.family_name, ShiftTake.status)
        .join(Person, Person.id == ShiftTake.student_id)
        .where(ShiftTake.shift_id.in_([s.id for s in shifts]), ShiftTake.status != Take.DROPPED)
        .order_by(Person.family_name)
    ).all()
    for shift_id, given, family, status in rows:
        people.setdefault(shift_id, []).append((f"{given} {family}".strip(), status))
    return [RotaShift(s.id, s.starts_at, s.ends_at, s.seats, people.get(s.id, [])) for s in shifts]


@dataclass(frozen=True)
class StudentLine:
    name: str
    approved: Decimal
    pending: Decimal
    worked: int
    missed: int


def students(ctx: Context, opportunity_id: int) -> list[StudentLine]:
    """Each placed student's hours, shifts worked and shifts missed (repeated misses first)."""
    placed = ctx.session.execute(
        select(Placement.id, Person.given_name, Person.family_name)
        .join(Person, Person.id == Placement.student_id)
        .where(
            Placement.opportunity_id == opportunity_id,
            Placement.status.in_(
                (PlacementStatus.READY, PlacementStatus.PAUSED, PlacementStatus.COMPLETED)
            ),
        )
    ).all()
    counts: dict[tuple[int, str], int] = {
        (pid, status): n
        for pid, status, n in ctx.session.execute(
            select(ShiftTake.placement_id, ShiftTake.status, func.count(ShiftTake.id))
            .where(ShiftTake.placement_id.in_([p for p, *_ in placed]))
            .group_by(ShiftTake.placement_id, ShiftTake.status)
        ).all()
    }
    lines = []
    for pid, given, family in placed:
        totals = hours_totals(ctx.session, pid)
        lines.append(
            StudentLine(
                f"{given} {family}".strip(), totals.approved, totals.pending,
                counts.get((pid, Take.WORKED), 0), counts.get((pid, Take.MISSED), 0),
            )
        )  # fmt: skip
    return sorted(lines, key=lambda s: (-s.missed, s.name))


@dataclass(frozen=True)
class OrderLine:
    reference: str
    status: str
    requester: str
    description: str
    created_at: datetime
    claimed_by: str
    turnaround_h: Decimal | None
    rating: int | None


def work_orders(ctx: Context, opportunity_id: int) -> list[OrderLine]:
    """Open, claimed and done work orders (newest first) with their turnaround."""
    rows = ctx.session.execute(
        select(WorkOrder, Person.given_name)
        .outerjoin(Person, Person.id == WorkOrder.claimed_by)
        .where(WorkOrder.opportunity_id == opportunity_id)
        .order_by(WorkOrder.created_at.desc())
        .limit(200)
    ).all()
    return [
        OrderLine(
            o.reference, o.status, o.requester_name, o.description[:120], o.created_at,
            name or "", rules.turnaround_hours(o.created_at, o.done_at), o.rating,
        )
        for o, name in rows
    ]  # fmt: skip


def add_shifts(
    ctx: Context, opportunity_id: int, first: datetime, minutes: int, seats: int, weeks: int
) -> int:
    """A shift at `first` (local, aware) lasting `minutes`, repeated weekly `weeks` times."""
    for n in range(weeks):
        starts = (first.replace(tzinfo=None) + timedelta(weeks=n)).replace(tzinfo=first.tzinfo)
        ctx.session.add(
            Shift(
                opportunity_id=opportunity_id, starts_at=starts,
                ends_at=starts + timedelta(minutes=minutes), seats=seats, updated_at=ctx.now,
            )
        )  # fmt: skip
    trail.record(
        ctx.session, at=ctx.now, actor=ctx.actor, action="shift:add", entity="opportunity",
        entity_id=opportunity_id, details={"weeks": weeks, "seats": seats},
    )  # fmt: skip
    return weeks
