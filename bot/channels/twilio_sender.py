"""SMS through the real Twilio REST client, pointed at TWILIO_API_BASE_URL.

Buttons become keyword replies (`render_sms`); Twilio posts delivery reports to
PUBLIC_BASE_URL/webhooks/twilio/status. Error 21610 means the recipient texted STOP to
the carrier: the address is opted out.
"""

from __future__ import annotations

import logging

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from bot.channels.sender import (
    OutboundEnvelope,
    PermanentSendError,
    RecipientOptedOut,
    SendResult,
    TransientSendError,
)
from bot.channels.sms_render import render_sms
from bot.rules.delivery import PROVIDER_OPTED_OUT
from bot.settings import Settings

TIMEOUT_S = 15.0

# The SDK logs request URLs and headers at INFO; keep them out of the product's logs.
_sdk_log = logging.getLogger("wbl.twilio.http")
_sdk_log.setLevel(logging.WARNING)


def build_client(settings: Settings) -> Client:
    """A Twilio client for this account whose API domain is TWILIO_API_BASE_URL."""
    http = TwilioHttpClient(timeout=TIMEOUT_S, logger=_sdk_log)
    client = Client(settings.twilio_account_sid, settings.twilio_auth_token, http_client=http)
    client.api.base_url = settings.twilio_api_base_url.rstrip("/")
    return client


class TwilioSender:
    """Send `tel:` messages with Twilio's Messages resource."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client = build_client(settings)
        self.status_callback = settings.public_base_url.rstrip("/") + "/webhooks/twilio/status"

    def send(self, msg: OutboundEnvelope) -> SendResult:
        """Create one message; map Twilio's answers to the sender errors."""
        try:
            created = self.client.messages.create(
                status_callback=self.status_callback, **self.params(msg)
            )
        except TwilioRestException as exc:
            raise _classify(exc) from exc
        except (requests.RequestException, TwilioException) as exc:
            raise TransientSendError(f"network: {type(exc).__name__}") from exc
        return SendResult(provider_id=str(created.sid), status="sent")

    def params(self, msg: OutboundEnvelope) -> dict[str, str]:
        """To, From (or the Messaging Service) and Body of one message."""
        body = render_sms(msg.text, msg.buttons, msg.lang)
        if self.settings.twilio_messaging_service_sid:
            sender = {"messaging_service_sid": self.settings.twilio_messaging_service_sid}
        else:
            sender = {"from_": self.settings.twilio_from_number}
        return {"to": msg.address, "body": body, **sender}

    def close(self) -> None:
        session = getattr(self.client.http_client, "session", None)
        if session is not None:
            session.close()


def _classify(exc: TwilioRestException) -> Exception:
    code = int(exc.code) if exc.code else 0
    reason = f"twilio {exc.status} {code}: {exc.msg}"[:500]
    if str(code) in PROVIDER_OPTED_OUT:
        return RecipientOptedOut(str(code), reason)
    if exc.status == 429 or exc.status >= 500:
        return TransientSendError(reason)
    return PermanentSendError(str(code or exc.status), reason)
