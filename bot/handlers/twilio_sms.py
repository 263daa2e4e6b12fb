"""Twilio webhooks: inbound SMS/MMS (answered with TwiML) and delivery status callbacks.

Every request is checked against `X-Twilio-Signature` (computed over PUBLIC_BASE_URL +
path and the form); a bad or missing signature is a 403 and nothing is stored. The
urgent replies to the sender ride back in the TwiML response itself (marked sent in the
same transaction); everything else stays pending for the dispatcher. A repeated
delivery of a `MessageSid` already answered gets the same TwiML again (the first answer
may never have reached Twilio), rebuilt from the rows it sent; nothing is sent twice.

The channel is the sender's address: Twilio writes WhatsApp senders `whatsapp:+1…`, so a
Messaging Service that posts both kinds to this route works (bot/handlers/whatsapp.py).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from flask import Blueprint, Request, Response, abort, request
from sqlalchemy import select
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot import outbox
from bot.channels.sms_render import render_sms
from bot.channels.specs import SMS, ChannelSpec, spec_for, spec_for_urn
from bot.engine import Outcome
from bot.messages import Attachment, Inbound
from bot.services import delivery_status
from bot.settings import Settings
from bot.statuses import OutboxStatus
from bot.web import runtime_of_app
from db.models import InboundMessage, OutboxMessage
from db.session import Database

log = logging.getLogger("wbl.twilio")
bp = Blueprint("twilio_sms", __name__)
MAX_FIELD = 4096


@bp.post("/webhooks/twilio/sms")
def inbound_sms() -> Response:
    """Record one inbound SMS, run it through the engine and answer with TwiML."""
    return answer_inbound(SMS)


def answer_inbound(route_spec: ChannelSpec) -> Response:
    """Check, record and answer one inbound Twilio message posted to `route_spec`'s route."""
    runtime = runtime_of_app()
    _require_signature(runtime.settings, request)
    now = runtime.clock.now()
    inbound = form_to_inbound(request.form, now, route_spec)
    if inbound is None:
        abort(400)
    if not spec_for(inbound.channel).enabled(runtime.settings):
        abort(404)  # never accept messages for a channel this deployment does not run
    texts: list[str] = []

    def settle(outcome: Outcome) -> None:
        texts[:] = claim_replies(runtime.settings, outcome, inbound.urn, now)

    if runtime.engine.receive(runtime.database, inbound, settle).duplicate:
        texts = replay(runtime.database, inbound)
    return twiml(texts)


@bp.post("/webhooks/twilio/status")
def status_callback() -> Response:
    """Move an outbox row's delivery status forward from a Twilio status callback."""
    runtime = runtime_of_app()
    _require_signature(runtime.settings, request)
    sid = request.form.get("MessageSid", "").strip()
    status = request.form.get("MessageStatus", "").strip().lower()
    if not sid or not status or len(sid) > 64:
        abort(400)
    with runtime.database.transaction() as session:
        delivery_status.update(
            session,
            sid,
            status,
            error_code=request.form.get("ErrorCode", "").strip() or None,
            now=runtime.clock.now(),
        )
    return Response("", status=200)


def signature_ok(settings: Settings, req: Request) -> bool:
    """True when the request carries a valid `X-Twilio-Signature` for our public URL."""
    signature = req.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    url = settings.public_base_url.rstrip("/") + req.path
    if req.query_string:
        url += "?" + req.query_string.decode("latin-1")
    return bool(RequestValidator(settings.twilio_auth_token).validate(url, req.form, signature))


def _require_signature(settings: Settings, req: Request) -> None:
    if not settings.twilio_auth_token:
        abort(404)  # SMS is not configured here: never accept unsigned posts
    if not signature_ok(settings, req):
        log.warning("twilio webhook refused: bad or missing signature path=%s", req.path)
        abort(403)


def form_to_inbound(
    form: Mapping[str, str], now: datetime, route_spec: ChannelSpec = SMS
) -> Inbound | None:
    """The channel-neutral Inbound for Twilio's inbound form fields; None when malformed."""
    sender = form.get("From", "").strip()
    sid = form.get("MessageSid", "").strip() or form.get("SmsSid", "").strip()
    body = form.get("Body", "").replace("\x00", "")  # PostgreSQL text cannot hold NUL
    if not sender or not sid or len(sender) > 40 or len(sid) > 64 or len(body) > MAX_FIELD:
        return None
    spec = _spec_of_sender(sender, route_spec)
    if spec is None:
        return None
    return Inbound(
        channel=spec.name,
        urn=spec.urn(sender.split(":", 1)[-1]),
        provider_id=sid,
        received_at=now,
        text=body,
        attachment=_attachment(form),
    )


def _spec_of_sender(sender: str, route_spec: ChannelSpec) -> ChannelSpec | None:
    """The channel of a Twilio `From`: a bare number is the route's, `whatsapp:+1…` its own."""
    if ":" not in sender:
        return route_spec
    spec = spec_for_urn(sender)
    return spec if spec is not None and spec.phone_address else None


def _attachment(form: Mapping[str, str]) -> Attachment | None:
    try:
        count = int(form.get("NumMedia", "0") or 0)
    except ValueError:
        return None
    url = form.get("MediaUrl0", "")
    if count < 1 or not url:
        return None
    kind = "photo" if form.get("MediaContentType0", "").startswith("image/") else "file"
    return Attachment(kind=kind, ref=url[:512])


def claim_replies(settings: Settings, outcome: Outcome, urn: str, now: datetime) -> list[str]:
    """Take the urgent replies to `urn` for the TwiML answer; mark them sent (or suppressed).

    Runs (as the engine's `settle`) before the rows are flushed, so each is written once,
    already in its final state.
    """
    texts: list[str] = []
    for row in outcome.outbox:
        if row.urn != urn or row.status != OutboxStatus.PENDING or not row.urgent:
            continue
        verdict = outbox.verdict(settings, row, now, opted_out=outcome.opted_out, sent_today=0)
        if verdict.action == "suppress":
            row.status, row.last_error = OutboxStatus.SUPPRESSED, verdict.reason
        elif verdict.action == "send":
            texts.append(render_sms(row.text, row.buttons or [], outcome.language))
            row.status, row.sent_at, row.attempts = OutboxStatus.SENT, now, (row.attempts or 0) + 1
            row.extra = {**(row.extra or {}), "transport": "twiml", "lang": outcome.language}
    return texts


def replay(database: Database, inbound: Inbound) -> list[str]:
    """The texts the first delivery of `inbound`'s provider id was answered with, again."""
    with database.transaction() as session:
        first = session.execute(
            select(InboundMessage.id, InboundMessage.person_id).where(
                InboundMessage.channel == inbound.channel,
                InboundMessage.provider_id == inbound.provider_id[:64],
            )
        ).first()
        if first is None:
            return []
        rows = session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.person_id == first.person_id  # indexed: the sender's rows only
                if first.person_id is not None
                else OutboxMessage.person_id.is_(None),
                OutboxMessage.in_reply_to == first.id,
                OutboxMessage.urn == inbound.urn,
            )
            .order_by(OutboxMessage.id)
        )
        return [
            render_sms(row.text, row.buttons or [], (row.extra or {}).get("lang", "en"))
            for row in rows
            if (row.extra or {}).get("transport") == "twiml"
        ]


def twiml(texts: list[str]) -> Response:
    """A TwiML <Response> with one <Message> per text (empty when there is nothing to say)."""
    response = MessagingResponse()
    for text in texts:
        response.message(text)
    return Response(str(response), status=200, mimetype="text/xml")
