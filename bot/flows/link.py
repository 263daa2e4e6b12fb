"""Strangers: a chat or number we do not know. On a channel that links by code (Telegram)
people link with `/start CODE` or by sharing their own contact; everyone else is told how
to join, and nothing about anyone."""

from __future__ import annotations

import re

import phonenumbers

from bot import effects as fx
from bot.channels.specs import spec_for
from bot.context import Context
from bot.flows.base import Reply
from bot.i18n import N_, translator
from bot.keywords import is_opt_out, parse
from bot.messages import Inbound, Outbound
from bot.rules.safety import is_safety
from bot.services import link_throttle, linking
from bot.services.linking import BAD_CODE, TOO_MANY_CODES

HOW_TO_JOIN = N_(
    "Hi! This is {program}, the work-based learning line for our school district. "
    "We don't recognise this {what} yet. To join, ask your school's WBL coordinator for a "
    "link code, then send it here."
)
LINKED = N_("You're linked, {name}! Reply MENU to see what you can do.")
NOT_OWN_CONTACT = N_("Please share your own contact with the button, not someone else's.")
STRANGER_STOPPED = N_("You won't get messages from us.")
STRANGER_SAFETY = N_(
    "Thank you for telling us. Our staff have been told right now. "
    "If you are in danger now, call 911."
)

_START = re.compile(r"^/start(?:@\w+)?\s*(\S*)", re.I)
_CODE = re.compile(r"^[A-Za-z0-9]{6,12}$")


def handle_stranger(ctx: Context, inbound: Inbound) -> Reply:
    """Link the chat if the message proves who it is; otherwise explain how to join."""
    _ = translator("en")
    program = ctx.settings.program_name
    if is_opt_out(parse(inbound.text)):
        return Reply.say(Outbound(_both(STRANGER_STOPPED), ignore_optout=True))
    if inbound.payload is None and is_safety(inbound.text):
        alert = fx.AlertStranger(inbound.channel, inbound.provider_id)
        return Reply(messages=[Outbound(_both(STRANGER_SAFETY))], effects=[alert])
    spec = spec_for(inbound.channel)
    if spec.links_by_code:
        reply = _link(ctx, inbound)
        if reply is not None:
            return reply
    what = N_("number") if spec.phone_address else N_("chat")
    text = _(HOW_TO_JOIN, program=program, what=_(what))
    es = translator("es")
    text += "\n" + es(HOW_TO_JOIN, program=program, what=es(what))
    return Reply.say(Outbound(text))


def _link(ctx: Context, inbound: Inbound) -> Reply | None:
    match = _START.match(inbound.text.strip())
    code = match.group(1) if match else inbound.text.strip()
    if match or _CODE.match(code):
        if not code:
            return None
        # every attempt is counted (the effect), the right code too; what to say is read
        refused = link_throttle.foresee(ctx, inbound.urn, code)
        found = linking.find(ctx, code) if refused is None else None
        count = fx.RedeemCode(code, inbound.urn, found[1].id if found else None, refused is None)
        if refused == "source":
            return Reply(messages=[Outbound(_both(TOO_MANY_CODES))], effects=[count])
        if found is None:
            return Reply(messages=[Outbound(_both(BAD_CODE))], effects=[count])
        return _welcome(found[1].given_name, found[1].language, count)
    if inbound.contact_phone is not None:
        if not inbound.contact_is_sender:
            return Reply.say(Outbound(_both(NOT_OWN_CONTACT)))
        phone = _e164(inbound.contact_phone)
        person = linking.person_by_phone(ctx, phone) if phone else None
        if person is not None:
            link = fx.Link(person.id, inbound.urn, how="shared_contact")
            return _welcome(person.given_name, person.language, link)
    return None


def _both(msgid: str) -> str:
    """English, then Spanish: we do not know a stranger's language yet."""
    return translator("en")(msgid) + "\n" + translator("es")(msgid)


def _welcome(name: str, lang: str, effect: fx.Effect) -> Reply:
    return Reply(messages=[Outbound(translator(lang)(LINKED, name=name))], effects=[effect])


def _e164(raw: str) -> str | None:
    try:
        num = phonenumbers.parse(raw if raw.startswith("+") else "+" + raw, None)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
