"""The demo tells a story: a few applications, placements and hours already in, so the
dashboard is not empty on launch day. Made once, through the same services a coordinator
and the students use (an application, approvals, paper consent, AGREE, hours — one of
them flagged far from the site — and a question waiting in the coordinator's inbox).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from bot.channels.specs import spec_for_urn
from bot.context import Context
from bot.engine import Engine
from bot.errors import WBLError
from bot.handlers.simulator import ensure_contact
from bot.messages import Inbound
from bot.outbox import enqueue
from bot.runtime import Runtime
from bot.services import consent_answers, placements, work
from bot.services import opportunities as opps
from bot.services.inbox import coordinator_for
from bot.statuses import EntryKind, EntryStatus, PlacementStatus, Verdict
from db.models import Application, Opportunity, Person, Placement, Student, TimeEntry

WANTED = 4  # applications: two approved (one under way with hours), one waiting, one asking
QUESTION = "Can I bring my little brother to the shift on Saturday?"


def tell(runtime: Runtime) -> str:
    """Add the story unless the database already has applications; a one-line summary."""
    with runtime.database.transaction() as s:
        if s.scalar(select(func.count()).select_from(Application)):
            return "Demo story: already there."
        ctx = Context(s, runtime.settings, runtime.clock.now(), actor="demo")
        apps = _applications(ctx)
        if len(apps) < 2:
            return "Demo story: no open opportunity fitted the sample students."
        ready = _under_way(ctx, apps[0])
        for out in placements.approve(ctx, apps[1].id):
            enqueue(ctx, out)
        asker = apps[-1].student_id
    _ask(runtime, asker)
    return f"Demo story: {len(apps)} applications, 2 placements ({ready} under way), hours, an inbox question."


def _applications(ctx: Context) -> list[Application]:
    """The first sample students who may apply to an open opportunity, one each."""
    students = ctx.session.scalars(
        select(Person.id)
        .join(Student, Student.person_id == Person.id)
        .where(Person.active.is_(True))
        .order_by(Person.id)
    ).all()
    offers = ctx.session.scalars(
        select(Opportunity.id).where(Opportunity.active.is_(True)).order_by(Opportunity.id)
    ).all()
    found: list[Application] = []
    taken: set[int] = set()
    for student_id in students:
        for opp_id in offers:
            if opp_id in taken:
                continue
            try:
                app, _ = opps.apply(ctx, student_id, opp_id)
            except WBLError:
                continue
            found.append(app)
            taken.add(opp_id)
            break
        if len(found) == WANTED:
            break
    return found


def _under_way(ctx: Context, app: Application) -> int:
    """Approve, collect consent on paper, AGREE, and log some hours (one flagged)."""
    for out in placements.approve(ctx, app.id):
        enqueue(ctx, out)
    placement = ctx.session.scalar(select(Placement).where(Placement.application_id == app.id))
    assert placement is not None
    coordinator = coordinator_for(ctx.session, app.student_id)
    if coordinator is not None:
        consent_answers.record_paper_consent(
            ctx,
            placement.id,
            staff_person_id=coordinator.id,
            granted=True,
            method="paper form returned to school",
            signed_on=ctx.today,
            signer_name="Parent on file",
        )
    found = work.get_work(ctx, placement.id)
    if found is not None:
        work.agree(ctx, found, "en")
    start = ctx.now - timedelta(days=1, hours=3)
    _entry(ctx, placement, start, Decimal(2), EntryStatus.APPROVED, Verdict.VERIFIED, None)
    _entry(
        ctx,
        placement,
        start + timedelta(hours=20),
        Decimal("1.5"),
        EntryStatus.PENDING,
        Verdict.OUTSIDE,
        4700.0,
    )
    return int(placement.status == PlacementStatus.READY)


def _entry(
    ctx: Context,
    placement: Placement,
    start: datetime,
    hours: Decimal,
    status: EntryStatus,
    verdict: Verdict,
    distance: float | None,
) -> None:
    ctx.session.add(
        TimeEntry(
            placement_id=placement.id,
            student_id=placement.student_id,
            kind=EntryKind.CLOCK,
            status=status,
            started_at=start,
            ended_at=start + timedelta(hours=float(hours)),
            hours=hours,
            in_verdict=verdict,
            in_distance_m=distance,
            flagged=distance is not None,
            flag_reason="clocked in 4.7 km from the site" if distance else None,
            created_at=start,
        )
    )


def _ask(runtime: Runtime, student_id: int) -> None:
    """A student's question nothing can place: it waits in the coordinator's inbox."""
    with runtime.database.transaction() as s:
        urn = ensure_contact(Context(s, runtime.settings, runtime.clock.now()), student_id)
    spec = spec_for_urn(urn)
    assert spec is not None, "the simulator's addresses have a channel"
    channel = spec.name
    inbound = Inbound(channel, urn, "demo-question", runtime.clock.now(), text=QUESTION)
    Engine(runtime.settings).receive(runtime.database, inbound)
