"""The human in the loop, for everyone: a safety message is escalated at once, whatever
the conversation was doing; HUMAN / PERSONA asks for a person; a message nothing else
could place goes to the coordinator's inbox. Pure: it reads, and files through effects."""

from __future__ import annotations

from bot import effects
from bot.flows.base import Reply, Turn
from bot.i18n import N_
from bot.messages import Outbound
from bot.rules.safety import is_safety, words_of
from bot.services import inbox
from bot.statuses import InboxKind

name = "human"

SAFETY_REPLY = N_(
    "Thank you for telling us. {coordinator} has been told right now and will contact "
    "you soon. If you are in danger now, call 911."
)
HUMAN_REPLY = N_(
    "I've asked {coordinator} to get back to you here. Reply MENU to keep going meanwhile."
)
PASSED_ON = N_("I've passed your message to {coordinator}, who will read it.")
NOT_UNDERSTOOD = N_("Sorry, I didn't understand that.")
NOBODY = N_("your coordinator")
MIN_WORDS = 3  # shorter unplaced texts are most likely a mistyped keyword, not a question


def safety(turn: Turn) -> Reply | None:
    """A message about harm or feeling unsafe: answer now, alert the coordinator.

    Before every keyword for students and families; a supervisor's commands come first
    (a rejection's reason may well say "inappropriate"), the rest is checked in `unplaced`.
    """
    if turn.person.kind == "supervisor":
        return None
    return _escalate(turn)


def _escalate(turn: Turn) -> Reply | None:
    inbound = turn.inbound
    if inbound is None or inbound.payload is not None or not is_safety(inbound.text):
        return None
    text = turn._(SAFETY_REPLY, coordinator=_coordinator(turn))
    return Reply.say(Outbound(text), effects=[_file(turn, InboxKind.SAFETY)])


def human(turn: Turn) -> Reply | None:
    """HUMAN / PERSONA: a person will answer."""
    inbound = turn.inbound
    if inbound is None or inbound.payload is not None or turn.cmd.keyword != "HUMAN":
        return None
    text = turn._(HUMAN_REPLY, coordinator=_coordinator(turn))
    return Reply.say(Outbound(text), effects=[_file(turn, InboxKind.HUMAN)])


def unplaced(turn: Turn, menu: Outbound) -> Reply:
    """Nothing could place the message: the menu, and (a real sentence) the inbox."""
    _ = turn._
    escalated = _escalate(turn)
    if escalated is not None:
        return escalated
    inbound = turn.inbound
    if inbound is None or len(words_of(inbound.text).split()) < MIN_WORDS:
        return Reply.say(Outbound(_(NOT_UNDERSTOOD) + " " + menu.text, buttons=menu.buttons))
    passed = _(PASSED_ON, coordinator=_coordinator(turn))
    return Reply.say(
        Outbound(passed + "\n" + menu.text, buttons=menu.buttons),
        effects=[_file(turn, InboxKind.UNPLACED)],
    )


def _coordinator(turn: Turn) -> str:
    found = inbox.coordinator_for(turn.ctx.session, turn.person.id)
    return found.display_name if found is not None else turn._(NOBODY)


def _file(turn: Turn, kind: InboxKind) -> effects.ToInbox:
    inbound = turn.inbound
    assert inbound is not None
    return effects.ToInbox(turn.person.id, str(kind), inbound.channel, inbound.provider_id)
