"""Supervisors: one-tap ratings, timesheet approval and work review (Telegram or SMS).

Buttons (signed for the supervisor they were sent to): `r` rate one skill, `rd` done,
`ro` open a rating, `ta`/`tr`/`tb` approve / reject / approve all hours, `da`/`dc`
accept work / ask for changes. SMS: `A 12`, `A ALL`, `R 12 reason`, `OK 4`,
`CHANGES 4 comment` (ES `CAMBIOS`), six digits for a rating (`545434`).
Numbers are the items' own ids, as listed in our messages.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace

from bot import effects, kinds
from bot.channels.specs import Buttons, spec_for
from bot.flows import kind_hints
from bot.flows.base import Reply, Turn
from bot.i18n import N_, NP_, ngettext
from bot.keywords import fold
from bot.machine import DONE
from bot.machine import machine as _machine
from bot.messages import Outbound
from bot.rules.hours import fmt as hours_fmt
from bot.services import nudges, ratings, reviews, timesheets
from bot.statuses import DeliverableStatus, EntryStatus, RatingStatus

log = logging.getLogger("wbl.supervisor")

name = "supervisor"
machine = _machine(  # commands and buttons work from any state, so each question can be
    name,  # asked from anywhere; `done` (answered, or MENU) goes back to idle
    "idle",
    [],
    finals=["idle"],
    anywhere=[
        ("ask_reason", "await_reason"),
        ("ask_changes", "await_changes"),
        ("ask_comment", "await_comment"),
    ],
)
actions: frozenset[str] = frozenset({"r", "rd", "ro", "ta", "tr", "tb", "da", "dc"})
triggers: frozenset[str] = frozenset()

APPROVED = N_("Approved #{number}: {hours} h for {student}.")
BULK = NP_(
    "Approved {n} entry ({hours} h). Thank you!", "Approved {n} entries ({hours} h). Thank you!"
)
FLAGGED_LEFT = NP_(
    "Not included, flagged for a check: {numbers}. If it is right, reply {example} to "
    "approve it by itself.",
    "Not included, flagged for a check: {numbers}. Approve each by itself if right, "
    "e.g. {example}.",
)
NONE_LEFT = N_("No hours are waiting for your approval.")
ASK_REASON = N_(
    "Why reject #{number} ({hours} h, {student})? Type a short reason; they will see it."
)
REJECTED = N_("Rejected #{number}. {student} was told why.")
ALREADY = timesheets.ALREADY
NOT_YOURS = N_("#{number} isn't waiting for you, so nothing changed.")
ACCEPTED = N_("Accepted #{number}. {student} will hear the good news.")
ASK_CHANGES = N_("What should {student} change in #{number}? Type a short comment.")
CHANGES_SENT = N_("Sent your comment on #{number} to {student}.")
RATED_ALREADY = ratings.RATED_ALREADY
RATED = N_("Saved {student}'s ratings: {scores}.")
ASK_COMMENT = N_("Thanks! Any comment about {student}? Type it, or reply SKIP.")
COMMENT_SAVED = N_("Comment saved. Thank you!")
SKIPPED = N_("OK, no comment. Thank you!")
NO_RATINGS = N_("You have no ratings to give right now.")
RATE_FIRST = N_("Tap a score for at least one skill first.")
NEED_NUMBER = N_("Which one? Reply with the number from our message, e.g. {example}.")
STALE = N_("That button can't be used any more. Reply MENU to see what is waiting.")
SKIP_WORDS = frozenset({"SKIP", "OMITIR", "NADA", "NO"})
ALL_WORDS = frozenset({"ALL", "TODO", "TODOS", "TODAS"})


def menu(turn: Turn, handled: frozenset[tuple[str, int]] = frozenset()) -> Outbound:
    """Everything this supervisor owes now, with buttons or reply keywords; less what this
    turn has `handled` (its effects are applied after the flow has drawn the list)."""
    items = nudges.open_items(turn.ctx.session, turn.person.id)
    items = [i for i in items if (i.kind, i.row.id) not in handled]
    out = nudges.render(
        turn.ctx, turn.person.language, turn.person.id, items, typed=_typed(turn), reminder=False
    )
    return replace(out, text=kind_hints.add(out.text, turn))


def handle(turn: Turn) -> Reply | None:
    """Route a button, a typed command, or the answer a waiting state asked for."""
    if turn.action is not None and turn.action[0] in kinds.actions():
        return kinds.actions()[turn.action[0]](turn)  # an opportunity kind's button
    if turn.action is not None:
        return _button(turn)
    if turn.trigger is not None and turn.trigger.kind in kinds.triggers():
        return kinds.triggers()[turn.trigger.kind](turn)  # an opportunity kind's job
    if turn.inbound is None or not turn.inbound.text.strip():
        return None
    table, first = kinds.supervisor_commands(), (turn.cmd.words[:1] or ("",))[0]
    mine = table.get(turn.cmd.keyword or first) or table.get(first)  # `CANCEL 2` is not STOP
    mine = mine or table.get(str(turn.data.get("kind_command", "")))  # a kind's own question
    reply = mine(turn) if mine is not None else None  # a kind's own (MEET…); None: go on
    reply = reply or _command(turn)
    if reply is not None:
        return reply
    answer = ANSWERS.get(turn.state)
    return answer(turn, turn.inbound.text.strip()) if answer is not None else None


def _typed(turn: Turn) -> bool:
    """Choices are typed keywords (not buttons) on this channel, or for a reminder."""
    return turn.inbound is None or spec_for(turn.inbound.channel).buttons is Buttons.TYPED


def _say(
    turn: Turn, msgid: str, event: str = DONE, data: dict | None = None, **kw: object
) -> Reply:
    return Reply.say(Outbound(turn._(msgid, **kw)), event=event, data=data or {})


# --- typed commands ---------------------------------------------------------------------


def _command(turn: Turn) -> Reply | None:
    cmd = turn.cmd
    words = cmd.words
    if not words:
        return None
    numbers = [int(w) for w in words[1:] if w.isdigit() and len(w) < 9]
    first_number = bool(numbers) and len(words) > 1 and words[1] == str(numbers[0])
    if cmd.keyword == "A" and len(words) > 1 and words[1] in ALL_WORDS:
        return _approve_all(turn, None)
    if cmd.keyword == "A" and first_number and len(numbers) == len(words) - 1:
        return _approve(turn, numbers)
    if cmd.keyword == "R" and first_number:
        return _reject(turn, numbers[0], _rest(cmd.raw, 2))
    if words[0] in reviews.ACCEPT_WORDS and first_number and len(words) == 2:
        return _accept(turn, numbers[0])
    if words[0] in reviews.CHANGES_WORDS and first_number:
        return _changes(turn, numbers[0], _rest(cmd.raw, 2))
    if cmd.keyword in ("A", "R") and len(words) == 1:
        return _say(turn, NEED_NUMBER, example="A 12" if cmd.keyword == "A" else "R 12")
    if ratings.looks_like_digits(cmd.raw) and cmd.keyword == "":
        return _digits(turn)
    return None


def _rest(raw: str, skip: int) -> str:
    """The raw text after the first `skip` words (a reason or comment in the person's spelling)."""
    parts = raw.split(None, skip)
    return parts[skip].strip() if len(parts) > skip else ""


# --- timesheets -------------------------------------------------------------------------


def _approve(turn: Turn, numbers: list[int]) -> Reply:
    lines, approved = [], []
    for number in numbers[:20]:
        outcome = "already" if number in approved else _outcome(turn, number)
        if outcome == "done":
            approved.append(number)
        lines.append(_entry_line(turn, outcome, number, APPROVED))
    fx = [effects.ApproveHours(turn.person.id, tuple(approved))] if approved else []
    return _after(turn, "\n".join(lines), fx, {("hours", n) for n in approved})


def _outcome(turn: Turn, number: int) -> str:
    """What deciding entry `number` would do, read now: "done", "already" or "not_yours"."""
    seen = timesheets.view(turn.ctx.session, turn.person.id, number)
    if seen is None:
        return "not_yours"
    return "done" if seen.status == EntryStatus.PENDING else "already"


def _entry_line(turn: Turn, outcome: str, number: int, done_msgid: str) -> str:
    _ = turn._
    seen = timesheets.view(turn.ctx.session, turn.person.id, number)
    if seen is None or outcome == "not_yours":
        log.warning("supervisor %s: entry %s not theirs", turn.person.id, number)
        return _(NOT_YOURS, number=number)
    if outcome == "already":
        return _(ALREADY, number=number)
    hours = hours_fmt(seen.hours, turn.person.language)
    return _(done_msgid, number=number, hours=hours, student=seen.student)


def _approve_all(turn: Turn, up_to: int | None) -> Reply:
    pending = timesheets.pending_entries(turn.ctx.session, turn.person.id, up_to)
    if not pending:
        return _after(turn, turn._(NONE_LEFT))
    entries = [e for e in pending if not e.flagged]  # a flagged one is never approved in bulk
    flagged = [e for e in pending if e.flagged]
    lang, lines = turn.person.language, []
    ids = tuple(e.id for e in entries)
    fx = [effects.ApproveHours(turn.person.id, ids, note="bulk")] if ids else []
    if entries:
        hours = hours_fmt(timesheets.totals(entries), lang)
        lines.append(ngettext(lang, *BULK, len(entries), hours=hours))
    if flagged:
        numbers = ", ".join(f"#{e.id}" for e in flagged[:10])
        example = f"A {flagged[0].id}"
        lines.append(ngettext(lang, *FLAGGED_LEFT, len(flagged), numbers=numbers, example=example))
    return _after(turn, "\n".join(lines), fx, {("hours", n) for n in ids})


def _reject(turn: Turn, number: int, reason: str) -> Reply:
    ctx, me = turn.ctx, turn.person.id
    if not reason.strip():
        seen = timesheets.view(ctx.session, me, number)
        if seen is None or seen.status != EntryStatus.PENDING:
            outcome = "not_yours" if seen is None else "already"
            return _after(turn, _entry_line(turn, outcome, number, REJECTED))
        data = {"entry": number}
        hours = hours_fmt(seen.hours, turn.person.language)
        kw = {"number": number, "hours": hours, "student": seen.student}
        return _say(turn, ASK_REASON, "ask_reason", data, **kw)
    outcome = _outcome(turn, number)
    fx = [effects.RejectHours(me, number, reason)] if outcome == "done" else []
    return _after(turn, _entry_line(turn, outcome, number, REJECTED), fx, {("hours", number)})


# --- deliverables -----------------------------------------------------------------------


def _accept(turn: Turn, number: int) -> Reply:
    return _review(turn, number, "")


def _review(turn: Turn, number: int, comment: str) -> Reply:
    """Accept work (no comment) or send it back with `comment`, as read now."""
    seen = reviews.view(turn.ctx.session, turn.person.id, number)
    outcome = "not_yours" if seen is None else "already"
    if seen is not None and seen.status == DeliverableStatus.SUBMITTED:
        outcome = "done"
    accept = not comment
    fx = [effects.ReviewWork(turn.person.id, number, accept, comment)] if outcome == "done" else []
    line = _work_line(turn, outcome, number, ACCEPTED if accept else CHANGES_SENT)
    return _after(turn, line, fx, {("work", number)})


def _changes(turn: Turn, number: int, comment: str) -> Reply:
    ctx, me = turn.ctx, turn.person.id
    if not comment.strip():
        seen = reviews.view(ctx.session, me, number)
        if seen is None or seen.status != DeliverableStatus.SUBMITTED:
            outcome = "not_yours" if seen is None else "already"
            return _after(turn, _work_line(turn, outcome, number, CHANGES_SENT))
        data = {"work": number}
        return _say(turn, ASK_CHANGES, "ask_changes", data, number=number, student=seen.student)
    return _review(turn, number, comment)


def _work_line(turn: Turn, outcome: str, number: int, done_msgid: str) -> str:
    _ = turn._
    seen = reviews.view(turn.ctx.session, turn.person.id, number)
    if seen is None or outcome == "not_yours":
        log.warning("supervisor %s: work %s not theirs", turn.person.id, number)
        return _(NOT_YOURS, number=number)
    if outcome == "already":
        return _(ALREADY, number=number)
    return _(done_msgid, number=number, student=seen.student)


def _after(
    turn: Turn,
    text: str,
    fx: Sequence[effects.Effect] = (),
    handled: set[tuple[str, int]] | None = None,
) -> Reply:
    """A confirmation and the writes it decided; on Telegram the tapped list is redrawn in
    place with what is left (what was read, less what this turn `handled`)."""
    inbound = turn.inbound
    out = Outbound(text)
    if turn.action is not None and inbound is not None and inbound.message_ref:
        rest = menu(turn, frozenset(handled or ()) if fx else frozenset())
        out = Outbound(
            text + "\n\n" + rest.text, buttons=rest.buttons, edit_ref=inbound.message_ref
        )
    return Reply(messages=[out], event=DONE, data={}, effects=list(fx))


# --- ratings ----------------------------------------------------------------------------


def _digits(turn: Turn) -> Reply:
    me, _ = turn.person.id, turn._
    rnd = _current_round(turn)
    if rnd is None:
        return _say(turn, NO_RATINGS)
    scores = ratings.parse_digits(_, turn.inbound.text if turn.inbound else "", rnd.skills)
    if isinstance(scores, str):
        return Reply.say(Outbound(scores), event=DONE, data={"rating": rnd.id})
    rate = effects.Rate(me, rnd.id, tuple(zip(rnd.skills, scores, strict=True)), finish=True)
    text = _(RATED, student=rnd.who.student, scores=" ".join(str(s) for s in scores))
    ask = _(ASK_COMMENT, student=rnd.who.student)
    out = Outbound(f"{text} {ask}")
    return Reply(messages=[out], event="ask_comment", data={"req": rnd.id}, effects=[rate])


def _current_round(turn: Turn) -> ratings.Round | None:
    """The round this conversation is on, else the supervisor's oldest open one."""
    me = turn.person.id
    wanted = turn.data.get("rating")
    if wanted:
        rnd = ratings.owned(turn.ctx.session, me, int(wanted))
        if rnd is not None and rnd.status == RatingStatus.OPEN:
            return rnd
    for req in ratings.open_rounds(turn.ctx.session, me):
        rnd = ratings.owned(turn.ctx.session, me, req.id)
        if rnd is not None:
            return rnd
    return None


def _comment(turn: Turn, text: str) -> Reply:
    me = turn.person.id
    req_id = int(turn.data.get("req", 0))
    if fold(text).split()[0] in SKIP_WORDS and len(text.split()) == 1:
        return _next_rating(turn, Outbound(turn._(SKIPPED)))
    reply = _next_rating(turn, Outbound(turn._(COMMENT_SAVED)))
    reply.effects.append(effects.RatingComment(me, req_id, text))
    return reply


def _next_rating(turn: Turn, out: Outbound) -> Reply:
    """After a round: ask the next open one, if any (one at a time, oldest first)."""
    turn.data = {}
    rnd = _current_round(turn)
    if rnd is None:
        return Reply.say(out, event=DONE, data={})
    if _typed(turn):
        ask = ratings.sms_ask(turn.ctx, turn.person.language, rnd)
        return Reply.say(Outbound(f"{out.text}\n{ask}"), event=DONE, data={"rating": rnd.id})
    keyboard = ratings.telegram_ask(turn.ctx, turn.person.language, turn.person.id, rnd)
    return Reply.say(out, keyboard, event=DONE, data={"rating": rnd.id})


def _tap(turn: Turn, args: list[int]) -> Reply:
    """One 1-5 tap: save it and redraw the rating message; the last skill finishes."""
    ctx, me = turn.ctx, turn.person.id
    req_id, index, score = args
    rnd = ratings.owned(ctx.session, me, req_id)
    if rnd is None:
        log.warning("supervisor %s: rating %s not theirs", me, req_id)
        return _say(turn, NOT_YOURS, number=req_id)
    if rnd.status != RatingStatus.OPEN:
        return _say(turn, RATED_ALREADY)
    if not (0 <= index < len(rnd.skills) and 1 <= score <= 5):
        return _say(turn, STALE)
    skill = rnd.skills[index]
    rnd = replace(rnd, scores={**rnd.scores, skill: score})  # as it will be once saved
    if len(rnd.scores) == len(rnd.skills):
        return _finish(turn, rnd, ((skill, score),))
    edit = ratings.telegram_ask(ctx, turn.person.language, me, rnd, _ref(turn))
    rate = effects.Rate(me, rnd.id, ((skill, score),))
    return Reply(messages=[edit], event=DONE, data={"rating": rnd.id}, effects=[rate])


def _finish(turn: Turn, rnd: ratings.Round, scores: tuple[tuple[str, int], ...] = ()) -> Reply:
    """Close an open round (with the `scores` of this tap, if it was the last one)."""
    ctx, me = turn.ctx, turn.person.id
    if not rnd.scores:
        return _say(turn, RATE_FIRST, data={"rating": rnd.id})
    done = replace(rnd, status=RatingStatus.DONE)
    final = ratings.telegram_ask(ctx, turn.person.language, me, done, _ref(turn))
    ask = Outbound(turn._(ASK_COMMENT, student=rnd.who.student))
    rate = effects.Rate(me, rnd.id, scores, finish=True)
    return Reply(messages=[final, ask], event="ask_comment", data={"req": rnd.id}, effects=[rate])


def _ref(turn: Turn) -> str | None:
    return turn.inbound.message_ref if turn.inbound else None


# --- buttons ----------------------------------------------------------------------------


def _button(turn: Turn) -> Reply:
    assert turn.action is not None
    action, raw = turn.action
    if not raw or not all(a.isdigit() and len(a) < 10 for a in raw):
        log.warning("supervisor %s: malformed %s payload", turn.person.id, action)
        return _say(turn, STALE)
    args = [int(a) for a in raw]
    if action == "r" and len(args) == 3:
        return _tap(turn, args)
    if action in ("rd", "ro"):
        rnd = ratings.owned(turn.ctx.session, turn.person.id, args[0])
        if rnd is None or rnd.status != RatingStatus.OPEN:
            return _say(turn, RATED_ALREADY if rnd is not None else NOT_YOURS, number=args[0])
        if action == "rd":
            return _finish(turn, rnd)
        keyboard = ratings.telegram_ask(turn.ctx, turn.person.language, turn.person.id, rnd)
        return Reply.say(keyboard, event=DONE, data={"rating": rnd.id})
    handlers = {
        "ta": lambda n: _approve(turn, [n]),
        "tr": lambda n: _reject(turn, n, ""),
        "tb": lambda n: _approve_all(turn, n),
        "da": lambda n: _accept(turn, n),
        "dc": lambda n: _changes(turn, n, ""),
    }
    return handlers[action](args[0]) if action in handlers else _say(turn, STALE)


# --- what answers the question each waiting state asked ---------------------------------------
ANSWERS: dict[str, Callable[[Turn, str], Reply]] = {
    "await_reason": lambda turn, text: _reject(turn, int(turn.data.get("entry", 0)), text),
    "await_changes": lambda turn, text: _changes(turn, int(turn.data.get("work", 0)), text),
    "await_comment": _comment,
}
