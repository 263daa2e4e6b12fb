"""Strangers: a chat or number we do not know. On a channel that links by code (Telegram)
people link with `/start CODE` or by sharing their own contact; everyone else is told how
to join, and nothing about anyone."""

from __future__ import annotations

import re

import phonenumbers

from bot.channels.specs import spec_for
from bot.context import Context
from bot.flows.base import Reply
from bot.i18n import N_, translator
from bot.keywords import is_opt_out, parse
from bot.messages import Inbound, Outbound
from bot.services import link_throttle, linking

HOW_TO_JOIN = N_(
    "Hi! This is {program}, the work-based learning line for our school district. "
    "We don't recognise this {what} yet. To join, ask your school's WBL coordinator for a "
    "link code, then send it here."
)
LINKED = N_("You're linked, {name}! Reply MENU to see what you can do.")
BAD_CODE = N_(
    "That code didn't work (it may be used or expired). Ask your coordinator for a new one."
)
TOO_MANY_CODES = N_(
    "Too many codes were tried from here. Please wait an hour and try again, or ask your "
    "coordinator for help."
)
NOT_OWN_CONTACT = N_("Please share your own contact with the button, not someone else's.")
STRANGER_STOPPED = N_("You won't get messages from us.")

_START = re.compile(r"^/start(?:@\w+)?\s*(\S*)", re.I)
_CODE = re.compile(r"^[A-Za-z0-9]{6,12}$")


def handle_stranger(ctx: Context, inbound: Inbound) -> Reply:
    """Link the chat if the message proves who it is; otherwise explain how to join."""
    _ = translator("en")
    program = ctx.settings.program_name
    if is_opt_out(parse(inbound.text)):
        return Reply.say(Outbound(_(STRANGER_STOPPED), ignore_optout=True))
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
        person = linking.redeem(ctx, code, inbound.urn)
        if person is None and link_throttle.blocked(ctx, inbound.urn):
            return Reply.say(Outbound(_both(TOO_MANY_CODES)))
        if person is None:
            return Reply.say(Outbound(translator("en")(BAD_CODE)))
        return _welcome(person.given_name, person.language)
    if inbound.contact_phone is not None:
        if not inbound.contact_is_sender:
            return Reply.say(Outbound(translator("en")(NOT_OWN_CONTACT)))
        phone = _e164(inbound.contact_phone)
        person = linking.link_by_phone(ctx, phone, inbound.urn) if phone else None
        if person is not None:
            return _welcome(person.given_name, person.language)
    return None


def _both(msgid: str) -> str:
    """English, then Spanish: we do not know a stranger's language yet."""
    return translator("en")(msgid) + "\n" + translator("es")(msgid)


def _welcome(name: str, lang: str) -> Reply:
    return Reply.say(Outbound(translator(lang)(LINKED, name=name)))


def _e164(raw: str) -> str | None:
    try:
        num = phonenumbers.parse(raw if raw.startswith("+") else "+" + raw, None)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
