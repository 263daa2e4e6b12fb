"""Student journey, doing the work: AGREE, IN, OUT, LOG, SUBMIT, STATUS, shift reminders.

Which placement a command acts on: the student's open placements that fit the command
(AGREE: paperwork without the student's OK; IN/LOG/SUBMIT: ready; STATUS: any). One
fits: that one. Several: ask (Telegram buttons "wp", SMS "IN #2") and remember the
choice in the conversation data (`pl`) until MENU. None: the refusal of the newest, or
a pointer to FIND when there is no placement at all.
"""

from __future__ import annotations

import re
from typing import Any

from bot import payloads
from bot.channels.specs import spec_for
from bot.flows.base import Reply, Turn
from bot.i18n import N_
from bot.messages import Button, Outbound
from bot.rules import geofence
from bot.rules import hours as hours_rules
from bot.services import alerts, deliverables, hours_log, paperwork, placements, shifts
from bot.services.shifts import Point, Work

actions: frozenset[str] = frozenset({"wi", "wo", "wl", "ws", "wt", "wa", "wp"})
triggers: frozenset[str] = frozenset({shifts.NUDGE, shifts.AUTOCLOSE})
WORDS = {"AGREE", "IN", "OUT", "LOG", "SUBMIT", "STATUS"}
BY_ACTION = {"wi": "IN", "wo": "OUT", "wl": "LOG", "ws": "SUBMIT", "wt": "STATUS", "wa": "AGREE"}
SKIP_WORDS = {"SKIP", "SALTAR", "OMITIR"}
_PICK = re.compile(r"^#\s*(\d{1,2})$")
LOCATION_STATES = ("await_in_location", "await_out_location")


def handle(turn: Turn) -> Reply | None:
    """Answer a work command, a reply in a work state, a button or a shift reminder."""
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


TOO_SHORT = N_(
    "That looks short for your work. Send a link, a photo or file, or a few sentences "
    "about what you did. Reply MENU to go back."
)
WAITING = N_(
    "Your application for {title} is waiting for a coordinator ({count} in all). "
    "We'll text you the answer. Reply FIND for more."
)


def _say(turn: Turn, text: str, state: str | None = "idle", **kw: Any) -> Reply:
    return Reply.say(Outbound(text, **kw), state=state, data=turn.data)


def _answer(turn: Turn) -> Reply | None:
    """A message that is not a command: the answer to what we asked, or a bare item."""
    inbound = turn.inbound
    if inbound is None:
        return None
    _ = turn._
    if turn.state in LOCATION_STATES:
        return _location(turn)
    if turn.state == "await_out_note":
        return _out_note(turn)
    if turn.state == "await_log":
        return _work_then(turn, "LOG", inbound.text)
    if turn.state == "await_submit":
        return _work_then(turn, "SUBMIT", inbound.text)
    if inbound.location is not None or inbound.location_denied:
        return _say(turn, _(hours_log.UNEXPECTED_LOCATION))
    if inbound.attachment is not None:
        return _say(turn, _(hours_log.SUBMIT_FIRST))
    return None


# --- choosing the placement ------------------------------------------------------------
def _fits(word: str, work: Work) -> bool:
    if word == "AGREE":
        return work.status == "paperwork" and not work.agreed
    if word in ("IN", "LOG", "SUBMIT"):
        return work.status == "ready"
    return True


def _choose(turn: Turn, word: str, args: str) -> Work | Reply:
    """The placement `word` acts on, or a Reply (none, or a question which one)."""
    works = shifts.open_work(turn.ctx, turn.person.id)
    if not works:
        waiting = placements.pending_titles(turn.ctx.session, turn.person.id)
        if waiting:
            return _say(turn, turn._(WAITING, title=waiting[-1], count=len(waiting)))
        return _say(turn, turn._(hours_log.NO_PLACEMENT))
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
    lines = [f"{n}) {hours_log.short(w.title, 40)}" for n, w in enumerate(works[:5], 1)]
    buttons = [
        [
            Button(
                hours_log.short(w.title, 30),
                payloads.sign(secret, turn.person.id, "wp", w.placement_id),
            )
        ]
        for w in works[:5]
    ]
    for n, row in enumerate(buttons, 1):
        row[0] = Button(row[0].label, row[0].payload, sms=f"{word} #{n}")
    return Reply.say(
        Outbound(_(hours_log.WHICH) + "\n" + "\n".join(lines), buttons=buttons),
        state="idle",
        data=turn.data,
    )


def _picked(turn: Turn, args: list[str]) -> Reply:
    mine = {w.placement_id for w in shifts.open_work(turn.ctx, turn.person.id)}
    pid = int(args[0]) if args and args[0].isdigit() else 0
    if pid not in mine:
        return _say(turn, turn._(hours_log.NO_PLACEMENT))
    turn.data["pl"] = pid
    pending = turn.data.pop("pending", None) or {"w": "STATUS", "a": ""}
    return _command(turn, str(pending.get("w", "STATUS")), str(pending.get("a", "")))


# --- commands ----------------------------------------------------------------------------
def _command(turn: Turn, word: str, args: str) -> Reply:
    if word == "OUT":
        return _out(turn)
    if word == "IN":
        shift = shifts.open_shift(turn.ctx, turn.person.id)
        if shift is not None:
            when = hours_log.clock(turn.ctx, shift.started_at, turn.person.language)
            return _say(turn, turn._(hours_log.ALREADY_IN, time=when))
    chosen = _choose(turn, word, args)
    if isinstance(chosen, Reply):
        return chosen
    turn.data["pl"] = chosen.placement_id
    if _PICK.match(args.strip()) or (args.strip().isdigit() and word != "LOG"):
        args = str((turn.data.pop("pending", None) or {}).get("a", ""))
    handler = {"AGREE": _agree, "IN": _in, "LOG": _log, "SUBMIT": _submit, "STATUS": _status}
    return handler[word](turn, chosen, args)


def _agree(turn: Turn, work: Work, args: str) -> Reply:
    _ = turn._
    if work.status != "paperwork" or work.agreed:
        return _say(turn, _(hours_log.ALREADY_AGREED, title=hours_log.short(work.title)))
    lang = turn.person.language
    messages, missing = shifts.agree(turn.ctx, work.placement_id, lang)
    text = _(hours_log.AGREED, title=hours_log.short(work.title))
    if missing:
        text += " " + _(hours_log.STILL_MISSING, missing=paperwork.labels(_, missing))
    return Reply([Outbound(text), *messages], state="idle", data=turn.data)


def _in(turn: Turn, work: Work, args: str) -> Reply:
    _ = turn._
    problem = hours_log.start_problem(turn.ctx, work, turn.person.language)
    if problem:
        return _say(turn, problem)
    if work.remote:
        done = shifts.clock_in(turn.ctx, work, None)
        return _receipt(turn, work, done)
    return _ask_location(turn, work, "in")


def _out(turn: Turn) -> Reply:
    _ = turn._
    shift = shifts.open_shift(turn.ctx, turn.person.id)
    work = shifts.get_work(turn.ctx, shift.placement_id) if shift else None
    if shift is None or work is None:
        return _say(turn, _(shifts.NOT_OPEN))
    turn.data["pl"] = work.placement_id
    if work.remote:
        return _say(turn, _(hours_log.ASK_NOTE), state="await_out_note")
    return _ask_location(turn, work, "out")


def _ask_location(turn: Turn, work: Work, action: str) -> Reply:
    """The location button where the chat can share one; elsewhere a one-time check-in link."""
    _ = turn._
    inbound = turn.inbound
    if inbound is not None and not spec_for(inbound.channel).can_share_location:
        url = shifts.issue_link(turn.ctx, work, action)
        text = hours_log.LINK_IN if action == "in" else hours_log.LINK_OUT
        return _say(turn, _(text, title=hours_log.short(work.title, 30), url=url))
    text = hours_log.ASK_IN_LOCATION if action == "in" else hours_log.ASK_OUT_LOCATION
    state = "await_in_location" if action == "in" else "await_out_location"
    return _say(turn, _(text), state=state, request_location=True)


def _location(turn: Turn) -> Reply:
    """The answer to "share your location": check it, then clock in or out."""
    _ = turn._
    inbound = turn.inbound
    assert inbound is not None
    loc, point = inbound.location, None
    denied = inbound.location_denied or (turn.cmd.words[:1] and turn.cmd.words[0] in SKIP_WORDS)
    if loc is None and not denied:
        return _say(turn, _(hours_log.NEED_LOCATION), state=None, request_location=True)
    if loc is not None:
        if loc.forwarded:
            return _say(turn, _(hours_log.FORWARDED), state=None, request_location=True)
        if loc.via_bot:
            return _say(turn, _(hours_log.VIA_BOT), state=None, request_location=True)
        point = Point(loc.lat, loc.lon, loc.accuracy_m)
    if turn.state == "await_out_location":
        return _finish_out(turn, point)
    work = shifts.get_work(turn.ctx, int(turn.data.get("pl", 0)))
    if work is None:
        return _say(turn, _(hours_log.NO_PLACEMENT))
    if point is not None and not geofence.plausible(work.fence, point.lat, point.lon, None):
        return _say(turn, _(hours_log.IMPLAUSIBLE), state=None, request_location=True)
    problem = hours_log.start_problem(turn.ctx, work, turn.person.language)
    if problem:
        return _say(turn, problem)
    return _receipt(turn, work, shifts.clock_in(turn.ctx, work, point))


def _finish_out(turn: Turn, point: Point | None, note: str | None = None) -> Reply:
    shift = shifts.open_shift(turn.ctx, turn.person.id)
    work = shifts.get_work(turn.ctx, shift.placement_id) if shift else None
    if shift is None or work is None:
        return _say(turn, turn._(shifts.NOT_OPEN))
    if point is not None and not geofence.plausible(work.fence, point.lat, point.lon, None):
        return _say(turn, turn._(hours_log.IMPLAUSIBLE), state=None, request_location=True)
    return _receipt(turn, work, shifts.clock_out(turn.ctx, work, shift, point, note))


def _out_note(turn: Turn) -> Reply:
    text = " ".join((turn.inbound.text if turn.inbound else "").split())
    if len(text) < 3:
        return _say(turn, turn._(hours_log.ASK_NOTE), state=None)
    return _finish_out(turn, None, text)


def _receipt(turn: Turn, work: Work, done: shifts.Clocked) -> Reply:
    text = hours_log.receipt(turn.ctx, turn.person.language, work, done)
    buttons = []
    if done.action == "in":
        payload = payloads.sign(turn.ctx.settings.secret_key, turn.person.id, "wo")
        buttons = [[Button(turn._(hours_log.CLOCK_OUT), payload, sms="OUT")]]
    return Reply.say(Outbound(text, buttons=buttons), state="idle", data=turn.data)


def _work_then(turn: Turn, word: str, args: str) -> Reply:
    """Continue LOG/SUBMIT after we asked for the details."""
    work = shifts.get_work(turn.ctx, int(turn.data.get("pl", 0)))
    if work is None:
        chosen = _choose(turn, word, args)
        if isinstance(chosen, Reply):
            return chosen
        work = chosen
    return (_log if word == "LOG" else _submit)(turn, work, args)


def _log(turn: Turn, work: Work, args: str) -> Reply:
    _ = turn._
    problem = hours_log.start_problem(turn.ctx, work, turn.person.language)
    if problem:
        return _say(turn, problem)
    if not args.strip():
        return _say(turn, _(hours_log.ASK_LOG), state="await_log")
    line = hours_rules.parse_log(args)
    if isinstance(line, str):
        return _say(turn, _(hours_log.LOG_ERRORS[line]), state="await_log")
    hours_log.log_hours(turn.ctx, work.placement_id, turn.person.id, line)
    totals = hours_log.hours_totals(turn.ctx.session, work.placement_id)
    text = _(
        hours_log.LOGGED, hours=hours_rules.fmt(line.hours), title=hours_log.short(work.title, 30)
    )
    return _say(turn, text + " " + hours_log.totals_line(_, totals, work))


def _submit(turn: Turn, work: Work, args: str) -> Reply:
    _ = turn._
    if work.status != "ready":
        return _say(turn, hours_log.start_problem(turn.ctx, work, turn.person.language) or "")
    attachment = turn.inbound.attachment if turn.inbound else None
    text = args.strip()
    if not text and attachment is None:
        return _say(turn, _(hours_log.ASK_SUBMIT), state="await_submit")
    if attachment is None and "://" not in text and "www." not in text and len(text) < 20:
        return _say(turn, _(TOO_SHORT), state="await_submit")  # "what?" is not the work
    deliverables.submit(turn.ctx, work.placement_id, text, attachment)
    return _say(turn, _(hours_log.SUBMITTED, title=hours_log.short(work.title, 30)))


def _status(turn: Turn, work: Work, args: str) -> Reply:
    latest = deliverables.latest(turn.ctx, work.placement_id)
    text = hours_log.status(turn.ctx, turn.person.language, work, latest.status if latest else None)
    return _say(turn, text)


# --- reminders -------------------------------------------------------------------------------
def _trigger(turn: Turn) -> Reply | None:
    trigger = turn.trigger
    assert trigger is not None
    _ = turn._
    shift = shifts.entry_is_open(turn.ctx, trigger.subject_id)
    work = shifts.get_work(turn.ctx, shift.placement_id) if shift else None
    if shift is None or work is None:
        return Reply()  # clocked out meanwhile, or the row vanished
    to = turn.person.id
    if trigger.kind == shifts.NUDGE:
        when = hours_log.clock(turn.ctx, shift.started_at, turn.person.language)
        payload = payloads.sign(turn.ctx.settings.secret_key, to, "wo")
        text = _(hours_log.NUDGE, title=hours_log.short(work.title, 30), time=when)
        button = Button(_(hours_log.CLOCK_OUT), payload, sms="OUT")
        return Reply.say(Outbound(text, buttons=[[button]], to=to, urgent=False, category="nudge"))
    end = hours_log.parse_instant(trigger.payload.get("end"))
    done = shifts.auto_close(turn.ctx, shift.id, end)
    if done is None:
        return Reply()
    hours = hours_rules.fmt(done.hours or hours_rules.QUARTER * 0)
    notice = _(hours_log.AUTO_CLOSED, title=hours_log.short(work.title, 30), hours=hours)
    messages = [Outbound(notice, to=to, urgent=False, category="nudge")]
    messages += alerts.alert_coordinator(
        turn.ctx,
        to,
        "shift_auto_closed",
        hours_log.COORD_AUTO_CLOSED,
        entry=done.entry_id,
        student=to,
    )
    state = "idle" if turn.state in (*LOCATION_STATES, "await_out_note") else None
    return Reply(messages, flow="student" if state else None, state=state)
