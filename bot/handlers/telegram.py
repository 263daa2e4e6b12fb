"""Telegram webhook: check the secret token, parse the Update with python-telegram-bot,
run it through the engine. Replies leave through the outbox dispatcher; a callback query
is answered in the webhook response itself so the button's spinner stops at once.

Only private chats are served: a group chat would show a minor's messages to others.

An authenticated update that cannot be processed (not JSON, nested too deep, not an
Update, ids out of range) is acknowledged with 200 and kept as a `failed` inbound row:
Telegram retries every non-2xx answer, so one such update would stall the queue. Text is
cleaned on the way in (bot.handlers.input_guard): NUL dropped, lone surrogates replaced.
A database that is down is still a 5xx, so that Telegram retries and nothing is lost.
"""

from __future__ import annotations

import hmac
import logging
import math
from datetime import datetime
from typing import Any

import telegram
from flask import Blueprint, Response, abort, jsonify, request

from bot.messages import Attachment, Inbound, Location
from bot.services.failed_updates import body_id, keep_failed
from bot.web import runtime_of_app

log = logging.getLogger("wbl.telegram")
bp = Blueprint("telegram", __name__)
MAX_ID = 2**63  # Telegram ids fit in 52 bits; anything past int64 is not Telegram's


@bp.post("/webhooks/telegram")
def telegram_update() -> Response:
    """Record one Telegram update, run it through the engine, answer any callback query."""
    runtime = runtime_of_app()
    settings = runtime.settings
    if not (settings.telegram_bot_token and settings.telegram_webhook_secret):
        abort(404)
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not hmac.compare_digest(given.encode(), settings.telegram_webhook_secret.encode()):
        log.warning("telegram webhook refused: bad or missing secret")
        abort(403)
    now = runtime.clock.now()
    data = request.get_json(silent=True, force=True)
    update = parse_update(data)
    if update is None:
        return _kept_failed(_provider_id(data), "unreadable update", now)
    try:
        inbound = update_to_inbound(update, now)
    except ValueError:
        return _kept_failed(str(update.update_id), "ids out of range", now)
    except (AttributeError, TypeError):  # a field of the wrong type, e.g. "text": true
        return _kept_failed(str(update.update_id), "unreadable update", now)
    if inbound is not None:
        runtime.engine.receive(runtime.database, inbound)
    if update.callback_query is not None:
        return jsonify(method="answerCallbackQuery", callback_query_id=update.callback_query.id)
    return jsonify({})


def _kept_failed(provider_id: str, reason: str, now: datetime) -> Response:
    """Acknowledge an update we cannot process and keep it as failed."""
    log.warning("telegram update kept as failed: %s", reason)
    keep_failed(runtime_of_app().database, "telegram", provider_id, reason, now)
    return jsonify({})


def _provider_id(data: Any) -> str:
    update_id = data.get("update_id") if isinstance(data, dict) else None
    if isinstance(update_id, int) and 0 <= update_id < MAX_ID:
        return str(update_id)
    return body_id(request.get_data())


def parse_update(data: Any) -> telegram.Update | None:
    """A PTB Update from the decoded JSON body; None when it is not a well-formed update."""
    if not isinstance(data, dict) or not _fits(data.get("update_id")):
        return None
    try:
        return telegram.Update.de_json(data, None)
    except (TypeError, ValueError, KeyError, AttributeError):
        log.warning("telegram update could not be parsed")
        return None


def update_to_inbound(update: telegram.Update, now: datetime) -> Inbound | None:
    """The channel-neutral Inbound for a Telegram update; None for kinds we do not serve."""
    provider_id = str(update.update_id)
    query = update.callback_query
    if query is not None:
        return _callback_inbound(query, provider_id, now)
    message = update.message  # edited messages, channel posts, member updates: ignored
    if message is None or message.chat.type != "private":
        return None
    return Inbound(
        channel="telegram",
        urn=f"telegram:{_checked(message.chat.id)}",
        provider_id=provider_id,
        received_at=now,
        text=(message.text or message.caption or "").replace("\x00", ""),
        location=_location(message),
        attachment=_attachment(message),
        contact_phone=message.contact.phone_number if message.contact else None,
        contact_is_sender=_contact_is_sender(message),
    )


def _callback_inbound(
    query: telegram.CallbackQuery, provider_id: str, now: datetime
) -> Inbound | None:
    message = query.message
    if message is not None and message.chat.type != "private":
        return None
    chat_id = _checked(message.chat.id if message is not None else query.from_user.id)
    return Inbound(
        channel="telegram",
        urn=f"telegram:{chat_id}",
        provider_id=provider_id,
        received_at=now,
        payload=(query.data or "").replace("\x00", "")[:256],
        message_ref=f"{chat_id}:{message.message_id}" if message is not None else None,
        meta={"callback_query_id": query.id},
    )


def _fits(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -MAX_ID < value < MAX_ID


def _checked(value: Any) -> int:
    """A chat or user id as Telegram can send it; ValueError otherwise."""
    if not _fits(value):
        raise ValueError("id out of range")
    return int(value)


def _location(message: telegram.Message) -> Location | None:
    loc = message.location
    if loc is None:
        return None
    try:
        return _to_location(message, loc)
    except (TypeError, ValueError):  # not (finite) numbers: an impossible point, asked again
        return Location(lat=999.0, lon=999.0, source="chat")


def _to_location(message: telegram.Message, loc: telegram.Location) -> Location:
    lat, lon = float(loc.latitude), float(loc.longitude)
    accuracy = float(loc.horizontal_accuracy) if loc.horizontal_accuracy else None
    if not all(math.isfinite(x) for x in (lat, lon, accuracy or 0.0)):  # JSON allows NaN
        raise ValueError("not a finite location")
    return Location(
        lat=lat,
        lon=lon,
        accuracy_m=accuracy,
        live=bool(loc.to_dict().get("live_period")),  # avoids PTB's int->timedelta warning
        forwarded=message.forward_origin is not None,
        via_bot=message.via_bot is not None,
        source="chat",
    )


def _attachment(message: telegram.Message) -> Attachment | None:
    if message.photo:
        return Attachment(kind="photo", ref=message.photo[-1].file_id)
    if message.document is not None:
        doc = message.document
        return Attachment(kind="document", ref=doc.file_id, name=doc.file_name)
    return None


def _contact_is_sender(message: telegram.Message) -> bool:
    contact, sender = message.contact, message.from_user
    return bool(contact and sender and contact.user_id is not None and contact.user_id == sender.id)
