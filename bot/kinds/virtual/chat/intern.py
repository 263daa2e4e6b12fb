"""The intern's side: the weekly pulse (1-5; one tap on Telegram), and its job."""

from __future__ import annotations

from bot import payloads
from bot.flows.base import Reply, Turn
from bot.i18n import N_
from bot.kinds.virtual import effects as fx
from bot.kinds.virtual.chat.toggles import inline
from bot.kinds.virtual.service import pulse
from bot.machine import DONE
from bot.messages import Button, Outbound

ROUTE = "PULSE"
TAP = "vp"
ASK = N_(
    "How is your internship going this week? Reply 1 (not well) to 5 (great); "
    "your coordinator reads it."
)
ASK_TAP = N_("How is your internship going this week? 1 = not well, 5 = great.")
THANKS = N_("Thanks for telling us ({score} of 5)!")
THANKS_LOW = N_("Thanks for telling us ({score} of 5). Your coordinator will check in with you.")
ONE_TO_FIVE = N_("Reply with one number from 1 to 5.")


def ask(turn: Turn) -> Reply | None:
    """The pulse job: the question, with 1-5 buttons where they can be tapped."""
    assert turn.trigger is not None
    answer_id = turn.trigger.subject_id
    row = pulse.open_answer(turn.ctx.session, turn.person.id, answer_id)
    if row is None or row.score is not None:
        return None
    data = {"kind_command": ROUTE, "pulse": answer_id}
    if inline(turn):
        secret, me = turn.ctx.settings.secret_key, turn.person.id
        buttons = [
            [Button(str(n), payloads.sign(secret, me, TAP, answer_id, n)) for n in range(1, 6)]
        ]
        out = Outbound(turn._(ASK_TAP), buttons=buttons, to=me, urgent=False, category="pulse")
    else:
        out = Outbound(turn._(ASK), to=turn.person.id, urgent=False, category="pulse")
    return Reply.say(out, event=DONE, data=data)


def answer(turn: Turn) -> Reply | None:
    """`4` after the question (or `PULSE 4`)."""
    words = turn.cmd.words
    digits = [w for w in words if w.isdigit()]
    answer_id = int(turn.data.get("pulse", 0))
    if not answer_id:
        return None
    if len(digits) != 1 or len(words) > 2 or not 1 <= int(digits[0]) <= 5:
        if words and words[0] not in ("PULSE", "PULSO") and not words[0].isdigit():
            return None  # another command: the student flow goes on
        return Reply.say(Outbound(turn._(ONE_TO_FIVE)), event=DONE, data=dict(turn.data))
    return _save(turn, answer_id, int(digits[0]))


def tap(turn: Turn) -> Reply | None:
    assert turn.action is not None
    raw = turn.action[1]
    if len(raw) != 2 or not all(a.isdigit() and len(a) < 12 for a in raw):
        return None
    reply = _save(turn, int(raw[0]), int(raw[1]))
    ref = turn.inbound.message_ref if turn.inbound else None
    if ref:
        text = turn._(ASK_TAP) + f" → {int(raw[1])}"
        reply.messages.insert(0, Outbound(text, edit_ref=ref))
    return reply


def _save(turn: Turn, answer_id: int, score: int) -> Reply:
    row = pulse.open_answer(turn.ctx.session, turn.person.id, answer_id)
    if row is None or not 1 <= score <= 5:
        return Reply.say(Outbound(turn._(ONE_TO_FIVE)), event=DONE, data={})
    msgid = THANKS if score > 2 else THANKS_LOW
    effect = fx.Pulse(turn.person.id, answer_id, score)
    return Reply(
        messages=[Outbound(turn._(msgid, score=score))], event=DONE, data={}, effects=[effect]
    )
