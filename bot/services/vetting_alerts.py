"""Tell coordinators, once, when a partner's opportunity stops being vetted (a sweep)."""

from __future__ import annotations

from sqlalchemy import or_, select

from bot.context import Context
from bot.i18n import N_
from bot.jobs import sweep
from bot.messages import Outbound
from bot.outbox import enqueue
from bot.rules.placement import OPEN_STATUSES
from bot.services.vetting import problems_by_opportunity
from db import trail
from db.models import AuditEntry, Employer, Opportunity, Person, Placement, Staff

ACTION = "alert:vetting"
ALERT = N_("Vetting: {title} ({employer}) is hidden from students: {problems}. Please update it.")
ALERT_MANY = N_("Vetting: {count} opportunities are now hidden from students. Details: {url}")
PROBLEM = {
    "agreement": N_("agreement not signed"),
    "insurance": N_("insurance expired or missing"),
    "background_check": N_("supervisor background check expired"),
}


def _already_sent(ctx: Context) -> set[tuple[str, str]]:
    rows = ctx.session.execute(
        select(AuditEntry.entity_id, AuditEntry.details).where(
            AuditEntry.action == ACTION, AuditEntry.entity == "opportunity"
        )
    )
    return {(entity_id, str(details.get("problem"))) for entity_id, details in rows}


def _watched(ctx: Context, ids: list[int]) -> list[tuple[int, str, str]]:
    """(id, title, employer) of those opportunities students can see or are placed in."""
    placed = select(Placement.opportunity_id).where(Placement.status.in_(OPEN_STATUSES))
    rows = ctx.session.execute(
        select(Opportunity.id, Opportunity.title, Employer.name)
        .join(Employer, Employer.id == Opportunity.employer_id)
        .where(
            Opportunity.id.in_(ids),
            or_(Opportunity.due_on >= ctx.today, Opportunity.id.in_(placed)),
        )
        .order_by(Opportunity.id)
    )
    return [(i, t, e) for i, t, e in rows]


@sweep("vetting.expiry")
def alert_unvetted(ctx: Context) -> None:
    """Tell every active staff member, in one message per pass, what newly lost vetting."""
    found = {
        k: v
        for k, v in problems_by_opportunity(ctx.session, ctx.today, ctx.settings.policy).items()
        if v
    }
    if not found:
        return
    sent = _already_sent(ctx)
    news: list[tuple[str, str, list[str]]] = []
    for opp_id, title, employer in _watched(ctx, list(found)):
        new = [p for p in found[opp_id] if (str(opp_id), p) not in sent]
        for problem in new:
            trail.record(
                ctx.session,
                at=ctx.now,
                actor=ctx.actor,
                action=ACTION,
                entity="opportunity",
                entity_id=opp_id,
                details={"problem": problem},
            )
        if new:
            news.append((title, employer, new))
    if not news:
        return
    staff = ctx.session.execute(
        select(Person.id, Person.language)
        .join(Staff, Staff.person_id == Person.id)
        .where(Person.active.is_(True))
    ).all()
    for person_id, language in staff:
        enqueue(
            ctx,
            Outbound(
                _text(ctx, language, news), to=person_id, urgent=False, category="coordinator"
            ),
        )


def _text(ctx: Context, language: str, news: list[tuple[str, str, list[str]]]) -> str:
    """One opportunity: what is wrong with it; several: how many, and where to look."""
    _ = ctx.tr(language)
    if len(news) == 1:
        title, employer, problems = news[0]
        return _(
            ALERT,
            title=title,
            employer=employer,
            problems=", ".join(_(PROBLEM[p]) for p in problems),
        )
    return _(ALERT_MANY, count=len(news), url=f"{ctx.settings.public_base_url}/dashboard/partners")
