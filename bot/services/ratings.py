"""Soft-skill ratings: when a supervisor is asked, what a tap or a digit reply saves.

A placement is "done" when its estimated hours are approved or its due date has passed,
whichever comes first: the `ratings.due` sweep moves it to completed and opens a
RatingRequest (a round). Placements longer than two weeks also get a round every two
weeks while they run. The supervisor is told by the nudges digest (one batched message).

Each skill of a round is one Rating row: a changed tap updates it (not append-only).
The skills of a round are fixed when it opens (`extra["skills"]`), so a changed rubric
never breaks a half-rated round.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot import payloads
from bot.context import Context
from bot.display import shorten
from bot.i18n import N_
from bot.jobs import sweep
from bot.messages import Button, Outbound
from bot.outbox import enqueue
from bot.rules.hours import fmt as hours_fmt
from bot.services import lifecycle
from bot.services.alerts import alert_coordinator
from bot.services.placement_actions import SHORT_ALERT
from bot.services.timesheets import Who, about
from bot.statuses import EntryStatus, PlacementStatus, RatingStatus
from db import trail
from db.models import Opportunity, Placement, Rating, RatingRequest, TimeEntry

SKILL_NAMES = {
    "communication": N_("Communication"),
    "teamwork": N_("Teamwork"),
    "reliability": N_("Reliability"),
    "professionalism": N_("Professionalism"),
    "problem_solving": N_("Problem solving"),
    "initiative": N_("Initiative"),
}
TG_ASK = N_("Please rate {student} ({title}). Tap 1-5 on each row, in this order:")
TG_DONE = N_("Ratings for {student} ({title}) saved. Thank you!")
DONE = N_("Done")
SMS_ASK = N_("Rate {student} ({title}): {skills}. Reply {n} digits 1-5, e.g. {example}")
SCALE_LINE = N_("1 Not yet, 2 Emerging, 3 Capable, 4 Strong, 5 Outstanding")
DIGITS_COUNT = N_("I got {got} digits but need {n}, one per skill in order: {skills}.")
DIGITS_RANGE = N_("Each digit must be 1 to 5; {skill} got {digit}. Reply all {n} digits again.")
DIGITS_LETTERS = N_("Please reply with digits only (1-5), one per skill, e.g. {example}.")
EXAMPLE = "545434"
RATED_ALREADY = N_("These ratings were already saved, so nothing changed.")


@dataclass(frozen=True)
class Round:
    """An open or finished round of ratings and what is scored so far."""

    id: int
    placement_id: int
    round: int
    status: RatingStatus
    skills: tuple[str, ...]
    scores: dict[str, int]
    who: Who


def skill_name(_: Callable[..., str], skill: str) -> str:
    """A skill's label in the reader's language ("problem_solving" -> "Problem solving")."""
    msgid = SKILL_NAMES.get(skill)
    return _(msgid) if msgid else skill.replace("_", " ").capitalize()


def load(session: Session, request_id: int) -> Round | None:
    """A round with its scores, or None."""
    req = session.get(RatingRequest, request_id)
    who = about(session, req.placement_id) if req else None
    if req is None or who is None:
        return None
    rows = session.execute(
        select(Rating.skill, Rating.score).where(Rating.request_id == request_id)
    ).all()
    skills = tuple((req.extra or {}).get("skills") or ())
    return Round(req.id, req.placement_id, req.round, req.status, skills, dict(rows), who)  # type: ignore[arg-type]


def open_rounds(session: Session, supervisor_id: int) -> list[RatingRequest]:
    """Open rating requests owed by this supervisor, oldest first."""
    return list(
        session.scalars(
            select(RatingRequest)
            .where(
                RatingRequest.supervisor_id == supervisor_id,
                RatingRequest.status == RatingStatus.OPEN,
            )
            .order_by(RatingRequest.created_at, RatingRequest.id)
        )
    )


def owned(session: Session, supervisor_id: int, request_id: int) -> Round | None:
    """The round if it is this supervisor's (asked of them, and still their student)."""
    found = load(session, request_id)
    req = session.get(RatingRequest, request_id)
    if found is None or req is None or req.supervisor_id != supervisor_id:
        return None
    return found if found.who.supervisor_id == supervisor_id else None


def save(ctx: Context, supervisor_id: int, rnd: Round, skill: str, score: int) -> None:
    """Store one skill's score in an open round (a changed tap updates it)."""
    row = ctx.session.scalar(
        select(Rating).where(Rating.request_id == rnd.id, Rating.skill == skill)
    )
    if row is None:
        ctx.session.add(
            Rating(
                request_id=rnd.id,
                placement_id=rnd.placement_id,
                skill=skill,
                score=score,
                rated_at=ctx.now,
            )
        )
    elif row.score != score:
        row.score, row.rated_at = score, ctx.now
    else:
        return
    ctx.session.flush()
    trail.record(
        ctx.session,
        at=ctx.now,
        actor=f"person:{supervisor_id}",
        action="rating:saved",
        entity="rating_request",
        entity_id=rnd.id,
        details={"skill": skill, "score": score},
    )


def finish(ctx: Context, supervisor_id: int, request_id: int) -> bool:
    """Close an open round; False when it was already closed."""
    req = ctx.session.get(RatingRequest, request_id)
    if req is None or req.status != RatingStatus.OPEN:
        return False
    req.status, req.completed_at = RatingStatus.DONE, ctx.now
    trail.record(
        ctx.session,
        at=ctx.now,
        actor=f"person:{supervisor_id}",
        action="rating:done",
        entity="rating_request",
        entity_id=req.id,
        details={"placement": req.placement_id, "round": req.round},
    )
    return True


def comment(ctx: Context, supervisor_id: int, request_id: int, text: str) -> bool:
    """Attach the optional comment to a finished round of this supervisor."""
    req = ctx.session.get(RatingRequest, request_id)
    if req is None or req.supervisor_id != supervisor_id:
        return False
    req.comment = " ".join(text.split())[:1000]
    trail.record(
        ctx.session,
        at=ctx.now,
        actor=f"person:{supervisor_id}",
        action="rating:comment",
        entity="rating_request",
        entity_id=req.id,
    )
    return True


# --- what the supervisor sees ---------------------------------------------------------


def telegram_ask(
    ctx: Context, lang: str, supervisor_id: int, rnd: Round, edit_ref: str | None = None
) -> Outbound:
    """The rating message: chosen scores in the text, one row of 1-5 per skill, Done."""
    _ = ctx.tr(lang)
    head = TG_DONE if rnd.status != RatingStatus.OPEN else TG_ASK
    lines = [_(head, student=rnd.who.student, title=shorten(rnd.who.title))]
    for skill in rnd.skills:
        got = rnd.scores.get(skill)
        lines.append(f"{skill_name(_, skill)}: {f'{got} ✓' if got else '-'}")
    if rnd.status == RatingStatus.OPEN:
        lines.append(_(SCALE_LINE))
    buttons: list[list[Button]] = []
    if rnd.status == RatingStatus.OPEN:
        secret = ctx.settings.secret_key
        for index, skill in enumerate(rnd.skills):
            row = []
            for score in range(1, 6):
                label = f"{score} ✓" if rnd.scores.get(skill) == score else str(score)
                data = payloads.sign(secret, supervisor_id, "r", rnd.id, index, score)
                row.append(Button(label, data))
            buttons.append(row)
        buttons.append([Button(_(DONE), payloads.sign(secret, supervisor_id, "rd", rnd.id))])
    return Outbound("\n".join(lines), buttons=buttons, edit_ref=edit_ref)


def sms_ask(ctx: Context, lang: str, rnd: Round) -> str:
    """`Rate Leah (Audit our social media): communication, ... Reply 6 digits 1-5, e.g. 545434`."""
    _ = ctx.tr(lang)
    return _(
        SMS_ASK,
        student=rnd.who.student,
        title=shorten(rnd.who.title, 30),
        skills=skill_list(_, rnd.skills),
        n=len(rnd.skills),
        example=example(len(rnd.skills)),
    )


def skill_list(_: Callable[..., str], skills: tuple[str, ...]) -> str:
    return ", ".join(skill_name(_, s).lower() for s in skills)


def example(n: int) -> str:
    return (EXAMPLE * (n // len(EXAMPLE) + 1))[:n]


def looks_like_digits(text: str) -> bool:
    """A reply that is meant as ratings: mostly digits, maybe separated."""
    compact = "".join(ch for ch in text if not ch.isspace() and ch not in ",.;-/")
    digits = sum(ch.isdigit() for ch in compact)
    return digits >= 2 and digits * 2 >= len(compact)


def parse_digits(_: Callable[..., str], text: str, skills: tuple[str, ...]) -> list[int] | str:
    """The scores in skill order, or a precise correction naming what is wrong."""
    n, ex = len(skills), example(len(skills))
    compact = "".join(ch for ch in text if not ch.isspace() and ch not in ",.;-/")
    if not compact.isdigit():
        return _(DIGITS_LETTERS, example=ex)
    if len(compact) != n:
        return _(DIGITS_COUNT, got=len(compact), n=n, skills=skill_list(_, skills))
    for skill, ch in zip(skills, compact, strict=True):
        if ch not in "12345":
            return _(DIGITS_RANGE, skill=skill_name(_, skill), digit=ch, n=n)
    return [int(ch) for ch in compact]


# --- when a round opens -----------------------------------------------------------------


def _approved_hours(session: Session, placement_ids: list[int]) -> dict[int, Decimal]:
    """Approved hours per placement in one query (hour_totals.hours_totals' `approved`)."""
    if not placement_ids:
        return {}
    rows = session.execute(
        select(TimeEntry.placement_id, func.sum(TimeEntry.hours))
        .where(TimeEntry.placement_id.in_(placement_ids), TimeEntry.status == EntryStatus.APPROVED)
        .group_by(TimeEntry.placement_id)
    ).all()
    return {pid: Decimal(total or 0) for pid, total in rows}


def open_round(ctx: Context, placement_id: int, supervisor_id: int, final: bool) -> None:
    """Open the next round for a placement (a final one marks an already open round)."""
    rounds = list(
        ctx.session.scalars(select(RatingRequest).where(RatingRequest.placement_id == placement_id))
    )
    still_open = [r for r in rounds if r.status == RatingStatus.OPEN]
    if still_open:
        if final:
            still_open[0].extra = {**(still_open[0].extra or {}), "final": True}
        return
    req = RatingRequest(
        placement_id=placement_id,
        supervisor_id=supervisor_id,
        round=max((r.round for r in rounds), default=0) + 1,
        status=RatingStatus.OPEN,
        created_at=ctx.now,
        extra={"skills": list(ctx.settings.policy.skills), "final": final},
        reminders_sent=0,
    )
    ctx.session.add(req)
    ctx.session.flush()
    trail.record(
        ctx.session,
        at=ctx.now,
        actor=ctx.actor,
        action="rating:requested",
        entity="rating_request",
        entity_id=req.id,
        details={"placement": placement_id, "round": req.round},
    )


@sweep("ratings.due")
def ratings_due(ctx: Context) -> None:
    """Complete placements whose hours are approved or due date passed; open rating rounds."""
    rows = ctx.session.execute(
        select(
            Placement.id,
            Placement.starts_on,
            Placement.due_on,
            Opportunity.supervisor_id,
            Opportunity.est_hours,
        )
        .join(Opportunity, Opportunity.id == Placement.opportunity_id)
        .where(Placement.status == PlacementStatus.READY, Opportunity.supervisor_id.is_not(None))
        .order_by(Placement.id)
    ).all()
    ids = [row.id for row in rows]
    approved = _approved_hours(ctx.session, ids)
    rounds = _round_counts(ctx.session, ids)
    today, every = ctx.today, ctx.settings.policy.rating_round_days
    for pid, starts_on, due_on, supervisor_id, est_hours in rows:
        hours_done = approved.get(pid, Decimal(0)) >= Decimal(est_hours)
        if hours_done or today > due_on:
            placement = ctx.session.get(Placement, pid)
            assert placement is not None
            if hours_done:
                lifecycle.move(ctx, placement, PlacementStatus.COMPLETED, "hours")
            elif placement.short_of_hours_at is not None:
                continue  # flagged already: the coordinator completes, extends or closes it
            else:  # "Done, verified, rated": due first, short of hours → flagged, rated anyway
                short_of_hours(ctx, placement, approved.get(pid, Decimal(0)), est_hours)
            open_round(ctx, pid, supervisor_id or 0, final=True)
        else:
            had, still_open = rounds.get(pid, (0, 0))
            if not still_open and _periodic_owed(starts_on, due_on, today, every) > had:
                open_round(ctx, pid, supervisor_id or 0, final=False)


def short_of_hours(ctx: Context, placement: Placement, done: Decimal, est: object) -> None:
    """Flag a placement whose due date passed before its hours were verified, and tell
    the coordinator (who completes, extends or closes it on the dashboard)."""
    placement.short_of_hours_at = ctx.now
    who = about(ctx.session, placement.id)
    link = f"{ctx.settings.public_base_url}/dashboard/placements/{placement.id}"
    for message in alert_coordinator(
        ctx,
        placement.student_id,
        "short_of_hours",
        SHORT_ALERT,
        student=who.student if who else "",
        title=shorten(who.title if who else "", 30),
        done=hours_fmt(done),
        est=hours_fmt(Decimal(str(est))),
        link=link,
    ):
        enqueue(ctx, message)


def _round_counts(session: Session, placement_ids: list[int]) -> dict[int, tuple[int, int]]:
    """placement id -> (rounds so far, rounds still open)."""
    if not placement_ids:
        return {}
    is_open = case((RatingRequest.status == RatingStatus.OPEN, 1), else_=0)
    rows = session.execute(
        select(RatingRequest.placement_id, func.count(), func.sum(is_open))
        .where(RatingRequest.placement_id.in_(placement_ids))
        .group_by(RatingRequest.placement_id)
    ).all()
    return {pid: (int(n), int(still or 0)) for pid, n, still in rows}


def _periodic_owed(starts_on: date, due_on: date, today: date, every: int) -> int:
    """Rounds a long placement should have had by `today` (one per `every` days while it
    runs: policy rating_round_days)."""
    if (due_on - starts_on).days <= every:
        return 0
    if today >= due_on - timedelta(days=1):
        return 0  # the final round is days away
    return max(0, (today - starts_on).days // every)
