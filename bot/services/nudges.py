"""What a supervisor owes, in one batched message; reminders; then the coordinator.

The `supervisor.digest` sweep looks at every supervisor with open items (pending hours,
submitted work, open rating rounds). New items (never notified) and items unanswered for
48 hours go out in ONE message listing everything open, at most two such messages a day
and four hours apart, never in quiet hours (new items wait and join the next one). Each
item counts its reminders: after the second reminder has gone unanswered for 48 hours,
the student's coordinator is told which supervisor owes what (`reminders_sent` = 3).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, union
from sqlalchemy.orm import Session

from bot import payloads
from bot.addressing import pick_contact
from bot.channels.specs import Buttons, spec_for_urn
from bot.context import Context
from bot.display import shorten
from bot.i18n import N_, NP_, ngettext
from bot.jobs import sweep
from bot.messages import Button, Outbound
from bot.outbox import enqueue
from bot.rules import hours as hours_rules
from bot.rules.delivery import in_quiet_hours
from bot.services import alerts, ratings, reviews, timesheets
from bot.services.timesheets import Who, about
from bot.statuses import DeliverableStatus, EntryStatus, RatingStatus
from db.models import (
    Deliverable,
    Employer,
    Opportunity,
    OutboxMessage,
    Person,
    Placement,
    RatingRequest,
    Supervisor,
    TimeEntry,
)

ESCALATED = 3  # reminders_sent once the coordinator was told
MAX_LINES = 6
CATEGORY = "supervisor"

HEADER = NP_("{program}: {n} item needs your OK:", "{program}: {n} items need your OK:")
REMINDER = NP_(
    "Reminder from {program}: {n} item still needs your OK:",
    "Reminder from {program}: {n} items still need your OK:",
)
NOTHING = N_("Nothing is waiting for you now. Thank you for mentoring our students!")
MORE = N_("...and {count} more.")
HOW_HOURS = N_("Reply A {number} to approve, R {number} and a reason to reject.")
HOW_ALL = N_("A ALL approves all {count} ({hours} h).")
HOW_ALL_BUT = N_("A ALL approves the {count} not flagged ({hours} h).")
HOW_WORK = N_("Reply OK {number} to accept, CHANGES {number} and a comment.")
RATE_LINE = N_("Rate {student} ({title})")
APPROVE = N_("Approve #{number}")
REJECT = N_("Reject #{number}")
APPROVE_ALL = N_("Approve all {count} ({hours} h)")
APPROVE_ALL_BUT = N_("Approve {count} not flagged ({hours} h)")
ACCEPT = N_("Accept #{number}")
CHANGES = N_("Changes #{number}")
RATE = N_("Rate {student}")
ESCALATE = N_(
    "{supervisor} ({employer}) hasn't answered for {days} days about {student}: {owed}. "
    "Please follow up."
)
OWED = {
    "hours": N_("hours to approve: {count}"),
    "work": N_("work to review: {count}"),
    "rating": N_("ratings: {count}"),
}


@dataclass
class Item:
    """One thing a supervisor owes: hours, work or a rating round."""

    kind: str  # hours|work|rating
    row: Any  # TimeEntry | Deliverable | RatingRequest
    who: Who

    @property
    def waiting_since(self) -> datetime | None:
        return self.row.last_reminded_at or self.row.supervisor_notified_at


def open_items(session: Session, supervisor_id: int) -> list[Item]:
    """Everything this supervisor owes now, hours first, then work, then ratings."""
    found: list[Item] = []
    for kind, rows in (
        ("hours", timesheets.pending_entries(session, supervisor_id)),
        ("work", reviews.pending_work(session, supervisor_id)),
        ("rating", ratings.open_rounds(session, supervisor_id)),
    ):
        for row in rows:
            who = about(session, row.placement_id)
            if who is not None:
                found.append(Item(kind, row, who))
    return found


# --- the message ------------------------------------------------------------------------


def render(
    ctx: Context, lang: str, supervisor_id: int, items: list[Item], *, typed: bool, reminder: bool
) -> Outbound:
    """The list of open items with one-tap buttons, or with reply keywords when `typed`."""
    _ = ctx.tr(lang)
    if not items:
        return Outbound(_(NOTHING))
    only = items[0]
    if len(items) == 1 and only.kind == "rating":
        rnd = ratings.load(ctx.session, only.row.id)
        assert rnd is not None
        if typed:
            return Outbound(ratings.sms_ask(ctx, lang, rnd))
        return ratings.telegram_ask(ctx, lang, supervisor_id, rnd)
    head = REMINDER if reminder else HEADER
    lines = [ngettext(lang, *head, len(items), program=ctx.settings.program_name)]
    lines += [_line(ctx, _, lang, item) for item in items[:MAX_LINES]]
    if len(items) > MAX_LINES:
        lines.append(_(MORE, count=len(items) - MAX_LINES))
    if typed:
        lines += _sms_help(ctx, _, lang, items)
        return Outbound("\n".join(lines))
    return Outbound("\n".join(lines), buttons=_buttons(ctx, _, lang, supervisor_id, items))


def _line(ctx: Context, _: Callable[..., str], lang: str, item: Item) -> str:
    if item.kind == "hours":
        return timesheets.describe(ctx, _, lang, item.row, item.who)
    if item.kind == "work":
        return reviews.describe(_, item.row, item.who)
    return _(RATE_LINE, student=item.who.student, title=shorten(item.who.title, 30))


def _sms_help(ctx: Context, _: Callable[..., str], lang: str, items: list[Item]) -> list[str]:
    out: list[str] = []
    hours = [i.row for i in items if i.kind == "hours"]
    bulk = [h for h in hours if not h.flagged]  # A ALL never takes a flagged entry
    if hours:
        out.append(_(HOW_HOURS, number=hours[0].id))
        if len(bulk) > 1:
            total = hours_rules.fmt(timesheets.totals(bulk), lang)
            how = HOW_ALL_BUT if len(bulk) < len(hours) else HOW_ALL
            out.append(_(how, count=len(bulk), hours=total))
    work = [i.row for i in items if i.kind == "work"]
    if work:
        out.append(_(HOW_WORK, number=work[0].id))
    rating = next((i.row for i in items if i.kind == "rating"), None)
    if rating is not None:
        rnd = ratings.load(ctx.session, rating.id)
        if rnd is not None:
            out.append(ratings.sms_ask(ctx, lang, rnd))
    return out


def _buttons(
    ctx: Context, _: Callable[..., str], lang: str, supervisor_id: int, items: list[Item]
) -> list[list[Button]]:
    secret = ctx.settings.secret_key

    def sign(action: str, *args: object) -> str:
        return payloads.sign(secret, supervisor_id, action, *args)

    rows: list[list[Button]] = []
    for item in items[:MAX_LINES]:
        n = item.row.id
        if item.kind == "hours":
            rows.append(
                [
                    Button(_(APPROVE, number=n), sign("ta", n), f"A {n}"),
                    Button(_(REJECT, number=n), sign("tr", n), f"R {n}"),
                ]
            )
        elif item.kind == "work":
            rows.append(
                [
                    Button(_(ACCEPT, number=n), sign("da", n), f"OK {n}"),
                    Button(_(CHANGES, number=n), sign("dc", n), f"CHANGES {n}"),
                ]
            )
        else:
            rows.append([Button(_(RATE, student=item.who.student), sign("ro", n))])
    hours = [i.row for i in items if i.kind == "hours" and not i.row.flagged]
    if len(hours) > 1:
        label = _(
            APPROVE_ALL, count=len(hours), hours=hours_rules.fmt(timesheets.totals(hours), lang)
        )
        if len(hours) < sum(i.kind == "hours" for i in items):
            label = _(
                APPROVE_ALL_BUT,
                count=len(hours),
                hours=hours_rules.fmt(timesheets.totals(hours), lang),
            )
        rows.append([Button(label, sign("tb", max(e.id for e in hours)), "A ALL")])
    return rows


# --- the sweep --------------------------------------------------------------------------


def _candidates(session: Session, cutoff: datetime, *, overdue: bool = False) -> list[int]:
    """Supervisors with something new or unanswered since `cutoff` (overdue=True: only
    those with an item whose second reminder went unanswered, for the coordinator)."""

    def stale(model: Any) -> Any:
        since = func.coalesce(model.last_reminded_at, model.supervisor_notified_at)
        if overdue:
            return (model.reminders_sent == ESCALATED - 1) & (since <= cutoff)
        return or_(
            model.supervisor_notified_at.is_(None),
            (model.reminders_sent < ESCALATED) & (since <= cutoff),
        )

    hours = (
        select(Opportunity.supervisor_id)
        .join(Placement, Placement.opportunity_id == Opportunity.id)
        .join(TimeEntry, TimeEntry.placement_id == Placement.id)
        .where(TimeEntry.status == EntryStatus.PENDING, stale(TimeEntry))
    )
    work = (
        select(Opportunity.supervisor_id)
        .join(Placement, Placement.opportunity_id == Opportunity.id)
        .join(Deliverable, Deliverable.placement_id == Placement.id)
        .where(Deliverable.status == DeliverableStatus.SUBMITTED, stale(Deliverable))
    )
    rounds = select(RatingRequest.supervisor_id).where(
        RatingRequest.status == RatingStatus.OPEN, stale(RatingRequest)
    )
    found = session.scalars(select(union(hours, work, rounds).subquery().c[0])).all()
    return sorted(int(s) for s in found if s is not None)


def _throttled(ctx: Context, supervisor_ids: list[int]) -> set[int]:
    """Those of `supervisor_ids` who may get no digest now, in one query: at most
    `supervisor_digests_per_day` digests a day per supervisor, at least
    `supervisor_digest_gap_h` apart (district policy)."""
    tz, policy = ctx.settings.tz, ctx.settings.policy
    gap = timedelta(hours=policy.supervisor_digest_gap_h)
    local = ctx.now.astimezone(tz)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    sent = ctx.session.execute(
        select(OutboxMessage.person_id, OutboxMessage.created_at).where(
            OutboxMessage.person_id.in_(supervisor_ids),
            OutboxMessage.category == CATEGORY,
            OutboxMessage.created_at >= min(midnight, ctx.now - gap),
        )
    ).all()
    today: dict[int, int] = {}
    throttled: set[int] = set()
    for person_id, at in sent:
        assert person_id is not None, "selected by person_id IN (...)"
        today[person_id] = today.get(person_id, 0) + (at >= midnight)
        if at > ctx.now - gap:
            throttled.add(person_id)
    return throttled | {p for p, n in today.items() if n >= policy.supervisor_digests_per_day}


@sweep("supervisor.digest")
def supervisor_digest(ctx: Context) -> None:
    """Send each supervisor one batched message about new or unanswered items.

    A supervisor the district's limits hold back now (_throttled) is read only when the
    coordinator must be told about them; the limits are checked for every candidate in one
    query, so a pass costs per supervisor it writes to, not per supervisor still waiting.
    """
    s, p = ctx.settings, ctx.settings.policy
    if in_quiet_hours(ctx.now.astimezone(s.tz), p.quiet_start_hour, p.quiet_end_hour):
        return
    cutoff = ctx.now - timedelta(hours=p.supervisor_remind_after_h)
    candidates = _candidates(ctx.session, cutoff)
    throttled = _throttled(ctx, candidates) if candidates else set()
    if throttled:
        overdue = set(_candidates(ctx.session, cutoff, overdue=True))
        candidates = [c for c in candidates if c not in throttled or c in overdue]
    people = {
        person.id: person
        for person in ctx.session.scalars(select(Person).where(Person.id.in_(candidates)))
    }
    for supervisor_id in candidates:
        person = people.get(supervisor_id)
        if person is None or not person.active:
            continue
        items = open_items(ctx.session, supervisor_id)
        _escalate(ctx, person, [i for i in items if _overdue(i, cutoff)])
        new = [i for i in items if i.row.supervisor_notified_at is None]
        due = [i for i in items if _due(i, cutoff)]
        if not (new or due) or supervisor_id in throttled:
            continue
        contact = pick_contact(ctx.session, supervisor_id)
        spec = spec_for_urn(contact.urn) if contact is not None else None
        typed = spec is None or spec.buttons is Buttons.TYPED
        out = render(ctx, person.language, supervisor_id, items, typed=typed, reminder=not new)
        out.to, out.urgent, out.category = supervisor_id, False, CATEGORY
        enqueue(ctx, out)
        for item in new:
            item.row.supervisor_notified_at = ctx.now
        for item in due:
            item.row.reminders_sent = (item.row.reminders_sent or 0) + 1
            item.row.last_reminded_at = ctx.now


def _due(item: Item, cutoff: datetime) -> bool:
    since = item.waiting_since
    return since is not None and (item.row.reminders_sent or 0) < 2 and since <= cutoff


def _overdue(item: Item, cutoff: datetime) -> bool:
    since = item.waiting_since
    return since is not None and (item.row.reminders_sent or 0) == 2 and since <= cutoff


def _escalate(ctx: Context, supervisor: Person, items: list[Item]) -> None:
    """Tell each student's coordinator what this supervisor owes about them."""
    employer = ctx.session.scalar(
        select(Employer.name)
        .join(Supervisor, Supervisor.employer_id == Employer.id)
        .where(Supervisor.person_id == supervisor.id)
    )
    by_student: dict[int, list[Item]] = {}
    for item in items:
        by_student.setdefault(item.who.student_id, []).append(item)
        item.row.reminders_sent = ESCALATED
    for student_id, owed in by_student.items():
        first = min(i.row.supervisor_notified_at for i in owed)
        days = max(1, (ctx.now - first).days)
        for out in alerts.alert_coordinator(
            ctx,
            student_id,
            "supervisor_silent",
            ESCALATE,
            supervisor=supervisor.display_name,
            employer=employer or "-",
            days=days,
            student=owed[0].who.student,
            owed=_owed(ctx, student_id, owed),
        ):
            enqueue(ctx, out)


def _owed(ctx: Context, student_id: int, items: list[Item]) -> str:
    """`hours to approve: 2, ratings: 1` in the coordinator's language (English default)."""
    coordinator = alerts.coordinator_of(ctx, student_id)
    _ = ctx.tr(coordinator.language if coordinator else "en")
    counts: dict[str, int] = {}
    for item in items:
        counts[item.kind] = counts.get(item.kind, 0) + 1
    return ", ".join(_(OWED[k], count=n) for k, n in counts.items())
