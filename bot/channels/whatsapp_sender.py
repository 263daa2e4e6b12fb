"""WhatsApp through Twilio: the same Messages resource as SMS, with `whatsapp:` addresses.

Inside the 24-hour window after the person last wrote, a free-form Body. Outside it the
dispatcher has either moved the row to another address (bot.channels.windows) or given
it an approved template: then the message goes as `ContentSid` with `ContentVariables`
`{"1": <the text as SMS would show it>}` (each template has one variable, the message).
A row marked `window_closed` has neither: it is refused here, never sent to fail.
"""

from __future__ import annotations

import json

from bot.channels.sender import OutboundEnvelope, PermanentSendError, SendResult
from bot.channels.sms_render import render_sms
from bot.channels.specs import WHATSAPP
from bot.channels.twilio_sender import TwilioSender

OUTSIDE_WINDOW = "63016"  # Twilio's code for a free-form message outside the window


class WhatsAppSender(TwilioSender):
    """Send `whatsapp:` messages from TWILIO_WHATSAPP_FROM."""

    def send(self, msg: OutboundEnvelope) -> SendResult:
        if msg.extra.get("window_closed"):
            raise PermanentSendError(
                OUTSIDE_WINDOW, "outside the 24-hour window, no template and no other address"
            )
        return super().send(msg)

    def params(self, msg: OutboundEnvelope) -> dict[str, str]:
        sender = WHATSAPP.urn(self.settings.twilio_whatsapp_from)
        body = render_sms(msg.text, msg.buttons, msg.lang)
        template = msg.extra.get("content_sid")
        if template:
            variables = json.dumps({"1": body}, ensure_ascii=False)
            return {
                "to": msg.urn,
                "from_": sender,
                "content_sid": str(template),
                "content_variables": variables,
            }
        return {"to": msg.urn, "from_": sender, "body": body}
