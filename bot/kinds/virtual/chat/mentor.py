"""What mentors and interns type about sessions, and the jobs that speak first.

Mentor: `MEET <when> [minutes] [link]` (repeated back; `YES` sends it, a corrected time
asks again), `MEET` alone lists the upcoming sessions, `MOVE n <when>`, `CANCEL n`; after
a session the numbers of who attended (`1 3`, `ALL`, `NONE`), then per intern a rating
and comment (`5 Great questions`, `SKIP`). Intern: the weekly pulse, one digit 1-5.
A dialogue's step is kept in the conversation's data (`kind_command` routes the next
message back here); a handler returns None when a message is not its own.
"""

from __future__ import annotations

from datetime import datetime

from bot.flows.base import Reply, Turn
from bot.i18n import N_
from bot.kinds.virtual import effects as fx
from bot.kinds.virtual import rules, service
from bot.kinds.virtual.chat import toggles
from bot.kinds.virtual.chat.marks import ASK_RATE, ROUTE, mark
from bot.machine import DONE
from bot.messages import Outbound
from bot.statuses import SessionStatus

MEET_WORDS = frozenset({"MEET", "REUNION", "CITA"})
MOVE_WORDS = frozenset({"MOVE", "MOVER"})
CANCEL_WORDS = frozenset({"CANCEL", "CANCELAR"})
YES_WORDS = frozenset({"YES", "Y", "SI", "OK"})
NO_WORDS = frozenset({"NO", "N"})
ALL_WORDS = frozenset({"ALL", "TODO", "TODOS", "TODAS"})
NONE_WORDS = frozenset({"NONE", "NADIE", "NINGUNO", "0"})
SKIP_WORDS = frozenset({"SKIP", "OMITIR", "NADA"})

HOW = N_("Schedule with MEET <when> [minutes] [link], e.g. MEET thu 4pm 30.")
NO_TIME = N_("I couldn't read that time. Try e.g. MEET thu 4pm 30, or MEET 2026-12-03 16:00.")
PAST = N_("{when} has already passed. Send a time in the future.")
NO_INTERNS = N_("You have no current interns to invite.")
ASK_LINK = N_(
    "{when}, {minutes} min, with {interns}. What is the video link? Send it (https://...)."
)
CONFIRM = N_(
    "{when}, {minutes} min, with {interns}. Link: {link} "
    "Reply YES to send the invitations, or send a corrected time."
)
SENT = N_("Sent! Invited: {interns}. They get reminders a day and an hour before.")
NOT_SENT = N_("OK, nothing was sent.")
LIST = N_("Your sessions:\n{lines}\nMOVE n <when> to move one, CANCEL n to cancel it.")
NONE_UPCOMING = N_("You have no upcoming sessions.")
NO_SUCH = N_("There is no session {number} in your list. Send MEET to see the list.")
MOVED = N_("Moved session {number} to {when}. Your interns were told.")
CANCELLED = N_("Cancelled session {number} ({when}). Your interns were told.")
ASK_ATTEND = N_(
    "Who joined the session of {when}?\n{lines}\nReply with the numbers (e.g. 1 3), ALL, or NONE."
)
BAD_MARKS = N_("Reply with numbers from 1 to {count} (e.g. 1 3), ALL, or NONE.")
THANKS = N_("Thank you! Your feedback was sent.")
REMIND_DAY = N_("Reminder: your session with {who} is tomorrow, {when}. Join: {link}")
REMIND_HOUR = N_("Reminder: your session with {who} starts in an hour, {when}. Join: {link}")
INTERNS = N_("your interns")


def mentor(turn: Turn) -> Reply | None:
    """A mentor's session command, or the answer to the question last asked."""
    words = turn.cmd.words
    first = words[0] if words else ""
    if first in MEET_WORDS:
        return _meet(turn, rest(turn.cmd.raw, 1)) if len(words) > 1 else _list(turn)
    if first in MOVE_WORDS and len(words) > 2 and words[1].isdigit():
        return _move(turn, int(words[1]), rest(turn.cmd.raw, 2))
    if first in CANCEL_WORDS and len(words) == 2 and words[1].isdigit():
        return _cancel(turn, int(words[1]))
    step = turn.data.get("step")
    if step == "confirm":
        return _confirm(turn)
    if step == "link" and rules.is_link(turn.cmd.raw):
        return _repeat(turn, {**turn.data["meet"], "link": turn.cmd.raw.strip()})
    if step == "attend":
        return _marks(turn)
    if step == "rate":
        return _rate(turn)
    return None


def rest(raw: str, skip: int) -> str:
    parts = raw.split(None, skip)
    return parts[skip].strip() if len(parts) > skip else ""


def _say(turn: Turn, msgid: str, data: dict | None = None, **kw: object) -> Reply:
    return Reply.say(Outbound(turn._(msgid, **kw)), event=DONE, data=data or {})


def _when(turn: Turn, at: datetime) -> str:
    return service.when_for(turn.ctx, turn.person.id, at, turn.person.language)


def _zone(turn: Turn):  # noqa: ANN202 (a ZoneInfo)
    from bot import zones

    return zones.of_person(turn.ctx.session, turn.person.id, turn.ctx.settings.tz)


# --- MEET, confirmation, link ------------------------------------------------------------------


def _meet(turn: Turn, args: str) -> Reply:
    meet = rules.parse_meet(args, turn.ctx.now, _zone(turn))
    if meet is None:
        return _say(turn, NO_TIME)
    if meet.starts <= turn.ctx.now:
        return _say(turn, PAST, when=_when(turn, meet.starts))
    link = meet.link or (
        rules.room_url(turn.ctx.settings.video_room_base_url)
        if turn.ctx.settings.video_room_base_url
        else ""
    )
    pending = {"starts": meet.starts.isoformat(), "minutes": meet.minutes, "link": link}
    if not service.interns_of(turn.ctx.session, turn.person.id):
        return _say(turn, NO_INTERNS)
    return _repeat(turn, pending)


def _repeat(turn: Turn, pending: dict) -> Reply:
    """Say back what was understood; YES sends it (without a link: ask for one first)."""
    names = [
        service.student_name(turn.ctx.session, p.student_id)
        for p in service.interns_of(turn.ctx.session, turn.person.id)
    ]
    step, msgid = ("confirm", CONFIRM) if pending["link"] else ("link", ASK_LINK)
    data = {"kind_command": ROUTE, "step": step, "meet": pending}
    starts = datetime.fromisoformat(pending["starts"])
    return _say(
        turn,
        msgid,
        data,
        when=_when(turn, starts),
        minutes=pending["minutes"],
        interns=", ".join(names),
        link=pending["link"],
    )


def _confirm(turn: Turn) -> Reply | None:
    words, pending = turn.cmd.words, turn.data.get("meet") or {}
    if len(words) == 1 and words[0] in YES_WORDS and pending:
        starts = datetime.fromisoformat(pending["starts"])
        if starts <= turn.ctx.now:
            return _say(turn, PAST, when=_when(turn, starts))
        names = [
            service.student_name(turn.ctx.session, p.student_id)
            for p in service.interns_of(turn.ctx.session, turn.person.id)
        ]
        effect = fx.Schedule(turn.person.id, starts, int(pending["minutes"]), pending["link"])
        reply = _say(turn, SENT, interns=", ".join(names))
        reply.effects.append(effect)
        return reply
    if len(words) == 1 and words[0] in NO_WORDS:
        return _say(turn, NOT_SENT)
    meet = rules.parse_meet(turn.cmd.raw, turn.ctx.now, _zone(turn))
    if meet is None or not words or words[0].isdigit() and len(words) == 1:
        return None  # not a time: the supervisor's other commands may know it
    if meet.starts <= turn.ctx.now:
        return _say(turn, PAST, when=_when(turn, meet.starts))
    corrected = {
        "starts": meet.starts.isoformat(),
        "minutes": meet.minutes if len(words) > 2 else pending.get("minutes", meet.minutes),
        "link": meet.link or pending.get("link", ""),
    }
    return _repeat(turn, corrected)


# --- the list, MOVE n, CANCEL n -----------------------------------------------------------------


def _list(turn: Turn) -> Reply:
    rows = service.upcoming(turn.ctx.session, turn.person.id, turn.ctx.now)
    if not rows:
        return Reply.say(Outbound(turn._(NONE_UPCOMING) + " " + turn._(HOW)), event=DONE, data={})
    lines = "\n".join(
        f"{n}. {_when(turn, r.starts_at)}, {r.minutes} min" for n, r in enumerate(rows, 1)
    )
    return _say(turn, LIST, lines=lines)


def _nth(turn: Turn, number: int) -> int | None:
    rows = service.upcoming(turn.ctx.session, turn.person.id, turn.ctx.now)
    return rows[number - 1].id if 1 <= number <= len(rows) else None


def _move(turn: Turn, number: int, when: str) -> Reply:
    session_id = _nth(turn, number)
    if session_id is None:
        return _say(turn, NO_SUCH, number=number)
    starts = rules.parse_when(when, turn.ctx.now, _zone(turn))
    if starts is None:
        return _say(turn, NO_TIME)
    if starts <= turn.ctx.now:
        return _say(turn, PAST, when=_when(turn, starts))
    reply = _say(turn, MOVED, number=number, when=_when(turn, starts))
    reply.effects.append(fx.Move(turn.person.id, session_id, starts))
    return reply


def _cancel(turn: Turn, number: int) -> Reply:
    session_id = _nth(turn, number)
    if session_id is None:
        return _say(turn, NO_SUCH, number=number)
    row = service.owned(turn.ctx.session, turn.person.id, session_id)
    assert row is not None
    reply = _say(turn, CANCELLED, number=number, when=_when(turn, row.starts_at))
    reply.effects.append(fx.Cancel(turn.person.id, session_id))
    return reply


# --- attendance and feedback ---------------------------------------------------------------


def ask_attendance(turn: Turn, session_id: int) -> Reply | None:
    """The numbered list of invited interns (typed), or toggles (Telegram)."""
    row = service.owned(turn.ctx.session, turn.person.id, session_id)
    if row is None or row.status != SessionStatus.SCHEDULED or row.attendance_done_at is not None:
        return None
    interns = service.invited(turn.ctx.session, session_id)
    if not interns:
        return None
    data = {"kind_command": ROUTE, "step": "attend", "session": session_id}
    text = turn._(
        ASK_ATTEND,
        when=_when(turn, row.starts_at),
        lines="\n".join(f"{n}. {i.name}" for n, i in enumerate(interns, 1)),
    )
    out = Outbound(text, to=turn.person.id, urgent=False, category="session")
    if toggles.inline(turn):
        out.text = turn._(toggles.HEADER, when=_when(turn, row.starts_at))
        out = toggles.keyboard(turn, session_id, interns, frozenset(), out)
    return Reply.say(out, event=DONE, data=data)


def _marks(turn: Turn) -> Reply | None:
    session_id = int(turn.data.get("session", 0))
    interns = service.invited(turn.ctx.session, session_id)
    words = turn.cmd.words
    if len(words) == 1 and words[0] in NONE_WORDS:
        picked: list[int] | None = []
    else:
        picked = rules.parse_marks(words, len(interns), ALL_WORDS)
    if picked is None:
        if words and all(w.isdigit() and len(w) <= 2 for w in words):
            return _say(turn, BAD_MARKS, dict(turn.data), count=len(interns))
        return None  # not attendance (six digits are a rating): the supervisor flow goes on
    chosen = [interns[n - 1] for n in picked]
    return mark(turn, session_id, interns, {i.invite_id for i in chosen})


def _rate(turn: Turn) -> Reply | None:
    queue: list[int] = list(turn.data.get("queue") or [])
    names = {int(k): v for k, v in (turn.data.get("names") or {}).items()}
    if not queue:
        return None
    words = turn.cmd.words
    effects: list = []
    if not (len(words) == 1 and words[0] in SKIP_WORDS):
        found = rules.parse_rating(turn.cmd.raw)
        if found is None:
            return None
        effects.append(fx.Feedback(turn.person.id, queue[0], found[0], found[1]))
    queue = queue[1:]
    if not queue:
        return Reply(messages=[Outbound(turn._(THANKS))], event=DONE, data={}, effects=effects)
    ask = turn._(ASK_RATE, student=names.get(queue[0], ""))
    data = {**turn.data, "queue": queue}
    return Reply(messages=[Outbound(ask)], event=DONE, data=data, effects=effects)


# --- jobs ------------------------------------------------------------------------------------


def remind(turn: Turn) -> Reply | None:
    """A day or an hour before: the session, in the reader's own zone, with the link."""
    trigger = turn.trigger
    assert trigger is not None
    row = service.session_row(turn.ctx.session, trigger.subject_id)
    if row is None or row.status != SessionStatus.SCHEDULED or row.starts_at <= turn.ctx.now:
        return None
    mentor = service.mentor_of(turn.ctx.session, row)
    mine = mentor is None or mentor.id == turn.person.id
    who = turn._(INTERNS) if mine or mentor is None else mentor.given_name
    msgid = REMIND_DAY if trigger.payload.get("lead") == "day" else REMIND_HOUR
    text = turn._(msgid, who=who, when=_when(turn, row.starts_at), link=row.join_url)
    return Reply.say(Outbound(text, to=turn.person.id, urgent=False, category="reminder"))


def attend(turn: Turn) -> Reply | None:
    assert turn.trigger is not None
    return ask_attendance(turn, turn.trigger.subject_id)


def escalate(turn: Turn) -> Reply | None:
    assert turn.trigger is not None
    row = service.session_row(turn.ctx.session, turn.trigger.subject_id)
    if row is None or row.status != SessionStatus.SCHEDULED or row.attendance_done_at is not None:
        return None
    return Reply(effects=[fx.Escalate(row.id)])
