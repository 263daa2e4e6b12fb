"""Student journey, doing the work: AGREE, IN, OUT, LOG, SUBMIT, STATUS, clock reminders.

Which placement a command acts on: the student's open placements that fit the command
(AGREE: paperwork without the student's OK; IN/LOG/SUBMIT: ready; STATUS: any). One
fits: that one. Several: ask (Telegram buttons "wp", SMS "IN #2") and remember the
choice in the conversation data (`pl`) until MENU. None: the refusal of the newest, or
a pointer to FIND when there is no placement at all. Clocking in and out goes through
services.clocking, the same path as the SMS check-in page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot import display, effects, payloads
from bot.channels.specs import spec_for
from bot.clock import parse_instant
from bot.flows.base import Reply, Turn
from bot.i18n import N_
from bot.machine import DONE
from bot.messages import Button, Outbound
from bot.rules import hours as hours_rules
from bot.services import (
    checkin_links,
    clock_reminders,
    clocking,
    deliverables,
    hour_totals,
    hours_log,
    paperwork,
    placements,
    work_status,
)
from bot.services import clock_texts as T
from bot.services import work as works_of
from bot.services.clocking import Point
from bot.services.work import Work
from bot.statuses import PlacementStatus

actions: frozenset[str] = frozenset({"wi", "wo", "wl", "ws", "wt", "wa", "wp"})
triggers: frozenset[str] = frozenset({clocking.NUDGE, clocking.AUTOCLOSE})
WORDS = {"AGREE", "IN", "OUT", "LOG", "SUBMIT", "STATUS"}
BY_ACTION = {"wi": "IN", "wo": "OUT", "wl": "LOG", "ws": "SUBMIT", "wt": "STATUS", "wa": "AGREE"}
SKIP_WORDS = {"SKIP", "SALTAR", "OMITIR"}
_PICK = re.compile(r"^#\s*(\d{1,2})$")
LOCATION_STATES = ("await_in_location", "await_out_location")

NO_PLACEMENT = N_("You don't have a placement yet. Reply FIND to see opportunities for you.")
WHICH = N_("Which placement?")
ALREADY_AGREED = N_("Your OK to the training agreement for {title} is already on file.")
AGREED = N_("Thanks! Your OK to the training agreement for {title} is recorded.")
STILL_MISSING = N_("Still missing: {missing}.")
UNEXPECTED_LOCATION = N_("Thanks, but I wasn't expecting a location. Reply IN or OUT first.")
SUBMIT_FIRST = N_("To send this as your work, reply SUBMIT and then send it again.")
ASK_SUBMIT = N_("Send your work now: a link, a short text, a photo or a file.")
SUBMITTED = N_("Got it! Your work for {title} was sent to your supervisor for review.")
TOO_SHORT = N_(
    "That looks short for your work. Send a link, a photo or file, or a few sentences "
    "about what you did. Reply MENU to go back."
)
WAITING = N_(
    "Your application for {title} is waiting for a coordinator ({count} in all). "
    "We'll text you the answer. Reply FIND for more."
)


def handle(turn: Turn) -> Reply | None:
    """Answer a work command, a reply in a work state, a button or a clock reminder."""
    if turn.trigger is not None:
        return _trigger(turn)
    if turn.action is not None:
        action, args = turn.action
        if action == "wp":
            return _picked(turn, args)
        return _command(turn, BY_ACTION[action], "") if action in BY_ACTION else None
    cmd = turn.cmd
    if cmd.keyword in WORDS:
        return _command(turn, cmd.keyword, cmd.args)
    return _answer(turn)


def _say(turn: Turn, text: str, event: str | None = DONE, **kw: Any) -> Reply:
    return Reply.say(Outbound(text, **kw), event=event, data=turn.data)


def _answer(turn: Turn) -> Reply | None:
    """A message that is not a command: the answer to what we asked, or a bare item."""
    inbound = turn.inbound
    if inbound is None:
        return None
    _ = turn._
    answer = ANSWERS.get(turn.state)
    if answer is not None:
        return answer(turn)
    if inbound.location is not None or inbound.location_denied:
        return _say(turn, _(UNEXPECTED_LOCATION))
    if inbound.attachment is not None:
        return _say(turn, _(SUBMIT_FIRST))
    return None


# --- choosing the placement ------------------------------------------------------------
def _fits(word: str, work: Work) -> bool:
    if word == "AGREE":
        return work.status == PlacementStatus.PAPERWORK and not work.agreed
    if word in ("IN", "LOG", "SUBMIT"):
        return work.status == PlacementStatus.READY
    return True


def _choose(turn: Turn, word: str, args: str, works: list[Work] | None = None) -> Work | Reply:
    """The placement `word` acts on, or a Reply (none, or a question which one); `works`:
    the student's open work when the caller read it."""
    if works is None:
        works = works_of.open_work(turn.ctx, turn.person.id)
    if not works:
        waiting = placements.pending_titles(turn.ctx.session, turn.person.id)
        if waiting:
            return _say(turn, turn._(WAITING, title=waiting[-1], count=len(waiting)))
        return _say(turn, turn._(NO_PLACEMENT))
    by_id = {w.placement_id: w for w in works}
    picked = _pick_number(word, args)
    options = turn.data.get("pick") or []
    if picked is not None and 0 < picked <= len(options) and options[picked - 1] in by_id:
        turn.data["pl"] = options[picked - 1]
        return by_id[options[picked - 1]]
    fitting = [w for w in works if _fits(word, w)] or works
    remembered = by_id.get(turn.data.get("pl", 0))
    if remembered is not None and remembered in fitting:
        return remembered
    if len(fitting) == 1:
        return fitting[0]
    return _ask_which(turn, word, args, fitting)


def _pick_number(word: str, args: str) -> int | None:
    match = _PICK.match(args.strip())
    if match:
        return int(match.group(1))
    bare = args.strip()
    return int(bare) if word in ("IN", "AGREE", "STATUS") and bare.isdigit() else None


def _ask_which(turn: Turn, word: str, args: str, works: list[Work]) -> Reply:
    _ = turn._
    secret = turn.ctx.settings.secret_key
    turn.data["pick"] = [w.placement_id for w in works[:5]]
    turn.data["pending"] = {"w": word, "a": args[:500]}
    lines = [f"{n}) {display.shorten(w.title, 40)}" for n, w in enumerate(works[:5], 1)]
    buttons = [
        [
            Button(
                display.shorten(w.title, 30),
                payloads.sign(secret, turn.person.id, "wp", w.placement_id),
            )
        ]
        for w in works[:5]
    ]
    for n, row in enumerate(buttons, 1):
        row[0] = Button(row[0].label, row[0].payload, sms=f"{word} #{n}")
    return Reply.say(
        Outbound(_(WHICH) + "\n" + "\n".join(lines), buttons=buttons),
        event=DONE,
        data=turn.data,
    )


def _picked(turn: Turn, args: list[str]) -> Reply:
    mine = {w.placement_id for w in works_of.open_work(turn.ctx, turn.person.id)}
    pid = int(args[0]) if args and args[0].isdigit() else 0
    if pid not in mine:
        return _say(turn, turn._(NO_PLACEMENT))
    turn.data["pl"] = pid
    pending = turn.data.pop("pending", None) or {"w": "STATUS", "a": ""}
    return _command(turn, str(pending.get("w", "STATUS")), str(pending.get("a", "")))


# --- commands ----------------------------------------------------------------------------
def _command(turn: Turn, word: str, args: str) -> Reply:
    if word == "OUT":
        return _out(turn)
    works = None
    if word == "IN":
        already, works = clocking.before_in(turn.ctx, turn.person.id, turn.person.language)
        if already is not None:
            return _say(turn, already)
    chosen = _choose(turn, word, args, works)
    if isinstance(chosen, Reply):
        return chosen
    turn.data["pl"] = chosen.placement_id
    if _PICK.match(args.strip()) or (args.strip().isdigit() and word != "LOG"):
        args = str((turn.data.pop("pending", None) or {}).get("a", ""))
    handler = {"AGREE": _agree, "IN": _in, "LOG": _log, "SUBMIT": _submit, "STATUS": _status}
    return handler[word](turn, chosen, args)


def _agree(turn: Turn, work: Work, args: str) -> Reply:
    _ = turn._
    if work.status != PlacementStatus.PAPERWORK or work.agreed:
        return _say(turn, _(ALREADY_AGREED, title=display.shorten(work.title)))
    missing = [m for m in works_of.missing_of(turn.ctx, work.placement_id) if m != "agreement"]
    text = _(AGREED, title=display.shorten(work.title))
    if missing:
        text += " " + _(STILL_MISSING, missing=paperwork.labels(_, missing))
    agree = effects.Agree(work.placement_id, turn.person.language)  # "all set" comes with it
    return Reply([Outbound(text)], event=DONE, data=turn.data, effects=[agree])


def _in(turn: Turn, work: Work, args: str) -> Reply:
    lang = turn.person.language
    problem = clocking.start_problem(turn.ctx, work, lang) or clocking.slot_problem(
        turn.ctx, work, lang
    )
    if problem:
        return _say(turn, problem)
    if work.remote:
        return _clock_in(turn, work, None)
    return _ask_location(turn, work, "in")


def _out(turn: Turn) -> Reply:
    _ = turn._
    entry = clocking.clocked_in(turn.ctx, turn.person.id)
    work = works_of.get_work(turn.ctx, entry.placement_id) if entry else None
    if entry is None or work is None:
        return _say(turn, _(T.NOT_IN))
    turn.data["pl"] = work.placement_id
    if work.remote:
        return _say(turn, _(T.ASK_NOTE), event="out_remote")
    return _ask_location(turn, work, "out")


def _ask_location(turn: Turn, work: Work, action: str) -> Reply:
    """The location button where the chat can share one; elsewhere a one-time check-in link."""
    _ = turn._
    inbound = turn.inbound
    if inbound is not None and not spec_for(inbound.channel).can_share_location:
        raw, url = checkin_links.new_link(turn.ctx)
        text = T.LINK_IN if action == "in" else T.LINK_OUT
        reply = _say(turn, _(text, title=display.shorten(work.title, 30), url=url))
        reply.effects.append(
            effects.SaveCheckinLink(raw, work.student_id, work.placement_id, action)
        )
        return reply
    text = T.ASK_IN_LOCATION if action == "in" else T.ASK_OUT_LOCATION
    event = "in" if action == "in" else "out"
    return _say(turn, _(text), event=event, request_location=True)


def _location(turn: Turn) -> Reply:
    """The answer to "share your location": clock in or out with it (or without: SKIP)."""
    _ = turn._
    inbound = turn.inbound
    assert inbound is not None
    loc, point = inbound.location, None
    denied = inbound.location_denied or (turn.cmd.words[:1] and turn.cmd.words[0] in SKIP_WORDS)
    if loc is None and not denied:
        return _say(turn, _(T.NEED_LOCATION), event=None, request_location=True)
    if loc is not None:
        if loc.forwarded:
            return _say(turn, _(T.FORWARDED), event=None, request_location=True)
        if loc.via_bot:
            return _say(turn, _(T.VIA_BOT), event=None, request_location=True)
        point = Point(loc.lat, loc.lon, loc.accuracy_m)
    if turn.state == "await_out_location":
        return _clock_out(turn, point, None)
    work = works_of.get_work(turn.ctx, int(turn.data.get("pl", 0)))
    if work is None:
        return _say(turn, _(NO_PLACEMENT))
    return _clock_in(turn, work, point)


def _out_note(turn: Turn) -> Reply:
    text = " ".join((turn.inbound.text if turn.inbound else "").split())
    if len(text) < 3:
        return _say(turn, turn._(T.ASK_NOTE), event=None)
    return _clock_out(turn, None, text)


def _clock_in(turn: Turn, work: Work, point: Point | None) -> Reply:
    lang = turn.person.language
    answer = clocking.decide_in(turn.ctx, work, point, lang)
    return _clocked(turn, answer, effects.ClockIn(work.student_id, work.placement_id, point, lang))


def _clock_out(turn: Turn, point: Point | None, note: str | None) -> Reply:
    me, lang = turn.person.id, turn.person.language
    answer = clocking.decide_out(turn.ctx, me, point, lang, note)
    return _clocked(turn, answer, effects.ClockOut(me, point, note))


def _clocked(turn: Turn, answer: clocking.Answer, write: effects.Effect) -> Reply:
    """Reply with the service's receipt (and its write) or refusal; an implausible fix is
    asked for again."""
    if answer.refusal == "implausible":
        return _say(turn, answer.text, event=None, request_location=True)
    fx = [write] if answer.refusal is None else []
    return Reply([answer.message], event=DONE, data=turn.data, effects=fx)


def _work_then(turn: Turn, word: str, args: str) -> Reply:
    """Continue LOG/SUBMIT after we asked for the details."""
    work = works_of.get_work(turn.ctx, int(turn.data.get("pl", 0)))
    if work is None:
        chosen = _choose(turn, word, args)
        if isinstance(chosen, Reply):
            return chosen
        work = chosen
    return (_log if word == "LOG" else _submit)(turn, work, args)


def _log(turn: Turn, work: Work, args: str) -> Reply:
    _ = turn._
    problem = clocking.start_problem(turn.ctx, work, turn.person.language)
    if problem:
        return _say(turn, problem)
    open_entry = clocking.clocked_in(turn.ctx, turn.person.id)
    if open_entry is not None:  # that time counts at OUT: logging it too would count it twice
        since = display.time_of_day(
            open_entry.started_at, turn.ctx.settings.tz, turn.person.language
        )
        return _say(turn, _(hours_log.LOG_WHILE_IN, time=since))
    if not args.strip():
        return _say(turn, _(hours_log.ASK_LOG), event="log")
    line = hours_rules.parse_log(args)
    if isinstance(line, str):
        return _say(turn, _(hours_log.LOG_ERRORS[line]), event="log")
    before = hour_totals.hours_totals(turn.ctx.session, work.placement_id)
    totals = replace(before, pending=before.pending + line.hours)  # the new line is pending
    title = display.shorten(work.title, 30)
    lang = turn.person.language
    text = _(hours_log.LOGGED, hours=hours_rules.fmt(line.hours, lang), title=title)
    reply = _say(turn, text + " " + hour_totals.totals_line(_, totals, work.est_hours, lang))
    reply.effects.append(effects.LogHours(work.placement_id, turn.person.id, line))
    return reply


def _submit(turn: Turn, work: Work, args: str) -> Reply:
    _ = turn._
    if work.status != PlacementStatus.READY:
        return _say(turn, clocking.start_problem(turn.ctx, work, turn.person.language) or "")
    attachment = turn.inbound.attachment if turn.inbound else None
    text = args.strip()
    if not text and attachment is None:
        return _say(turn, _(ASK_SUBMIT), event="submit")
    if attachment is None and "://" not in text and "www." not in text and len(text) < 20:
        return _say(turn, _(TOO_SHORT), event="submit")  # "what?" is not the work
    reply = _say(turn, _(SUBMITTED, title=display.shorten(work.title, 30)))
    reply.effects.append(effects.Submit(work.placement_id, text, attachment))
    return reply


def _status(turn: Turn, work: Work, args: str) -> Reply:
    latest = deliverables.latest(turn.ctx, work.placement_id)
    submitted = latest.status if latest else None
    text = work_status.status(turn.ctx, turn.person.language, work, submitted)
    return _say(turn, text)


# --- reminders -------------------------------------------------------------------------------
def _trigger(turn: Turn) -> Reply | None:
    """A clock reminder: the nudge, or the auto-close (then leave any clock question)."""
    trigger = turn.trigger
    assert trigger is not None
    if trigger.kind == clocking.NUDGE:
        return Reply(clock_reminders.nudge(turn.ctx, trigger.subject_id, turn.person.language))
    entry = clocking.clocked_in(turn.ctx, turn.person.id)
    work = works_of.get_work(turn.ctx, entry.placement_id) if entry else None
    if entry is None or entry.id != trigger.subject_id or work is None:
        return Reply()  # clocked out meanwhile: nothing to close
    end = _instant(trigger.payload.get("end"))
    close = effects.CloseForgotten(entry.id, end, turn.person.language)  # its notices come with it
    done = turn.state in (*LOCATION_STATES, "await_out_note")
    return Reply(flow="student" if done else None, event=DONE if done else None, effects=[close])


def _instant(value: object) -> datetime | None:
    """The expected end a reminder carries; None when it is missing or unreadable."""
    try:
        return parse_instant(str(value)) if value else None
    except ValueError:
        return None


# --- what answers the question each waiting state asked ---------------------------------------
def _logged(turn: Turn) -> Reply:
    return _work_then(turn, "LOG", turn.inbound.text if turn.inbound else "")


def _submitted(turn: Turn) -> Reply:
    return _work_then(turn, "SUBMIT", turn.inbound.text if turn.inbound else "")


ANSWERS: dict[str, Callable[[Turn], Reply]] = {
    "await_in_location": _location,
    "await_out_location": _location,
    "await_out_note": _out_note,
    "await_log": _logged,
    "await_submit": _submitted,
}
