"""Keywords that work for everyone, whatever they were doing: STOP, START, HELP, MENU,
ESPAÑOL / ENGLISH. Returns None for anything else so the person's own flow decides.
Pure: it reads, and returns its writes as effects."""

from __future__ import annotations

from bot import effects
from bot.flows import kind_hints, registry
from bot.flows.base import Reply, Turn
from bot.i18n import N_, translator
from bot.keywords import is_opt_in, is_opt_out
from bot.machine import DONE
from bot.messages import Outbound
from bot.services import contacts

STOPPED = N_(
    "You're unsubscribed from {program} and won't get more messages. Reply START to come back."
)
STARTED = N_("Welcome back to {program}. Reply MENU to see your options, HELP for help.")
HELP = N_(
    "{program}: work-based learning for your school. Questions? Contact {coordinator}. "
    "Reply MENU for options, STOP to unsubscribe."
)
NOW_ENGLISH = N_("Okay, I'll write in English from now on.")
NOW_SPANISH = N_("Okay, I'll write in Spanish from now on.")


def handle(turn: Turn) -> Reply | None:
    """Answer the keywords that work everywhere; None when the message is not one of them."""
    inbound = turn.inbound
    if inbound is None or inbound.payload is not None:
        return None
    cmd = turn.cmd
    s = turn.ctx.settings
    _ = turn._
    if is_opt_out(cmd):
        if contacts.is_opted_out(turn.ctx, inbound.urn):
            return Reply()  # already opted out: exactly one confirmation, ever
        stopped = Outbound(_(STOPPED, program=s.program_name), ignore_optout=True)
        return Reply.say(stopped, effects=[effects.OptOut(inbound.urn, cmd.words[0])])
    if is_opt_in(cmd):
        started = Outbound(_(STARTED, program=s.program_name))
        return Reply.say(started, effects=[effects.OptIn(inbound.urn)])
    if cmd.keyword == "HELP" and cmd.alone:
        return Reply.say(
            Outbound(
                kind_hints.add(
                    _(HELP, program=s.program_name, coordinator=s.coordinator_contact), turn
                ),
                ignore_optout=True,
            )
        )
    if cmd.keyword in ("ESPANOL", "ENGLISH") and cmd.alone:
        lang = "es" if cmd.keyword == "ESPANOL" else "en"
        text = translator(lang)(NOW_SPANISH if lang == "es" else NOW_ENGLISH)
        home = registry.home_flow(turn.person.kind)
        turn.person = type(turn.person)(**{**turn.person.__dict__, "language": lang})
        menu = home.menu(turn)
        change = effects.SetLanguage(turn.person.id, lang)
        return Reply.say(Outbound(text + "\n" + menu.text, buttons=menu.buttons), effects=[change])
    if cmd.keyword == "MENU" and cmd.alone:
        home = registry.home_flow(turn.person.kind)
        return Reply.say(home.menu(turn), flow=home.name, event=DONE, data={})
    return None
