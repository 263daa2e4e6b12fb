"""Coordinator decisions on applications: approve (placement + paperwork) or decline.

Approval re-checks eligibility and seats at that moment (seats fill while an application
waits), creates the Placement in `paperwork`, starts its paperwork through
services.consent, and tells the student what is still missing. Every decision is in the
audit trail. `applications_queue` lists pending applications first-timers first (equity).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.context import Context
from bot.errors import WBLError
from bot.i18n import N_
from bot.messages import Outbound
from bot.rules.eligibility import why_not
from bot.services import consent, paperwork
from bot.services.opportunities import TAKEN_STATUSES, catalog, student_facts
from bot.statuses import ApplicationStatus, PlacementStatus
from db import trail
from db.models import Application, Opportunity, Person, Placement

APPROVED = N_("Approved! {title} with {employer}. To start: {missing}. Reply STATUS any time.")
APPROVED_READY = N_("Approved! {title} with {employer}. Reply STATUS any time.")
DECLINED = N_(
    "Your application for {title} wasn't approved this time. Reply FIND for other opportunities."
)
NOT_PENDING = N_("This application was already decided ({status}).")
CANNOT_APPROVE = {
    "inactive": N_("Can't approve: the opportunity is closed."),
    "past_due": N_("Can't approve: the opportunity is past its due date."),
    "unvetted": N_("Can't approve: the partner's vetting is not current ({problems})."),
    "too_young": N_("Can't approve: the student is under the minimum age ({min_age})."),
    "overlap": N_("Can't approve: the student has another placement on those dates."),
    "full": N_("Can't approve: no seats left ({seats} of {seats} taken)."),
    "inactive_student": N_("Can't approve: the student is no longer active."),
}


def _load(ctx: Context, application_id: int) -> Application:
    app = ctx.session.get(Application, application_id)
    if app is None:
        raise LookupError(f"no application {application_id}")
    if ctx.session.get_bind().dialect.name == "postgresql":  # serialize seat counting
        ctx.session.execute(
            select(Opportunity.id).where(Opportunity.id == app.opportunity_id).with_for_update()
        )
    return app


def _decide(
    ctx: Context, app: Application, status: ApplicationStatus, details: dict[str, object]
) -> None:
    app.status, app.decided_at, app.decided_by = status, ctx.now, ctx.actor[:64]
    trail.record(
        ctx.session,
        at=ctx.now,
        actor=ctx.actor,
        action=f"application:{status}",
        entity="application",
        entity_id=app.id,
        details=details,
    )


def approve(ctx: Context, application_id: int, *, direct: bool = False) -> list[Outbound]:
    """Approve a pending application: re-check, create the placement, start paperwork.

    `direct` when the student is the one talking (auto-approve): their notice is a reply.
    """
    app = _load(ctx, application_id)
    if app.status != ApplicationStatus.PENDING:
        raise WBLError(NOT_PENDING, status=app.status)
    student = ctx.session.get(Person, app.student_id)
    if student is None or not student.active:
        raise WBLError(CANNOT_APPROVE["inactive_student"])
    policy = ctx.settings.policy
    opp = catalog(ctx.session, ctx.today, policy, [app.opportunity_id])[0]
    reason = why_not(
        student_facts(ctx.session, app.student_id), opp, ctx.today, policy, check_applied=False
    )
    if reason is not None:
        problems = ", ".join(opp.vetting_problems)
        raise WBLError(
            CANNOT_APPROVE[reason], problems=problems, min_age=opp.min_age, seats=opp.seats
        )
    placement = Placement(
        application_id=app.id,
        student_id=app.student_id,
        opportunity_id=opp.id,
        status=PlacementStatus.PAPERWORK,
        starts_on=opp.starts_on,
        due_on=opp.due_on,
        created_at=ctx.now,
    )
    ctx.session.add(placement)
    ctx.session.flush()
    _decide(
        ctx, app, ApplicationStatus.APPROVED, {"placement": placement.id, "opportunity": opp.id}
    )
    trail.record(
        ctx.session,
        at=ctx.now,
        actor=ctx.actor,
        action="placement:create",
        entity="placement",
        entity_id=placement.id,
        details={"application": app.id, "status": PlacementStatus.PAPERWORK},
    )
    requests = consent.start_paperwork(ctx, placement)
    return [_tell_student(ctx, placement, opp.title, opp.employer, direct), *requests]


def _tell_student(
    ctx: Context, placement: Placement, title: str, employer: str, direct: bool
) -> Outbound:
    student = ctx.session.get(Person, placement.student_id)
    _ = ctx.tr(student.language if student else "en")
    missing = paperwork.missing(ctx, placement)
    if missing:
        text = _(APPROVED, title=title, employer=employer, missing=paperwork.labels(_, missing))
    else:
        text = _(APPROVED_READY, title=title, employer=employer)
    return Outbound(text, to=placement.student_id, urgent=direct, category="placement")


def decline(ctx: Context, application_id: int, reason: str = "") -> list[Outbound]:
    """Decline a pending application and tell the student (reason kept in the audit)."""
    app = _load(ctx, application_id)
    if app.status != ApplicationStatus.PENDING:
        raise WBLError(NOT_PENDING, status=app.status)
    _decide(
        ctx,
        app,
        ApplicationStatus.DECLINED,
        {"opportunity": app.opportunity_id, "reason": reason[:200]},
    )
    opp = ctx.session.get(Opportunity, app.opportunity_id)
    student = ctx.session.get(Person, app.student_id)
    _ = ctx.tr(student.language if student else "en")
    title = opp.title if opp else ""
    return [
        Outbound(_(DECLINED, title=title), to=app.student_id, urgent=False, category="placement")
    ]


def applications_queue(session: Session, opportunity_id: int) -> list[Application]:
    """Pending applications for one opportunity: first-timers first, then first come."""
    apps = session.scalars(
        select(Application)
        .where(
            Application.opportunity_id == opportunity_id,
            Application.status == ApplicationStatus.PENDING,
        )
        .order_by(Application.created_at, Application.id)
    ).all()
    ids = [a.student_id for a in apps]
    experienced = set(
        session.scalars(
            select(Placement.student_id).where(
                Placement.student_id.in_(ids), Placement.status.in_(TAKEN_STATUSES)
            )
        ).all()
    )
    return sorted(apps, key=lambda a: a.student_id in experienced)


@dataclass(frozen=True)
class Approval:
    """What an approval made: the placement, the messages to queue, what it still needs."""

    placement_id: int
    messages: list[Outbound]
    missing: list[str]  # paperwork keys
    waiting: int  # other applications still pending for the opportunity


def approve_application(ctx: Context, app: Application) -> Approval:
    """Approve `app` (see approve); the caller queues the messages."""
    messages = approve(ctx, app.id)
    placement = ctx.session.scalar(select(Placement).where(Placement.application_id == app.id))
    assert placement is not None
    missing = paperwork.missing(ctx, placement)
    waiting = len(applications_queue(ctx.session, app.opportunity_id))
    return Approval(placement.id, messages, missing, waiting)


def application_by_ids(session: Session, sourced_id: str, external_id: str) -> Application | str:
    """A student's application by roster and partner ids, or why there is none:
    no_student | no_opportunity | no_application."""
    person = session.scalar(
        select(Person).where(Person.sourced_id == sourced_id, Person.kind == "student")
    )
    if person is None or not person.active:
        return "no_student"
    opp = session.scalar(select(Opportunity).where(Opportunity.external_id == external_id))
    if opp is None:
        return "no_opportunity"
    app = session.scalar(
        select(Application).where(
            Application.student_id == person.id, Application.opportunity_id == opp.id
        )
    )
    if app is None or app.status == ApplicationStatus.WITHDRAWN:
        return "no_application"
    return app


def pending_titles(session: Session, student_id: int) -> list[str]:
    """Titles of the student's applications still waiting for a coordinator."""
    return list(session.scalars(_PENDING_TITLES, {"student": student_id}))


_PENDING_TITLES = (
    select(Opportunity.title)
    .join(Application, Application.opportunity_id == Opportunity.id)
    .where(
        Application.student_id == bindparam("student"),
        Application.status == ApplicationStatus.PENDING,
    )
    .order_by(Application.created_at)
)
