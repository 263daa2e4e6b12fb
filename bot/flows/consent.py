"""Guardians (and students of 18+) answer permission requests: YES 4821 / NO 4821 /
REVOKE 4821, a bare YES/NO when one request waits, a numbered list when several do.

The home flow of guardians; the student router sends a student's YES/NO/REVOKE here.
`REVOKE` alone is an opt-out and never arrives (the common flow takes it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bot import effects
from bot.display import shorten
from bot.flows.base import Reply, Turn
from bot.i18n import N_
from bot.machine import DONE
from bot.machine import machine as _machine
from bot.messages import Outbound
from bot.rules import consent as rules
from bot.services import consent as svc
from bot.services import contacts
from bot.services.consent_docs import TITLE_MAX
from bot.statuses import ConsentStatus

if TYPE_CHECKING:
    from db.models import ConsentRequest

name = "consent"
machine = _machine(
    name,
    "idle",
    [("idle", "choose", "choosing"), ("choosing", "choose", "choosing")],
    finals=["idle"],
)  # `done` (an answer given, MENU) goes back to idle from anywhere
actions: frozenset[str] = frozenset({"cy", "cn"})
triggers: frozenset[str] = frozenset({svc.REMIND, svc.PAPER})

NO_MATCH = N_(
    "That code doesn't match a permission request for you, so nothing changed. "
    "Please check the 4-digit code in our text."
)
NONE_WAITING = N_("You have no permission requests waiting for an answer.")
WAITING = N_("Waiting for your answer:\n{lines}\nReply YES or NO with the code.")
WAITING_LINE = N_("{student}: {title} (code {code})")
CHOOSE = N_(
    "You have {count} permission requests. Which one?\n{lines}\n"
    "Reply {verb} and the number, e.g. {verb} 1."
)
CHOOSE_LINE = N_("{n}) {student}: {title} (code {code})")
REVOKE_HOW = N_(
    "To withdraw a permission, reply REVOKE and its code, e.g. REVOKE {code}. "
    "To stop all texts, reply STOP."
)
REVOKE_NONE = N_("You have no permission on file to withdraw.")
CONTACT = N_("Questions? Contact {contact}.")
VERB_WORD = {"YES": "YES", "NO": "NO"}


def menu(turn: Turn) -> Outbound:
    """The requests waiting for this person's answer, with their codes."""
    _ = turn._
    waiting = svc.family_requests(turn.ctx, turn.person.id, rules.ANSWERABLE)
    contact = _(CONTACT, contact=turn.ctx.settings.coordinator_contact)
    if not waiting:
        return Outbound(_(NONE_WAITING) + " " + contact)
    lines = "\n".join(_(WAITING_LINE, **_labels(turn, r)) for r in waiting)
    return Outbound(_(WAITING, lines=lines))


def handle(turn: Turn) -> Reply | None:
    """Route a reminder, a Yes/No button, or a typed answer."""
    if turn.trigger is not None:
        return _trigger(turn)
    if turn.action is not None:
        return _button(turn)
    words = turn.cmd.words
    in_question = ANSWERS.get(turn.state)
    if in_question is not None and len(words) == 1 and words[0].isdigit():
        words = (str(turn.data.get("verb", "")), words[0])
    answer = rules.parse_answer(words)
    if answer is None:
        return None
    if in_question is not None:
        return in_question(turn, answer)
    if answer.number is not None:
        return _by_code(turn, answer)
    return _bare(turn, answer.verb)


def _trigger(turn: Turn) -> Reply:
    trigger = turn.trigger
    assert trigger is not None
    if trigger.kind == svc.PAPER:
        return Reply(effects=[effects.PaperCheck(trigger.subject_id)])
    last = bool(trigger.payload.get("last"))
    return Reply(effects=[effects.ConsentReminder(trigger.subject_id, last)])


def _button(turn: Turn) -> Reply:
    assert turn.action is not None
    action, args = turn.action
    verb = "YES" if action == "cy" else "NO"
    request_id = int(args[0]) if args and args[0].isdigit() else -1
    live = svc.family_requests(turn.ctx, turn.person.id, rules.LIVE)
    request = next((r for r in live if r.id == request_id), None)
    if request is None:
        return _done(turn, [Outbound(turn._(NO_MATCH))])
    return _apply(turn, request, verb, raw=f"[button] {verb} {request.code}")


def _by_code(turn: Turn, answer: rules.Answer) -> Reply:
    code = str(answer.number) if answer.digits == 4 else ""
    request = svc.find_by_code(turn.ctx, turn.person.id, code) if code else None
    if request is None:
        return _done(turn, [Outbound(turn._(NO_MATCH))])
    return _apply(turn, request, answer.verb)


def _bare(turn: Turn, verb: str) -> Reply:
    _ = turn._
    if verb == "REVOKE":  # REVOCAR alone: say how, change nothing
        granted = svc.family_requests(turn.ctx, turn.person.id, (ConsentStatus.GRANTED,))
        text = _(REVOKE_HOW, code=granted[-1].code) if granted else _(REVOKE_NONE)
        return _done(turn, [Outbound(text)])
    waiting = svc.family_requests(turn.ctx, turn.person.id, rules.ANSWERABLE)
    if not waiting:
        return _done(turn, [Outbound(_(NONE_WAITING))])
    if len(waiting) == 1:
        return _apply(turn, waiting[0], verb)
    return _ask_which(turn, waiting, verb)


def _ask_which(turn: Turn, waiting: list[ConsentRequest], verb: str) -> Reply:
    _ = turn._
    lines = "\n".join(
        _(CHOOSE_LINE, n=i, **_labels(turn, r)) for i, r in enumerate(waiting, start=1)
    )
    text = _(CHOOSE, count=len(waiting), lines=lines, verb=VERB_WORD.get(verb, "YES"))
    data = {"verb": verb, "ids": [r.id for r in waiting]}
    return Reply.say(Outbound(text), flow=name, event="choose", data=data)


def _choose(turn: Turn, answer: rules.Answer) -> Reply:
    ids = [int(i) for i in turn.data.get("ids", [])]
    live = {r.id: r for r in svc.family_requests(turn.ctx, turn.person.id, rules.LIVE)}
    waiting = [live[i] for i in ids if i in live]
    if answer.number is None:
        still = [r for r in waiting if r.status in rules.ANSWERABLE]
        return _ask_which(turn, still, answer.verb) if len(still) > 1 else _bare(turn, answer.verb)
    index = rules.resolve_choice(answer.number, answer.digits, [r.code for r in waiting])
    if index is not None:
        return _apply(turn, waiting[index], answer.verb)
    return _by_code(turn, answer)


def _apply(turn: Turn, request: ConsentRequest, verb: str, raw: str | None = None) -> Reply:
    inbound = turn.inbound
    assert inbound is not None
    signer = svc.Signer(
        person_id=turn.person.id,
        language=turn.person.language,
        channel=inbound.channel,
        urn=inbound.urn,
        provider_id=inbound.provider_id,
        raw_text=raw if raw is not None and not inbound.text else inbound.text,
        opted_out=contacts.is_opted_out(turn.ctx, inbound.urn),
    )
    return _done(turn, [], [effects.ConsentAnswer(request.id, verb, signer)])


def _done(
    turn: Turn, messages: list[Outbound], writes: list[effects.Effect] | None = None
) -> Reply:
    """Reply and, when this flow holds the conversation, go back to idle.

    An answer's confirmation and notices are composed by the service that records it.
    """
    if turn.flow == name:
        return Reply(messages, event=DONE, data={}, effects=writes or [])
    return Reply(messages, effects=writes or [])


def _labels(turn: Turn, request: ConsentRequest) -> dict[str, str]:
    facts = svc.facts_of(turn.ctx, request)
    return {
        "student": facts.student_first,
        "title": shorten(facts.title, TITLE_MAX),
        "code": facts.code,
    }


# --- what answers the question each waiting state asked ---------------------------------------
ANSWERS: dict[str, Callable[[Turn, rules.Answer], Reply]] = {"choosing": _choose}
