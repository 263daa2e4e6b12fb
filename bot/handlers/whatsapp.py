"""WhatsApp through Twilio: the same signed form posts as SMS, with `whatsapp:+1…` senders.

Point the WhatsApp sender's "when a message comes in" webhook here. Signature, dedupe on
`MessageSid`, the TwiML answer (and its replay), STOP and urgency are the SMS adapter's.
"""

from __future__ import annotations

from flask import Blueprint, Response

from bot.channels.specs import WHATSAPP
from bot.handlers.twilio_sms import answer_inbound

bp = Blueprint("whatsapp", __name__)


@bp.post("/webhooks/twilio/whatsapp")
def inbound_whatsapp() -> Response:
    """Record one inbound WhatsApp message, run it through the engine, answer with TwiML."""
    return answer_inbound(WHATSAPP)
