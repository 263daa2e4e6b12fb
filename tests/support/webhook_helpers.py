"""Drive the real webhooks as the providers do: signed Twilio form posts, Telegram Update JSON."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from bot.clock import FixedClock
from bot.runtime import Runtime
from bot.settings import Settings
from db.models import InboundMessage, OutboxMessage
from db.session import Database
from webhooks import create_app

AUTH_TOKEN = "twilio-test-auth-token-0123456789"
TG_SECRET = "tg-secret-Zx9_fake"
ACCOUNT_SID = "AC" + "0" * 32
BASE = "https://wbl.example.test"
_sids = itertools.count(1)


def channel_settings(settings: Settings) -> Settings:
    """The test settings with both channels configured (against no real provider)."""
    return settings.with_(
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_from_number="+15005550006",
        telegram_bot_token="123:ABC",
        telegram_webhook_secret=TG_SECRET,
    )


def build_app(settings: Settings, database: Database, clock: FixedClock) -> Flask:
    app = create_app(runtime=Runtime(settings, database, clock))
    app.config["TESTING"] = True
    return app


def new_sid() -> str:
    return f"SM{next(_sids):032d}"


def signature(path: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    return str(RequestValidator(token).compute_signature(BASE + path, params))


@dataclass
class Twilio:
    """Posts inbound SMS and status callbacks exactly as Twilio does."""

    client: FlaskClient

    def form(self, sender: str, body: str, sid: str | None = None, **extra: str) -> dict[str, str]:
        return {
            "AccountSid": ACCOUNT_SID,
            "MessageSid": sid or new_sid(),
            "SmsSid": sid or "",
            "From": sender,
            "To": "+15005550006",
            "Body": body,
            "NumMedia": "0",
            "NumSegments": "1",
            "ApiVersion": "2010-04-01",
            **extra,
        }

    def post(self, path: str, params: dict[str, str], sig: str | None = "auto") -> Any:
        headers = {}
        if sig == "auto":
            headers["X-Twilio-Signature"] = signature(path, params)
        elif sig is not None:
            headers["X-Twilio-Signature"] = sig
        return self.client.post(path, data=params, headers=headers)

    def sms(self, sender: str, body: str, sid: str | None = None, **extra: str) -> Any:
        return self.post("/webhooks/twilio/sms", self.form(sender, body, sid, **extra))

    def status(self, sid: str, status: str, **extra: str) -> Any:
        params = {"AccountSid": ACCOUNT_SID, "MessageSid": sid, "MessageStatus": status, **extra}
        return self.post("/webhooks/twilio/status", params)


def twiml_messages(response: Any) -> list[str]:
    """The <Message> bodies of a TwiML response."""
    root = ET.fromstring(getattr(response, "data", None) or response.content)
    assert root.tag == "Response"
    return [m.text or "" for m in root.iter("Message")]


_updates = itertools.count(100_000)


@dataclass
class Telegram:
    """Posts Updates shaped as the Bot API sends them."""

    client: FlaskClient
    secret: str | None = TG_SECRET

    def post(self, update: Any, secret: str | None = "default", raw: bytes | None = None) -> Any:
        secret = self.secret if secret == "default" else secret
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        if raw is not None:
            return self.client.post("/webhooks/telegram", data=raw, headers=headers)
        return self.client.post("/webhooks/telegram", json=update, headers=headers)


def tg_user(user_id: int, first_name: str = "Leah") -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"}


def tg_message(chat_id: int, update_id: int | None = None, **content: Any) -> dict[str, Any]:
    """An Update carrying a private-chat message with `content` (text=, location=, …)."""
    return {
        "update_id": update_id or next(_updates),
        "message": {
            "message_id": next(_updates),
            "date": 1795971600,
            "chat": {"id": chat_id, "type": "private", "first_name": "Leah"},
            "from": tg_user(chat_id),
            **content,
        },
    }


def tg_callback(chat_id: int, data: str, update_id: int | None = None) -> dict[str, Any]:
    """An Update carrying a callback query from an inline button on one of our messages."""
    return {
        "update_id": update_id or next(_updates),
        "callback_query": {
            "id": f"cbq{next(_updates)}",
            "from": tg_user(chat_id),
            "chat_instance": "-123456789",
            "data": data,
            "message": {
                "message_id": 77,
                "date": 1795971600,
                "chat": {"id": chat_id, "type": "private", "first_name": "Leah"},
                "from": {"id": 123, "is_bot": True, "first_name": "WBL"},
                "text": "Pick one",
            },
        },
    }


def count(database: Database, model: Any) -> int:
    with database.transaction() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def counts(database: Database) -> tuple[int, int]:
    """(inbound rows, outbox rows)."""
    return count(database, InboundMessage), count(database, OutboxMessage)
