"""Mentor sessions in the database: who a mentor's interns are, the sessions, invitations,
reminders, attendance (minutes become approved hours) and feedback.

Reads are plain functions the chat calls; writes are the services of the kind's effects
(`bot.kinds.virtual.effects`), each returning the messages it causes for others.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import jobs, zones
from bot.addressing import pick_contact
from bot.channels.specs import Buttons, spec_for
from bot.context import Context
from bot.errors import WBLError
from bot.i18n import N_
from bot.kinds.virtual import KIND, rules
from bot.kinds.virtual import effects as fx
from bot.messages import Outbound, channel_of
from bot.services.alerts import alert_coordinator, coordinator_of
from bot.statuses import EntryKind, EntryStatus, PlacementStatus, SessionStatus
from db import trail
from db.models import MentorSession, Opportunity, Person, Placement, SessionInvite, TimeEntry

REMIND, ATTEND, CHASE, ESCALATE, PULSE = (f"{KIND.code}.{j}" for j in (
    "remind", "attend", "chase", "escalate", "pulse"))  # fmt: skip
CHASE_AFTER = timedelta(hours=24)

INVITED = N_(
    "{mentor} invited you to a video session ({kind}, {minutes} min): {when}. "
    "Join: {link} Add your sessions to your calendar: {feed}"
)
MOVED = N_("Your {kind} session with {mentor} moved to {when}. Join: {link}")
CANCELLED = N_("Your {kind} session with {mentor} on {when} is cancelled.")
FEEDBACK = N_("{mentor} rated your {kind} session {score}/5: {comment}")
FEEDBACK_BARE = N_("{mentor} rated your {kind} session {score}/5.")
LINK_LATER = N_("(your mentor will send the link)")
GONE = N_("That session can't be changed any more.")
NOT_MARKED = N_(
    "{mentor} has not marked attendance for the {session} session of {when}, 2 days on. "
    "{student}'s session hours are waiting for it."
)
KIND_NAMES = {"briefing": N_("briefing"), "checkin": N_("check-in"), "feedback": N_("feedback")}


@dataclass(frozen=True)
class Intern:
    invite_id: int
    student_id: int
    name: str
    attended: bool | None


def _name(person: Person) -> str:
    return f"{person.given_name} {person.family_name}".strip()


def interns_of(session: Session, mentor_id: int) -> list[Placement]:
    """The mentor's current interns: ready placements on their opportunities of this kind."""
    return list(
        session.scalars(
            select(Placement)
            .join(Opportunity, Opportunity.id == Placement.opportunity_id)
            .where(
                Opportunity.supervisor_id == mentor_id,
                Opportunity.kind == KIND.code,
                Placement.status == PlacementStatus.READY,
            )
            .order_by(Placement.id)
        )
    )


def upcoming(session: Session, mentor_id: int, now: datetime) -> list[MentorSession]:
    """The mentor's scheduled sessions not over yet, soonest first (MOVE n, CANCEL n)."""
    rows = session.scalars(
        select(MentorSession)
        .join(Opportunity, Opportunity.id == MentorSession.opportunity_id)
        .where(
            Opportunity.supervisor_id == mentor_id,
            MentorSession.status == SessionStatus.SCHEDULED,
            MentorSession.starts_at > now - timedelta(hours=4),
        )
        .order_by(MentorSession.starts_at, MentorSession.id)
    )
    return [r for r in rows if r.starts_at + timedelta(minutes=r.minutes) > now]


def owned(session: Session, mentor_id: int, session_id: int) -> MentorSession | None:
    row = session.get(MentorSession, session_id)
    if row is None:
        return None
    opp = session.get(Opportunity, row.opportunity_id)
    return row if opp is not None and opp.supervisor_id == mentor_id else None


def invited(session: Session, session_id: int) -> list[Intern]:
    rows = session.execute(
        select(SessionInvite, Person)
        .join(Person, Person.id == SessionInvite.student_id)
        .where(SessionInvite.session_id == session_id)
        .order_by(SessionInvite.id)
    ).all()
    return [Intern(i.id, p.id, _name(p), i.attended) for i, p in rows]


def sessions_of(session: Session, person_id: int) -> list[MentorSession]:
    """Every scheduled session a person is invited to or leads (their calendar feed)."""
    invited_to = select(SessionInvite.session_id).where(SessionInvite.student_id == person_id)
    leads = select(Opportunity.id).where(Opportunity.supervisor_id == person_id)
    return list(
        session.scalars(
            select(MentorSession)
            .where(
                MentorSession.status == SessionStatus.SCHEDULED,
                (MentorSession.id.in_(invited_to)) | (MentorSession.opportunity_id.in_(leads)),
            )
            .order_by(MentorSession.starts_at)
        )
    )


def session_row(session: Session, session_id: int) -> MentorSession | None:
    return session.get(MentorSession, session_id)


def student_name(session: Session, person_id: int) -> str:
    person = session.get(Person, person_id)
    return _name(person) if person else ""


def reached_inline(session: Session, person_id: int) -> bool:
    """This person is reached where buttons can be tapped (Telegram)."""
    contact = pick_contact(session, person_id)
    return contact is not None and spec_for(channel_of(contact.urn)).buttons is Buttons.INLINE


def title(session: Session, row: MentorSession) -> str:
    opp = session.get(Opportunity, row.opportunity_id)
    return opp.title if opp is not None else ""


def mentor_of(session: Session, row: MentorSession) -> Person | None:
    opp = session.get(Opportunity, row.opportunity_id)
    return session.get(Person, opp.supervisor_id) if opp and opp.supervisor_id else None


def when_for(ctx: Context, person_id: int, at: datetime, lang: str) -> str:
    """`at` as `person_id` reads it: in their own zone, named when not the district's."""
    district = ctx.settings.tz
    tz = zones.of_person(ctx.session, person_id, district)
    return zones.when(at, tz, district, lang, ctx.tr(lang))


def feed_url(ctx: Context, person_id: int) -> str:
    token = rules.feed_token(ctx.settings.secret_key, person_id)
    return f"{ctx.settings.public_base_url}/calendar/{token}.ics"


# --- writes --------------------------------------------------------------------------------


def create(
    ctx: Context, opportunity_id: int, starts: datetime, minutes: int, link: str, **kw: object
) -> MentorSession:
    """A scheduled session of an opportunity, with its mentor's jobs (not yet anyone invited)."""
    opp = ctx.session.get(Opportunity, opportunity_id)
    row = MentorSession(
        opportunity_id=opportunity_id,
        mentor_id=opp.supervisor_id if opp else None,
        starts_at=starts,
        minutes=minutes,
        join_url=link,
        status=SessionStatus.SCHEDULED,
        created_at=ctx.now,
        **kw,
    )
    ctx.session.add(row)
    ctx.session.flush()
    plan(ctx, row)
    return row


def plan(ctx: Context, row: MentorSession) -> None:
    """(Re)schedule the mentor's reminders and the attendance question at the session's end."""
    for job in (REMIND, ATTEND, CHASE, ESCALATE):
        jobs.cancel(ctx, job, row.id)
    ends = row.starts_at + timedelta(minutes=row.minutes)
    if row.mentor_id:
        _remind(ctx, row, row.mentor_id)
        jobs.schedule(ctx, ATTEND, subject_id=row.id, due_at=ends, person_id=row.mentor_id)
        chase = ends + CHASE_AFTER
        jobs.schedule(ctx, CHASE, subject_id=row.id, due_at=chase, person_id=row.mentor_id)
        jobs.schedule(ctx, ESCALATE, subject_id=row.id, due_at=chase + CHASE_AFTER)
    for invite in ctx.session.scalars(
        select(SessionInvite).where(SessionInvite.session_id == row.id)
    ):
        _remind(ctx, row, invite.student_id)


def _remind(ctx: Context, row: MentorSession, person_id: int) -> None:
    tz = zones.of_person(ctx.session, person_id, ctx.settings.tz)
    quiet = (ctx.settings.policy.quiet_start_hour, ctx.settings.policy.quiet_end_hour)
    for lead, at in rules.reminder_times(row.starts_at, ctx.now, tz, quiet):
        jobs.schedule(
            ctx, REMIND, subject_id=row.id, due_at=at, person_id=person_id, payload={"lead": lead}
        )


def invite(ctx: Context, row: MentorSession, placement: Placement) -> list[Outbound]:
    """Invite one intern (once) and tell them at once, in their language and zone."""
    found = ctx.session.scalar(
        select(SessionInvite.id).where(
            SessionInvite.session_id == row.id, SessionInvite.student_id == placement.student_id
        )
    )
    if found is not None:
        return []
    ctx.session.add(
        SessionInvite(
            session_id=row.id,
            placement_id=placement.id,
            student_id=placement.student_id,
            invited_at=ctx.now,
        )
    )
    _remind(ctx, row, placement.student_id)
    return [notice(ctx, row, placement.student_id, INVITED)]


def notice(ctx: Context, row: MentorSession, person_id: int, msgid: str) -> Outbound:
    person = ctx.session.get(Person, person_id)
    lang = person.language if person else "en"
    _ = ctx.tr(lang)
    mentor = mentor_of(ctx.session, row)
    text = _(
        msgid,
        mentor=mentor.given_name if mentor else "",
        kind=_(KIND_NAMES.get(row.kind, row.kind)),
        minutes=row.minutes,
        when=when_for(ctx, person_id, row.starts_at, lang),
        link=row.join_url or _(LINK_LATER),
        feed=feed_url(ctx, person_id),
    )
    return Outbound(text, to=person_id, category="session")


def schedule(ctx: Context, e: fx.Schedule) -> list[Outbound]:
    """A confirmed MEET: one session per opportunity with interns, every intern invited."""
    out: list[Outbound] = []
    by_opp: dict[int, list[Placement]] = {}
    for placement in interns_of(ctx.session, e.mentor_id):
        by_opp.setdefault(placement.opportunity_id, []).append(placement)
    if not by_opp:
        raise WBLError(N_("You have no current interns to invite."))
    for opp_id, placements in by_opp.items():
        row = create(ctx, opp_id, e.starts, e.minutes, e.link, kind="checkin")
        for placement in placements:
            out += invite(ctx, row, placement)
        _audit(ctx, "virtual.session_scheduled", row)
    return out


def move(ctx: Context, e: fx.Move) -> list[Outbound]:
    row = _live(ctx, e.mentor_id, e.session_id)
    row.starts_at = e.starts
    ctx.session.flush()
    plan(ctx, row)
    _audit(ctx, "virtual.session_moved", row)
    return [notice(ctx, row, i.student_id, MOVED) for i in invited(ctx.session, row.id)]


def cancel(ctx: Context, e: fx.Cancel) -> list[Outbound]:
    row = _live(ctx, e.mentor_id, e.session_id)
    row.status = SessionStatus.CANCELLED
    for job in (REMIND, ATTEND, CHASE, ESCALATE):
        jobs.cancel(ctx, job, row.id)
    _audit(ctx, "virtual.session_cancelled", row)
    return [notice(ctx, row, i.student_id, CANCELLED) for i in invited(ctx.session, row.id)]


def _live(ctx: Context, mentor_id: int, session_id: int) -> MentorSession:
    row = owned(ctx.session, mentor_id, session_id)
    if row is None or row.status != SessionStatus.SCHEDULED:
        raise WBLError(GONE)
    return row


def mark_attendance(ctx: Context, e: fx.MarkAttendance) -> list[Outbound]:
    """Mark who attended; each attendee's minutes become approved hours (once)."""
    row = owned(ctx.session, e.mentor_id, e.session_id)
    if row is None or row.status != SessionStatus.SCHEDULED:
        raise WBLError(GONE)
    hours = (Decimal(row.minutes) / 60).quantize(Decimal("0.01"))
    for inv in ctx.session.scalars(select(SessionInvite).where(SessionInvite.session_id == row.id)):
        inv.attended, inv.marked_at = inv.id in e.attended, ctx.now
        if inv.attended and inv.entry_id is None:
            entry = TimeEntry(
                placement_id=inv.placement_id,
                student_id=inv.student_id,
                kind=EntryKind.MANUAL,
                status=EntryStatus.APPROVED,
                started_at=row.starts_at,
                ended_at=row.starts_at + timedelta(minutes=row.minutes),
                hours=hours,
                description=f"{title(ctx.session, row)} ({row.kind}, {row.minutes} min)"[:500],
                reviewed_by=e.mentor_id,
                reviewed_at=ctx.now,
                review_note="attended",
                created_at=ctx.now,
            )
            ctx.session.add(entry)
            ctx.session.flush()
            inv.entry_id = entry.id
        elif not inv.attended and inv.entry_id is not None:
            undone = ctx.session.get(TimeEntry, inv.entry_id)
            if undone is not None:
                undone.status = EntryStatus.REJECTED
            inv.entry_id = None
    row.attendance_done_at = ctx.now
    _audit(ctx, "virtual.attendance", row)
    return []


def feedback(ctx: Context, e: fx.Feedback) -> list[Outbound]:
    inv = ctx.session.get(SessionInvite, e.invite_id)
    row = ctx.session.get(MentorSession, inv.session_id) if inv else None
    if inv is None or row is None or owned(ctx.session, e.mentor_id, row.id) is None:
        raise WBLError(GONE)
    inv.rating, inv.comment = e.score, e.comment or None
    student = ctx.session.get(Person, inv.student_id)
    mentor = ctx.session.get(Person, e.mentor_id)
    lang = student.language if student else "en"
    _ = ctx.tr(lang)
    msgid = FEEDBACK if e.comment else FEEDBACK_BARE
    text = _(
        msgid,
        mentor=mentor.given_name if mentor else "",
        kind=_(KIND_NAMES.get(row.kind, row.kind)),
        score=e.score,
        comment=e.comment,
    )
    return [Outbound(text, to=inv.student_id)]


def escalate_unmarked(ctx: Context, e: fx.Escalate) -> list[Outbound]:
    """Attendance still unmarked two days after the session: each intern's coordinator."""
    row = ctx.session.get(MentorSession, e.session_id)
    if row is None or row.attendance_done_at is not None:
        return []
    mentor = mentor_of(ctx.session, row)
    out: list[Outbound] = []
    for intern in invited(ctx.session, row.id):
        coordinator = coordinator_of(ctx, intern.student_id)  # the words are in their language
        lang = coordinator.language if coordinator else "en"
        out += alert_coordinator(
            ctx,
            intern.student_id,
            "attendance_unmarked",
            NOT_MARKED,
            mentor=_name(mentor) if mentor else "",
            session=ctx.tr(lang)(KIND_NAMES.get(row.kind, row.kind)),
            when=when_for(ctx, 0, row.starts_at, lang),
            student=intern.name,
        )
    return out


def _audit(ctx: Context, action: str, row: MentorSession) -> None:
    trail.record(
        ctx.session, at=ctx.now, actor=ctx.actor, action=action, entity="mentor_session",
        entity_id=row.id, details={"starts": row.starts_at.isoformat(), "status": row.status},
    )  # fmt: skip


from bot.kinds.virtual.service import pulse as pulse  # noqa: E402 (their sweeps register)
from bot.kinds.virtual.service import sweeps as sweeps  # noqa: E402
